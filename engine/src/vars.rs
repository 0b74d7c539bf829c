//! Root module variable values from -var, -var-file, tfvars files and TF_VAR_ variables.
