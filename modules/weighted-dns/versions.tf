terraform {
  # optional() attributes with defaults, and a validation that refers to var.type.
  required_version = ">= 1.9"

  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = ">= 5.0"
    }
  }
}
