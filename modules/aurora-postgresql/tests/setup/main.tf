# The network the kitchen test puts the cluster in: a VPC and a security group open to
# PostgreSQL from inside it. (The simulator has no DB subnet groups, so the cluster uses
# the default one.)

resource "aws_vpc" "test" {
  cidr_block = "10.60.0.0/16"
}

resource "aws_security_group" "db" {
  name        = "aurora-test"
  description = "PostgreSQL from the VPC"
  vpc_id      = aws_vpc.test.id

  ingress {
    description = "PostgreSQL"
    from_port   = 5432
    to_port     = 5432
    protocol    = "tcp"
    cidr_blocks = [aws_vpc.test.cidr_block]
  }
}

output "security_group_id" {
  description = "The database security group."
  value       = aws_security_group.db.id
}
