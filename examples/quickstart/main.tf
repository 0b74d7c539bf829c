# A small stack on the embedded simulator: a VPC, one subnet per zone, instances,
# weighted DNS records for a blue/green shift, and a local module.

provider "aws" {
  region = var.region
}

locals {
  zones = toset(["${var.region}a", "${var.region}b"])
  tags = {
    Project = "quickstart"
    Owner   = var.owner
  }
}

resource "aws_vpc" "main" {
  cidr_block = var.cidr
  tags       = merge(local.tags, { Name = "quickstart" })
}

resource "aws_subnet" "private" {
  for_each          = local.zones
  vpc_id            = aws_vpc.main.id
  availability_zone = each.key
  cidr_block        = cidrsubnet(var.cidr, 8, index(sort(tolist(local.zones)), each.key))
  tags              = merge(local.tags, { Zone = each.key })
}

resource "aws_instance" "web" {
  count         = var.web_count
  ami           = "ami-0abcdef1234567890"
  instance_type = var.instance_type
  subnet_id     = aws_subnet.private["${var.region}a"].id
  tags          = merge(local.tags, { Name = "web-${count.index}" })
}

module "dns" {
  source      = "./net"
  domain      = "quickstart.example.com"
  blue_weight = var.blue_weight
  targets     = aws_instance.web[*].private_ip
}
