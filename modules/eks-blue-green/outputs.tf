output "cluster_name" {
  description = "The live cluster's name (NAME, or NAME-green after an odd number of upgrades)."
  value       = aws_eks_cluster.this.name
}

output "cluster_endpoint" {
  description = "The live cluster's API endpoint."
  value       = aws_eks_cluster.this.endpoint
}

output "kubernetes_version" {
  description = "The live cluster's Kubernetes version."
  value       = aws_eks_cluster.this.version
}

output "addon_versions" {
  description = "The live cluster's add-on builds by add-on name."
  value       = { for k, a in aws_eks_addon.this : k => a.addon_version }
}

output "load_balancer_dns_name" {
  description = "The live side's load balancer."
  value       = aws_lb.this.dns_name
}

output "record_fqdn" {
  description = "The weighted record's name."
  value       = aws_route53_record.this.fqdn
}

output "set_identifier" {
  description = "The live side's record identifier among the weighted records of the name."
  value       = aws_route53_record.this.set_identifier
}
