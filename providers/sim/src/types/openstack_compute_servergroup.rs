//! `openstack_compute_servergroup_v2`: a Nova server group, the scheduler policy its
//! members share (`anti-affinity`: each member on a different compute host).
//!
//! Instances join a group with `scheduler_hints { group = <id> }`; where they land and
//! when the scheduler finds no host is decided in [`super::openstack_compute_instance`].
//! `members` lists the instances whose hint names the group, recomputed on every read.

use engine::provider::{Attribute, NestedBlock, Nesting, ProviderError, Schema};
use engine::value::Value;

use super::openstack::region_is_providers;
use super::{computed_string, number, string, string_list, string_map};
use crate::ids::IdStyle;
use crate::registry::{api_error, CreateCtx, Phase, ResourceType, RuleCtx};
use crate::shape::{attr, fill, set_attr, str_attr, values_at};
use crate::world::World;

/// The type name.
pub const TYPE: &str = "openstack_compute_servergroup_v2";

/// The policies Nova knows.
pub const POLICIES: [&str; 4] = [
    "affinity",
    "anti-affinity",
    "soft-affinity",
    "soft-anti-affinity",
];

/// The `openstack_compute_servergroup_v2` type.
pub fn resource() -> ResourceType {
    let schema = Schema::default()
        .attr("region", Attribute::optional_computed(string()).force_new())
        .attr("name", Attribute::required(string()).force_new())
        .attr("policies", Attribute::optional(string_list()).force_new())
        .attr("policy", Attribute::optional(string()).force_new())
        .attr("value_specs", Attribute::optional(string_map()).force_new())
        .attr("members", Attribute::computed(string_list()))
        .attr("id", computed_string())
        .block(
            "rules",
            NestedBlock {
                nesting: Nesting::List,
                min_items: 0,
                max_items: 1,
                force_new: true,
                schema: Schema::default().attr(
                    "max_server_per_host",
                    Attribute::optional(number()).force_new(),
                ),
            },
        );
    ResourceType::new(TYPE, schema)
        .ids(IdStyle::Uuid)
        .rule(region_is_providers)
        .rule(policy_is_valid)
        .on_create(fill_computed)
        .live(list_members)
        .takes(1, 1, 1)
}

/// The group's one policy: `policy`, else the only element of `policies`.
pub fn policy_of(group: &Value) -> Option<&str> {
    str_attr(group, "policy").or_else(|| {
        attr(group, "policies")
            .as_seq()
            .and_then(|ps| ps.first())
            .and_then(Value::as_str)
    })
}

/// How many members of the group one host may run: `rules.max_server_per_host` (an
/// `anti-affinity` group of compute API 2.64), else 1.
pub fn max_server_per_host(group: &Value) -> usize {
    values_at(group, &["rules", "max_server_per_host"])
        .into_iter()
        .find_map(|v| v.as_f64())
        .map(|n| n.max(1.0) as usize)
        .unwrap_or(1)
}

fn bad_request(message: impl Into<String>) -> ProviderError {
    api_error("BadRequest", message)
}

/// Nova's request schema: exactly one policy, one it knows; `rules` only with `policy =
/// "anti-affinity"` (the provider sends `rules` only with `policy`, microversion 2.64).
fn policy_is_valid(ctx: &RuleCtx) -> Result<(), ProviderError> {
    let policies = attr(ctx.obj, "policies");
    let policy = attr(ctx.obj, "policy");
    if policies.contains_unknown() || policy.is_unknown() {
        return Ok(());
    }
    let rules = attr(ctx.obj, "rules")
        .as_seq()
        .is_some_and(|rs| !rs.is_empty());
    if !policies.is_null() && !policy.is_null() {
        return Err(bad_request(
            "\"policy\": conflicts with policies; set one of policies or policy",
        ));
    }
    if !policies.is_null() && rules {
        return Err(bad_request(
            "\"rules\": conflicts with policies; rules need policy (compute API 2.64)",
        ));
    }
    let named: Vec<&str> = match policy.as_str() {
        Some(p) => vec![p],
        None => policies
            .as_seq()
            .unwrap_or(&[])
            .iter()
            .filter_map(Value::as_str)
            .collect(),
    };
    let [one] = named.as_slice() else {
        return Err(bad_request(format!(
            "Invalid input for field/attribute policies: a server group needs exactly one policy, got {}",
            named.len()
        )));
    };
    if !POLICIES.contains(one) {
        return Err(bad_request(format!(
            "Invalid input for field/attribute policies: '{one}' is not one of {}",
            POLICIES.join(", ")
        )));
    }
    if rules && *one != "anti-affinity" {
        return Err(bad_request(format!(
            "Invalid input for field/attribute rules: only the anti-affinity policy takes rules, not {one}"
        )));
    }
    if ctx.phase != Phase::Validate {
        for v in values_at(ctx.obj, &["rules", "max_server_per_host"]) {
            if let Some(n) = v.as_f64().filter(|n| *n < 1.0 || n.fract() != 0.0) {
                return Err(bad_request(format!(
                    "Invalid input for field/attribute max_server_per_host: {n} is not a whole number of at least 1"
                )));
            }
        }
    }
    Ok(())
}

fn fill_computed(ctx: &mut CreateCtx) -> Result<(), ProviderError> {
    fill(ctx.obj, "region", Value::string(ctx.world.region()));
    fill(ctx.obj, "members", Value::List(Vec::new()));
    Ok(())
}

/// The instances whose `scheduler_hints` name the group.
fn list_members(obj: &mut Value, id: &str, world: &World) {
    let members = members_of(world, id)
        .map(|(iid, _)| Value::string(iid))
        .collect();
    set_attr(obj, "members", Value::List(members));
}

/// The instances of the world that asked to be in group `id`.
pub fn members_of<'w>(world: &'w World, id: &'w str) -> impl Iterator<Item = (&'w str, &'w Value)> {
    world
        .of_type(super::openstack_compute_instance::TYPE)
        .filter(move |(_, i)| super::openstack_compute_instance::group_hint(i) == Some(id))
}
