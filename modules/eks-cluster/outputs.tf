output "cluster_name" {
  description = "The cluster's name."
  value       = aws_eks_cluster.this.name
}

output "cluster_arn" {
  description = "The cluster's ARN."
  value       = aws_eks_cluster.this.arn
}

output "endpoint" {
  description = "The Kubernetes API server's URL."
  value       = aws_eks_cluster.this.endpoint
}

output "kubernetes_version" {
  description = "The control plane's Kubernetes version."
  value       = aws_eks_cluster.this.version
}

output "cluster_security_group_id" {
  description = "The security group EKS created for the control plane and nodes."
  value       = aws_eks_cluster.this.vpc_config[0].cluster_security_group_id
}

output "node_group_names" {
  description = "Names of the managed node groups."
  value       = sort([for g in aws_eks_node_group.this : g.node_group_name])
}

output "node_group_versions" {
  description = "Kubernetes version of each managed node group."
  value       = { for k, g in aws_eks_node_group.this : k => g.version }
}

output "addon_versions" {
  description = "The installed build of each add-on (vpc-cni, coredns, kube-proxy)."
  value       = { for k, a in aws_eks_addon.this : k => a.addon_version }
}
