# The fleet's versions, one entry per region. An upgrade is a one-line change here (or
# the same map given with -var): galley plans the steps, checks and cost of each.

variable "eks_version" {
  description = "Kubernetes version of each region's EKS cluster."
  type        = map(string)
  default = {
    us-east-1      = "1.34"
    us-west-2      = "1.33"
    eu-west-1      = "1.32"
    ap-southeast-1 = "1.31"
  }
}

variable "aurora_version" {
  description = "Aurora PostgreSQL version of each region's accounts database."
  type        = map(string)
  default = {
    us-east-1      = "16.8"
    us-west-2      = "15.10"
    eu-west-1      = "14.15"
    ap-southeast-1 = "13.18"
  }
}

variable "kafka_version" {
  description = "Apache Kafka version of each region's MSK cluster."
  type        = map(string)
  default = {
    us-east-1      = "3.8.x"
    us-west-2      = "3.7.x"
    eu-west-1      = "3.6.0"
    ap-southeast-1 = "3.6.0"
  }
}

variable "cache" {
  description = "ElastiCache engine and version of each region's session store."
  type        = map(object({ engine = string, version = string }))
  default = {
    us-east-1      = { engine = "valkey", version = "8.0" }
    us-west-2      = { engine = "valkey", version = "7.2" }
    eu-west-1      = { engine = "redis", version = "7.1" }
    ap-southeast-1 = { engine = "redis", version = "6.2" }
  }
}

variable "image_tag" {
  description = "The accounts release every region runs."
  type        = string
  default     = "2026.11.2"
}

variable "cluster_role_arn" {
  type    = string
  default = "arn:aws:iam::123456789012:role/accounts-eks-cluster"
}

variable "node_role_arn" {
  type    = string
  default = "arn:aws:iam::123456789012:role/accounts-eks-node"
}
