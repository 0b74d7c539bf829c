//! `aws_elasticache_replication_group`: a Redis OSS or Valkey primary with replicas; the
//! engine is upgraded in place along the catalog, never down, Redis OSS to Valkey allowed.

use std::time::Duration;

use engine::catalog::{self, CacheEngine};
use engine::provider::ProviderError;
use engine::value::Value;

use super::aws::{arn, tags_all};
use crate::ids::{derived, IdStyle};
use crate::registry::{api_error, CreateCtx, Phase, ResourceType, RuleCtx};
use crate::shape::{attr, fill, set_attr, str_attr};

/// The type name.
pub const TYPE: &str = "aws_elasticache_replication_group";

/// One node patched (nodes are updated one at a time, replicas first).
const PER_NODE: Duration = Duration::from_secs(300);
/// Adding or removing replicas.
const RESIZE: Duration = Duration::from_secs(600);
/// Any other modification.
const MODIFY: Duration = Duration::from_secs(60);

/// The `aws_elasticache_replication_group` type; its id is its `replication_group_id`.
pub fn resource() -> ResourceType {
    let schema = schemas::aws::elasticache_replication_group();
    ResourceType::new(TYPE, schema)
        .ids(IdStyle::FromHook)
        .default("engine", Value::string("redis"))
        .default("num_cache_clusters", Value::Number(1.0))
        .derive("tags_all", "tags", true, tags_all)
        .derive(
            "engine_version_actual",
            "engine_version",
            false,
            actual_version,
        )
        .rule(engine_is_known)
        .rule(node_type_is_given)
        .rule(cluster_count_is_in_range)
        .rule(failover_needs_a_replica)
        .rule(name_is_free)
        .rule(no_operation_in_progress)
        .rule(version_is_supported)
        .rule(upgrade_is_in_place_and_up)
        .on_create(fill_computed)
        .update_timing(patch_time)
}

fn invalid(m: String) -> ProviderError {
    api_error("InvalidParameterValue", m)
}

fn combination(m: String) -> ProviderError {
    api_error("InvalidParameterCombination", m)
}

/// The catalog's version for a configured one: `6.x` is the 6.2 line.
fn catalog_version(v: &str) -> &str {
    if v == "6.x" {
        "6.2"
    } else {
        v
    }
}

/// The running version for the configured one (`7.1` runs 7.1.0, `6.x` 6.2.6).
fn actual_version(v: &Value) -> Value {
    match v.as_str() {
        Some("6.x") => Value::string("6.2.6"),
        Some(s) if s.split('.').count() == 2 => Value::string(format!("{s}.0")),
        _ => v.clone(),
    }
}

fn engine_of(obj: &Value) -> Option<(&str, CacheEngine)> {
    let e = str_attr(obj, "engine")?;
    CacheEngine::parse(e).map(|c| (e, c))
}

fn engine_is_known(ctx: &RuleCtx) -> Result<(), ProviderError> {
    match str_attr(ctx.obj, "engine") {
        Some(e) if CacheEngine::parse(e).is_none() => Err(invalid(format!(
            "Invalid engine {e}: replication groups run redis or valkey"
        ))),
        _ => Ok(()),
    }
}

fn node_type_is_given(ctx: &RuleCtx) -> Result<(), ProviderError> {
    match attr(ctx.obj, "node_type") {
        Value::Null if ctx.prior.is_none() => Err(invalid(
            "The parameter CacheNodeType must be provided".into(),
        )),
        Value::String(t) if !t.starts_with("cache.") => {
            Err(invalid(format!("Invalid cache node type: {t}")))
        }
        _ => Ok(()),
    }
}

fn clusters(obj: &Value) -> Option<u64> {
    attr(obj, "num_cache_clusters")
        .as_f64()
        .map(|n| n.max(0.0) as u64)
}

fn cluster_count_is_in_range(ctx: &RuleCtx) -> Result<(), ProviderError> {
    match clusters(ctx.obj) {
        Some(n) if !(1..=6).contains(&n) => Err(invalid(format!(
            "NumCacheClusters must be between 1 and 6 (a primary and up to 5 replicas), got {n}"
        ))),
        _ => Ok(()),
    }
}

fn failover_needs_a_replica(ctx: &RuleCtx) -> Result<(), ProviderError> {
    let failover = attr(ctx.obj, "automatic_failover_enabled").as_bool() == Some(true);
    match clusters(ctx.obj) {
        Some(n) if failover && n < 2 => Err(combination(
            "Automatic failover needs at least two cache clusters (num_cache_clusters >= 2)".into(),
        )),
        _ => Ok(()),
    }
}

fn name_is_free(ctx: &RuleCtx) -> Result<(), ProviderError> {
    match str_attr(ctx.obj, "replication_group_id") {
        Some(id) if ctx.creates_existing(TYPE, id) => Err(api_error(
            "ReplicationGroupAlreadyExists",
            format!("Replication group {id} already exists"),
        )),
        _ => Ok(()),
    }
}

fn no_operation_in_progress(ctx: &RuleCtx) -> Result<(), ProviderError> {
    match ctx.busy(TYPE) {
        Some((id, until)) => Err(api_error(
            "InvalidReplicationGroupState",
            format!("Replication group {id} is not in available state (modifying until {until})"),
        )),
        None => Ok(()),
    }
}

/// The (engine, catalog version) the object asks for, when both are known.
fn wanted(obj: &Value) -> Option<(&str, CacheEngine, &str)> {
    let (name, engine) = engine_of(obj)?;
    let v = str_attr(obj, "engine_version")?;
    Some((name, engine, catalog_version(v)))
}

/// Only versions ElastiCache supports (no Redis OSS 7.2, for example).
fn version_is_supported(ctx: &RuleCtx) -> Result<(), ProviderError> {
    let Some((name, engine, v)) = wanted(ctx.obj) else {
        return Ok(());
    };
    if ctx.prior.and_then(wanted) == Some((name, engine, v)) {
        return Ok(());
    }
    match catalog::elasticache().version(engine, v) {
        Some(_) => Ok(()),
        None => Err(combination(format!(
            "Cannot find version {} for {name}",
            str_attr(ctx.obj, "engine_version").unwrap_or(v)
        ))),
    }
}

/// In place along the catalog's targets: never down, Redis OSS to Valkey but not back.
fn upgrade_is_in_place_and_up(ctx: &RuleCtx) -> Result<(), ProviderError> {
    let (Some((from_name, from, old)), Some((to_name, to, new))) =
        (ctx.prior.and_then(wanted), wanted(ctx.obj))
    else {
        return Ok(());
    };
    if (from, old) == (to, new) || catalog::elasticache().version(to, new).is_none() {
        return Ok(());
    }
    if catalog::elasticache().can_upgrade(from, old, to, new) {
        return Ok(());
    }
    // Several hops are planned as one modification each; only the call (apply) refuses.
    if ctx.phase != Phase::Apply
        && engine::upgrade::engines::elasticache_path((from, old), (to, new)).is_some()
    {
        return Ok(());
    }
    let why = if from == CacheEngine::Valkey && to == CacheEngine::Redis {
        "Valkey cannot be changed back to Redis OSS".to_string()
    } else if from == to && catalog::compare_versions(new, old).is_lt() {
        "engine versions are never downgraded".to_string()
    } else {
        "not an in-place upgrade target".to_string()
    };
    Err(combination(format!(
        "Cannot modify the engine from {from_name} {old} to {to_name} {new}: {why}"
    )))
}

/// The default parameter group of a version: `default.redis7`, `default.redis6.x`, `default.valkey8`.
fn default_parameter_group(engine: &str, version: &str) -> String {
    let major = version.split('.').next().unwrap_or_default();
    let family = match (engine, major) {
        ("redis", "6") => "6.x".to_string(),
        ("redis", "4" | "5") => format!("{major}.0"),
        _ => major.to_string(),
    };
    format!("default.{engine}{family}")
}

fn fill_computed(ctx: &mut CreateCtx) -> Result<(), ProviderError> {
    let (engine_name, engine) = engine_of(ctx.obj)
        .map(|(n, e)| (n.to_string(), e))
        .ok_or_else(|| invalid("Invalid engine".into()))?;
    // Without a version ElastiCache picks the newest of the engine.
    let newest = catalog::elasticache()
        .versions
        .iter()
        .filter(|v| v.engine == engine)
        .map(|v| v.version.as_str())
        .max_by(|a, b| catalog::compare_versions(a, b))
        .unwrap_or_default()
        .to_string();
    fill(ctx.obj, "engine_version", Value::string(&newest));
    let version = attr(ctx.obj, "engine_version").clone();
    set_attr(ctx.obj, "engine_version_actual", actual_version(&version));
    let v = version.as_str().unwrap_or_default().to_string();
    fill(
        ctx.obj,
        "parameter_group_name",
        Value::string(default_parameter_group(&engine_name, catalog_version(&v))),
    );
    let id = str_attr(ctx.obj, "replication_group_id")
        .unwrap_or_default()
        .to_string();
    let region = ctx.world.region().to_string();
    let suffix = &derived("", &format!("{}/{id}", ctx.world.name()), "cache")[..6];
    let host = |role: &str| {
        format!(
            "{role}.{id}.{suffix}.{}.cache.amazonaws.com",
            short(&region)
        )
    };
    fill(
        ctx.obj,
        "primary_endpoint_address",
        Value::string(host("master")),
    );
    fill(
        ctx.obj,
        "reader_endpoint_address",
        Value::string(host("replica")),
    );
    fill(ctx.obj, "configuration_endpoint_address", Value::string(""));
    fill(ctx.obj, "port", Value::Number(6379.0));
    fill(ctx.obj, "subnet_group_name", Value::string("default"));
    fill(ctx.obj, "security_group_ids", Value::set(Vec::new()));
    fill(ctx.obj, "at_rest_encryption_enabled", Value::Bool(true));
    fill(ctx.obj, "transit_encryption_enabled", Value::Bool(false));
    fill(ctx.obj, "apply_immediately", Value::Bool(false));
    let n = clusters(ctx.obj).unwrap_or(1);
    let members = (1..=n)
        .map(|i| Value::string(format!("{id}-{i:03}")))
        .collect();
    fill(ctx.obj, "member_clusters", Value::set(members));
    fill(
        ctx.obj,
        "arn",
        Value::string(arn(
            "elasticache",
            &region,
            &format!("replicationgroup:{id}"),
        )),
    );
    set_attr(ctx.obj, "id", Value::string(id));
    Ok(())
}

/// `eu-west-1` -> `euw1`, as ElastiCache endpoints spell regions.
fn short(region: &str) -> String {
    region
        .split('-')
        .map(|p| {
            if p.chars().all(|c| c.is_ascii_digit()) {
                p.to_string()
            } else {
                p.chars().take(1).collect()
            }
        })
        .collect::<String>()
        .replacen(
            &region.chars().take(1).collect::<String>(),
            &region.chars().take(2).collect::<String>(),
            1,
        )
}

/// Engine or node type changes patch the nodes one at a time; adding or removing
/// replicas takes its own time.
fn patch_time(prior: &Value, planned: &Value) -> Duration {
    let changed = |n: &str| !attr(prior, n).semantic_eq(attr(planned, n));
    let nodes = u32::try_from(clusters(planned).unwrap_or(1).max(1)).unwrap_or(u32::MAX);
    let mut took = Duration::ZERO;
    if changed("engine") || changed("engine_version") || changed("node_type") {
        took += PER_NODE * nodes;
    }
    if changed("num_cache_clusters") {
        took += RESIZE;
    }
    if took.is_zero() {
        MODIFY
    } else {
        took
    }
}
