# Sessions on Redis OSS 7.1: a primary and a replica in another zone, with automatic
# failover, in a new VPC.

provider "aws" {
  region = "eu-west-1"
}

resource "aws_vpc" "main" {
  cidr_block = "10.52.0.0/16"
}

resource "aws_security_group" "cache" {
  name        = "sessions-cache"
  description = "Redis from the VPC"
  vpc_id      = aws_vpc.main.id

  ingress {
    description = "Redis"
    from_port   = 6379
    to_port     = 6379
    protocol    = "tcp"
    cidr_blocks = [aws_vpc.main.cidr_block]
  }
}

module "sessions" {
  source = "../.."

  name               = "sessions"
  engine             = "redis"
  engine_version     = "7.1"
  replicas           = 1
  security_group_ids = [aws_security_group.cache.id]
  tags               = { Service = "sessions" }
}

output "primary_endpoint" {
  value = module.sessions.primary_endpoint
}

output "reader_endpoint" {
  value = module.sessions.reader_endpoint
}

output "engine" {
  value = "${module.sessions.engine} ${module.sessions.engine_version}"
}
