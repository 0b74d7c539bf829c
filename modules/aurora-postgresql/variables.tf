variable "name" {
  description = "Cluster identifier; instances are NAME-1, NAME-2, ... and the cluster parameter group NAME-pgMAJOR."
  type        = string

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{0,50}$", var.name)) && !endswith(var.name, "-") && !strcontains(var.name, "--")
    error_message = "name must start with a lowercase letter, hold only lowercase letters, digits and single hyphens, not end with a hyphen, and be at most 51 characters (RDS identifiers are at most 63; the module adds suffixes)."
  }
}

variable "engine_version" {
  description = "Aurora PostgreSQL version, MAJOR.MINOR (16.8). The cluster parameter group family follows the major (aurora-postgresql16)."
  type        = string

  validation {
    condition     = can(regex("^(1[1-7])\\.[0-9]+$", var.engine_version))
    error_message = "engine_version must be an Aurora PostgreSQL MAJOR.MINOR version of major 11 to 17 (16.8, 17.6): the majors in the RDS release calendar that are not past the end of RDS Extended Support."
  }

  validation {
    condition     = var.allow_extended_support_major || !contains(["11", "12", "13"], split(".", var.engine_version)[0])
    error_message = "Aurora PostgreSQL 11, 12 and 13 left standard support on 2024-02-29, 2025-02-28 and 2026-02-28: a cluster on them runs in paid RDS Extended Support. Choose 14 or later, or set allow_extended_support_major = true."
  }
}

variable "allow_extended_support_major" {
  description = "Allow a major already past the end of standard support (11, 12, 13): RDS Extended Support is billed on top of the instance price."
  type        = bool
  default     = false
}

variable "instance_class" {
  description = "Instance class of the writer and every reader (db.r6g.large)."
  type        = string
  default     = "db.r6g.large"

  validation {
    condition     = can(regex("^db\\.[a-z0-9]+\\.[a-z0-9]+$", var.instance_class))
    error_message = "instance_class must be an RDS instance class such as db.r6g.large."
  }
}

variable "reader_count" {
  description = "Readers beside the writer (0 to 15). Aurora fails over to a reader, so 0 means a writer failure waits for a new instance."
  type        = number
  default     = 1

  validation {
    condition     = var.reader_count >= 0 && var.reader_count <= 15 && floor(var.reader_count) == var.reader_count
    error_message = "reader_count must be a whole number from 0 to 15 (an Aurora cluster has at most 15 readers)."
  }
}

variable "database_name" {
  description = "Name of the database created in the cluster; null for none."
  type        = string
  default     = null
}

variable "master_username" {
  description = "Master user name. Its password is managed by RDS in Secrets Manager (manage_master_user_password)."
  type        = string
  default     = "postgres"
}

variable "logical_replication" {
  description = "Set rds.logical_replication = 1 in the cluster parameter group. Needed for an RDS Blue/Green Deployment of Aurora PostgreSQL (blue_green_update) and for logical replication slots; applied at the next reboot."
  type        = bool
  default     = true
}

variable "blue_green_update" {
  description = "Make each major version upgrade an RDS Blue/Green Deployment (a green copy, then a switchover) instead of an in-place upgrade with downtime. Needs logical_replication = true."
  type        = bool
  default     = false

  validation {
    condition     = !var.blue_green_update || var.logical_replication
    error_message = "A blue/green deployment of Aurora PostgreSQL keeps the green cluster in sync by logical replication: RDS refuses it (SourceClusterNotSupportedFault) unless the cluster parameter group sets rds.logical_replication = 1. Set logical_replication = true, and reboot, before the upgrade."
  }
}

variable "switchover_timeout" {
  description = "Seconds the blue/green switchover may take before RDS rolls it back (30 to 3600)."
  type        = number
  default     = 300

  validation {
    condition     = var.switchover_timeout >= 30 && var.switchover_timeout <= 3600 && floor(var.switchover_timeout) == var.switchover_timeout
    error_message = "switchover_timeout must be a whole number of seconds from 30 to 3600."
  }
}

variable "cluster_parameters" {
  description = "More cluster parameters, name => value, applied immediately (dynamic parameters only)."
  type        = map(string)
  default     = {}
}

variable "allow_major_version_upgrade" {
  description = "Allow engine_version to move to a new major. RDS refuses a major upgrade without it."
  type        = bool
  default     = false
}

variable "apply_immediately" {
  description = "Apply changes (an engine upgrade included) now instead of in the next maintenance window."
  type        = bool
  default     = false
}

variable "preferred_maintenance_window" {
  description = "Weekly maintenance window, ddd:hh24:mi-ddd:hh24:mi in UTC; changes without apply_immediately wait for it."
  type        = string
  default     = "sun:03:00-sun:04:00"

  validation {
    condition     = can(regex("^(mon|tue|wed|thu|fri|sat|sun):[0-2][0-9]:[0-5][0-9]-(mon|tue|wed|thu|fri|sat|sun):[0-2][0-9]:[0-5][0-9]$", var.preferred_maintenance_window))
    error_message = "preferred_maintenance_window must look like sun:03:00-sun:04:00."
  }
}

variable "backup_retention_period" {
  description = "Days of automated backups (1 to 35)."
  type        = number
  default     = 7

  validation {
    condition     = var.backup_retention_period >= 1 && var.backup_retention_period <= 35
    error_message = "backup_retention_period must be from 1 to 35 days."
  }
}

variable "skip_final_snapshot" {
  description = "Delete the cluster without a final snapshot. When false, the final snapshot is named NAME-final."
  type        = bool
  default     = false
}

variable "deletion_protection" {
  description = "Refuse to delete the cluster while set."
  type        = bool
  default     = false
}

variable "db_subnet_group_name" {
  description = "An existing DB subnet group naming the subnets (two zones or more) the instances use; null for the account's default group."
  type        = string
  default     = null
}

variable "security_group_ids" {
  description = "VPC security groups of the cluster (port 5432 open to its clients)."
  type        = list(string)
  default     = []
}

variable "tags" {
  description = "Tags for every resource."
  type        = map(string)
  default     = {}
}
