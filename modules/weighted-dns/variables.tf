variable "zone_id" {
  description = "The Route 53 hosted zone the records go in."
  type        = string
}

variable "name" {
  description = "The record's name: relative to the zone (api) or fully qualified (api.accounts.example.com)."
  type        = string
}

variable "type" {
  description = "Record type of every record in the set: A or AAAA (aliases or addresses) or CNAME (host names)."
  type        = string
  default     = "A"

  validation {
    condition     = contains(["A", "AAAA", "CNAME"], var.type)
    error_message = "type must be A, AAAA or CNAME."
  }
}

variable "ttl" {
  description = "Seconds resolvers cache the answer of a target given by records (aliases use their target's TTL). Clients follow a weight change only after it expires."
  type        = number
  default     = 60
}

variable "targets" {
  description = <<-EOT
    The weighted records, keyed by set identifier (blue, green). Each has a weight (0 to
    255) and either an alias (alias_name and alias_zone_id, for a load balancer) or
    records (addresses for A/AAAA, one host name for CNAME).
  EOT
  type = map(object({
    weight                 = number
    alias_name             = optional(string)
    alias_zone_id          = optional(string)
    evaluate_target_health = optional(bool, true)
    records                = optional(list(string))
  }))

  validation {
    condition     = length(var.targets) >= 1
    error_message = "targets needs at least one record."
  }

  validation {
    condition     = alltrue([for t in var.targets : t.weight >= 0 && t.weight <= 255 && floor(t.weight) == t.weight])
    error_message = "Every weight must be a whole number from 0 to 255 (Route 53's range)."
  }

  validation {
    condition     = length(var.targets) == 0 || anytrue([for t in var.targets : t.weight > 0])
    error_message = "Every weight is 0: Route 53 then splits traffic equally over all the records, as if every weight were the same. Give a non-zero weight to the records that should take traffic."
  }

  validation {
    condition = alltrue([
      for t in var.targets :
      (t.alias_name != null && t.alias_zone_id != null && t.records == null) ||
      (t.alias_name == null && t.alias_zone_id == null && t.records != null && length(coalesce(t.records, [])) > 0)
    ])
    error_message = "Each target needs either alias_name and alias_zone_id, or a non-empty records list, not both."
  }

  validation {
    condition     = var.type != "CNAME" || alltrue([for t in var.targets : t.records == null || length(coalesce(t.records, [])) == 1])
    error_message = "A CNAME record holds exactly one host name: give each CNAME target one entry in records."
  }

  validation {
    condition     = alltrue([for k in keys(var.targets) : length(k) >= 1 && length(k) <= 128])
    error_message = "Target keys are the records' set identifiers: 1 to 128 characters."
  }
}
