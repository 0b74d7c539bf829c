# What the module expects around it: a VPC with node subnets in two zones, and a zone.

resource "aws_vpc" "main" {
  cidr_block = "10.41.0.0/16"
}

resource "aws_subnet" "nodes" {
  for_each          = { a = "10.41.0.0/20", b = "10.41.16.0/20" }
  vpc_id            = aws_vpc.main.id
  cidr_block        = each.value
  availability_zone = "eu-west-1${each.key}"
}

resource "aws_route53_zone" "main" {
  name = "example.com"
}

output "vpc_id" {
  value = aws_vpc.main.id
}

output "subnet_ids" {
  value = [for s in aws_subnet.nodes : s.id]
}

output "zone_id" {
  value = aws_route53_zone.main.zone_id
}
