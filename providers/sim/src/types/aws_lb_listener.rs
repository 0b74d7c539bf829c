//! `aws_lb_listener`: a port of a load balancer and the target group it forwards to.

use engine::provider::ProviderError;
use engine::value::Value;

use super::aws::tags_all;
use crate::ids::{uuid_for, IdStyle};
use crate::registry::{api_error, CreateCtx, Phase, Reference, ResourceType, RuleCtx};
use crate::shape::{attr, fill, set_attr, str_attr};

/// The `aws_lb_listener` type; its id is its ARN.
pub fn resource() -> ResourceType {
    let schema = schemas::aws::lb_listener();
    ResourceType::new("aws_lb_listener", schema)
        .ids(IdStyle::FromHook)
        .derive("tags_all", "tags", true, tags_all)
        .reference(Reference {
            path: &["load_balancer_arn"],
            target: super::aws_lb::TYPE,
            not_found_code: Some("LoadBalancerNotFound"),
            blocks_delete: Some("ResourceInUse"),
        })
        .reference(Reference {
            path: &["default_action", "target_group_arn"],
            target: super::aws_lb_target_group::TYPE,
            not_found_code: Some("TargetGroupNotFound"),
            blocks_delete: Some("ResourceInUse"),
        })
        .rule(actions_are_valid)
        .rule(protocol_fits_the_load_balancer)
        .on_create(fill_computed)
}

fn validation(m: String) -> ProviderError {
    api_error("ValidationError", m)
}

fn actions_are_valid(ctx: &RuleCtx) -> Result<(), ProviderError> {
    for a in attr(ctx.obj, "default_action").as_seq().unwrap_or(&[]) {
        let Some(t) = str_attr(a, "type") else {
            continue;
        };
        const TYPES: &[&str] = &[
            "forward",
            "redirect",
            "fixed-response",
            "authenticate-cognito",
            "authenticate-oidc",
        ];
        if !TYPES.contains(&t) {
            return Err(validation(format!(
                "action type '{t}' must be one of {}",
                TYPES.join(", ")
            )));
        }
        if t == "forward" && attr(a, "target_group_arn").is_null() {
            return Err(validation(
                "A forward action needs a target group (target_group_arn)".into(),
            ));
        }
    }
    Ok(())
}

/// The protocols each load balancer type listens with, the first being the default.
fn protocols(lb_type: &str) -> &'static [&'static str] {
    match lb_type {
        "application" => &["HTTP", "HTTPS"],
        "network" => &["TCP", "TLS", "UDP", "TCP_UDP"],
        _ => &["GENEVE"],
    }
}

/// The listener's protocol fits its load balancer; an application load balancer
/// forwards only to HTTP(S) target groups.
fn protocol_fits_the_load_balancer(ctx: &RuleCtx) -> Result<(), ProviderError> {
    if ctx.phase != Phase::Apply {
        return Ok(());
    }
    let Some(lb) =
        str_attr(ctx.obj, "load_balancer_arn").and_then(|a| ctx.world.get(super::aws_lb::TYPE, a))
    else {
        return Ok(());
    };
    let lb_type = str_attr(lb, "load_balancer_type").unwrap_or("application");
    let allowed = protocols(lb_type);
    if let Some(p) = str_attr(ctx.obj, "protocol") {
        if !allowed.contains(&p) {
            return Err(api_error(
                "InvalidConfigurationRequest",
                format!(
                    "Protocol '{p}' is not supported by a load balancer of type '{lb_type}' (use {})",
                    allowed.join(", ")
                ),
            ));
        }
    }
    for a in attr(ctx.obj, "default_action").as_seq().unwrap_or(&[]) {
        let Some(tg) = str_attr(a, "target_group_arn")
            .and_then(|t| ctx.world.get(super::aws_lb_target_group::TYPE, t))
        else {
            continue;
        };
        let tg_protocol = str_attr(tg, "protocol").unwrap_or_default();
        if lb_type == "application" && !["HTTP", "HTTPS"].contains(&tg_protocol) {
            return Err(api_error(
                "InvalidConfigurationRequest",
                format!(
                    "The target group's protocol '{tg_protocol}' is not supported by an application load balancer"
                ),
            ));
        }
    }
    Ok(())
}

fn fill_computed(ctx: &mut CreateCtx) -> Result<(), ProviderError> {
    let lb_arn = str_attr(ctx.obj, "load_balancer_arn")
        .unwrap_or_default()
        .to_string();
    let lb_type = ctx
        .world
        .get(super::aws_lb::TYPE, &lb_arn)
        .and_then(|lb| str_attr(lb, "load_balancer_type"))
        .unwrap_or("application")
        .to_string();
    let port = attr(ctx.obj, "port").as_f64().unwrap_or(0.0);
    let seed = uuid_for(&format!("{lb_arn}/listener/{port}")).as_u128();
    let arn = format!(
        "{}/{:016x}",
        lb_arn.replacen(":loadbalancer/", ":listener/", 1),
        seed as u64
    );
    fill(ctx.obj, "protocol", Value::string(protocols(&lb_type)[0]));
    fill(ctx.obj, "arn", Value::string(&arn));
    set_attr(ctx.obj, "id", Value::string(arn));
    Ok(())
}
