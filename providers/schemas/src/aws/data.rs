//! AWS data sources: availability zones, region, caller identity.

use engine::provider::{Attribute, Schema};

use crate::types::{boolean, computed_string, string, string_list, string_set};

/// The schema of `aws_availability_zones`.
pub fn availability_zones() -> Schema {
    Schema::default()
        .attr("state", Attribute::optional(string()))
        .attr("all_availability_zones", Attribute::optional(boolean()))
        .attr("id", computed_string())
        .attr("names", Attribute::computed(string_list()))
        .attr("zone_ids", Attribute::computed(string_list()))
        .attr("group_names", Attribute::computed(string_set()))
}

/// The schema of `aws_region`.
pub fn region() -> Schema {
    Schema::default()
        .attr("name", Attribute::optional_computed(string()))
        .attr("region", Attribute::optional_computed(string()))
        .attr("id", computed_string())
        .attr("endpoint", computed_string())
        .attr("description", computed_string())
}

/// The schema of `aws_caller_identity`.
pub fn caller_identity() -> Schema {
    Schema::default()
        .attr("id", computed_string())
        .attr("account_id", computed_string())
        .attr("arn", computed_string())
        .attr("user_id", computed_string())
}
