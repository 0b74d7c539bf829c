//! MSK cluster operations: the updates (Kafka version, broker count, storage, broker type,
//! configuration, monitoring, security), each guarded by the cluster's `currentVersion`, and DescribeClusterOperation
//! (v1 and v2), ListClusterOperations (v1 and v2).

use engine::catalog;
use serde_json::{json, Map, Value};

use super::clusters::{check_broker_count, stale_version, subnet_count};
use super::configurations::check_info;
use super::{cluster, Effect, MskCluster, Operation};
use crate::fake::errors::ApiError;
use crate::fake::progress::Countdown;
use crate::fake::request::Request;
use crate::fake::wire::{self, str_field, Json, Reply, ACCOUNT};
use crate::fake::World;

/// Largest EBS volume per broker, GiB.
const MAX_VOLUME_GIB: i64 = 16384;

/// UpdateClusterKafkaVersion: `PUT /v1/clusters/{arn}/version`; only to a version
/// GetCompatibleKafkaVersions lists.
pub fn update_kafka_version(world: &mut World, request: &Request, arn: &str) -> Reply {
    let body = request.json()?;
    let target = str_field(&body, "targetKafkaVersion")
        .ok_or_else(|| ApiError::bad_request("targetKafkaVersion is required"))?
        .to_string();
    let configuration = match body.get("configurationInfo") {
        Some(info) => Some(check_info(world, info, &target)?),
        None => None,
    };
    let found = updatable(world, &body, arn)?;
    let targets = catalog::msk().upgrade_targets(&found.kafka_version);
    if !targets.contains(&target) {
        return Err(ApiError::bad_request(format!(
            "Kafka version {} cannot be updated to {target}. Compatible versions: [{}]",
            found.kafka_version,
            targets.join(", ")
        )));
    }
    let source = json!({ "kafkaVersion": found.kafka_version });
    let target_info = json!({ "kafkaVersion": target });
    start(
        world,
        arn,
        "UPDATE_CLUSTER_KAFKA_VERSION",
        source,
        target_info,
        Effect::KafkaVersion(target, configuration),
    )
}

/// UpdateBrokerCount: `PUT /v1/clusters/{arn}/nodes/count`; brokers are only ever added,
/// evenly over the subnets.
pub fn update_broker_count(world: &mut World, request: &Request, arn: &str) -> Reply {
    let body = request.json()?;
    let target = body
        .get("targetNumberOfBrokerNodes")
        .and_then(Value::as_i64)
        .ok_or_else(|| ApiError::bad_request("targetNumberOfBrokerNodes is required"))?;
    let found = updatable(world, &body, arn)?;
    if target <= found.broker_nodes {
        return Err(ApiError::bad_request(format!(
            "The target number of broker nodes ({target}) must be greater than the current \
             number ({}); MSK cannot remove brokers this way.",
            found.broker_nodes
        )));
    }
    check_broker_count(target, subnet_count(&found.broker_info))?;
    let source = json!({ "numberOfBrokerNodes": found.broker_nodes });
    start(
        world,
        arn,
        "INCREASE_BROKER_COUNT",
        source,
        json!({ "numberOfBrokerNodes": target }),
        Effect::BrokerCount(target),
    )
}

/// UpdateBrokerStorage: `PUT /v1/clusters/{arn}/nodes/storage`; volumes only grow.
pub fn update_broker_storage(world: &mut World, request: &Request, arn: &str) -> Reply {
    let body = request.json()?;
    let target = body
        .get("targetBrokerEBSVolumeInfo")
        .and_then(Value::as_array)
        .and_then(|v| v.first())
        .and_then(|v| v.get("volumeSizeGB"))
        .and_then(Value::as_i64)
        .ok_or_else(|| ApiError::bad_request("targetBrokerEBSVolumeInfo is required"))?;
    let found = updatable(world, &body, arn)?;
    let current = volume_size(found);
    if target <= current || target > MAX_VOLUME_GIB {
        return Err(ApiError::bad_request(format!(
            "The target volume size ({target} GiB) must be larger than the current size \
             ({current} GiB) and at most {MAX_VOLUME_GIB} GiB."
        )));
    }
    let volume = |size: i64| json!({ "brokerEBSVolumeInfo": [{ "kafkaBrokerNodeId": "All", "volumeSizeGB": size }] });
    start(
        world,
        arn,
        "UPDATE_BROKER_STORAGE",
        volume(current),
        volume(target),
        Effect::Storage(target),
    )
}

/// UpdateClusterConfiguration: `PUT /v1/clusters/{arn}/configuration`.
pub fn update_configuration(world: &mut World, request: &Request, arn: &str) -> Reply {
    let body = request.json()?;
    let info = body
        .get("configurationInfo")
        .cloned()
        .ok_or_else(|| ApiError::bad_request("configurationInfo is required"))?;
    let version = cluster(world, arn)?.kafka_version.clone();
    let (config, revision) = check_info(world, &info, &version)?;
    let found = updatable(world, &body, arn)?;
    let source = match &found.configuration {
        Some((a, r)) => json!({ "configurationInfo": { "arn": a, "revision": r } }),
        None => json!({}),
    };
    start(
        world,
        arn,
        "UPDATE_CLUSTER_CONFIGURATION",
        source,
        json!({ "configurationInfo": { "arn": config, "revision": revision } }),
        Effect::Configuration(config, revision),
    )
}

/// UpdateBrokerType: `PUT /v1/clusters/{arn}/nodes/type`; every broker moves to the new
/// `kafka.*` instance type, one at a time.
pub fn update_broker_type(world: &mut World, request: &Request, arn: &str) -> Reply {
    let body = request.json()?;
    let target = str_field(&body, "targetInstanceType")
        .ok_or_else(|| ApiError::bad_request("targetInstanceType is required"))?
        .to_string();
    if !target.starts_with("kafka.") {
        return Err(ApiError::bad_request(format!(
            "Unsupported broker instance type {target}: MSK broker types start with kafka."
        )));
    }
    let found = updatable(world, &body, arn)?;
    let current = str_field(&found.broker_info, "instanceType")
        .unwrap_or_default()
        .to_string();
    if target == current {
        return Err(ApiError::bad_request(format!(
            "The brokers already are {current}; give a different targetInstanceType."
        )));
    }
    start(
        world,
        arn,
        "UPDATE_BROKER_TYPE",
        json!({ "instanceType": current }),
        json!({ "instanceType": target }),
        Effect::BrokerType(target),
    )
}

/// UpdateMonitoring: `PUT /v1/clusters/{arn}/monitoring` (`enhancedMonitoring`,
/// `openMonitoring`, `loggingInfo`; those given replace the cluster's).
pub fn update_monitoring(world: &mut World, request: &Request, arn: &str) -> Reply {
    let body = request.json()?;
    if let Some(level) = body.get("enhancedMonitoring") {
        const LEVELS: &[&str] = &[
            "DEFAULT",
            "PER_BROKER",
            "PER_TOPIC_PER_BROKER",
            "PER_TOPIC_PER_PARTITION",
        ];
        if !level.as_str().is_some_and(|l| LEVELS.contains(&l)) {
            return Err(ApiError::bad_request(format!(
                "enhancedMonitoring must be one of {}, not {level}",
                LEVELS.join(", ")
            )));
        }
    }
    let given = settings(
        &body,
        &["enhancedMonitoring", "openMonitoring", "loggingInfo"],
    );
    if given.is_empty() {
        return Err(ApiError::bad_request(
            "Specify enhancedMonitoring, openMonitoring or loggingInfo.",
        ));
    }
    let found = updatable(world, &body, arn)?;
    let source = current_settings(found, &given);
    start(
        world,
        arn,
        "UPDATE_MONITORING",
        source,
        Value::Object(given.clone()),
        Effect::Settings(given),
    )
}

/// UpdateSecurity: `PATCH /v1/clusters/{arn}/security` (`clientAuthentication`,
/// `encryptionInfo`); of the encryption only the client-broker setting may change.
pub fn update_security(world: &mut World, request: &Request, arn: &str) -> Reply {
    let body = request.json()?;
    let given = settings(&body, &["clientAuthentication", "encryptionInfo"]);
    if given.is_empty() {
        return Err(ApiError::bad_request(
            "Specify clientAuthentication or encryptionInfo.",
        ));
    }
    let found = updatable(world, &body, arn)?;
    let mut target = given.clone();
    if let Some(encryption) = given.get("encryptionInfo") {
        if encryption.get("encryptionAtRest").is_some() {
            return Err(ApiError::bad_request(
                "Updating encryption-at-rest settings on your cluster is not currently supported.",
            ));
        }
        let transit = encryption.get("encryptionInTransit");
        let current = Value::Object(found.spec.clone());
        let in_cluster = current
            .pointer("/encryptionInfo/encryptionInTransit/inCluster")
            .cloned()
            .unwrap_or(json!(true));
        if transit
            .and_then(|t| t.get("inCluster"))
            .is_some_and(|v| *v != in_cluster)
        {
            return Err(ApiError::bad_request(
                "Updating the inter-broker encryption setting on your cluster is not currently supported.",
            ));
        }
        let client_broker = transit
            .and_then(|t| t.get("clientBroker"))
            .and_then(Value::as_str);
        if let Some(cb) = client_broker {
            if !["TLS", "TLS_PLAINTEXT", "PLAINTEXT"].contains(&cb) {
                return Err(ApiError::bad_request(format!(
                    "clientBroker must be TLS, TLS_PLAINTEXT or PLAINTEXT, not {cb}"
                )));
            }
        }
        let mut merged = current.get("encryptionInfo").cloned().unwrap_or(json!({}));
        if let (Some(cb), Some(m)) = (client_broker, merged.as_object_mut()) {
            m.insert(
                "encryptionInTransit".into(),
                json!({ "clientBroker": cb, "inCluster": in_cluster }),
            );
        }
        target.insert("encryptionInfo".into(), merged);
    }
    let source = current_settings(found, &target);
    start(
        world,
        arn,
        "UPDATE_SECURITY",
        source,
        Value::Object(target.clone()),
        Effect::Settings(target),
    )
}

/// The entries of `body` named in `keys`.
fn settings(body: &Map<String, Value>, keys: &[&str]) -> Map<String, Value> {
    keys.iter()
        .filter_map(|k| Some((k.to_string(), body.get(*k)?.clone())))
        .collect()
}

/// The cluster's current values of the settings `given` names.
fn current_settings(cluster: &MskCluster, given: &Map<String, Value>) -> Value {
    let current: Map<String, Value> = given
        .keys()
        .filter_map(|k| Some((k.clone(), cluster.spec.get(k)?.clone())))
        .collect();
    Value::Object(current)
}

/// DescribeClusterOperation (`GET /v1/operations/{arn}`) and DescribeClusterOperationV2
/// (`GET /api/v2/operations/{arn}`); each is an observation of the operation.
pub fn describe(world: &mut World, arn: &str, v2: bool) -> Reply {
    if !world.kafka.operations.iter().any(|o| o.arn == arn) {
        return Err(ApiError::not_found(format!(
            "The cluster operation {arn} does not exist."
        )));
    }
    observe(world, arn);
    let operation = world
        .kafka
        .operations
        .iter()
        .find(|o| o.arn == arn)
        .ok_or_else(|| ApiError::not_found(format!("{arn} does not exist.")))?;
    let info = if v2 {
        to_json_v2(operation)
    } else {
        to_json_v1(operation)
    };
    Ok(Json(json!({ "clusterOperationInfo": info })))
}

/// ListClusterOperations (v1, v2): the cluster's operations, newest first (one page).
pub fn list(world: &mut World, arn: &str, v2: bool) -> Reply {
    cluster(world, arn)?;
    let operations = world
        .kafka
        .operations
        .iter()
        .rev()
        .filter(|o| o.cluster_arn == arn);
    if v2 {
        let list: Vec<Value> = operations
            .map(|o| {
                json!({
                    "clusterArn": o.cluster_arn,
                    "clusterType": "PROVISIONED",
                    "startTime": o.created,
                    "endTime": o.end,
                    "operationArn": o.arn,
                    "operationState": state(o),
                    "operationType": o.kind,
                })
            })
            .collect();
        Ok(Json(json!({ "clusterOperationInfoList": list })))
    } else {
        let list: Vec<Value> = operations.map(to_json_v1).collect();
        Ok(Json(json!({ "clusterOperationInfoList": list })))
    }
}

/// Records one observation of the operation `arn`; on completion applies it, frees the
/// cluster and changes its `currentVersion`.
pub fn observe(world: &mut World, arn: &str) {
    let Some(operation) = world.kafka.operations.iter_mut().find(|o| o.arn == arn) else {
        return;
    };
    let done = match &mut operation.remaining {
        Some(countdown) => countdown.tick(),
        None => false,
    };
    if !done {
        return;
    }
    operation.remaining = None;
    operation.end = Some(wire::iso_now());
    let effect = operation.effect.clone();
    let cluster_arn = operation.cluster_arn.clone();
    let Some(cluster) = world.kafka.clusters.get_mut(&cluster_arn) else {
        return;
    };
    match effect {
        Effect::KafkaVersion(version, configuration) => {
            cluster.kafka_version = version;
            if configuration.is_some() {
                cluster.configuration = configuration;
            }
        }
        Effect::BrokerCount(count) => cluster.broker_nodes = count,
        Effect::Storage(size) => {
            let ebs = cluster
                .broker_info
                .entry("storageInfo")
                .or_insert_with(|| json!({}))
                .as_object_mut()
                .map(|s| s.entry("ebsStorageInfo").or_insert_with(|| json!({})));
            if let Some(Value::Object(ebs)) = ebs {
                ebs.insert("volumeSize".into(), json!(size));
            }
        }
        Effect::Configuration(config, revision) => {
            cluster.configuration = Some((config, revision));
        }
        Effect::BrokerType(instance_type) => {
            cluster
                .broker_info
                .insert("instanceType".into(), json!(instance_type));
        }
        Effect::Settings(settings) => cluster.spec.extend(settings),
    }
    cluster.active_operation = None;
    cluster.current_version = MskCluster::new_version_token();
}

/// The cluster exists, is `ACTIVE` and `currentVersion` in `body` is its current one.
fn updatable<'a>(
    world: &'a mut World,
    body: &Map<String, Value>,
    arn: &str,
) -> Result<&'a mut MskCluster, ApiError> {
    let given = str_field(body, "currentVersion")
        .ok_or_else(|| ApiError::bad_request("currentVersion is required"))?
        .to_string();
    let found = cluster(world, arn)?;
    if found.state() != "ACTIVE" {
        return Err(ApiError::bad_request(format!(
            "The cluster {arn} is {}; it can be updated only when ACTIVE.",
            found.state()
        )));
    }
    if given != found.current_version {
        return Err(stale_version(&given, found));
    }
    Ok(found)
}

/// Starts an operation on the cluster `arn`: the cluster turns `UPDATING` and gets a new
/// `currentVersion`.
fn start(
    world: &mut World,
    arn: &str,
    kind: &'static str,
    source: Value,
    target: Value,
    effect: Effect,
) -> Reply {
    let polls = world.polls;
    let found = cluster(world, arn)?;
    let cluster_id = found.arn.rsplit('/').next().unwrap_or_default();
    let operation_arn = format!(
        "arn:aws:kafka:{}:{ACCOUNT}:cluster-operation/{}/{cluster_id}/{}",
        found.region,
        found.name,
        wire::uuid()
    );
    found.active_operation = Some(operation_arn.clone());
    found.current_version = MskCluster::new_version_token();
    world.kafka.operations.push(Operation {
        arn: operation_arn.clone(),
        cluster_arn: arn.to_string(),
        kind,
        created: wire::iso_now(),
        end: None,
        remaining: Some(Countdown::new(polls)),
        source: source.as_object().cloned().unwrap_or_default(),
        target: target.as_object().cloned().unwrap_or_default(),
        effect,
    });
    Ok(Json(json!({
        "clusterArn": arn,
        "clusterOperationArn": operation_arn,
    })))
}

fn volume_size(cluster: &MskCluster) -> i64 {
    cluster
        .broker_info
        .get("storageInfo")
        .and_then(|s| s.pointer("/ebsStorageInfo/volumeSize"))
        .and_then(Value::as_i64)
        .unwrap_or(1000)
}

fn state(operation: &Operation) -> &'static str {
    if operation.remaining.is_some() {
        "UPDATE_IN_PROGRESS"
    } else {
        "UPDATE_COMPLETE"
    }
}

/// The v1 `ClusterOperationInfo` shape.
fn to_json_v1(operation: &Operation) -> Value {
    let mut out = Map::new();
    out.insert("clusterArn".into(), json!(operation.cluster_arn));
    out.insert("creationTime".into(), operation.created.clone());
    if let Some(end) = &operation.end {
        out.insert("endTime".into(), end.clone());
    }
    out.insert("operationArn".into(), json!(operation.arn));
    out.insert("operationState".into(), json!(state(operation)));
    out.insert("operationType".into(), json!(operation.kind));
    out.insert("operationSteps".into(), json!([]));
    out.insert(
        "sourceClusterInfo".into(),
        Value::Object(operation.source.clone()),
    );
    out.insert(
        "targetClusterInfo".into(),
        Value::Object(operation.target.clone()),
    );
    Value::Object(out)
}

/// The v2 `ClusterOperationV2` shape.
fn to_json_v2(operation: &Operation) -> Value {
    let mut out = Map::new();
    out.insert("clusterArn".into(), json!(operation.cluster_arn));
    out.insert("clusterType".into(), json!("PROVISIONED"));
    out.insert("startTime".into(), operation.created.clone());
    if let Some(end) = &operation.end {
        out.insert("endTime".into(), end.clone());
    }
    out.insert("operationArn".into(), json!(operation.arn));
    out.insert("operationState".into(), json!(state(operation)));
    out.insert("operationType".into(), json!(operation.kind));
    out.insert(
        "provisioned".into(),
        json!({
            "operationSteps": [],
            "sourceClusterInfo": operation.source,
            "targetClusterInfo": operation.target,
        }),
    );
    Value::Object(out)
}
