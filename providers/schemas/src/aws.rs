//! The AWS resource types and data sources, one schema function each, by service.
//!
//! These are the schemas of the Terraform AWS provider's types, reduced to the
//! attributes galley serves. The simulator and the real AWS provider both take them
//! from here.

use engine::provider::{Attribute, NestedBlock, Nesting, Schema};

use crate::types::{string, string_map};

mod data;
mod durations;
mod ec2;
mod eks;
mod elasticache;
mod elb;
mod msk;
mod provider;
mod rds;
mod route53;
mod storage;

pub use data::{availability_zones, caller_identity, region};
pub use durations::{typical_durations, Durations};
pub use ec2::{instance, security_group, subnet, vpc};
pub use eks::{eks_addon, eks_cluster, eks_node_group};
pub use elasticache::elasticache_replication_group;
pub use elb::{
    autoscaling_attachment, lb, lb_listener, lb_target_group, lb_target_group_attachment,
};
pub use msk::{msk_cluster, msk_configuration};
pub use provider::{provider_block, ENDPOINT_SERVICES};
pub use rds::{rds_cluster, rds_cluster_instance, rds_cluster_parameter_group};
pub use route53::{route53_record, route53_zone};
pub use storage::{dynamodb_table, s3_bucket};

/// Every managed resource type, by Terraform type name.
pub fn resources() -> Vec<(&'static str, Schema)> {
    vec![
        ("aws_vpc", vpc()),
        ("aws_subnet", subnet()),
        ("aws_security_group", security_group()),
        ("aws_instance", instance()),
        ("aws_route53_zone", route53_zone()),
        ("aws_route53_record", route53_record()),
        ("aws_eks_cluster", eks_cluster()),
        ("aws_eks_node_group", eks_node_group()),
        ("aws_eks_addon", eks_addon()),
        (
            "aws_elasticache_replication_group",
            elasticache_replication_group(),
        ),
        ("aws_msk_cluster", msk_cluster()),
        ("aws_msk_configuration", msk_configuration()),
        ("aws_rds_cluster", rds_cluster()),
        ("aws_rds_cluster_instance", rds_cluster_instance()),
        (
            "aws_rds_cluster_parameter_group",
            rds_cluster_parameter_group(),
        ),
        ("aws_lb", lb()),
        ("aws_lb_listener", lb_listener()),
        ("aws_lb_target_group", lb_target_group()),
        (
            "aws_lb_target_group_attachment",
            lb_target_group_attachment(),
        ),
        ("aws_autoscaling_attachment", autoscaling_attachment()),
        ("aws_dynamodb_table", dynamodb_table()),
        ("aws_s3_bucket", s3_bucket()),
    ]
}

/// Every data source, by Terraform type name.
pub fn data_sources() -> Vec<(&'static str, Schema)> {
    vec![
        ("aws_availability_zones", availability_zones()),
        ("aws_region", region()),
        ("aws_caller_identity", caller_identity()),
    ]
}

/// Adds `tags` and `tags_all` (computed, follows `tags`).
pub fn with_tags(schema: Schema) -> Schema {
    schema
        .attr("tags", Attribute::optional(string_map()))
        .attr("tags_all", Attribute::computed(string_map()))
}

/// A `timeouts { create = "60m" }` block with the operations named (`create`, `update`,
/// `delete`), each an optional duration string, as the Terraform AWS provider gives its
/// long-running types.
pub fn timeouts(ops: &[&str]) -> NestedBlock {
    NestedBlock {
        nesting: Nesting::Single,
        min_items: 0,
        max_items: 1,
        force_new: false,
        schema: ops.iter().fold(Schema::default(), |s, op| {
            s.attr(op, Attribute::optional(string()))
        }),
    }
}

/// The operations every long-running type lets `timeouts` bound.
pub(crate) const CREATE_UPDATE_DELETE: &[&str] = &["create", "update", "delete"];

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use super::*;

    #[test]
    fn type_names_are_unique() {
        for list in [resources(), data_sources()] {
            let names: Vec<&str> = list.iter().map(|(n, _)| *n).collect();
            let unique: BTreeSet<&str> = names.iter().copied().collect();
            assert_eq!(names.len(), unique.len(), "duplicates in {names:?}");
        }
        let resources: BTreeSet<&str> = resources().iter().map(|(n, _)| *n).collect();
        for (name, _) in data_sources() {
            assert!(!resources.contains(name), "{name} is both kinds");
        }
    }

    #[test]
    fn every_schema_has_a_computed_id() {
        for (name, schema) in resources().into_iter().chain(data_sources()) {
            let id = schema.attributes.get("id");
            assert!(id.is_some_and(|a| a.computed), "{name} has no computed id");
        }
    }

    #[test]
    fn type_names_are_aws_names() {
        for (name, _) in resources().into_iter().chain(data_sources()) {
            assert!(name.starts_with("aws_"), "{name}");
        }
    }

    #[test]
    fn long_running_types_take_timeouts() {
        let want = BTreeSet::from([
            "aws_eks_addon",
            "aws_eks_cluster",
            "aws_eks_node_group",
            "aws_elasticache_replication_group",
            "aws_instance",
            "aws_msk_cluster",
            "aws_rds_cluster",
            "aws_rds_cluster_instance",
        ]);
        let have: BTreeSet<&str> = resources()
            .into_iter()
            .filter(|(_, s)| s.blocks.contains_key("timeouts"))
            .map(|(n, _)| n)
            .collect();
        assert_eq!(have, want);
        for (name, schema) in resources() {
            if let Some(block) = schema.blocks.get("timeouts") {
                assert_eq!(block, &timeouts(CREATE_UPDATE_DELETE), "{name}");
            }
        }
    }

    #[test]
    fn timeouts_block_has_the_operations_named() {
        let block = timeouts(&["create", "delete"]);
        assert_eq!(block.nesting, Nesting::Single);
        let names: Vec<&String> = block.schema.attributes.keys().collect();
        assert_eq!(names, ["create", "delete"]);
        assert!(block
            .schema
            .attributes
            .values()
            .all(|a| a.optional && !a.required));
    }

    #[test]
    fn provider_block_takes_endpoints_for_every_service() {
        let schema = provider_block();
        let endpoints = &schema.blocks["endpoints"];
        assert_eq!(endpoints.max_items, 1);
        let names: Vec<&str> = endpoints
            .schema
            .attributes
            .keys()
            .map(String::as_str)
            .collect();
        assert_eq!(names, ENDPOINT_SERVICES);
        assert!(schema.attributes["s3_use_path_style"].optional);
    }
}
