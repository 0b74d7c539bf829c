output "cluster_arn" {
  description = "The cluster's ARN."
  value       = aws_msk_cluster.this.arn
}

output "cluster_name" {
  description = "The cluster's name."
  value       = aws_msk_cluster.this.cluster_name
}

output "bootstrap_brokers" {
  description = "Comma-separated host:port pairs for TLS clients (port 9094); the cluster accepts TLS only."
  value       = aws_msk_cluster.this.bootstrap_brokers_tls
}

output "kafka_version" {
  description = "The cluster's Apache Kafka version."
  value       = aws_msk_cluster.this.kafka_version
}

output "metadata_mode" {
  description = "KRaft for .kraft versions, ZooKeeper otherwise; fixed at creation."
  value       = endswith(aws_msk_cluster.this.kafka_version, ".kraft") ? "KRaft" : "ZooKeeper"
}

output "broker_count" {
  description = "Brokers in the cluster."
  value       = aws_msk_cluster.this.number_of_broker_nodes
}

output "configuration_arn" {
  description = "The MSK configuration's ARN."
  value       = aws_msk_configuration.this.arn
}

output "configuration_revision" {
  description = "The configuration revision the cluster runs; every change of server_properties is a new revision."
  value       = aws_msk_cluster.this.configuration_info[0].revision
}

output "server_properties" {
  description = "The server.properties the brokers run with."
  value       = aws_msk_configuration.this.server_properties
}
