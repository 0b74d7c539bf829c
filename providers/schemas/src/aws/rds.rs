//! RDS: Aurora clusters, their instances and cluster parameter groups.

use engine::provider::{Attribute, NestedBlock, Nesting, Schema};

use super::{timeouts, with_tags, CREATE_UPDATE_DELETE};
use crate::types::{boolean, computed_string, number, string, string_set};

/// The schema of `aws_rds_cluster`.
pub fn rds_cluster() -> Schema {
    let opt = Attribute::optional;
    let opt_comp = Attribute::optional_computed;
    with_tags(
        Schema::default()
            .attr("cluster_identifier", opt_comp(string()).force_new())
            .attr("engine", Attribute::required(string()).force_new())
            .attr("engine_mode", opt_comp(string()).force_new())
            .attr("engine_version", opt_comp(string()))
            .attr("engine_version_actual", computed_string())
            .attr("db_cluster_parameter_group_name", opt_comp(string()))
            .attr("db_instance_parameter_group_name", opt(string()))
            .attr("allow_major_version_upgrade", opt(boolean()))
            .attr("apply_immediately", opt_comp(boolean()))
            .attr("master_username", opt_comp(string()).force_new())
            .attr("master_password", opt(string()).sensitive())
            .attr("manage_master_user_password", opt(boolean()))
            .attr("database_name", opt_comp(string()).force_new())
            .attr("port", opt_comp(number()))
            .attr("availability_zones", opt_comp(string_set()).force_new())
            .attr("vpc_security_group_ids", opt_comp(string_set()))
            .attr("db_subnet_group_name", opt_comp(string()).force_new())
            .attr("backup_retention_period", opt_comp(number()))
            .attr("preferred_backup_window", opt_comp(string()))
            .attr("preferred_maintenance_window", opt_comp(string()))
            .attr("skip_final_snapshot", opt(boolean()))
            .attr("final_snapshot_identifier", opt(string()))
            .attr("deletion_protection", opt(boolean()))
            .attr("storage_encrypted", opt_comp(boolean()).force_new())
            .attr("kms_key_id", opt_comp(string()).force_new())
            .attr("id", computed_string())
            .attr("arn", computed_string())
            .attr("endpoint", computed_string())
            .attr("reader_endpoint", computed_string())
            .attr("cluster_resource_id", computed_string())
            .attr("hosted_zone_id", computed_string())
            .attr("cluster_members", Attribute::computed(string_set()))
            .block(
                "blue_green_update",
                NestedBlock {
                    nesting: Nesting::List,
                    min_items: 0,
                    max_items: 1,
                    force_new: false,
                    schema: Schema::default()
                        .attr("enabled", opt(boolean()))
                        .attr("switchover_timeout", opt(number())),
                },
            ),
    )
    .block("timeouts", timeouts(CREATE_UPDATE_DELETE))
}

/// The schema of `aws_rds_cluster_instance`.
pub fn rds_cluster_instance() -> Schema {
    let opt_comp = Attribute::optional_computed;
    with_tags(
        Schema::default()
            .attr("identifier", opt_comp(string()).force_new())
            .attr(
                "cluster_identifier",
                Attribute::required(string()).force_new(),
            )
            .attr("instance_class", Attribute::required(string()))
            .attr("engine", Attribute::required(string()).force_new())
            .attr("engine_version", opt_comp(string()))
            .attr("engine_version_actual", computed_string())
            .attr("db_parameter_group_name", opt_comp(string()))
            .attr("db_subnet_group_name", opt_comp(string()).force_new())
            .attr("publicly_accessible", opt_comp(boolean()))
            .attr("apply_immediately", opt_comp(boolean()))
            .attr("availability_zone", opt_comp(string()).force_new())
            .attr("promotion_tier", opt_comp(number()))
            .attr("auto_minor_version_upgrade", opt_comp(boolean()))
            .attr("id", computed_string())
            .attr("arn", computed_string())
            .attr("endpoint", computed_string())
            .attr("port", Attribute::computed(number()))
            .attr("writer", Attribute::computed(boolean()))
            .attr("dbi_resource_id", computed_string()),
    )
    .block("timeouts", timeouts(CREATE_UPDATE_DELETE))
}

/// The schema of `aws_rds_cluster_parameter_group`.
pub fn rds_cluster_parameter_group() -> Schema {
    with_tags(
        Schema::default()
            .attr("name", Attribute::optional_computed(string()).force_new())
            .attr("family", Attribute::required(string()).force_new())
            .attr(
                "description",
                Attribute::optional_computed(string()).force_new(),
            )
            .attr("id", computed_string())
            .attr("arn", computed_string())
            .block(
                "parameter",
                NestedBlock {
                    nesting: Nesting::Set,
                    min_items: 0,
                    max_items: 0,
                    force_new: false,
                    schema: Schema::default()
                        .attr("name", Attribute::required(string()))
                        .attr("value", Attribute::required(string()))
                        .attr("apply_method", Attribute::optional_computed(string())),
                },
            ),
    )
}
