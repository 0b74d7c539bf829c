output "replication_group_id" {
  description = "The replication group's id."
  value       = aws_elasticache_replication_group.this.id
}

output "arn" {
  description = "The replication group's ARN."
  value       = aws_elasticache_replication_group.this.arn
}

output "primary_endpoint" {
  description = "The primary's endpoint (writes); it follows a failover."
  value       = aws_elasticache_replication_group.this.primary_endpoint_address
}

output "reader_endpoint" {
  description = "The reader endpoint, balanced over the replicas."
  value       = aws_elasticache_replication_group.this.reader_endpoint_address
}

output "port" {
  description = "The port clients connect to."
  value       = aws_elasticache_replication_group.this.port
}

output "engine" {
  description = "redis or valkey."
  value       = aws_elasticache_replication_group.this.engine
}

output "engine_version" {
  description = "The engine version configured."
  value       = aws_elasticache_replication_group.this.engine_version
}

output "engine_version_actual" {
  description = "The engine version the nodes run (7.1 runs 7.1.0)."
  value       = aws_elasticache_replication_group.this.engine_version_actual
}

output "num_cache_clusters" {
  description = "Cache clusters in the group: the primary and its replicas."
  value       = aws_elasticache_replication_group.this.num_cache_clusters
}

output "automatic_failover_enabled" {
  description = "Whether a replica is promoted when the primary fails."
  value       = aws_elasticache_replication_group.this.automatic_failover_enabled
}

output "multi_az_enabled" {
  description = "Whether the group fails over across zones."
  value       = aws_elasticache_replication_group.this.multi_az_enabled
}
