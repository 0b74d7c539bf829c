//! `aws_autoscaling_attachment`: registers an Auto Scaling group's instances (an EKS node
//! group's nodes) in a target group.

use engine::provider::ProviderError;

use super::aws_eks_node_group::{self, autoscaling_group};
use crate::ids::IdStyle;
use crate::registry::{api_error, Phase, Reference, ResourceType, RuleCtx};
use crate::shape::str_attr;

/// The `aws_autoscaling_attachment` type.
pub fn resource() -> ResourceType {
    let schema = schemas::aws::autoscaling_attachment();
    ResourceType::new("aws_autoscaling_attachment", schema)
        .ids(IdStyle::Prefixed("asga-"))
        .reference(Reference {
            path: &["lb_target_group_arn"],
            target: super::aws_lb_target_group::TYPE,
            not_found_code: Some("ValidationError"),
            blocks_delete: Some("ResourceInUse"),
        })
        .rule(group_exists_and_fits)
}

/// The Auto Scaling group must exist (the simulator's come from EKS node groups) and the
/// target group must take instances.
fn group_exists_and_fits(ctx: &RuleCtx) -> Result<(), ProviderError> {
    if ctx.phase != Phase::Apply {
        return Ok(());
    }
    let Some(asg) = str_attr(ctx.obj, "autoscaling_group_name") else {
        return Ok(());
    };
    let exists = ctx
        .world
        .of_type(aws_eks_node_group::TYPE)
        .any(|(_, ng)| autoscaling_group(ng).as_deref() == Some(asg));
    if !exists {
        return Err(api_error(
            "ValidationError",
            format!("AutoScalingGroup name not found - no such group: {asg}"),
        ));
    }
    let tg = str_attr(ctx.obj, "lb_target_group_arn")
        .and_then(|a| ctx.world.get(super::aws_lb_target_group::TYPE, a));
    if let Some(tg) = tg {
        let t = str_attr(tg, "target_type").unwrap_or("instance");
        if t != "instance" {
            return Err(api_error(
                "ValidationError",
                format!("An Auto Scaling group registers instances; the target group's target type is '{t}'"),
            ));
        }
    }
    Ok(())
}
