variable "name" {
  description = "The cluster's name."
  type        = string

  validation {
    condition     = can(regex("^[0-9A-Za-z][A-Za-z0-9_-]{0,99}$", var.name))
    error_message = "name must start with a letter or digit and have at most 100 letters, digits, hyphens and underscores (EKS's rule for cluster names)."
  }
}

variable "kubernetes_version" {
  description = "The cluster's Kubernetes minor version (1.33). The node groups and add-ons follow it; see local.addon_versions for the versions this module knows."
  type        = string

  validation {
    condition     = contains(keys(local.addon_versions), var.kubernetes_version)
    error_message = "kubernetes_version must be one this module has add-on builds for: 1.32, 1.33, 1.34 or 1.35. 1.31 and older are past the end of EKS extended support (1.31: 2026-11-26) and cannot be created."
  }
}

variable "support_type" {
  description = "EKS upgrade policy: EXTENDED keeps a version for 12 months after standard support ($0.60 per cluster-hour instead of $0.10); STANDARD has EKS upgrade the control plane when standard support ends."
  type        = string
  default     = "EXTENDED"

  validation {
    condition     = contains(["STANDARD", "EXTENDED"], var.support_type)
    error_message = "support_type must be STANDARD or EXTENDED."
  }
}

variable "subnet_ids" {
  description = "Subnets of at least two zones for the control plane's interfaces and the nodes (and, with the VPC CNI, every pod)."
  type        = list(string)

  validation {
    condition     = length(var.subnet_ids) >= 2
    error_message = "EKS needs subnets in at least two availability zones."
  }
}

variable "cluster_role_arn" {
  description = "IAM role the EKS control plane assumes."
  type        = string
}

variable "node_role_arn" {
  description = "IAM role of the nodes of every node group."
  type        = string
}

variable "node_groups" {
  description = <<-EOT
    Managed node groups by name. Every group runs the cluster's Kubernetes version (EKS
    creates a group only at the cluster's version and refuses the next control-plane
    update until every group has caught up).
  EOT
  type = map(object({
    instance_types  = optional(list(string), ["m5.large"])
    capacity_type   = optional(string, "ON_DEMAND")
    min_size        = number
    desired_size    = number
    max_size        = number
    max_unavailable = optional(number, 1)
  }))

  validation {
    condition     = length(var.node_groups) >= 1 && length(var.node_groups) <= 30
    error_message = "Give 1 to 30 node groups (EKS's default quota is 30 managed node groups per cluster)."
  }

  validation {
    condition     = alltrue([for g in var.node_groups : g.min_size <= g.desired_size && g.desired_size <= g.max_size && g.max_size >= 1])
    error_message = "Every node group needs min_size <= desired_size <= max_size and max_size >= 1."
  }

  validation {
    condition     = alltrue([for g in var.node_groups : g.max_size <= 450])
    error_message = "max_size must be at most 450 (EKS's default quota of nodes per managed node group)."
  }

  validation {
    condition     = alltrue([for g in var.node_groups : g.max_unavailable >= 1 && g.max_unavailable <= g.max_size])
    error_message = "max_unavailable must be at least 1 and at most the group's max_size."
  }

  validation {
    condition     = alltrue([for g in var.node_groups : contains(["ON_DEMAND", "SPOT"], g.capacity_type)])
    error_message = "capacity_type must be ON_DEMAND or SPOT."
  }

  validation {
    condition     = alltrue([for k in keys(var.node_groups) : can(regex("^[0-9A-Za-z][A-Za-z0-9_-]{0,62}$", k))])
    error_message = "Node group names (the map's keys) must start with a letter or digit and have at most 63 letters, digits, hyphens and underscores."
  }
}

variable "tags" {
  description = "Tags for the cluster, its node groups and add-ons."
  type        = map(string)
  default     = {}
}
