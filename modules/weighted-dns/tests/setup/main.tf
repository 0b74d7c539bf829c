# What the weighted-dns tests need around the module: a hosted zone, and a load balancer
# for an alias target.

provider "aws" {
  region = "us-east-1"
}

resource "aws_route53_zone" "test" {
  name = "weighted.example.com"
}

resource "aws_vpc" "test" {
  cidr_block = "10.99.0.0/16"
}

resource "aws_subnet" "test" {
  for_each          = { "us-east-1a" = 0, "us-east-1b" = 1 }
  vpc_id            = aws_vpc.test.id
  availability_zone = each.key
  cidr_block        = cidrsubnet(aws_vpc.test.cidr_block, 8, each.value)
}

resource "aws_lb" "test" {
  name               = "wdns-lb" # the kitchen prefixes it with its 23-character run id; ALB names stop at 32
  load_balancer_type = "application"
  subnets            = [for s in aws_subnet.test : s.id]
}

output "zone_id" {
  value = aws_route53_zone.test.zone_id
}

output "lb_dns_name" {
  value = aws_lb.test.dns_name
}

output "lb_zone_id" {
  value = aws_lb.test.zone_id
}
