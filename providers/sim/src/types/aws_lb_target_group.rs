//! `aws_lb_target_group`: what a load balancer forwards to, and which of its targets are healthy.
//!
//! Targets are registered by `aws_lb_target_group_attachment` (an instance, or an IP
//! address) and by `aws_autoscaling_attachment` (the Auto Scaling group of an EKS node
//! group). The simulator runs no health checks: an instance target is healthy while the
//! instance is `running`; an IP target when a running instance has that address (nothing
//! else simulated listens on addresses); a node group contributes its `desired_size`
//! nodes while it is `ACTIVE`. Kubernetes `TargetGroupBinding`s register the ready pods
//! behind a Service (see `kube::binding`).

use engine::provider::ProviderError;
use engine::value::Value;

use super::aws::{arn, tags_all};
use super::aws_lb::check_elb_name;
use crate::ids::{uuid_for, IdStyle};
use crate::registry::{api_error, CreateCtx, Reference, ResourceType, RuleCtx};
use crate::shape::{attr, fill, set_attr, str_attr};
use crate::world::World;

/// The type name.
pub const TYPE: &str = "aws_lb_target_group";

/// Protocols a target group speaks.
const PROTOCOLS: &[&str] = &["HTTP", "HTTPS", "TCP", "TLS", "UDP", "TCP_UDP", "GENEVE"];

/// The `aws_lb_target_group` type; its id is its ARN.
pub fn resource() -> ResourceType {
    let schema = schemas::aws::lb_target_group();
    ResourceType::new(TYPE, schema)
        .ids(IdStyle::FromHook)
        .default("target_type", Value::string("instance"))
        .derive("tags_all", "tags", true, tags_all)
        .reference(Reference {
            path: &["vpc_id"],
            target: "aws_vpc",
            not_found_code: Some("ValidationError"),
            blocks_delete: Some("DependencyViolation"),
        })
        .rule(settings_fit_the_target_type)
        .rule(name_is_free)
        .on_create(fill_computed)
}

fn validation(m: String) -> ProviderError {
    api_error("ValidationError", m)
}

/// Name rules; lambda targets take no port, protocol or VPC, the others need all three.
fn settings_fit_the_target_type(ctx: &RuleCtx) -> Result<(), ProviderError> {
    let obj = ctx.obj;
    if let Some(name) = str_attr(obj, "name") {
        check_elb_name(name, "Target group")?;
    }
    if attr(obj, "target_type").is_unknown() {
        return Ok(());
    }
    let t = str_attr(obj, "target_type").unwrap_or("instance");
    if !["instance", "ip", "lambda", "alb"].contains(&t) {
        return Err(validation(format!(
            "Target type '{t}' must be one of instance, ip, lambda, alb"
        )));
    }
    let set = |k| !attr(obj, k).is_null();
    if t == "lambda" {
        if set("port") || set("protocol") || set("vpc_id") {
            return Err(validation(
                "port, protocol and vpc_id cannot be specified for target groups with target type 'lambda'".into(),
            ));
        }
        return Ok(());
    }
    for k in ["port", "protocol", "vpc_id"] {
        if !set(k) {
            return Err(validation(format!(
                "{k} must be specified for target groups with target type '{t}'"
            )));
        }
    }
    if let Some(p) = attr(obj, "port").as_f64() {
        if p.fract() != 0.0 || !(1.0..=65535.0).contains(&p) {
            return Err(validation(format!("port {p} must be between 1 and 65535")));
        }
    }
    if let Some(p) = str_attr(obj, "protocol") {
        if !PROTOCOLS.contains(&p) {
            return Err(validation(format!(
                "protocol '{p}' must be one of {}",
                PROTOCOLS.join(", ")
            )));
        }
    }
    Ok(())
}

fn name_is_free(ctx: &RuleCtx) -> Result<(), ProviderError> {
    let Some(name) = str_attr(ctx.obj, "name") else {
        return Ok(());
    };
    if ctx.creates_duplicate(TYPE, "name", name) {
        return Err(api_error(
            "DuplicateTargetGroupName",
            format!(
                "A target group with the same name '{name}' exists, but with different settings"
            ),
        ));
    }
    Ok(())
}

fn fill_computed(ctx: &mut CreateCtx) -> Result<(), ProviderError> {
    let name = str_attr(ctx.obj, "name").unwrap_or_default().to_string();
    let seed = uuid_for(&format!("{}/{TYPE}/{name}", ctx.world.name())).as_u128();
    let suffix = format!("targetgroup/{name}/{:016x}", seed as u64);
    let tg_arn = arn("elasticloadbalancing", ctx.world.region(), &suffix);
    fill(ctx.obj, "arn", Value::string(&tg_arn));
    fill(ctx.obj, "arn_suffix", Value::string(suffix));
    set_attr(ctx.obj, "id", Value::string(tg_arn));
    Ok(())
}

/// True when `ip` is the private address of a running instance.
fn instance_listens_on(world: &World, ip: &str) -> bool {
    world.of_type("aws_instance").any(|(_, i)| {
        str_attr(i, "private_ip") == Some(ip) && str_attr(i, "instance_state") == Some("running")
    })
}

/// The nodes an Auto Scaling group of an EKS node group runs: `desired_size` while the
/// group is `ACTIVE`.
fn ready_nodes(world: &World, asg: &str) -> u64 {
    world
        .of_type(super::aws_eks_node_group::TYPE)
        .filter(|(_, ng)| super::aws_eks_node_group::autoscaling_group(ng).as_deref() == Some(asg))
        .filter(|(_, ng)| str_attr(ng, "status") == Some("ACTIVE"))
        .map(|(_, ng)| super::aws_eks_node_group::desired_size(ng))
        .sum()
}

/// Healthy targets registered in the target group `tg_arn`.
pub fn healthy_targets(world: &World, tg_arn: &str) -> u64 {
    let Some(tg) = world.get(TYPE, tg_arn) else {
        return 0;
    };
    let ip_targets = str_attr(tg, "target_type") == Some("ip");
    let attached: u64 = world
        .of_type("aws_lb_target_group_attachment")
        .filter(|(_, a)| str_attr(a, "target_group_arn") == Some(tg_arn))
        .filter_map(|(_, a)| str_attr(a, "target_id"))
        .filter(|target| {
            if ip_targets {
                instance_listens_on(world, target)
            } else {
                world
                    .get("aws_instance", target)
                    .is_some_and(|i| str_attr(i, "instance_state") == Some("running"))
            }
        })
        .count() as u64;
    let scaled: u64 = world
        .of_type("aws_autoscaling_attachment")
        .filter(|(_, a)| str_attr(a, "lb_target_group_arn") == Some(tg_arn))
        .filter_map(|(_, a)| str_attr(a, "autoscaling_group_name"))
        .map(|asg| ready_nodes(world, asg))
        .sum();
    attached + scaled + crate::kube::binding::ready_pods(world, tg_arn)
}
