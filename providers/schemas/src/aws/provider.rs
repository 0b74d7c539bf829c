//! The `provider "aws"` block.

use engine::provider::{Attribute, NestedBlock, Nesting, Schema};
use engine::types::Type;

use crate::types::{boolean, number, string, string_list, string_map};

/// The services whose endpoint the `endpoints` block may override (the real provider's
/// names: `kafka` is MSK, `elbv2` Elastic Load Balancing v2).
pub const ENDPOINT_SERVICES: &[&str] = &[
    "autoscaling",
    "dynamodb",
    "ec2",
    "eks",
    "elasticache",
    "elbv2",
    "kafka",
    "rds",
    "route53",
    "s3",
    "sts",
];

/// The `provider "aws"` block's schema: region, credentials, retries, `default_tags`,
/// `assume_role`, per-service `endpoints` and `s3_use_path_style` (both for S3-compatible
/// or local endpoints).
pub fn provider_block() -> Schema {
    let optional = Attribute::optional;
    let block = |schema| NestedBlock {
        nesting: Nesting::List,
        min_items: 0,
        max_items: 1,
        force_new: false,
        schema,
    };
    let endpoints = ENDPOINT_SERVICES
        .iter()
        .fold(Schema::default(), |s, service| {
            s.attr(service, optional(string()))
        });
    Schema::default()
        .attr("region", optional(string()))
        .attr("profile", optional(string()))
        .attr("access_key", optional(string()).sensitive())
        .attr("secret_key", optional(string()).sensitive())
        .attr("token", optional(string()).sensitive())
        .attr("shared_config_files", optional(string_list()))
        .attr("shared_credentials_files", optional(string_list()))
        .attr("max_retries", optional(number()))
        .attr("skip_credentials_validation", optional(boolean()))
        .attr("skip_metadata_api_check", optional(string()))
        .attr("skip_region_validation", optional(boolean()))
        .attr("skip_requesting_account_id", optional(boolean()))
        .attr("s3_use_path_style", optional(boolean()))
        .attr(
            "allowed_account_ids",
            optional(Type::Set(Box::new(string()))),
        )
        .block(
            "default_tags",
            block(Schema::default().attr("tags", optional(string_map()))),
        )
        .block(
            "assume_role",
            block(
                Schema::default()
                    .attr("role_arn", optional(string()))
                    .attr("session_name", optional(string()))
                    .attr("external_id", optional(string())),
            ),
        )
        .block("endpoints", block(endpoints))
}
