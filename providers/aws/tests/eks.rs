//! EKS clusters, node groups and add-ons through the real provider, against the EKS fake
//! (`testkit::fake::FakeAws`): created and waited on until ACTIVE, upgraded one minor
//! version (control plane, then nodes, then add-on) through the update calls and
//! `DescribeUpdate`, refused at plan time when the catalog says no, deleted.

mod common;

use common::{apply, destroy, plan, provider, provider_with, text, v};
use engine::value::Value;
use serde_json::json;
use testkit::fake::FakeAws;

fn cluster(name: &str, version: &str) -> Value {
    v(json!({
        "name": name,
        "role_arn": "arn:aws:iam::123456789012:role/eks",
        "version": version,
        "vpc_config": [{ "subnet_ids": ["subnet-a", "subnet-b"] }],
        "tags": { "team": "accounts" },
    }))
}

fn node_group(cluster: &str, version: Option<&str>, desired: u32) -> Value {
    let mut ng = json!({
        "cluster_name": cluster,
        "node_group_name": "workers",
        "node_role_arn": "arn:aws:iam::123456789012:role/nodes",
        "subnet_ids": ["subnet-a", "subnet-b"],
        "instance_types": ["m6i.large"],
        "scaling_config": [{ "min_size": 1, "desired_size": desired, "max_size": 4 }],
    });
    if let Some(version) = version {
        ng["version"] = json!(version);
    }
    v(ng)
}

fn addon(cluster: &str, version: &str) -> Value {
    v(json!({
        "cluster_name": cluster,
        "addon_name": "kube-proxy",
        "addon_version": version,
    }))
}

fn count(fake: &FakeAws, request: &str) -> usize {
    fake.requests().iter().filter(|r| *r == request).count()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cluster_with_nodes_and_an_addon_is_created_upgraded_one_minor_and_deleted() {
    let fake = FakeAws::start();
    let p = provider(&[("eks", &fake.endpoint())]);

    let c = apply(&p, "aws_eks_cluster", None, &cluster("accounts", "1.34"))
        .await
        .unwrap();
    assert_eq!(text(&c, "status"), "ACTIVE");
    assert_eq!(text(&c, "id"), "accounts");
    assert!(text(&c, "endpoint").starts_with("https://"), "{c:?}");
    assert!(text(&c, "arn").ends_with(":cluster/accounts"));
    let ng = apply(
        &p,
        "aws_eks_node_group",
        None,
        &node_group("accounts", None, 2),
    )
    .await
    .unwrap();
    assert_eq!(text(&ng, "id"), "accounts:workers");
    assert_eq!(
        text(&ng, "version"),
        "1.34",
        "created at the cluster's version"
    );
    let release = text(&ng, "release_version").to_string();
    let kp = apply(
        &p,
        "aws_eks_addon",
        None,
        &addon("accounts", "v1.34.1-eksbuild.2"),
    )
    .await
    .unwrap();
    assert_eq!(text(&kp, "addon_version"), "v1.34.1-eksbuild.2");

    // Nothing changed: the plan over each state is the state.
    for (ty, state, config) in [
        ("aws_eks_cluster", &c, cluster("accounts", "1.34")),
        ("aws_eks_node_group", &ng, node_group("accounts", None, 2)),
        (
            "aws_eks_addon",
            &kp,
            addon("accounts", "v1.34.1-eksbuild.2"),
        ),
    ] {
        let planned = plan(&p, ty, Some(state), &config).await.unwrap();
        assert_eq!(
            &planned, state,
            "{ty} shows a difference with nothing changed"
        );
        // Nor after a refresh: what AWS reports matches what was applied.
        let read = p.read(ty, state).await.unwrap().expect("it exists");
        let planned = plan(&p, ty, Some(&read), &config).await.unwrap();
        assert_eq!(planned, read, "{ty} shows a difference after a refresh");
    }

    // One minor up, in EKS's order: control plane, nodes, add-on.
    let c2 = apply(
        &p,
        "aws_eks_cluster",
        Some(&c),
        &cluster("accounts", "1.35"),
    )
    .await
    .unwrap();
    assert_eq!(text(&c2, "version"), "1.35");
    assert_eq!(count(&fake, "POST /clusters/accounts/updates"), 1);
    let ng2 = apply(
        &p,
        "aws_eks_node_group",
        Some(&ng),
        &node_group("accounts", Some("1.35"), 3),
    )
    .await
    .unwrap();
    assert_eq!(text(&ng2, "version"), "1.35");
    assert_ne!(text(&ng2, "release_version"), release, "a new AMI release");
    let desired = ng2
        .get_attr("scaling_config")
        .and_then(Value::as_seq)
        .and_then(|b| b.first())
        .and_then(|b| b.get_attr("desired_size"))
        .and_then(Value::as_f64);
    assert_eq!(desired, Some(3.0));
    assert_eq!(
        count(
            &fake,
            "POST /clusters/accounts/node-groups/workers/update-version"
        ),
        1
    );
    assert_eq!(
        count(
            &fake,
            "POST /clusters/accounts/node-groups/workers/update-config"
        ),
        1
    );
    let kp2 = apply(
        &p,
        "aws_eks_addon",
        Some(&kp),
        &addon("accounts", "v1.35.3-eksbuild.13"),
    )
    .await
    .unwrap();
    assert_eq!(text(&kp2, "addon_version"), "v1.35.3-eksbuild.13");
    assert!(
        fake.requests()
            .iter()
            .any(|r| r.starts_with("GET /clusters/accounts/updates/")),
        "updates are followed through DescribeUpdate"
    );

    // Read back what AWS reports.
    let read = p.read("aws_eks_cluster", &c2).await.unwrap().unwrap();
    assert_eq!(text(&read, "version"), "1.35");

    destroy(&p, "aws_eks_addon", &kp2).await.unwrap();
    destroy(&p, "aws_eks_node_group", &ng2).await.unwrap();
    destroy(&p, "aws_eks_cluster", &c2).await.unwrap();
    assert_eq!(p.read("aws_eks_cluster", &c2).await.unwrap(), None);
    // Deleting what is already gone is not an error.
    destroy(&p, "aws_eks_cluster", &c2).await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn versions_the_catalog_refuses_fail_the_plan_without_calling_aws() {
    let fake = FakeAws::start();
    let p = provider(&[("eks", &fake.endpoint())]);
    let e = plan(&p, "aws_eks_cluster", None, &cluster("x", "1.9"))
        .await
        .unwrap_err();
    assert!(
        e.to_string().contains("unsupported Kubernetes version 1.9"),
        "{e}"
    );

    let prior = v(json!({
        "id": "x", "name": "x", "version": "1.35",
        "role_arn": "arn:aws:iam::123456789012:role/eks",
        "vpc_config": [{ "subnet_ids": ["subnet-a", "subnet-b"] }],
    }));
    let e = plan(&p, "aws_eks_cluster", Some(&prior), &cluster("x", "1.34"))
        .await
        .unwrap_err();
    assert!(e.to_string().contains("never downgrades"), "{e}");

    let e = plan(&p, "aws_eks_node_group", None, &node_group("x", None, 9))
        .await
        .unwrap_err();
    assert!(
        e.to_string()
            .contains("min_size <= desired_size <= max_size"),
        "{e}"
    );

    let mut unknown = addon("x", "v1.0.0-eksbuild.1");
    if let Value::Object(m) = &mut unknown {
        m.insert("addon_name".into(), Value::string("not-an-addon"));
    }
    let e = plan(&p, "aws_eks_addon", None, &unknown).await.unwrap_err();
    assert!(e.to_string().contains("not in galley's catalog"), "{e}");
    let prior = v(json!({
        "id": "x:kube-proxy", "cluster_name": "x", "addon_name": "kube-proxy",
        "addon_version": "v1.35.3-eksbuild.13",
    }));
    let e = plan(
        &p,
        "aws_eks_addon",
        Some(&prior),
        &addon("x", "v1.34.1-eksbuild.2"),
    )
    .await
    .unwrap_err();
    assert!(e.to_string().contains("downgrade"), "{e}");
    assert_eq!(fake.requests(), Vec::<String>::new(), "no call reached EKS");
}

/// What EKS refuses when the call is made comes back with its code and message: here an
/// add-on version that does not suit the cluster's Kubernetes version.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_addon_version_eks_refuses_for_the_cluster_is_reported_with_its_reason() {
    let fake = FakeAws::start();
    let p = provider(&[("eks", &fake.endpoint())]);
    let c = apply(&p, "aws_eks_cluster", None, &cluster("refuse", "1.34"))
        .await
        .unwrap();
    let e = apply(
        &p,
        "aws_eks_addon",
        None,
        &addon("refuse", "v1.35.3-eksbuild.13"),
    )
    .await
    .unwrap_err();
    let message = e.to_string();
    assert!(
        message.contains("CreateAddon") && message.contains("v1.35.3-eksbuild.13"),
        "{message}"
    );
    destroy(&p, "aws_eks_cluster", &c).await.unwrap();
}

/// Throttled calls are retried by the SDK, throttled polls slow the wait: neither fails.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn throttling_is_survived() {
    let fake = FakeAws::start();
    let p = provider_with(&[("eks", &fake.endpoint())], None);
    fake.throttle_next(2);
    let c = apply(&p, "aws_eks_cluster", None, &cluster("busy", "1.34"))
        .await
        .unwrap();
    assert_eq!(text(&c, "status"), "ACTIVE");
    let throttled = fake
        .requests()
        .iter()
        .filter(|r| *r == "POST /clusters")
        .count();
    assert_eq!(
        throttled, 3,
        "two throttled CreateCluster calls, then one served"
    );
    destroy(&p, "aws_eks_cluster", &c).await.unwrap();
}
