output "cluster" {
  description = "The live cluster and its version."
  value       = "${module.cluster.cluster_name} (${module.cluster.kubernetes_version})"
}

output "database_endpoint" {
  description = "Aurora's writer endpoint."
  value       = module.database.endpoint
}

output "cache_endpoint" {
  description = "The cache's primary endpoint."
  value       = module.cache.primary_endpoint
}

output "ip_capacity" {
  description = "Addresses per zone for two clusters side by side."
  value       = module.network.ip_capacity
}

output "traffic" {
  description = "Share of shop.example.com per side."
  value       = { for t in data.galley_sim_traffic.shop.targets : t.set_identifier => t.share }
}
