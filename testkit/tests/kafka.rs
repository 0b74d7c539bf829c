//! The MSK fake driven by the real aws-sdk-kafka client.

mod common;

use aws_sdk_kafka::primitives::Blob;
use aws_sdk_kafka::types::{
    BrokerNodeGroupInfo, ClusterState, ConfigurationInfo, EbsStorageInfo, ProvisionedRequest,
    StorageInfo,
};
use aws_sdk_kafka::Client;
use testkit::fake::FakeAws;

fn broker_group() -> BrokerNodeGroupInfo {
    BrokerNodeGroupInfo::builder()
        .instance_type("kafka.m5.large")
        .client_subnets("subnet-a")
        .client_subnets("subnet-b")
        .client_subnets("subnet-c")
        .storage_info(
            StorageInfo::builder()
                .ebs_storage_info(EbsStorageInfo::builder().volume_size(100).build())
                .build(),
        )
        .build()
}

async fn create_v2(kafka: &Client, name: &str, version: &str) -> String {
    let out = kafka
        .create_cluster_v2()
        .cluster_name(name)
        .provisioned(
            ProvisionedRequest::builder()
                .broker_node_group_info(broker_group())
                .kafka_version(version)
                .number_of_broker_nodes(3)
                .build(),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(out.state(), Some(&ClusterState::Creating));
    out.cluster_arn().unwrap().to_string()
}

async fn state(kafka: &Client, arn: &str) -> ClusterState {
    let out = kafka
        .describe_cluster_v2()
        .cluster_arn(arn)
        .send()
        .await
        .unwrap();
    out.cluster_info().unwrap().state().unwrap().clone()
}

/// `(kafka version, currentVersion)` through the v1 API.
async fn versions(kafka: &Client, arn: &str) -> (String, String) {
    let out = kafka
        .describe_cluster()
        .cluster_arn(arn)
        .send()
        .await
        .unwrap();
    let info = out.cluster_info().unwrap();
    (
        info.current_broker_software_info()
            .unwrap()
            .kafka_version()
            .unwrap()
            .to_string(),
        info.current_version().unwrap().to_string(),
    )
}

async fn active_cluster(fake: &FakeAws, kafka: &Client, name: &str, version: &str) -> String {
    fake.set_polls(0);
    let arn = create_v2(kafka, name, version).await;
    assert_eq!(state(kafka, &arn).await, ClusterState::Active);
    arn
}

#[tokio::test]
async fn cluster_is_creating_for_the_polls_then_active() {
    let fake = FakeAws::start();
    let kafka = common::kafka(&fake);
    let arn = create_v2(&kafka, "events", "3.7.x").await;
    assert!(arn.starts_with("arn:aws:kafka:us-east-1:123456789012:cluster/events/"));

    assert_eq!(state(&kafka, &arn).await, ClusterState::Creating);
    assert_eq!(state(&kafka, &arn).await, ClusterState::Creating);
    assert_eq!(state(&kafka, &arn).await, ClusterState::Active);

    let out = kafka
        .describe_cluster_v2()
        .cluster_arn(&arn)
        .send()
        .await
        .unwrap();
    let info = out.cluster_info().unwrap();
    let provisioned = info.provisioned().unwrap();
    assert_eq!(provisioned.number_of_broker_nodes(), Some(3));
    assert_eq!(
        provisioned
            .broker_node_group_info()
            .unwrap()
            .client_subnets()
            .len(),
        3
    );
    assert!(info.creation_time().is_some());
    let listed = kafka.list_clusters_v2().send().await.unwrap();
    assert_eq!(listed.cluster_info_list().len(), 1);
    let brokers = kafka
        .get_bootstrap_brokers()
        .cluster_arn(&arn)
        .send()
        .await
        .unwrap();
    assert!(brokers
        .bootstrap_broker_string_tls()
        .unwrap()
        .contains(":9094"));
    assert_eq!(brokers.bootstrap_broker_string(), None);
}

#[tokio::test]
async fn broker_count_must_match_the_subnets() {
    let fake = FakeAws::start();
    let kafka = common::kafka(&fake);
    let err = kafka
        .create_cluster()
        .cluster_name("uneven")
        .kafka_version("3.8.x")
        .number_of_broker_nodes(4)
        .broker_node_group_info(broker_group())
        .send()
        .await
        .unwrap_err();
    assert!(err.into_service_error().is_bad_request_exception());
}

#[tokio::test]
async fn compatible_versions_come_from_the_catalog() {
    let fake = FakeAws::start();
    let kafka = common::kafka(&fake);
    let arn = active_cluster(&fake, &kafka, "events", "3.7.x").await;
    let out = kafka
        .get_compatible_kafka_versions()
        .cluster_arn(&arn)
        .send()
        .await
        .unwrap();
    let compatible = &out.compatible_kafka_versions()[0];
    assert_eq!(compatible.source_version(), Some("3.7.x"));
    assert_eq!(compatible.target_versions(), ["3.8.x", "3.9.x"]);

    let all = kafka.list_kafka_versions().send().await.unwrap();
    let status = |v: &str| {
        all.kafka_versions()
            .iter()
            .find(|k| k.version() == Some(v))
            .and_then(|k| k.status())
            .map(|s| s.as_str().to_string())
    };
    assert_eq!(status("3.6.0").as_deref(), Some("ACTIVE"));
    assert_eq!(status("3.5.1").as_deref(), Some("DEPRECATED"));

    fake.set_today(chrono::NaiveDate::from_ymd_opt(2026, 7, 1).unwrap());
    let later = kafka.list_kafka_versions().send().await.unwrap();
    let v360 = later
        .kafka_versions()
        .iter()
        .find(|k| k.version() == Some("3.6.0"))
        .unwrap();
    assert_eq!(v360.status().unwrap().as_str(), "DEPRECATED");
}

#[tokio::test]
async fn version_update_needs_the_current_cluster_version() {
    let fake = FakeAws::start();
    let kafka = common::kafka(&fake);
    let arn = active_cluster(&fake, &kafka, "events", "3.7.x").await;
    let (_, current) = versions(&kafka, &arn).await;

    let stale = kafka
        .update_cluster_kafka_version()
        .cluster_arn(&arn)
        .current_version("K0STALE0000000")
        .target_kafka_version("3.8.x")
        .send()
        .await
        .unwrap_err();
    let stale = stale.into_service_error();
    assert!(stale.is_bad_request_exception(), "{stale:?}");

    let incompatible = kafka
        .update_cluster_kafka_version()
        .cluster_arn(&arn)
        .current_version(&current)
        .target_kafka_version("4.0.x.kraft")
        .send()
        .await
        .unwrap_err();
    assert!(incompatible.into_service_error().is_bad_request_exception());

    // Four observations: two operation describes and two cluster describes in between.
    fake.set_polls(3);
    let out = kafka
        .update_cluster_kafka_version()
        .cluster_arn(&arn)
        .current_version(&current)
        .target_kafka_version("3.8.x")
        .send()
        .await
        .unwrap();
    let operation = out.cluster_operation_arn().unwrap().to_string();
    assert!(operation.contains(":cluster-operation/events/"));

    let describe = || {
        kafka
            .describe_cluster_operation_v2()
            .cluster_operation_arn(&operation)
            .send()
    };
    let first = describe().await.unwrap();
    let info = first.cluster_operation_info().unwrap();
    assert_eq!(info.operation_state(), Some("UPDATE_IN_PROGRESS"));
    assert_eq!(info.operation_type(), Some("UPDATE_CLUSTER_KAFKA_VERSION"));
    assert_eq!(state(&kafka, &arn).await, ClusterState::Updating);
    // A second update while this one runs is refused.
    let (_, during) = versions(&kafka, &arn).await;
    let busy = kafka
        .update_broker_count()
        .cluster_arn(&arn)
        .current_version(&during)
        .target_number_of_broker_nodes(6)
        .send()
        .await
        .unwrap_err();
    assert!(busy.into_service_error().is_bad_request_exception());

    let second = describe().await.unwrap();
    assert_eq!(
        second.cluster_operation_info().unwrap().operation_state(),
        Some("UPDATE_COMPLETE")
    );
    let v1 = kafka
        .describe_cluster_operation()
        .cluster_operation_arn(&operation)
        .send()
        .await
        .unwrap();
    let target = v1
        .cluster_operation_info()
        .unwrap()
        .target_cluster_info()
        .unwrap();
    assert_eq!(target.kafka_version(), Some("3.8.x"));

    let (version, after) = versions(&kafka, &arn).await;
    assert_eq!(version, "3.8.x");
    assert_ne!(after, current);
    assert_eq!(state(&kafka, &arn).await, ClusterState::Active);
}

#[tokio::test]
async fn broker_count_only_grows() {
    let fake = FakeAws::start();
    let kafka = common::kafka(&fake);
    let arn = active_cluster(&fake, &kafka, "events", "3.8.x").await;
    let (_, current) = versions(&kafka, &arn).await;
    for target in [2, 3, 4] {
        let err = kafka
            .update_broker_count()
            .cluster_arn(&arn)
            .current_version(&current)
            .target_number_of_broker_nodes(target)
            .send()
            .await
            .unwrap_err();
        assert!(
            err.into_service_error().is_bad_request_exception(),
            "{target}"
        );
    }
    kafka
        .update_broker_count()
        .cluster_arn(&arn)
        .current_version(&current)
        .target_number_of_broker_nodes(6)
        .send()
        .await
        .unwrap();
    assert_eq!(state(&kafka, &arn).await, ClusterState::Active);
    let out = kafka
        .describe_cluster()
        .cluster_arn(&arn)
        .send()
        .await
        .unwrap();
    assert_eq!(
        out.cluster_info().unwrap().number_of_broker_nodes(),
        Some(6)
    );
}

#[tokio::test]
async fn configurations_are_created_revised_and_used_by_clusters() {
    let fake = FakeAws::start();
    let kafka = common::kafka(&fake);
    let created = kafka
        .create_configuration()
        .name("events-config")
        .kafka_versions("3.8.x")
        .server_properties(Blob::new("auto.create.topics.enable=false\n"))
        .send()
        .await
        .unwrap();
    let arn = created.arn().unwrap().to_string();
    assert_eq!(created.latest_revision().unwrap().revision(), Some(1));

    let described = kafka
        .describe_configuration()
        .arn(&arn)
        .send()
        .await
        .unwrap();
    assert_eq!(described.name(), Some("events-config"));
    assert_eq!(described.kafka_versions(), ["3.8.x"]);

    let updated = kafka
        .update_configuration()
        .arn(&arn)
        .server_properties(Blob::new("auto.create.topics.enable=true\n"))
        .description("allow auto-create")
        .send()
        .await
        .unwrap();
    assert_eq!(updated.latest_revision().unwrap().revision(), Some(2));
    let revision = kafka
        .describe_configuration_revision()
        .arn(&arn)
        .revision(2)
        .send()
        .await
        .unwrap();
    assert_eq!(
        revision.server_properties().unwrap().as_ref(),
        b"auto.create.topics.enable=true\n"
    );

    let dup = kafka
        .create_configuration()
        .name("events-config")
        .server_properties(Blob::new("a=b\n"))
        .send()
        .await
        .unwrap_err();
    assert!(dup.into_service_error().is_conflict_exception());

    // A cluster on another Kafka version cannot use it.
    let info = ConfigurationInfo::builder().arn(&arn).revision(2).build();
    let mismatch = kafka
        .create_cluster()
        .cluster_name("old")
        .kafka_version("3.7.x")
        .number_of_broker_nodes(3)
        .broker_node_group_info(broker_group())
        .configuration_info(info.clone())
        .send()
        .await
        .unwrap_err();
    assert!(mismatch.into_service_error().is_bad_request_exception());

    let cluster = kafka
        .create_cluster()
        .cluster_name("events")
        .kafka_version("3.8.x")
        .number_of_broker_nodes(3)
        .broker_node_group_info(broker_group())
        .configuration_info(info)
        .send()
        .await
        .unwrap();
    let cluster_arn = cluster.cluster_arn().unwrap();
    let out = kafka
        .describe_cluster()
        .cluster_arn(cluster_arn)
        .send()
        .await
        .unwrap();
    let software = out
        .cluster_info()
        .unwrap()
        .current_broker_software_info()
        .unwrap();
    assert_eq!(software.configuration_arn(), Some(arn.as_str()));
    assert_eq!(software.configuration_revision(), Some(2));

    let in_use = kafka
        .delete_configuration()
        .arn(&arn)
        .send()
        .await
        .unwrap_err();
    assert!(in_use.into_service_error().is_bad_request_exception());
    let listed = kafka.list_configurations().send().await.unwrap();
    assert_eq!(listed.configurations().len(), 1);
}

#[tokio::test]
async fn deleted_cluster_disappears_after_the_polls() {
    let fake = FakeAws::start();
    let kafka = common::kafka(&fake);
    let arn = active_cluster(&fake, &kafka, "events", "3.8.x").await;
    fake.set_polls(1);
    let out = kafka
        .delete_cluster()
        .cluster_arn(&arn)
        .send()
        .await
        .unwrap();
    assert_eq!(out.state(), Some(&ClusterState::Deleting));
    assert_eq!(state(&kafka, &arn).await, ClusterState::Deleting);
    let gone = kafka
        .describe_cluster_v2()
        .cluster_arn(&arn)
        .send()
        .await
        .unwrap_err();
    assert!(gone.into_service_error().is_not_found_exception());
}

#[tokio::test]
async fn broker_type_monitoring_and_security_change_by_operations() {
    use aws_sdk_kafka::types::{
        ClientBroker, EncryptionInTransit, EncryptionInfo, EnhancedMonitoring,
    };
    let fake = FakeAws::start();
    let kafka = common::kafka(&fake);
    let arn = active_cluster(&fake, &kafka, "events", "3.8.x").await;

    let (_, current) = versions(&kafka, &arn).await;
    let same = kafka
        .update_broker_type()
        .cluster_arn(&arn)
        .current_version(&current)
        .target_instance_type("kafka.m5.large")
        .send()
        .await
        .unwrap_err();
    assert!(same.into_service_error().is_bad_request_exception());
    let out = kafka
        .update_broker_type()
        .cluster_arn(&arn)
        .current_version(&current)
        .target_instance_type("kafka.m7g.large")
        .send()
        .await
        .unwrap();
    assert!(out.cluster_operation_arn().is_some());

    let (_, current) = versions(&kafka, &arn).await;
    kafka
        .update_monitoring()
        .cluster_arn(&arn)
        .current_version(&current)
        .enhanced_monitoring(EnhancedMonitoring::PerBroker)
        .send()
        .await
        .unwrap();

    let (_, current) = versions(&kafka, &arn).await;
    let transit = |cb: ClientBroker, in_cluster: bool| {
        EncryptionInfo::builder()
            .encryption_in_transit(
                EncryptionInTransit::builder()
                    .client_broker(cb)
                    .in_cluster(in_cluster)
                    .build(),
            )
            .build()
    };
    let in_cluster = kafka
        .update_security()
        .cluster_arn(&arn)
        .current_version(&current)
        .encryption_info(transit(ClientBroker::TlsPlaintext, false))
        .send()
        .await
        .unwrap_err();
    assert!(in_cluster.into_service_error().is_bad_request_exception());
    let out = kafka
        .update_security()
        .cluster_arn(&arn)
        .current_version(&current)
        .encryption_info(transit(ClientBroker::TlsPlaintext, true))
        .send()
        .await
        .unwrap();
    let operation = out.cluster_operation_arn().unwrap();
    let described = kafka
        .describe_cluster_operation_v2()
        .cluster_operation_arn(operation)
        .send()
        .await
        .unwrap();
    let info = described.cluster_operation_info().unwrap();
    assert_eq!(info.operation_type(), Some("UPDATE_SECURITY"));
    assert_eq!(info.operation_state(), Some("UPDATE_COMPLETE"));

    let out = kafka
        .describe_cluster_v2()
        .cluster_arn(&arn)
        .send()
        .await
        .unwrap();
    let provisioned = out.cluster_info().unwrap().provisioned().unwrap();
    assert_eq!(
        provisioned
            .broker_node_group_info()
            .unwrap()
            .instance_type(),
        Some("kafka.m7g.large")
    );
    assert_eq!(
        provisioned.enhanced_monitoring(),
        Some(&EnhancedMonitoring::PerBroker)
    );
    let encryption = provisioned.encryption_info().unwrap();
    assert_eq!(
        encryption.encryption_in_transit().unwrap().client_broker(),
        Some(&ClientBroker::TlsPlaintext)
    );
    assert!(encryption.encryption_at_rest().is_some());
    let brokers = kafka
        .get_bootstrap_brokers()
        .cluster_arn(&arn)
        .send()
        .await
        .unwrap();
    assert!(brokers.bootstrap_broker_string().is_some());
}

#[tokio::test]
async fn settings_left_out_get_msks_defaults() {
    use aws_sdk_kafka::types::{
        BrokerAzDistribution, ClientBroker, EncryptionInTransit, EncryptionInfo,
    };
    let fake = FakeAws::start();
    fake.set_polls(0);
    let kafka = common::kafka(&fake);
    let out = kafka
        .create_cluster_v2()
        .cluster_name("events")
        .provisioned(
            ProvisionedRequest::builder()
                .broker_node_group_info(broker_group())
                .kafka_version("3.8.x")
                .number_of_broker_nodes(3)
                .encryption_info(
                    EncryptionInfo::builder()
                        .encryption_in_transit(
                            EncryptionInTransit::builder()
                                .client_broker(ClientBroker::TlsPlaintext)
                                .build(),
                        )
                        .build(),
                )
                .build(),
        )
        .send()
        .await
        .unwrap();
    let described = kafka
        .describe_cluster_v2()
        .cluster_arn(out.cluster_arn().unwrap())
        .send()
        .await
        .unwrap();
    let provisioned = described.cluster_info().unwrap().provisioned().unwrap();
    let encryption = provisioned.encryption_info().unwrap();
    let transit = encryption.encryption_in_transit().unwrap();
    assert_eq!(transit.client_broker(), Some(&ClientBroker::TlsPlaintext));
    assert_eq!(transit.in_cluster(), Some(true));
    let key = encryption
        .encryption_at_rest()
        .and_then(|a| a.data_volume_kms_key_id())
        .unwrap();
    assert!(key.starts_with("arn:aws:kms:us-east-1:"), "{key}");
    assert_eq!(
        provisioned
            .broker_node_group_info()
            .unwrap()
            .broker_az_distribution(),
        Some(&BrokerAzDistribution::Default)
    );
}
