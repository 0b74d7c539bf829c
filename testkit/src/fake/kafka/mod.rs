//! The MSK (Kafka) fake: provisioned clusters, cluster operations (versions, brokers,
//! storage, instance type, configuration, monitoring, security), configurations, versions
//! and tags, routed by path.

mod clusters;
mod configurations;
mod operations;
mod versions;

use std::collections::BTreeMap;

use serde_json::{json, Map, Value};

use super::errors::ApiError;
use super::progress::{Countdown, Phase};
use super::request::Request;
use super::wire::{Json, Reply};
use super::World;

/// Everything MSK the fake holds.
#[derive(Debug, Default)]
pub struct Kafka {
    /// Clusters by ARN.
    pub clusters: BTreeMap<String, MskCluster>,
    /// Cluster operations, oldest first.
    pub operations: Vec<Operation>,
    /// Configurations by ARN.
    pub configurations: BTreeMap<String, Configuration>,
}

/// A provisioned MSK cluster.
#[derive(Debug)]
pub struct MskCluster {
    /// `arn:aws:kafka:<region>:123456789012:cluster/<name>/<uuid>`.
    pub arn: String,
    /// Name.
    pub name: String,
    /// Region it was created in.
    pub region: String,
    /// ISO 8601.
    pub created: Value,
    /// Lifecycle.
    pub phase: Phase,
    /// `3.8.x`.
    pub kafka_version: String,
    /// MSK's optimistic-lock token; changes with every change of the cluster.
    pub current_version: String,
    /// Broker count.
    pub broker_nodes: i64,
    /// `brokerNodeGroupInfo` as given (storage updated in place).
    pub broker_info: Map<String, Value>,
    /// The configuration and revision in use.
    pub configuration: Option<(String, i64)>,
    /// Echoed settings (`encryptionInfo`, `clientAuthentication`, `loggingInfo`, ...).
    pub spec: Map<String, Value>,
    /// Tags.
    pub tags: Map<String, Value>,
    /// The operation in progress.
    pub active_operation: Option<String>,
}

/// A cluster operation (an update).
#[derive(Debug)]
pub struct Operation {
    /// `arn:aws:kafka:<region>:123456789012:cluster-operation/<name>/<cluster uuid>/<uuid>`.
    pub arn: String,
    /// The cluster it changes.
    pub cluster_arn: String,
    /// `UPDATE_CLUSTER_KAFKA_VERSION`, `INCREASE_BROKER_COUNT`, ...
    pub kind: &'static str,
    /// ISO 8601.
    pub created: Value,
    /// Set on completion.
    pub end: Option<Value>,
    /// None once complete.
    pub remaining: Option<Countdown>,
    /// `MutableClusterInfo` before.
    pub source: Map<String, Value>,
    /// `MutableClusterInfo` after.
    pub target: Map<String, Value>,
    /// Applied on completion.
    pub effect: Effect,
}

/// What an operation changes when it completes.
#[derive(Debug, Clone)]
pub enum Effect {
    /// New Kafka version (and maybe configuration).
    KafkaVersion(String, Option<(String, i64)>),
    /// New broker count.
    BrokerCount(i64),
    /// New EBS volume size per broker, GiB.
    Storage(i64),
    /// New configuration revision.
    Configuration(String, i64),
    /// New broker instance type.
    BrokerType(String),
    /// Echoed settings replaced (`enhancedMonitoring`, `openMonitoring`, `loggingInfo`,
    /// `clientAuthentication`, `encryptionInfo`).
    Settings(Map<String, Value>),
}

/// An MSK configuration with its revisions.
#[derive(Debug)]
pub struct Configuration {
    /// `arn:aws:kafka:<region>:123456789012:configuration/<name>/<uuid>`.
    pub arn: String,
    /// Name.
    pub name: String,
    /// Kafka versions it is for (empty: any).
    pub kafka_versions: Vec<String>,
    /// ISO 8601.
    pub created: Value,
    /// Revisions, first is 1.
    pub revisions: Vec<Revision>,
}

/// One revision of a configuration.
#[derive(Debug)]
pub struct Revision {
    /// 1, 2, ...
    pub revision: i64,
    /// Text.
    pub description: String,
    /// ISO 8601.
    pub created: Value,
    /// base64 of the server.properties text, as the API carries it.
    pub server_properties: String,
}

/// Routes an MSK request; `None` when no operation has that method and path.
pub fn handle(world: &mut World, request: &Request) -> Option<Reply> {
    let path = request.path();
    let reply = match (request.method.as_str(), path.as_slice()) {
        ("POST", ["v1", "clusters"]) => clusters::create_v1(world, request),
        ("POST", ["api", "v2", "clusters"]) => clusters::create_v2(world, request),
        ("GET", ["api", "v2", "clusters"]) => clusters::list_v2(world, request),
        ("GET", ["v1", "clusters", arn]) => clusters::describe(world, arn, false),
        ("GET", ["api", "v2", "clusters", arn]) => clusters::describe(world, arn, true),
        ("DELETE", ["v1", "clusters", arn]) => clusters::delete(world, request, arn),
        ("GET", ["v1", "clusters", arn, "bootstrap-brokers"]) => {
            clusters::bootstrap_brokers(world, arn)
        }
        ("PUT", ["v1", "clusters", arn, "version"]) => {
            operations::update_kafka_version(world, request, arn)
        }
        ("PUT", ["v1", "clusters", arn, "nodes", "count"]) => {
            operations::update_broker_count(world, request, arn)
        }
        ("PUT", ["v1", "clusters", arn, "nodes", "storage"]) => {
            operations::update_broker_storage(world, request, arn)
        }
        ("PUT", ["v1", "clusters", arn, "configuration"]) => {
            operations::update_configuration(world, request, arn)
        }
        ("PUT", ["v1", "clusters", arn, "nodes", "type"]) => {
            operations::update_broker_type(world, request, arn)
        }
        ("PUT", ["v1", "clusters", arn, "monitoring"]) => {
            operations::update_monitoring(world, request, arn)
        }
        ("PATCH", ["v1", "clusters", arn, "security"]) => {
            operations::update_security(world, request, arn)
        }
        ("GET", ["v1", "clusters", arn, "operations"]) => operations::list(world, arn, false),
        ("GET", ["api", "v2", "clusters", arn, "operations"]) => operations::list(world, arn, true),
        ("GET", ["v1", "operations", arn]) => operations::describe(world, arn, false),
        ("GET", ["api", "v2", "operations", arn]) => operations::describe(world, arn, true),
        ("GET", ["v1", "kafka-versions"]) => versions::list(world),
        ("GET", ["v1", "compatible-kafka-versions"]) => versions::compatible(world, request),
        ("POST", ["v1", "configurations"]) => configurations::create(world, request),
        ("GET", ["v1", "configurations"]) => configurations::list(world),
        ("GET", ["v1", "configurations", arn]) => configurations::describe(world, arn),
        ("PUT", ["v1", "configurations", arn]) => configurations::update(world, request, arn),
        ("DELETE", ["v1", "configurations", arn]) => configurations::delete(world, arn),
        ("GET", ["v1", "configurations", arn, "revisions", revision]) => {
            configurations::describe_revision(world, arn, revision)
        }
        ("POST", ["v1", "tags", arn]) => tag(world, request, arn),
        ("DELETE", ["v1", "tags", arn]) => untag(world, request, arn),
        ("GET", ["v1", "tags", arn]) => list_tags(world, arn),
        _ => return None,
    };
    Some(reply)
}

/// The cluster with this ARN, or MSK's not-found error.
fn cluster<'a>(world: &'a mut World, arn: &str) -> Result<&'a mut MskCluster, ApiError> {
    world
        .kafka
        .clusters
        .get_mut(arn)
        .ok_or_else(|| ApiError::not_found(format!("The cluster {arn} does not exist.")))
}

impl MskCluster {
    /// `CREATING`, `ACTIVE`, `UPDATING` or `DELETING`.
    pub fn state(&self) -> &'static str {
        match self.phase {
            Phase::Creating(_) => "CREATING",
            Phase::Deleting(_) => "DELETING",
            Phase::Active if self.active_operation.is_some() => "UPDATING",
            Phase::Active => "ACTIVE",
        }
    }

    /// A fresh optimistic-lock token, as MSK's `K3AEGXETSR30VB`.
    pub fn new_version_token() -> String {
        let id = super::wire::uuid().replace('-', "").to_uppercase();
        format!("K{}", &id[..13])
    }
}

fn tags_mut<'a>(world: &'a mut World, arn: &str) -> Result<&'a mut Map<String, Value>, ApiError> {
    if let Some(cluster) = world.kafka.clusters.get_mut(arn) {
        return Ok(&mut cluster.tags);
    }
    Err(ApiError::not_found(format!(
        "The resource {arn} does not exist."
    )))
}

fn tag(world: &mut World, request: &Request, arn: &str) -> Reply {
    let body = request.json()?;
    let tags = tags_mut(world, arn)?;
    if let Some(new) = body.get("tags").and_then(Value::as_object) {
        for (k, v) in new {
            tags.insert(k.clone(), v.clone());
        }
    }
    Ok(Json(json!({})))
}

fn untag(world: &mut World, request: &Request, arn: &str) -> Reply {
    let tags = tags_mut(world, arn)?;
    for key in request.query_all("tagKeys") {
        tags.remove(&key);
    }
    Ok(Json(json!({})))
}

fn list_tags(world: &mut World, arn: &str) -> Reply {
    let tags = tags_mut(world, arn)?;
    Ok(Json(json!({ "tags": tags })))
}
