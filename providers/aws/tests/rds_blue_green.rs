//! Aurora major version upgrades through RDS Blue/Green Deployments (`blue_green_update`)
//! on the real AWS provider against moto: the cluster keeps its identifier and endpoint,
//! the old cluster and the deployment are gone at the end of the update, and an apply
//! after an interrupted one goes on with the deployment it finds instead of making a
//! second. What the provider did is checked through the SDK, not only through its answers.
//!
//! moto's switchover is brought in line with RDS's by the test kit (it renames the
//! instances too, and the endpoints follow the names): see `testkit/src/moto/`.

mod common;

use std::sync::Arc;

use common::{apply, destroy, plan, provider, text, v};
use engine::provider::Provider;
use engine::value::Value;
use serde_json::json;

const CLUSTER: &str = "aws_rds_cluster";
const INSTANCE: &str = "aws_rds_cluster_instance";
const GROUP: &str = "aws_rds_cluster_parameter_group";

const ID: &str = "orders";
const FROM: &str = "15.10";
const TO: &str = "16.6";

async fn rds(endpoint: &str) -> aws_sdk_rds::Client {
    let config = aws_config::defaults(aws_config::BehaviorVersion::latest())
        .region(aws_config::Region::new("us-east-1"))
        .endpoint_url(endpoint)
        .credentials_provider(aws_credential_types::Credentials::new(
            "testing", "testing", None, None, "test",
        ))
        .load()
        .await;
    aws_sdk_rds::Client::new(&config)
}

/// A cluster parameter group of `family` that turns logical replication on.
fn group(name: &str, family: &str) -> Value {
    v(json!({
        "name": name,
        "family": family,
        "description": "orders",
        "parameter": [{
            "name": "rds.logical_replication",
            "value": "1",
            "apply_method": "pending-reboot",
        }],
    }))
}

fn cluster(version: &str, group: &str, blue_green: bool) -> Value {
    let mut c = json!({
        "cluster_identifier": ID,
        "engine": "aurora-postgresql",
        "engine_version": version,
        "db_cluster_parameter_group_name": group,
        "master_username": "galley",
        "master_password": "correct-horse-battery",
        "allow_major_version_upgrade": true,
        "apply_immediately": true,
        "skip_final_snapshot": true,
    });
    if blue_green {
        c["blue_green_update"] = json!([{"enabled": true, "switchover_timeout": 600}]);
    }
    v(c)
}

fn instance() -> Value {
    v(json!({
        "identifier": "orders-1",
        "cluster_identifier": ID,
        "instance_class": "db.r6g.large",
        "engine": "aurora-postgresql",
    }))
}

/// The parameter groups, the cluster at [`FROM`] and its instance, as galley creates them.
struct Stack {
    groups: Vec<Value>,
    cluster: Value,
    instance: Value,
}

async fn stack(p: &Arc<dyn Provider>, blue_green: bool) -> Stack {
    let mut groups = Vec::new();
    for (name, family) in [
        ("orders15", "aurora-postgresql15"),
        ("orders16", "aurora-postgresql16"),
    ] {
        groups.push(apply(p, GROUP, None, &group(name, family)).await.unwrap());
    }
    let cluster = apply(p, CLUSTER, None, &cluster(FROM, "orders15", blue_green))
        .await
        .unwrap();
    assert_eq!(text(&cluster, "engine_version"), FROM);
    let instance = apply(p, INSTANCE, None, &instance()).await.unwrap();
    Stack {
        groups,
        cluster,
        instance,
    }
}

/// `(identifier, engine version, members)` of every cluster moto holds.
async fn clusters(rds: &aws_sdk_rds::Client) -> Vec<(String, String, Vec<String>)> {
    let out = rds.describe_db_clusters().send().await.unwrap();
    let mut all: Vec<_> = out
        .db_clusters()
        .iter()
        .map(|c| {
            (
                c.db_cluster_identifier().unwrap_or_default().to_string(),
                c.engine_version().unwrap_or_default().to_string(),
                c.db_cluster_members()
                    .iter()
                    .filter_map(|m| m.db_instance_identifier().map(str::to_string))
                    .collect(),
            )
        })
        .collect();
    all.sort();
    all
}

/// `(identifier, cluster, engine version)` of every instance moto holds.
async fn instances(rds: &aws_sdk_rds::Client) -> Vec<(String, String, String)> {
    let out = rds.describe_db_instances().send().await.unwrap();
    let mut all: Vec<_> = out
        .db_instances()
        .iter()
        .map(|i| {
            (
                i.db_instance_identifier().unwrap_or_default().to_string(),
                i.db_cluster_identifier().unwrap_or_default().to_string(),
                i.engine_version().unwrap_or_default().to_string(),
            )
        })
        .collect();
    all.sort();
    all
}

/// The names of the blue/green deployments moto holds.
async fn deployments(rds: &aws_sdk_rds::Client) -> Vec<String> {
    let out = rds.describe_blue_green_deployments().send().await.unwrap();
    out.blue_green_deployments()
        .iter()
        .map(|d| {
            d.blue_green_deployment_name()
                .unwrap_or_default()
                .to_string()
        })
        .collect()
}

async fn resource_id(rds: &aws_sdk_rds::Client, id: &str) -> String {
    let out = rds
        .describe_db_clusters()
        .db_cluster_identifier(id)
        .send()
        .await
        .unwrap();
    out.db_clusters()[0]
        .db_cluster_resource_id()
        .unwrap_or_default()
        .to_string()
}

/// What an upgraded stack must look like in RDS: one cluster, with the identifier, at the
/// new version, its instance renamed back to its name, no `-old1` and no deployment.
async fn assert_upgraded(rds: &aws_sdk_rds::Client) {
    assert_eq!(
        clusters(rds).await,
        vec![(ID.to_string(), TO.to_string(), vec!["orders-1".to_string()])]
    );
    assert_eq!(
        instances(rds).await,
        vec![("orders-1".to_string(), ID.to_string(), TO.to_string())]
    );
    assert_eq!(deployments(rds).await, Vec::<String>::new());
}

/// The plan over `state`, and over it read back from AWS, changes nothing; the state read
/// back.
async fn nothing_to_change(
    p: &Arc<dyn Provider>,
    type_name: &str,
    state: &Value,
    config: &Value,
) -> Value {
    let planned = plan(p, type_name, Some(state), config).await.unwrap();
    assert_eq!(
        &planned, state,
        "{type_name}: the plan over the applied state"
    );
    let fresh = p
        .read(type_name, state)
        .await
        .unwrap()
        .expect("the object is there");
    let planned = plan(p, type_name, Some(&fresh), config).await.unwrap();
    assert_eq!(
        planned, fresh,
        "{type_name}: the plan over the state read back"
    );
    fresh
}

async fn destroy_all(p: &Arc<dyn Provider>, rds: &aws_sdk_rds::Client, s: Stack, cluster: Value) {
    destroy(p, INSTANCE, &s.instance).await.unwrap();
    destroy(p, CLUSTER, &cluster).await.unwrap();
    for g in &s.groups {
        destroy(p, GROUP, g).await.unwrap();
    }
    assert!(clusters(rds).await.is_empty());
    assert!(instances(rds).await.is_empty());
    let groups = rds
        .describe_db_cluster_parameter_groups()
        .send()
        .await
        .unwrap();
    let left: Vec<_> = groups
        .db_cluster_parameter_groups()
        .iter()
        .filter_map(|g| g.db_cluster_parameter_group_name())
        .filter(|n| !n.starts_with("default."))
        .collect();
    assert!(left.is_empty(), "parameter groups left: {left:?}");
}

#[tokio::test]
async fn a_major_upgrade_with_blue_green_update_keeps_the_cluster_and_deletes_the_old_one() {
    let moto = testkit::moto::shared();
    let endpoint = moto.endpoint();
    let p = provider(&[("rds", &endpoint)]);
    let rds = rds(&endpoint).await;
    let s = stack(&p, true).await;
    let before = s.cluster.clone();
    let blue_resource = resource_id(&rds, ID).await;

    let config = cluster(TO, "orders16", true);
    let planned = plan(&p, CLUSTER, Some(&before), &config).await.unwrap();
    assert!(planned
        .get_attr("cluster_resource_id")
        .unwrap()
        .is_unknown());
    let after = apply(&p, CLUSTER, Some(&before), &config).await.unwrap();
    assert_eq!(text(&after, "engine_version"), TO);
    assert_eq!(text(&after, "engine_version_actual"), TO);
    assert_eq!(text(&after, "db_cluster_parameter_group_name"), "orders16");
    for same in ["id", "arn", "endpoint", "reader_endpoint"] {
        assert_eq!(text(&after, same), text(&before, same), "{same}");
    }
    // The cluster serving now is the green copy.
    assert_ne!(text(&after, "cluster_resource_id"), blue_resource);
    assert_eq!(
        text(&after, "cluster_resource_id"),
        resource_id(&rds, ID).await
    );
    assert_upgraded(&rds).await;

    let cluster = nothing_to_change(&p, CLUSTER, &after, &config).await;
    // The instance kept its name and runs the new version.
    let inst = nothing_to_change(&p, INSTANCE, &s.instance, &instance()).await;
    assert_eq!(text(&inst, "engine_version_actual"), TO);
    assert_eq!(text(&inst, "cluster_identifier"), ID);

    destroy_all(&p, &rds, s, cluster).await;
}

#[tokio::test]
async fn an_apply_goes_on_with_the_deployment_an_interrupted_one_created() {
    let moto = testkit::moto::shared();
    let endpoint = moto.endpoint();
    let p = provider(&[("rds", &endpoint)]);
    let rds = rds(&endpoint).await;
    let s = stack(&p, true).await;

    // An apply that stopped once the deployment was created (under another name, as by
    // hand: it is found as the deployment of the cluster).
    let made = rds
        .create_blue_green_deployment()
        .blue_green_deployment_name("made-before")
        .source(text(&s.cluster, "arn"))
        .target_engine_version(TO)
        .target_db_cluster_parameter_group_name("orders16")
        .send()
        .await
        .unwrap()
        .blue_green_deployment
        .unwrap();
    let green = made
        .target()
        .unwrap()
        .rsplit(':')
        .next()
        .unwrap()
        .to_string();
    let green_resource = resource_id(&rds, &green).await;
    assert_eq!(deployments(&rds).await, vec!["made-before".to_string()]);

    let config = cluster(TO, "orders16", true);
    let after = apply(&p, CLUSTER, Some(&s.cluster), &config).await.unwrap();
    assert_eq!(text(&after, "engine_version"), TO);
    assert_eq!(text(&after, "endpoint"), text(&s.cluster, "endpoint"));
    // The cluster serving is the green one of that deployment, and no other green cluster
    // was ever made: each deployment makes one, and only one cluster is left.
    assert_eq!(text(&after, "cluster_resource_id"), green_resource);
    assert_upgraded(&rds).await;
    let cluster = nothing_to_change(&p, CLUSTER, &after, &config).await;
    destroy_all(&p, &rds, s, cluster).await;
}

#[tokio::test]
async fn an_apply_after_an_interrupted_switchover_only_cleans_up() {
    let moto = testkit::moto::shared();
    let endpoint = moto.endpoint();
    let p = provider(&[("rds", &endpoint)]);
    let rds = rds(&endpoint).await;
    let s = stack(&p, true).await;

    // An apply that stopped right after the switchover: its deployment (under galley's
    // name) is SWITCHOVER_COMPLETED and the old cluster is still there, while state still
    // says the old version.
    let made = rds
        .create_blue_green_deployment()
        .blue_green_deployment_name("galley-orders-16-6")
        .source(text(&s.cluster, "arn"))
        .target_engine_version(TO)
        .target_db_cluster_parameter_group_name("orders16")
        .send()
        .await
        .unwrap()
        .blue_green_deployment
        .unwrap();
    rds.switchover_blue_green_deployment()
        .blue_green_deployment_identifier(made.blue_green_deployment_identifier().unwrap())
        .send()
        .await
        .unwrap();
    let served = resource_id(&rds, ID).await;
    assert_eq!(
        clusters(&rds).await,
        vec![
            (ID.to_string(), TO.to_string(), vec!["orders-1".to_string()]),
            (
                "orders-old1".to_string(),
                FROM.to_string(),
                vec!["orders-1-old1".to_string()]
            ),
        ]
    );

    let config = cluster(TO, "orders16", true);
    let after = apply(&p, CLUSTER, Some(&s.cluster), &config).await.unwrap();
    assert_eq!(text(&after, "engine_version"), TO);
    assert_eq!(text(&after, "cluster_resource_id"), served);
    assert_upgraded(&rds).await;
    let cluster = nothing_to_change(&p, CLUSTER, &after, &config).await;
    destroy_all(&p, &rds, s, cluster).await;
}

#[tokio::test]
async fn without_blue_green_update_the_major_upgrade_stays_in_place() {
    let moto = testkit::moto::shared();
    let endpoint = moto.endpoint();
    let p = provider(&[("rds", &endpoint)]);
    let rds = rds(&endpoint).await;
    let s = stack(&p, false).await;
    let resource = resource_id(&rds, ID).await;

    let config = cluster(TO, "orders16", false);
    let after = apply(&p, CLUSTER, Some(&s.cluster), &config).await.unwrap();
    assert_eq!(text(&after, "engine_version"), TO);
    assert_eq!(text(&after, "db_cluster_parameter_group_name"), "orders16");
    // The same cluster, modified: no deployment, no copy.
    assert_eq!(text(&after, "cluster_resource_id"), resource);
    assert_eq!(resource_id(&rds, ID).await, resource);
    assert_eq!(clusters(&rds).await.len(), 1);
    assert_eq!(deployments(&rds).await, Vec::<String>::new());
    let cluster = nothing_to_change(&p, CLUSTER, &after, &config).await;
    destroy_all(&p, &rds, s, cluster).await;
}
