//! `openstack_networking_subnet_v2`: an address range of a Neutron network.

use engine::provider::{Attribute, ProviderError, Schema};
use engine::value::Value;

use super::openstack::{all_tags, project_id, region_is_providers, with_common};
use super::{boolean, computed_string, number, string, string_list};
use crate::ids::IdStyle;
use crate::net::{host, overlaps, parse_cidr};
use crate::registry::{api_error, CreateCtx, Reference, ResourceType, RuleCtx};
use crate::shape::{attr, fill, str_attr};

/// The `openstack_networking_subnet_v2` type.
pub fn resource() -> ResourceType {
    let schema = with_common(
        Schema::default()
            .attr("network_id", Attribute::required(string()).force_new())
            .attr("cidr", Attribute::required(string()).force_new())
            .attr(
                "ip_version",
                Attribute::optional_computed(number()).force_new(),
            )
            .attr("name", Attribute::optional(string()))
            .attr("description", Attribute::optional(string()))
            .attr("gateway_ip", Attribute::optional_computed(string()))
            .attr("no_gateway", Attribute::optional_computed(boolean()))
            .attr("enable_dhcp", Attribute::optional_computed(boolean()))
            .attr("dns_nameservers", Attribute::optional(string_list()))
            .attr(
                "tenant_id",
                Attribute::optional_computed(string()).force_new(),
            )
            .attr("id", computed_string()),
    );
    ResourceType::new("openstack_networking_subnet_v2", schema)
        .ids(IdStyle::Uuid)
        .default("ip_version", Value::Number(4.0))
        .default("no_gateway", Value::Bool(false))
        .default("enable_dhcp", Value::Bool(true))
        .derive("all_tags", "tags", true, all_tags)
        .reference(Reference {
            path: &["network_id"],
            target: "openstack_networking_network_v2",
            not_found_code: Some("NetworkNotFound"),
            // Neutron would cascade; refusing keeps the world free of orphans.
            blocks_delete: Some("NetworkInUse"),
        })
        .rule(region_is_providers)
        .rule(cidr_is_free_on_network)
        .on_create(fill_computed)
        .takes(1, 1, 1)
}

fn cidr_is_free_on_network(ctx: &RuleCtx) -> Result<(), ProviderError> {
    let version = attr(ctx.obj, "ip_version").as_f64().unwrap_or(4.0);
    let Some(cidr) = str_attr(ctx.obj, "cidr") else {
        return Ok(());
    };
    if version == 6.0 {
        return match cidr.parse::<ipnet::Ipv6Net>() {
            Ok(_) => Ok(()),
            Err(_) => Err(api_error(
                "InvalidInput",
                format!("Invalid input for cidr: '{cidr}' is not a valid IP subnet."),
            )),
        };
    }
    if version != 4.0 {
        return Err(api_error(
            "InvalidInput",
            format!("Invalid input for ip_version: {version}"),
        ));
    }
    let net = parse_cidr(cidr).ok_or_else(|| {
        api_error(
            "InvalidInput",
            format!("Invalid input for cidr: '{cidr}' is not a valid IP subnet."),
        )
    })?;
    let Some(network_id) = str_attr(ctx.obj, "network_id") else {
        return Ok(());
    };
    let clash = ctx
        .world
        .of_type("openstack_networking_subnet_v2")
        .find(|(id, s)| {
            Some(*id) != ctx.self_id
                && str_attr(s, "network_id") == Some(network_id)
                && str_attr(s, "cidr")
                    .and_then(parse_cidr)
                    .is_some_and(|o| overlaps(&o, &net))
        });
    if let Some((id, _)) = clash {
        return Err(api_error(
            "InvalidInput",
            format!("Invalid input for operation: Requested subnet with cidr: {cidr} for network: {network_id} overlaps with subnet {id}."),
        ));
    }
    Ok(())
}

fn fill_computed(ctx: &mut CreateCtx) -> Result<(), ProviderError> {
    let no_gateway = attr(ctx.obj, "no_gateway").as_bool() == Some(true);
    let gateway = str_attr(ctx.obj, "cidr")
        .and_then(parse_cidr)
        .filter(|_| !no_gateway)
        .and_then(|n| host(&n, 1))
        .map(|ip| ip.to_string())
        .unwrap_or_default();
    fill(ctx.obj, "gateway_ip", Value::string(gateway));
    fill(ctx.obj, "region", Value::string(ctx.world.region()));
    fill(ctx.obj, "tenant_id", Value::string(project_id()));
    Ok(())
}
