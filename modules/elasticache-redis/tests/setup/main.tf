# The network the kitchen test puts the replication group in: a VPC and a security group
# open to Redis/Valkey from inside it. (The simulator has no ElastiCache subnet groups,
# so the group uses the default one.)

resource "aws_vpc" "test" {
  cidr_block = "10.80.0.0/16"
}

resource "aws_security_group" "cache" {
  name        = "cache-test"
  description = "Redis and Valkey from the VPC"
  vpc_id      = aws_vpc.test.id

  ingress {
    description = "Redis / Valkey"
    from_port   = 6379
    to_port     = 6379
    protocol    = "tcp"
    cidr_blocks = [aws_vpc.test.cidr_block]
  }
}

output "security_group_id" {
  description = "The cache security group."
  value       = aws_security_group.cache.id
}
