terraform {
  # Validations that refer to other variables need Terraform 1.9 or later.
  required_version = ">= 1.9"

  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = ">= 5.0"
    }
  }
}
