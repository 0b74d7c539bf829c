# A three-zone network sized for a blue/green EKS upgrade: /20 cluster subnets hold two
# clusters of up to 120 m5.large nodes (29 pods each), /24 data subnets at the top of
# the range.

provider "aws" {
  region = "eu-west-1"
}

module "vpc" {
  source = "../.."

  name                  = "accounts-euw1"
  cidr_block            = "10.30.0.0/16"
  zones                 = ["eu-west-1a", "eu-west-1b", "eu-west-1c"]
  max_nodes_per_cluster = 120
  pods_per_node         = 29
  tags                  = { Service = "accounts" }
}

output "vpc_id" {
  value = module.vpc.vpc_id
}

output "cluster_subnet_ids" {
  value = module.vpc.cluster_subnet_ids
}

output "cluster_subnets" {
  value = module.vpc.cluster_subnets
}

output "data_subnets" {
  value = module.vpc.data_subnets
}

output "ip_capacity" {
  value = module.vpc.ip_capacity
}
