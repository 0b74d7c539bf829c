//! `aws_lb_target_group_attachment`: registers one target (an instance or an IP address) in a target group.

use std::net::IpAddr;

use engine::provider::ProviderError;

use crate::ids::IdStyle;
use crate::registry::{api_error, Phase, Reference, ResourceType, RuleCtx};
use crate::shape::str_attr;

/// The `aws_lb_target_group_attachment` type.
pub fn resource() -> ResourceType {
    let schema = schemas::aws::lb_target_group_attachment();
    ResourceType::new("aws_lb_target_group_attachment", schema)
        .ids(IdStyle::Prefixed("tga-"))
        .reference(Reference {
            path: &["target_group_arn"],
            target: super::aws_lb_target_group::TYPE,
            not_found_code: Some("TargetGroupNotFound"),
            blocks_delete: Some("ResourceInUse"),
        })
        .rule(target_fits_the_group)
}

/// An instance group takes instances of its VPC; an IP group takes IP addresses.
fn target_fits_the_group(ctx: &RuleCtx) -> Result<(), ProviderError> {
    if ctx.phase != Phase::Apply {
        return Ok(());
    }
    let (Some(tg), Some(target)) = (
        str_attr(ctx.obj, "target_group_arn")
            .and_then(|a| ctx.world.get(super::aws_lb_target_group::TYPE, a)),
        str_attr(ctx.obj, "target_id"),
    ) else {
        return Ok(());
    };
    let invalid = |m: String| api_error("InvalidTarget", m);
    match str_attr(tg, "target_type").unwrap_or("instance") {
        "ip" => {
            target.parse::<IpAddr>().map_err(|_| {
                invalid(format!(
                    "The IP address '{target}' is not a valid IP address"
                ))
            })?;
        }
        "instance" => {
            let Some(instance) = ctx.world.get("aws_instance", target) else {
                return Err(invalid(format!(
                    "The following targets are not valid instances: '{target}'"
                )));
            };
            let subnet =
                str_attr(instance, "subnet_id").and_then(|s| ctx.world.get("aws_subnet", s));
            let vpc = subnet.and_then(|s| str_attr(s, "vpc_id"));
            if vpc.is_some() && vpc != str_attr(tg, "vpc_id") {
                return Err(invalid(format!(
                    "The following targets are not in the target group VPC '{}': '{target}'",
                    str_attr(tg, "vpc_id").unwrap_or_default()
                )));
            }
        }
        _ => {}
    }
    Ok(())
}
