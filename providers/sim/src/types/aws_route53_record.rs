//! `aws_route53_record`: a record set, simple or weighted, in a hosted zone.

use engine::provider::ProviderError;
use engine::value::Value;

use super::aws_route53_zone::normalize;
use crate::ids::IdStyle;
use crate::registry::{api_error, CreateCtx, Phase, Reference, ResourceType, RuleCtx, UpdateCtx};
use crate::shape::{attr, fill, set_attr, str_attr};
use crate::world::World;

/// The type name.
pub const TYPE: &str = "aws_route53_record";

/// Record types Route 53 serves.
const TYPES: &[&str] = &[
    "A", "AAAA", "CAA", "CNAME", "DS", "HTTPS", "MX", "NAPTR", "NS", "PTR", "SOA", "SPF", "SRV",
    "SSHFP", "SVCB", "TLSA", "TXT",
];

/// The `aws_route53_record` type; id is `ZONEID_NAME_TYPE[_SETID]`.
pub fn resource() -> ResourceType {
    let schema = schemas::aws::route53_record();
    ResourceType::new("aws_route53_record", schema)
        .ids(IdStyle::FromHook)
        .default("allow_overwrite", Value::Bool(false))
        .reference(Reference {
            path: &["zone_id"],
            target: "aws_route53_zone",
            not_found_code: Some("NoSuchHostedZone"),
            blocks_delete: Some("HostedZoneNotEmpty"),
        })
        .rule(record_is_well_formed)
        .rule(weighted_records_are_consistent)
        .rule(record_set_is_unique)
        .on_create(fill_computed)
        .on_update(keep_serving_the_cached_answer)
}

/// Seconds for a change to reach every Route 53 name server (a change is `INSYNC`): the
/// record's typical create duration.
fn propagation() -> u64 {
    schemas::aws::typical_durations(TYPE)
        .map(|d| d.create.as_secs())
        .unwrap_or(60)
}

/// The TTL resolvers cache an answer for: `ttl`, or 60 s for alias records (Route 53
/// gives an alias to a load balancer the load balancer's 60 s).
pub fn ttl(obj: &Value) -> u64 {
    attr(obj, "ttl").as_f64().map_or(60, |t| t.max(0.0) as u64)
}

/// Clients follow a changed answer only once the change has propagated and the answer
/// they cached has expired: until then traffic follows the record as it was.
fn keep_serving_the_cached_answer(ctx: &mut UpdateCtx) -> Result<(), ProviderError> {
    let answer = |v: &Value| {
        (
            attr(v, "weighted_routing_policy").clone(),
            attr(v, "records").clone(),
            attr(v, "alias").clone(),
        )
    };
    if answer(ctx.prior) == answer(ctx.obj) {
        return Ok(());
    }
    let seen = ctx
        .world
        .served(TYPE, ctx.id, ctx.now)
        .cloned()
        .unwrap_or_else(|| ctx.prior.clone());
    let until = ctx.now + chrono::Duration::seconds((propagation() + ttl(&seen)) as i64);
    ctx.world.serve_until(TYPE, ctx.id, seen, until);
    Ok(())
}

fn invalid(m: String) -> ProviderError {
    api_error("InvalidInput", m)
}

fn record_is_well_formed(ctx: &RuleCtx) -> Result<(), ProviderError> {
    let obj = ctx.obj;
    if let Some(t) = str_attr(obj, "type") {
        if !TYPES.contains(&t) {
            return Err(invalid(format!(
                "Invalid type '{t}': must be one of {}",
                TYPES.join(", ")
            )));
        }
    }
    // An unknown `alias` or `records` (a `dynamic` block over a value known after apply)
    // may turn out either way: judged when known.
    let alias_value = attr(obj, "alias");
    let records = attr(obj, "records");
    if alias_value.is_unknown() || records.is_unknown() {
        return Ok(());
    }
    let alias = alias_value.as_seq().is_some_and(|a| !a.is_empty());
    let has_records = records.as_seq().is_some_and(|r| !r.is_empty());
    if alias && has_records {
        return Err(invalid("alias and records are mutually exclusive".into()));
    }
    if !alias && !has_records {
        return Err(invalid("a record without alias needs records".into()));
    }
    if has_records && attr(obj, "ttl").is_null() {
        return Err(invalid("ttl is required when records are set".into()));
    }
    Ok(())
}

/// Weighted records need a set identifier and a weight from 0 to 255; a set
/// identifier needs a routing policy.
fn weighted_records_are_consistent(ctx: &RuleCtx) -> Result<(), ProviderError> {
    let obj = ctx.obj;
    let policy = attr(obj, "weighted_routing_policy");
    let weights = policy.as_seq().unwrap_or(&[]);
    let set_id = attr(obj, "set_identifier");
    let has_set_id = set_id.is_unknown() || str_attr(obj, "set_identifier").is_some();
    let multivalue = attr(obj, "multivalue_answer_routing_policy").as_bool() == Some(true);
    if !weights.is_empty() && !has_set_id {
        return Err(invalid(
            "a weighted record requires set_identifier (missing field 'SetIdentifier')".into(),
        ));
    }
    if weights.is_empty()
        && !policy.is_unknown()
        && !multivalue
        && str_attr(obj, "set_identifier").is_some()
    {
        return Err(invalid("set_identifier requires a routing policy".into()));
    }
    for w in weights {
        let weight = attr(w, "weight");
        if let Some(n) = weight.as_f64() {
            if n.fract() != 0.0 || !(0.0..=255.0).contains(&n) {
                return Err(invalid(format!("weight {n} is out of range: 0 to 255")));
            }
        }
    }
    Ok(())
}

/// One record set per name, type and set identifier; simple and weighted records
/// of one name and type cannot coexist.
fn record_set_is_unique(ctx: &RuleCtx) -> Result<(), ProviderError> {
    // At apply only: at plan, the record in the way may be the one this replaces.
    if ctx.phase != Phase::Apply {
        return Ok(());
    }
    let obj = ctx.obj;
    let (Some(zone_id), Some(t)) = (str_attr(obj, "zone_id"), str_attr(obj, "type")) else {
        return Ok(());
    };
    let Some(fqdn) = fqdn(obj, ctx.world) else {
        return Ok(());
    };
    if attr(obj, "set_identifier").is_unknown() {
        return Ok(());
    }
    let set_id = str_attr(obj, "set_identifier");
    let clash = ctx.world.of_type("aws_route53_record").find(|(id, r)| {
        Some(*id) != ctx.self_id
            && str_attr(r, "zone_id") == Some(zone_id)
            && str_attr(r, "type") == Some(t)
            && str_attr(r, "fqdn") == Some(fqdn.as_str())
            && (str_attr(r, "set_identifier") == set_id
                || str_attr(r, "set_identifier").is_none() != set_id.is_none())
    });
    if clash.is_some() {
        return Err(api_error(
            "InvalidChangeBatch",
            format!(
                "Tried to create resource record set [name='{fqdn}.', type='{t}', set-identifier='{}'] but it already exists or conflicts with an existing record set",
                set_id.unwrap_or("")
            ),
        ));
    }
    Ok(())
}

/// The record's full name: `name`, completed with the zone's name when relative.
pub fn fqdn(obj: &Value, world: &World) -> Option<String> {
    let name = normalize(str_attr(obj, "name")?);
    let zone = world.get("aws_route53_zone", str_attr(obj, "zone_id")?)?;
    let zone_name = normalize(str_attr(zone, "name")?);
    if name == zone_name || name.ends_with(&format!(".{zone_name}")) {
        Some(name)
    } else {
        Some(format!("{name}.{zone_name}"))
    }
}

fn fill_computed(ctx: &mut CreateCtx) -> Result<(), ProviderError> {
    let zone_id = str_attr(ctx.obj, "zone_id").unwrap_or_default().to_string();
    let fqdn = fqdn(ctx.obj, ctx.world).ok_or_else(|| {
        api_error(
            "NoSuchHostedZone",
            format!("No hosted zone found with ID: {zone_id}"),
        )
    })?;
    let t = str_attr(ctx.obj, "type").unwrap_or_default();
    let mut id = format!("{zone_id}_{fqdn}_{t}");
    if let Some(s) = str_attr(ctx.obj, "set_identifier") {
        id = format!("{id}_{s}");
    }
    fill(ctx.obj, "fqdn", Value::string(fqdn));
    set_attr(ctx.obj, "id", Value::string(id));
    Ok(())
}

/// The traffic share of each record in a weighted set: weight / sum of weights, equal
/// shares when every weight is 0 (Route 53's rule, health checks aside).
pub fn weighted_shares(world: &World, zone_id: &str, fqdn: &str, t: &str) -> Vec<(String, f64)> {
    let weighted: Vec<(String, f64)> = world
        .of_type("aws_route53_record")
        .filter(|(_, r)| {
            str_attr(r, "zone_id") == Some(zone_id)
                && str_attr(r, "fqdn") == Some(fqdn)
                && str_attr(r, "type") == Some(t)
        })
        .filter_map(|(_, r)| {
            let policy = attr(r, "weighted_routing_policy").as_seq()?.first()?;
            Some((
                str_attr(r, "set_identifier")?.to_string(),
                attr(policy, "weight").as_f64()?,
            ))
        })
        .collect();
    let total: f64 = weighted.iter().map(|(_, w)| w).sum();
    let n = weighted.len() as f64;
    weighted
        .into_iter()
        .map(|(s, w)| (s, if total > 0.0 { w / total } else { 1.0 / n }))
        .collect()
}
