//! MSK: Kafka clusters and configurations.

use engine::provider::{Attribute, NestedBlock, Nesting, Schema};

use super::{timeouts, with_tags, CREATE_UPDATE_DELETE};
use crate::types::{boolean, computed_string, number, string, string_list, string_set};

/// The schema of `aws_msk_cluster`.
pub fn msk_cluster() -> Schema {
    let one = |min_items, schema| NestedBlock {
        nesting: Nesting::List,
        min_items,
        max_items: 1,
        force_new: false,
        schema,
    };
    let broker_node_group_info = Schema::default()
        .attr(
            "client_subnets",
            Attribute::required(string_list()).force_new(),
        )
        .attr("instance_type", Attribute::required(string()))
        .attr(
            "security_groups",
            Attribute::required(string_list()).force_new(),
        )
        .attr(
            "az_distribution",
            Attribute::optional_computed(string()).force_new(),
        )
        .block(
            "storage_info",
            one(
                0,
                Schema::default().block(
                    "ebs_storage_info",
                    one(
                        0,
                        Schema::default()
                            .attr("volume_size", Attribute::optional_computed(number())),
                    ),
                ),
            ),
        );
    let encryption_info = Schema::default()
        .attr(
            "encryption_at_rest_kms_key_arn",
            Attribute::optional_computed(string()).force_new(),
        )
        .block(
            "encryption_in_transit",
            one(
                0,
                Schema::default()
                    .attr("client_broker", Attribute::optional_computed(string()))
                    .attr(
                        "in_cluster",
                        Attribute::optional_computed(boolean()).force_new(),
                    ),
            ),
        );
    with_tags(
        Schema::default()
            .attr("cluster_name", Attribute::required(string()).force_new())
            .attr("kafka_version", Attribute::required(string()))
            .attr("number_of_broker_nodes", Attribute::required(number()))
            .attr(
                "enhanced_monitoring",
                Attribute::optional_computed(string()),
            )
            .attr("id", computed_string())
            .attr("arn", computed_string())
            .attr("bootstrap_brokers", computed_string())
            .attr("bootstrap_brokers_tls", computed_string())
            .attr("zookeeper_connect_string", computed_string())
            .attr("current_version", computed_string())
            .attr("cluster_uuid", computed_string())
            .block("broker_node_group_info", one(1, broker_node_group_info))
            .block("encryption_info", one(0, encryption_info))
            .block(
                "configuration_info",
                one(
                    0,
                    Schema::default()
                        .attr("arn", Attribute::required(string()))
                        .attr("revision", Attribute::required(number())),
                ),
            ),
    )
    .block("timeouts", timeouts(CREATE_UPDATE_DELETE))
}

/// The schema of `aws_msk_configuration`.
pub fn msk_configuration() -> Schema {
    Schema::default()
        .attr("name", Attribute::required(string()).force_new())
        .attr("kafka_versions", Attribute::optional(string_set()))
        .attr("server_properties", Attribute::required(string()))
        .attr("description", Attribute::optional(string()))
        .attr("id", computed_string())
        .attr("arn", computed_string())
        .attr("latest_revision", Attribute::computed(number()))
}
