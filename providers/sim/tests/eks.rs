//! EKS: clusters, node groups and add-ons refuse what EKS refuses; node groups take subnet addresses.

mod common;
use std::sync::Arc;
use std::time::Duration;

use common::*;
use engine::provider::{Provider, ProviderError};
use engine::value::Value;
use sim::{Fault, FaultKind, FaultTarget, SimOptions};

/// A simulator whose virtual clock starts on 2026-02-01 (1.29 to 1.35 offered; 1.28 ended).
fn eks_sim() -> Sim {
    sim_with(SimOptions {
        today: Some(sim::options::parse_today("2026-02-01").unwrap()),
        ..SimOptions::default()
    })
}

fn list(xs: &[&str]) -> Value {
    Value::List(xs.iter().map(|x| s(x)).collect())
}

fn cluster_cfg(name: &str, version: &str, subnets: &[&Value]) -> Value {
    obj(&[
        ("name", s(name)),
        ("role_arn", s("arn:aws:iam::123456789012:role/eks")),
        ("version", s(version)),
        (
            "vpc_config",
            list_of(obj(&[(
                "subnet_ids",
                Value::List(subnets.iter().map(|sn| s(str_of(sn, "id"))).collect()),
            )])),
        ),
    ])
}

fn list_of(v: Value) -> Value {
    Value::List(vec![v])
}

fn node_group_cfg(
    cluster: &str,
    name: &str,
    version: Option<&str>,
    instance: &str,
    nodes: u32,
    subnets: &[&Value],
) -> Value {
    let n = Value::Number(f64::from(nodes));
    let mut pairs = vec![
        ("cluster_name", s(cluster)),
        ("node_group_name", s(name)),
        ("node_role_arn", s("arn:aws:iam::123456789012:role/node")),
        (
            "subnet_ids",
            Value::List(subnets.iter().map(|sn| s(str_of(sn, "id"))).collect()),
        ),
        ("instance_types", list(&[instance])),
        (
            "scaling_config",
            list_of(obj(&[
                ("desired_size", n.clone()),
                ("min_size", Value::Number(1.0)),
                ("max_size", n.clone()),
            ])),
        ),
    ];
    if let Some(v) = version {
        pairs.push(("version", s(v)));
    }
    obj(&pairs)
}

fn with(cfg: &Value, key: &str, v: Value) -> Value {
    let mut m = cfg.as_map().cloned().unwrap();
    m.insert(key.to_string(), v);
    Value::Object(m)
}

struct Net {
    a: Value,
    b: Value,
}

async fn net(p: &Arc<dyn Provider>, prefix: u8) -> Net {
    let v = vpc(p, "10.0.0.0/16").await;
    let a = subnet(p, &v, &format!("10.0.1.0/{prefix}")).await.unwrap();
    let b = subnet(p, &v, &format!("10.0.2.0/{prefix}")).await.unwrap();
    Net { a, b }
}

fn message(r: Result<impl std::fmt::Debug, ProviderError>) -> (String, String) {
    match r {
        Err(ProviderError::Api { code, message }) => (code, message),
        other => panic!("expected an API error, got {other:?}"),
    }
}

#[tokio::test]
async fn cluster_is_created_on_an_offered_version_with_computed_attributes() {
    let sim = eks_sim();
    let p = aws(&sim.factory);
    let n = net(&p, 24).await;
    let c = create(
        &p,
        "aws_eks_cluster",
        cluster_cfg("blue", "1.31", &[&n.a, &n.b]),
    )
    .await
    .unwrap();
    assert_eq!(str_of(&c, "id"), "blue");
    assert_eq!(str_of(&c, "status"), "ACTIVE");
    assert!(str_of(&c, "endpoint").starts_with("https://"));
    assert!(!c.contains_unknown());
}

#[tokio::test]
async fn unsupported_versions_cannot_be_created() {
    let sim = eks_sim();
    let p = aws(&sim.factory);
    let n = net(&p, 24).await;
    for v in ["1.28", "1.36", "1.99"] {
        let (code, msg) =
            message(create(&p, "aws_eks_cluster", cluster_cfg("c", v, &[&n.a])).await);
        assert_eq!(code, "InvalidParameterException", "{v}");
        assert!(msg.contains("unsupported Kubernetes version"), "{msg}");
    }
}

#[tokio::test]
async fn standard_support_policy_refuses_a_version_in_extended_support() {
    let sim = eks_sim();
    let p = aws(&sim.factory);
    let n = net(&p, 24).await;
    let cfg = with(
        &cluster_cfg("c", "1.30", &[&n.a]),
        "upgrade_policy",
        list_of(obj(&[("support_type", s("STANDARD"))])),
    );
    assert_eq!(
        code(create(&p, "aws_eks_cluster", cfg).await),
        "InvalidParameterException"
    );
}

#[tokio::test]
async fn control_plane_moves_one_minor_up_and_never_down() {
    let sim = eks_sim();
    let p = aws(&sim.factory);
    let n = net(&p, 24).await;
    let c = create(&p, "aws_eks_cluster", cluster_cfg("c", "1.30", &[&n.a]))
        .await
        .unwrap();
    for v in ["1.32", "1.29"] {
        let (code, msg) =
            message(update(&p, "aws_eks_cluster", &c, cluster_cfg("c", v, &[&n.a])).await);
        assert_eq!(code, "InvalidParameterException");
        assert!(
            msg.contains("Unsupported Kubernetes minor version update from 1.30"),
            "{msg}"
        );
    }
    let before = sim.factory.virtual_elapsed();
    let (_, after) = update(&p, "aws_eks_cluster", &c, cluster_cfg("c", "1.31", &[&n.a]))
        .await
        .unwrap();
    assert_eq!(str_of(&after, "version"), "1.31");
    assert_eq!(
        sim.factory.virtual_elapsed() - before,
        Duration::from_secs(600)
    );
}

#[tokio::test]
async fn control_plane_update_is_refused_while_a_node_group_is_behind() {
    let sim = eks_sim();
    let p = aws(&sim.factory);
    let n = net(&p, 24).await;
    let c = create(&p, "aws_eks_cluster", cluster_cfg("c", "1.30", &[&n.a]))
        .await
        .unwrap();
    let ng_cfg = node_group_cfg("c", "ng", None, "m5.large", 2, &[&n.a]);
    let ng = create(&p, "aws_eks_node_group", ng_cfg).await.unwrap();
    assert_eq!(
        str_of(&ng, "version"),
        "1.30",
        "created at the control plane's version"
    );
    let (_, c) = update(&p, "aws_eks_cluster", &c, cluster_cfg("c", "1.31", &[&n.a]))
        .await
        .unwrap();
    let (code, msg) =
        message(update(&p, "aws_eks_cluster", &c, cluster_cfg("c", "1.32", &[&n.a])).await);
    assert_eq!(code, "InvalidRequestException");
    assert!(
        msg.contains("Nodegroup ng is at Kubernetes version 1.30"),
        "{msg}"
    );
    // The valid path: nodes follow, then the control plane moves again.
    let (_, ng) = update(
        &p,
        "aws_eks_node_group",
        &ng,
        node_group_cfg("c", "ng", Some("1.31"), "m5.large", 2, &[&n.a]),
    )
    .await
    .unwrap();
    assert_eq!(str_of(&ng, "version"), "1.31");
    update(&p, "aws_eks_cluster", &c, cluster_cfg("c", "1.32", &[&n.a]))
        .await
        .unwrap();
}

#[tokio::test]
async fn node_groups_are_created_at_the_cluster_version_and_never_pass_it() {
    let sim = eks_sim();
    let p = aws(&sim.factory);
    let n = net(&p, 24).await;
    create(&p, "aws_eks_cluster", cluster_cfg("c", "1.31", &[&n.a]))
        .await
        .unwrap();
    let older = node_group_cfg("c", "old", Some("1.30"), "m5.large", 1, &[&n.a]);
    assert_eq!(
        code(create(&p, "aws_eks_node_group", older).await),
        "InvalidParameterException"
    );
    let ng = create(
        &p,
        "aws_eks_node_group",
        node_group_cfg("c", "ng", Some("1.31"), "m5.large", 1, &[&n.a]),
    )
    .await
    .unwrap();
    let newer = node_group_cfg("c", "ng", Some("1.32"), "m5.large", 1, &[&n.a]);
    let (code_, msg) = message(update(&p, "aws_eks_node_group", &ng, newer).await);
    assert_eq!(code_, "InvalidParameterException");
    assert!(
        msg.contains("newer than the cluster's version 1.31"),
        "{msg}"
    );
}

#[tokio::test]
async fn node_group_version_update_rolls_nodes_per_max_unavailable() {
    let sim = eks_sim();
    let p = aws(&sim.factory);
    let n = net(&p, 24).await;
    let c = create(&p, "aws_eks_cluster", cluster_cfg("c", "1.30", &[&n.a]))
        .await
        .unwrap();
    let cfg = |v: &str| {
        with(
            &node_group_cfg("c", "ng", Some(v), "m5.large", 6, &[&n.a]),
            "update_config",
            list_of(obj(&[("max_unavailable", Value::Number(2.0))])),
        )
    };
    let ng = create(&p, "aws_eks_node_group", cfg("1.30")).await.unwrap();
    update(&p, "aws_eks_cluster", &c, cluster_cfg("c", "1.31", &[&n.a]))
        .await
        .unwrap();
    let before = sim.factory.virtual_elapsed();
    update(&p, "aws_eks_node_group", &ng, cfg("1.31"))
        .await
        .unwrap();
    // 6 nodes, 2 at a time: 3 batches of 5 minutes.
    assert_eq!(
        sim.factory.virtual_elapsed() - before,
        Duration::from_secs(900)
    );
}

#[tokio::test]
async fn an_update_while_another_is_in_progress_is_refused() {
    let sim = eks_sim();
    let p = aws(&sim.factory);
    let n = net(&p, 24).await;
    let c = create(&p, "aws_eks_cluster", cluster_cfg("c", "1.30", &[&n.a]))
        .await
        .unwrap();
    sim.factory.inject(Fault::new(
        FaultKind::Stuck,
        FaultTarget::Type("aws_eks_cluster".into()),
        1,
    ));
    let r = update(&p, "aws_eks_cluster", &c, cluster_cfg("c", "1.31", &[&n.a])).await;
    assert!(matches!(r, Err(ProviderError::Timeout(_))), "{r:?}");
    let (code_, msg) =
        message(update(&p, "aws_eks_cluster", &c, cluster_cfg("c", "1.31", &[&n.a])).await);
    assert_eq!(code_, "ResourceInUseException");
    assert!(msg.contains("update in progress"), "{msg}");
}

#[tokio::test]
async fn addon_versions_must_suit_the_cluster_version() {
    let sim = eks_sim();
    let p = aws(&sim.factory);
    let n = net(&p, 24).await;
    create(&p, "aws_eks_cluster", cluster_cfg("c", "1.33", &[&n.a]))
        .await
        .unwrap();
    let addon = |name: &str, v: &str| {
        obj(&[
            ("cluster_name", s("c")),
            ("addon_name", s(name)),
            ("addon_version", s(v)),
        ])
    };
    let (code_, msg) =
        message(create(&p, "aws_eks_addon", addon("coredns", "v1.11.4-eksbuild.24")).await);
    assert_eq!(code_, "InvalidParameterException");
    assert!(
        msg.contains("not supported for Kubernetes version 1.33"),
        "{msg}"
    );
    assert_eq!(
        code(create(&p, "aws_eks_addon", addon("banana", "v1.0.0")).await),
        "InvalidParameterException"
    );
    let ok = create(&p, "aws_eks_addon", addon("coredns", "v1.12.4-eksbuild.1"))
        .await
        .unwrap();
    assert_eq!(str_of(&ok, "id"), "c:coredns");
    let defaulted = create(
        &p,
        "aws_eks_addon",
        obj(&[("cluster_name", s("c")), ("addon_name", s("kube-proxy"))]),
    )
    .await
    .unwrap();
    assert_eq!(str_of(&defaulted, "addon_version"), "v1.33.5-eksbuild.2");
}

#[tokio::test]
async fn addon_updates_move_one_minor_at_a_time_and_never_down() {
    let sim = eks_sim();
    let p = aws(&sim.factory);
    let n = net(&p, 24).await;
    create(&p, "aws_eks_cluster", cluster_cfg("c", "1.31", &[&n.a]))
        .await
        .unwrap();
    let cni = |v: &str| {
        obj(&[
            ("cluster_name", s("c")),
            ("addon_name", s("vpc-cni")),
            ("addon_version", s(v)),
        ])
    };
    let a = create(&p, "aws_eks_addon", cni("v1.18.6-eksbuild.1"))
        .await
        .unwrap();
    // Planned (galley plans it as one update per minor), refused by the update call.
    plan(&p, "aws_eks_addon", Some(&a), &cni("v1.20.1-eksbuild.1"))
        .await
        .unwrap();
    let (_, m) = message(update(&p, "aws_eks_addon", &a, cni("v1.20.1-eksbuild.1")).await);
    assert!(m.contains("skips a minor version"), "{m}");
    let (_, b) = update(&p, "aws_eks_addon", &a, cni("v1.19.2-eksbuild.1"))
        .await
        .unwrap();
    let (_, m) = message(update(&p, "aws_eks_addon", &b, cni("v1.18.6-eksbuild.1")).await);
    assert!(m.contains("downgrade"), "{m}");
}

#[tokio::test]
async fn node_groups_take_addresses_from_their_subnets() {
    let sim = eks_sim();
    let p = aws(&sim.factory);
    let n = net(&p, 24).await;
    create(
        &p,
        "aws_eks_cluster",
        cluster_cfg("c", "1.31", &[&n.a, &n.b]),
    )
    .await
    .unwrap();
    // m5.large: 1 primary + 10 warm per node; 4 nodes over 2 subnets = 22 per subnet.
    create(
        &p,
        "aws_eks_node_group",
        node_group_cfg("c", "ng", None, "m5.large", 4, &[&n.a, &n.b]),
    )
    .await
    .unwrap();
    let a = p.read("aws_subnet", &n.a).await.unwrap().unwrap();
    assert_eq!(
        attr(&a, "available_ip_address_count"),
        &Value::Number(251.0 - 22.0)
    );
}

#[tokio::test]
async fn a_node_group_beyond_the_free_addresses_fails_and_two_clusters_compete() {
    let sim = eks_sim();
    let p = aws(&sim.factory);
    let n = net(&p, 24).await;
    create(
        &p,
        "aws_eks_cluster",
        cluster_cfg("blue", "1.31", &[&n.a, &n.b]),
    )
    .await
    .unwrap();
    create(
        &p,
        "aws_eks_cluster",
        cluster_cfg("green", "1.32", &[&n.a, &n.b]),
    )
    .await
    .unwrap();
    // 30 m5.large nodes over two /24s: 15 per subnet x 11 = 165 of 251 each.
    create(
        &p,
        "aws_eks_node_group",
        node_group_cfg("blue", "ng", None, "m5.large", 30, &[&n.a, &n.b]),
    )
    .await
    .unwrap();
    let (code_, msg) = message(
        create(
            &p,
            "aws_eks_node_group",
            node_group_cfg("green", "ng", None, "m5.large", 30, &[&n.a, &n.b]),
        )
        .await,
    );
    assert_eq!(code_, "InsufficientFreeAddresses");
    assert!(
        msg.contains("needs 165 addresses") && msg.contains("86 free"),
        "{msg}"
    );
    // Fewer nodes fit beside the blue cluster.
    create(
        &p,
        "aws_eks_node_group",
        node_group_cfg("green", "small", None, "m5.large", 14, &[&n.a, &n.b]),
    )
    .await
    .unwrap();
}

#[tokio::test]
async fn a_timeouts_block_is_accepted_kept_and_changed_in_place() {
    let sim = eks_sim();
    let p = aws(&sim.factory);
    let n = net(&p, 24).await;
    let timeouts = |create: &str| obj(&[("create", s(create))]);
    let cfg = with(
        &cluster_cfg("blue", "1.31", &[&n.a, &n.b]),
        "timeouts",
        timeouts("60m"),
    );
    let c = create(&p, "aws_eks_cluster", cfg.clone()).await.unwrap();
    assert_eq!(str_of(&c, "status"), "ACTIVE");
    assert_eq!(str_of(attr(&c, "timeouts"), "create"), "60m");
    assert!(!c.contains_unknown());

    let (planned, after) = update(
        &p,
        "aws_eks_cluster",
        &c,
        with(&cfg, "timeouts", timeouts("90m")),
    )
    .await
    .unwrap();
    assert!(planned.requires_replace.is_empty());
    assert_eq!(str_of(&after, "id"), "blue");
    assert_eq!(str_of(attr(&after, "timeouts"), "create"), "90m");
}
