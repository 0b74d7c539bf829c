variable "kubernetes_version" {
  description = "The cluster's Kubernetes version; a change is a blue/green upgrade."
  type        = string
  default     = "1.33"
}

variable "aurora_version" {
  description = "Aurora PostgreSQL version; a new major is an RDS blue/green deployment."
  type        = string
  default     = "16.8"
}

variable "cache_version" {
  description = "Valkey version of the session cache."
  type        = string
  default     = "8.0"
}

variable "image_tag" {
  description = "The shop's container image tag."
  type        = string
  default     = "1.0"
}

variable "cluster_role_arn" {
  description = "IAM role of the EKS control plane."
  type        = string
  default     = "arn:aws:iam::123456789012:role/eks"
}

variable "node_role_arn" {
  description = "IAM role of the managed nodes."
  type        = string
  default     = "arn:aws:iam::123456789012:role/node"
}
