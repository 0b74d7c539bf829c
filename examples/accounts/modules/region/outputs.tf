output "vpc_id" {
  value = aws_vpc.this.id
}

output "node_subnet_ids" {
  value = [for z in local.zones : aws_subnet.nodes[z].id]
}

output "database_endpoint" {
  value = aws_rds_cluster.accounts.endpoint
}

output "kafka_brokers" {
  value = aws_msk_cluster.ledger.bootstrap_brokers_tls
}

output "cache_endpoint" {
  value = aws_elasticache_replication_group.sessions.primary_endpoint_address
}
