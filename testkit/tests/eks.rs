//! The EKS fake driven by the real aws-sdk-eks client.

mod common;

use aws_sdk_eks::error::ProvideErrorMetadata;
use aws_sdk_eks::types::{
    ClusterStatus, NodegroupScalingConfig, NodegroupStatus, UpdateStatus, VpcConfigRequest,
};
use aws_sdk_eks::Client;
use testkit::fake::FakeAws;

async fn create_cluster(eks: &Client, name: &str, version: &str) {
    eks.create_cluster()
        .name(name)
        .version(version)
        .role_arn("arn:aws:iam::123456789012:role/eks")
        .resources_vpc_config(
            VpcConfigRequest::builder()
                .subnet_ids("subnet-a")
                .subnet_ids("subnet-b")
                .build(),
        )
        .send()
        .await
        .unwrap();
}

async fn status(eks: &Client, name: &str) -> ClusterStatus {
    let out = eks.describe_cluster().name(name).send().await.unwrap();
    out.cluster().unwrap().status().unwrap().clone()
}

/// A cluster that is ACTIVE (the fake set to complete transitions at the first describe).
async fn active_cluster(fake: &FakeAws, eks: &Client, name: &str, version: &str) {
    fake.set_polls(0);
    create_cluster(eks, name, version).await;
    assert_eq!(status(eks, name).await, ClusterStatus::Active);
}

async fn update_status(eks: &Client, name: &str, id: &str) -> UpdateStatus {
    let out = eks
        .describe_update()
        .name(name)
        .update_id(id)
        .send()
        .await
        .unwrap();
    out.update().unwrap().status().unwrap().clone()
}

async fn create_nodegroup(eks: &Client, cluster: &str, name: &str) {
    eks.create_nodegroup()
        .cluster_name(cluster)
        .nodegroup_name(name)
        .node_role("arn:aws:iam::123456789012:role/nodes")
        .subnets("subnet-a")
        .scaling_config(
            NodegroupScalingConfig::builder()
                .min_size(1)
                .max_size(3)
                .desired_size(2)
                .build(),
        )
        .send()
        .await
        .unwrap();
    // With the polls at 0 (active_cluster) the first describe finds it ACTIVE.
    eks.describe_nodegroup()
        .cluster_name(cluster)
        .nodegroup_name(name)
        .send()
        .await
        .unwrap();
}

#[tokio::test]
async fn cluster_is_creating_for_the_polls_then_active() {
    let fake = FakeAws::start();
    let eks = common::eks(&fake);
    create_cluster(&eks, "prod", "1.31").await;

    assert_eq!(status(&eks, "prod").await, ClusterStatus::Creating);
    assert_eq!(status(&eks, "prod").await, ClusterStatus::Creating);
    assert_eq!(status(&eks, "prod").await, ClusterStatus::Active);

    let out = eks.describe_cluster().name("prod").send().await.unwrap();
    let cluster = out.cluster().unwrap();
    assert_eq!(cluster.version(), Some("1.31"));
    assert_eq!(
        cluster.arn(),
        Some("arn:aws:eks:us-east-1:123456789012:cluster/prod")
    );
    assert!(cluster.endpoint().unwrap().starts_with("https://"));
    assert_eq!(
        cluster.resources_vpc_config().unwrap().subnet_ids(),
        ["subnet-a", "subnet-b"]
    );
    assert!(cluster.created_at().is_some());
    let names = eks.list_clusters().send().await.unwrap();
    assert_eq!(names.clusters(), ["prod"]);
}

#[tokio::test]
async fn arn_region_comes_from_the_signature() {
    let fake = FakeAws::start();
    let eks = common::eks_in(&fake, "eu-west-3", 1);
    create_cluster(&eks, "paris", "1.33").await;
    let out = eks.describe_cluster().name("paris").send().await.unwrap();
    assert_eq!(
        out.cluster().unwrap().arn(),
        Some("arn:aws:eks:eu-west-3:123456789012:cluster/paris")
    );
}

#[tokio::test]
async fn duplicate_cluster_and_ended_version_are_refused() {
    let fake = FakeAws::start();
    let eks = common::eks(&fake);
    create_cluster(&eks, "prod", "1.31").await;
    let again = eks
        .create_cluster()
        .name("prod")
        .role_arn("arn:aws:iam::123456789012:role/eks")
        .resources_vpc_config(
            VpcConfigRequest::builder()
                .subnet_ids("a")
                .subnet_ids("b")
                .build(),
        )
        .send()
        .await
        .unwrap_err();
    assert!(again.into_service_error().is_resource_in_use_exception());

    // 1.28 left extended support on 2025-11-26.
    let ended = eks
        .create_cluster()
        .name("old")
        .version("1.28")
        .role_arn("arn:aws:iam::123456789012:role/eks")
        .resources_vpc_config(
            VpcConfigRequest::builder()
                .subnet_ids("a")
                .subnet_ids("b")
                .build(),
        )
        .send()
        .await
        .unwrap_err();
    assert!(ended.into_service_error().is_invalid_parameter_exception());
}

#[tokio::test]
async fn version_update_moves_one_minor_and_reports_progress() {
    let fake = FakeAws::start();
    let eks = common::eks(&fake);
    active_cluster(&fake, &eks, "prod", "1.31").await;
    fake.set_polls(2);

    let out = eks
        .update_cluster_version()
        .name("prod")
        .version("1.32")
        .send()
        .await
        .unwrap();
    let update = out.update().unwrap();
    let id = update.id().unwrap().to_string();
    assert_eq!(update.status(), Some(&UpdateStatus::InProgress));
    assert_eq!(update.r#type().unwrap().as_str(), "VersionUpdate");

    assert_eq!(
        update_status(&eks, "prod", &id).await,
        UpdateStatus::InProgress
    );
    assert_eq!(status(&eks, "prod").await, ClusterStatus::Updating);
    // Two observations so far (DescribeUpdate, DescribeCluster): the third completes it.
    assert_eq!(
        update_status(&eks, "prod", &id).await,
        UpdateStatus::Successful
    );
    assert_eq!(status(&eks, "prod").await, ClusterStatus::Active);

    let out = eks.describe_cluster().name("prod").send().await.unwrap();
    assert_eq!(out.cluster().unwrap().version(), Some("1.32"));
    let ids = eks.list_updates().name("prod").send().await.unwrap();
    assert_eq!(ids.update_ids(), [id.as_str()]);
    assert!(fake
        .requests()
        .contains(&"POST /clusters/prod/updates".to_string()));
}

#[tokio::test]
async fn version_update_skipping_a_minor_is_an_invalid_parameter() {
    let fake = FakeAws::start();
    let eks = common::eks(&fake);
    active_cluster(&fake, &eks, "prod", "1.31").await;
    for target in ["1.33", "1.30", "1.31"] {
        let err = eks
            .update_cluster_version()
            .name("prod")
            .version(target)
            .send()
            .await
            .unwrap_err();
        let err = err.into_service_error();
        assert!(err.is_invalid_parameter_exception(), "{target}: {err:?}");
        assert!(err.message().unwrap().contains("1.31"), "{target}");
    }
}

#[tokio::test]
async fn version_update_is_refused_while_another_runs_or_the_cluster_is_creating() {
    let fake = FakeAws::start();
    let eks = common::eks(&fake);
    create_cluster(&eks, "prod", "1.31").await;
    let creating = eks
        .update_cluster_version()
        .name("prod")
        .version("1.32")
        .send()
        .await
        .unwrap_err();
    assert!(creating.into_service_error().is_resource_in_use_exception());

    status(&eks, "prod").await;
    status(&eks, "prod").await;
    assert_eq!(status(&eks, "prod").await, ClusterStatus::Active);
    eks.update_cluster_version()
        .name("prod")
        .version("1.32")
        .send()
        .await
        .unwrap();
    let busy = eks
        .update_cluster_config()
        .name("prod")
        .upgrade_policy(
            aws_sdk_eks::types::UpgradePolicyRequest::builder()
                .support_type(aws_sdk_eks::types::SupportType::Standard)
                .build(),
        )
        .send()
        .await
        .unwrap_err();
    assert!(busy.into_service_error().is_resource_in_use_exception());
}

#[tokio::test]
async fn config_update_applies_when_it_completes() {
    let fake = FakeAws::start();
    let eks = common::eks(&fake);
    active_cluster(&fake, &eks, "prod", "1.31").await;
    fake.set_polls(1);
    let out = eks
        .update_cluster_config()
        .name("prod")
        .upgrade_policy(
            aws_sdk_eks::types::UpgradePolicyRequest::builder()
                .support_type(aws_sdk_eks::types::SupportType::Standard)
                .build(),
        )
        .send()
        .await
        .unwrap();
    let id = out.update().unwrap().id().unwrap().to_string();
    assert_eq!(
        out.update().unwrap().r#type().unwrap().as_str(),
        "UpgradePolicyUpdate"
    );
    let policy = |out: &aws_sdk_eks::operation::describe_cluster::DescribeClusterOutput| {
        out.cluster()
            .unwrap()
            .upgrade_policy()
            .unwrap()
            .support_type()
            .unwrap()
            .as_str()
            .to_string()
    };
    let before = eks.describe_cluster().name("prod").send().await.unwrap();
    assert_eq!(policy(&before), "EXTENDED");
    assert_eq!(
        update_status(&eks, "prod", &id).await,
        UpdateStatus::Successful
    );
    let after = eks.describe_cluster().name("prod").send().await.unwrap();
    assert_eq!(policy(&after), "STANDARD");
}

#[tokio::test]
async fn node_groups_follow_the_control_plane() {
    let fake = FakeAws::start();
    let eks = common::eks(&fake);
    active_cluster(&fake, &eks, "prod", "1.31").await;

    // Created only at the cluster's version.
    let older = eks
        .create_nodegroup()
        .cluster_name("prod")
        .nodegroup_name("old")
        .node_role("arn:aws:iam::123456789012:role/nodes")
        .subnets("subnet-a")
        .version("1.30")
        .send()
        .await
        .unwrap_err();
    assert!(older.into_service_error().is_invalid_parameter_exception());

    create_nodegroup(&eks, "prod", "workers").await;
    let out = eks
        .describe_nodegroup()
        .cluster_name("prod")
        .nodegroup_name("workers")
        .send()
        .await
        .unwrap();
    let ng = out.nodegroup().unwrap();
    assert_eq!(ng.status(), Some(&NodegroupStatus::Active));
    assert_eq!(ng.version(), Some("1.31"));
    assert_eq!(ng.scaling_config().unwrap().desired_size(), Some(2));

    // Not newer than the control plane.
    let newer = eks
        .update_nodegroup_version()
        .cluster_name("prod")
        .nodegroup_name("workers")
        .version("1.32")
        .send()
        .await
        .unwrap_err();
    assert!(newer.into_service_error().is_invalid_parameter_exception());

    eks.update_cluster_version()
        .name("prod")
        .version("1.32")
        .send()
        .await
        .unwrap();
    assert_eq!(status(&eks, "prod").await, ClusterStatus::Active);

    // The next control-plane update waits for the node group.
    let behind = eks
        .update_cluster_version()
        .name("prod")
        .version("1.33")
        .send()
        .await
        .unwrap_err();
    assert!(behind.into_service_error().is_invalid_request_exception());

    let out = eks
        .update_nodegroup_version()
        .cluster_name("prod")
        .nodegroup_name("workers")
        .version("1.32")
        .send()
        .await
        .unwrap();
    let id = out.update().unwrap().id().unwrap().to_string();
    // The update belongs to the node group: without nodegroupName EKS does not find it.
    let unscoped = eks
        .describe_update()
        .name("prod")
        .update_id(&id)
        .send()
        .await
        .unwrap_err();
    assert!(unscoped
        .into_service_error()
        .is_resource_not_found_exception());
    let scoped = eks
        .describe_update()
        .name("prod")
        .update_id(&id)
        .nodegroup_name("workers")
        .send()
        .await
        .unwrap();
    assert_eq!(
        scoped.update().unwrap().status(),
        Some(&UpdateStatus::Successful)
    );
    let out = eks
        .describe_nodegroup()
        .cluster_name("prod")
        .nodegroup_name("workers")
        .send()
        .await
        .unwrap();
    assert_eq!(out.nodegroup().unwrap().version(), Some("1.32"));
    eks.update_cluster_version()
        .name("prod")
        .version("1.33")
        .send()
        .await
        .unwrap();
}

#[tokio::test]
async fn node_group_update_beyond_the_skew_policy_is_refused() {
    let fake = FakeAws::start();
    let eks = common::eks(&fake);
    active_cluster(&fake, &eks, "prod", "1.31").await;
    create_nodegroup(&eks, "prod", "workers").await;
    // AWS upgraded the control plane on its own (end of support): 1.31 kubelets are now
    // four minors behind 1.35, one more than the policy allows.
    fake.force_cluster_version("prod", "1.35");

    let stay = eks
        .update_nodegroup_version()
        .cluster_name("prod")
        .nodegroup_name("workers")
        .send()
        .await
        .unwrap_err();
    assert!(stay.into_service_error().is_invalid_parameter_exception());
    let older = eks
        .update_nodegroup_version()
        .cluster_name("prod")
        .nodegroup_name("workers")
        .version("1.30")
        .send()
        .await
        .unwrap_err();
    assert!(older.into_service_error().is_invalid_parameter_exception());
    eks.update_nodegroup_version()
        .cluster_name("prod")
        .nodegroup_name("workers")
        .version("1.32")
        .send()
        .await
        .unwrap();
}

#[tokio::test]
async fn node_group_scaling_update_checks_the_bounds() {
    let fake = FakeAws::start();
    let eks = common::eks(&fake);
    active_cluster(&fake, &eks, "prod", "1.31").await;
    create_nodegroup(&eks, "prod", "workers").await;
    let bad = eks
        .update_nodegroup_config()
        .cluster_name("prod")
        .nodegroup_name("workers")
        .scaling_config(NodegroupScalingConfig::builder().desired_size(5).build())
        .send()
        .await
        .unwrap_err();
    assert!(bad.into_service_error().is_invalid_parameter_exception());

    eks.update_nodegroup_config()
        .cluster_name("prod")
        .nodegroup_name("workers")
        .scaling_config(
            NodegroupScalingConfig::builder()
                .max_size(6)
                .desired_size(5)
                .build(),
        )
        .send()
        .await
        .unwrap();
    let out = eks
        .describe_nodegroup()
        .cluster_name("prod")
        .nodegroup_name("workers")
        .send()
        .await
        .unwrap();
    let scaling = out.nodegroup().unwrap().scaling_config().unwrap();
    assert_eq!(
        (
            scaling.min_size(),
            scaling.max_size(),
            scaling.desired_size()
        ),
        (Some(1), Some(6), Some(5))
    );
}

#[tokio::test]
async fn addons_take_only_catalog_versions_for_the_cluster() {
    let fake = FakeAws::start();
    let eks = common::eks(&fake);
    active_cluster(&fake, &eks, "prod", "1.31").await;

    let versions = eks
        .describe_addon_versions()
        .kubernetes_version("1.31")
        .addon_name("kube-proxy")
        .send()
        .await
        .unwrap();
    let addon = &versions.addons()[0];
    assert_eq!(addon.addon_name(), Some("kube-proxy"));
    let default = addon
        .addon_versions()
        .iter()
        .find(|v| v.compatibilities()[0].default_version())
        .unwrap();
    assert_eq!(default.addon_version(), Some("v1.31.13-eksbuild.2"));

    let wrong = eks
        .create_addon()
        .cluster_name("prod")
        .addon_name("kube-proxy")
        .addon_version("v1.32.9-eksbuild.2")
        .send()
        .await
        .unwrap_err();
    let wrong = wrong.into_service_error();
    assert!(wrong.is_invalid_parameter_exception());
    assert!(wrong.message().unwrap().contains("v1.31.13-eksbuild.2"));

    let out = eks
        .create_addon()
        .cluster_name("prod")
        .addon_name("kube-proxy")
        .send()
        .await
        .unwrap();
    assert_eq!(
        out.addon().unwrap().addon_version(),
        Some("v1.31.13-eksbuild.2")
    );
    let out = eks
        .describe_addon()
        .cluster_name("prod")
        .addon_name("kube-proxy")
        .send()
        .await
        .unwrap();
    assert_eq!(out.addon().unwrap().status().unwrap().as_str(), "ACTIVE");
    let unknown = eks
        .create_addon()
        .cluster_name("prod")
        .addon_name("coredns")
        .addon_version("v1.99.0-eksbuild.1")
        .send()
        .await
        .unwrap_err();
    assert!(unknown
        .into_service_error()
        .is_invalid_parameter_exception());

    // After the control plane moves to 1.32, kube-proxy follows it one minor up.
    eks.update_cluster_version()
        .name("prod")
        .version("1.32")
        .send()
        .await
        .unwrap();
    assert_eq!(status(&eks, "prod").await, ClusterStatus::Active);
    let out = eks
        .update_addon()
        .cluster_name("prod")
        .addon_name("kube-proxy")
        .addon_version("v1.32.9-eksbuild.2")
        .send()
        .await
        .unwrap();
    let id = out.update().unwrap().id().unwrap().to_string();
    let update = eks
        .describe_update()
        .name("prod")
        .update_id(&id)
        .addon_name("kube-proxy")
        .send()
        .await
        .unwrap();
    assert_eq!(
        update.update().unwrap().status(),
        Some(&UpdateStatus::Successful)
    );
    let out = eks
        .describe_addon()
        .cluster_name("prod")
        .addon_name("kube-proxy")
        .send()
        .await
        .unwrap();
    assert_eq!(
        out.addon().unwrap().addon_version(),
        Some("v1.32.9-eksbuild.2")
    );
    let listed = eks.list_addons().cluster_name("prod").send().await.unwrap();
    assert_eq!(listed.addons(), ["kube-proxy"]);
}

#[tokio::test]
async fn cluster_with_node_groups_cannot_be_deleted() {
    let fake = FakeAws::start();
    let eks = common::eks(&fake);
    active_cluster(&fake, &eks, "prod", "1.31").await;
    create_nodegroup(&eks, "prod", "workers").await;
    fake.set_polls(1);

    let err = eks.delete_cluster().name("prod").send().await.unwrap_err();
    assert!(err.into_service_error().is_resource_in_use_exception());

    let out = eks
        .delete_nodegroup()
        .cluster_name("prod")
        .nodegroup_name("workers")
        .send()
        .await
        .unwrap();
    assert_eq!(
        out.nodegroup().unwrap().status(),
        Some(&NodegroupStatus::Deleting)
    );
    let describe = || {
        eks.describe_nodegroup()
            .cluster_name("prod")
            .nodegroup_name("workers")
            .send()
    };
    assert_eq!(
        describe().await.unwrap().nodegroup().unwrap().status(),
        Some(&NodegroupStatus::Deleting)
    );
    let gone = describe().await.unwrap_err();
    assert!(gone.into_service_error().is_resource_not_found_exception());

    let out = eks.delete_cluster().name("prod").send().await.unwrap();
    assert_eq!(
        out.cluster().unwrap().status(),
        Some(&ClusterStatus::Deleting)
    );
    assert_eq!(status(&eks, "prod").await, ClusterStatus::Deleting);
    let gone = eks
        .describe_cluster()
        .name("prod")
        .send()
        .await
        .unwrap_err();
    let gone = gone.into_service_error();
    assert!(gone.is_resource_not_found_exception());
    assert_eq!(gone.code(), Some("ResourceNotFoundException"));
}

#[tokio::test]
async fn tags_are_set_listed_and_removed_by_arn() {
    let fake = FakeAws::start();
    let eks = common::eks(&fake);
    create_cluster(&eks, "prod", "1.31").await;
    let arn = "arn:aws:eks:us-east-1:123456789012:cluster/prod";
    eks.tag_resource()
        .resource_arn(arn)
        .tags("team", "platform")
        .tags("env", "prod")
        .send()
        .await
        .unwrap();
    eks.untag_resource()
        .resource_arn(arn)
        .tag_keys("env")
        .send()
        .await
        .unwrap();
    let out = eks
        .list_tags_for_resource()
        .resource_arn(arn)
        .send()
        .await
        .unwrap();
    let tags = out.tags().unwrap();
    assert_eq!(tags.len(), 1);
    assert_eq!(tags["team"], "platform");

    let missing = eks
        .list_tags_for_resource()
        .resource_arn("arn:aws:eks:us-east-1:123456789012:cluster/none")
        .send()
        .await
        .unwrap_err();
    assert!(missing.into_service_error().is_not_found_exception());
}

#[test]
fn a_sync_test_can_use_the_fake_and_unknown_calls_name_themselves() {
    use std::io::{Read, Write};
    let fake = FakeAws::start();
    let addr = fake.endpoint().trim_start_matches("http://").to_string();
    let mut stream = std::net::TcpStream::connect(&addr).unwrap();
    write!(
        stream,
        "GET /clusters/x/nothing-here HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).unwrap();
    assert!(response.starts_with("HTTP/1.1 404"), "{response}");
    assert!(response
        .to_lowercase()
        .contains("x-amzn-errortype: unknownoperationexception"));
    assert_eq!(fake.requests(), ["GET /clusters/x/nothing-here"]);
}
