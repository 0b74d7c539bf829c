//! Elastic Load Balancing: load balancers, listeners, target groups, their attachments
//! (also from Auto Scaling groups).

use engine::provider::{Attribute, NestedBlock, Nesting, Schema};

use super::with_tags;
use crate::types::{boolean, computed_string, number, string, string_set};

/// The schema of `aws_lb`.
pub fn lb() -> Schema {
    with_tags(
        Schema::default()
            .attr("name", Attribute::required(string()).force_new())
            .attr(
                "internal",
                Attribute::optional_computed(boolean()).force_new(),
            )
            .attr(
                "load_balancer_type",
                Attribute::optional_computed(string()).force_new(),
            )
            .attr("subnets", Attribute::optional_computed(string_set()))
            .attr(
                "security_groups",
                Attribute::optional_computed(string_set()),
            )
            .attr("id", computed_string())
            .attr("arn", computed_string())
            .attr("arn_suffix", computed_string())
            .attr("dns_name", computed_string())
            .attr("zone_id", computed_string())
            .attr("vpc_id", computed_string()),
    )
}

/// The schema of `aws_lb_listener`.
pub fn lb_listener() -> Schema {
    with_tags(
        Schema::default()
            .attr(
                "load_balancer_arn",
                Attribute::required(string()).force_new(),
            )
            .attr("port", Attribute::optional(number()))
            .attr("protocol", Attribute::optional_computed(string()))
            .attr("id", computed_string())
            .attr("arn", computed_string()),
    )
    .block(
        "default_action",
        NestedBlock {
            nesting: Nesting::List,
            min_items: 1,
            max_items: 0,
            force_new: false,
            schema: Schema::default()
                .attr("type", Attribute::required(string()))
                .attr("target_group_arn", Attribute::optional(string())),
        },
    )
}

/// The schema of `aws_lb_target_group`.
pub fn lb_target_group() -> Schema {
    with_tags(
        Schema::default()
            .attr("name", Attribute::required(string()).force_new())
            .attr("port", Attribute::optional(number()).force_new())
            .attr("protocol", Attribute::optional(string()).force_new())
            .attr("vpc_id", Attribute::optional(string()).force_new())
            .attr(
                "target_type",
                Attribute::optional_computed(string()).force_new(),
            )
            .attr("id", computed_string())
            .attr("arn", computed_string())
            .attr("arn_suffix", computed_string()),
    )
    .block(
        "health_check",
        NestedBlock {
            nesting: Nesting::List,
            min_items: 0,
            max_items: 1,
            force_new: false,
            schema: health_check(),
        },
    )
}

/// A target group's `health_check { }`: each setting optional, AWS's default otherwise
/// (it depends on the group's protocol), changed in place.
fn health_check() -> Schema {
    let opt = |t| Attribute::optional_computed(t);
    Schema::default()
        .attr("enabled", opt(boolean()))
        .attr("path", opt(string()))
        .attr("port", opt(string()))
        .attr("protocol", opt(string()))
        .attr("interval", opt(number()))
        .attr("timeout", opt(number()))
        .attr("healthy_threshold", opt(number()))
        .attr("unhealthy_threshold", opt(number()))
        .attr("matcher", opt(string()))
}

/// The schema of `aws_lb_target_group_attachment`.
pub fn lb_target_group_attachment() -> Schema {
    Schema::default()
        .attr(
            "target_group_arn",
            Attribute::required(string()).force_new(),
        )
        .attr("target_id", Attribute::required(string()).force_new())
        .attr("port", Attribute::optional(number()).force_new())
        .attr(
            "availability_zone",
            Attribute::optional(string()).force_new(),
        )
        .attr("id", computed_string())
}

/// The schema of `aws_autoscaling_attachment`.
pub fn autoscaling_attachment() -> Schema {
    Schema::default()
        .attr(
            "autoscaling_group_name",
            Attribute::required(string()).force_new(),
        )
        .attr(
            "lb_target_group_arn",
            Attribute::optional(string()).force_new(),
        )
        .attr("id", computed_string())
}
