//! The shared moto server, driven by the real S3 client.

use aws_config::{BehaviorVersion, Region};
use aws_sdk_s3::config::retry::RetryConfig;
use aws_sdk_s3::config::Credentials;
use aws_sdk_s3::primitives::ByteStream;
use aws_sdk_s3::Client;

fn s3(endpoint: &str) -> Client {
    let config = aws_sdk_s3::Config::builder()
        .behavior_version(BehaviorVersion::latest())
        .region(Region::new("us-east-1"))
        .credentials_provider(Credentials::new("testing", "testing", None, None, "test"))
        .endpoint_url(endpoint)
        // 127.0.0.1 has no subdomains for virtual-hosted buckets.
        .force_path_style(true)
        .retry_config(RetryConfig::standard().with_max_attempts(1))
        .build();
    Client::from_conf(config)
}

async fn put_if_absent(client: &Client, key: &str, body: &str) -> Result<(), u16> {
    client
        .put_object()
        .bucket("state")
        .key(key)
        .if_none_match("*")
        .body(ByteStream::from(body.as_bytes().to_vec()))
        .send()
        .await
        .map(|_| ())
        .map_err(|e| e.raw_response().map(|r| r.status().as_u16()).unwrap_or(0))
}

#[tokio::test]
async fn conditional_put_refuses_an_existing_key_with_412() {
    let moto = testkit::moto::shared();
    let client = s3(&moto.endpoint());
    client.create_bucket().bucket("state").send().await.unwrap();

    assert_eq!(put_if_absent(&client, "lock", "first").await, Ok(()));
    assert_eq!(put_if_absent(&client, "lock", "second").await, Err(412));

    let body = client
        .get_object()
        .bucket("state")
        .key("lock")
        .send()
        .await
        .unwrap()
        .body
        .collect()
        .await
        .unwrap()
        .into_bytes();
    assert_eq!(&body[..], b"first");
}

#[tokio::test]
async fn reset_forgets_every_bucket() {
    let moto = testkit::moto::shared();
    let client = s3(&moto.endpoint());
    client.create_bucket().bucket("gone").send().await.unwrap();
    assert_eq!(
        client.list_buckets().send().await.unwrap().buckets().len(),
        1
    );

    moto.reset();

    assert!(client
        .list_buckets()
        .send()
        .await
        .unwrap()
        .buckets()
        .is_empty());
}

#[tokio::test]
async fn each_guard_starts_from_an_empty_moto() {
    // Whatever another test left behind, taking the guard resets moto.
    let client = {
        let moto = testkit::moto::shared();
        let client = s3(&moto.endpoint());
        client.create_bucket().bucket("left").send().await.unwrap();
        client
    };
    let _moto = testkit::moto::shared();
    assert!(client
        .list_buckets()
        .send()
        .await
        .unwrap()
        .buckets()
        .is_empty());
}

#[test]
fn env_points_a_child_process_at_moto_with_dummy_credentials() {
    let moto = testkit::moto::shared();
    let env: std::collections::HashMap<_, _> = moto.env().into_iter().collect();
    assert_eq!(env["AWS_ENDPOINT_URL"], moto.endpoint());
    assert!(moto.endpoint().starts_with("http://127.0.0.1:"));
    assert_eq!(env["AWS_ACCESS_KEY_ID"], "testing");
    assert_eq!(env["AWS_REGION"], "us-east-1");
    assert_eq!(env["AWS_MAX_ATTEMPTS"], "1");
    assert!(!std::path::Path::new(&env["AWS_CONFIG_FILE"]).exists());
    assert!(!std::path::Path::new(&env["AWS_SHARED_CREDENTIALS_FILE"]).exists());
}
