# The network the eks-cluster tests put their cluster in: the library's vpc module.

provider "aws" {
  region = "eu-west-1"
}

module "vpc" {
  source = "../../../vpc"

  name       = "eks-cluster-test"
  cidr_block = "10.40.0.0/16"
  zones      = ["eu-west-1a", "eu-west-1b", "eu-west-1c"]
}

output "subnet_ids" {
  value = module.vpc.cluster_subnet_ids
}
