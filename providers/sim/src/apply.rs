//! Generic apply: create, update and delete objects in the world, enforcing the rules.

use chrono::NaiveDateTime;
use engine::provider::{Nesting, ProviderError, Schema};
use engine::value::Value;

use crate::plan::{derive, run_rules};
use crate::registry::{api_error, CreateCtx, Phase, Registry, ResourceType, RuleCtx, UpdateCtx};
use crate::shape::{attr, conform_object, set_attr, str_attr, values_at};
use crate::world::World;
use engine::provider::planning::check_required;

/// Creates the planned object; returns it as stored, every attribute known. The world
/// keeps `token` (the engine's idempotency token) with it, in the same journal line.
pub fn create(
    rt: &ResourceType,
    world: &mut World,
    planned: Value,
    token: Option<&str>,
    now: NaiveDateTime,
) -> Result<Value, ProviderError> {
    let mut obj = conform_object(planned, &rt.schema);
    check_known(rt, &obj)?;
    check_required(&rt.schema, &obj, "")?;
    derive(rt, &mut obj, None, Phase::Apply);
    check_references(rt, &obj, world)?;
    run_rules(
        rt,
        &RuleCtx {
            obj: &obj,
            prior: None,
            world,
            self_id: None,
            phase: Phase::Apply,
            now,
        },
    )?;
    let counter = world.next_counter();
    let id = rt
        .id_style
        .make(&world.name(), rt.name, counter)
        .unwrap_or_default();
    if !id.is_empty() {
        set_attr(&mut obj, "id", Value::string(&id));
    }
    if let Some(hook) = rt.on_create {
        hook(&mut CreateCtx {
            obj: &mut obj,
            id: &id,
            world,
            now,
        })?;
    }
    settle(&rt.schema, &mut obj, None);
    let id = str_attr(&obj, "id")
        .ok_or_else(|| ProviderError::Internal(format!("{}: create assigned no id", rt.name)))?
        .to_string();
    world.insert_created(rt.name, &id, obj.clone(), token);
    Ok(with_live(rt, obj, &id, world))
}

/// Updates an object in place; fails with NotFound when it no longer exists.
pub fn update(
    rt: &ResourceType,
    world: &mut World,
    prior: Value,
    planned: Value,
    now: NaiveDateTime,
) -> Result<Value, ProviderError> {
    let prior = conform_object(prior, &rt.schema);
    let id = object_id(rt, &prior)?;
    if world.get(rt.name, &id).is_none() {
        return Err(not_found(rt, &id));
    }
    let mut obj = conform_object(planned, &rt.schema);
    check_known(rt, &obj)?;
    check_required(&rt.schema, &obj, "")?;
    derive(rt, &mut obj, Some(&prior), Phase::Apply);
    check_references(rt, &obj, world)?;
    run_rules(
        rt,
        &RuleCtx {
            obj: &obj,
            prior: Some(&prior),
            world,
            self_id: Some(&id),
            phase: Phase::Apply,
            now,
        },
    )?;
    set_attr(&mut obj, "id", Value::string(&id));
    if let Some(hook) = rt.on_update {
        hook(&mut UpdateCtx {
            obj: &mut obj,
            prior: &prior,
            id: &id,
            world,
            now,
        })?;
    }
    settle(&rt.schema, &mut obj, Some(&prior));
    world.insert(rt.name, &id, obj.clone());
    // Live attributes keep their planned (prior) value here, so that the result matches
    // the plan; the next refresh brings them up to date.
    Ok(obj)
}

/// Deletes an object; refused while other objects depend on it. Deleting an object
/// that is already gone succeeds, so an interrupted destroy can be resumed.
pub fn delete(
    registry: &Registry,
    rt: &ResourceType,
    world: &mut World,
    prior: Value,
) -> Result<(), ProviderError> {
    let id = object_id(rt, &prior)?;
    if world.get(rt.name, &id).is_none() {
        return Ok(());
    }
    for other in registry.resources.values() {
        for r in other.references.iter().filter(|r| r.target == rt.name) {
            let Some(code) = r.blocks_delete else {
                continue;
            };
            let dependent = world
                .of_type(other.name)
                .find(|(_, o)| values_at(o, r.path).iter().any(|v| v.as_str() == Some(&id)));
            if let Some((dep_id, _)) = dependent {
                return Err(api_error(
                    code,
                    format!(
                        "The {} '{id}' has dependencies and cannot be deleted: {} '{dep_id}' uses it.",
                        rt.name, other.name
                    ),
                ));
            }
        }
    }
    world.remove(rt.name, &id);
    Ok(())
}

/// The object as stored, with live attributes recomputed.
pub fn with_live(rt: &ResourceType, mut obj: Value, id: &str, world: &World) -> Value {
    if let Some(live) = rt.live {
        live(&mut obj, id, world);
    }
    obj
}

/// The `id` attribute of a state value.
pub fn object_id(rt: &ResourceType, state: &Value) -> Result<String, ProviderError> {
    str_attr(state, "id")
        .map(str::to_string)
        .ok_or_else(|| ProviderError::Internal(format!("{}: state has no id", rt.name)))
}

/// The error for an object that does not exist.
pub fn not_found(rt: &ResourceType, id: &str) -> ProviderError {
    ProviderError::NotFound(format!("{} '{id}' does not exist", rt.name))
}

/// Fails when a configurable attribute is still unknown: the engine must resolve every
/// reference before apply.
fn check_known(rt: &ResourceType, obj: &Value) -> Result<(), ProviderError> {
    for (name, a) in &rt.schema.attributes {
        if !a.computed && attr(obj, name).contains_unknown() {
            return Err(ProviderError::Internal(format!(
                "{}.{name} is still unknown at apply",
                rt.name
            )));
        }
    }
    Ok(())
}

/// Every id the object refers to must exist in the world.
fn check_references(rt: &ResourceType, obj: &Value, world: &World) -> Result<(), ProviderError> {
    for r in &rt.references {
        let Some(code) = r.not_found_code else {
            continue;
        };
        for v in values_at(obj, r.path) {
            let Some(id) = v.as_str().filter(|s| !s.is_empty()) else {
                continue;
            };
            if world.get(r.target, id).is_none() {
                return Err(api_error(
                    code,
                    format!("The {} ID '{id}' does not exist", r.target),
                ));
            }
        }
    }
    Ok(())
}

/// Replaces what is still unknown after apply: by the prior value, else null. State
/// never holds unknowns.
fn settle(schema: &Schema, obj: &mut Value, prior: Option<&Value>) {
    let Value::Object(m) = obj else { return };
    for name in schema.attributes.keys() {
        if let Some(v) = m.get_mut(name) {
            if v.contains_unknown() {
                *v = prior.map(|p| attr(p, name).clone()).unwrap_or_default();
                strip_unknown(v);
            }
        }
    }
    for (name, b) in &schema.blocks {
        let Some(v) = m.get_mut(name) else { continue };
        let pri = prior.map(|p| attr(p, name));
        match (b.nesting, &mut *v) {
            (_, Value::Unknown) => *v = pri.cloned().unwrap_or_default(),
            (Nesting::Single, item) => settle(&b.schema, item, pri),
            (_, Value::List(items) | Value::Set(items)) => {
                for (i, item) in items.iter_mut().enumerate() {
                    let p = pri.and_then(Value::as_seq).and_then(|ps| ps.get(i));
                    settle(&b.schema, item, p);
                }
            }
            _ => {}
        }
        if b.nesting == Nesting::Set {
            if let Value::Set(items) = v {
                *v = Value::set(std::mem::take(items));
            }
        }
    }
}

fn strip_unknown(v: &mut Value) {
    match v {
        Value::Unknown => *v = Value::Null,
        Value::List(xs) | Value::Set(xs) | Value::Tuple(xs) => {
            xs.iter_mut().for_each(strip_unknown)
        }
        Value::Map(m) | Value::Object(m) => m.values_mut().for_each(strip_unknown),
        _ => {}
    }
}
