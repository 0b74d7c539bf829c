# The shop in eu-west-1, built from galley's module library fetched from git and pinned
# by tag: a network sized for blue/green, an EKS cluster upgraded blue/green behind
# shop.example.com, Aurora PostgreSQL and a Valkey cache.
#
#   galley init                     # fetch the modules at v0.1.0, pin them in .galley.lock.hcl
#   galley --sim apply -auto-approve
#   galley --sim apply -auto-approve -var kubernetes_version=1.34   # blue/green upgrade
#
# git.example.com/platform/galley.git stands for wherever your team keeps the library
# (a fork or mirror of this repository): change the address, or point it at a copy with
# `git config --global url.<copy>.insteadOf https://git.example.com/platform/galley.git`.

provider "aws" {
  region = "eu-west-1"
}

module "network" {
  source = "git::https://git.example.com/platform/galley.git//modules/vpc?ref=v0.1.0"

  name                  = "shop"
  cidr_block            = "10.60.0.0/16"
  zones                 = ["eu-west-1a", "eu-west-1b", "eu-west-1c"]
  max_nodes_per_cluster = 60
  pods_per_node         = 29
  data_ports            = [5432, 6379]
  tags                  = local.tags
}

resource "aws_route53_zone" "main" {
  name = "example.com"
}

module "cluster" {
  source = "git::https://git.example.com/platform/galley.git//modules/eks-blue-green?ref=v0.1.0"

  name               = "shop"
  kubernetes_version = var.kubernetes_version
  vpc_id             = module.network.vpc_id
  subnet_ids         = module.network.cluster_subnet_ids
  cluster_role_arn   = var.cluster_role_arn
  node_role_arn      = var.node_role_arn
  zone_id            = aws_route53_zone.main.zone_id
  record_name        = "shop.example.com"
  tags               = local.tags

  app = {
    name     = "shop"
    image    = "example/shop:${var.image_tag}"
    replicas = 6
  }

  health_checks = [
    {
      ok      = data.galley_sim_traffic.shop.error_rate <= 0.01
      message = "shop.example.com fails ${data.galley_sim_traffic.shop.error_rate * 100}% of requests"
    },
    {
      ok      = alltrue([for t in data.galley_sim_traffic.shop.targets : t.ready])
      message = "a record of shop.example.com points at a side without ready pods"
    },
  ]
}

# How shop.example.com is served, as the simulator sees it: the health gate's input.
data "galley_sim_traffic" "shop" {
  provider = aws
  name     = module.cluster.record_fqdn
}

module "database" {
  source = "git::https://git.example.com/platform/galley.git//modules/aurora-postgresql?ref=v0.1.0"

  name                = "shop-db"
  engine_version      = var.aurora_version
  reader_count        = 1
  database_name       = "shop"
  security_group_ids  = [module.network.data_security_group_id]
  logical_replication = true
  blue_green_update   = true
  skip_final_snapshot = true
  tags                = local.tags
}

module "cache" {
  source = "git::https://git.example.com/platform/galley.git//modules/elasticache-redis?ref=v0.1.0"

  name               = "shop-sessions"
  engine             = "valkey"
  engine_version     = var.cache_version
  replicas           = 1
  security_group_ids = [module.network.data_security_group_id]
  tags               = local.tags
}

locals {
  tags = { Service = "shop" }
}
