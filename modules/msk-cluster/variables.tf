variable "name" {
  description = "Cluster name; the configuration is named NAME-config."
  type        = string

  validation {
    condition     = can(regex("^[a-zA-Z][a-zA-Z0-9-]{0,55}$", var.name))
    error_message = "name must start with a letter and hold only letters, digits and hyphens, at most 56 characters (MSK cluster names are at most 64; the module adds -config)."
  }
}

variable "kafka_version" {
  description = "Apache Kafka version as MSK names it: 3.7.x, 3.8.x (MSK's recommended), 3.9.x, their .kraft variants (KRaft metadata instead of ZooKeeper), or 4.0.x.kraft. The metadata mode is fixed when the cluster is created."
  type        = string

  validation {
    condition     = contains(["3.7.x", "3.7.x.kraft", "3.8.x", "3.8.x.kraft", "3.9.x", "3.9.x.kraft", "4.0.x.kraft"], var.kafka_version)
    error_message = "kafka_version must be one MSK still supports: 3.7.x, 3.8.x, 3.9.x (ZooKeeper or .kraft) or 4.0.x.kraft (4.0 is KRaft only). 3.6.0 reached end of support on 2026-06-01, 3.5.1 on 2025-10-23, 3.4.0 on 2025-08-04, and MSK may upgrade clusters on unsupported versions without notice."
  }
}

variable "client_subnet_ids" {
  description = "Two or three subnets in distinct availability zones; brokers are spread evenly over them."
  type        = list(string)

  validation {
    condition     = length(var.client_subnet_ids) >= 2 && length(var.client_subnet_ids) <= 3 && length(distinct(var.client_subnet_ids)) == length(var.client_subnet_ids)
    error_message = "MSK needs two or three distinct client subnets, one per availability zone."
  }
}

variable "broker_count" {
  description = "Brokers in the cluster: a multiple of the number of client subnets (one zone each). It can grow later, never shrink."
  type        = number
  default     = 3

  validation {
    condition     = var.broker_count >= length(var.client_subnet_ids) && var.broker_count % length(var.client_subnet_ids) == 0
    error_message = "broker_count must be a multiple of the number of client subnets (MSK puts the same number of brokers in each zone): 2, 4, 6 ... for two subnets, 3, 6, 9 ... for three."
  }
}

variable "security_group_ids" {
  description = "Security groups of the brokers' network interfaces (port 9094 for TLS clients)."
  type        = list(string)

  validation {
    condition     = length(var.security_group_ids) >= 1 && length(var.security_group_ids) <= 5
    error_message = "Give one to five security groups."
  }
}

variable "instance_type" {
  description = "Broker instance type (kafka.m5.large)."
  type        = string
  default     = "kafka.m5.large"

  validation {
    condition     = startswith(var.instance_type, "kafka.")
    error_message = "instance_type must be an MSK broker type, such as kafka.m5.large or kafka.m7g.large."
  }
}

variable "volume_size" {
  description = "EBS storage per broker in GiB (1 to 16384). It can grow later, never shrink."
  type        = number
  default     = 100

  validation {
    condition     = var.volume_size >= 1 && var.volume_size <= 16384 && floor(var.volume_size) == var.volume_size
    error_message = "volume_size must be a whole number of GiB from 1 to 16384."
  }
}

variable "server_properties" {
  description = "Broker settings (server.properties) over the module's: auto.create.topics.enable = false, default.replication.factor = min(3, broker_count), min.insync.replicas = that factor minus 1 (at least 1), unclean.leader.election.enable = false."
  type        = map(string)
  default     = {}
}

variable "tags" {
  description = "Tags for the cluster."
  type        = map(string)
  default     = {}
}
