# How the simulator's Route 53 splits lookups of a name over its weighted records right
# now: an independent check of the module's share_percent.

provider "aws" {
  region = "us-east-1"
}

variable "fqdn" {
  type = string
}

variable "type" {
  type = string
}

# The simulator serves this data source through the aws provider.
data "galley_sim_traffic" "this" {
  provider = aws
  name     = var.fqdn
  type     = var.type
}

output "share_percent" {
  value = { for t in data.galley_sim_traffic.this.targets : t.set_identifier => t.share * 100 }
}
