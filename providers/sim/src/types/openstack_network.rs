//! `openstack_networking_network_v2`: a Neutron network (resource and data source).

use engine::provider::{Attribute, ProviderError, Schema};
use engine::value::Value;

use super::openstack::{all_tags, project_id, region_is_providers, with_common};
use super::{boolean, computed_string, number, string};
use crate::ids::IdStyle;
use crate::registry::{api_error, CreateCtx, DataCtx, DataSource, ResourceType};
use crate::shape::{fill, set_attr, str_attr};

fn schema() -> Schema {
    with_common(
        Schema::default()
            .attr("name", Attribute::optional(string()))
            .attr("description", Attribute::optional(string()))
            .attr("admin_state_up", Attribute::optional_computed(boolean()))
            .attr("shared", Attribute::optional_computed(boolean()))
            .attr("external", Attribute::optional_computed(boolean()))
            .attr(
                "port_security_enabled",
                Attribute::optional_computed(boolean()),
            )
            .attr("mtu", Attribute::optional_computed(number()))
            .attr(
                "tenant_id",
                Attribute::optional_computed(string()).force_new(),
            )
            .attr("id", computed_string()),
    )
}

/// The `openstack_networking_network_v2` resource type.
pub fn resource() -> ResourceType {
    ResourceType::new("openstack_networking_network_v2", schema())
        .ids(IdStyle::Uuid)
        .default("admin_state_up", Value::Bool(true))
        .default("shared", Value::Bool(false))
        .default("external", Value::Bool(false))
        .default("port_security_enabled", Value::Bool(true))
        .derive("all_tags", "tags", true, all_tags)
        .rule(region_is_providers)
        .on_create(fill_computed)
        .takes(2, 1, 2)
}

fn fill_computed(ctx: &mut CreateCtx) -> Result<(), ProviderError> {
    fill(ctx.obj, "region", Value::string(ctx.world.region()));
    fill(ctx.obj, "mtu", Value::Number(1450.0));
    fill(ctx.obj, "tenant_id", Value::string(project_id()));
    Ok(())
}

/// The `openstack_networking_network_v2` data source: finds a network by name or id.
pub fn data_source() -> DataSource {
    let schema = schema().attr("network_id", Attribute::optional_computed(string()));
    DataSource {
        name: "openstack_networking_network_v2",
        schema,
        read: find_network,
        spans_regions: false,
    }
}

fn find_network(ctx: &DataCtx) -> Result<Value, ProviderError> {
    let name = str_attr(ctx.config, "name");
    let id = str_attr(ctx.config, "network_id");
    let found: Vec<(&str, &Value)> = ctx
        .world
        .of_type("openstack_networking_network_v2")
        .filter(|(nid, n)| {
            name.is_none_or(|x| str_attr(n, "name") == Some(x)) && id.is_none_or(|x| *nid == x)
        })
        .collect();
    match found.as_slice() {
        [(nid, n)] => {
            let mut out = (*n).clone();
            set_attr(&mut out, "network_id", Value::string(*nid));
            Ok(out)
        }
        [] => Err(api_error(
            "NetworkNotFound",
            "Your query returned no results.",
        )),
        _ => Err(api_error(
            "InvalidInput",
            "Your query returned more than one result; narrow it with network_id.",
        )),
    }
}
