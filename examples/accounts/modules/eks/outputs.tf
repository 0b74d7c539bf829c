output "cluster_name" {
  value = aws_eks_cluster.this.name
}

# What the region's weighted record aliases.
output "load_balancer" {
  value = {
    dns_name = aws_lb.api.dns_name
    zone_id  = aws_lb.api.zone_id
  }
}
