# Three brokers on Kafka 3.8.x, one per zone of eu-west-1, in a new VPC.

provider "aws" {
  region = "eu-west-1"
}

locals {
  zones = ["eu-west-1a", "eu-west-1b", "eu-west-1c"]
}

resource "aws_vpc" "main" {
  cidr_block = "10.51.0.0/16"
}

resource "aws_subnet" "kafka" {
  count             = length(local.zones)
  vpc_id            = aws_vpc.main.id
  availability_zone = local.zones[count.index]
  cidr_block        = cidrsubnet(aws_vpc.main.cidr_block, 8, count.index)
}

resource "aws_security_group" "kafka" {
  name        = "events-kafka"
  description = "Kafka over TLS from the VPC"
  vpc_id      = aws_vpc.main.id

  ingress {
    description = "Kafka over TLS"
    from_port   = 9094
    to_port     = 9094
    protocol    = "tcp"
    cidr_blocks = [aws_vpc.main.cidr_block]
  }
}

module "events" {
  source = "../.."

  name               = "events"
  kafka_version      = "3.8.x"
  broker_count       = 3
  client_subnet_ids  = aws_subnet.kafka[*].id
  security_group_ids = [aws_security_group.kafka.id]
  server_properties = {
    "log.retention.hours" = "168"
  }
  tags = { Service = "events" }
}

output "bootstrap_brokers" {
  value = module.events.bootstrap_brokers
}

output "cluster_arn" {
  value = module.events.cluster_arn
}

output "configuration_revision" {
  value = module.events.configuration_revision
}
