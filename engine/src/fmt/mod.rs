//! `galley fmt`: canonical formatting of HCL, byte-identical to `terraform fmt`.
