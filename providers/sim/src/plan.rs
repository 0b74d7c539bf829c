//! Generic planning: fill computed attributes, find forced replacements, run the rules.

use chrono::NaiveDateTime;
use engine::provider::{Nesting, PlanRequest, PlanResponse, ProviderError, Schema};
use engine::value::{Value, ValueMap};

use crate::registry::{api_error, Phase, ResourceType, RuleCtx};
use crate::shape::{attr, conform_object, set_attr};
use crate::world::World;

/// Plans one resource change against the world as it is.
pub fn plan(
    rt: &ResourceType,
    world: &World,
    req: &PlanRequest,
    now: NaiveDateTime,
) -> Result<PlanResponse, ProviderError> {
    if req.proposed.is_null() && req.config.is_null() {
        // Nothing configured: the object is to be destroyed.
        return Ok(PlanResponse {
            planned: Value::Null,
            requires_replace: Vec::new(),
        });
    }
    let proposed = conform_object(req.proposed.clone(), &rt.schema);
    let config = match conform_object(req.config.clone(), &rt.schema) {
        // An engine that passes no separate configuration gets `proposed` read as one.
        Value::Null => proposed.clone(),
        c => c,
    };
    let prior = req
        .prior
        .clone()
        .map(|p| conform_object(p, &rt.schema))
        .filter(|p| !p.is_null());
    check_required(&rt.schema, &config, "")?;

    let mut planned = plan_object(rt, &rt.schema, &config, prior.as_ref(), "");
    derive(rt, &mut planned, prior.as_ref(), Phase::Plan);
    let mut requires_replace = Vec::new();
    if let Some(p) = &prior {
        replace_paths(
            &rt.schema,
            p,
            &planned,
            &mut Vec::new(),
            &mut requires_replace,
        );
    }
    if !requires_replace.is_empty() {
        // The replacement is a new object: nothing carries over from the old one.
        planned = plan_object(rt, &rt.schema, &config, None, "");
        derive(rt, &mut planned, None, Phase::Plan);
    }
    if let (Some(p), true) = (&prior, requires_replace.is_empty()) {
        renew(rt, &mut planned, p);
    }
    let self_id = if requires_replace.is_empty() {
        prior.as_ref().and_then(|p| crate::shape::str_attr(p, "id"))
    } else {
        None
    };
    run_rules(
        rt,
        &RuleCtx {
            obj: &planned,
            prior: prior.as_ref(),
            world,
            self_id,
            phase: Phase::Plan,
            now,
        },
    )?;
    Ok(PlanResponse {
        planned,
        requires_replace,
    })
}

/// Marks the attributes the service renews on update unknown when the object changes.
fn renew(rt: &ResourceType, planned: &mut Value, prior: &Value) {
    if rt.renewed_on_update.is_empty() {
        return;
    }
    let changed = rt
        .schema
        .attributes
        .iter()
        .filter(|(n, _)| !rt.renewed_on_update.contains(&n.as_str()))
        .any(|(n, _)| !attr(planned, n).semantic_eq(attr(prior, n)))
        || rt
            .schema
            .blocks
            .keys()
            .any(|n| !attr(planned, n).semantic_eq(attr(prior, n)));
    if changed {
        for name in &rt.renewed_on_update {
            set_attr(planned, name, Value::Unknown);
        }
    }
}

/// Runs every rule of the type.
pub fn run_rules(rt: &ResourceType, ctx: &RuleCtx) -> Result<(), ProviderError> {
    rt.rules.iter().try_for_each(|rule| rule(ctx))
}

/// Fails with `MissingParameter` when a required attribute is null, also inside blocks.
pub fn check_required(schema: &Schema, obj: &Value, prefix: &str) -> Result<(), ProviderError> {
    if !matches!(obj, Value::Object(_)) {
        return Ok(());
    }
    for (name, a) in &schema.attributes {
        if a.required && attr(obj, name).is_null() {
            return Err(api_error(
                "MissingParameter",
                format!("The request must contain the parameter {prefix}{name}"),
            ));
        }
    }
    for (name, b) in &schema.blocks {
        let v = attr(obj, name);
        let items = v
            .as_seq()
            .map(<[Value]>::len)
            .unwrap_or(usize::from(!v.is_null()));
        if !v.is_unknown() && (items < b.min_items || (b.max_items > 0 && items > b.max_items)) {
            return Err(api_error(
                "InvalidParameterValue",
                format!(
                    "block {prefix}{name} appears {items} times; allowed: {} to {}",
                    b.min_items,
                    if b.max_items == 0 {
                        "any".to_string()
                    } else {
                        b.max_items.to_string()
                    }
                ),
            ));
        }
        let nested = format!("{prefix}{name}.");
        match v.as_seq() {
            Some(xs) => xs
                .iter()
                .try_for_each(|x| check_required(&b.schema, x, &nested))?,
            None => check_required(&b.schema, v, &nested)?,
        }
    }
    Ok(())
}

/// The planned object: configured values, then defaults, prior values or unknowns for
/// computed attributes. `prefix` is the dotted block path for default lookups.
fn plan_object(
    rt: &ResourceType,
    schema: &Schema,
    config: &Value,
    prior: Option<&Value>,
    prefix: &str,
) -> Value {
    if config.is_unknown() {
        return Value::Unknown;
    }
    let mut out = ValueMap::new();
    for (name, a) in &schema.attributes {
        let configured = attr(config, name);
        let v = if !a.computed || !configured.is_null() {
            configured.clone()
        } else if let Some(d) = rt.defaults.get(format!("{prefix}{name}").as_str()) {
            d.clone()
        } else if let Some(p) = prior {
            attr(p, name).clone()
        } else {
            Value::Unknown
        };
        out.insert(name.clone(), v);
    }
    for (name, b) in &schema.blocks {
        let cfg = attr(config, name);
        let pri = prior.map(|p| attr(p, name));
        let nested = format!("{prefix}{name}.");
        let v = match (b.nesting, cfg) {
            (_, Value::Unknown) => Value::Unknown,
            (Nesting::Single, Value::Null) => Value::Null,
            (Nesting::Single, c) => plan_object(rt, &b.schema, c, pri, &nested),
            (nesting, c) => {
                let prior_items = pri.and_then(Value::as_seq).unwrap_or(&[]);
                let items: Vec<Value> = c
                    .as_seq()
                    .unwrap_or(&[])
                    .iter()
                    .enumerate()
                    .map(|(i, item)| {
                        let p = match nesting {
                            Nesting::Set => matching_item(&b.schema, item, prior_items),
                            _ => prior_items.get(i),
                        };
                        plan_object(rt, &b.schema, item, p, &nested)
                    })
                    .collect();
                if nesting == Nesting::Set {
                    Value::set(items)
                } else {
                    Value::List(items)
                }
            }
        };
        out.insert(name.clone(), v);
    }
    Value::Object(out)
}

/// The prior set element whose configurable attributes equal the configured ones.
fn matching_item<'a>(schema: &Schema, item: &Value, prior: &'a [Value]) -> Option<&'a Value> {
    prior.iter().find(|p| {
        schema
            .attributes
            .iter()
            .filter(|(_, a)| !a.computed)
            .all(|(n, _)| attr(p, n).semantic_eq(attr(item, n)))
    })
}

/// Sets derived attributes: at plan to the new value or unknown when the source
/// changed, at apply wherever still unknown.
pub fn derive(rt: &ResourceType, obj: &mut Value, prior: Option<&Value>, phase: Phase) {
    for d in &rt.derived {
        let source = attr(obj, d.source).clone();
        let current = attr(obj, d.target).clone();
        let changed = prior.is_none_or(|p| !attr(p, d.source).semantic_eq(&source));
        let next = match phase {
            Phase::Apply if current.is_unknown() => (d.map)(&source),
            Phase::Apply => current,
            _ if !changed => current,
            _ if d.known_at_plan && !source.contains_unknown() => (d.map)(&source),
            _ => Value::Unknown,
        };
        set_attr(obj, d.target, next);
    }
}

/// Collects the paths of force-new attributes whose planned value differs from prior.
fn replace_paths(
    schema: &Schema,
    prior: &Value,
    planned: &Value,
    path: &mut Vec<String>,
    out: &mut Vec<Vec<String>>,
) {
    let changed = |name: &str| !attr(prior, name).semantic_eq(attr(planned, name));
    for (name, a) in &schema.attributes {
        if a.force_new && changed(name) {
            out.push(with(path, name));
        }
    }
    for (name, b) in &schema.blocks {
        if b.force_new {
            if changed(name) {
                out.push(with(path, name));
            }
            continue;
        }
        let (p, n) = (attr(prior, name), attr(planned, name));
        match (b.nesting, p.as_seq(), n.as_seq()) {
            (Nesting::Single, _, _) if !p.is_null() && !n.is_null() => {
                path.push(name.clone());
                replace_paths(&b.schema, p, n, path, out);
                path.pop();
            }
            (Nesting::List, Some(ps), Some(ns)) if ps.len() == ns.len() => {
                for (i, (pi, ni)) in ps.iter().zip(ns).enumerate() {
                    path.push(name.clone());
                    path.push(i.to_string());
                    replace_paths(&b.schema, pi, ni, path, out);
                    path.pop();
                    path.pop();
                }
            }
            // Items added, removed or unordered: replace if the block holds force-new attributes.
            _ if has_force_new(&b.schema) && changed(name) => out.push(with(path, name)),
            _ => {}
        }
    }
}

fn has_force_new(schema: &Schema) -> bool {
    schema.attributes.values().any(|a| a.force_new)
        || schema
            .blocks
            .values()
            .any(|b| b.force_new || has_force_new(&b.schema))
}

fn with(path: &[String], name: &str) -> Vec<String> {
    let mut p = path.to_vec();
    p.push(name.to_string());
    p
}
