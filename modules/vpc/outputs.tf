output "vpc_id" {
  description = "The VPC's id."
  value       = aws_vpc.this.id
}

output "cidr_block" {
  description = "The VPC's IPv4 range."
  value       = aws_vpc.this.cidr_block
}

output "cluster_subnet_ids" {
  description = "Cluster subnet ids in the order of var.zones: give these to the EKS cluster and its node groups."
  value       = [for z in var.zones : aws_subnet.cluster[z].id]
}

output "cluster_subnets" {
  description = "Cluster subnets by zone: { id, cidr_block }."
  value       = { for z in var.zones : z => { id = aws_subnet.cluster[z].id, cidr_block = aws_subnet.cluster[z].cidr_block } }
}

output "data_subnet_ids" {
  description = "Data subnet ids in the order of var.zones: for Aurora, MSK and ElastiCache subnet groups."
  value       = [for z in var.zones : aws_subnet.data[z].id]
}

output "data_subnets" {
  description = "Data subnets by zone: { id, cidr_block }."
  value       = { for z in var.zones : z => { id = aws_subnet.data[z].id, cidr_block = aws_subnet.data[z].cidr_block } }
}

output "data_security_group_id" {
  description = "Security group for the data tier, open on var.data_ports to the cluster subnets."
  value       = aws_security_group.data.id
}

output "ip_capacity" {
  description = "Addresses per zone's cluster subnet: usable (size minus AWS's 5), needed by one cluster and by two during a blue/green upgrade (nodes per zone x (pods_per_node + 1)), and the headroom left with both running."
  value = {
    subnet_size          = local.cluster_subnet_size
    usable_per_zone      = local.usable_per_zone
    nodes_per_zone       = local.nodes_per_zone
    one_cluster_per_zone = local.one_cluster_per_zone
    blue_green_per_zone  = local.blue_green_per_zone
    headroom_per_zone    = local.usable_per_zone - local.blue_green_per_zone
  }
}
