//! `aws_msk_cluster`: an Apache Kafka cluster; versions move to compatible ones, brokers
//! only grow and are restarted one at a time.

use std::time::Duration;

use engine::catalog::{self, MetadataMode};
use engine::provider::ProviderError;
use engine::value::Value;

use super::aws::{arn, tags_all};
use super::aws_msk_configuration::{self as configuration, kafka_versions};
use crate::ids::{derived, IdStyle};
use crate::registry::{api_error, CreateCtx, Phase, Reference, ResourceType, RuleCtx, UpdateCtx};
use crate::shape::{attr, fill, set_attr, str_attr};

/// The type name.
pub const TYPE: &str = "aws_msk_cluster";

/// One broker restarted and back in sync (a version or instance type change rolls them).
const BROKER_RESTART: Duration = Duration::from_secs(600);
/// Adding brokers to the cluster.
const ADD_BROKERS: Duration = Duration::from_secs(1200);
/// Growing broker storage.
const GROW_STORAGE: Duration = Duration::from_secs(300);
/// Any other update.
const MODIFY: Duration = Duration::from_secs(60);

/// The `aws_msk_cluster` type; its id is its ARN.
pub fn resource() -> ResourceType {
    let schema = schemas::aws::msk_cluster();
    ResourceType::new(TYPE, schema)
        .ids(IdStyle::FromHook)
        .default("enhanced_monitoring", Value::string("DEFAULT"))
        .default(
            "broker_node_group_info.az_distribution",
            Value::string("DEFAULT"),
        )
        .default(
            "encryption_info.encryption_in_transit.client_broker",
            Value::string("TLS"),
        )
        .default(
            "encryption_info.encryption_in_transit.in_cluster",
            Value::Bool(true),
        )
        .derive("tags_all", "tags", true, tags_all)
        .reference(Reference {
            path: &["broker_node_group_info", "client_subnets"],
            target: "aws_subnet",
            not_found_code: Some("BadRequestException"),
            blocks_delete: Some("DependencyViolation"),
        })
        .reference(Reference {
            path: &["configuration_info", "arn"],
            target: configuration::TYPE,
            not_found_code: Some("NotFoundException"),
            blocks_delete: Some("BadRequestException"),
        })
        .rule(instance_type_is_kafka)
        .rule(two_or_three_subnets_in_distinct_zones)
        .rule(brokers_are_a_multiple_of_the_subnets)
        .rule(name_is_free)
        .rule(no_operation_in_progress)
        .rule(version_is_offered)
        .rule(version_moves_to_a_compatible_one)
        .rule(brokers_only_grow)
        .rule(storage_only_grows)
        .rule(configuration_suits_the_version)
        .renewed_on_update(&["current_version"])
        .on_create(fill_computed)
        .on_update(new_cluster_version)
        .update_timing(rolling_time)
}

fn bad_request(m: String) -> ProviderError {
    api_error("BadRequestException", m)
}

fn block<'a>(obj: &'a Value, name: &str) -> Option<&'a Value> {
    attr(obj, name).as_seq().and_then(|b| b.first())
}

fn subnets(obj: &Value) -> Vec<&str> {
    block(obj, "broker_node_group_info")
        .and_then(|b| attr(b, "client_subnets").as_seq())
        .unwrap_or(&[])
        .iter()
        .filter_map(Value::as_str)
        .collect()
}

fn brokers(obj: &Value) -> Option<u64> {
    attr(obj, "number_of_broker_nodes")
        .as_f64()
        .map(|n| n.max(0.0) as u64)
}

fn instance_type(obj: &Value) -> Option<&str> {
    block(obj, "broker_node_group_info").and_then(|b| str_attr(b, "instance_type"))
}

fn volume_size(obj: &Value) -> Option<f64> {
    block(obj, "broker_node_group_info")
        .and_then(|b| block(b, "storage_info"))
        .and_then(|s| block(s, "ebs_storage_info"))
        .and_then(|e| attr(e, "volume_size").as_f64())
}

fn instance_type_is_kafka(ctx: &RuleCtx) -> Result<(), ProviderError> {
    match instance_type(ctx.obj) {
        Some(t) if !t.starts_with("kafka.") => Err(bad_request(format!(
            "Unsupported broker instance type {t}: MSK broker types start with kafka."
        ))),
        _ => Ok(()),
    }
}

fn two_or_three_subnets_in_distinct_zones(ctx: &RuleCtx) -> Result<(), ProviderError> {
    let ids = subnets(ctx.obj);
    if attr(ctx.obj, "broker_node_group_info").contains_unknown() {
        return Ok(());
    }
    if !(2..=3).contains(&ids.len()) {
        return Err(bad_request(format!(
            "Specify either two or three client subnets (got {}).",
            ids.len()
        )));
    }
    let mut zones: Vec<&str> = ids
        .iter()
        .filter_map(|id| ctx.world.get("aws_subnet", id))
        .filter_map(|sn| str_attr(sn, "availability_zone"))
        .collect();
    let found = zones.len();
    zones.sort_unstable();
    zones.dedup();
    if zones.len() < found {
        return Err(bad_request(
            "The client subnets must be in different Availability Zones.".into(),
        ));
    }
    Ok(())
}

fn brokers_are_a_multiple_of_the_subnets(ctx: &RuleCtx) -> Result<(), ProviderError> {
    let (Some(n), zones) = (brokers(ctx.obj), subnets(ctx.obj).len() as u64) else {
        return Ok(());
    };
    if zones == 0 || (n > 0 && n % zones == 0) {
        return Ok(());
    }
    Err(bad_request(format!(
        "The number of broker nodes must be a multiple of Availability Zones in the Client Subnets parameter ({n} brokers, {zones} subnets)."
    )))
}

fn name_is_free(ctx: &RuleCtx) -> Result<(), ProviderError> {
    let Some(name) = str_attr(ctx.obj, "cluster_name") else {
        return Ok(());
    };
    if ctx.creates_duplicate(TYPE, "cluster_name", name) {
        return Err(api_error(
            "ConflictException",
            format!("A cluster with name {name} already exists"),
        ));
    }
    Ok(())
}

/// One operation at a time (a stuck update keeps the cluster `UPDATING`).
fn no_operation_in_progress(ctx: &RuleCtx) -> Result<(), ProviderError> {
    match ctx.busy(TYPE) {
        Some((_, until)) => Err(bad_request(format!(
            "The request can't be completed because the cluster is in the UPDATING state (until {until}); one operation at a time"
        ))),
        None => Ok(()),
    }
}

/// New clusters only on versions MSK supports on the virtual clock's day.
fn version_is_offered(ctx: &RuleCtx) -> Result<(), ProviderError> {
    let Some(v) = str_attr(ctx.obj, "kafka_version") else {
        return Ok(());
    };
    let Some(entry) = catalog::msk().version(v) else {
        return Err(bad_request(format!("Unsupported KafkaVersion {v}")));
    };
    if ctx.prior.is_some() || ctx.phase == Phase::Validate || entry.supported_on(ctx.now.date()) {
        return Ok(());
    }
    Err(bad_request(format!(
        "Unsupported KafkaVersion {v}: not offered on {} (end of support {})",
        ctx.now.date(),
        entry
            .end_of_support
            .map(|d| d.to_string())
            .unwrap_or_else(|| "none".into())
    )))
}

/// In place only to what `GetCompatibleKafkaVersions` returns: never down, never across
/// metadata modes.
fn version_moves_to_a_compatible_one(ctx: &RuleCtx) -> Result<(), ProviderError> {
    let (Some(old), Some(new)) = (
        ctx.prior.and_then(|p| str_attr(p, "kafka_version")),
        str_attr(ctx.obj, "kafka_version"),
    ) else {
        return Ok(());
    };
    if old == new || catalog::msk().upgrade_targets(old).iter().any(|t| t == new) {
        return Ok(());
    }
    // A path of several compatible versions is planned as one update per hop; only the
    // update call itself (apply) refuses a version that is not directly compatible.
    if ctx.phase != Phase::Apply
        && engine::upgrade::engines::path(old, new, |v| catalog::msk().upgrade_targets(v).to_vec())
            .is_some()
    {
        return Ok(());
    }
    let mode = |v: &str| catalog::msk().version(v).map(|k| k.metadata);
    let why = if catalog::compare_versions(new, old).is_lt() {
        "MSK does not downgrade Apache Kafka".to_string()
    } else if mode(old).is_some() && mode(old) != mode(new) {
        let name = |m| match m {
            Some(MetadataMode::Kraft) => "KRaft",
            _ => "ZooKeeper",
        };
        format!(
            "the metadata mode ({} to {}) is chosen at creation",
            name(mode(old)),
            name(mode(new))
        )
    } else {
        format!(
            "compatible versions: {}",
            match catalog::msk().upgrade_targets(old) {
                [] => "none".to_string(),
                ts => ts.join(", "),
            }
        )
    };
    Err(bad_request(format!(
        "The target Apache Kafka version {new} isn't compatible with the cluster's current version {old}: {why}"
    )))
}

fn brokers_only_grow(ctx: &RuleCtx) -> Result<(), ProviderError> {
    let (Some(old), Some(new)) = (ctx.prior.and_then(brokers), brokers(ctx.obj)) else {
        return Ok(());
    };
    if new >= old {
        return Ok(());
    }
    Err(bad_request(format!(
        "The number of broker nodes can't be decreased (from {old} to {new}); MSK only adds brokers"
    )))
}

fn storage_only_grows(ctx: &RuleCtx) -> Result<(), ProviderError> {
    let (Some(old), Some(new)) = (ctx.prior.and_then(volume_size), volume_size(ctx.obj)) else {
        return Ok(());
    };
    if new >= old {
        return Ok(());
    }
    Err(bad_request(format!(
        "Broker storage can't be decreased (from {old} GiB to {new} GiB)"
    )))
}

/// A configuration lists the Kafka versions it is for; the cluster's must be one of them.
fn configuration_suits_the_version(ctx: &RuleCtx) -> Result<(), ProviderError> {
    let (Some(v), Some(config_arn)) = (
        str_attr(ctx.obj, "kafka_version"),
        block(ctx.obj, "configuration_info").and_then(|c| str_attr(c, "arn")),
    ) else {
        return Ok(());
    };
    let Some(config) = ctx.world.get(configuration::TYPE, config_arn) else {
        return Ok(());
    };
    let versions = kafka_versions(config);
    if versions.is_empty() || versions.contains(&v) {
        return Ok(());
    }
    Err(bad_request(format!(
        "The configuration {} doesn't support Apache Kafka version {v} (its kafka_versions: {})",
        str_attr(config, "name").unwrap_or(config_arn),
        versions.join(", ")
    )))
}

fn version_string(seed: &str) -> String {
    derived("K", seed, "current-version")[..14].to_ascii_uppercase()
}

fn fill_computed(ctx: &mut CreateCtx) -> Result<(), ProviderError> {
    let name = str_attr(ctx.obj, "cluster_name")
        .unwrap_or_default()
        .to_string();
    let region = ctx.world.region().to_string();
    let uuid = crate::ids::uuid_for(&format!("{}/msk/{name}", ctx.world.name()));
    let arn = arn("kafka", &region, &format!("cluster/{name}/{uuid}-2"));
    let host = derived("", &arn, "host")[..6].to_string();
    let n = brokers(ctx.obj).unwrap_or(0).clamp(1, 3);
    let list = |port: u16| {
        (1..=n)
            .map(|i| format!("b-{i}.{name}.{host}.c2.kafka.{region}.amazonaws.com:{port}"))
            .collect::<Vec<_>>()
            .join(",")
    };
    let client_broker = block(ctx.obj, "encryption_info")
        .and_then(|e| block(e, "encryption_in_transit"))
        .and_then(|t| str_attr(t, "client_broker"))
        .unwrap_or("TLS")
        .to_string();
    let plaintext = client_broker != "TLS";
    let tls = client_broker != "PLAINTEXT";
    fill(
        ctx.obj,
        "bootstrap_brokers",
        Value::string(if plaintext { list(9092) } else { String::new() }),
    );
    fill(
        ctx.obj,
        "bootstrap_brokers_tls",
        Value::string(if tls { list(9094) } else { String::new() }),
    );
    let kraft = str_attr(ctx.obj, "kafka_version")
        .and_then(|v| catalog::msk().version(v))
        .is_some_and(|v| v.metadata == MetadataMode::Kraft);
    let zk = if kraft {
        String::new()
    } else {
        (1..=3)
            .map(|i| format!("z-{i}.{name}.{host}.c2.kafka.{region}.amazonaws.com:2181"))
            .collect::<Vec<_>>()
            .join(",")
    };
    fill(ctx.obj, "zookeeper_connect_string", Value::string(zk));
    fill(
        ctx.obj,
        "current_version",
        Value::string(version_string(&arn)),
    );
    fill(ctx.obj, "cluster_uuid", Value::string(format!("{uuid}-2")));
    fill(ctx.obj, "arn", Value::string(&arn));
    // Storage configured without a size gets MSK's default (blocks are not added: the
    // plan would not show them).
    for_each_item(ctx.obj, "broker_node_group_info", &mut |info| {
        for_each_item(info, "storage_info", &mut |s| {
            for_each_item(s, "ebs_storage_info", &mut |e| {
                fill(e, "volume_size", Value::Number(1000.0))
            })
        })
    });
    set_attr(ctx.obj, "id", Value::string(arn));
    Ok(())
}

/// Runs `f` on every item of the list block `name` of the object `v`.
fn for_each_item(v: &mut Value, name: &str, f: &mut dyn FnMut(&mut Value)) {
    if let Value::Object(m) = v {
        if let Some(Value::List(xs)) = m.get_mut(name) {
            xs.iter_mut().for_each(f);
        }
    }
}

/// Every update gives the cluster a new version string (MSK's `CurrentVersion`).
fn new_cluster_version(ctx: &mut UpdateCtx) -> Result<(), ProviderError> {
    let prior = str_attr(ctx.prior, "current_version").unwrap_or_default();
    let next = version_string(&format!("{prior}/{}", ctx.now));
    set_attr(ctx.obj, "current_version", Value::string(next));
    Ok(())
}

/// A version or instance type change restarts the brokers one at a time; adding brokers
/// and growing storage take their own time; the parts add up.
fn rolling_time(prior: &Value, planned: &Value) -> Duration {
    let mut took = Duration::ZERO;
    let rolls = str_attr(prior, "kafka_version") != str_attr(planned, "kafka_version")
        || instance_type(prior) != instance_type(planned);
    if rolls {
        let n = brokers(prior).unwrap_or(1).max(1);
        took += BROKER_RESTART * u32::try_from(n).unwrap_or(u32::MAX);
    }
    if brokers(planned) > brokers(prior) {
        took += ADD_BROKERS;
    }
    if volume_size(planned) > volume_size(prior) {
        took += GROW_STORAGE;
    }
    if took.is_zero() {
        MODIFY
    } else {
        took
    }
}
