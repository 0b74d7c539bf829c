# galley kitchen run modules/vpc

provider "aws" {
  region = "eu-west-1"
}

variables {
  name       = "netmods-vpc"
  cidr_block = "10.30.0.0/16"
  zones      = ["eu-west-1a", "eu-west-1b", "eu-west-1c"]
  tags       = { Service = "accounts" }
}

# The plan-only runs come first, on an empty state: planned after the applies, their
# smaller subnets would replace the /20s, which the simulator refuses at plan
# (InvalidSubnet.Conflict against the subnets being replaced).

# The incident: /22 cluster subnets (1,019 usable) hold one cluster of 60 small nodes
# (600 addresses per zone) but not two (1,200) — refused before anything is built.
run "blue_green_does_not_fit" {
  command = plan
  variables {
    cluster_subnet_newbits = 6
  }
  expect_failures = [var.max_nodes_per_cluster]
}

# The fix: fewer, larger nodes. 24 m5.xlarge (58 pods) need 2 x 8 x 59 = 944 of 1,019.
run "larger_nodes_fit" {
  command = plan
  variables {
    cluster_subnet_newbits = 6
    max_nodes_per_cluster  = 24
    pods_per_node          = 58
  }
  assert {
    condition     = output.ip_capacity.usable_per_zone == 1019 && output.ip_capacity.blue_green_per_zone == 944
    error_message = "A /22 has 1,019 usable addresses; 24 m5.xlarge nodes need 944 per zone with two clusters."
  }
  assert {
    condition     = output.cluster_subnets["eu-west-1c"].cidr_block == "10.30.8.0/22"
    error_message = "The third zone's cluster subnet is the third /22."
  }
}

# Subnets that would overlap: three /17 cluster subnets do not fit in a /16.
run "subnets_overlap" {
  command = plan
  variables {
    cluster_subnet_newbits = 1
    max_nodes_per_cluster  = 3
  }
  expect_failures = [var.cluster_subnet_newbits]
}

# AWS takes /16 to /28 for a VPC: a /8 is refused before anything is built.
run "vpc_too_large" {
  command = plan
  variables {
    cidr_block = "10.0.0.0/8"
  }
  expect_failures = [var.cidr_block]
}

# Defaults: /20 cluster subnets and /24 data subnets, 60 m5.large nodes (29 pods) per cluster.
run "defaults" {
  assert {
    condition     = [for z in var.zones : output.cluster_subnets[z].cidr_block] == ["10.30.0.0/20", "10.30.16.0/20", "10.30.32.0/20"]
    error_message = "Each zone's cluster subnet is the next /20 from the bottom of the VPC."
  }
  assert {
    condition     = [for z in var.zones : output.data_subnets[z].cidr_block] == ["10.30.253.0/24", "10.30.254.0/24", "10.30.255.0/24"]
    error_message = "Each zone's data subnet is a /24 at the top of the VPC."
  }
  assert {
    condition     = [for z in var.zones : aws_subnet.cluster[z].availability_zone] == var.zones
    error_message = "One cluster subnet per zone, in the zone it is named for."
  }
  assert {
    condition     = output.cluster_subnet_ids == [for z in var.zones : output.cluster_subnets[z].id]
    error_message = "cluster_subnet_ids lists the cluster subnets in the order of var.zones."
  }
  assert {
    condition     = output.ip_capacity.usable_per_zone == 4091
    error_message = "A /20 has 4,091 usable addresses (4,096 less AWS's 5)."
  }
  assert {
    condition     = alltrue([for z in var.zones : aws_subnet.cluster[z].available_ip_address_count == output.ip_capacity.usable_per_zone])
    error_message = "usable_per_zone matches what the (empty) subnets report as available."
  }
  assert {
    condition     = output.ip_capacity.nodes_per_zone == 20 && output.ip_capacity.one_cluster_per_zone == 600 && output.ip_capacity.blue_green_per_zone == 1200
    error_message = "60 nodes over 3 zones is 20 per zone, 20 x 30 = 600 addresses per cluster, 1,200 with two clusters."
  }
  assert {
    condition     = output.ip_capacity.headroom_per_zone == 4091 - 1200
    error_message = "Headroom is what is left of a zone's usable addresses with both clusters up."
  }
  assert {
    condition     = alltrue([for r in aws_security_group.data.ingress : toset(r.cidr_blocks) == toset([for z in var.zones : output.cluster_subnets[z].cidr_block])]) && length(aws_security_group.data.ingress) == 3
    error_message = "The data security group opens its three ports to the cluster subnets only."
  }
  assert {
    condition     = aws_vpc.this.tags["Service"] == "accounts" && aws_subnet.data["eu-west-1b"].tags["Tier"] == "data"
    error_message = "var.tags and the tier reach the resources."
  }
}

# Twice the nodes still fit in /20s (2 x 40 x 30 = 2,400 of 4,091): only the arithmetic
# changes, the network stays as it is.
run "more_nodes" {
  variables {
    max_nodes_per_cluster = 120
  }
  assert {
    condition     = output.vpc_id == run.defaults.vpc_id && output.cluster_subnet_ids == run.defaults.cluster_subnet_ids
    error_message = "Changing the sizing inputs keeps the VPC and its subnets."
  }
  assert {
    condition     = output.ip_capacity.blue_green_per_zone == 2400 && output.ip_capacity.headroom_per_zone == 1691
    error_message = "120 nodes: 40 per zone, 2 x 40 x 30 = 2,400 addresses with both clusters up."
  }
}
