//! `aws_rds_cluster`: an Aurora PostgreSQL or MySQL cluster; its engine only moves along
//! the catalog's upgrade targets.
//!
//! Pending changes: with `apply_immediately = false` (the default) an engine version change
//! is accepted at once (`engine_version` shows the new version) but carried out at the start
//! of the next `preferred_maintenance_window` on the virtual clock; until then
//! `engine_version_actual` keeps the running version. Pending changes live in memory, like
//! the virtual clock.

use std::time::Duration;

use chrono::{Datelike, NaiveDateTime, NaiveTime, Weekday};
use engine::catalog::{self, AuroraCatalog};
use engine::provider::ProviderError;
use engine::upgrade::engines::{
    DEFAULT_SWITCHOVER_TIMEOUT, LOGICAL_REPLICATION_PARAMETER, SWITCHOVER_TIMEOUTS,
};
use engine::value::Value;

use super::aws::{arn, tags_all};
use super::aws_rds_cluster_parameter_group as pg;
use crate::ids::{derived, IdStyle};
use crate::registry::{api_error, CreateCtx, Phase, Reference, ResourceType, RuleCtx, UpdateCtx};
use crate::shape::{attr, fill, set_attr, str_attr, values_at};
use crate::world::{Pending, World};

/// The type name.
pub const TYPE: &str = "aws_rds_cluster";

/// The window RDS assigns when none is configured (real RDS picks a random 30 minutes).
pub const DEFAULT_MAINTENANCE_WINDOW: &str = "sun:05:00-sun:05:30";

/// A minor version upgrade in place: instances are patched together, about ten minutes.
const MINOR_UPGRADE: Duration = Duration::from_secs(600);
/// A major version upgrade in place: pg_upgrade or the MySQL 8 upgrade, with downtime.
const MAJOR_UPGRADE: Duration = Duration::from_secs(1800);
/// Any other modification, or one recorded as pending.
const MODIFY: Duration = Duration::from_secs(60);
/// Blue/green: the green copy created (storage cloned, instances started) before it is
/// upgraded like a cluster in place ([`MAJOR_UPGRADE`]), while blue serves.
const GREEN_COPY: Duration = Duration::from_secs(900);
/// Blue/green: replication catching up with the writes made meanwhile.
const GREEN_SYNC: Duration = Duration::from_secs(300);
/// Blue/green: the switchover, within every valid timeout (RDS: usually under a minute).
const SWITCHOVER: Duration = Duration::from_secs(30);
/// Blue/green: deleting the old cluster and its instances after the switchover.
const DELETE_BLUE: Duration = Duration::from_secs(300);

/// The `aws_rds_cluster` type; its id is its `cluster_identifier`.
pub fn resource() -> ResourceType {
    let schema = schemas::aws::rds_cluster();
    ResourceType::new(TYPE, schema)
        .ids(IdStyle::FromHook)
        .default("engine_mode", Value::string("provisioned"))
        .default("backup_retention_period", Value::Number(1.0))
        .derive("tags_all", "tags", true, tags_all)
        .derive(
            "engine_version_actual",
            "engine_version",
            false,
            Value::clone,
        )
        .reference(Reference {
            path: &["db_cluster_parameter_group_name"],
            target: pg::TYPE,
            not_found_code: None,
            blocks_delete: Some("InvalidDBParameterGroupState"),
        })
        .rule(engine_is_aurora)
        .rule(maintenance_window_is_valid)
        .rule(name_is_free)
        .rule(no_operation_in_progress)
        .rule(version_is_offered)
        .rule(version_moves_to_an_upgrade_target)
        .rule(major_upgrade_is_allowed)
        .rule(cluster_parameter_group_suits_the_version)
        .rule(custom_instance_parameter_groups_are_replaced)
        .rule(switchover_timeout_is_valid)
        .rule(blue_green_replicates_logically)
        .on_create(fill_computed)
        .on_update(upgrade_now_or_at_the_window)
        .update_timing(upgrade_time)
        .live(list_members)
}

fn combination(m: String) -> ProviderError {
    api_error("InvalidParameterCombination", m)
}

/// The engine's catalog entry.
fn engine_of(obj: &Value) -> Option<(&str, &'static AuroraCatalog)> {
    let e = str_attr(obj, "engine")?;
    catalog::aurora(e).map(|c| (e, c))
}

fn engine_is_aurora(ctx: &RuleCtx) -> Result<(), ProviderError> {
    match str_attr(ctx.obj, "engine") {
        Some(e) if catalog::aurora(e).is_none() => Err(api_error(
            "InvalidParameterValue",
            format!(
                "Invalid DB engine: {e}; the simulator models aurora-postgresql and aurora-mysql"
            ),
        )),
        _ => Ok(()),
    }
}

fn maintenance_window_is_valid(ctx: &RuleCtx) -> Result<(), ProviderError> {
    match str_attr(ctx.obj, "preferred_maintenance_window") {
        Some(w) if parse_window(w).is_none() => Err(api_error(
            "InvalidParameterValue",
            format!("The maintenance window {w} is not of the form ddd:hh24:mi-ddd:hh24:mi"),
        )),
        _ => Ok(()),
    }
}

fn name_is_free(ctx: &RuleCtx) -> Result<(), ProviderError> {
    match str_attr(ctx.obj, "cluster_identifier") {
        Some(name) if ctx.creates_existing(TYPE, name) => Err(api_error(
            "DBClusterAlreadyExistsFault",
            format!("DB Cluster already exists: {name}"),
        )),
        _ => Ok(()),
    }
}

/// One modification at a time (a stuck operation keeps the cluster `modifying`).
fn no_operation_in_progress(ctx: &RuleCtx) -> Result<(), ProviderError> {
    match ctx.busy(TYPE) {
        Some((id, until)) => Err(api_error(
            "InvalidDBClusterStateFault",
            format!(
                "DB cluster {id} is not currently in the available state (modifying until {until})"
            ),
        )),
        None => Ok(()),
    }
}

/// The version changed by this plan (all of it at create), as (old, new).
fn version_change<'a>(ctx: &'a RuleCtx) -> Option<(Option<&'a str>, &'a str)> {
    let new = str_attr(ctx.obj, "engine_version")?;
    let old = ctx.prior.and_then(|p| str_attr(p, "engine_version"));
    (old != Some(new)).then_some((old, new))
}

/// Only versions RDS offers: in the catalog, not past the end of RDS Extended Support.
fn version_is_offered(ctx: &RuleCtx) -> Result<(), ProviderError> {
    let (Some((engine, cat)), Some((_, v))) = (engine_of(ctx.obj), version_change(ctx)) else {
        return Ok(());
    };
    let not_found = || combination(format!("Cannot find version {v} for {engine}"));
    let major = cat.major_of(v).ok_or_else(not_found)?;
    match major.end_of_extended {
        Some(end) if ctx.phase != Phase::Validate && ctx.now.date() > end => {
            Err(combination(format!(
            "Cannot find version {v} for {engine}: {engine} {} left RDS Extended Support on {end}",
            major.major
        )))
        }
        _ => Ok(()),
    }
}

/// In place only to a `ValidUpgradeTarget` of the current version: never down.
fn version_moves_to_an_upgrade_target(ctx: &RuleCtx) -> Result<(), ProviderError> {
    let (Some((engine, cat)), Some((Some(old), new))) = (engine_of(ctx.obj), version_change(ctx))
    else {
        return Ok(());
    };
    if cat.version(new).is_none() || cat.upgrade_targets(old).iter().any(|t| t == new) {
        return Ok(());
    }
    // Several hops are what galley's planner turns into one modification each: only the
    // modification call itself (apply) refuses a target that is not a direct one.
    if ctx.phase != Phase::Apply
        && engine::upgrade::engines::path(old, new, |v| cat.upgrade_targets(v).to_vec()).is_some()
    {
        return Ok(());
    }
    let why = if catalog::compare_versions(new, old).is_lt() {
        "a downgrade; RDS never downgrades an engine".to_string()
    } else {
        format!(
            "not a valid upgrade target of {old} (valid: {})",
            match cat.upgrade_targets(old) {
                [] => "none".to_string(),
                ts => ts.join(", "),
            }
        )
    };
    Err(combination(format!(
        "Cannot upgrade {engine} from {old} to {new}: {why}"
    )))
}

fn is_major(ctx: &RuleCtx) -> Option<(&'static AuroraCatalog, String, String)> {
    let (_, cat) = engine_of(ctx.obj)?;
    let (old, new) = version_change(ctx)?;
    let old = old?;
    cat.is_major_upgrade(old, new)
        .then(|| (cat, old.to_string(), new.to_string()))
}

fn major_upgrade_is_allowed(ctx: &RuleCtx) -> Result<(), ProviderError> {
    if is_major(ctx).is_none()
        || attr(ctx.obj, "allow_major_version_upgrade").as_bool() == Some(true)
    {
        return Ok(());
    }
    Err(combination(
        "The AllowMajorVersionUpgrade flag must be present when upgrading to a new major version."
            .into(),
    ))
}

/// A custom cluster parameter group must be of the version's family (default groups are
/// switched by RDS itself).
fn cluster_parameter_group_suits_the_version(ctx: &RuleCtx) -> Result<(), ProviderError> {
    if ctx.phase == Phase::Validate {
        return Ok(());
    }
    let (Some((_, cat)), Some(v), Some(name)) = (
        engine_of(ctx.obj),
        str_attr(ctx.obj, "engine_version"),
        str_attr(ctx.obj, "db_cluster_parameter_group_name"),
    ) else {
        return Ok(());
    };
    if name.starts_with("default.") {
        return Ok(());
    }
    let Some(group) = ctx.world.get(pg::TYPE, name) else {
        return match ctx.phase {
            Phase::Apply => Err(api_error(
                "DBClusterParameterGroupNotFound",
                format!("DBClusterParameterGroup not found: {name}"),
            )),
            _ => Ok(()),
        };
    };
    let (Some(have), Some(want)) = (str_attr(group, "family"), cat.family(v)) else {
        return Ok(());
    };
    if have == want {
        return Ok(());
    }
    Err(combination(match is_major(ctx) {
        Some((_, old, new)) => format!(
            "The DB cluster parameter group {name} has family {have}; a major version upgrade from {old} to {new} needs a DB cluster parameter group of family {want} (set db_cluster_parameter_group_name in the same change)"
        ),
        None => format!(
            "The DB cluster parameter group {name} has family {have}, which cannot be used with engine version {v}; use one of family {want}"
        ),
    }))
}

/// A major upgrade of a cluster whose instances use a custom DB parameter group must name
/// the new one (`db_instance_parameter_group_name`).
fn custom_instance_parameter_groups_are_replaced(ctx: &RuleCtx) -> Result<(), ProviderError> {
    if is_major(ctx).is_none() || str_attr(ctx.obj, "db_instance_parameter_group_name").is_some() {
        return Ok(());
    }
    let Some(id) = str_attr(ctx.obj, "cluster_identifier") else {
        return Ok(());
    };
    let custom = ctx
        .world
        .of_type(super::aws_rds_cluster_instance::TYPE)
        .filter(|(_, i)| str_attr(i, "cluster_identifier") == Some(id))
        .filter_map(|(_, i)| str_attr(i, "db_parameter_group_name"))
        .find(|g| !g.starts_with("default."));
    match custom {
        Some(g) => Err(combination(format!(
            "The current DB instance parameter group {g} is custom. You must explicitly specify a new DB instance parameter group, either default or custom, for the engine version upgrade."
        ))),
        None => Ok(()),
    }
}

/// The switchover timeout of an enabled `blue_green_update` block, in seconds (the
/// configured one may be out of range: [`switchover_timeout_is_valid`] says so).
fn blue_green_update(obj: &Value) -> Option<f64> {
    let block = attr(obj, "blue_green_update");
    let first = block.as_seq().and_then(<[Value]>::first)?;
    if attr(first, "enabled").as_bool() != Some(true) {
        return None;
    }
    Some(match attr(first, "switchover_timeout") {
        Value::Number(n) => *n,
        _ => f64::from(DEFAULT_SWITCHOVER_TIMEOUT),
    })
}

/// Whether changing `prior` into `obj` is a blue/green deployment: a major version change
/// of a cluster with `blue_green_update` enabled.
fn by_blue_green(prior: &Value, obj: &Value) -> bool {
    let (Some((_, cat)), Some(old), Some(new)) = (
        engine_of(obj),
        str_attr(prior, "engine_version"),
        str_attr(obj, "engine_version"),
    ) else {
        return false;
    };
    blue_green_update(obj).is_some() && old != new && cat.is_major_upgrade(old, new)
}

fn switchover_timeout_is_valid(ctx: &RuleCtx) -> Result<(), ProviderError> {
    match blue_green_update(ctx.obj) {
        Some(t)
            if t.fract() != 0.0
                || !SWITCHOVER_TIMEOUTS.contains(&(t.clamp(0.0, f64::from(u32::MAX)) as u32)) =>
        {
            Err(api_error(
                "InvalidParameterValue",
                format!(
                    "The switchover timeout {t} is not valid: it must be a whole number of seconds from {} to {}",
                    SWITCHOVER_TIMEOUTS.start(),
                    SWITCHOVER_TIMEOUTS.end()
                ),
            ))
        }
        _ => Ok(()),
    }
}

/// Aurora PostgreSQL keeps the green copy in sync by logical replication, which the blue
/// cluster's parameter group must turn on. A default group never does; a custom one is
/// judged at apply, as the same apply may add the parameter to it first.
fn blue_green_replicates_logically(ctx: &RuleCtx) -> Result<(), ProviderError> {
    let Some(prior) = ctx.prior else {
        return Ok(());
    };
    if !by_blue_green(prior, ctx.obj) || str_attr(ctx.obj, "engine") != Some("aurora-postgresql") {
        return Ok(());
    }
    let Some(name) = str_attr(prior, "db_cluster_parameter_group_name") else {
        return Ok(());
    };
    let p = LOGICAL_REPLICATION_PARAMETER;
    let refused = |why: String| {
        Err(api_error(
            "SourceClusterNotSupportedFault",
            format!("A blue/green deployment of an Aurora PostgreSQL DB cluster needs logical replication: {why}"),
        ))
    };
    if name.starts_with("default.") {
        return refused(format!(
            "the default DB cluster parameter group {name} has {p} = 0; use a custom one with {p} = 1"
        ));
    }
    if ctx.phase != Phase::Apply {
        return Ok(());
    }
    let on = ctx.world.get(pg::TYPE, name).is_some_and(|g| {
        values_at(g, &["parameter"])
            .into_iter()
            .any(|x| str_attr(x, "name") == Some(p) && str_attr(x, "value") == Some("1"))
    });
    if on {
        return Ok(());
    }
    refused(format!(
        "the DB cluster parameter group {name} does not set {p} = 1"
    ))
}

/// The newest version of the newest major in standard support on `today`: RDS's default.
fn default_version(cat: &AuroraCatalog, today: chrono::NaiveDate) -> Option<&str> {
    let major = cat
        .majors
        .iter()
        .rev()
        .find(|m| m.end_of_standard.is_none_or(|e| today <= e))?;
    cat.versions
        .iter()
        .rev()
        .find(|v| v.major == major.major)
        .map(|v| v.version.as_str())
}

fn dns_suffix(world: &World) -> String {
    derived("", &world.name(), "rds-dns")[..12].to_string()
}

fn fill_computed(ctx: &mut CreateCtx) -> Result<(), ProviderError> {
    let (engine, cat) = engine_of(ctx.obj)
        .map(|(e, c)| (e.to_string(), c))
        .ok_or_else(|| api_error("InvalidParameterValue", "Invalid DB engine"))?;
    let default = default_version(cat, ctx.now.date())
        .ok_or_else(|| combination(format!("no {engine} version is available")))?;
    fill(ctx.obj, "engine_version", Value::string(default));
    let version = str_attr(ctx.obj, "engine_version")
        .unwrap_or_default()
        .to_string();
    set_attr(ctx.obj, "engine_version_actual", Value::string(&version));
    let generated = format!(
        "tf-{}",
        derived(
            "",
            &ctx.world.name(),
            &format!("rds/{}/{}", ctx.now, ctx.world.len())
        )
    );
    fill(ctx.obj, "cluster_identifier", Value::string(generated));
    let id = str_attr(ctx.obj, "cluster_identifier")
        .unwrap_or_default()
        .to_string();
    let region = ctx.world.region().to_string();
    let suffix = dns_suffix(ctx.world);
    let family = cat.family(&version).unwrap_or_default().to_string();
    fill(
        ctx.obj,
        "db_cluster_parameter_group_name",
        Value::string(format!("default.{family}")),
    );
    let port = if engine == "aurora-postgresql" {
        5432.0
    } else {
        3306.0
    };
    fill(ctx.obj, "port", Value::Number(port));
    fill(ctx.obj, "apply_immediately", Value::Bool(false));
    fill(ctx.obj, "master_username", Value::string(""));
    fill(ctx.obj, "database_name", Value::string(""));
    let zones: Vec<Value> = super::aws::availability_zones(&region)
        .into_iter()
        .take(3)
        .map(Value::string)
        .collect();
    fill(ctx.obj, "availability_zones", Value::set(zones));
    fill(ctx.obj, "vpc_security_group_ids", Value::set(Vec::new()));
    fill(ctx.obj, "db_subnet_group_name", Value::string("default"));
    fill(
        ctx.obj,
        "preferred_backup_window",
        Value::string("03:00-03:30"),
    );
    fill(
        ctx.obj,
        "preferred_maintenance_window",
        Value::string(DEFAULT_MAINTENANCE_WINDOW),
    );
    fill(ctx.obj, "storage_encrypted", Value::Bool(false));
    fill(ctx.obj, "kms_key_id", Value::string(""));
    fill(
        ctx.obj,
        "arn",
        Value::string(arn("rds", &region, &format!("cluster:{id}"))),
    );
    let host = |role: &str| format!("{id}.{role}-{suffix}.{region}.rds.amazonaws.com");
    fill(ctx.obj, "endpoint", Value::string(host("cluster")));
    fill(
        ctx.obj,
        "reader_endpoint",
        Value::string(host("cluster-ro")),
    );
    fill(
        ctx.obj,
        "cluster_resource_id",
        Value::string(format!(
            "cluster-{}",
            derived("", &id, "resource").to_ascii_uppercase()
        )),
    );
    fill(ctx.obj, "hosted_zone_id", Value::string("Z2R2ITUGPM61AM"));
    fill(ctx.obj, "cluster_members", Value::set(Vec::new()));
    set_attr(ctx.obj, "id", Value::string(id));
    Ok(())
}

/// `apply_immediately = true` upgrades now; otherwise the running version stays until the
/// next maintenance window. A blue/green deployment is carried out now, whatever
/// `apply_immediately` says (as the AWS provider's `blue_green_update` does).
fn upgrade_now_or_at_the_window(ctx: &mut UpdateCtx) -> Result<(), ProviderError> {
    if by_blue_green(ctx.prior, ctx.obj) {
        // After the switchover the green cluster has the blue one's identifier and
        // endpoints, so the object is the same but for its version; the old cluster
        // (`NAME-old1`) is deleted within this same update.
        return Ok(());
    }
    let (Some(old), Some(new)) = (
        str_attr(ctx.prior, "engine_version").map(str::to_string),
        str_attr(ctx.obj, "engine_version").map(str::to_string),
    ) else {
        return Ok(());
    };
    if old == new || attr(ctx.obj, "apply_immediately").as_bool() == Some(true) {
        return Ok(());
    }
    let running = attr(ctx.prior, "engine_version_actual").clone();
    set_attr(ctx.obj, "engine_version_actual", running);
    let window =
        str_attr(ctx.obj, "preferred_maintenance_window").unwrap_or(DEFAULT_MAINTENANCE_WINDOW);
    let at = next_window(window, ctx.now).unwrap_or(ctx.now);
    ctx.world.schedule(
        TYPE,
        ctx.id,
        Pending {
            at,
            set: vec![("engine_version_actual".to_string(), Value::string(new))],
        },
    );
    Ok(())
}

fn upgrade_time(prior: &Value, planned: &Value) -> Duration {
    let (Some(old), Some(new)) = (
        str_attr(prior, "engine_version"),
        str_attr(planned, "engine_version"),
    ) else {
        return MODIFY;
    };
    if by_blue_green(prior, planned) {
        return GREEN_COPY + MAJOR_UPGRADE + GREEN_SYNC + SWITCHOVER + DELETE_BLUE;
    }
    if old == new || attr(planned, "apply_immediately").as_bool() != Some(true) {
        return MODIFY;
    }
    match engine_of(planned) {
        Some((_, cat)) if cat.is_major_upgrade(old, new) => MAJOR_UPGRADE,
        _ => MINOR_UPGRADE,
    }
}

fn list_members(obj: &mut Value, id: &str, world: &World) {
    let members = world
        .of_type(super::aws_rds_cluster_instance::TYPE)
        .filter(|(_, i)| str_attr(i, "cluster_identifier") == Some(id))
        .map(|(iid, _)| Value::string(iid))
        .collect();
    set_attr(obj, "cluster_members", Value::set(members));
}

/// `sun:05:00-sun:05:30` as (weekday, start time).
pub fn parse_window(w: &str) -> Option<(Weekday, NaiveTime)> {
    let (start, end) = w.split_once('-')?;
    let parse = |s: &str| -> Option<(Weekday, NaiveTime)> {
        let (day, time) = s.split_once(':')?;
        let day: Weekday = day.parse().ok()?;
        Some((day, NaiveTime::parse_from_str(time, "%H:%M").ok()?))
    };
    parse(end)?;
    parse(start)
}

/// The start of the first window after `now`.
pub fn next_window(w: &str, now: NaiveDateTime) -> Option<NaiveDateTime> {
    let (day, time) = parse_window(w)?;
    (0..=7)
        .map(|d| now.date() + chrono::Days::new(d))
        .filter(|date| date.weekday() == day)
        .map(|date| date.and_time(time))
        .find(|start| *start > now)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn next_window_is_the_first_start_after_now() {
        // 2026-02-01 is a Sunday.
        let at = |s: &str| NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M").unwrap();
        let w = "sun:05:00-sun:05:30";
        assert_eq!(
            next_window(w, at("2026-02-01 00:10")),
            Some(at("2026-02-01 05:00"))
        );
        assert_eq!(
            next_window(w, at("2026-02-01 05:00")),
            Some(at("2026-02-08 05:00"))
        );
        assert_eq!(
            next_window("tue:23:00-wed:00:30", at("2026-02-01 06:00")),
            Some(at("2026-02-03 23:00"))
        );
        assert_eq!(next_window("someday", at("2026-02-01 06:00")), None);
    }
}
