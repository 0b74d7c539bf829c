//! The real AWS provider against the moto emulator (installed from PyPI and started on
//! 127.0.0.1 by `testkit`): apply, a refresh that finds nothing to change, a traffic
//! shift on weighted records, destroy with nothing left, checked through the SDK.

mod common;

use std::path::Path;
use std::process::Output;

use common::{galley, text};

fn run_aws(dir: &Path, env: &[(String, String)], args: &[&str]) -> Output {
    let mut c = galley(dir);
    c.args(args);
    for (k, v) in env {
        c.env(k, v);
    }
    c.env(aws::POLL_INTERVAL_VAR, "10ms");
    c.output().expect("galley runs")
}

fn sdk_config(endpoint: &str) -> aws_config::SdkConfig {
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(
        aws_config::defaults(aws_config::BehaviorVersion::latest())
            .region(aws_config::Region::new("us-east-1"))
            .endpoint_url(endpoint)
            .credentials_provider(aws_credential_types::Credentials::new(
                "testing", "testing", None, None, "test",
            ))
            .load(),
    )
}

/// `(vpcs with the stack's CIDR, hosted zones, weights of api.accounts.example.com by set id)`.
fn cloud(endpoint: &str) -> (usize, usize, Vec<(String, i64)>) {
    let conf = sdk_config(endpoint);
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        let ec2 = aws_sdk_ec2::Client::new(&conf);
        let r53 = aws_sdk_route53::Client::new(&conf);
        let vpcs = ec2.describe_vpcs().send().await.unwrap();
        let ours = vpcs
            .vpcs()
            .iter()
            .filter(|v| v.cidr_block() == Some("10.0.0.0/16"))
            .count();
        let zones = r53.list_hosted_zones().send().await.unwrap();
        let mut weights = Vec::new();
        for z in zones.hosted_zones() {
            let sets = r53
                .list_resource_record_sets()
                .hosted_zone_id(z.id())
                .send()
                .await
                .unwrap();
            for r in sets.resource_record_sets() {
                if let (Some(id), Some(w)) = (r.set_identifier(), r.weight()) {
                    weights.push((id.to_string(), w));
                }
            }
        }
        weights.sort();
        (ours, zones.hosted_zones().len(), weights)
    })
}

#[test]
fn a_network_with_weighted_dns_applies_shifts_and_destroys_on_the_emulator() {
    let moto = testkit::moto::shared();
    let env = moto.env();
    let dir = tempfile::tempdir().unwrap();
    let fixture = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/aws_network/main.tf");
    std::fs::copy(fixture, dir.path().join("main.tf")).unwrap();

    let out = run_aws(dir.path(), &env, &["apply", "-auto-approve"]);
    assert!(out.status.success(), "{}", text(&out));
    assert!(text(&out).contains("6 added"), "{}", text(&out));
    assert_eq!(
        cloud(&moto.endpoint()),
        (
            1,
            1,
            vec![("blue".to_string(), 100), ("green".to_string(), 0)]
        )
    );

    // What AWS reports matches what was applied: nothing to change.
    let out = run_aws(dir.path(), &env, &["plan", "-detailed-exitcode"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));

    // A traffic step changes both weights in place.
    let out = run_aws(
        dir.path(),
        &env,
        &["apply", "-auto-approve", "-var", "blue_weight=40"],
    );
    assert!(out.status.success(), "{}", text(&out));
    assert!(text(&out).contains("2 changed"), "{}", text(&out));
    assert_eq!(
        cloud(&moto.endpoint()).2,
        vec![("blue".to_string(), 40), ("green".to_string(), 60)]
    );

    let out = run_aws(
        dir.path(),
        &env,
        &["destroy", "-auto-approve", "-var", "blue_weight=40"],
    );
    assert!(out.status.success(), "{}", text(&out));
    assert_eq!(cloud(&moto.endpoint()), (0, 0, vec![]));
}

/// `(engine version, parameter group)` of each cluster, and the class of each instance.
fn aurora(endpoint: &str) -> (Vec<(String, String)>, Vec<String>) {
    let rds = aws_sdk_rds::Client::new(&sdk_config(endpoint));
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        let clusters = rds.describe_db_clusters().send().await.unwrap();
        let instances = rds.describe_db_instances().send().await.unwrap();
        (
            clusters
                .db_clusters()
                .iter()
                .map(|c| {
                    (
                        c.engine_version().unwrap_or_default().to_string(),
                        c.db_cluster_parameter_group()
                            .unwrap_or_default()
                            .to_string(),
                    )
                })
                .collect(),
            instances
                .db_instances()
                .iter()
                .filter(|i| i.db_instance_status() != Some("deleting"))
                .map(|i| i.db_instance_class().unwrap_or_default().to_string())
                .collect(),
        )
    })
}

#[test]
fn an_aurora_cluster_applies_upgrades_in_place_and_destroys_on_the_emulator() {
    let moto = testkit::moto::shared();
    let env = moto.env();
    let dir = tempfile::tempdir().unwrap();
    let fixture = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/aws_aurora/main.tf");
    std::fs::copy(fixture, dir.path().join("main.tf")).unwrap();

    let out = run_aws(dir.path(), &env, &["apply", "-auto-approve"]);
    assert!(out.status.success(), "{}", text(&out));
    assert!(text(&out).contains("3 added"), "{}", text(&out));
    assert_eq!(
        aurora(&moto.endpoint()),
        (
            vec![("15.10".to_string(), "accounts-pg15".to_string())],
            vec!["db.r6g.large".to_string()]
        )
    );
    let out = run_aws(dir.path(), &env, &["plan", "-detailed-exitcode"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));

    // A minor engine upgrade and a bigger writer, in place.
    let out = run_aws(
        dir.path(),
        &env,
        &[
            "apply",
            "-auto-approve",
            "-var",
            "engine_version=15.12",
            "-var",
            "instance_class=db.r6g.xlarge",
        ],
    );
    assert!(out.status.success(), "{}", text(&out));
    assert!(
        text(&out).contains("0 added, 2 changed, 0 destroyed"),
        "{}",
        text(&out)
    );
    assert_eq!(
        aurora(&moto.endpoint()),
        (
            vec![("15.12".to_string(), "accounts-pg15".to_string())],
            vec!["db.r6g.xlarge".to_string()]
        )
    );

    let out = run_aws(
        dir.path(),
        &env,
        &[
            "destroy",
            "-auto-approve",
            "-var",
            "engine_version=15.12",
            "-var",
            "instance_class=db.r6g.xlarge",
        ],
    );
    assert!(out.status.success(), "{}", text(&out));
    assert_eq!(aurora(&moto.endpoint()), (vec![], vec![]));
}

/// `(name, version)` pairs.
type Versions = Vec<(String, String)>;

fn versions(name: &str, version: &str) -> Versions {
    vec![(name.to_string(), version.to_string())]
}

/// What is left in the clouds of the stack test: `(EKS clusters, Aurora clusters and MSK
/// clusters, each with its version; VPCs of the stack, hosted zones)`.
fn stack_cloud(moto: &str, fake: &str) -> ([Versions; 3], usize, usize) {
    let moto_conf = sdk_config(moto);
    let fake_conf = sdk_config(fake);
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        let eks = aws_sdk_eks::Client::new(&fake_conf);
        let mut clusters = Vec::new();
        for name in eks.list_clusters().send().await.unwrap().clusters() {
            let c = eks.describe_cluster().name(name).send().await.unwrap();
            let version = c.cluster().and_then(|c| c.version()).unwrap_or_default();
            clusters.push((name.clone(), version.to_string()));
        }
        let rds = aws_sdk_rds::Client::new(&moto_conf);
        let aurora = rds
            .describe_db_clusters()
            .send()
            .await
            .unwrap()
            .db_clusters()
            .iter()
            .filter(|c| c.status() != Some("deleting"))
            .map(|c| {
                (
                    c.db_cluster_identifier().unwrap_or_default().to_string(),
                    c.engine_version().unwrap_or_default().to_string(),
                )
            })
            .collect();
        let ec2 = aws_sdk_ec2::Client::new(&moto_conf);
        let vpcs = ec2.describe_vpcs().send().await.unwrap();
        let ours = vpcs
            .vpcs()
            .iter()
            .filter(|v| v.cidr_block() == Some("10.40.0.0/16"))
            .count();
        let r53 = aws_sdk_route53::Client::new(&moto_conf);
        let zones = r53.list_hosted_zones().send().await.unwrap();
        let kafka = aws_sdk_kafka::Client::new(&fake_conf);
        let msk = kafka
            .list_clusters_v2()
            .send()
            .await
            .unwrap()
            .cluster_info_list()
            .iter()
            .map(|c| {
                let version = c
                    .provisioned()
                    .and_then(|p| p.current_broker_software_info());
                (
                    c.cluster_name().unwrap_or_default().to_string(),
                    version
                        .and_then(|v| v.kafka_version())
                        .unwrap_or_default()
                        .to_string(),
                )
            })
            .collect();
        ([clusters, aurora, msk], ours, zones.hosted_zones().len())
    })
}

/// The issue's end-to-end case: a VPC, subnets, an EKS cluster with a node group and
/// add-ons, an Aurora cluster, an MSK cluster and weighted DNS applied through the real
/// provider (moto and the EKS/MSK fake), then a version bump planned and applied
/// (Kubernetes one minor, add-ons, an Aurora minor, a Kafka version, a traffic step), then
/// destroyed with nothing left, checked through the SDK.
#[test]
fn a_regional_stack_applies_upgrades_and_destroys_on_the_emulators() {
    let moto = testkit::moto::shared();
    let fake = testkit::fake::FakeAws::start();
    let mut env = moto.env();
    env.push(("AWS_ENDPOINT_URL_EKS".to_string(), fake.endpoint()));
    env.push(("AWS_ENDPOINT_URL_KAFKA".to_string(), fake.endpoint()));
    let dir = tempfile::tempdir().unwrap();
    let fixture = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/aws_stack/main.tf");
    std::fs::copy(fixture, dir.path().join("main.tf")).unwrap();
    std::fs::write(
        dir.path().join("bump.tfvars"),
        r#"kubernetes_version = "1.35"
addon_versions = {
  "kube-proxy" = "v1.35.3-eksbuild.13"
  "coredns"    = "v1.14.3-eksbuild.3"
}
aurora_version = "15.12"
kafka_version  = "3.8.x"
blue_weight    = 50
"#,
    )
    .unwrap();

    let out = run_aws(dir.path(), &env, &["apply", "-auto-approve"]);
    assert!(out.status.success(), "{}", text(&out));
    assert!(text(&out).contains("14 added"), "{}", text(&out));
    assert_eq!(
        stack_cloud(&moto.endpoint(), &fake.endpoint()),
        (
            [
                versions("accounts", "1.34"),
                versions("accounts-stack", "15.10"),
                versions("accounts-events", "3.7.x"),
            ],
            1,
            1
        )
    );
    let out = run_aws(dir.path(), &env, &["plan", "-detailed-exitcode"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));

    // The bump: planned as an upgrade, applied in EKS's order.
    let bump = ["-var-file", "bump.tfvars"];
    let out = run_aws(dir.path(), &env, &[&["plan"][..], &bump].concat());
    assert!(out.status.success(), "{}", text(&out));
    let out = run_aws(
        dir.path(),
        &env,
        &[&["apply", "-auto-approve"][..], &bump].concat(),
    );
    assert!(out.status.success(), "{}", text(&out));
    assert_eq!(
        stack_cloud(&moto.endpoint(), &fake.endpoint()),
        (
            [
                versions("accounts", "1.35"),
                versions("accounts-stack", "15.12"),
                versions("accounts-events", "3.8.x"),
            ],
            1,
            1
        )
    );
    let requests = fake.requests();
    let position = |r: &str| {
        requests
            .iter()
            .position(|q| q == r)
            .unwrap_or_else(|| panic!("no {r} in {requests:#?}"))
    };
    let control_plane = position("POST /clusters/accounts/updates");
    let nodes = position("POST /clusters/accounts/node-groups/workers/update-version");
    let addon = position("POST /clusters/accounts/addons/coredns/update");
    // The control plane first; add-ons and nodes follow it.
    assert!(
        control_plane < nodes && control_plane < addon,
        "{requests:#?}"
    );
    let out = run_aws(
        dir.path(),
        &env,
        &[&["plan", "-detailed-exitcode"][..], &bump].concat(),
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));

    let out = run_aws(
        dir.path(),
        &env,
        &[&["destroy", "-auto-approve"][..], &bump].concat(),
    );
    assert!(out.status.success(), "{}", text(&out));
    assert_eq!(
        stack_cloud(&moto.endpoint(), &fake.endpoint()),
        ([vec![], vec![], vec![]], 0, 0)
    );
}

/// `galley upgrade catalog` asks the services what they offer: the EKS and MSK fake answer
/// from the catalog (nothing differs), moto does not serve DescribeDBEngineVersions (said,
/// not skipped). A fake told a later day deprecates versions the catalog still supports on
/// the day asked: those are differences, and the exit code says so.
#[test]
fn the_catalog_is_cross_checked_against_what_aws_offers() {
    let moto = testkit::moto::shared();
    let fake = testkit::fake::FakeAws::start();
    let mut env = moto.env();
    env.push(("AWS_ENDPOINT_URL_EKS".to_string(), fake.endpoint()));
    env.push(("AWS_ENDPOINT_URL_KAFKA".to_string(), fake.endpoint()));
    let dir = tempfile::tempdir().unwrap();
    let day = testkit::fake::DEFAULT_TODAY.to_string();
    let o = run_aws(dir.path(), &env, &["upgrade", "catalog", "--as-of", &day]);
    let out = text(&o);
    assert_eq!(o.status.code(), Some(0), "{out}");
    assert!(out.contains("checked    eks-addon: kube-proxy"), "{out}");
    assert!(out.contains("checked    msk:"), "{out}");
    assert!(out.contains("unchecked  aurora-postgresql: "), "{out}");
    assert!(out.contains("No differences."), "{out}");
    assert!(fake
        .requests()
        .iter()
        .any(|r| r == "GET /addons/supported-versions"));

    fake.set_today(chrono::NaiveDate::from_ymd_opt(2030, 1, 1).unwrap());
    let o = run_aws(
        dir.path(),
        &env,
        &["upgrade", "catalog", "--as-of", &day, "--json"],
    );
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    let report: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let differences = report["differences"].as_array().unwrap();
    assert!(
        differences
            .iter()
            .any(|d| d["service"] == "msk" && d["detail"].as_str().unwrap().contains("DEPRECATED")),
        "{report:#}"
    );
}

/// An existing VPC, made outside galley, adopted with `galley import` through the real
/// provider: state holds it and the next plan shows nothing to change.
#[test]
fn an_existing_vpc_is_adopted_with_galley_import() {
    let moto = testkit::moto::shared();
    let env = moto.env();
    let rt = tokio::runtime::Runtime::new().unwrap();
    let ec2 = aws_sdk_ec2::Client::new(&sdk_config(&moto.endpoint()));
    let vpc = rt
        .block_on(ec2.create_vpc().cidr_block("10.60.0.0/16").send())
        .unwrap();
    let id = vpc.vpc().and_then(|v| v.vpc_id()).unwrap().to_string();
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("main.tf"),
        "provider \"aws\" {\n  region = \"us-east-1\"\n}\n\nresource \"aws_vpc\" \"legacy\" {\n  cidr_block = \"10.60.0.0/16\"\n}\n",
    )
    .unwrap();
    let out = run_aws(dir.path(), &env, &["import", "aws_vpc.legacy", &id]);
    assert!(out.status.success(), "{}", text(&out));
    let out = run_aws(dir.path(), &env, &["state", "list"]);
    assert_eq!(text(&out).trim(), "aws_vpc.legacy");
    let out = run_aws(dir.path(), &env, &["plan", "-detailed-exitcode"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let out = run_aws(dir.path(), &env, &["import", "aws_vpc.legacy", &id]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert!(text(&out).contains("already managed"), "{}", text(&out));
}

/// An Aurora major version through `galley apply` with `blue_green_update`: planned as a
/// blue/green upgrade, carried out as one RDS Blue/Green Deployment (switched over, the old
/// cluster and the deployment deleted), the cluster keeping its identifier; then nothing
/// to change, and destroy leaves nothing.
#[test]
fn an_aurora_major_version_is_applied_as_a_blue_green_deployment() {
    let moto = testkit::moto::shared();
    let env = moto.env();
    let dir = tempfile::tempdir().unwrap();
    let fixture =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/aws_aurora_bg/main.tf");
    std::fs::copy(fixture, dir.path().join("main.tf")).unwrap();
    let out = run_aws(dir.path(), &env, &["apply", "-auto-approve"]);
    assert!(out.status.success(), "{}", text(&out));

    let major = ["-var", "engine_version=16.6"];
    let out = run_aws(dir.path(), &env, &[&["plan"][..], &major].concat());
    assert!(out.status.success(), "{}", text(&out));
    assert!(text(&out).contains("blue/green"), "{}", text(&out));
    let out = run_aws(
        dir.path(),
        &env,
        &[&["apply", "-auto-approve"][..], &major].concat(),
    );
    assert!(out.status.success(), "{}", text(&out));
    let (clusters, instances) = aurora(&moto.endpoint());
    assert_eq!(
        clusters,
        vec![("16.6".to_string(), "orders-pg16".to_string())],
        "one cluster, upgraded; the old one deleted"
    );
    assert_eq!(instances, vec!["db.r6g.large".to_string()]);
    let rds = aws_sdk_rds::Client::new(&sdk_config(&moto.endpoint()));
    let rt = tokio::runtime::Runtime::new().unwrap();
    let deployments = rt
        .block_on(rds.describe_blue_green_deployments().send())
        .unwrap();
    assert_eq!(deployments.blue_green_deployments().len(), 0);
    let out = run_aws(
        dir.path(),
        &env,
        &[&["plan", "-detailed-exitcode"][..], &major].concat(),
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));

    let out = run_aws(
        dir.path(),
        &env,
        &[&["destroy", "-auto-approve"][..], &major].concat(),
    );
    assert!(out.status.success(), "{}", text(&out));
    assert_eq!(aurora(&moto.endpoint()), (vec![], vec![]));
}
