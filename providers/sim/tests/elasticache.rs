//! ElastiCache: replication groups refuse what ElastiCache refuses; Redis OSS moves to Valkey.

mod common;
use std::time::Duration;

use common::*;
use engine::provider::ProviderError;
use engine::value::Value;
use sim::{Fault, FaultKind, FaultTarget};

fn message(r: Result<impl std::fmt::Debug, ProviderError>) -> (String, String) {
    match r {
        Err(ProviderError::Api { code, message }) => (code, message),
        other => panic!("expected an API error, got {other:?}"),
    }
}

fn group(engine: &str, version: &str, extra: &[(&str, Value)]) -> Value {
    let mut pairs = vec![
        ("replication_group_id", s("sessions")),
        ("description", s("session store")),
        ("engine", s(engine)),
        ("engine_version", s(version)),
        ("node_type", s("cache.r7g.large")),
        ("num_cache_clusters", Value::Number(2.0)),
    ];
    pairs.extend(extra.iter().cloned());
    obj(&pairs)
}

#[tokio::test]
async fn a_group_gets_endpoints_members_and_the_running_version() {
    let sim = sim();
    let p = aws(&sim.factory);
    let g = create(
        &p,
        "aws_elasticache_replication_group",
        group("redis", "7.1", &[]),
    )
    .await
    .unwrap();
    assert_eq!(str_of(&g, "id"), "sessions");
    assert_eq!(str_of(&g, "engine_version_actual"), "7.1.0");
    assert_eq!(str_of(&g, "parameter_group_name"), "default.redis7");
    assert!(str_of(&g, "primary_endpoint_address").starts_with("master.sessions."));
    assert!(str_of(&g, "primary_endpoint_address").ends_with(".euw1.cache.amazonaws.com"));
    assert_eq!(
        attr(&g, "member_clusters"),
        &Value::set(vec![s("sessions-001"), s("sessions-002")])
    );
    assert!(!g.contains_unknown());
    let six = create(
        &p,
        "aws_elasticache_replication_group",
        group("redis", "6.x", &[("replication_group_id", s("old"))]),
    )
    .await
    .unwrap();
    assert_eq!(str_of(&six, "engine_version_actual"), "6.2.6");
    assert_eq!(str_of(&six, "parameter_group_name"), "default.redis6.x");
}

#[tokio::test]
async fn unsupported_versions_cannot_be_created() {
    let sim = sim();
    let p = aws(&sim.factory);
    for (engine, v) in [("redis", "7.2"), ("valkey", "7.0"), ("redis", "3.2.10")] {
        let (code_, msg) = message(
            create(
                &p,
                "aws_elasticache_replication_group",
                group(engine, v, &[]),
            )
            .await,
        );
        assert_eq!(code_, "InvalidParameterCombination", "{engine} {v}");
        assert_eq!(msg, format!("Cannot find version {v} for {engine}"));
    }
    assert_eq!(
        code(
            create(
                &p,
                "aws_elasticache_replication_group",
                group("memcached", "1.6", &[])
            )
            .await
        ),
        "InvalidParameterValue"
    );
}

#[tokio::test]
async fn engine_versions_never_go_down() {
    let sim = sim();
    let p = aws(&sim.factory);
    let g = create(
        &p,
        "aws_elasticache_replication_group",
        group("redis", "7.1", &[]),
    )
    .await
    .unwrap();
    let (code_, msg) = message(
        update(
            &p,
            "aws_elasticache_replication_group",
            &g,
            group("redis", "7.0", &[]),
        )
        .await,
    );
    assert_eq!(code_, "InvalidParameterCombination");
    assert!(msg.contains("never downgraded"), "{msg}");
}

#[tokio::test]
async fn redis_moves_to_valkey_in_place_with_the_same_endpoint_but_not_back() {
    let sim = sim();
    let p = aws(&sim.factory);
    let g = create(
        &p,
        "aws_elasticache_replication_group",
        group("redis", "7.1", &[]),
    )
    .await
    .unwrap();
    let before = sim.factory.virtual_elapsed();
    let (plan, v) = update(
        &p,
        "aws_elasticache_replication_group",
        &g,
        group("valkey", "8.0", &[]),
    )
    .await
    .unwrap();
    assert!(plan.requires_replace.is_empty(), "in place");
    assert_eq!(str_of(&v, "engine_version_actual"), "8.0.0");
    assert_eq!(
        str_of(&v, "primary_endpoint_address"),
        str_of(&g, "primary_endpoint_address")
    );
    // Two nodes patched one at a time.
    assert_eq!(
        sim.factory.virtual_elapsed() - before,
        Duration::from_secs(600)
    );
    let (code_, msg) = message(
        update(
            &p,
            "aws_elasticache_replication_group",
            &v,
            group("redis", "7.1", &[]),
        )
        .await,
    );
    assert_eq!(code_, "InvalidParameterCombination");
    assert!(
        msg.contains("Valkey cannot be changed back to Redis OSS"),
        "{msg}"
    );
}

#[tokio::test]
async fn sizes_and_failover_are_checked() {
    let sim = sim();
    let p = aws(&sim.factory);
    let seven = [("num_cache_clusters", Value::Number(7.0))];
    assert_eq!(
        code(
            create(
                &p,
                "aws_elasticache_replication_group",
                group("valkey", "8.1", &seven)
            )
            .await
        ),
        "InvalidParameterValue"
    );
    let lonely = [
        ("num_cache_clusters", Value::Number(1.0)),
        ("automatic_failover_enabled", Value::Bool(true)),
    ];
    assert_eq!(
        code(
            create(
                &p,
                "aws_elasticache_replication_group",
                group("valkey", "8.1", &lonely)
            )
            .await
        ),
        "InvalidParameterCombination"
    );
    let no_node = obj(&[("replication_group_id", s("x")), ("description", s("x"))]);
    assert_eq!(
        code(create(&p, "aws_elasticache_replication_group", no_node).await),
        "InvalidParameterValue"
    );
    let defaulted = create(
        &p,
        "aws_elasticache_replication_group",
        obj(&[
            ("replication_group_id", s("y")),
            ("description", s("y")),
            ("node_type", s("cache.t4g.micro")),
        ]),
    )
    .await
    .unwrap();
    assert_eq!(str_of(&defaulted, "engine"), "redis");
    assert_eq!(str_of(&defaulted, "engine_version"), "7.1");
}

#[tokio::test]
async fn a_modification_while_another_is_in_progress_is_refused() {
    let sim = sim();
    let p = aws(&sim.factory);
    let g = create(
        &p,
        "aws_elasticache_replication_group",
        group("redis", "7.0", &[]),
    )
    .await
    .unwrap();
    sim.factory.inject(Fault::new(
        FaultKind::Stuck,
        FaultTarget::Type("aws_elasticache_replication_group".into()),
        1,
    ));
    let r = update(
        &p,
        "aws_elasticache_replication_group",
        &g,
        group("redis", "7.1", &[]),
    )
    .await;
    assert!(matches!(r, Err(ProviderError::Timeout(_))), "{r:?}");
    assert_eq!(
        code(
            update(
                &p,
                "aws_elasticache_replication_group",
                &g,
                group("redis", "7.1", &[])
            )
            .await
        ),
        "InvalidReplicationGroupState"
    );
}
