//! EC2: VPCs, subnets, security groups and instances.

use engine::provider::{Attribute, NestedBlock, Nesting, Schema};

use super::{timeouts, with_tags, CREATE_UPDATE_DELETE};
use crate::types::{boolean, computed_string, number, string, string_list, string_map, string_set};

/// The schema of `aws_vpc`.
pub fn vpc() -> Schema {
    with_tags(
        Schema::default()
            .attr("cidr_block", Attribute::required(string()).force_new())
            .attr("instance_tenancy", Attribute::optional_computed(string()))
            .attr(
                "enable_dns_support",
                Attribute::optional_computed(boolean()),
            )
            .attr(
                "enable_dns_hostnames",
                Attribute::optional_computed(boolean()),
            )
            .attr(
                "enable_network_address_usage_metrics",
                Attribute::optional_computed(boolean()),
            )
            .attr(
                "assign_generated_ipv6_cidr_block",
                Attribute::optional_computed(boolean()),
            )
            .attr("id", computed_string())
            .attr("arn", computed_string())
            .attr("owner_id", computed_string())
            .attr("default_security_group_id", computed_string())
            .attr("default_network_acl_id", computed_string())
            .attr("default_route_table_id", computed_string())
            .attr("main_route_table_id", computed_string())
            .attr("dhcp_options_id", computed_string())
            .attr("ipv6_cidr_block", computed_string())
            .attr("ipv6_association_id", computed_string()),
    )
}

/// The schema of `aws_subnet`.
pub fn subnet() -> Schema {
    with_tags(
        Schema::default()
            .attr("vpc_id", Attribute::required(string()).force_new())
            .attr("cidr_block", Attribute::required(string()).force_new())
            .attr(
                "availability_zone",
                Attribute::optional_computed(string()).force_new(),
            )
            .attr(
                "availability_zone_id",
                Attribute::optional_computed(string()).force_new(),
            )
            .attr(
                "map_public_ip_on_launch",
                Attribute::optional_computed(boolean()),
            )
            .attr(
                "assign_ipv6_address_on_creation",
                Attribute::optional_computed(boolean()),
            )
            .attr("id", computed_string())
            .attr("arn", computed_string())
            .attr("owner_id", computed_string())
            .attr("available_ip_address_count", Attribute::computed(number())),
    )
}

/// The schema of `aws_security_group`.
pub fn security_group() -> Schema {
    with_tags(
        Schema::default()
            .attr("name", Attribute::optional_computed(string()).force_new())
            .attr(
                "description",
                Attribute::optional_computed(string()).force_new(),
            )
            .attr("vpc_id", Attribute::optional_computed(string()).force_new())
            .attr(
                "revoke_rules_on_delete",
                Attribute::optional_computed(boolean()),
            )
            .attr("id", computed_string())
            .attr("arn", computed_string())
            .attr("owner_id", computed_string())
            .block("ingress", rule_block())
            .block("egress", rule_block()),
    )
}

/// The schema of `aws_instance`.
pub fn instance() -> Schema {
    with_tags(
        Schema::default()
            .attr("ami", Attribute::required(string()).force_new())
            .attr("instance_type", Attribute::required(string()))
            .attr(
                "subnet_id",
                Attribute::optional_computed(string()).force_new(),
            )
            .attr(
                "private_ip",
                Attribute::optional_computed(string()).force_new(),
            )
            .attr(
                "vpc_security_group_ids",
                Attribute::optional_computed(string_set()),
            )
            .attr(
                "security_groups",
                Attribute::optional_computed(string_set()).force_new(),
            )
            .attr(
                "availability_zone",
                Attribute::optional_computed(string()).force_new(),
            )
            .attr(
                "associate_public_ip_address",
                Attribute::optional_computed(boolean()).force_new(),
            )
            .attr(
                "key_name",
                Attribute::optional_computed(string()).force_new(),
            )
            .attr("user_data", Attribute::optional(string()).force_new())
            .attr("id", computed_string())
            .attr("arn", computed_string())
            .attr("instance_state", computed_string())
            .attr("private_dns", computed_string())
            .attr("public_ip", computed_string())
            .attr("public_dns", computed_string())
            .attr("primary_network_interface_id", computed_string()),
    )
    .block("root_block_device", root_block_device())
    .block("timeouts", timeouts(CREATE_UPDATE_DELETE))
}

/// The instance's root volume (one block at most); unset settings are AWS's.
fn root_block_device() -> NestedBlock {
    NestedBlock {
        nesting: Nesting::List,
        min_items: 0,
        max_items: 1,
        force_new: false,
        schema: Schema::default()
            .attr("volume_size", Attribute::optional_computed(number()))
            .attr("volume_type", Attribute::optional_computed(string()))
            .attr("iops", Attribute::optional_computed(number()))
            .attr("throughput", Attribute::optional_computed(number()))
            .attr(
                "encrypted",
                Attribute::optional_computed(boolean()).force_new(),
            )
            .attr(
                "kms_key_id",
                Attribute::optional_computed(string()).force_new(),
            )
            .attr("delete_on_termination", Attribute::optional(boolean()))
            .attr("tags", Attribute::optional(string_map()))
            .attr("device_name", computed_string())
            .attr("volume_id", computed_string()),
    }
}

fn rule_block() -> NestedBlock {
    NestedBlock {
        nesting: Nesting::Set,
        min_items: 0,
        max_items: 0,
        force_new: false,
        schema: Schema::default()
            .attr("from_port", Attribute::required(number()))
            .attr("to_port", Attribute::required(number()))
            .attr("protocol", Attribute::required(string()))
            .attr("cidr_blocks", Attribute::optional(string_list()))
            .attr("ipv6_cidr_blocks", Attribute::optional(string_list()))
            .attr("prefix_list_ids", Attribute::optional(string_list()))
            .attr("security_groups", Attribute::optional(string_set()))
            .attr("self", Attribute::optional(boolean()))
            .attr("description", Attribute::optional(string())),
    }
}
