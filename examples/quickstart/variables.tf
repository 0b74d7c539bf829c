variable "region" {
  type    = string
  default = "eu-west-1"
}

variable "cidr" {
  type    = string
  default = "10.20.0.0/16"
  validation {
    condition     = can(cidrnetmask(var.cidr))
    error_message = "The cidr must be an IPv4 CIDR block, like 10.20.0.0/16."
  }
}

variable "owner" {
  type    = string
  default = "platform"
}

variable "web_count" {
  type    = number
  default = 2
}

variable "instance_type" {
  type    = string
  default = "t3.micro"
}

variable "blue_weight" {
  description = "Share of traffic (0-100) on the blue record; green gets the rest."
  type        = number
  default     = 100
}
