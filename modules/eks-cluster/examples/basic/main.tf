# An EKS 1.34 cluster with two managed node groups in a network from ../../../vpc sized
# for a blue/green upgrade.

provider "aws" {
  region = "eu-west-1"
}

module "vpc" {
  source = "../../../vpc"

  name                  = "accounts-euw1"
  cidr_block            = "10.30.0.0/16"
  zones                 = ["eu-west-1a", "eu-west-1b", "eu-west-1c"]
  max_nodes_per_cluster = 12
  pods_per_node         = 29
}

module "eks" {
  source = "../.."

  name               = "accounts-euw1"
  kubernetes_version = "1.34"
  subnet_ids         = module.vpc.cluster_subnet_ids
  cluster_role_arn   = "arn:aws:iam::123456789012:role/accounts-eks-cluster"
  node_role_arn      = "arn:aws:iam::123456789012:role/accounts-eks-node"
  node_groups = {
    general = { min_size = 3, desired_size = 3, max_size = 6 }
    batch   = { instance_types = ["c5.xlarge"], min_size = 1, desired_size = 2, max_size = 6 }
  }
  tags = { Service = "accounts" }
}

output "cluster_name" {
  value = module.eks.cluster_name
}

output "endpoint" {
  value = module.eks.endpoint
}

output "kubernetes_version" {
  value = module.eks.kubernetes_version
}

output "node_group_names" {
  value = module.eks.node_group_names
}

output "addon_versions" {
  value = module.eks.addon_versions
}
