output "api_name" {
  value = aws_route53_record.eu_west_1.fqdn
}

output "clusters" {
  value = {
    us-east-1      = module.us_east_1_eks.cluster_name
    us-west-2      = module.us_west_2_eks.cluster_name
    eu-west-1      = aws_eks_cluster.eu_west_1.name
    ap-southeast-1 = module.ap_southeast_1_eks.cluster_name
  }
}

# Each region's share of the traffic and whether ready pods serve it.
output "traffic" {
  value = {
    error_rate = data.galley_sim_traffic.api.error_rate
    records = {
      for t in data.galley_sim_traffic.api.targets : t.set_identifier => {
        share = t.share
        ready = t.ready
      }
    }
  }
}
