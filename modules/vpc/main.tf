# A network for EKS that leaves room for a second cluster: per zone, a large cluster
# subnet for nodes and pods and a small data subnet, carved from cidr_block with
# cidrsubnet. With the VPC CNI every pod takes a VPC address, and a blue/green upgrade
# runs two clusters in the same subnets until the old one is gone; var.pods_per_node
# refuses a sizing where the two do not fit.

locals {
  prefix_length = tonumber(split("/", var.cidr_block)[1])
  zone_index    = { for i, z in var.zones : z => i }

  # Cluster subnets from the bottom of the range, data subnets from the top.
  cluster_cidrs = { for z, i in local.zone_index : z => cidrsubnet(var.cidr_block, var.cluster_subnet_newbits, i) }
  data_cidrs = {
    for z, i in local.zone_index :
    z => cidrsubnet(var.cidr_block, var.data_subnet_newbits, pow(2, var.data_subnet_newbits) - length(var.zones) + i)
  }

  # Addresses per zone: AWS keeps the first four and the last of every subnet.
  reserved_per_subnet  = 5
  cluster_subnet_size  = pow(2, 32 - local.prefix_length - var.cluster_subnet_newbits)
  usable_per_zone      = local.cluster_subnet_size - local.reserved_per_subnet
  nodes_per_zone       = ceil(var.max_nodes_per_cluster / length(var.zones))
  one_cluster_per_zone = local.nodes_per_zone * (var.pods_per_node + 1)
  blue_green_per_zone  = 2 * local.one_cluster_per_zone
}

resource "aws_vpc" "this" {
  cidr_block           = var.cidr_block
  enable_dns_support   = true
  enable_dns_hostnames = true
  tags                 = merge(var.tags, { Name = var.name })
}

resource "aws_subnet" "cluster" {
  for_each          = local.cluster_cidrs
  vpc_id            = aws_vpc.this.id
  availability_zone = each.key
  cidr_block        = each.value
  tags              = merge(var.tags, { Name = "${var.name}-cluster-${each.key}", Tier = "cluster" })
}

resource "aws_subnet" "data" {
  for_each          = local.data_cidrs
  vpc_id            = aws_vpc.this.id
  availability_zone = each.key
  cidr_block        = each.value
  tags              = merge(var.tags, { Name = "${var.name}-data-${each.key}", Tier = "data" })
}

# The data tier's interfaces: reachable on var.data_ports from the cluster subnets
# only, so both clusters of a blue/green upgrade reach it and nothing else in the VPC does.
resource "aws_security_group" "data" {
  name        = "${var.name}-data"
  description = "Data tier, reachable from the cluster subnets"
  vpc_id      = aws_vpc.this.id

  dynamic "ingress" {
    for_each = var.data_ports
    content {
      description = "TCP ${ingress.value} from the cluster subnets"
      from_port   = ingress.value
      to_port     = ingress.value
      protocol    = "tcp"
      cidr_blocks = [for z in var.zones : local.cluster_cidrs[z]]
    }
  }

  egress {
    description = "Replies and outbound calls"
    from_port   = 0
    to_port     = 0
    protocol    = "-1"
    cidr_blocks = ["0.0.0.0/0"]
  }

  tags = merge(var.tags, { Name = "${var.name}-data" })
}
