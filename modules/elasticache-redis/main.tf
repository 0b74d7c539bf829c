# A Redis OSS or Valkey replication group: a primary and var.replicas replicas, with
# automatic failover and Multi-AZ whenever there is a replica to fail over to.

locals {
  automatic_failover = coalesce(var.automatic_failover_enabled, var.replicas > 0)
  multi_az           = coalesce(var.multi_az_enabled, var.replicas > 0)
}

resource "aws_elasticache_replication_group" "this" {
  replication_group_id       = var.name
  description                = "${var.name}: ${var.engine} ${var.engine_version}, a primary and ${var.replicas} replicas"
  engine                     = var.engine
  engine_version             = var.engine_version
  node_type                  = var.node_type
  num_cache_clusters         = var.replicas + 1
  automatic_failover_enabled = local.automatic_failover
  multi_az_enabled           = local.multi_az
  subnet_group_name          = var.subnet_group_name
  security_group_ids         = var.security_group_ids
  at_rest_encryption_enabled = true
  transit_encryption_enabled = var.transit_encryption_enabled
  apply_immediately          = var.apply_immediately
  tags                       = var.tags
}
