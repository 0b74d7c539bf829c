variable "name" {
  description = "Fleet name: the prefix of every instance (NAME-01, NAME-02, ...) and server group (NAME-ZONE)."
  type        = string

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{0,38}[a-z0-9]$", var.name))
    error_message = "name must be 2-40 characters of lowercase letters, digits and hyphens, starting with a letter and not ending with a hyphen (it becomes part of instance hostnames)."
  }
}

variable "zones" {
  description = "Availability zones to spread the fleet over, in order: instance i goes to zones[i % length(zones)]. Append new zones at the end; reordering moves instances."
  type        = list(string)

  validation {
    condition     = length(var.zones) >= 1 && length(distinct(var.zones)) == length(var.zones)
    error_message = "zones must list at least one availability zone, each once: a zone listed twice would get two server groups that know nothing of each other, so two instances could share a host."
  }
}

variable "instance_count" {
  description = "Total number of instances, spread round-robin over zones. Each zone's anti-affinity group needs one compute host per instance it holds: more instances in a zone than it has hosts fail with Nova's 'No valid host was found'."
  type        = number

  validation {
    condition     = var.instance_count >= 1 && floor(var.instance_count) == var.instance_count
    error_message = "instance_count must be a whole number of at least 1."
  }
}

variable "image_name" {
  description = "Glance image name the instances boot from."
  type        = string
}

variable "flavor_name" {
  description = "Nova flavor name of the instances."
  type        = string
}

variable "network" {
  description = "The Neutron network of the instances' port: its UUID, or its name (a name must be unique in the project)."
  type        = string

  validation {
    condition     = length(trimspace(var.network)) > 0
    error_message = "network must be a network name or UUID."
  }
}

variable "metadata" {
  description = "Nova metadata set on every instance (the module adds fleet and zone)."
  type        = map(string)
  default     = {}
}

variable "tags" {
  description = "Tags set on every instance."
  type        = set(string)
  default     = []
}
