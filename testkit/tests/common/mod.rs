//! SDK clients pointed at the fakes, with dummy credentials.

#![allow(dead_code)]

use std::time::Duration;

use aws_config::{BehaviorVersion, Region};
use aws_sdk_eks::config::retry::RetryConfig;
use aws_sdk_eks::config::Credentials;
use testkit::fake::FakeAws;

/// One attempt per call (the fakes never fail by accident), or `attempts` with a tiny backoff.
fn retry(attempts: u32) -> RetryConfig {
    RetryConfig::standard()
        .with_max_attempts(attempts)
        .with_initial_backoff(Duration::from_millis(1))
}

fn credentials() -> Credentials {
    Credentials::new("testing", "testing", None, None, "test")
}

/// An EKS client on the fake in `region`.
pub fn eks_in(fake: &FakeAws, region: &str, attempts: u32) -> aws_sdk_eks::Client {
    let config = aws_sdk_eks::Config::builder()
        .behavior_version(BehaviorVersion::latest())
        .region(Region::new(region.to_string()))
        .credentials_provider(credentials())
        .endpoint_url(fake.endpoint())
        .retry_config(retry(attempts))
        .build();
    aws_sdk_eks::Client::from_conf(config)
}

/// An EKS client on the fake, us-east-1, no retries.
pub fn eks(fake: &FakeAws) -> aws_sdk_eks::Client {
    eks_in(fake, "us-east-1", 1)
}

/// An MSK client on the fake, us-east-1.
pub fn kafka_with(fake: &FakeAws, attempts: u32) -> aws_sdk_kafka::Client {
    let config = aws_sdk_kafka::Config::builder()
        .behavior_version(BehaviorVersion::latest())
        .region(Region::new("us-east-1"))
        .credentials_provider(credentials())
        .endpoint_url(fake.endpoint())
        .retry_config(retry(attempts))
        .build();
    aws_sdk_kafka::Client::from_conf(config)
}

/// An MSK client on the fake, no retries.
pub fn kafka(fake: &FakeAws) -> aws_sdk_kafka::Client {
    kafka_with(fake, 1)
}
