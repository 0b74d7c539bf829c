variable "name" {
  description = "Prefix of every name and Name tag in the network (accounts-euw1)."
  type        = string
}

variable "cidr_block" {
  description = "The VPC's IPv4 range, for example a /16. AWS accepts /16 to /28."
  type        = string

  validation {
    condition     = try(cidrnetmask(var.cidr_block) != "" && tonumber(split("/", var.cidr_block)[1]) >= 16 && tonumber(split("/", var.cidr_block)[1]) <= 28, false)
    error_message = "cidr_block must be an IPv4 CIDR block from /16 to /28 (AWS's range for a VPC)."
  }
}

variable "zones" {
  description = "Availability zones, one cluster subnet and one data subnet in each (eu-west-1a, eu-west-1b, eu-west-1c)."
  type        = list(string)

  validation {
    condition     = length(var.zones) >= 2 && length(distinct(var.zones)) == length(var.zones)
    error_message = "zones must name at least two distinct availability zones: EKS needs subnets in two or more."
  }
}

variable "cluster_subnet_newbits" {
  description = "Bits added to cidr_block's prefix for each zone's cluster subnet, where nodes and pods take their addresses (4 turns a /16 into /20s, 4,091 usable addresses each)."
  type        = number
  default     = 4

  validation {
    # try(): an invalid cidr_block is reported by its own validation.
    condition = try(
      tonumber(split("/", var.cidr_block)[1]) + var.cluster_subnet_newbits <= 28 &&
      tonumber(split("/", var.cidr_block)[1]) + var.data_subnet_newbits <= 28 &&
      length(var.zones) * (pow(2, -var.cluster_subnet_newbits) + pow(2, -var.data_subnet_newbits)) <= 1,
      true
    )
    error_message = "The subnets do not fit: every subnet must be /28 or larger, and one cluster subnet plus one data subnet per zone must fit in cidr_block without overlapping."
  }
}

variable "data_subnet_newbits" {
  description = "Bits added to cidr_block's prefix for each zone's data subnet, for databases, brokers and caches (8 turns a /16 into /24s, 251 usable addresses each). Data subnets are taken from the top of the range."
  type        = number
  default     = 8
}

variable "max_nodes_per_cluster" {
  description = "The most nodes one EKS cluster in this network runs (every node group at its max_size), spread evenly over the zones."
  type        = number
  default     = 60

  validation {
    condition     = var.max_nodes_per_cluster >= 1 && floor(var.max_nodes_per_cluster) == var.max_nodes_per_cluster
    error_message = "max_nodes_per_cluster must be a whole number of at least 1."
  }

  validation {
    # try(): an invalid cidr_block is reported by its own validation.
    condition = try(
      2 * ceil(var.max_nodes_per_cluster / length(var.zones)) * (var.pods_per_node + 1)
      <= pow(2, 32 - tonumber(split("/", var.cidr_block)[1]) - var.cluster_subnet_newbits) - 5,
      true
    )
    error_message = "The cluster subnets cannot hold two clusters at once: a blue/green upgrade runs a second cluster of max_nodes_per_cluster nodes beside the first, and 2 x nodes per zone x (pods_per_node + 1) addresses must fit in each zone's cluster subnet (AWS keeps 5 addresses of every subnet). Use larger cluster subnets (a smaller cluster_subnet_newbits) or fewer, larger nodes."
  }
}

variable "pods_per_node" {
  description = "Max pods per node (m5.large: 29, m5.xlarge: 58). With the VPC CNI and no prefix delegation every pod takes a VPC address, and the node one more of its own."
  type        = number
  default     = 29

  validation {
    condition     = var.pods_per_node >= 1 && floor(var.pods_per_node) == var.pods_per_node
    error_message = "pods_per_node must be a whole number of at least 1."
  }
}

variable "data_ports" {
  description = "TCP ports of the data tier that the cluster subnets may reach (PostgreSQL, Redis/Valkey, Kafka over TLS)."
  type        = list(number)
  default     = [5432, 6379, 9094]
}

variable "tags" {
  description = "Tags for every resource of the network."
  type        = map(string)
  default     = {}
}
