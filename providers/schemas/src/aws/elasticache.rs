//! ElastiCache: replication groups (Redis OSS and Valkey).

use engine::provider::{Attribute, Schema};

use super::{timeouts, with_tags, CREATE_UPDATE_DELETE};
use crate::types::{boolean, computed_string, number, string, string_set};

/// The schema of `aws_elasticache_replication_group`.
pub fn elasticache_replication_group() -> Schema {
    let opt = Attribute::optional;
    let opt_comp = Attribute::optional_computed;
    with_tags(
        Schema::default()
            .attr(
                "replication_group_id",
                Attribute::required(string()).force_new(),
            )
            .attr("description", Attribute::required(string()))
            .attr("engine", opt_comp(string()))
            .attr("engine_version", opt_comp(string()))
            .attr("engine_version_actual", computed_string())
            .attr("node_type", opt(string()))
            .attr("num_cache_clusters", opt_comp(number()))
            .attr("parameter_group_name", opt_comp(string()))
            .attr("port", opt_comp(number()).force_new())
            .attr("automatic_failover_enabled", opt(boolean()))
            .attr("multi_az_enabled", opt(boolean()))
            .attr("subnet_group_name", opt_comp(string()).force_new())
            .attr("security_group_ids", opt_comp(string_set()))
            .attr(
                "at_rest_encryption_enabled",
                opt_comp(boolean()).force_new(),
            )
            .attr("transit_encryption_enabled", opt_comp(boolean()))
            .attr("apply_immediately", opt_comp(boolean()))
            .attr("id", computed_string())
            .attr("arn", computed_string())
            .attr("primary_endpoint_address", computed_string())
            .attr("reader_endpoint_address", computed_string())
            .attr("configuration_endpoint_address", computed_string())
            .attr("member_clusters", Attribute::computed(string_set())),
    )
    .block("timeouts", timeouts(CREATE_UPDATE_DELETE))
}
