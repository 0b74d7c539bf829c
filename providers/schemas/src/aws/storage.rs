//! Storage: S3 buckets and DynamoDB tables.

use engine::provider::{Attribute, NestedBlock, Nesting, Schema};

use super::with_tags;
use crate::types::{boolean, computed_string, number, string};

/// The schema of `aws_s3_bucket`.
pub fn s3_bucket() -> Schema {
    with_tags(
        Schema::default()
            .attr("bucket", Attribute::optional_computed(string()).force_new())
            .attr("force_destroy", Attribute::optional_computed(boolean()))
            .attr("id", computed_string())
            .attr("arn", computed_string())
            .attr("region", computed_string())
            .attr("bucket_domain_name", computed_string())
            .attr("bucket_regional_domain_name", computed_string())
            .attr("hosted_zone_id", computed_string()),
    )
}

/// The schema of `aws_dynamodb_table`.
pub fn dynamodb_table() -> Schema {
    with_tags(
        Schema::default()
            .attr("name", Attribute::required(string()).force_new())
            .attr("billing_mode", Attribute::optional_computed(string()))
            .attr("hash_key", Attribute::required(string()).force_new())
            .attr("range_key", Attribute::optional(string()).force_new())
            .attr("read_capacity", Attribute::optional_computed(number()))
            .attr("write_capacity", Attribute::optional_computed(number()))
            .attr("stream_enabled", Attribute::optional(boolean()))
            .attr("stream_view_type", Attribute::optional_computed(string()))
            .attr("id", computed_string())
            .attr("arn", computed_string())
            .attr("stream_arn", computed_string())
            .attr("stream_label", computed_string()),
    )
    .block(
        "attribute",
        NestedBlock {
            nesting: Nesting::Set,
            min_items: 0,
            max_items: 0,
            force_new: false,
            schema: Schema::default()
                .attr("name", Attribute::required(string()))
                .attr("type", Attribute::required(string())),
        },
    )
}
