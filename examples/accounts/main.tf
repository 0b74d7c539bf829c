# The accounts service in four regions. Each region has its network and data tier
# (Aurora PostgreSQL, MSK, ElastiCache) from modules/region and an EKS cluster running
# the API and the ledger worker; api.accounts.example.com sends clients to every
# region's load balancer through weighted Route 53 records.
#
# us-east-1, us-west-2 and ap-southeast-1 have their cluster in modules/eks and are
# upgraded in place. eu-west-1's cluster is written in the root module (eu-west-1.tf)
# because galley upgrades it blue/green, and blue_green blocks name root resources.

provider "aws" {
  alias  = "use1"
  region = "us-east-1"
}

provider "aws" {
  alias  = "usw2"
  region = "us-west-2"
}

provider "aws" {
  alias  = "euw1"
  region = "eu-west-1"
}

provider "aws" {
  alias  = "apse1"
  region = "ap-southeast-1"
}

locals {
  # EKS add-on builds per Kubernetes version (DescribeAddonVersions; the catalog in
  # engine/src/catalog/catalog.json). A cluster upgrade moves its add-ons with it.
  addon_versions = {
    "1.31" = { vpc-cni = "v1.20.4-eksbuild.1", coredns = "v1.11.4-eksbuild.24", kube-proxy = "v1.31.13-eksbuild.2" }
    "1.32" = { vpc-cni = "v1.20.4-eksbuild.1", coredns = "v1.11.4-eksbuild.24", kube-proxy = "v1.32.9-eksbuild.2" }
    "1.33" = { vpc-cni = "v1.20.4-eksbuild.1", coredns = "v1.12.4-eksbuild.1", kube-proxy = "v1.33.5-eksbuild.2" }
    "1.34" = { vpc-cni = "v1.20.4-eksbuild.1", coredns = "v1.13.2-eksbuild.11", kube-proxy = "v1.34.1-eksbuild.2" }
    "1.35" = { vpc-cni = "v1.20.4-eksbuild.1", coredns = "v1.14.3-eksbuild.3", kube-proxy = "v1.35.3-eksbuild.13" }
  }

  # Every region's record has the same weight: each serves an equal share.
  weight = 100
}

# ---- us-east-1 -------------------------------------------------------------------

module "us_east_1" {
  source    = "./modules/region"
  providers = { aws = aws.use1 }

  name           = "accounts-use1"
  region         = "us-east-1"
  cidr           = "10.10.0.0/16"
  aurora_version = var.aurora_version["us-east-1"]
  kafka_version  = var.kafka_version["us-east-1"]
  cache_engine   = var.cache["us-east-1"].engine
  cache_version  = var.cache["us-east-1"].version
}

module "us_east_1_eks" {
  source    = "./modules/eks"
  providers = { aws = aws.use1 }

  name               = "accounts-use1"
  kubernetes_version = var.eks_version["us-east-1"]
  addon_versions     = local.addon_versions
  vpc_id             = module.us_east_1.vpc_id
  subnet_ids         = module.us_east_1.node_subnet_ids
  cluster_role_arn   = var.cluster_role_arn
  node_role_arn      = var.node_role_arn
  nodes              = 4
  api_replicas       = 8
  image_tag          = var.image_tag
  settings = {
    DATABASE_HOST = module.us_east_1.database_endpoint
    KAFKA_BROKERS = module.us_east_1.kafka_brokers
    CACHE_HOST    = module.us_east_1.cache_endpoint
  }
}

# ---- us-west-2 -------------------------------------------------------------------

module "us_west_2" {
  source    = "./modules/region"
  providers = { aws = aws.usw2 }

  name           = "accounts-usw2"
  region         = "us-west-2"
  cidr           = "10.20.0.0/16"
  aurora_version = var.aurora_version["us-west-2"]
  kafka_version  = var.kafka_version["us-west-2"]
  cache_engine   = var.cache["us-west-2"].engine
  cache_version  = var.cache["us-west-2"].version
}

module "us_west_2_eks" {
  source    = "./modules/eks"
  providers = { aws = aws.usw2 }

  name               = "accounts-usw2"
  kubernetes_version = var.eks_version["us-west-2"]
  addon_versions     = local.addon_versions
  vpc_id             = module.us_west_2.vpc_id
  subnet_ids         = module.us_west_2.node_subnet_ids
  cluster_role_arn   = var.cluster_role_arn
  node_role_arn      = var.node_role_arn
  image_tag          = var.image_tag
  settings = {
    DATABASE_HOST = module.us_west_2.database_endpoint
    KAFKA_BROKERS = module.us_west_2.kafka_brokers
    CACHE_HOST    = module.us_west_2.cache_endpoint
  }
}

# ---- eu-west-1 (the cluster is in eu-west-1.tf) ----------------------------------

module "eu_west_1" {
  source    = "./modules/region"
  providers = { aws = aws.euw1 }

  name           = "accounts-euw1"
  region         = "eu-west-1"
  cidr           = "10.30.0.0/16"
  aurora_version = var.aurora_version["eu-west-1"]
  kafka_version  = var.kafka_version["eu-west-1"]
  cache_engine   = var.cache["eu-west-1"].engine
  cache_version  = var.cache["eu-west-1"].version
}

# ---- ap-southeast-1 --------------------------------------------------------------

module "ap_southeast_1" {
  source    = "./modules/region"
  providers = { aws = aws.apse1 }

  name           = "accounts-apse1"
  region         = "ap-southeast-1"
  cidr           = "10.40.0.0/16"
  aurora_version = var.aurora_version["ap-southeast-1"]
  kafka_version  = var.kafka_version["ap-southeast-1"]
  cache_engine   = var.cache["ap-southeast-1"].engine
  cache_version  = var.cache["ap-southeast-1"].version
}

module "ap_southeast_1_eks" {
  source    = "./modules/eks"
  providers = { aws = aws.apse1 }

  name               = "accounts-apse1"
  kubernetes_version = var.eks_version["ap-southeast-1"]
  addon_versions     = local.addon_versions
  vpc_id             = module.ap_southeast_1.vpc_id
  subnet_ids         = module.ap_southeast_1.node_subnet_ids
  cluster_role_arn   = var.cluster_role_arn
  node_role_arn      = var.node_role_arn
  nodes              = 2
  api_replicas       = 4
  worker_replicas    = 2
  image_tag          = var.image_tag
  settings = {
    DATABASE_HOST = module.ap_southeast_1.database_endpoint
    KAFKA_BROKERS = module.ap_southeast_1.kafka_brokers
    CACHE_HOST    = module.ap_southeast_1.cache_endpoint
  }
}

# ---- DNS: one name, a weighted record per region ---------------------------------

# Route 53 is global; its API lives in us-east-1.
resource "aws_route53_zone" "accounts" {
  provider = aws.use1
  name     = "accounts.example.com"
}

resource "aws_route53_record" "api" {
  for_each = {
    us-east-1      = module.us_east_1_eks.load_balancer
    us-west-2      = module.us_west_2_eks.load_balancer
    ap-southeast-1 = module.ap_southeast_1_eks.load_balancer
  }
  provider       = aws.use1
  zone_id        = aws_route53_zone.accounts.zone_id
  name           = "api"
  type           = "A"
  set_identifier = each.key

  weighted_routing_policy {
    weight = local.weight
  }

  alias {
    name                   = each.value.dns_name
    zone_id                = each.value.zone_id
    evaluate_target_health = true
  }
}

# How clients of api.accounts.example.com are served right now, as the simulator sees
# it: each record's share, and whether a ready pod stands behind it.
data "galley_sim_traffic" "api" {
  provider   = aws.use1
  name       = aws_route53_record.eu_west_1.fqdn
  type       = "A"
  depends_on = [aws_route53_record.api]
}
