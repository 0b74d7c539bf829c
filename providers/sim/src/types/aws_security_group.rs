//! `aws_security_group`: named firewall rules of a VPC, `ingress` and `egress` as set blocks.

use engine::provider::ProviderError;
use engine::value::Value;

use super::aws::{arn, tags_all, ACCOUNT_ID};
use crate::ids::IdStyle;
use crate::net::parse_cidr;
use crate::registry::{api_error, CreateCtx, Phase, Reference, ResourceType, RuleCtx};
use crate::shape::{attr, fill, str_attr};

/// The `aws_security_group` type.
pub fn resource() -> ResourceType {
    let schema = schemas::aws::security_group();
    ResourceType::new("aws_security_group", schema)
        .ids(IdStyle::Prefixed("sg-"))
        .default("description", Value::string("Managed by Terraform"))
        .default("revoke_rules_on_delete", Value::Bool(false))
        .derive("tags_all", "tags", true, tags_all)
        .reference(Reference {
            path: &["vpc_id"],
            target: "aws_vpc",
            not_found_code: Some("InvalidVpcID.NotFound"),
            blocks_delete: Some("DependencyViolation"),
        })
        .rule(rules_are_valid)
        .rule(name_is_unique_in_vpc)
        .on_create(fill_computed)
}

const PROTOCOLS: &[&str] = &["tcp", "udp", "icmp", "icmpv6", "-1", "all"];

fn rules_are_valid(ctx: &RuleCtx) -> Result<(), ProviderError> {
    let invalid = |m: String| api_error("InvalidParameterValue", m);
    for block in ["ingress", "egress"] {
        for rule in attr(ctx.obj, block).as_seq().unwrap_or(&[]) {
            let protocol = str_attr(rule, "protocol").unwrap_or("-1");
            if !PROTOCOLS.contains(&protocol) && protocol.parse::<u8>().is_err() {
                return Err(invalid(format!(
                    "Invalid value '{protocol}' for IP protocol."
                )));
            }
            let all = protocol == "-1" || protocol == "all";
            let (from, to) = (
                attr(rule, "from_port").as_f64(),
                attr(rule, "to_port").as_f64(),
            );
            if let (Some(from), Some(to)) = (from, to) {
                let in_range = |p: f64| p.fract() == 0.0 && (-1.0..=65535.0).contains(&p);
                if !all && (!in_range(from) || !in_range(to) || from > to) {
                    return Err(invalid(format!(
                        "Invalid {block} port range {from}-{to}: ports run from 0 to 65535, from_port <= to_port."
                    )));
                }
            }
            for c in attr(rule, "cidr_blocks").as_seq().unwrap_or(&[]) {
                if let Some(c) = c.as_str() {
                    if parse_cidr(c).is_none() {
                        return Err(invalid(format!("CIDR block {c} is malformed")));
                    }
                }
            }
        }
    }
    Ok(())
}

fn name_is_unique_in_vpc(ctx: &RuleCtx) -> Result<(), ProviderError> {
    // At apply only: at plan, the group in the way may be the one this replaces.
    if ctx.phase != Phase::Apply {
        return Ok(());
    }
    let (Some(name), vpc) = (str_attr(ctx.obj, "name"), str_attr(ctx.obj, "vpc_id")) else {
        return Ok(());
    };
    let taken = ctx.world.of_type("aws_security_group").any(|(id, g)| {
        Some(id) != ctx.self_id && str_attr(g, "name") == Some(name) && str_attr(g, "vpc_id") == vpc
    });
    if taken {
        return Err(api_error(
            "InvalidGroup.Duplicate",
            format!(
                "The security group '{name}' already exists for VPC '{}'",
                vpc.unwrap_or("")
            ),
        ));
    }
    Ok(())
}

fn fill_computed(ctx: &mut CreateCtx) -> Result<(), ProviderError> {
    if str_attr(ctx.obj, "vpc_id").is_none() {
        // The simulated account has no default VPC, like many real ones.
        return Err(api_error(
            "VPCIdNotSpecified",
            "No default VPC for this user; set vpc_id.",
        ));
    }
    let region = ctx.world.region();
    let suffix = ctx.id.trim_start_matches("sg-");
    fill(
        ctx.obj,
        "name",
        Value::string(format!("terraform-{suffix}")),
    );
    fill(
        ctx.obj,
        "arn",
        Value::string(arn("ec2", region, &format!("security-group/{}", ctx.id))),
    );
    fill(ctx.obj, "owner_id", Value::string(ACCOUNT_ID));
    Ok(())
}
