variable "name" {
  description = "The cluster's name (accounts-use1); also prefixes its load balancer."
  type        = string
}

variable "kubernetes_version" {
  type = string
}

variable "addon_versions" {
  description = "Add-on builds by Kubernetes version: { \"1.34\" = { coredns = ..., ... } }."
  type        = map(map(string))
}

variable "vpc_id" {
  type = string
}

variable "subnet_ids" {
  description = "Where nodes, pods and the load balancer take their addresses."
  type        = list(string)
}

variable "cluster_role_arn" {
  type = string
}

variable "node_role_arn" {
  type = string
}

variable "nodes" {
  type    = number
  default = 3
}

variable "api_replicas" {
  type    = number
  default = 6
}

variable "worker_replicas" {
  type    = number
  default = 3
}

variable "image_tag" {
  type = string
}

variable "settings" {
  description = "The accounts ConfigMap: where the database, Kafka and the cache are."
  type        = map(string)
}
