variable "name" {
  description = "Replication group id (1 to 40 characters)."
  type        = string

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{0,39}$", var.name)) && !endswith(var.name, "-") && !strcontains(var.name, "--")
    error_message = "name must start with a lowercase letter, hold only lowercase letters, digits and single hyphens, not end with a hyphen, and be at most 40 characters."
  }
}

variable "engine" {
  description = "redis (Redis OSS) or valkey. Redis OSS upgrades in place to Valkey with the same endpoints; never back."
  type        = string
  default     = "valkey"

  validation {
    condition     = contains(["redis", "valkey"], var.engine)
    error_message = "engine must be redis (Redis OSS) or valkey."
  }
}

variable "engine_version" {
  description = "Engine version: Redis OSS 4.0.10, 5.0.6, 6.0, 6.2 (or 6.x), 7.0, 7.1; Valkey 7.2, 8.0, 8.1, 8.2."
  type        = string

  validation {
    condition = contains(
      var.engine == "redis" ? ["4.0.10", "5.0.6", "6.0", "6.2", "6.x", "7.0", "7.1"] : ["7.2", "8.0", "8.1", "8.2"],
      var.engine_version,
    )
    error_message = "ElastiCache offers Redis OSS 4.0.10, 5.0.6, 6.0, 6.2 (6.x), 7.0 and 7.1 (there is no Redis OSS 7.2 on ElastiCache: 7.2 and later are Valkey) and Valkey 7.2, 8.0, 8.1 and 8.2."
  }
}

variable "node_type" {
  description = "Node type of the primary and every replica (cache.r6g.large)."
  type        = string
  default     = "cache.r6g.large"

  validation {
    condition     = can(regex("^cache\\.[a-z0-9]+\\.[a-z0-9]+$", var.node_type))
    error_message = "node_type must be an ElastiCache node type such as cache.r6g.large."
  }
}

variable "replicas" {
  description = "Read replicas beside the primary (0 to 5): num_cache_clusters is replicas + 1."
  type        = number
  default     = 1

  validation {
    condition     = var.replicas >= 0 && var.replicas <= 5 && floor(var.replicas) == var.replicas
    error_message = "replicas must be a whole number from 0 to 5 (a replication group has at most 6 cache clusters)."
  }
}

variable "automatic_failover_enabled" {
  description = "Promote a replica when the primary fails. null (the default) means on whenever there is a replica."
  type        = bool
  default     = null

  validation {
    condition     = var.automatic_failover_enabled != false || var.replicas == 0
    error_message = "A replica without automatic failover does not take over when the primary fails: writes stop until ElastiCache has replaced the failed primary node or someone promotes the replica by hand. Leave automatic_failover_enabled unset (or true) when replicas > 0."
  }

  validation {
    condition     = var.automatic_failover_enabled != true || var.replicas > 0
    error_message = "Automatic failover needs a replica to promote: ElastiCache refuses it with a single cache cluster (InvalidParameterCombination). Set replicas to 1 or more."
  }
}

variable "multi_az_enabled" {
  description = "Keep the replicas in other zones than the primary and fail over across zones. null (the default) means on whenever there is a replica. Needs automatic failover."
  type        = bool
  default     = null

  validation {
    condition     = var.multi_az_enabled != true || var.replicas > 0
    error_message = "Multi-AZ needs automatic failover, which needs a replica: set replicas to 1 or more."
  }
}

variable "subnet_group_name" {
  description = "An existing ElastiCache subnet group naming the subnets of the nodes; null for the account's default group."
  type        = string
  default     = null
}

variable "security_group_ids" {
  description = "VPC security groups of the nodes (port 6379 open to their clients)."
  type        = list(string)
  default     = []
}

variable "transit_encryption_enabled" {
  description = "TLS between clients and nodes. Clients must connect with TLS when it is on."
  type        = bool
  default     = true
}

variable "apply_immediately" {
  description = "Apply changes (an engine upgrade included) now instead of in the next maintenance window."
  type        = bool
  default     = false
}

variable "tags" {
  description = "Tags for the replication group."
  type        = map(string)
  default     = {}
}
