output "cluster_identifier" {
  description = "The cluster's identifier."
  value       = aws_rds_cluster.this.cluster_identifier
}

output "cluster_arn" {
  description = "The cluster's ARN."
  value       = aws_rds_cluster.this.arn
}

output "endpoint" {
  description = "The writer endpoint (follows the writer through failovers and blue/green switchovers)."
  value       = aws_rds_cluster.this.endpoint
}

output "reader_endpoint" {
  description = "The reader endpoint, balanced over the readers."
  value       = aws_rds_cluster.this.reader_endpoint
}

output "port" {
  description = "The port clients connect to."
  value       = aws_rds_cluster.this.port
}

output "engine_version" {
  description = "The engine version configured on the cluster."
  value       = aws_rds_cluster.this.engine_version
}

output "engine_version_actual" {
  description = "The engine version the cluster runs; behind engine_version while an upgrade waits for the maintenance window."
  value       = aws_rds_cluster.this.engine_version_actual
}

output "parameter_group_family" {
  description = "The cluster parameter group's family (aurora-postgresqlMAJOR)."
  value       = aws_rds_cluster_parameter_group.this[local.major].family
}

output "parameter_group_name" {
  description = "The cluster parameter group's name."
  value       = aws_rds_cluster_parameter_group.this[local.major].name
}

output "writer_instance_id" {
  description = "The instance created as the writer."
  value       = aws_rds_cluster_instance.writer.id
}

output "reader_instance_ids" {
  description = "The reader instances, in promotion order."
  value       = aws_rds_cluster_instance.reader[*].id
}

output "instance_ids" {
  description = "Every instance of the cluster, the writer first."
  value       = concat([aws_rds_cluster_instance.writer.id], aws_rds_cluster_instance.reader[*].id)
}
