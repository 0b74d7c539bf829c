//! The `aws` provider serves the shared schemas of `galley-schemas`, not copies of its own.

mod common;
use std::collections::BTreeMap;

use common::*;
use engine::provider::{ProviderConfig, ProviderFactory, Schema};
use engine::value::Value;

/// The data source only the simulator serves.
const SIM_ONLY_DATA: &str = "galley_sim_traffic";

#[test]
fn aws_resources_are_exactly_the_shared_schemas() {
    let sim = sim();
    let served = sim.factory.schema("aws").unwrap();
    let shared: BTreeMap<String, Schema> = schemas::aws::resources()
        .into_iter()
        .map(|(n, s)| (n.to_string(), s))
        .collect();
    assert_eq!(
        served.resources.keys().collect::<Vec<_>>(),
        shared.keys().collect::<Vec<_>>()
    );
    for (name, schema) in &shared {
        assert_eq!(&served.resources[name], schema, "{name}");
    }
}

#[test]
fn aws_data_sources_are_the_shared_schemas_and_the_traffic_source() {
    let sim = sim();
    let mut served = sim.factory.schema("aws").unwrap().data_sources;
    assert!(served.remove(SIM_ONLY_DATA).is_some());
    let shared: BTreeMap<String, Schema> = schemas::aws::data_sources()
        .into_iter()
        .map(|(n, s)| (n.to_string(), s))
        .collect();
    assert_eq!(served, shared);
}

#[test]
fn aws_provider_block_is_the_shared_one() {
    let sim = sim();
    let served = sim.factory.schema("aws").unwrap().provider;
    assert_eq!(served, schemas::aws::provider_block());
    assert!(served.blocks.contains_key("endpoints"));
}

#[tokio::test]
async fn endpoints_and_path_style_are_accepted_and_ignored() {
    let sim = sim();
    let p = sim
        .factory
        .configure(&ProviderConfig {
            name: "aws".to_string(),
            alias: None,
            config: obj(&[
                ("region", s("eu-west-1")),
                ("s3_use_path_style", Value::Bool(true)),
                (
                    "endpoints",
                    Value::List(vec![obj(&[
                        ("ec2", s("http://localhost:4566")),
                        ("s3", s("http://localhost:4566")),
                    ])]),
                ),
            ]),
        })
        .unwrap();
    let v = vpc(&p, "10.0.0.0/16").await;
    assert!(str_of(&v, "id").starts_with("vpc-"));
    // The object is in the region's world, as without endpoints.
    let objects = sim.factory.inventory().unwrap();
    assert_eq!(objects.len(), 1);
    assert_eq!(objects[0].region, "eu-west-1");
}
