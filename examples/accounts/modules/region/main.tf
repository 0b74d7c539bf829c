# One region of the accounts service, without its EKS cluster: the network, and the
# data tier every cluster reads and writes (Aurora PostgreSQL for accounts, MSK for the
# ledger's events, ElastiCache for sessions). The cluster is in ../eks, or in the root
# module for a region upgraded blue/green.

locals {
  # Three zones: MSK wants its brokers in two or three, Aurora and ElastiCache in two or more.
  zones = [for letter in ["a", "b", "c"] : "${var.region}${letter}"]
  tags = {
    Service = "accounts"
    Region  = var.region
  }
  # Aurora's cluster parameter group family follows the major version (15.10 -> 15).
  aurora_major = split(".", var.aurora_version)[0]
}

resource "aws_vpc" "this" {
  cidr_block = var.cidr
  tags       = merge(local.tags, { Name = var.name })
}

# Nodes and pods take their addresses here: a /20 per zone (4,091 usable) holds both
# sides of a blue/green upgrade with room to spare.
resource "aws_subnet" "nodes" {
  for_each          = { for i, z in local.zones : z => i }
  vpc_id            = aws_vpc.this.id
  availability_zone = each.key
  cidr_block        = cidrsubnet(var.cidr, 4, each.value)
  tags              = merge(local.tags, { Name = "${var.name}-nodes-${each.key}", Tier = "nodes" })
}

# The data tier's interfaces: a /24 per zone.
resource "aws_subnet" "data" {
  for_each          = { for i, z in local.zones : z => i }
  vpc_id            = aws_vpc.this.id
  availability_zone = each.key
  cidr_block        = cidrsubnet(var.cidr, 8, 200 + each.value)
  tags              = merge(local.tags, { Name = "${var.name}-data-${each.key}", Tier = "data" })
}

resource "aws_security_group" "data" {
  name        = "${var.name}-data"
  description = "Aurora, MSK and ElastiCache, reachable from the VPC"
  vpc_id      = aws_vpc.this.id

  ingress {
    description = "PostgreSQL"
    from_port   = 5432
    to_port     = 5432
    protocol    = "tcp"
    cidr_blocks = [var.cidr]
  }
  ingress {
    description = "Kafka over TLS"
    from_port   = 9094
    to_port     = 9094
    protocol    = "tcp"
    cidr_blocks = [var.cidr]
  }
  ingress {
    description = "Redis / Valkey"
    from_port   = 6379
    to_port     = 6379
    protocol    = "tcp"
    cidr_blocks = [var.cidr]
  }

  tags = local.tags
}

# Aurora PostgreSQL: a writer and a reader. A major upgrade needs a parameter group of
# the new family, created before the old one goes.
resource "aws_rds_cluster_parameter_group" "accounts" {
  name   = "${var.name}-pg${local.aurora_major}"
  family = "aurora-postgresql${local.aurora_major}"

  parameter {
    name  = "log_min_duration_statement"
    value = "500"
  }
  parameter {
    name         = "rds.force_ssl"
    value        = "1"
    apply_method = "pending-reboot"
  }

  lifecycle {
    create_before_destroy = true
  }
}

resource "aws_rds_cluster" "accounts" {
  cluster_identifier              = "${var.name}-db"
  engine                          = "aurora-postgresql"
  engine_version                  = var.aurora_version
  database_name                   = "accounts"
  master_username                 = "accounts"
  manage_master_user_password     = true
  db_cluster_parameter_group_name = aws_rds_cluster_parameter_group.accounts.name
  vpc_security_group_ids          = [aws_security_group.data.id]
  storage_encrypted               = true
  backup_retention_period         = 14
  preferred_maintenance_window    = "sun:03:00-sun:04:00"
  allow_major_version_upgrade     = true
  skip_final_snapshot             = false
  final_snapshot_identifier       = "${var.name}-db-final"
  tags                            = local.tags
}

resource "aws_rds_cluster_instance" "accounts" {
  count              = 2
  identifier         = "${var.name}-db-${count.index}"
  cluster_identifier = aws_rds_cluster.accounts.cluster_identifier
  engine             = aws_rds_cluster.accounts.engine
  instance_class     = "db.r6g.large"
  promotion_tier     = count.index
  tags               = local.tags
}

# MSK: three brokers, one per zone, for the ledger's events.
resource "aws_msk_configuration" "ledger" {
  name              = "${var.name}-ledger"
  description       = "Ledger topics: three replicas, two in sync"
  server_properties = <<-EOT
    auto.create.topics.enable = false
    default.replication.factor = 3
    min.insync.replicas = 2
  EOT
}

resource "aws_msk_cluster" "ledger" {
  cluster_name           = "${var.name}-ledger"
  kafka_version          = var.kafka_version
  number_of_broker_nodes = 3

  broker_node_group_info {
    instance_type   = "kafka.m5.large"
    client_subnets  = [for z in local.zones : aws_subnet.data[z].id]
    security_groups = [aws_security_group.data.id]
    storage_info {
      ebs_storage_info {
        volume_size = 500
      }
    }
  }

  configuration_info {
    arn      = aws_msk_configuration.ledger.arn
    revision = aws_msk_configuration.ledger.latest_revision
  }

  encryption_info {
    encryption_in_transit {
      client_broker = "TLS"
      in_cluster    = true
    }
  }

  tags = local.tags
}

# ElastiCache: sessions, a primary and a replica in another zone.
resource "aws_elasticache_replication_group" "sessions" {
  replication_group_id       = "${var.name}-sessions"
  description                = "accounts sessions"
  engine                     = var.cache_engine
  engine_version             = var.cache_version
  node_type                  = "cache.r6g.large"
  num_cache_clusters         = 2
  automatic_failover_enabled = true
  multi_az_enabled           = true
  security_group_ids         = [aws_security_group.data.id]
  at_rest_encryption_enabled = true
  transit_encryption_enabled = true
  tags                       = local.tags
}
