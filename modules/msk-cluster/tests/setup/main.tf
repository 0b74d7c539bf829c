# The network the kitchen test puts the brokers in: a VPC, a subnet in each of three
# zones, and a security group open to Kafka over TLS from inside the VPC.

locals {
  zones = ["eu-west-1a", "eu-west-1b", "eu-west-1c"]
}

resource "aws_vpc" "test" {
  cidr_block = "10.70.0.0/16"
}

resource "aws_subnet" "test" {
  count             = length(local.zones)
  vpc_id            = aws_vpc.test.id
  availability_zone = local.zones[count.index]
  cidr_block        = cidrsubnet(aws_vpc.test.cidr_block, 8, count.index)
}

resource "aws_security_group" "kafka" {
  name        = "msk-test"
  description = "Kafka over TLS from the VPC"
  vpc_id      = aws_vpc.test.id

  ingress {
    description = "Kafka over TLS"
    from_port   = 9094
    to_port     = 9094
    protocol    = "tcp"
    cidr_blocks = [aws_vpc.test.cidr_block]
  }
}

output "subnet_ids" {
  description = "One subnet per zone, a to c."
  value       = aws_subnet.test[*].id
}

output "security_group_id" {
  description = "The brokers' security group."
  value       = aws_security_group.kafka.id
}
