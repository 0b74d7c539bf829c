output "cluster_name" {
  value = aws_eks_cluster.this.name
}

# What the region's weighted record aliases: known once the API's pods are ready
# behind it, so the record never sends clients to an empty load balancer.
output "load_balancer" {
  value = {
    dns_name = aws_lb.api.dns_name
    zone_id  = aws_lb.api.zone_id
  }
  depends_on = [kubernetes_manifest.api, kubernetes_manifest.api_binding, aws_lb_listener.http]
}
