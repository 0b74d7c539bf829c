//! `aws_instance`: a VM in a subnet; it takes one of the subnet's addresses.

use std::net::Ipv4Addr;

use engine::provider::ProviderError;
use engine::value::Value;

use super::aws::{arn, tags_all};
use super::aws_subnet::free_addresses;
use crate::ids::{derived, IdStyle};
use crate::net::{first_free, parse_cidr, size};
use crate::registry::{api_error, CreateCtx, Phase, Reference, ResourceType, RuleCtx};
use crate::shape::{attr, fill, str_attr};
use crate::world::World;

/// The `aws_instance` type.
pub fn resource() -> ResourceType {
    let schema = schemas::aws::instance();
    ResourceType::new("aws_instance", schema)
        .ids(IdStyle::Prefixed("i-"))
        .default("associate_public_ip_address", Value::Bool(false))
        .derive("tags_all", "tags", true, tags_all)
        .reference(Reference {
            path: &["subnet_id"],
            target: "aws_subnet",
            not_found_code: Some("InvalidSubnetID.NotFound"),
            blocks_delete: Some("DependencyViolation"),
        })
        .reference(Reference {
            path: &["vpc_security_group_ids"],
            target: "aws_security_group",
            // A VPC's default group is no aws_security_group object: see groups_exist.
            not_found_code: None,
            blocks_delete: Some("DependencyViolation"),
        })
        .rule(ami_and_type_are_well_formed)
        .rule(subnet_has_room)
        .rule(groups_exist)
        .on_create(place_in_subnet)
}

fn ami_and_type_are_well_formed(ctx: &RuleCtx) -> Result<(), ProviderError> {
    if let Some(ami) = str_attr(ctx.obj, "ami") {
        let hex = ami.strip_prefix("ami-").unwrap_or("");
        if hex.is_empty() || !hex.chars().all(|c| c.is_ascii_hexdigit()) {
            return Err(api_error(
                "InvalidAMIID.Malformed",
                format!("Invalid id: \"{ami}\""),
            ));
        }
    }
    if let Some(t) = str_attr(ctx.obj, "instance_type") {
        let well_formed = t.split_once('.').is_some_and(|(family, size)| {
            family
                .chars()
                .next()
                .is_some_and(|c| c.is_ascii_lowercase())
                && family
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '-')
                && !size.is_empty()
                && size.chars().all(|c| c.is_ascii_alphanumeric())
        });
        if !well_formed {
            return Err(api_error(
                "InvalidParameterValue",
                format!("Invalid value '{t}' for InstanceType."),
            ));
        }
    }
    Ok(())
}

/// A full subnet is caught at plan already when the subnet exists; apply decides for good.
fn subnet_has_room(ctx: &RuleCtx) -> Result<(), ProviderError> {
    if ctx.phase != Phase::Plan || ctx.prior.is_some() {
        return Ok(());
    }
    let Some(subnet_id) = str_attr(ctx.obj, "subnet_id") else {
        return Ok(());
    };
    let Some(subnet) = ctx.world.get("aws_subnet", subnet_id) else {
        return Ok(());
    };
    if free_addresses(subnet, subnet_id, ctx.world) == Some(0) {
        return Err(full(subnet_id));
    }
    Ok(())
}

fn groups_exist(ctx: &RuleCtx) -> Result<(), ProviderError> {
    if ctx.phase != Phase::Apply {
        return Ok(());
    }
    for g in attr(ctx.obj, "vpc_security_group_ids")
        .as_seq()
        .unwrap_or(&[])
    {
        let Some(g) = g.as_str() else { continue };
        let exists = ctx.world.get("aws_security_group", g).is_some()
            || ctx
                .world
                .of_type("aws_vpc")
                .any(|(_, v)| str_attr(v, "default_security_group_id") == Some(g));
        if !exists {
            return Err(api_error(
                "InvalidGroup.NotFound",
                format!("The security group '{g}' does not exist"),
            ));
        }
    }
    Ok(())
}

fn full(subnet_id: &str) -> ProviderError {
    api_error(
        "InsufficientFreeAddressesInSubnet",
        format!("There are not enough free addresses in subnet '{subnet_id}' to satisfy the requested number of instances."),
    )
}

/// Allocates the private address and fills what follows from the subnet.
fn place_in_subnet(ctx: &mut CreateCtx) -> Result<(), ProviderError> {
    let world: &World = ctx.world;
    let region = world.region();
    let subnet_id = str_attr(ctx.obj, "subnet_id")
        .ok_or_else(|| {
            api_error(
                "VPCIdNotSpecified",
                "No default VPC for this user; set subnet_id.",
            )
        })?
        .to_string();
    let subnet = world.get("aws_subnet", &subnet_id).ok_or_else(|| {
        api_error(
            "InvalidSubnetID.NotFound",
            format!("The subnet ID '{subnet_id}' does not exist"),
        )
    })?;
    let net = str_attr(subnet, "cidr_block")
        .and_then(parse_cidr)
        .ok_or_else(|| ProviderError::Internal(format!("subnet {subnet_id} has no CIDR block")))?;
    let used: Vec<Ipv4Addr> = world
        .of_type("aws_instance")
        .filter(|(_, i)| str_attr(i, "subnet_id") == Some(&subnet_id))
        .filter_map(|(_, i)| str_attr(i, "private_ip")?.parse().ok())
        .collect();
    // The first four and the last address belong to AWS.
    let (first, last) = (4, size(&net) - 1);
    let ip = match str_attr(ctx.obj, "private_ip") {
        Some(wanted) => {
            let ip: Ipv4Addr = wanted.parse().map_err(|_| {
                api_error(
                    "InvalidParameterValue",
                    format!("Invalid private IP address {wanted}"),
                )
            })?;
            let offset = u64::from(u32::from(ip)).wrapping_sub(u64::from(u32::from(net.network())));
            if !net.contains(&ip) || offset < first || offset >= last {
                return Err(api_error(
                    "InvalidParameterValue",
                    format!("Address {ip} is not a usable address of subnet {subnet_id} ({net})."),
                ));
            }
            if used.contains(&ip) {
                return Err(api_error(
                    "InvalidIPAddress.InUse",
                    format!("Address {ip} is in use."),
                ));
            }
            ip
        }
        None => first_free(&net, first, last, &used).ok_or_else(|| full(&subnet_id))?,
    };
    let zone = str_attr(subnet, "availability_zone")
        .unwrap_or_default()
        .to_string();
    let vpc_id = str_attr(subnet, "vpc_id").unwrap_or_default();
    let default_group = world
        .get("aws_vpc", vpc_id)
        .and_then(|v| str_attr(v, "default_security_group_id"))
        .map(|g| vec![Value::string(g)])
        .unwrap_or_default();
    let dns_suffix = if region == "us-east-1" {
        "ec2.internal".to_string()
    } else {
        format!("{region}.compute.internal")
    };
    fill(ctx.obj, "private_ip", Value::string(ip.to_string()));
    fill(ctx.obj, "availability_zone", Value::string(zone));
    fill(ctx.obj, "vpc_security_group_ids", Value::set(default_group));
    fill(ctx.obj, "security_groups", Value::Set(Vec::new()));
    fill(ctx.obj, "key_name", Value::string(""));
    fill(
        ctx.obj,
        "arn",
        Value::string(arn("ec2", region, &format!("instance/{}", ctx.id))),
    );
    fill(ctx.obj, "instance_state", Value::string("running"));
    fill(
        ctx.obj,
        "private_dns",
        Value::string(format!(
            "ip-{}.{dns_suffix}",
            ip.to_string().replace('.', "-")
        )),
    );
    fill(ctx.obj, "public_ip", Value::string(""));
    fill(ctx.obj, "public_dns", Value::string(""));
    fill(
        ctx.obj,
        "primary_network_interface_id",
        Value::string(derived("eni-", ctx.id, "primary")),
    );
    Ok(())
}
