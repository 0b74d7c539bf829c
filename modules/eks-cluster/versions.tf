terraform {
  # optional() attributes with defaults, and validations that refer to locals.
  required_version = ">= 1.9"

  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = ">= 5.0"
    }
  }
}
