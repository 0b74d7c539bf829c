variable "name" {
  description = "The name of the cluster, its load balancer and target group; the green side's are NAME-green."
  type        = string

  validation {
    # The green side's load balancer is NAME-green: ELB names stop at 32 characters.
    condition     = can(regex("^[a-zA-Z][a-zA-Z0-9-]{0,25}$", var.name)) && !endswith(var.name, "-")
    error_message = "name must start with a letter and have at most 26 letters, digits or hyphens, not ending in one: the green side's load balancer is NAME-green, and ELB names stop at 32 characters."
  }
}

variable "kubernetes_version" {
  description = "Kubernetes version of the cluster. Changing it builds a second cluster at the new version and moves traffic to it in steps (blue/green) instead of upgrading in place."
  type        = string

  validation {
    condition     = contains(keys(var.addon_versions), var.kubernetes_version)
    error_message = "kubernetes_version must be one addon_versions knows (1.31 to 1.35 by default): the new side needs add-on builds for its version."
  }
}

variable "vpc_id" {
  description = "The VPC of the target group."
  type        = string
}

variable "subnet_ids" {
  description = "Subnets of the nodes, pods and load balancer, in at least two zones. Both sides use them at once during an upgrade: size them for two clusters (see modules/vpc)."
  type        = list(string)

  validation {
    condition     = length(var.subnet_ids) >= 2
    error_message = "EKS and an application load balancer need subnets in at least two availability zones."
  }
}

variable "cluster_role_arn" {
  description = "IAM role of the EKS control plane."
  type        = string
}

variable "node_role_arn" {
  description = "IAM role of the managed nodes."
  type        = string
}

variable "nodes" {
  description = "The managed node group of each side. During an upgrade both sides run it: the account needs room for twice the nodes."
  type = object({
    instance_types = optional(list(string), ["m5.large"])
    desired_size   = optional(number, 3)
    min_size       = optional(number, 3)
    max_size       = optional(number, 6)
  })
  default = {}

  validation {
    condition     = var.nodes.min_size <= var.nodes.desired_size && var.nodes.desired_size <= var.nodes.max_size
    error_message = "nodes must satisfy min_size <= desired_size <= max_size."
  }
}

variable "app" {
  description = "The workload each side runs behind the load balancer: a Deployment, its Service, and a TargetGroupBinding registering its pods."
  type = object({
    name     = string
    image    = string
    replicas = optional(number, 3)
    port     = optional(number, 80)
    cpu      = optional(string, "100m")
    memory   = optional(string, "128Mi")
  })
}

variable "zone_id" {
  description = "Route 53 hosted zone of the record."
  type        = string
}

variable "record_name" {
  description = "The record's name in the zone (for example app.example.com). Other weighted records of the same name (other regions) keep their share."
  type        = string
}

variable "weight" {
  description = "The record's weight among the records of its name (0-255). During an upgrade the two sides share it by the traffic step."
  type        = number
  default     = 100

  validation {
    condition     = var.weight >= 0 && var.weight <= 255 && floor(var.weight) == var.weight
    error_message = "Route 53 weights are whole numbers from 0 to 255."
  }
}

variable "health_checks" {
  description = "The health gate after each traffic step: every check must be ok, or traffic goes back to the old side. Pass conditions computed from what you watch (on the simulator, data.galley_sim_traffic; on AWS, your own data sources). No checks: the gate passes."
  type = list(object({
    ok      = bool
    message = string
  }))
  default = []
}

variable "addon_versions" {
  description = "Builds of the vpc-cni, coredns and kube-proxy add-ons per Kubernetes version (kube-proxy carries the cluster's minor)."
  type        = map(map(string))
  default = {
    "1.31" = { vpc-cni = "v1.20.4-eksbuild.1", coredns = "v1.11.4-eksbuild.24", kube-proxy = "v1.31.13-eksbuild.2" }
    "1.32" = { vpc-cni = "v1.20.4-eksbuild.1", coredns = "v1.11.4-eksbuild.24", kube-proxy = "v1.32.9-eksbuild.2" }
    "1.33" = { vpc-cni = "v1.20.4-eksbuild.1", coredns = "v1.12.4-eksbuild.1", kube-proxy = "v1.33.5-eksbuild.2" }
    "1.34" = { vpc-cni = "v1.20.4-eksbuild.1", coredns = "v1.13.2-eksbuild.11", kube-proxy = "v1.34.1-eksbuild.2" }
    "1.35" = { vpc-cni = "v1.20.4-eksbuild.1", coredns = "v1.14.3-eksbuild.3", kube-proxy = "v1.35.3-eksbuild.13" }
  }
}

variable "tags" {
  description = "Tags of every AWS resource."
  type        = map(string)
  default     = {}
}
