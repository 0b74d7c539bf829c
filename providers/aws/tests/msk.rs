//! `aws_msk_configuration` and `aws_msk_cluster` on the real SDK, against the in-process MSK
//! fake (`testkit::fake::FakeAws`): created and waited on until ACTIVE, upgraded and resized
//! by cluster operations, refused at plan time, throttled while waiting, destroyed.

mod common;

use std::sync::Arc;
use std::time::Duration;

use aws_sdk_kafka::config::{BehaviorVersion, Credentials, Region};
use common::{apply, destroy, plan, provider, text, v};
use engine::provider::{Provider, ProviderError};
use engine::value::Value;
use serde_json::json;
use testkit::fake::FakeAws;

const CONFIGURATION: &str = "aws_msk_configuration";
const CLUSTER: &str = "aws_msk_cluster";

fn kafka_provider(fake: &FakeAws) -> Arc<dyn Provider> {
    provider(&[("kafka", &fake.endpoint())])
}

/// An SDK client on the fake, to look behind the provider's back.
fn client(fake: &FakeAws) -> aws_sdk_kafka::Client {
    let config = aws_sdk_kafka::Config::builder()
        .behavior_version(BehaviorVersion::latest())
        .region(Region::new("us-east-1"))
        .credentials_provider(Credentials::new("testing", "testing", None, None, "test"))
        .endpoint_url(fake.endpoint())
        .build();
    aws_sdk_kafka::Client::from_conf(config)
}

fn configuration(properties: &str) -> Value {
    v(json!({
        "name": "brokers",
        "kafka_versions": ["3.7.x", "3.8.x"],
        "server_properties": properties,
        "description": "events brokers",
    }))
}

/// A three-broker cluster over three subnets; `extra` adds or overrides attributes.
fn cluster(
    version: &str,
    brokers: u32,
    instance: &str,
    volume: u32,
    extra: serde_json::Value,
) -> Value {
    let mut config = json!({
        "cluster_name": "events",
        "kafka_version": version,
        "number_of_broker_nodes": brokers,
        "broker_node_group_info": [{
            "instance_type": instance,
            "client_subnets": ["subnet-a", "subnet-b", "subnet-c"],
            "security_groups": ["sg-1"],
            "storage_info": [{ "ebs_storage_info": [{ "volume_size": volume }] }],
        }],
        "tags": { "team": "data" },
    });
    if let (Some(m), Some(e)) = (config.as_object_mut(), extra.as_object()) {
        m.extend(e.clone());
    }
    v(config)
}

fn number(state: &Value, name: &str) -> f64 {
    state
        .get_attr(name)
        .and_then(Value::as_f64)
        .unwrap_or_else(|| panic!("{name} is not a number in {state:?}"))
}

fn first<'a>(state: &'a Value, block: &str) -> &'a Value {
    state
        .get_attr(block)
        .and_then(Value::as_seq)
        .and_then(<[Value]>::first)
        .unwrap_or_else(|| panic!("no {block} block in {state:?}"))
}

/// Requests to the fake that start with `method_path` and end with `suffix`.
fn calls(fake: &FakeAws, method_path: &str, suffix: &str) -> usize {
    fake.requests()
        .iter()
        .filter(|r| r.starts_with(method_path) && r.ends_with(suffix))
        .count()
}

/// A plan over `prior` with `config` changes nothing.
async fn assert_no_changes(p: &Arc<dyn Provider>, type_name: &str, prior: &Value, config: &Value) {
    let planned = plan(p, type_name, Some(prior), config).await.unwrap();
    assert!(
        planned.semantic_eq(prior),
        "a plan right after apply changes {type_name}:\nprior   {prior:?}\nplanned {planned:?}"
    );
}

#[tokio::test]
async fn configuration_and_cluster_are_created_active_and_revised() {
    let fake = FakeAws::start();
    fake.set_polls(2);
    let p = kafka_provider(&fake);

    let config = configuration("auto.create.topics.enable = true\n");
    let conf = apply(&p, CONFIGURATION, None, &config).await.unwrap();
    let conf_arn = text(&conf, "arn").to_string();
    assert!(conf_arn.contains(":configuration/brokers/"), "{conf_arn}");
    assert_eq!(text(&conf, "id"), conf_arn);
    assert_eq!(number(&conf, "latest_revision"), 1.0);
    assert_eq!(
        text(&conf, "server_properties"),
        "auto.create.topics.enable = true\n"
    );
    assert_no_changes(&p, CONFIGURATION, &conf, &config).await;

    let with_config = |revision: f64| {
        cluster(
            "3.7.x",
            3,
            "kafka.m5.large",
            100,
            json!({ "configuration_info": [{ "arn": conf_arn, "revision": revision }] }),
        )
    };
    let state = apply(&p, CLUSTER, None, &with_config(1.0)).await.unwrap();
    let arn = text(&state, "arn");
    assert!(arn.contains(":cluster/events/"), "{arn}");
    assert_eq!(text(&state, "id"), arn);
    assert!(arn.ends_with(text(&state, "cluster_uuid")));
    assert_eq!(text(&state, "kafka_version"), "3.7.x");
    assert_eq!(text(&state, "enhanced_monitoring"), "DEFAULT");
    assert!(!text(&state, "current_version").is_empty());
    // TLS between clients and brokers by default: only the TLS listener.
    assert!(text(&state, "bootstrap_brokers_tls").contains(":9094"));
    assert_eq!(text(&state, "bootstrap_brokers"), "");
    // 3.7.x keeps its metadata in ZooKeeper.
    assert!(text(&state, "zookeeper_connect_string").contains(":2181"));
    assert_eq!(
        text(first(&state, "broker_node_group_info"), "az_distribution"),
        "DEFAULT"
    );
    let tags_all = state.get_attr("tags_all").unwrap();
    assert!(
        tags_all.semantic_eq(&v(json!({ "team": "data" }))),
        "{tags_all:?}"
    );
    // MSK reports encryption the configuration does not set: state keeps no block for it.
    assert_eq!(
        state.get_attr("encryption_info"),
        Some(&Value::List(vec![]))
    );
    let described = client(&fake)
        .describe_cluster_v2()
        .cluster_arn(arn)
        .send()
        .await
        .unwrap();
    let info = described.cluster_info().unwrap();
    assert_eq!(info.state().map(|s| s.as_str()), Some("ACTIVE"));
    assert_eq!(
        info.provisioned()
            .and_then(|p| p.current_broker_software_info())
            .and_then(|s| s.configuration_revision()),
        Some(1)
    );
    assert_no_changes(&p, CLUSTER, &state, &with_config(1.0)).await;
    let refreshed = p.read(CLUSTER, &state).await.unwrap().unwrap();
    assert!(refreshed.semantic_eq(&state), "{refreshed:?}\n{state:?}");
    // An import reads every block MSK reports.
    let imported = p.import(CLUSTER, arn).await.unwrap();
    let key = text(
        first(&imported, "encryption_info"),
        "encryption_at_rest_kms_key_arn",
    );
    assert!(key.starts_with("arn:aws:kms:"), "{key}");

    // New broker properties: a second revision, which the cluster then takes.
    let revised = configuration("auto.create.topics.enable = false\n");
    let conf = apply(&p, CONFIGURATION, Some(&conf), &revised)
        .await
        .unwrap();
    assert_eq!(number(&conf, "latest_revision"), 2.0);
    assert_eq!(
        text(&conf, "server_properties"),
        "auto.create.topics.enable = false\n"
    );
    let state = apply(&p, CLUSTER, Some(&state), &with_config(2.0))
        .await
        .unwrap();
    assert_eq!(number(first(&state, "configuration_info"), "revision"), 2.0);
    assert_eq!(calls(&fake, "PUT /v1/clusters/", "/configuration"), 1);
    assert_no_changes(&p, CLUSTER, &state, &with_config(2.0)).await;

    // Tags change by TagResource / UntagResource, without a cluster operation.
    let retagged = {
        let mut c = with_config(2.0);
        if let Value::Object(m) = &mut c {
            m.insert("tags".into(), v(json!({ "owner": "ops" })));
        }
        c
    };
    let operations = fake.requests().len();
    let state = apply(&p, CLUSTER, Some(&state), &retagged).await.unwrap();
    let tags_all = state.get_attr("tags_all").unwrap();
    assert!(
        tags_all.semantic_eq(&v(json!({ "owner": "ops" }))),
        "{tags_all:?}"
    );
    let after: Vec<String> = fake.requests()[operations..].to_vec();
    assert!(
        after.iter().any(|r| r.starts_with("POST /v1/tags/")),
        "{after:?}"
    );
    assert!(
        after.iter().any(|r| r.starts_with("DELETE /v1/tags/")),
        "{after:?}"
    );
    assert!(!after.iter().any(|r| r.starts_with("PUT ")), "{after:?}");
}

/// Encryption in transit between clients and brokers as `client_broker`.
fn in_transit(client_broker: &str) -> serde_json::Value {
    json!({
        "encryption_info": [{ "encryption_in_transit": [{ "client_broker": client_broker }] }],
    })
}

#[tokio::test]
async fn version_upgrade_and_resizes_are_cluster_operations_waited_on() {
    let fake = FakeAws::start();
    fake.set_polls(2);
    let p = kafka_provider(&fake);
    let created = cluster("3.7.x", 3, "kafka.m5.large", 100, in_transit("TLS"));
    let state = apply(&p, CLUSTER, None, &created).await.unwrap();
    let transit = first(first(&state, "encryption_info"), "encryption_in_transit");
    assert_eq!(transit.get_attr("in_cluster"), Some(&Value::Bool(true)));
    assert_no_changes(&p, CLUSTER, &state, &created).await;
    let token = text(&state, "current_version").to_string();

    let upgraded = cluster("3.8.x", 3, "kafka.m5.large", 100, in_transit("TLS"));
    let state = apply(&p, CLUSTER, Some(&state), &upgraded).await.unwrap();
    assert_eq!(text(&state, "kafka_version"), "3.8.x");
    assert_ne!(text(&state, "current_version"), token);
    assert_eq!(calls(&fake, "GET /v1/compatible-kafka-versions", ""), 1);
    assert_eq!(calls(&fake, "PUT /v1/clusters/", "/version"), 1);
    assert!(
        calls(&fake, "GET /api/v2/operations/", "") >= 2,
        "{:?}",
        fake.requests()
    );
    let arn = text(&state, "arn").to_string();
    let described = client(&fake)
        .describe_cluster_v2()
        .cluster_arn(&arn)
        .send()
        .await
        .unwrap();
    let provisioned = described.cluster_info().unwrap().provisioned().unwrap();
    assert_eq!(
        provisioned
            .current_broker_software_info()
            .unwrap()
            .kafka_version(),
        Some("3.8.x")
    );
    assert_no_changes(&p, CLUSTER, &state, &upgraded).await;

    // More brokers, bigger volumes and a new broker type: three operations in turn.
    let grown = cluster("3.8.x", 6, "kafka.m7g.large", 200, in_transit("TLS"));
    let state = apply(&p, CLUSTER, Some(&state), &grown).await.unwrap();
    assert_eq!(number(&state, "number_of_broker_nodes"), 6.0);
    let info = first(&state, "broker_node_group_info");
    assert_eq!(text(info, "instance_type"), "kafka.m7g.large");
    let ebs = first(first(info, "storage_info"), "ebs_storage_info");
    assert_eq!(number(ebs, "volume_size"), 200.0);
    assert_eq!(calls(&fake, "PUT /v1/clusters/", "/nodes/count"), 1);
    assert_eq!(calls(&fake, "PUT /v1/clusters/", "/nodes/storage"), 1);
    assert_eq!(calls(&fake, "PUT /v1/clusters/", "/nodes/type"), 1);
    let described = client(&fake)
        .describe_cluster_v2()
        .cluster_arn(&arn)
        .send()
        .await
        .unwrap();
    let provisioned = described.cluster_info().unwrap().provisioned().unwrap();
    assert_eq!(provisioned.number_of_broker_nodes(), Some(6));
    assert_no_changes(&p, CLUSTER, &state, &grown).await;

    // Monitoring and client-broker encryption change by their own operations.
    let mut tuned = cluster(
        "3.8.x",
        6,
        "kafka.m7g.large",
        200,
        in_transit("TLS_PLAINTEXT"),
    );
    if let Value::Object(m) = &mut tuned {
        m.insert("enhanced_monitoring".into(), Value::string("PER_BROKER"));
    }
    let state = apply(&p, CLUSTER, Some(&state), &tuned).await.unwrap();
    assert_eq!(text(&state, "enhanced_monitoring"), "PER_BROKER");
    assert!(text(&state, "bootstrap_brokers").contains(":9092"));
    assert_eq!(calls(&fake, "PUT /v1/clusters/", "/monitoring"), 1);
    assert_eq!(calls(&fake, "PATCH /v1/clusters/", "/security"), 1);
    assert_no_changes(&p, CLUSTER, &state, &tuned).await;
}

#[tokio::test]
async fn unknown_versions_and_disallowed_moves_fail_at_plan_time_without_a_call() {
    let fake = FakeAws::start();
    let p = kafka_provider(&fake);

    let unknown = plan(
        &p,
        CLUSTER,
        None,
        &cluster("3.10.x", 3, "kafka.m5.large", 100, json!({})),
    )
    .await
    .unwrap_err();
    assert!(
        unknown
            .to_string()
            .contains("Unsupported KafkaVersion 3.10.x"),
        "{unknown}"
    );

    // The state of a cluster on 3.8.x, as an earlier apply left it.
    let prior = {
        let mut s = cluster("3.8.x", 6, "kafka.m5.large", 100, json!({}));
        if let Value::Object(m) = &mut s {
            let arn = "arn:aws:kafka:us-east-1:123456789012:cluster/events/abc-1";
            m.insert("id".into(), Value::string(arn));
            m.insert("arn".into(), Value::string(arn));
        }
        s
    };
    let down = plan(
        &p,
        CLUSTER,
        Some(&prior),
        &cluster("3.7.x", 6, "kafka.m5.large", 100, json!({})),
    )
    .await
    .unwrap_err();
    assert!(down.to_string().contains("does not downgrade"), "{down}");
    let mode = plan(
        &p,
        CLUSTER,
        Some(&prior),
        &cluster("3.9.x.kraft", 6, "kafka.m5.large", 100, json!({})),
    )
    .await
    .unwrap_err();
    assert!(mode.to_string().contains("metadata mode"), "{mode}");
    let fewer = plan(
        &p,
        CLUSTER,
        Some(&prior),
        &cluster("3.8.x", 3, "kafka.m5.large", 100, json!({})),
    )
    .await
    .unwrap_err();
    assert!(fewer.to_string().contains("can't be decreased"), "{fewer}");
    // A new cluster_name replaces the cluster: an older version is then a new cluster's.
    let mut renamed = cluster("3.7.x", 3, "kafka.m5.large", 100, json!({}));
    if let Value::Object(m) = &mut renamed {
        m.insert("cluster_name".into(), Value::string("events-2"));
    }
    plan(&p, CLUSTER, Some(&prior), &renamed).await.unwrap();

    let bad_conf = plan(
        &p,
        CONFIGURATION,
        None,
        &v(json!({ "name": "c", "kafka_versions": ["3.8.x", "5.0.0"], "server_properties": "a=b" })),
    )
    .await
    .unwrap_err();
    assert!(bad_conf.to_string().contains("5.0.0"), "{bad_conf}");

    assert_eq!(fake.requests(), Vec::<String>::new());
}

/// Starts `work` and, once the fake has seen `marker`, throttles its next two requests;
/// returns what `work` returned.
async fn throttled_after<T: Send + 'static>(
    fake: &FakeAws,
    marker: &str,
    work: impl std::future::Future<Output = Result<T, ProviderError>> + Send + 'static,
) -> T {
    let task = tokio::spawn(work);
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    while !fake.requests().iter().any(|r| r.starts_with(marker)) {
        assert!(
            tokio::time::Instant::now() < deadline,
            "the fake never saw {marker}: {:?}",
            fake.requests()
        );
        tokio::time::sleep(Duration::from_millis(1)).await;
    }
    fake.throttle_next(2);
    task.await
        .expect("the task ran")
        .expect("throttling is survived")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn throttling_while_waiting_is_survived() {
    let fake = FakeAws::start();
    // Long transitions: the throttles land on the polls of the waits.
    fake.set_polls(30);
    let p = kafka_provider(&fake);

    let config = cluster("3.7.x", 3, "kafka.m5.large", 100, json!({}));
    let (q, c) = (Arc::clone(&p), config.clone());
    let state = throttled_after(&fake, "POST /api/v2/clusters", async move {
        apply(&q, CLUSTER, None, &c).await
    })
    .await;
    assert_eq!(text(&state, "kafka_version"), "3.7.x");

    let upgraded = cluster("3.8.x", 3, "kafka.m5.large", 100, json!({}));
    let (q, prior, c) = (Arc::clone(&p), state.clone(), upgraded.clone());
    let state = throttled_after(&fake, "PUT /v1/clusters/", async move {
        apply(&q, CLUSTER, Some(&prior), &c).await
    })
    .await;
    assert_eq!(text(&state, "kafka_version"), "3.8.x");

    let (q, prior) = (Arc::clone(&p), state.clone());
    throttled_after(&fake, "DELETE /v1/clusters/", async move {
        destroy(&q, CLUSTER, &prior).await
    })
    .await;
    // Both throttles were spent inside the waits: this call is answered.
    assert_eq!(p.read(CLUSTER, &state).await.unwrap(), None);
}

#[tokio::test]
async fn destroy_leaves_nothing() {
    let fake = FakeAws::start();
    fake.set_polls(1);
    let p = kafka_provider(&fake);
    let conf = apply(
        &p,
        CONFIGURATION,
        None,
        &configuration("log.retention.hours = 24\n"),
    )
    .await
    .unwrap();
    let with_config = cluster(
        "3.8.x",
        3,
        "kafka.m5.large",
        100,
        json!({ "configuration_info": [{ "arn": text(&conf, "arn"), "revision": 1 }] }),
    );
    let state = apply(&p, CLUSTER, None, &with_config).await.unwrap();

    // A configuration in use is not deleted.
    let in_use = destroy(&p, CONFIGURATION, &conf).await.unwrap_err();
    assert!(in_use.to_string().contains("in use"), "{in_use}");

    destroy(&p, CLUSTER, &state).await.unwrap();
    destroy(&p, CONFIGURATION, &conf).await.unwrap();
    let kafka = client(&fake);
    let clusters = kafka.list_clusters_v2().send().await.unwrap();
    assert!(clusters.cluster_info_list().is_empty(), "{clusters:?}");
    let configurations = kafka.list_configurations().send().await.unwrap();
    assert!(
        configurations.configurations().is_empty(),
        "{configurations:?}"
    );
    assert_eq!(p.read(CLUSTER, &state).await.unwrap(), None);
    assert_eq!(p.read(CONFIGURATION, &conf).await.unwrap(), None);
    // Destroying again finds nothing to delete and succeeds.
    destroy(&p, CLUSTER, &state).await.unwrap();
}
