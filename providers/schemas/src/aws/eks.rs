//! EKS: clusters, managed node groups and add-ons.

use engine::provider::{Attribute, NestedBlock, Nesting, Schema};
use engine::types::{ObjectAttr, Type};

use super::{timeouts, with_tags, CREATE_UPDATE_DELETE};
use crate::types::{computed_string, number, string, string_list, string_set};

/// The schema of `aws_eks_cluster`.
pub fn eks_cluster() -> Schema {
    let one = |schema| NestedBlock {
        nesting: Nesting::List,
        min_items: 0,
        max_items: 1,
        force_new: false,
        schema,
    };
    with_tags(
        Schema::default()
            .attr("name", Attribute::required(string()).force_new())
            .attr("role_arn", Attribute::required(string()))
            .attr("version", Attribute::optional_computed(string()))
            .attr("id", computed_string())
            .attr("arn", computed_string())
            .attr("endpoint", computed_string())
            .attr("status", computed_string())
            .attr("platform_version", computed_string())
            .attr("created_at", computed_string())
            .block(
                "vpc_config",
                NestedBlock {
                    min_items: 1,
                    ..one(Schema::default()
                        .attr("subnet_ids", Attribute::required(string_set()))
                        .attr("security_group_ids", Attribute::optional(string_set()))
                        .attr("vpc_id", computed_string())
                        .attr("cluster_security_group_id", computed_string()))
                },
            )
            .block(
                "upgrade_policy",
                one(Schema::default().attr("support_type", Attribute::optional_computed(string()))),
            ),
    )
    .block("timeouts", timeouts(CREATE_UPDATE_DELETE))
}

/// The schema of `aws_eks_node_group`.
pub fn eks_node_group() -> Schema {
    let one = |min_items, schema| NestedBlock {
        nesting: Nesting::List,
        min_items,
        max_items: 1,
        force_new: false,
        schema,
    };
    with_tags(
        Schema::default()
            .attr("cluster_name", Attribute::required(string()).force_new())
            .attr("node_group_name", Attribute::required(string()).force_new())
            .attr("node_role_arn", Attribute::required(string()).force_new())
            .attr("subnet_ids", Attribute::required(string_set()).force_new())
            .attr(
                "instance_types",
                Attribute::optional_computed(string_list()).force_new(),
            )
            .attr("version", Attribute::optional_computed(string()))
            .attr("release_version", Attribute::optional_computed(string()))
            .attr(
                "ami_type",
                Attribute::optional_computed(string()).force_new(),
            )
            .attr(
                "capacity_type",
                Attribute::optional_computed(string()).force_new(),
            )
            .attr("id", computed_string())
            .attr("arn", computed_string())
            .attr("status", computed_string())
            .attr("resources", Attribute::computed(resources_type()))
            .block(
                "scaling_config",
                one(
                    1,
                    Schema::default()
                        .attr("desired_size", Attribute::required(number()))
                        .attr("min_size", Attribute::required(number()))
                        .attr("max_size", Attribute::required(number())),
                ),
            )
            .block(
                "update_config",
                one(
                    0,
                    Schema::default()
                        .attr("max_unavailable", Attribute::optional(number()))
                        .attr("max_unavailable_percentage", Attribute::optional(number())),
                ),
            ),
    )
    .block("timeouts", timeouts(CREATE_UPDATE_DELETE))
}

/// The schema of `aws_eks_addon`.
pub fn eks_addon() -> Schema {
    with_tags(
        Schema::default()
            .attr("cluster_name", Attribute::required(string()).force_new())
            .attr("addon_name", Attribute::required(string()).force_new())
            .attr("addon_version", Attribute::optional_computed(string()))
            .attr("resolve_conflicts_on_create", Attribute::optional(string()))
            .attr("resolve_conflicts_on_update", Attribute::optional(string()))
            .attr("service_account_role_arn", Attribute::optional(string()))
            .attr(
                "configuration_values",
                Attribute::optional_computed(string()),
            )
            .attr("id", computed_string())
            .attr("arn", computed_string())
            .attr("created_at", computed_string())
            .attr("modified_at", computed_string()),
    )
    .block("timeouts", timeouts(CREATE_UPDATE_DELETE))
}

/// `list(object({autoscaling_groups = list(object({name = string})),
/// remote_access_security_group_id = string}))`, as the Terraform provider has it.
fn resources_type() -> Type {
    let object = |attrs: Vec<(&str, Type)>| {
        Type::Object(
            attrs
                .into_iter()
                .map(|(k, ty)| {
                    (
                        k.to_string(),
                        ObjectAttr {
                            ty,
                            optional: false,
                            default: None,
                        },
                    )
                })
                .collect(),
        )
    };
    let group = object(vec![("name", string())]);
    Type::List(Box::new(object(vec![
        ("autoscaling_groups", Type::List(Box::new(group))),
        ("remote_access_security_group_id", string()),
    ])))
}
