variable "name" {
  description = "Prefix of every name in the region (accounts-use1)."
  type        = string
}

variable "region" {
  type = string
}

variable "cidr" {
  description = "The VPC's range, a /16."
  type        = string
}

variable "aurora_version" {
  description = "Aurora PostgreSQL engine version (15.10)."
  type        = string
}

variable "kafka_version" {
  description = "MSK Apache Kafka version (3.7.x)."
  type        = string
}

variable "cache_engine" {
  description = "redis or valkey."
  type        = string
}

variable "cache_version" {
  type = string
}
