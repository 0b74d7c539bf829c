//! What OpenStack resource types share: the project, `region`, tags.

use engine::provider::{Attribute, ProviderError, Schema};
use engine::value::Value;

use super::{string, string_set};
use crate::ids::uuid_for;
use crate::registry::{api_error, Phase, RuleCtx};
use crate::shape::{conform, str_attr};

/// The simulated project (tenant) id.
pub fn project_id() -> String {
    uuid_for("galley-sim:openstack/project")
        .simple()
        .to_string()
}

/// Adds `region`, `tags` and `all_tags` (computed, follows `tags`).
pub fn with_common(schema: Schema) -> Schema {
    schema
        .attr("region", Attribute::optional_computed(string()).force_new())
        .attr("tags", Attribute::optional(string_set()))
        .attr("all_tags", Attribute::computed(string_set()))
}

/// `all_tags` from `tags`.
pub fn all_tags(tags: &Value) -> Value {
    match conform(tags.clone(), &string_set()) {
        Value::Null => Value::Set(Vec::new()),
        v => v,
    }
}

/// A configured `region` must be the provider's: each region is its own world.
pub fn region_is_providers(ctx: &RuleCtx) -> Result<(), ProviderError> {
    let world_region = ctx.world.region();
    match str_attr(ctx.obj, "region") {
        Some(r) if ctx.phase != Phase::Validate && r != world_region => Err(api_error(
            "InvalidInput",
            format!("region {r} differs from the provider's region {world_region}; use a provider alias for {r}"),
        )),
        _ => Ok(()),
    }
}
