//! MSK: clusters and configurations refuse what MSK refuses; brokers restart one by one.

mod common;
use std::sync::Arc;
use std::time::Duration;

use common::*;
use engine::provider::{Provider, ProviderError};
use engine::value::Value;
use sim::{Fault, FaultKind, FaultTarget, SimOptions};

/// A simulator whose virtual clock starts on 2026-02-01 (3.6.0 supported, 3.5.1 ended).
fn msk_sim() -> Sim {
    sim_with(SimOptions {
        today: Some(sim::options::parse_today("2026-02-01").unwrap()),
        ..SimOptions::default()
    })
}

fn message(r: Result<impl std::fmt::Debug, ProviderError>) -> (String, String) {
    match r {
        Err(ProviderError::Api { code, message }) => (code, message),
        other => panic!("expected an API error, got {other:?}"),
    }
}

/// Three subnets in three zones of eu-west-1, plus a second one in zone a.
async fn subnets(p: &Arc<dyn Provider>) -> Vec<String> {
    let v = vpc(p, "10.0.0.0/16").await;
    let mut out = Vec::new();
    for (i, zone) in ["a", "b", "c", "a"].iter().enumerate() {
        let sn = create(
            p,
            "aws_subnet",
            obj(&[
                ("vpc_id", s(str_of(&v, "id"))),
                ("cidr_block", s(&format!("10.0.{i}.0/24"))),
                ("availability_zone", s(&format!("eu-west-1{zone}"))),
            ]),
        )
        .await
        .unwrap();
        out.push(str_of(&sn, "id").to_string());
    }
    out
}

fn cluster(version: &str, brokers: u32, subnets: &[String], extra: &[(&str, Value)]) -> Value {
    let info = obj(&[
        (
            "client_subnets",
            Value::List(subnets.iter().map(|x| s(x)).collect()),
        ),
        ("instance_type", s("kafka.m5.large")),
        (
            "security_groups",
            Value::List(vec![s("sg-0123456789abcdef0")]),
        ),
        (
            "storage_info",
            Value::List(vec![obj(&[(
                "ebs_storage_info",
                Value::List(vec![obj(&[("volume_size", Value::Number(100.0))])]),
            )])]),
        ),
    ]);
    let mut pairs = vec![
        ("cluster_name", s("events")),
        ("kafka_version", s(version)),
        ("number_of_broker_nodes", Value::Number(f64::from(brokers))),
        ("broker_node_group_info", Value::List(vec![info])),
    ];
    pairs.extend(extra.iter().cloned());
    obj(&pairs)
}

#[tokio::test]
async fn a_cluster_gets_brokers_endpoints_and_a_version_string() {
    let sim = msk_sim();
    let p = aws(&sim.factory);
    let sn = subnets(&p).await;
    let before = sim.factory.virtual_elapsed();
    let c = create(&p, "aws_msk_cluster", cluster("3.6.0", 3, &sn[..3], &[]))
        .await
        .unwrap();
    assert_eq!(
        sim.factory.virtual_elapsed() - before,
        Duration::from_secs(1500)
    );
    assert!(str_of(&c, "arn").starts_with("arn:aws:kafka:eu-west-1:123456789012:cluster/events/"));
    assert_eq!(str_of(&c, "id"), str_of(&c, "arn"));
    assert_eq!(str_of(&c, "bootstrap_brokers"), "", "TLS only by default");
    assert_eq!(str_of(&c, "bootstrap_brokers_tls").split(',').count(), 3);
    assert!(str_of(&c, "bootstrap_brokers_tls").ends_with(":9094"));
    assert!(!str_of(&c, "zookeeper_connect_string").is_empty());
    assert!(str_of(&c, "current_version").starts_with('K'));
    assert!(!c.contains_unknown());
}

#[tokio::test]
async fn unsupported_versions_cannot_be_created() {
    let sim = msk_sim();
    let p = aws(&sim.factory);
    let sn = subnets(&p).await;
    for v in ["3.5.1", "9.9.9"] {
        let (code_, msg) =
            message(create(&p, "aws_msk_cluster", cluster(v, 3, &sn[..3], &[])).await);
        assert_eq!(code_, "BadRequestException", "{v}");
        assert!(
            msg.starts_with(&format!("Unsupported KafkaVersion {v}")),
            "{msg}"
        );
    }
}

#[tokio::test]
async fn only_compatible_versions_never_down_and_brokers_restart_one_by_one() {
    let sim = msk_sim();
    let p = aws(&sim.factory);
    let sn = subnets(&p).await;
    let c = create(&p, "aws_msk_cluster", cluster("3.6.0", 3, &sn[..3], &[]))
        .await
        .unwrap();
    let (code_, msg) = message(
        update(
            &p,
            "aws_msk_cluster",
            &c,
            cluster("4.0.x.kraft", 3, &sn[..3], &[]),
        )
        .await,
    );
    assert_eq!(code_, "BadRequestException");
    assert!(
        msg.contains("metadata mode (ZooKeeper to KRaft) is chosen at creation"),
        "{msg}"
    );
    let before = sim.factory.virtual_elapsed();
    let (plan, up) = update(
        &p,
        "aws_msk_cluster",
        &c,
        cluster("3.8.x", 3, &sn[..3], &[]),
    )
    .await
    .unwrap();
    assert!(attr(&plan.planned, "current_version").is_unknown());
    assert_ne!(
        str_of(&up, "current_version"),
        str_of(&c, "current_version")
    );
    // Three brokers restarted one at a time, ten minutes each.
    assert_eq!(
        sim.factory.virtual_elapsed() - before,
        Duration::from_secs(1800)
    );
    let (code_, msg) = message(
        update(
            &p,
            "aws_msk_cluster",
            &up,
            cluster("3.7.x", 3, &sn[..3], &[]),
        )
        .await,
    );
    assert_eq!(code_, "BadRequestException");
    assert!(msg.contains("MSK does not downgrade"), "{msg}");
}

#[tokio::test]
async fn brokers_only_grow_by_a_multiple_of_the_subnets() {
    let sim = msk_sim();
    let p = aws(&sim.factory);
    let sn = subnets(&p).await;
    let c = create(&p, "aws_msk_cluster", cluster("3.8.x", 6, &sn[..3], &[]))
        .await
        .unwrap();
    let (code_, msg) = message(
        update(
            &p,
            "aws_msk_cluster",
            &c,
            cluster("3.8.x", 3, &sn[..3], &[]),
        )
        .await,
    );
    assert_eq!(code_, "BadRequestException");
    assert!(msg.contains("can't be decreased (from 6 to 3)"), "{msg}");
    let (code_, msg) = message(
        update(
            &p,
            "aws_msk_cluster",
            &c,
            cluster("3.8.x", 7, &sn[..3], &[]),
        )
        .await,
    );
    assert_eq!(code_, "BadRequestException");
    assert!(
        msg.contains("must be a multiple of Availability Zones"),
        "{msg}"
    );
    let before = sim.factory.virtual_elapsed();
    update(
        &p,
        "aws_msk_cluster",
        &c,
        cluster("3.8.x", 9, &sn[..3], &[]),
    )
    .await
    .unwrap();
    assert_eq!(
        sim.factory.virtual_elapsed() - before,
        Duration::from_secs(1200)
    );
}

#[tokio::test]
async fn client_subnets_are_two_or_three_in_distinct_zones() {
    let sim = msk_sim();
    let p = aws(&sim.factory);
    let sn = subnets(&p).await;
    let (code_, msg) =
        message(create(&p, "aws_msk_cluster", cluster("3.8.x", 2, &sn[..1], &[])).await);
    assert_eq!(code_, "BadRequestException");
    assert!(msg.contains("two or three client subnets"), "{msg}");
    let same_zone = [sn[0].clone(), sn[3].clone()];
    let (code_, msg) =
        message(create(&p, "aws_msk_cluster", cluster("3.8.x", 2, &same_zone, &[])).await);
    assert_eq!(code_, "BadRequestException");
    assert!(msg.contains("different Availability Zones"), "{msg}");
    create(&p, "aws_msk_cluster", cluster("3.8.x", 2, &sn[..2], &[]))
        .await
        .unwrap();
}

#[tokio::test]
async fn a_configuration_must_list_the_cluster_version_and_changes_make_revisions() {
    let sim = msk_sim();
    let p = aws(&sim.factory);
    let sn = subnets(&p).await;
    let conf = |props: &str| {
        obj(&[
            ("name", s("events-conf")),
            ("kafka_versions", Value::List(vec![s("3.8.x")])),
            ("server_properties", s(props)),
        ])
    };
    let c = create(
        &p,
        "aws_msk_configuration",
        conf("auto.create.topics.enable=false"),
    )
    .await
    .unwrap();
    assert_eq!(attr(&c, "latest_revision"), &Value::Number(1.0));
    let info = |arn: &str| {
        (
            "configuration_info",
            Value::List(vec![obj(&[
                ("arn", s(arn)),
                ("revision", Value::Number(1.0)),
            ])]),
        )
    };
    let (code_, msg) = message(
        create(
            &p,
            "aws_msk_cluster",
            cluster("3.9.x", 3, &sn[..3], &[info(str_of(&c, "arn"))]),
        )
        .await,
    );
    assert_eq!(code_, "BadRequestException");
    assert!(
        msg.contains("doesn't support Apache Kafka version 3.9.x"),
        "{msg}"
    );
    assert_eq!(
        code(
            create(
                &p,
                "aws_msk_cluster",
                cluster(
                    "3.8.x",
                    3,
                    &sn[..3],
                    &[info(
                        "arn:aws:kafka:eu-west-1:123456789012:configuration/nope/x"
                    )]
                ),
            )
            .await
        ),
        "NotFoundException"
    );
    create(
        &p,
        "aws_msk_cluster",
        cluster("3.8.x", 3, &sn[..3], &[info(str_of(&c, "arn"))]),
    )
    .await
    .unwrap();
    let (_, c2) = update(
        &p,
        "aws_msk_configuration",
        &c,
        conf("auto.create.topics.enable=true"),
    )
    .await
    .unwrap();
    assert_eq!(attr(&c2, "latest_revision"), &Value::Number(2.0));
    assert_eq!(
        code(
            create(
                &p,
                "aws_msk_configuration",
                obj(&[
                    ("name", s("other")),
                    ("kafka_versions", Value::List(vec![s("9.9.9")])),
                    ("server_properties", s("")),
                ])
            )
            .await
        ),
        "BadRequestException"
    );
}

#[tokio::test]
async fn an_update_while_another_is_in_progress_is_refused() {
    let sim = msk_sim();
    let p = aws(&sim.factory);
    let sn = subnets(&p).await;
    let c = create(&p, "aws_msk_cluster", cluster("3.8.x", 3, &sn[..3], &[]))
        .await
        .unwrap();
    sim.factory.inject(Fault::new(
        FaultKind::Stuck,
        FaultTarget::Type("aws_msk_cluster".into()),
        1,
    ));
    let r = update(
        &p,
        "aws_msk_cluster",
        &c,
        cluster("3.9.x", 3, &sn[..3], &[]),
    )
    .await;
    assert!(matches!(r, Err(ProviderError::Timeout(_))), "{r:?}");
    let (code_, msg) = message(
        update(
            &p,
            "aws_msk_cluster",
            &c,
            cluster("3.9.x", 3, &sn[..3], &[]),
        )
        .await,
    );
    assert_eq!(code_, "BadRequestException");
    assert!(msg.contains("UPDATING state"), "{msg}");
}
