//! MSK clusters: CreateCluster (v1), CreateClusterV2 (provisioned), DescribeCluster(V2),
//! ListClustersV2, DeleteCluster, GetBootstrapBrokers.

use engine::catalog::{self, MetadataMode};
use serde_json::{json, Map, Value};

use super::{cluster, operations, MskCluster};
use crate::fake::errors::ApiError;
use crate::fake::progress::{Countdown, Phase, Seen};
use crate::fake::request::Request;
use crate::fake::wire::{self, str_field, Json, Reply, ACCOUNT};
use crate::fake::World;

/// Settings echoed in the cluster as given.
const ECHOED: &[&str] = &[
    "clientAuthentication",
    "encryptionInfo",
    "enhancedMonitoring",
    "openMonitoring",
    "loggingInfo",
    "storageMode",
    "rebalancing",
];

/// CreateCluster: `POST /v1/clusters`.
pub fn create_v1(world: &mut World, request: &Request) -> Reply {
    let body = request.json()?;
    let name = str_field(&body, "clusterName")
        .unwrap_or_default()
        .to_string();
    let tags = body.get("tags").and_then(Value::as_object).cloned();
    let cluster = create(world, request, &name, &body, tags.unwrap_or_default())?;
    Ok(Json(json!({
        "clusterArn": cluster.0,
        "clusterName": name,
        "state": "CREATING",
    })))
}

/// CreateClusterV2: `POST /api/v2/clusters` (provisioned only).
pub fn create_v2(world: &mut World, request: &Request) -> Reply {
    let body = request.json()?;
    let name = str_field(&body, "clusterName")
        .unwrap_or_default()
        .to_string();
    if body.contains_key("serverless") {
        return Err(ApiError::bad_request(
            "galley's MSK fake emulates provisioned clusters only",
        ));
    }
    let provisioned = body
        .get("provisioned")
        .and_then(Value::as_object)
        .cloned()
        .ok_or_else(|| ApiError::bad_request("provisioned is required"))?;
    let tags = body.get("tags").and_then(Value::as_object).cloned();
    let cluster = create(
        world,
        request,
        &name,
        &provisioned,
        tags.unwrap_or_default(),
    )?;
    Ok(Json(json!({
        "clusterArn": cluster.0,
        "clusterName": name,
        "state": "CREATING",
        "clusterType": "PROVISIONED",
    })))
}

/// The ARN of the new cluster.
struct Created(String);

fn create(
    world: &mut World,
    request: &Request,
    name: &str,
    spec: &Map<String, Value>,
    tags: Map<String, Value>,
) -> Result<Created, ApiError> {
    if !valid_name(name) {
        return Err(ApiError::bad_request(
            "clusterName must be 1-64 characters: letters, digits and hyphens, starting with a \
             letter",
        ));
    }
    if world.kafka.clusters.values().any(|c| c.name == name) {
        return Err(ApiError::conflict(format!(
            "A cluster with the name {name} already exists."
        )));
    }
    let version = str_field(spec, "kafkaVersion")
        .ok_or_else(|| ApiError::bad_request("kafkaVersion is required"))?;
    let supported = catalog::msk()
        .version(version)
        .is_some_and(|v| v.supported_on(world.today));
    if !supported {
        return Err(ApiError::bad_request(format!(
            "Unsupported KafkaVersion [{version}]. Valid values: {}",
            supported_versions(world).join(", ")
        )));
    }
    let mut broker_info = spec
        .get("brokerNodeGroupInfo")
        .and_then(Value::as_object)
        .cloned()
        .ok_or_else(|| ApiError::bad_request("brokerNodeGroupInfo is required"))?;
    broker_info
        .entry("brokerAZDistribution")
        .or_insert_with(|| json!("DEFAULT"));
    if str_field(&broker_info, "instanceType").is_none() {
        return Err(ApiError::bad_request(
            "brokerNodeGroupInfo.instanceType is required",
        ));
    }
    let subnets = subnet_count(&broker_info);
    if subnets < 2 {
        return Err(ApiError::bad_request(
            "Specify at least two subnets in brokerNodeGroupInfo.clientSubnets",
        ));
    }
    let brokers = spec
        .get("numberOfBrokerNodes")
        .and_then(Value::as_i64)
        .unwrap_or(0);
    check_broker_count(brokers, subnets)?;
    let configuration = match spec.get("configurationInfo") {
        Some(info) => Some(super::configurations::check_info(world, info, version)?),
        None => None,
    };
    let mut echoed = Map::new();
    for key in ECHOED {
        if let Some(value) = spec.get(*key) {
            echoed.insert(key.to_string(), value.clone());
        }
    }
    // MSK fills what the request leaves out of the encryption settings: an AWS-managed key
    // at rest, TLS between clients and brokers and inside the cluster.
    let encryption = echoed.entry("encryptionInfo").or_insert_with(|| json!({}));
    if let Some(e) = encryption.as_object_mut() {
        e.entry("encryptionAtRest").or_insert_with(|| {
            json!({ "dataVolumeKMSKeyId": format!("arn:aws:kms:{}:{ACCOUNT}:key/{}", request.region, wire::uuid()) })
        });
        let transit = e.entry("encryptionInTransit").or_insert_with(|| json!({}));
        if let Some(t) = transit.as_object_mut() {
            t.entry("clientBroker").or_insert_with(|| json!("TLS"));
            t.entry("inCluster").or_insert_with(|| json!(true));
        }
    }
    echoed
        .entry("enhancedMonitoring")
        .or_insert_with(|| json!("DEFAULT"));
    echoed
        .entry("storageMode")
        .or_insert_with(|| json!("LOCAL"));
    let arn = format!(
        "arn:aws:kafka:{}:{ACCOUNT}:cluster/{name}/{}",
        request.region,
        wire::uuid()
    );
    let cluster = MskCluster {
        arn: arn.clone(),
        name: name.to_string(),
        region: request.region.clone(),
        created: wire::iso_now(),
        phase: Phase::Creating(Countdown::new(world.polls)),
        kafka_version: version.to_string(),
        current_version: MskCluster::new_version_token(),
        broker_nodes: brokers,
        broker_info,
        configuration,
        spec: echoed,
        tags,
        active_operation: None,
    };
    world.kafka.clusters.insert(arn.clone(), cluster);
    Ok(Created(arn))
}

/// DescribeCluster (`GET /v1/clusters/{arn}`) and DescribeClusterV2 (`GET
/// /api/v2/clusters/{arn}`); each is an observation of the cluster and its operation.
pub fn describe(world: &mut World, arn: &str, v2: bool) -> Reply {
    let found = cluster(world, arn)?;
    if found.phase.observe() == Seen::Gone {
        world.kafka.clusters.remove(arn);
        return Err(ApiError::not_found(format!(
            "The cluster {arn} does not exist."
        )));
    }
    if let Some(operation) = found.active_operation.clone() {
        operations::observe(world, &operation);
    }
    let found = cluster(world, arn)?;
    let info = if v2 {
        to_json_v2(found)
    } else {
        to_json_v1(found)
    };
    Ok(Json(json!({ "clusterInfo": info })))
}

/// ListClustersV2: `GET /api/v2/clusters` (`?clusterNameFilter=` prefix; one page).
pub fn list_v2(world: &mut World, request: &Request) -> Reply {
    let prefix = request.query("clusterNameFilter").unwrap_or_default();
    let kind = request.query("clusterTypeFilter");
    let list: Vec<Value> = world
        .kafka
        .clusters
        .values()
        .filter(|c| c.name.starts_with(&prefix))
        .filter(|_| kind.as_deref().is_none_or(|k| k == "PROVISIONED"))
        .map(to_json_v2)
        .collect();
    Ok(Json(json!({ "clusterInfoList": list })))
}

/// DeleteCluster: `DELETE /v1/clusters/{arn}` (`?currentVersion=` must match when given).
pub fn delete(world: &mut World, request: &Request, arn: &str) -> Reply {
    let polls = world.polls;
    let found = cluster(world, arn)?;
    if let Some(version) = request.query("currentVersion") {
        if version != found.current_version {
            return Err(stale_version(&version, found));
        }
    }
    if !matches!(found.phase, Phase::Deleting(_)) {
        found.phase = Phase::Deleting(Countdown::new(polls));
    }
    Ok(Json(json!({ "clusterArn": arn, "state": "DELETING" })))
}

/// GetBootstrapBrokers: `GET /v1/clusters/{arn}/bootstrap-brokers`; one string per listener
/// the encryption and authentication settings open.
pub fn bootstrap_brokers(world: &mut World, arn: &str) -> Reply {
    let found = cluster(world, arn)?;
    if matches!(found.phase, Phase::Creating(_)) {
        return Err(ApiError::bad_request(format!(
            "The cluster {arn} is CREATING; bootstrap brokers exist once it is ACTIVE."
        )));
    }
    let id = &found.arn[found.arn.len() - 6..];
    let hosts = |port: u16| {
        (1..=found.broker_nodes.clamp(1, 3))
            .map(|n| {
                format!(
                    "b-{n}.{}.{id}.c2.kafka.{}.amazonaws.com:{port}",
                    found.name, found.region
                )
            })
            .collect::<Vec<_>>()
            .join(",")
    };
    let spec = Value::Object(found.spec.clone());
    let client_broker = spec
        .pointer("/encryptionInfo/encryptionInTransit/clientBroker")
        .and_then(Value::as_str)
        .unwrap_or("TLS");
    let mut out = Map::new();
    if matches!(client_broker, "PLAINTEXT" | "TLS_PLAINTEXT") {
        out.insert("bootstrapBrokerString".into(), json!(hosts(9092)));
    }
    if matches!(client_broker, "TLS" | "TLS_PLAINTEXT") {
        out.insert("bootstrapBrokerStringTls".into(), json!(hosts(9094)));
    }
    let sasl = |kind: &str| {
        spec.pointer(&format!("/clientAuthentication/sasl/{kind}/enabled"))
            .and_then(Value::as_bool)
            .unwrap_or(false)
    };
    if sasl("iam") {
        out.insert("bootstrapBrokerStringSaslIam".into(), json!(hosts(9098)));
    }
    if sasl("scram") {
        out.insert("bootstrapBrokerStringSaslScram".into(), json!(hosts(9096)));
    }
    Ok(Json(Value::Object(out)))
}

/// The error MSK gives when `currentVersion` is not the cluster's.
pub fn stale_version(given: &str, cluster: &MskCluster) -> ApiError {
    ApiError::bad_request(format!(
        "The provided cluster version {given} does not match the current version {} of \
         cluster {}.",
        cluster.current_version, cluster.arn
    ))
}

/// Brokers are spread evenly over the client subnets (one per Availability Zone).
pub fn check_broker_count(brokers: i64, subnets: i64) -> Result<(), ApiError> {
    if brokers < 1 || subnets == 0 || brokers % subnets != 0 {
        return Err(ApiError::bad_request(format!(
            "The number of broker nodes ({brokers}) must be a positive multiple of the number \
             of client subnets ({subnets})."
        )));
    }
    Ok(())
}

/// How many client subnets the broker group spans.
pub fn subnet_count(broker_info: &Map<String, Value>) -> i64 {
    broker_info
        .get("clientSubnets")
        .and_then(Value::as_array)
        .map_or(0, |s| s.len() as i64)
}

fn supported_versions(world: &World) -> Vec<String> {
    catalog::msk()
        .versions
        .iter()
        .filter(|v| v.supported_on(world.today))
        .map(|v| v.version.clone())
        .collect()
}

fn valid_name(name: &str) -> bool {
    let mut chars = name.chars();
    (1..=64).contains(&name.len())
        && chars.next().is_some_and(|c| c.is_ascii_alphabetic())
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '-')
}

fn software(cluster: &MskCluster) -> Value {
    let mut info = Map::new();
    info.insert("kafkaVersion".into(), json!(cluster.kafka_version));
    if let Some((arn, revision)) = &cluster.configuration {
        info.insert("configurationArn".into(), json!(arn));
        info.insert("configurationRevision".into(), json!(revision));
    }
    Value::Object(info)
}

/// The provisioned settings shared by `ClusterInfo` and `Cluster.provisioned`.
fn provisioned(cluster: &MskCluster) -> Map<String, Value> {
    let mut out = cluster.spec.clone();
    out.insert(
        "brokerNodeGroupInfo".into(),
        Value::Object(cluster.broker_info.clone()),
    );
    out.insert("currentBrokerSoftwareInfo".into(), software(cluster));
    out.insert("numberOfBrokerNodes".into(), json!(cluster.broker_nodes));
    let zookeeper = catalog::msk()
        .version(&cluster.kafka_version)
        .is_none_or(|v| v.metadata == MetadataMode::Zookeeper);
    if zookeeper && !matches!(cluster.phase, Phase::Creating(_)) {
        let id = &cluster.arn[cluster.arn.len() - 6..];
        let hosts: Vec<String> = (1..=3)
            .map(|n| {
                format!(
                    "z-{n}.{}.{id}.c2.kafka.{}.amazonaws.com:2181",
                    cluster.name, cluster.region
                )
            })
            .collect();
        out.insert("zookeeperConnectString".into(), json!(hosts.join(",")));
    }
    out
}

/// The v1 `ClusterInfo` shape.
pub fn to_json_v1(cluster: &MskCluster) -> Value {
    let mut out = provisioned(cluster);
    out.insert("clusterArn".into(), json!(cluster.arn));
    out.insert("clusterName".into(), json!(cluster.name));
    out.insert("creationTime".into(), cluster.created.clone());
    out.insert("currentVersion".into(), json!(cluster.current_version));
    out.insert("state".into(), json!(cluster.state()));
    out.insert("tags".into(), Value::Object(cluster.tags.clone()));
    if let Some(operation) = &cluster.active_operation {
        out.insert("activeOperationArn".into(), json!(operation));
    }
    Value::Object(out)
}

/// The v2 `Cluster` shape.
pub fn to_json_v2(cluster: &MskCluster) -> Value {
    let mut out = Map::new();
    out.insert("clusterType".into(), json!("PROVISIONED"));
    out.insert("clusterArn".into(), json!(cluster.arn));
    out.insert("clusterName".into(), json!(cluster.name));
    out.insert("creationTime".into(), cluster.created.clone());
    out.insert("currentVersion".into(), json!(cluster.current_version));
    out.insert("state".into(), json!(cluster.state()));
    out.insert("tags".into(), Value::Object(cluster.tags.clone()));
    out.insert("provisioned".into(), Value::Object(provisioned(cluster)));
    if let Some(operation) = &cluster.active_operation {
        out.insert("activeOperationArn".into(), json!(operation));
    }
    Value::Object(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn broker_count_must_fill_every_subnet_evenly() {
        assert!(check_broker_count(3, 3).is_ok());
        assert!(check_broker_count(6, 3).is_ok());
        assert!(check_broker_count(4, 3).is_err());
        assert!(check_broker_count(0, 2).is_err());
    }

    #[test]
    fn cluster_names_start_with_a_letter() {
        assert!(valid_name("events-1"));
        assert!(!valid_name("1events"));
        assert!(!valid_name("a_b"));
        assert!(!valid_name(""));
    }
}
