# api.accounts.example.com over two load balancers, blue and green, weighted 90/10:
# the first step of a blue/green shift.

provider "aws" {
  region = "us-east-1"
}

resource "aws_route53_zone" "accounts" {
  name = "accounts.example.com"
}

resource "aws_vpc" "main" {
  cidr_block = "10.10.0.0/16"
}

resource "aws_subnet" "lb" {
  for_each          = { "us-east-1a" = 0, "us-east-1b" = 1 }
  vpc_id            = aws_vpc.main.id
  availability_zone = each.key
  cidr_block        = cidrsubnet(aws_vpc.main.cidr_block, 8, each.value)
}

resource "aws_lb" "side" {
  for_each           = toset(["blue", "green"])
  name               = "accounts-api-${each.key}"
  load_balancer_type = "application"
  subnets            = [for s in aws_subnet.lb : s.id]
}

module "api" {
  source = "../.."

  zone_id = aws_route53_zone.accounts.zone_id
  name    = "api"
  targets = {
    blue  = { weight = 90, alias_name = aws_lb.side["blue"].dns_name, alias_zone_id = aws_lb.side["blue"].zone_id }
    green = { weight = 10, alias_name = aws_lb.side["green"].dns_name, alias_zone_id = aws_lb.side["green"].zone_id }
  }
}

output "fqdn" {
  value = module.api.fqdn
}

output "share_percent" {
  value = module.api.share_percent
}
