# A writer and one reader on Aurora PostgreSQL 16.8 in a new VPC, ready for a
# blue/green major upgrade (logical replication on).

provider "aws" {
  region = "eu-west-1"
}

resource "aws_vpc" "main" {
  cidr_block = "10.50.0.0/16"
}

resource "aws_security_group" "db" {
  name        = "orders-db"
  description = "PostgreSQL from the VPC"
  vpc_id      = aws_vpc.main.id

  ingress {
    description = "PostgreSQL"
    from_port   = 5432
    to_port     = 5432
    protocol    = "tcp"
    cidr_blocks = [aws_vpc.main.cidr_block]
  }
}

module "orders_db" {
  source = "../.."

  name                = "orders-db"
  engine_version      = "16.8"
  reader_count        = 1
  database_name       = "orders"
  security_group_ids  = [aws_security_group.db.id]
  logical_replication = true
  blue_green_update   = true
  skip_final_snapshot = true
  tags                = { Service = "orders" }
}

output "endpoint" {
  value = module.orders_db.endpoint
}

output "reader_endpoint" {
  value = module.orders_db.reader_endpoint
}

output "parameter_group_family" {
  value = module.orders_db.parameter_group_family
}

output "instance_ids" {
  value = module.orders_db.instance_ids
}
