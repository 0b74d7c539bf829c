//! `aws_msk_cluster`: a provisioned Apache Kafka cluster. Created with `CreateClusterV2`
//! and waited on until `ACTIVE`; changed by MSK's cluster operations, one at a time and
//! each waited on (`UpdateBrokerType`, `UpdateBrokerStorage`, `UpdateBrokerCount`,
//! `UpdateMonitoring`, `UpdateClusterConfiguration`, `UpdateClusterKafkaVersion` after a
//! `GetCompatibleKafkaVersions` check, `UpdateSecurity`); tagged with `TagResource` /
//! `UntagResource`; deleted with `DeleteCluster` and waited on until gone.

use std::collections::HashMap;

use async_trait::async_trait;
use aws_sdk_kafka::operation::get_bootstrap_brokers::GetBootstrapBrokersOutput;
use aws_sdk_kafka::types::{
    BrokerAzDistribution, BrokerEbsVolumeInfo, BrokerNodeGroupInfo, ClientBroker, Cluster,
    ClusterState, ConfigurationInfo, EbsStorageInfo, EncryptionAtRest, EncryptionInTransit,
    EncryptionInfo, EnhancedMonitoring, ProvisionedRequest, StorageInfo,
};
use chrono::NaiveDate;
use engine::provider::shape::{attr, set_attr};
use engine::provider::ProviderError;
use engine::value::Value;

use super::msk_common::{
    self, bad_request, block, compatible_list, follow_blocks, judge_version, one_block, patient,
    wait_active, wait_operation, DEFAULT_TIMEOUT,
};
use super::rds_common::{found, num};
use super::{Ctx, Resource};
use crate::errors::{invalid, sdk};
use crate::timeouts::{for_op, Op};
use crate::values::{
    flag, int, opt_string, strings, tag_changes, tag_pairs, tags, text, with_tags,
};

/// The `aws_msk_cluster` type; its id is the cluster's ARN.
pub struct MskCluster;

/// What MSK changes in place, as configured or as running (`None`: not configured, or
/// not known until apply).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Mutable {
    /// `3.8.x`.
    pub kafka_version: Option<String>,
    /// Brokers in the cluster.
    pub brokers: Option<i32>,
    /// `kafka.m5.large`.
    pub instance_type: Option<String>,
    /// EBS volume per broker, GiB.
    pub volume_size: Option<i32>,
    /// `DEFAULT`, `PER_BROKER`, ...
    pub monitoring: Option<String>,
    /// The configuration ARN and revision.
    pub configuration: Option<(String, i64)>,
    /// `TLS`, `TLS_PLAINTEXT`, `PLAINTEXT`.
    pub client_broker: Option<String>,
}

/// One cluster operation.
#[derive(Debug, Clone, PartialEq)]
pub enum Change {
    /// UpdateBrokerType.
    InstanceType(String),
    /// UpdateBrokerStorage.
    VolumeSize(i32),
    /// UpdateBrokerCount.
    Brokers(i32),
    /// UpdateMonitoring.
    Monitoring(String),
    /// UpdateClusterConfiguration.
    Configuration(String, i64),
    /// UpdateClusterKafkaVersion, with the configuration for the new version if it changes.
    KafkaVersion(String, Option<(String, i64)>),
    /// UpdateSecurity (encryption in transit between clients and brokers).
    ClientBroker(String),
}

impl Change {
    /// What the change is, for messages.
    fn describe(&self) -> String {
        match self {
            Change::InstanceType(t) => format!("broker type to {t}"),
            Change::VolumeSize(s) => format!("broker storage to {s} GiB"),
            Change::Brokers(n) => format!("broker count to {n}"),
            Change::Monitoring(m) => format!("enhanced monitoring to {m}"),
            Change::Configuration(a, r) => format!("configuration {a} revision {r}"),
            Change::KafkaVersion(v, _) => format!("upgrade to Kafka {v}"),
            Change::ClientBroker(c) => format!("client-broker encryption to {c}"),
        }
    }
}

/// The operations that bring a cluster `running` this way to `wanted`, in Terraform's
/// order; a configuration that changes with the version goes with the version upgrade.
pub fn changes(running: &Mutable, wanted: &Mutable) -> Vec<Change> {
    fn differs<T: PartialEq + Clone>(running: &Option<T>, wanted: &Option<T>) -> Option<T> {
        wanted
            .as_ref()
            .filter(|w| running.as_ref() != Some(*w))
            .cloned()
    }
    let mut out = Vec::new();
    if let Some(t) = differs(&running.instance_type, &wanted.instance_type) {
        out.push(Change::InstanceType(t));
    }
    if let Some(s) = differs(&running.volume_size, &wanted.volume_size) {
        out.push(Change::VolumeSize(s));
    }
    if let Some(n) = differs(&running.brokers, &wanted.brokers) {
        out.push(Change::Brokers(n));
    }
    if let Some(m) = differs(&running.monitoring, &wanted.monitoring) {
        out.push(Change::Monitoring(m));
    }
    let configuration = differs(&running.configuration, &wanted.configuration);
    match differs(&running.kafka_version, &wanted.kafka_version) {
        Some(v) => out.push(Change::KafkaVersion(v, configuration)),
        None => {
            if let Some((arn, revision)) = configuration {
                out.push(Change::Configuration(arn, revision));
            }
        }
    }
    if let Some(c) = differs(&running.client_broker, &wanted.client_broker) {
        out.push(Change::ClientBroker(c));
    }
    out
}

fn broker_info(obj: &Value) -> Option<&Value> {
    block(obj, "broker_node_group_info")
}

fn volume_size(obj: &Value) -> Option<i32> {
    broker_info(obj)
        .and_then(|b| block(b, "storage_info"))
        .and_then(|s| block(s, "ebs_storage_info"))
        .and_then(|e| int(e, "volume_size"))
}

fn in_transit(obj: &Value) -> Option<&Value> {
    block(obj, "encryption_info").and_then(|e| block(e, "encryption_in_transit"))
}

fn configuration(obj: &Value) -> Option<(String, i64)> {
    let c = block(obj, "configuration_info")?;
    let revision = attr(c, "revision").as_f64()?;
    Some((text(c, "arn")?.to_string(), revision as i64))
}

impl Mutable {
    /// What the plan asks for (unknown values are left out).
    pub fn planned(planned: &Value) -> Mutable {
        let owned = |s: Option<&str>| s.map(str::to_string);
        Mutable {
            kafka_version: owned(text(planned, "kafka_version")),
            brokers: int(planned, "number_of_broker_nodes"),
            instance_type: owned(broker_info(planned).and_then(|b| text(b, "instance_type"))),
            volume_size: volume_size(planned),
            monitoring: owned(text(planned, "enhanced_monitoring")),
            configuration: configuration(planned),
            client_broker: owned(in_transit(planned).and_then(|t| text(t, "client_broker"))),
        }
    }

    /// What the cluster runs with.
    pub fn running(c: &Cluster) -> Mutable {
        let p = c.provisioned();
        let info = p.and_then(|p| p.broker_node_group_info());
        let software = p.and_then(|p| p.current_broker_software_info());
        let transit = p
            .and_then(|p| p.encryption_info())
            .and_then(|e| e.encryption_in_transit());
        Mutable {
            kafka_version: software.and_then(|s| s.kafka_version()).map(str::to_string),
            brokers: p.and_then(|p| p.number_of_broker_nodes()),
            instance_type: info.and_then(|i| i.instance_type()).map(str::to_string),
            volume_size: info
                .and_then(|i| i.storage_info())
                .and_then(|s| s.ebs_storage_info())
                .and_then(|e| e.volume_size()),
            monitoring: p
                .and_then(|p| p.enhanced_monitoring())
                .map(|m| m.as_str().to_string()),
            configuration: software.and_then(|s| {
                Some((
                    s.configuration_arn()?.to_string(),
                    s.configuration_revision()?,
                ))
            }),
            client_broker: transit
                .and_then(|t| t.client_broker())
                .map(|c| c.as_str().to_string()),
        }
    }
}

/// The last segment of the cluster ARN (`cluster/<name>/<uuid>`), as Terraform's
/// `cluster_uuid`.
pub fn cluster_uuid(arn: &str) -> &str {
    arn.rsplit('/').next().unwrap_or_default()
}

fn configuration_info((arn, revision): &(String, i64)) -> ConfigurationInfo {
    ConfigurationInfo::builder()
        .arn(arn)
        .revision(*revision)
        .build()
}

fn broker_group(planned: &Value) -> Result<BrokerNodeGroupInfo, ProviderError> {
    let info = broker_info(planned)
        .ok_or_else(|| invalid("aws_msk_cluster: broker_node_group_info is required"))?;
    let storage = volume_size(planned).map(|size| {
        StorageInfo::builder()
            .ebs_storage_info(EbsStorageInfo::builder().volume_size(size).build())
            .build()
    });
    Ok(BrokerNodeGroupInfo::builder()
        .set_client_subnets(Some(strings(info, "client_subnets")))
        .set_security_groups(Some(strings(info, "security_groups")))
        .set_instance_type(text(info, "instance_type").map(str::to_string))
        .set_broker_az_distribution(text(info, "az_distribution").map(BrokerAzDistribution::from))
        .set_storage_info(storage)
        .build())
}

fn encryption(planned: &Value) -> Option<EncryptionInfo> {
    let e = block(planned, "encryption_info")?;
    let at_rest = text(e, "encryption_at_rest_kms_key_arn").map(|key| {
        EncryptionAtRest::builder()
            .data_volume_kms_key_id(key)
            .build()
    });
    let transit = block(e, "encryption_in_transit").map(|t| {
        EncryptionInTransit::builder()
            .set_client_broker(text(t, "client_broker").map(ClientBroker::from))
            .set_in_cluster(flag(t, "in_cluster"))
            .build()
    });
    Some(
        EncryptionInfo::builder()
            .set_encryption_at_rest(at_rest)
            .set_encryption_in_transit(transit)
            .build(),
    )
}

fn tag_map(obj: &Value) -> Option<HashMap<String, String>> {
    let pairs = tag_pairs(obj);
    (!pairs.is_empty()).then(|| pairs.into_iter().collect())
}

/// GetBootstrapBrokers, once the cluster serves clients (`None` before).
async fn bootstrap(
    cx: &Ctx<'_>,
    c: &Cluster,
) -> Result<Option<GetBootstrapBrokersOutput>, ProviderError> {
    let serving = matches!(
        c.state(),
        Some(ClusterState::Active | ClusterState::Updating | ClusterState::Maintenance)
    );
    let Some(arn) = c.cluster_arn().filter(|_| serving) else {
        return Ok(None);
    };
    patient("GetBootstrapBrokers", || async move {
        cx.clients
            .kafka
            .get_bootstrap_brokers()
            .cluster_arn(arn)
            .send()
            .await
            .map_err(|e| sdk("GetBootstrapBrokers", e))
    })
    .await
    .map(Some)
}

/// The cluster as state holds it; blocks follow `base` (the state or plan refreshed),
/// unless `base` is an import stub.
fn to_value(c: &Cluster, brokers: Option<&GetBootstrapBrokersOutput>, base: &Value) -> Value {
    let arn = c.cluster_arn().unwrap_or_default();
    let p = c.provisioned();
    let info = p.and_then(|p| p.broker_node_group_info());
    let software = p.and_then(|p| p.current_broker_software_info());
    let encryption = p.and_then(|p| p.encryption_info());
    let s = opt_string;
    let listing = |v: Option<&str>| Value::string(v.unwrap_or_default());
    let strings = |xs: &[String]| Value::List(xs.iter().map(Value::string).collect());
    let broker_node_group_info = match info {
        None => Value::List(Vec::new()),
        Some(i) => one_block([
            ("client_subnets", strings(i.client_subnets())),
            ("security_groups", strings(i.security_groups())),
            ("instance_type", s(i.instance_type())),
            (
                "az_distribution",
                s(i.broker_az_distribution().map(BrokerAzDistribution::as_str)),
            ),
            (
                "storage_info",
                match i.storage_info().and_then(|s| s.ebs_storage_info()) {
                    None => Value::List(Vec::new()),
                    Some(e) => one_block([(
                        "ebs_storage_info",
                        one_block([("volume_size", num(e.volume_size()))]),
                    )]),
                },
            ),
        ]),
    };
    let encryption_info = match encryption {
        None => Value::List(Vec::new()),
        Some(e) => one_block([
            (
                "encryption_at_rest_kms_key_arn",
                s(e.encryption_at_rest()
                    .and_then(|a| a.data_volume_kms_key_id())),
            ),
            (
                "encryption_in_transit",
                match e.encryption_in_transit() {
                    None => Value::List(Vec::new()),
                    Some(t) => one_block([
                        (
                            "client_broker",
                            s(t.client_broker().map(ClientBroker::as_str)),
                        ),
                        (
                            "in_cluster",
                            t.in_cluster().map_or(Value::Null, Value::Bool),
                        ),
                    ]),
                },
            ),
        ]),
    };
    let configuration_info = match software.and_then(|s| s.configuration_arn()) {
        None => Value::List(Vec::new()),
        Some(config) => one_block([
            ("arn", Value::string(config)),
            (
                "revision",
                software
                    .and_then(|s| s.configuration_revision())
                    .map_or(Value::Null, |r| Value::Number(r as f64)),
            ),
        ]),
    };
    let mut observed = Value::object([
        ("id", Value::string(arn)),
        ("arn", Value::string(arn)),
        ("cluster_name", s(c.cluster_name())),
        ("cluster_uuid", Value::string(cluster_uuid(arn))),
        ("current_version", s(c.current_version())),
        ("kafka_version", s(software.and_then(|s| s.kafka_version()))),
        (
            "number_of_broker_nodes",
            num(p.and_then(|p| p.number_of_broker_nodes())),
        ),
        (
            "enhanced_monitoring",
            s(p.and_then(|p| p.enhanced_monitoring())
                .map(EnhancedMonitoring::as_str)),
        ),
        (
            "zookeeper_connect_string",
            match p {
                Some(p) => listing(p.zookeeper_connect_string()),
                None => Value::Null,
            },
        ),
        (
            "bootstrap_brokers",
            brokers.map_or(Value::Null, |b| listing(b.bootstrap_broker_string())),
        ),
        (
            "bootstrap_brokers_tls",
            brokers.map_or(Value::Null, |b| listing(b.bootstrap_broker_string_tls())),
        ),
        ("broker_node_group_info", broker_node_group_info),
        ("encryption_info", encryption_info),
        ("configuration_info", configuration_info),
    ]);
    let import = attr(base, "kafka_version").is_null();
    if !import {
        follow_blocks(&schemas::aws::msk_cluster(), &mut observed, base);
    }
    if let Value::Object(m) = &mut observed {
        m.insert("timeouts".to_string(), attr(base, "timeouts").clone());
    }
    let aws_tags = tags(
        c.tags()
            .into_iter()
            .flatten()
            .map(|(k, v)| (k.as_str(), v.as_str())),
    );
    with_tags(observed, base, aws_tags)
}

/// The cluster `c` as state holds it, with its bootstrap brokers.
async fn observe(cx: &Ctx<'_>, c: &Cluster, base: &Value) -> Result<Value, ProviderError> {
    let brokers = bootstrap(cx, c).await?;
    Ok(to_value(c, brokers.as_ref(), base))
}

/// Refuses, before anything changes, an upgrade MSK does not list as compatible with the
/// version the cluster runs (a chain of them is one update per hop).
async fn check_compatible(
    cx: &Ctx<'_>,
    arn: &str,
    running: &str,
    target: &str,
) -> Result<(), ProviderError> {
    let out = patient("GetCompatibleKafkaVersions", || async move {
        cx.clients
            .kafka
            .get_compatible_kafka_versions()
            .cluster_arn(arn)
            .send()
            .await
            .map_err(|e| sdk("GetCompatibleKafkaVersions", e))
    })
    .await?;
    let targets: Vec<String> = out
        .compatible_kafka_versions()
        .iter()
        .filter(|v| v.source_version().is_none_or(|s| s == running))
        .flat_map(|v| v.target_versions().iter().cloned())
        .collect();
    if targets.iter().any(|t| t == target) {
        return Ok(());
    }
    Err(bad_request(format!(
        "aws_msk_cluster {arn}: MSK cannot upgrade Kafka {running} to {target} in one step (GetCompatibleKafkaVersions lists: {}); upgrade to one of those first, or plan the path with `galley upgrade`",
        compatible_list(&targets)
    )))
}

/// Starts one cluster operation on the cluster at `current` (its `CurrentVersion`) and
/// returns the operation's ARN.
async fn start(
    cx: &Ctx<'_>,
    arn: &str,
    current: &str,
    change: &Change,
) -> Result<Option<String>, ProviderError> {
    let k = &cx.clients.kafka;
    Ok(match change {
        Change::InstanceType(t) => {
            k.update_broker_type()
                .cluster_arn(arn)
                .current_version(current)
                .target_instance_type(t)
                .send()
                .await
                .map_err(|e| sdk("UpdateBrokerType", e))?
                .cluster_operation_arn
        }
        Change::VolumeSize(size) => {
            k.update_broker_storage()
                .cluster_arn(arn)
                .current_version(current)
                .target_broker_ebs_volume_info(
                    BrokerEbsVolumeInfo::builder()
                        .kafka_broker_node_id("All")
                        .volume_size_gb(*size)
                        .build(),
                )
                .send()
                .await
                .map_err(|e| sdk("UpdateBrokerStorage", e))?
                .cluster_operation_arn
        }
        Change::Brokers(n) => {
            k.update_broker_count()
                .cluster_arn(arn)
                .current_version(current)
                .target_number_of_broker_nodes(*n)
                .send()
                .await
                .map_err(|e| sdk("UpdateBrokerCount", e))?
                .cluster_operation_arn
        }
        Change::Monitoring(m) => {
            k.update_monitoring()
                .cluster_arn(arn)
                .current_version(current)
                .enhanced_monitoring(EnhancedMonitoring::from(m.as_str()))
                .send()
                .await
                .map_err(|e| sdk("UpdateMonitoring", e))?
                .cluster_operation_arn
        }
        Change::Configuration(config, revision) => {
            k.update_cluster_configuration()
                .cluster_arn(arn)
                .current_version(current)
                .configuration_info(configuration_info(&(config.clone(), *revision)))
                .send()
                .await
                .map_err(|e| sdk("UpdateClusterConfiguration", e))?
                .cluster_operation_arn
        }
        Change::KafkaVersion(version, config) => {
            k.update_cluster_kafka_version()
                .cluster_arn(arn)
                .current_version(current)
                .target_kafka_version(version)
                .set_configuration_info(config.as_ref().map(configuration_info))
                .send()
                .await
                .map_err(|e| sdk("UpdateClusterKafkaVersion", e))?
                .cluster_operation_arn
        }
        Change::ClientBroker(c) => {
            k.update_security()
                .cluster_arn(arn)
                .current_version(current)
                .encryption_info(
                    EncryptionInfo::builder()
                        .encryption_in_transit(
                            EncryptionInTransit::builder()
                                .client_broker(ClientBroker::from(c.as_str()))
                                .build(),
                        )
                        .build(),
                )
                .send()
                .await
                .map_err(|e| sdk("UpdateSecurity", e))?
                .cluster_operation_arn
        }
    })
}

/// Brings the cluster's tags from `prior`'s to `planned`'s.
async fn update_tags(
    cx: &Ctx<'_>,
    arn: &str,
    prior: &Value,
    planned: &Value,
) -> Result<(), ProviderError> {
    let (removed, set) = tag_changes(prior, planned);
    let set: HashMap<String, String> = set.into_iter().collect();
    let k = &cx.clients.kafka;
    if !removed.is_empty() {
        k.untag_resource()
            .resource_arn(arn)
            .set_tag_keys(Some(removed))
            .send()
            .await
            .map_err(|e| sdk("UntagResource", e))?;
    }
    if !set.is_empty() {
        k.tag_resource()
            .resource_arn(arn)
            .set_tags(Some(set))
            .send()
            .await
            .map_err(|e| sdk("TagResource", e))?;
    }
    Ok(())
}

/// Judges a plan as MSK would judge its calls; `today` decides which versions new clusters
/// may use. Unknown values are not judged.
pub fn judge(
    prior: Option<&Value>,
    planned: &Value,
    today: NaiveDate,
) -> Result<(), ProviderError> {
    if let Some(version) = text(planned, "kafka_version") {
        let old = prior.and_then(|p| text(p, "kafka_version"));
        judge_version(old, version, today)?;
    }
    let info = broker_info(planned);
    if let Some(t) = info.and_then(|b| text(b, "instance_type")) {
        if !t.starts_with("kafka.") {
            return Err(bad_request(format!(
                "Unsupported broker instance type {t}: MSK broker types start with kafka. (kafka.m5.large, kafka.m7g.large, ...)"
            )));
        }
    }
    let subnets = info.map(|b| attr(b, "client_subnets"));
    let zones = subnets
        .filter(|s| !s.contains_unknown())
        .and_then(Value::as_seq)
        .map(<[Value]>::len);
    if let Some(n) = zones {
        if !(2..=3).contains(&n) {
            return Err(bad_request(format!(
                "Specify either two or three client subnets (got {n})."
            )));
        }
    }
    let brokers = int(planned, "number_of_broker_nodes");
    if let (Some(b), Some(z)) = (brokers, zones) {
        if b < 1 || b % z as i32 != 0 {
            return Err(bad_request(format!(
                "The number of broker nodes must be a multiple of Availability Zones in the Client Subnets parameter ({b} brokers, {z} subnets)."
            )));
        }
    }
    let Some(prior) = prior else {
        return Ok(());
    };
    if let (Some(old), Some(new)) = (int(prior, "number_of_broker_nodes"), brokers) {
        if new < old {
            return Err(bad_request(format!(
                "The number of broker nodes can't be decreased (from {old} to {new}); MSK only adds brokers. Replace the cluster (a new cluster_name) to have fewer"
            )));
        }
    }
    if let (Some(old), Some(new)) = (volume_size(prior), volume_size(planned)) {
        if new < old {
            return Err(bad_request(format!(
                "Broker storage can't be decreased (from {old} GiB to {new} GiB)"
            )));
        }
    }
    Ok(())
}

#[async_trait]
impl Resource for MskCluster {
    async fn create(&self, cx: &Ctx<'_>, planned: &Value) -> Result<Value, ProviderError> {
        let name = text(planned, "cluster_name")
            .ok_or_else(|| invalid("aws_msk_cluster: cluster_name is required"))?;
        let version = text(planned, "kafka_version")
            .ok_or_else(|| invalid("aws_msk_cluster: kafka_version is required"))?;
        let brokers = int(planned, "number_of_broker_nodes")
            .ok_or_else(|| invalid("aws_msk_cluster: number_of_broker_nodes is required"))?;
        let provisioned = ProvisionedRequest::builder()
            .broker_node_group_info(broker_group(planned)?)
            .kafka_version(version)
            .number_of_broker_nodes(brokers)
            .set_encryption_info(encryption(planned))
            .set_configuration_info(configuration(planned).as_ref().map(configuration_info))
            .set_enhanced_monitoring(
                text(planned, "enhanced_monitoring").map(EnhancedMonitoring::from),
            )
            .build();
        let out = cx
            .clients
            .kafka
            .create_cluster_v2()
            .cluster_name(name)
            .provisioned(provisioned)
            .set_tags(tag_map(planned))
            .send()
            .await
            .map_err(|e| sdk("CreateClusterV2", e))?;
        let arn = out
            .cluster_arn()
            .ok_or_else(|| {
                ProviderError::Internal(format!(
                    "CreateClusterV2 for {name} answered without a cluster ARN"
                ))
            })?
            .to_string();
        let timeout = for_op(planned, Op::Create, DEFAULT_TIMEOUT);
        let what = format!("aws_msk_cluster {name}: create");
        let c = wait_active(cx, &arn, &what, timeout).await?;
        observe(cx, &c, planned).await
    }

    async fn read(&self, cx: &Ctx<'_>, state: &Value) -> Result<Option<Value>, ProviderError> {
        let Some(arn) = text(state, "id") else {
            return Ok(None);
        };
        let Some(c) = msk_common::describe(cx, arn).await? else {
            return Ok(None);
        };
        if c.state() == Some(&ClusterState::Deleting) {
            return Ok(None);
        }
        observe(cx, &c, state).await.map(Some)
    }

    async fn update(
        &self,
        cx: &Ctx<'_>,
        prior: &Value,
        planned: &Value,
    ) -> Result<Value, ProviderError> {
        let arn = text(prior, "id").ok_or_else(|| invalid("the cluster's ARN is not in state"))?;
        let name = text(prior, "cluster_name").unwrap_or(arn);
        let timeout = for_op(planned, Op::Update, DEFAULT_TIMEOUT);
        // Changes are worked out from the cluster as it runs, so an update interrupted
        // half-way (and retried) does not repeat an operation already carried out.
        let what = format!("aws_msk_cluster {name}: update");
        let mut c = wait_active(cx, arn, &what, timeout).await?;
        let running = Mutable::running(&c);
        let todo = changes(&running, &Mutable::planned(planned));
        for change in &todo {
            if let (Change::KafkaVersion(target, _), Some(now)) =
                (change, running.kafka_version.as_deref())
            {
                check_compatible(cx, arn, now, target).await?;
            }
        }
        for change in &todo {
            let what = format!("aws_msk_cluster {name}: {}", change.describe());
            let current = c.current_version().unwrap_or_default().to_string();
            if let Some(operation) = start(cx, arn, &current, change).await? {
                wait_operation(cx, &operation, &what, timeout).await?;
            }
            c = wait_active(cx, arn, &what, timeout).await?;
        }
        update_tags(cx, arn, prior, planned).await?;
        if tag_pairs(prior) != tag_pairs(planned) {
            if let Some(now) =
                patient("DescribeClusterV2", || msk_common::describe(cx, arn)).await?
            {
                c = now;
            }
        }
        observe(cx, &c, planned).await
    }

    async fn delete(&self, cx: &Ctx<'_>, prior: &Value) -> Result<(), ProviderError> {
        let Some(arn) = text(prior, "id") else {
            return Ok(());
        };
        let deleted = cx
            .clients
            .kafka
            .delete_cluster()
            .cluster_arn(arn)
            .send()
            .await
            .map_err(|e| sdk("DeleteCluster", e));
        if found(deleted)?.is_none() {
            return Ok(());
        }
        let name = text(prior, "cluster_name").unwrap_or(arn);
        let timeout = for_op(prior, Op::Delete, DEFAULT_TIMEOUT);
        msk_common::wait_gone(cx, arn, &format!("aws_msk_cluster {name}: delete"), timeout).await
    }

    fn check(&self, prior: Option<&Value>, planned: &Value) -> Result<(), ProviderError> {
        judge(prior, planned, chrono::Utc::now().date_naive())
    }

    fn adjust_plan(&self, prior: Option<&Value>, planned: &mut Value) {
        if let Some(prior) = prior {
            renew(prior, planned);
        }
    }
}

/// Marks unknown what an in-place change renews: every cluster operation gives the
/// cluster a new `current_version`; more brokers or another client-broker encryption
/// change the bootstrap broker strings.
pub fn renew(prior: &Value, planned: &mut Value) {
    let (before, after) = (Mutable::planned(prior), Mutable::planned(planned));
    if before == after {
        return;
    }
    set_attr(planned, "current_version", Value::Unknown);
    if before.brokers != after.brokers || before.client_broker != after.client_broker {
        set_attr(planned, "bootstrap_brokers", Value::Unknown);
        set_attr(planned, "bootstrap_brokers_tls", Value::Unknown);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 12, 7).expect("a date")
    }

    fn cluster(version: &str, brokers: f64, subnets: &[&str], size: Option<f64>) -> Value {
        let storage = match size {
            Some(s) => one_block([(
                "ebs_storage_info",
                one_block([("volume_size", Value::Number(s))]),
            )]),
            None => Value::List(Vec::new()),
        };
        Value::object([
            ("kafka_version", Value::string(version)),
            ("number_of_broker_nodes", Value::Number(brokers)),
            (
                "broker_node_group_info",
                one_block([
                    ("instance_type", Value::string("kafka.m5.large")),
                    (
                        "client_subnets",
                        Value::List(subnets.iter().map(|s| Value::string(*s)).collect()),
                    ),
                    ("storage_info", storage),
                ]),
            ),
        ])
    }

    fn refused(r: Result<(), ProviderError>) -> String {
        match r {
            Err(ProviderError::Api { message, .. }) => message,
            other => panic!("expected a refusal, got {other:?}"),
        }
    }

    #[test]
    fn plans_are_judged_as_msk_would_judge_the_calls() {
        let three = ["a", "b", "c"];
        let prior = cluster("3.7.x", 3.0, &three, Some(100.0));
        assert!(judge(None, &prior, day()).is_ok());
        assert!(judge(
            Some(&prior),
            &cluster("3.8.x", 6.0, &three, Some(200.0)),
            day()
        )
        .is_ok());
        let m = refused(judge(None, &cluster("2.9.9", 3.0, &three, None), day()));
        assert!(m.contains("Unsupported KafkaVersion 2.9.9"), "{m}");
        let m = refused(judge(
            Some(&prior),
            &cluster("3.6.0", 3.0, &three, None),
            day(),
        ));
        assert!(m.contains("does not downgrade"), "{m}");
        let m = refused(judge(
            Some(&prior),
            &cluster("3.7.x", 2.0, &three, None),
            day(),
        ));
        assert!(m.contains("multiple"), "{m}");
        let m = refused(judge(
            Some(&cluster("3.7.x", 6.0, &three, None)),
            &prior,
            day(),
        ));
        assert!(m.contains("can't be decreased"), "{m}");
        let m = refused(judge(
            Some(&prior),
            &cluster("3.7.x", 3.0, &three, Some(50.0)),
            day(),
        ));
        assert!(m.contains("storage"), "{m}");
        let m = refused(judge(
            None,
            &cluster("3.7.x", 4.0, &["a", "b", "c", "d"], None),
            day(),
        ));
        assert!(m.contains("two or three"), "{m}");
    }

    #[test]
    fn unknown_values_are_not_judged() {
        let planned = Value::object([
            ("kafka_version", Value::Unknown),
            ("number_of_broker_nodes", Value::Number(3.0)),
            (
                "broker_node_group_info",
                one_block([("client_subnets", Value::Unknown)]),
            ),
        ]);
        assert!(judge(None, &planned, day()).is_ok());
        let subnets = one_block([(
            "client_subnets",
            Value::List(vec![Value::Unknown, Value::Unknown]),
        )]);
        let planned = Value::object([
            ("number_of_broker_nodes", Value::Number(3.0)),
            ("broker_node_group_info", subnets),
        ]);
        assert!(judge(None, &planned, day()).is_ok());
    }

    #[test]
    fn changes_follow_terraforms_order_and_skip_what_already_runs() {
        let running = Mutable {
            kafka_version: Some("3.7.x".into()),
            brokers: Some(3),
            instance_type: Some("kafka.m5.large".into()),
            volume_size: Some(100),
            monitoring: Some("DEFAULT".into()),
            configuration: Some(("arn:c".into(), 1)),
            client_broker: Some("TLS".into()),
        };
        assert!(changes(&running, &running).is_empty());
        assert!(changes(&running, &Mutable::default()).is_empty());
        let wanted = Mutable {
            kafka_version: Some("3.8.x".into()),
            brokers: Some(6),
            configuration: Some(("arn:c".into(), 2)),
            ..running.clone()
        };
        assert_eq!(
            changes(&running, &wanted),
            vec![
                Change::Brokers(6),
                Change::KafkaVersion("3.8.x".into(), Some(("arn:c".into(), 2))),
            ]
        );
        let wanted = Mutable {
            instance_type: Some("kafka.m7g.large".into()),
            configuration: Some(("arn:c".into(), 2)),
            client_broker: Some("TLS_PLAINTEXT".into()),
            ..running.clone()
        };
        assert_eq!(
            changes(&running, &wanted),
            vec![
                Change::InstanceType("kafka.m7g.large".into()),
                Change::Configuration("arn:c".into(), 2),
                Change::ClientBroker("TLS_PLAINTEXT".into()),
            ]
        );
    }

    #[test]
    fn operations_renew_the_version_token_and_brokers_the_bootstrap_strings() {
        let three = ["a", "b", "c"];
        let mut prior = cluster("3.7.x", 3.0, &three, Some(100.0));
        for name in [
            "current_version",
            "bootstrap_brokers",
            "bootstrap_brokers_tls",
        ] {
            set_attr(&mut prior, name, Value::string("known"));
        }
        let mut same = prior.clone();
        set_attr(&mut same, "tags", Value::Map(Default::default()));
        renew(&prior, &mut same);
        assert_eq!(
            same.get_attr("current_version"),
            Some(&Value::string("known"))
        );

        let mut upgraded = prior.clone();
        set_attr(&mut upgraded, "kafka_version", Value::string("3.8.x"));
        renew(&prior, &mut upgraded);
        assert_eq!(upgraded.get_attr("current_version"), Some(&Value::Unknown));
        assert_eq!(
            upgraded.get_attr("bootstrap_brokers_tls"),
            Some(&Value::string("known"))
        );

        let mut grown = prior.clone();
        set_attr(&mut grown, "number_of_broker_nodes", Value::Number(6.0));
        renew(&prior, &mut grown);
        assert_eq!(
            grown.get_attr("bootstrap_brokers_tls"),
            Some(&Value::Unknown)
        );
    }

    #[test]
    fn the_uuid_is_the_arns_last_segment() {
        assert_eq!(
            cluster_uuid("arn:aws:kafka:us-east-1:123456789012:cluster/events/abc-1"),
            "abc-1"
        );
    }
}
