//! The data services on the real AWS provider against moto: an ElastiCache replication
//! group, an S3 bucket and a DynamoDB table created, read back with nothing to change,
//! updated, and destroyed; what AWS (or moto) would wrongly accept is refused. What the
//! provider did is checked through the SDK, not only through its own answers.

mod common;

use common::{
    apply, assert_same, destroy, nothing_to_change, number, plan, provider, sdk, text, v,
};
use engine::provider::ProviderError;
use engine::value::Value;
use serde_json::json;

const GROUP: &str = "aws_elasticache_replication_group";
const BUCKET: &str = "aws_s3_bucket";
const TABLE: &str = "aws_dynamodb_table";

// ---------------------------------------------------------------- ElastiCache

fn group_config(id: &str, node_type: &str, version: &str, tags: serde_json::Value) -> Value {
    v(json!({
        "replication_group_id": id,
        "description": "sessions",
        "engine": "redis",
        "engine_version": version,
        "node_type": node_type,
        "num_cache_clusters": 1,
        "apply_immediately": true,
        "tags": tags,
        // moto keeps a deleted group `deleting` for ever; real AWS removes it in minutes.
        "timeouts": {"delete": "1s"},
    }))
}

/// `(status, node type)` of every replication group moto holds.
async fn groups(endpoint: &str) -> Vec<(String, String, String)> {
    let ec = aws_sdk_elasticache::Client::new(&sdk(endpoint).await);
    let out = ec.describe_replication_groups().send().await.unwrap();
    out.replication_groups()
        .iter()
        .map(|g| {
            (
                g.replication_group_id().unwrap_or_default().to_string(),
                g.status().unwrap_or_default().to_string(),
                g.cache_node_type().unwrap_or_default().to_string(),
            )
        })
        .collect()
}

#[tokio::test]
async fn a_replication_group_is_resized_and_an_upgrade_aws_did_not_carry_out_fails_the_apply() {
    let moto = testkit::moto::shared();
    let endpoint = moto.endpoint();
    let p = provider(&[("elasticache", &endpoint)]);
    let id = "galley-sessions-upgrade";

    let config = group_config(id, "cache.t4g.micro", "7.0", json!({"team": "payments"}));
    let state = apply(&p, GROUP, None, &config).await.unwrap();
    assert_eq!(text(&state, "id"), id);
    assert_eq!(text(&state, "engine"), "redis");
    assert_eq!(text(&state, "engine_version"), "7.0");
    assert!(text(&state, "arn").ends_with(&format!(":replicationgroup:{id}")));
    assert!(text(&state, "primary_endpoint_address").starts_with(&format!("master.{id}.")));
    assert_eq!(number(&state, "num_cache_clusters"), 1.0);
    assert_eq!(number(&state, "port"), 6379.0);
    let fresh = nothing_to_change(&p, GROUP, &state, &config).await;
    assert_same(&fresh, &state, "the group read back");

    // A new node type and tags: ModifyReplicationGroup, AddTags/RemoveTags.
    let config = group_config(id, "cache.t4g.small", "7.0", json!({"env": "test"}));
    let state = apply(&p, GROUP, Some(&fresh), &config).await.unwrap();
    assert_eq!(text(&state, "node_type"), "cache.t4g.small");
    assert_eq!(
        groups(&endpoint).await,
        vec![(
            id.to_string(),
            "available".to_string(),
            "cache.t4g.small".to_string()
        )]
    );
    let fresh = nothing_to_change(&p, GROUP, &state, &config).await;
    assert_eq!(
        fresh
            .get_attr("tags")
            .and_then(Value::as_map)
            .map(|m| m.len()),
        Some(1),
        "{fresh:?}"
    );

    // moto answers ModifyReplicationGroup with success and leaves the engine version as it
    // was: the apply fails and says so, instead of writing 7.1 into state.
    let upgrade = group_config(id, "cache.t4g.small", "7.1", json!({"env": "test"}));
    let e = apply(&p, GROUP, Some(&fresh), &upgrade).await.unwrap_err();
    let message = e.to_string();
    assert!(message.contains("ModifyReplicationGroup"), "{message}");
    assert!(
        message.contains("engine_version 7.1 was asked"),
        "{message}"
    );
    assert!(message.contains("the group runs"), "{message}");
    assert!(message.contains("it ran 7.0 before"), "{message}");
    let after = p.read(GROUP, &fresh).await.unwrap().expect("still there");
    assert_eq!(text(&after, "engine_version"), "7.0");

    // Going down is refused when planning, before anything is called.
    let down = group_config(id, "cache.t4g.small", "6.2", json!({"env": "test"}));
    let e = plan(&p, GROUP, Some(&fresh), &down).await.unwrap_err();
    assert!(e.to_string().contains("from redis 7.0 to redis 6.2"), "{e}");

    // The group is deleted and waited on; moto never finishes deleting, so the wait ends
    // at the configured timeout, while the group reads as gone.
    let e = destroy(&p, GROUP, &fresh).await.unwrap_err();
    assert!(
        matches!(&e, ProviderError::Timeout(m) if m.contains("still deleting")),
        "{e}"
    );
    assert_eq!(
        groups(&endpoint).await,
        vec![(
            id.to_string(),
            "deleting".to_string(),
            "cache.t4g.small".to_string()
        )]
    );
    assert_eq!(p.read(GROUP, &fresh).await.unwrap(), None);
}

#[tokio::test]
async fn an_engine_version_elasticache_does_not_run_is_refused_at_plan_time() {
    let moto = testkit::moto::shared();
    let endpoint = moto.endpoint();
    let p = provider(&[("elasticache", &endpoint)]);
    // Redis OSS stopped at 7.1; 7.2 is Valkey's.
    let config = group_config(
        "galley-sessions-unknown",
        "cache.t4g.micro",
        "7.2",
        json!({}),
    );
    let e = plan(&p, GROUP, None, &config).await.unwrap_err();
    assert!(
        e.to_string().contains("7.2 is not a version of redis"),
        "{e}"
    );
    let valkey = v(json!({
        "replication_group_id": "galley-sessions-unknown",
        "description": "sessions",
        "engine": "valkey",
        "engine_version": "7.2",
        "node_type": "cache.t4g.micro",
    }));
    plan(&p, GROUP, None, &valkey).await.unwrap();
    assert_eq!(groups(&endpoint).await, vec![], "nothing was created");
}

// ---------------------------------------------------------------- S3

fn bucket_config(name: &str, tags: serde_json::Value, force_destroy: bool) -> Value {
    v(json!({"bucket": name, "tags": tags, "force_destroy": force_destroy}))
}

async fn s3_client(endpoint: &str) -> aws_sdk_s3::Client {
    let conf = aws_sdk_s3::config::Builder::from(&sdk(endpoint).await)
        .force_path_style(true)
        .build();
    aws_sdk_s3::Client::from_conf(conf)
}

async fn bucket_tags(s3: &aws_sdk_s3::Client, name: &str) -> Vec<(String, String)> {
    match s3.get_bucket_tagging().bucket(name).send().await {
        Ok(out) => {
            let mut t: Vec<_> = out
                .tag_set()
                .iter()
                .map(|t| (t.key().to_string(), t.value().to_string()))
                .collect();
            t.sort();
            t
        }
        Err(e) => {
            let code = aws_sdk_s3::error::ProvideErrorMetadata::code(&e).map(str::to_string);
            assert_eq!(code.as_deref(), Some("NoSuchTagSet"), "{e:?}");
            Vec::new()
        }
    }
}

async fn bucket_names(s3: &aws_sdk_s3::Client) -> Vec<String> {
    let out = s3.list_buckets().send().await.unwrap();
    out.buckets()
        .iter()
        .filter_map(|b| b.name().map(str::to_string))
        .collect()
}

#[tokio::test]
async fn a_bucket_is_tagged_refuses_to_go_while_full_and_goes_with_force_destroy() {
    let moto = testkit::moto::shared();
    let endpoint = moto.endpoint();
    let p = provider(&[("s3", &endpoint)]);
    let s3 = s3_client(&endpoint).await;
    let name = "galley-data-services-logs";

    let config = bucket_config(name, json!({"env": "test", "team": "data"}), false);
    let state = apply(&p, BUCKET, None, &config).await.unwrap();
    assert_eq!(text(&state, "id"), name);
    assert_eq!(text(&state, "arn"), format!("arn:aws:s3:::{name}"));
    assert_eq!(text(&state, "region"), "us-east-1");
    assert_eq!(
        text(&state, "bucket_regional_domain_name"),
        format!("{name}.s3.us-east-1.amazonaws.com")
    );
    assert_eq!(text(&state, "hosted_zone_id"), "Z3AQBSTGFYJSTF");
    let fresh = nothing_to_change(&p, BUCKET, &state, &config).await;
    assert_same(&fresh, &state, "the bucket read back");
    assert_eq!(
        bucket_tags(&s3, name).await,
        vec![
            ("env".to_string(), "test".to_string()),
            ("team".to_string(), "data".to_string())
        ]
    );

    // PutBucketTagging replaces the set; no tags at all is DeleteBucketTagging.
    let config = bucket_config(name, json!({"env": "prod"}), false);
    let state = apply(&p, BUCKET, Some(&fresh), &config).await.unwrap();
    assert_eq!(
        bucket_tags(&s3, name).await,
        vec![("env".to_string(), "prod".to_string())]
    );
    let fresh = nothing_to_change(&p, BUCKET, &state, &config).await;
    let config = bucket_config(name, json!(null), false);
    let state = apply(&p, BUCKET, Some(&fresh), &config).await.unwrap();
    assert_eq!(bucket_tags(&s3, name).await, vec![]);
    let fresh = nothing_to_change(&p, BUCKET, &state, &config).await;
    assert_eq!(fresh.get_attr("tags"), Some(&Value::Null));

    // Versions and a delete marker: what force_destroy must remove besides the objects.
    s3.put_bucket_versioning()
        .bucket(name)
        .versioning_configuration(
            aws_sdk_s3::types::VersioningConfiguration::builder()
                .status(aws_sdk_s3::types::BucketVersioningStatus::Enabled)
                .build(),
        )
        .send()
        .await
        .unwrap();
    for body in ["one", "two"] {
        s3.put_object()
            .bucket(name)
            .key("app.log")
            .body(body.as_bytes().to_vec().into())
            .send()
            .await
            .unwrap();
    }
    s3.put_object()
        .bucket(name)
        .key("old.log")
        .body(b"old".to_vec().into())
        .send()
        .await
        .unwrap();
    s3.delete_object()
        .bucket(name)
        .key("old.log")
        .send()
        .await
        .unwrap();

    let e = destroy(&p, BUCKET, &fresh).await.unwrap_err();
    let message = e.to_string();
    assert!(message.contains("still holds objects"), "{message}");
    assert!(message.contains("force_destroy = true"), "{message}");
    assert!(bucket_names(&s3).await.contains(&name.to_string()));

    let config = bucket_config(name, json!(null), true);
    let state = apply(&p, BUCKET, Some(&fresh), &config).await.unwrap();
    assert_eq!(state.get_attr("force_destroy"), Some(&Value::Bool(true)));
    destroy(&p, BUCKET, &state).await.unwrap();
    assert!(!bucket_names(&s3).await.contains(&name.to_string()));
    assert_eq!(p.read(BUCKET, &state).await.unwrap(), None);
}

#[tokio::test]
async fn a_bucket_without_a_name_gets_one_and_goes_empty() {
    let moto = testkit::moto::shared();
    let endpoint = moto.endpoint();
    let p = provider(&[("s3", &endpoint)]);
    let config = v(json!({}));
    let state = apply(&p, BUCKET, None, &config).await.unwrap();
    let name = text(&state, "bucket").to_string();
    assert!(name.starts_with("galley-"), "{name}");
    assert_eq!(text(&state, "id"), name);
    assert_eq!(state.get_attr("force_destroy"), Some(&Value::Bool(false)));
    nothing_to_change(&p, BUCKET, &state, &config).await;
    destroy(&p, BUCKET, &state).await.unwrap();
    assert_eq!(
        bucket_names(&s3_client(&endpoint).await).await,
        Vec::<String>::new()
    );
}

// ---------------------------------------------------------------- DynamoDB

fn table_config(name: &str, billing: serde_json::Value) -> Value {
    let mut j = json!({
        "name": name,
        "hash_key": "pk",
        "range_key": "created",
        "attribute": [{"name": "pk", "type": "S"}, {"name": "created", "type": "N"}],
        "tags": {"team": "orders"},
    });
    if let (Some(m), Some(b)) = (j.as_object_mut(), billing.as_object()) {
        for (k, val) in b {
            m.insert(k.clone(), val.clone());
        }
    }
    v(j)
}

async fn described(endpoint: &str, name: &str) -> (String, i64, bool) {
    let db = aws_sdk_dynamodb::Client::new(&sdk(endpoint).await);
    let out = db.describe_table().table_name(name).send().await.unwrap();
    let t = out.table().expect("a table description");
    (
        t.billing_mode_summary()
            .and_then(|b| b.billing_mode())
            .map_or("PROVISIONED", |m| m.as_str())
            .to_string(),
        t.provisioned_throughput()
            .and_then(|p| p.read_capacity_units())
            .unwrap_or_default(),
        t.stream_specification().is_some_and(|s| s.stream_enabled()),
    )
}

#[tokio::test]
async fn a_table_changes_capacity_billing_and_stream_and_is_deleted() {
    let moto = testkit::moto::shared();
    let endpoint = moto.endpoint();
    let p = provider(&[("dynamodb", &endpoint)]);
    let name = "galley-data-services-orders";

    let provisioned = |read: u32| {
        table_config(
            name,
            json!({"billing_mode": "PROVISIONED", "read_capacity": read, "write_capacity": 5}),
        )
    };
    let config = provisioned(5);
    let state = apply(&p, TABLE, None, &config).await.unwrap();
    assert_eq!(text(&state, "id"), name);
    assert!(text(&state, "arn").ends_with(&format!(":table/{name}")));
    assert_eq!(text(&state, "stream_arn"), "");
    let fresh = nothing_to_change(&p, TABLE, &state, &config).await;
    assert_same(&fresh, &state, "the table read back");

    let config = provisioned(10);
    let state = apply(&p, TABLE, Some(&fresh), &config).await.unwrap();
    assert_eq!(
        described(&endpoint, name).await,
        ("PROVISIONED".to_string(), 10, false)
    );
    let fresh = nothing_to_change(&p, TABLE, &state, &config).await;

    // On demand, with a stream of new images.
    let config = table_config(
        name,
        json!({"billing_mode": "PAY_PER_REQUEST", "stream_enabled": true, "stream_view_type": "NEW_IMAGE"}),
    );
    let state = apply(&p, TABLE, Some(&fresh), &config).await.unwrap();
    assert_eq!(text(&state, "billing_mode"), "PAY_PER_REQUEST");
    let (billing, _, stream) = described(&endpoint, name).await;
    assert_eq!((billing.as_str(), stream), ("PAY_PER_REQUEST", true));
    let fresh = nothing_to_change(&p, TABLE, &state, &config).await;
    assert_eq!(
        number(&fresh, "read_capacity"),
        0.0,
        "on demand has no capacity"
    );
    assert!(text(&fresh, "stream_arn").contains(&format!(":table/{name}/stream/")));

    // Capacity under on-demand billing is refused when planning.
    let wrong = table_config(
        name,
        json!({"billing_mode": "PAY_PER_REQUEST", "read_capacity": 3, "stream_enabled": true, "stream_view_type": "NEW_IMAGE"}),
    );
    let e = plan(&p, TABLE, Some(&fresh), &wrong).await.unwrap_err();
    assert!(e.to_string().contains("PAY_PER_REQUEST"), "{e}");

    destroy(&p, TABLE, &fresh).await.unwrap();
    let db = aws_sdk_dynamodb::Client::new(&sdk(&endpoint).await);
    let tables = db.list_tables().send().await.unwrap();
    assert!(
        tables.table_names().is_empty(),
        "{:?}",
        tables.table_names()
    );
    assert_eq!(p.read(TABLE, &fresh).await.unwrap(), None);
}
