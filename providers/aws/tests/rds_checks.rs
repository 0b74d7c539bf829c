//! Aurora versions and families are judged by the provider from the catalog at plan time:
//! RDS refuses them, emulators accept anything, so the plan must not depend on either.
//! The endpoint is a closed port: any call would fail differently.

mod common;

use common::{plan, provider, v};
use serde_json::json;

fn cluster(version: &str, allow: bool) -> engine::value::Value {
    v(json!({
        "cluster_identifier": "orders",
        "engine": "aurora-postgresql",
        "engine_version": version,
        "allow_major_version_upgrade": allow,
        "skip_final_snapshot": true,
    }))
}

#[tokio::test]
async fn aurora_versions_and_families_outside_the_catalog_fail_the_plan() {
    let p = provider(&[("rds", "http://127.0.0.1:9")]);
    let e = plan(&p, "aws_rds_cluster", None, &cluster("15.99", false))
        .await
        .unwrap_err();
    assert!(e.to_string().contains("cannot find version 15.99"), "{e}");

    let prior = cluster("15.10", false);
    let e = plan(&p, "aws_rds_cluster", Some(&prior), &cluster("16.6", false))
        .await
        .unwrap_err();
    assert!(e.to_string().contains("allow_major_version_upgrade"), "{e}");
    plan(&p, "aws_rds_cluster", Some(&prior), &cluster("16.6", true))
        .await
        .unwrap();
    let e = plan(
        &p,
        "aws_rds_cluster",
        Some(&cluster("15.12", false)),
        &prior,
    )
    .await
    .unwrap_err();
    assert!(e.to_string().contains("downgrade"), "{e}");

    let group = |family: &str| v(json!({ "name": "orders", "family": family }));
    plan(
        &p,
        "aws_rds_cluster_parameter_group",
        None,
        &group("aurora-postgresql16"),
    )
    .await
    .unwrap();
    let e = plan(
        &p,
        "aws_rds_cluster_parameter_group",
        None,
        &group("postgres16"),
    )
    .await
    .unwrap_err();
    assert!(
        e.to_string()
            .contains("not a valid Aurora parameter group family"),
        "{e}"
    );
}
