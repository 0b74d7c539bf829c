//! Generic planning: fill computed attributes, find forced replacements, run the rules.

use chrono::NaiveDateTime;
use engine::provider::planning::{check_required, plan_object, replace_paths, Defaults};
use engine::provider::{PlanRequest, PlanResponse, ProviderError};
use engine::value::Value;

use crate::registry::{Phase, ResourceType, RuleCtx};
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
    let config = match conform_object(req.config.clone(), &rt.schema) {
        // An engine that passes no separate configuration gets `proposed` read as one.
        Value::Null => conform_object(req.proposed.clone(), &rt.schema),
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
    let requires_replace = prior
        .as_ref()
        .map(|p| replace_paths(&rt.schema, p, &planned))
        .unwrap_or_default();
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

/// The simulator's defaults are the ones its resource types declare.
impl Defaults for ResourceType {
    fn default_for(&self, path: &str) -> Option<Value> {
        self.defaults.get(path).cloned()
    }
}
