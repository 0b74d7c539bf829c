//! `aws_subnet`: a range of a VPC in one availability zone; instances take its addresses.

use engine::provider::ProviderError;
use engine::value::Value;

use super::aws::{arn, availability_zones, tags_all, zone_id, ACCOUNT_ID};
use crate::ids::IdStyle;
use crate::net::{overlaps, parse_cidr, size};
use crate::registry::{api_error, CreateCtx, Phase, Reference, ResourceType, RuleCtx};
use crate::shape::{fill, set_attr, str_attr};
use crate::world::World;

/// Addresses AWS keeps in every subnet: the first four and the last.
pub const RESERVED: u64 = 5;

/// The `aws_subnet` type.
pub fn resource() -> ResourceType {
    let schema = schemas::aws::subnet();
    ResourceType::new("aws_subnet", schema)
        .ids(IdStyle::Prefixed("subnet-"))
        .default("map_public_ip_on_launch", Value::Bool(false))
        .default("assign_ipv6_address_on_creation", Value::Bool(false))
        .derive("tags_all", "tags", true, tags_all)
        .reference(Reference {
            path: &["vpc_id"],
            target: "aws_vpc",
            not_found_code: Some("InvalidVpcID.NotFound"),
            blocks_delete: Some("DependencyViolation"),
        })
        .rule(cidr_fits_the_vpc)
        .rule(zone_is_in_region)
        .on_create(fill_computed)
        .live(count_free_addresses)
}

/// The block must be /16../28, inside its VPC and clear of the VPC's other subnets.
fn cidr_fits_the_vpc(ctx: &RuleCtx) -> Result<(), ProviderError> {
    let Some(cidr) = str_attr(ctx.obj, "cidr_block") else {
        return Ok(());
    };
    let net = parse_cidr(cidr).ok_or_else(|| {
        api_error(
            "InvalidParameterValue",
            format!("Value ({cidr}) for parameter cidrBlock is invalid. This is not a valid CIDR block."),
        )
    })?;
    if !(16..=28).contains(&net.prefix_len()) {
        return Err(api_error(
            "InvalidSubnet.Range",
            format!("The CIDR '{cidr}' is invalid."),
        ));
    }
    let Some(vpc_id) = str_attr(ctx.obj, "vpc_id") else {
        return Ok(());
    };
    let Some(vpc) = ctx.world.get("aws_vpc", vpc_id) else {
        return Ok(());
    };
    if let Some(vpc_net) = str_attr(vpc, "cidr_block").and_then(parse_cidr) {
        if !vpc_net.contains(&net) {
            return Err(api_error(
                "InvalidSubnet.Range",
                format!("The CIDR '{cidr}' is invalid: it is not within the VPC's CIDR {vpc_net}."),
            ));
        }
    }
    // Overlaps are judged at apply: at plan, the subnet in the way may be the one this
    // subnet replaces, destroyed first in the same apply.
    if ctx.phase != Phase::Apply {
        return Ok(());
    }
    let conflict = ctx.world.of_type("aws_subnet").find(|(id, s)| {
        Some(*id) != ctx.self_id
            && str_attr(s, "vpc_id") == Some(vpc_id)
            && str_attr(s, "cidr_block")
                .and_then(parse_cidr)
                .is_some_and(|other| overlaps(&other, &net))
    });
    if let Some((id, _)) = conflict {
        return Err(api_error(
            "InvalidSubnet.Conflict",
            format!("The CIDR '{cidr}' conflicts with another subnet ({id})."),
        ));
    }
    Ok(())
}

fn zone_is_in_region(ctx: &RuleCtx) -> Result<(), ProviderError> {
    let region = ctx.world.region();
    let Some(zone) = str_attr(ctx.obj, "availability_zone") else {
        return Ok(());
    };
    if ctx.phase == Phase::Validate || region.is_empty() {
        return Ok(());
    }
    let zones = availability_zones(region);
    if zones.iter().any(|z| z == zone) {
        return Ok(());
    }
    Err(api_error(
        "InvalidParameterValue",
        format!(
            "Value ({zone}) for parameter availabilityZone is invalid. Subnets can currently only be created in the following availability zones: {}.",
            zones.join(", ")
        ),
    ))
}

fn fill_computed(ctx: &mut CreateCtx) -> Result<(), ProviderError> {
    let region = ctx.world.region().to_string();
    let zone = match str_attr(ctx.obj, "availability_zone") {
        Some(z) => z.to_string(),
        None => availability_zones(&region).swap_remove(0),
    };
    fill(ctx.obj, "availability_zone", Value::string(&zone));
    if let Some(zid) = zone_id(&region, &zone) {
        fill(ctx.obj, "availability_zone_id", Value::string(zid));
    }
    fill(
        ctx.obj,
        "arn",
        Value::string(arn("ec2", &region, &format!("subnet/{}", ctx.id))),
    );
    fill(ctx.obj, "owner_id", Value::string(ACCOUNT_ID));
    Ok(())
}

/// Usable addresses of the subnet: its size less the reserved five and those in use
/// (instances, EKS nodes with their warm pools, and the pods of every cluster).
pub fn free_addresses(subnet: &Value, id: &str, world: &World) -> Option<u64> {
    Some(
        not_used_by_instances(subnet, id, world)?
            .saturating_sub(super::aws_eks_node_group::used_in_subnet(world, id)),
    )
}

/// Addresses left for pods in the subnet `id`: its usable addresses less instances and
/// EKS nodes (primary address and warm pool); zero when it does not exist.
pub fn pod_capacity(world: &World, id: &str) -> u64 {
    world
        .get("aws_subnet", id)
        .and_then(|s| not_used_by_instances(s, id, world))
        .map_or(0, |n| {
            n.saturating_sub(super::aws_eks_node_group::node_addresses_in_subnet(
                world, id,
            ))
        })
}

/// Usable addresses less those of the subnet's instances.
fn not_used_by_instances(subnet: &Value, id: &str, world: &World) -> Option<u64> {
    let net = str_attr(subnet, "cidr_block").and_then(parse_cidr)?;
    let instances = world
        .of_type("aws_instance")
        .filter(|(_, i)| str_attr(i, "subnet_id") == Some(id))
        .count() as u64;
    Some(
        size(&net)
            .saturating_sub(RESERVED)
            .saturating_sub(instances),
    )
}

fn count_free_addresses(obj: &mut Value, id: &str, world: &World) {
    if let Some(n) = free_addresses(obj, id, world) {
        set_attr(obj, "available_ip_address_count", Value::Number(n as f64));
    }
}
