# The shop's cluster behind shop.example.com, upgraded blue/green by changing
# kubernetes_version: galley plan shows the upgrade's steps, galley apply carries them out.
#
#   galley --sim apply -auto-approve
#   galley --sim apply -auto-approve -var kubernetes_version=1.34

provider "aws" {
  region = "eu-west-1"
}

variable "kubernetes_version" {
  type    = string
  default = "1.33"
}

resource "aws_vpc" "main" {
  cidr_block = "10.40.0.0/16"
}

resource "aws_subnet" "nodes" {
  for_each          = { a = "10.40.0.0/20", b = "10.40.16.0/20" }
  vpc_id            = aws_vpc.main.id
  cidr_block        = each.value
  availability_zone = "eu-west-1${each.key}"
}

resource "aws_route53_zone" "main" {
  name = "example.com"
}

module "shop" {
  source = "../.."

  name               = "shop"
  kubernetes_version = var.kubernetes_version
  vpc_id             = aws_vpc.main.id
  subnet_ids         = [for s in aws_subnet.nodes : s.id]
  cluster_role_arn   = "arn:aws:iam::123456789012:role/eks"
  node_role_arn      = "arn:aws:iam::123456789012:role/node"
  zone_id            = aws_route53_zone.main.zone_id
  record_name        = "shop.example.com"

  app = {
    name     = "shop"
    image    = "example/shop:1.0"
    replicas = 6
  }

  # The gate: the simulator reports how shop.example.com is served; on AWS, use your own
  # measurements (CloudWatch, a synthetic check) here.
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

data "galley_sim_traffic" "shop" {
  provider = aws
  name     = "shop.example.com"
}

output "kubernetes_version" {
  value = module.shop.kubernetes_version
}

output "cluster_name" {
  value = module.shop.cluster_name
}

output "traffic" {
  value = { for t in data.galley_sim_traffic.shop.targets : t.set_identifier => t.share }
}
