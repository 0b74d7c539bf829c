//! Route 53: hosted zones and records.

use engine::provider::{Attribute, NestedBlock, Nesting, Schema};

use super::with_tags;
use crate::types::{boolean, computed_string, number, string, string_list, string_set};

/// The schema of `aws_route53_zone`.
pub fn route53_zone() -> Schema {
    with_tags(
        Schema::default()
            .attr("name", Attribute::required(string()).force_new())
            .attr("comment", Attribute::optional_computed(string()))
            .attr("force_destroy", Attribute::optional_computed(boolean()))
            .attr(
                "delegation_set_id",
                Attribute::optional_computed(string()).force_new(),
            )
            .attr("id", computed_string())
            .attr("zone_id", computed_string())
            .attr("arn", computed_string())
            .attr("primary_name_server", computed_string())
            .attr("name_servers", Attribute::computed(string_list())),
    )
}

/// The schema of `aws_route53_record`.
pub fn route53_record() -> Schema {
    Schema::default()
        .attr("zone_id", Attribute::required(string()).force_new())
        .attr("name", Attribute::required(string()).force_new())
        .attr("type", Attribute::required(string()).force_new())
        .attr("ttl", Attribute::optional(number()))
        .attr("records", Attribute::optional(string_set()))
        .attr("set_identifier", Attribute::optional(string()).force_new())
        .attr("health_check_id", Attribute::optional(string()))
        .attr(
            "multivalue_answer_routing_policy",
            Attribute::optional(boolean()),
        )
        .attr("allow_overwrite", Attribute::optional_computed(boolean()))
        .attr("id", computed_string())
        .attr("fqdn", computed_string())
        .block(
            "weighted_routing_policy",
            NestedBlock {
                nesting: Nesting::List,
                min_items: 0,
                max_items: 1,
                force_new: false,
                schema: Schema::default().attr("weight", Attribute::required(number())),
            },
        )
        .block(
            "alias",
            NestedBlock {
                nesting: Nesting::List,
                min_items: 0,
                max_items: 1,
                force_new: false,
                schema: Schema::default()
                    .attr("name", Attribute::required(string()))
                    .attr("zone_id", Attribute::required(string()))
                    .attr("evaluate_target_health", Attribute::required(boolean())),
            },
        )
}
