//! `aws_vpc`: a virtual network with its default security group, route table and ACL.

use engine::value::Value;

use super::aws::{arn, tags_all, ACCOUNT_ID};
use crate::ids::{derived, IdStyle};
use crate::net::parse_cidr;
use crate::registry::{api_error, CreateCtx, ResourceType, RuleCtx};
use crate::shape::{fill, str_attr};

/// The `aws_vpc` type.
pub fn resource() -> ResourceType {
    let schema = schemas::aws::vpc();
    ResourceType::new("aws_vpc", schema)
        .ids(IdStyle::Prefixed("vpc-"))
        .default("instance_tenancy", Value::string("default"))
        .default("enable_dns_support", Value::Bool(true))
        .default("enable_dns_hostnames", Value::Bool(false))
        .default("enable_network_address_usage_metrics", Value::Bool(false))
        .default("assign_generated_ipv6_cidr_block", Value::Bool(false))
        .derive("tags_all", "tags", true, tags_all)
        .rule(cidr_block_is_valid)
        .on_create(fill_computed)
}

/// EC2 accepts IPv4 blocks from /16 to /28 without host bits.
fn cidr_block_is_valid(ctx: &RuleCtx) -> Result<(), engine::provider::ProviderError> {
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
            "InvalidVpc.Range",
            format!("The CIDR '{cidr}' is invalid: the netmask must be between /16 and /28."),
        ));
    }
    Ok(())
}

fn fill_computed(ctx: &mut CreateCtx) -> Result<(), engine::provider::ProviderError> {
    let region = ctx.world.region();
    let id = ctx.id;
    let route_table = derived("rtb-", id, "main-route-table");
    fill(
        ctx.obj,
        "arn",
        Value::string(arn("ec2", region, &format!("vpc/{id}"))),
    );
    fill(ctx.obj, "owner_id", Value::string(ACCOUNT_ID));
    fill(
        ctx.obj,
        "default_security_group_id",
        Value::string(derived("sg-", id, "default-sg")),
    );
    fill(
        ctx.obj,
        "default_network_acl_id",
        Value::string(derived("acl-", id, "default-acl")),
    );
    fill(
        ctx.obj,
        "default_route_table_id",
        Value::string(&route_table),
    );
    fill(ctx.obj, "main_route_table_id", Value::string(route_table));
    fill(
        ctx.obj,
        "dhcp_options_id",
        Value::string(derived("dopt-", region, "default-dhcp")),
    );
    fill(ctx.obj, "ipv6_cidr_block", Value::string(""));
    fill(ctx.obj, "ipv6_association_id", Value::string(""));
    Ok(())
}
