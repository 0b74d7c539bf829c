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

/// The `provider "openstack"` block: `region` selects the world; authentication
/// settings are accepted and ignored.
pub fn provider_block() -> Schema {
    let optional = Attribute::optional;
    [
        "auth_url",
        "cloud",
        "user_name",
        "user_id",
        "tenant_name",
        "tenant_id",
        "user_domain_name",
        "project_domain_name",
        "domain_name",
        "application_credential_id",
        "endpoint_type",
        "cacert_file",
    ]
    .into_iter()
    .fold(Schema::default(), |s, name| {
        s.attr(name, optional(string()))
    })
    .attr("region", optional(string()))
    .attr("password", optional(string()).sensitive())
    .attr("token", optional(string()).sensitive())
    .attr(
        "application_credential_secret",
        optional(string()).sensitive(),
    )
    .attr("insecure", optional(super::boolean()))
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
