//! Aurora: clusters, instances and cluster parameter groups refuse what RDS refuses.

mod common;
use std::sync::Arc;
use std::time::Duration;

use common::*;
use engine::provider::{Provider, ProviderError};
use engine::value::Value;
use sim::{Fault, FaultKind, FaultTarget, SimOptions};

/// A simulator whose virtual clock starts on Sunday 2026-02-01.
fn sim_on(day: &str) -> Sim {
    sim_with(SimOptions {
        today: Some(sim::options::parse_today(day).unwrap()),
        ..SimOptions::default()
    })
}

fn rds_sim() -> Sim {
    sim_on("2026-02-01")
}

fn cluster(version: &str, extra: &[(&str, Value)]) -> Value {
    let mut pairs = vec![
        ("cluster_identifier", s("orders")),
        ("engine", s("aurora-postgresql")),
        ("engine_version", s(version)),
        ("master_username", s("app")),
        ("master_password", s("secret-password")),
        ("apply_immediately", Value::Bool(true)),
    ];
    pairs.extend(extra.iter().cloned());
    obj(&pairs)
}

fn param_group(name: &str, family: &str) -> Value {
    obj(&[("name", s(name)), ("family", s(family))])
}

fn instance(name: &str, extra: &[(&str, Value)]) -> Value {
    let mut pairs = vec![
        ("identifier", s(name)),
        ("cluster_identifier", s("orders")),
        ("engine", s("aurora-postgresql")),
        ("instance_class", s("db.r6g.large")),
    ];
    pairs.extend(extra.iter().cloned());
    obj(&pairs)
}

fn message(r: Result<impl std::fmt::Debug, ProviderError>) -> (String, String) {
    match r {
        Err(ProviderError::Api { code, message }) => (code, message),
        other => panic!("expected an API error, got {other:?}"),
    }
}

async fn orders(p: &Arc<dyn Provider>, version: &str, extra: &[(&str, Value)]) -> Value {
    create(p, "aws_rds_cluster", cluster(version, extra))
        .await
        .unwrap()
}

#[tokio::test]
async fn a_cluster_with_instances_gets_endpoints_and_the_cluster_version() {
    let sim = rds_sim();
    let p = aws(&sim.factory);
    let c = orders(&p, "16.6", &[]).await;
    assert_eq!(str_of(&c, "id"), "orders");
    assert!(str_of(&c, "endpoint").starts_with("orders.cluster-"));
    assert!(str_of(&c, "reader_endpoint").starts_with("orders.cluster-ro-"));
    assert_eq!(str_of(&c, "engine_version_actual"), "16.6");
    assert_eq!(
        str_of(&c, "db_cluster_parameter_group_name"),
        "default.aurora-postgresql16"
    );
    assert_eq!(attr(&c, "port"), &Value::Number(5432.0));
    assert!(!c.contains_unknown());
    let w = create(&p, "aws_rds_cluster_instance", instance("orders-1", &[]))
        .await
        .unwrap();
    let r = create(&p, "aws_rds_cluster_instance", instance("orders-2", &[]))
        .await
        .unwrap();
    assert_eq!(str_of(&w, "engine_version"), "16.6");
    assert_eq!(attr(&w, "writer"), &Value::Bool(true));
    assert_eq!(attr(&r, "writer"), &Value::Bool(false));
    let c = p.read("aws_rds_cluster", &c).await.unwrap().unwrap();
    assert_eq!(
        attr(&c, "cluster_members"),
        &Value::set(vec![s("orders-1"), s("orders-2")])
    );
    // A cluster with instances cannot be deleted.
    assert_eq!(
        code(delete(&p, "aws_rds_cluster", &c).await),
        "InvalidDBClusterStateFault"
    );
}

#[tokio::test]
async fn unsupported_versions_cannot_be_created() {
    let sim = rds_sim();
    let p = aws(&sim.factory);
    let (code_, msg) = message(create(&p, "aws_rds_cluster", cluster("16.99", &[])).await);
    assert_eq!(code_, "InvalidParameterCombination");
    assert_eq!(msg, "Cannot find version 16.99 for aurora-postgresql");
    // Aurora MySQL 2 left RDS Extended Support on 2027-02-28.
    let later = sim_on("2027-03-15");
    let p = aws(&later.factory);
    let mysql = |v: &str| {
        obj(&[
            ("cluster_identifier", s("legacy")),
            ("engine", s("aurora-mysql")),
            ("engine_version", s(v)),
        ])
    };
    let (code_, msg) =
        message(create(&p, "aws_rds_cluster", mysql("5.7.mysql_aurora.2.12.4")).await);
    assert_eq!(code_, "InvalidParameterCombination");
    assert!(
        msg.contains("left RDS Extended Support on 2027-02-28"),
        "{msg}"
    );
    create(&p, "aws_rds_cluster", mysql("8.0.mysql_aurora.3.10.0"))
        .await
        .unwrap();
}

#[tokio::test]
async fn engine_must_be_aurora() {
    let sim = rds_sim();
    let p = aws(&sim.factory);
    let cfg = obj(&[("engine", s("postgres")), ("engine_version", s("16.6"))]);
    assert_eq!(
        code(create(&p, "aws_rds_cluster", cfg).await),
        "InvalidParameterValue"
    );
}

#[tokio::test]
async fn engine_versions_never_go_down() {
    let sim = rds_sim();
    let p = aws(&sim.factory);
    let c = orders(&p, "16.8", &[]).await;
    let (code_, msg) = message(update(&p, "aws_rds_cluster", &c, cluster("16.6", &[])).await);
    assert_eq!(code_, "InvalidParameterCombination");
    assert!(
        msg.starts_with("Cannot upgrade aurora-postgresql from 16.8 to 16.6: a downgrade"),
        "{msg}"
    );
}

#[tokio::test]
async fn only_valid_upgrade_targets_and_a_minor_upgrade_takes_ten_minutes() {
    let sim = rds_sim();
    let p = aws(&sim.factory);
    let c = orders(&p, "16.9", &[]).await;
    // 16.9's targets skip 17.4 (not a ValidUpgradeTarget).
    let (code_, msg) = message(
        update(
            &p,
            "aws_rds_cluster",
            &c,
            cluster(
                "17.4",
                &[("allow_major_version_upgrade", Value::Bool(true))],
            ),
        )
        .await,
    );
    assert_eq!(code_, "InvalidParameterCombination");
    assert!(
        msg.contains("not a valid upgrade target of 16.9 (valid: 16.10, 17.5, 17.6)"),
        "{msg}"
    );
    let before = sim.factory.virtual_elapsed();
    let (_, c) = update(&p, "aws_rds_cluster", &c, cluster("16.10", &[]))
        .await
        .unwrap();
    assert_eq!(str_of(&c, "engine_version_actual"), "16.10");
    assert_eq!(
        sim.factory.virtual_elapsed() - before,
        Duration::from_secs(600)
    );
}

#[tokio::test]
async fn a_major_upgrade_needs_the_allow_flag() {
    let sim = rds_sim();
    let p = aws(&sim.factory);
    let c = orders(&p, "16.8", &[]).await;
    let (code_, msg) = message(update(&p, "aws_rds_cluster", &c, cluster("17.5", &[])).await);
    assert_eq!(code_, "InvalidParameterCombination");
    assert_eq!(
        msg,
        "The AllowMajorVersionUpgrade flag must be present when upgrading to a new major version."
    );
    let before = sim.factory.virtual_elapsed();
    let allow = [("allow_major_version_upgrade", Value::Bool(true))];
    let (_, c) = update(&p, "aws_rds_cluster", &c, cluster("17.5", &allow))
        .await
        .unwrap();
    assert_eq!(str_of(&c, "engine_version_actual"), "17.5");
    assert_eq!(
        sim.factory.virtual_elapsed() - before,
        Duration::from_secs(1800)
    );
}

#[tokio::test]
async fn a_major_upgrade_needs_a_cluster_parameter_group_of_the_target_family() {
    let sim = rds_sim();
    let p = aws(&sim.factory);
    create(
        &p,
        "aws_rds_cluster_parameter_group",
        param_group("pg16", "aurora-postgresql16"),
    )
    .await
    .unwrap();
    create(
        &p,
        "aws_rds_cluster_parameter_group",
        param_group("pg17", "aurora-postgresql17"),
    )
    .await
    .unwrap();
    let with_pg = |v: &str, group: &str| {
        cluster(
            v,
            &[
                ("db_cluster_parameter_group_name", s(group)),
                ("allow_major_version_upgrade", Value::Bool(true)),
            ],
        )
    };
    let c = create(&p, "aws_rds_cluster", with_pg("16.8", "pg16"))
        .await
        .unwrap();
    let (code_, msg) = message(update(&p, "aws_rds_cluster", &c, with_pg("17.5", "pg16")).await);
    assert_eq!(code_, "InvalidParameterCombination");
    assert!(
        msg.contains("has family aurora-postgresql16; a major version upgrade from 16.8 to 17.5 needs a DB cluster parameter group of family aurora-postgresql17"),
        "{msg}"
    );
    let (_, c) = update(&p, "aws_rds_cluster", &c, with_pg("17.5", "pg17"))
        .await
        .unwrap();
    assert_eq!(str_of(&c, "engine_version"), "17.5");
    // A group in use cannot be deleted.
    let g = p
        .import("aws_rds_cluster_parameter_group", "pg17")
        .await
        .unwrap();
    assert_eq!(
        code(delete(&p, "aws_rds_cluster_parameter_group", &g).await),
        "InvalidDBParameterGroupState"
    );
}

#[tokio::test]
async fn a_parameter_group_of_another_family_or_a_missing_one_is_refused_at_create() {
    let sim = rds_sim();
    let p = aws(&sim.factory);
    create(
        &p,
        "aws_rds_cluster_parameter_group",
        param_group("pg15", "aurora-postgresql15"),
    )
    .await
    .unwrap();
    let (code_, msg) = message(
        create(
            &p,
            "aws_rds_cluster",
            cluster("16.6", &[("db_cluster_parameter_group_name", s("pg15"))]),
        )
        .await,
    );
    assert_eq!(code_, "InvalidParameterCombination");
    assert!(
        msg.contains("use one of family aurora-postgresql16"),
        "{msg}"
    );
    assert_eq!(
        code(
            create(
                &p,
                "aws_rds_cluster",
                cluster("16.6", &[("db_cluster_parameter_group_name", s("nope"))]),
            )
            .await
        ),
        "DBClusterParameterGroupNotFound"
    );
    assert_eq!(
        code(
            create(
                &p,
                "aws_rds_cluster_parameter_group",
                param_group("x", "aurora-postgresql99")
            )
            .await
        ),
        "InvalidParameterValue"
    );
}

#[tokio::test]
async fn a_major_upgrade_with_custom_instance_parameter_groups_must_name_new_ones() {
    let sim = rds_sim();
    let p = aws(&sim.factory);
    let c = orders(&p, "16.8", &[]).await;
    create(
        &p,
        "aws_rds_cluster_instance",
        instance("orders-1", &[("db_parameter_group_name", s("tuned16"))]),
    )
    .await
    .unwrap();
    let allow = ("allow_major_version_upgrade", Value::Bool(true));
    let (code_, msg) = message(
        update(
            &p,
            "aws_rds_cluster",
            &c,
            cluster("17.5", std::slice::from_ref(&allow)),
        )
        .await,
    );
    assert_eq!(code_, "InvalidParameterCombination");
    assert!(
        msg.starts_with("The current DB instance parameter group tuned16 is custom."),
        "{msg}"
    );
    let named = [allow, ("db_instance_parameter_group_name", s("tuned17"))];
    update(&p, "aws_rds_cluster", &c, cluster("17.5", &named))
        .await
        .unwrap();
}

#[tokio::test]
async fn without_apply_immediately_the_upgrade_waits_for_the_maintenance_window() {
    let sim = rds_sim();
    let p = aws(&sim.factory);
    let later = [("apply_immediately", Value::Bool(false))];
    let c = orders(&p, "16.8", &later).await;
    create(&p, "aws_rds_cluster_instance", instance("orders-1", &[]))
        .await
        .unwrap();
    let before = sim.factory.virtual_elapsed();
    let (_, c) = update(&p, "aws_rds_cluster", &c, cluster("16.9", &later))
        .await
        .unwrap();
    assert_eq!(str_of(&c, "engine_version"), "16.9");
    assert_eq!(str_of(&c, "engine_version_actual"), "16.8", "pending");
    assert_eq!(
        sim.factory.virtual_elapsed() - before,
        Duration::from_secs(60),
        "only the modification is recorded"
    );
    // The default window is Sunday 05:00; the clock is early on Sunday 2026-02-01.
    sim.factory.advance_clock(Duration::from_secs(4 * 3600));
    let c = p.read("aws_rds_cluster", &c).await.unwrap().unwrap();
    assert_eq!(str_of(&c, "engine_version_actual"), "16.8");
    sim.factory.advance_clock(Duration::from_secs(3600));
    let c = p.read("aws_rds_cluster", &c).await.unwrap().unwrap();
    assert_eq!(str_of(&c, "engine_version_actual"), "16.9");
    let i = p
        .import("aws_rds_cluster_instance", "orders-1")
        .await
        .unwrap();
    assert_eq!(str_of(&i, "engine_version"), "16.9", "instances follow");
}

#[tokio::test]
async fn instances_take_the_cluster_engine_and_version() {
    let sim = rds_sim();
    let p = aws(&sim.factory);
    orders(&p, "16.8", &[]).await;
    let (code_, msg) = message(
        create(
            &p,
            "aws_rds_cluster_instance",
            instance("i", &[("engine_version", s("16.6"))]),
        )
        .await,
    );
    assert_eq!(code_, "InvalidParameterCombination");
    assert!(msg.contains("does not match the version 16.8"), "{msg}");
    assert_eq!(
        code(
            create(
                &p,
                "aws_rds_cluster_instance",
                instance("i", &[("engine", s("aurora-mysql"))]),
            )
            .await
        ),
        "InvalidParameterCombination"
    );
    assert_eq!(
        code(
            create(
                &p,
                "aws_rds_cluster_instance",
                instance("i", &[("cluster_identifier", s("nope"))]),
            )
            .await
        ),
        "DBClusterNotFoundFault"
    );
    assert_eq!(
        code(
            create(
                &p,
                "aws_rds_cluster_instance",
                instance("i", &[("instance_class", s("m5.large"))]),
            )
            .await
        ),
        "InvalidParameterValue"
    );
    create(
        &p,
        "aws_rds_cluster_instance",
        instance("i", &[("engine_version", s("16.8"))]),
    )
    .await
    .unwrap();
}

#[tokio::test]
async fn a_modification_while_another_is_in_progress_is_refused() {
    let sim = rds_sim();
    let p = aws(&sim.factory);
    let c = orders(&p, "16.8", &[]).await;
    sim.factory.inject(Fault::new(
        FaultKind::Stuck,
        FaultTarget::Type("aws_rds_cluster".into()),
        1,
    ));
    let r = update(&p, "aws_rds_cluster", &c, cluster("16.9", &[])).await;
    assert!(matches!(r, Err(ProviderError::Timeout(_))), "{r:?}");
    let (code_, msg) = message(update(&p, "aws_rds_cluster", &c, cluster("16.9", &[])).await);
    assert_eq!(code_, "InvalidDBClusterStateFault");
    assert!(
        msg.contains("not currently in the available state"),
        "{msg}"
    );
}

fn blue_green(timeout: Option<f64>) -> (&'static str, Value) {
    let mut block = vec![("enabled", Value::Bool(true))];
    if let Some(t) = timeout {
        block.push(("switchover_timeout", Value::Number(t)));
    }
    ("blue_green_update", Value::List(vec![obj(&block)]))
}

fn logical_group(name: &str, family: &str, value: &str) -> Value {
    obj(&[
        ("name", s(name)),
        ("family", s(family)),
        (
            "parameter",
            Value::set(vec![obj(&[
                ("name", s("rds.logical_replication")),
                ("value", s(value)),
                ("apply_method", s("pending-reboot")),
            ])]),
        ),
    ])
}

/// A cluster of `version` on parameter group `group`, upgraded by blue/green deployments.
fn bg_cluster(version: &str, group: &str) -> Value {
    cluster(
        version,
        &[
            ("db_cluster_parameter_group_name", s(group)),
            ("allow_major_version_upgrade", Value::Bool(true)),
            ("apply_immediately", Value::Bool(false)),
            blue_green(None),
        ],
    )
}

/// Green copy 15 min + its major upgrade 30 min + catching up 5 min + switchover 30 s +
/// deleting the old cluster 5 min.
const BLUE_GREEN_TAKES: Duration = Duration::from_secs(900 + 1800 + 300 + 30 + 300);

#[tokio::test]
async fn a_major_upgrade_with_blue_green_update_switches_over_and_keeps_the_endpoints() {
    let sim = rds_sim();
    let p = aws(&sim.factory);
    for (name, family) in [
        ("pg15", "aurora-postgresql15"),
        ("pg16", "aurora-postgresql16"),
    ] {
        create(
            &p,
            "aws_rds_cluster_parameter_group",
            logical_group(name, family, "1"),
        )
        .await
        .unwrap();
    }
    let blue = create(&p, "aws_rds_cluster", bg_cluster("15.10", "pg15"))
        .await
        .unwrap();
    create(&p, "aws_rds_cluster_instance", instance("orders-1", &[]))
        .await
        .unwrap();
    // The family rule is the in-place one.
    let (code_, msg) =
        message(update(&p, "aws_rds_cluster", &blue, bg_cluster("16.8", "pg15")).await);
    assert_eq!(code_, "InvalidParameterCombination");
    assert!(
        msg.contains("needs a DB cluster parameter group of family aurora-postgresql16"),
        "{msg}"
    );
    let before = sim.factory.virtual_elapsed();
    let (_, green) = update(&p, "aws_rds_cluster", &blue, bg_cluster("16.8", "pg16"))
        .await
        .unwrap();
    // At once, although apply_immediately is false: the deployment is the update.
    assert_eq!(str_of(&green, "engine_version_actual"), "16.8");
    assert_eq!(sim.factory.virtual_elapsed() - before, BLUE_GREEN_TAKES);
    for same in [
        "id",
        "cluster_identifier",
        "arn",
        "endpoint",
        "reader_endpoint",
        "port",
    ] {
        assert_eq!(attr(&green, same), attr(&blue, same), "{same}");
    }
    let i = p
        .import("aws_rds_cluster_instance", "orders-1")
        .await
        .unwrap();
    assert_eq!(
        str_of(&i, "engine_version"),
        "16.8",
        "the instances are green"
    );
    // The old cluster RDS kept as orders-old1 is deleted by the same update.
    assert!(p.import("aws_rds_cluster", "orders-old1").await.is_err());
    let clusters = sim
        .factory
        .inventory()
        .unwrap()
        .into_iter()
        .filter(|o| o.type_name == "aws_rds_cluster")
        .count();
    assert_eq!(clusters, 1);
}

#[tokio::test]
async fn a_postgresql_deployment_needs_logical_replication_in_the_blue_parameter_group() {
    let sim = rds_sim();
    let p = aws(&sim.factory);
    create(
        &p,
        "aws_rds_cluster_parameter_group",
        logical_group("pg15", "aurora-postgresql15", "0"),
    )
    .await
    .unwrap();
    create(
        &p,
        "aws_rds_cluster_parameter_group",
        logical_group("pg16", "aurora-postgresql16", "1"),
    )
    .await
    .unwrap();
    let blue = create(&p, "aws_rds_cluster", bg_cluster("15.10", "pg15"))
        .await
        .unwrap();
    let before = sim.factory.virtual_elapsed();
    let (code_, msg) =
        message(update(&p, "aws_rds_cluster", &blue, bg_cluster("16.8", "pg16")).await);
    assert_eq!(code_, "SourceClusterNotSupportedFault");
    assert!(
        msg.contains(
            "the DB cluster parameter group pg15 does not set rds.logical_replication = 1"
        ),
        "{msg}"
    );
    assert_eq!(
        sim.factory.virtual_elapsed(),
        before,
        "refused, nothing done"
    );
    let c = p.read("aws_rds_cluster", &blue).await.unwrap().unwrap();
    assert_eq!(str_of(&c, "engine_version_actual"), "15.10");
    // A default group never has it; that is known at plan.
    let default = create(
        &p,
        "aws_rds_cluster",
        obj(&[
            ("cluster_identifier", s("reports")),
            ("engine", s("aurora-postgresql")),
            ("engine_version", s("15.10")),
            blue_green(None),
        ]),
    )
    .await
    .unwrap();
    let upgraded = obj(&[
        ("cluster_identifier", s("reports")),
        ("engine", s("aurora-postgresql")),
        ("engine_version", s("16.8")),
        ("allow_major_version_upgrade", Value::Bool(true)),
        blue_green(None),
    ]);
    let (code_, msg) = message(
        plan(&p, "aws_rds_cluster", Some(&default), &upgraded)
            .await
            .map(|r| r.planned),
    );
    assert_eq!(code_, "SourceClusterNotSupportedFault");
    assert!(
        msg.contains("default DB cluster parameter group default.aurora-postgresql15"),
        "{msg}"
    );
}

#[tokio::test]
async fn aurora_mysql_2_to_3_by_blue_green_and_minor_versions_stay_in_place() {
    let sim = rds_sim();
    let p = aws(&sim.factory);
    let mysql = |v: &str| {
        obj(&[
            ("cluster_identifier", s("legacy")),
            ("engine", s("aurora-mysql")),
            ("engine_version", s(v)),
            ("allow_major_version_upgrade", Value::Bool(true)),
            ("apply_immediately", Value::Bool(true)),
            blue_green(Some(600.0)),
        ])
    };
    let c = create(&p, "aws_rds_cluster", mysql("5.7.mysql_aurora.2.12.4"))
        .await
        .unwrap();
    let before = sim.factory.virtual_elapsed();
    let (_, c) = update(&p, "aws_rds_cluster", &c, mysql("8.0.mysql_aurora.3.09.0"))
        .await
        .unwrap();
    assert_eq!(sim.factory.virtual_elapsed() - before, BLUE_GREEN_TAKES);
    assert_eq!(
        str_of(&c, "engine_version_actual"),
        "8.0.mysql_aurora.3.09.0"
    );
    let before = sim.factory.virtual_elapsed();
    update(&p, "aws_rds_cluster", &c, mysql("8.0.mysql_aurora.3.10.0"))
        .await
        .unwrap();
    assert_eq!(
        sim.factory.virtual_elapsed() - before,
        Duration::from_secs(600),
        "a minor version in place"
    );
}

#[tokio::test]
async fn the_switchover_timeout_is_30_to_3600_seconds() {
    let sim = rds_sim();
    let p = aws(&sim.factory);
    for (timeout, ok) in [
        (10.0, false),
        (30.0, true),
        (3600.0, true),
        (3601.0, false),
        (45.5, false),
    ] {
        let cfg = cluster("16.8", &[blue_green(Some(timeout))]);
        let r = plan(&p, "aws_rds_cluster", None, &cfg).await;
        match ok {
            true => assert!(r.is_ok(), "{timeout}: {r:?}"),
            false => {
                let (code_, msg) = message(r.map(|r| r.planned));
                assert_eq!(code_, "InvalidParameterValue", "{timeout}");
                assert!(msg.contains("from 30 to 3600"), "{msg}");
            }
        }
    }
}
