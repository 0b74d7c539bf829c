//! `terraform_data`: Terraform's built-in resource that stores a value and triggers replacement.

use engine::provider::{Attribute, Schema};
use engine::types::Type;

use super::computed_string;
use crate::registry::ResourceType;

/// The `terraform_data` type: `output` follows `input` after apply, as in Terraform.
pub fn resource() -> ResourceType {
    let schema = Schema::default()
        .attr("id", computed_string())
        .attr("input", Attribute::optional(Type::Any))
        .attr("output", Attribute::computed(Type::Any))
        .attr(
            "triggers_replace",
            Attribute::optional(Type::Any).force_new(),
        );
    // Terraform shows `output` as known only after apply, even when `input` is known.
    ResourceType::new("terraform_data", schema).derive("output", "input", false, Clone::clone)
}
