//! `galley_sim_traffic`: how traffic to a DNS name splits over its weighted records right
//! now, and which targets can serve it.
//!
//! Route 53's rule (FACTS "Route 53 weighted records"): share = weight / sum of weights in
//! the set; all zero, equal shares. A record whose health Route 53 evaluates (an alias
//! with `evaluate_target_health`) and whose target has no ready capacity is left out;
//! zero-weight records get traffic only when no non-zero record is healthy; when none
//! is healthy, all are used as if healthy. Clients follow a changed record only after
//! propagation and its TTL (the virtual clock decides). Traffic to a target without ready
//! capacity fails: it is that target's `errors`, and their sum is `error_rate`. Records
//! live in the zone's world; a load balancer they alias may be in any region's.

use engine::provider::{Attribute, ProviderError, Schema};
use engine::types::{ObjectAttr, Type};
use engine::value::Value;

use super::aws_lb::{by_dns_name, dns_key, ready_targets};
use super::aws_route53_record::TYPE as RECORD;
use super::aws_route53_zone::normalize;
use super::{computed_string, string};
use crate::registry::{DataCtx, DataSource};
use crate::shape::{attr, str_attr};

/// The `galley_sim_traffic` data source.
pub fn data_source() -> DataSource {
    let target = Type::Object(
        [
            ("set_identifier", Type::String),
            ("value", Type::String),
            ("weight", Type::Number),
            ("share", Type::Number),
            ("ready", Type::Bool),
            ("errors", Type::Number),
        ]
        .into_iter()
        .map(|(k, ty)| {
            (
                k.to_string(),
                ObjectAttr {
                    ty,
                    optional: false,
                    default: None,
                },
            )
        })
        .collect(),
    );
    DataSource {
        name: "galley_sim_traffic",
        schema: Schema::default()
            .attr("name", Attribute::required(string()))
            .attr("type", Attribute::optional_computed(string()))
            .attr("id", computed_string())
            .attr("targets", Attribute::computed(Type::List(Box::new(target))))
            .attr("error_rate", Attribute::computed(Type::Number)),
        read,
        spans_regions: true,
    }
}

/// One record as clients see it now.
struct Target {
    set_identifier: String,
    value: String,
    weight: f64,
    ready: bool,
    /// Route 53 checks the target's health (alias with `evaluate_target_health`).
    evaluated: bool,
}

/// Where a record sends clients: its alias target, or its values joined by commas.
fn answer(r: &Value) -> String {
    if let Some(a) = attr(r, "alias").as_seq().and_then(|a| a.first()) {
        return str_attr(a, "name").unwrap_or_default().to_string();
    }
    let mut values: Vec<&str> = attr(r, "records")
        .as_seq()
        .unwrap_or(&[])
        .iter()
        .filter_map(Value::as_str)
        .collect();
    values.sort();
    values.join(",")
}

/// Whether something simulated serves the answer: a load balancer with ready targets
/// (in this region or another: Route 53 is global), or a running instance with one of
/// the addresses. Anything else is not simulated and counts as not ready, so that a
/// rehearsal never passes on traffic nobody serves.
fn can_serve(ctx: &DataCtx, value: &str) -> bool {
    let world = ctx.world;
    if let Some((arn, _)) = by_dns_name(world, value) {
        return ready_targets(world, arn) > 0;
    }
    if let Some(&ready) = ctx.load_balancers_elsewhere.get(&dns_key(value)) {
        return ready > 0;
    }
    value.split(',').any(|ip| {
        world.of_type("aws_instance").any(|(_, i)| {
            str_attr(i, "private_ip") == Some(ip)
                && str_attr(i, "instance_state") == Some("running")
        })
    })
}

/// Traffic shares by Route 53's rules, in the order of `targets`.
fn shares(targets: &[Target]) -> Vec<f64> {
    let healthy = |t: &Target| !t.evaluated || t.ready;
    let split = |pick: &dyn Fn(&Target) -> bool| -> Option<Vec<f64>> {
        let total: f64 = targets.iter().filter(|t| pick(t)).map(|t| t.weight).sum();
        let n = targets.iter().filter(|t| pick(t)).count();
        if n == 0 {
            return None;
        }
        Some(
            targets
                .iter()
                .map(|t| match (pick(t), total > 0.0) {
                    (false, _) => 0.0,
                    (true, true) => t.weight / total,
                    (true, false) => 1.0 / n as f64,
                })
                .collect(),
        )
    };
    split(&|t| t.weight > 0.0 && healthy(t))
        .or_else(|| split(&|t| t.weight == 0.0 && healthy(t)))
        .or_else(|| split(&|t| t.weight > 0.0))
        .or_else(|| split(&|_| true))
        .unwrap_or_default()
}

fn read(ctx: &DataCtx) -> Result<Value, ProviderError> {
    let name = normalize(str_attr(ctx.config, "name").unwrap_or_default());
    let t = str_attr(ctx.config, "type").unwrap_or("A").to_string();
    let targets: Vec<Target> = ctx
        .world
        .of_type(RECORD)
        .filter(|(_, r)| str_attr(r, "fqdn") == Some(name.as_str()))
        .filter(|(_, r)| str_attr(r, "type") == Some(t.as_str()))
        .filter_map(|(id, _)| ctx.world.served(RECORD, id, ctx.now))
        .map(|r| {
            let policy = attr(r, "weighted_routing_policy")
                .as_seq()
                .and_then(|p| p.first());
            let value = answer(r);
            Target {
                set_identifier: str_attr(r, "set_identifier")
                    .unwrap_or_default()
                    .to_string(),
                // A simple record is the whole answer.
                weight: policy.map_or(1.0, |p| attr(p, "weight").as_f64().unwrap_or(0.0)),
                ready: can_serve(ctx, &value),
                evaluated: attr(r, "alias")
                    .as_seq()
                    .and_then(|a| a.first())
                    .is_some_and(|a| attr(a, "evaluate_target_health").as_bool() == Some(true)),
                value,
            }
        })
        .collect();
    let shares = shares(&targets);
    let mut error_rate = 0.0;
    let rows: Vec<Value> = targets
        .iter()
        .zip(&shares)
        .map(|(target, &share)| {
            let errors = if target.ready { 0.0 } else { share };
            error_rate += errors;
            Value::object([
                ("set_identifier", Value::string(&target.set_identifier)),
                ("value", Value::string(&target.value)),
                ("weight", Value::Number(target.weight)),
                ("share", Value::Number(share)),
                ("ready", Value::Bool(target.ready)),
                ("errors", Value::Number(errors)),
            ])
        })
        .collect();
    Ok(Value::object([
        ("name", Value::string(&name)),
        ("type", Value::string(&t)),
        ("id", Value::string(format!("{name}/{t}"))),
        ("targets", Value::List(rows)),
        ("error_rate", Value::Number(error_rate)),
    ]))
}
