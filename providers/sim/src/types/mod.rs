//! The catalog of simulated providers: which resource types each provider name serves.

use std::collections::BTreeMap;

use engine::provider::ProviderError;
use schemas::types::{
    boolean, computed_string, number, string, string_list, string_map, string_set,
};

use crate::registry::Registry;

mod aws;
mod aws_autoscaling_attachment;
mod aws_data;
mod aws_dynamodb_table;
mod aws_eks_addon;
mod aws_eks_cluster;
mod aws_eks_node_group;
mod aws_elasticache_replication_group;
mod aws_instance;
mod aws_lb;
mod aws_lb_listener;
mod aws_lb_target_group;
mod aws_lb_target_group_attachment;
mod aws_msk_cluster;
mod aws_msk_configuration;
mod aws_rds_cluster;
mod aws_rds_cluster_instance;
mod aws_rds_cluster_parameter_group;
mod aws_route53_record;
mod aws_route53_zone;
mod aws_s3_bucket;
mod aws_security_group;
mod aws_subnet;
mod aws_vpc;
mod galley_sim_traffic;
mod kubernetes;
mod kubernetes_manifest;
mod openstack;
mod openstack_compute_instance;
mod openstack_compute_servergroup;
mod openstack_network;
mod openstack_subnet;
mod terraform_data;

pub(crate) use aws::is_region as is_aws_region;
pub(crate) use aws_eks_node_group::{
    desired_size as node_group_size, instance_type as node_group_instance_type, TYPE as NODE_GROUP,
};
pub(crate) use aws_lb::{by_dns_name, ready_by_dns_name, ready_targets};
pub(crate) use aws_route53_record::weighted_shares;
pub(crate) use aws_subnet::pod_capacity;
pub use openstack_compute_instance::HOSTS_PER_ZONE as OPENSTACK_HOSTS_PER_ZONE;

/// Every provider name the simulator serves, with its types.
pub fn catalog() -> BTreeMap<&'static str, Registry> {
    BTreeMap::from([
        (
            "aws",
            Registry::new("us-east-1")
                // `region` selects the world; credentials, `endpoints` and the other settings
                // real configurations carry are accepted and ignored (`default_tags` is not
                // merged into `tags_all`).
                .provider_block(schemas::aws::provider_block())
                .resource(aws_vpc::resource())
                .resource(aws_subnet::resource())
                .resource(aws_security_group::resource())
                .resource(aws_instance::resource())
                .resource(aws_route53_zone::resource())
                .resource(aws_route53_record::resource())
                .resource(aws_eks_cluster::resource())
                .resource(aws_eks_node_group::resource())
                .resource(aws_eks_addon::resource())
                .resource(aws_elasticache_replication_group::resource())
                .resource(aws_msk_cluster::resource())
                .resource(aws_msk_configuration::resource())
                .resource(aws_rds_cluster::resource())
                .resource(aws_rds_cluster_instance::resource())
                .resource(aws_rds_cluster_parameter_group::resource())
                .resource(aws_lb::resource())
                .resource(aws_lb_listener::resource())
                .resource(aws_lb_target_group::resource())
                .resource(aws_lb_target_group_attachment::resource())
                .resource(aws_autoscaling_attachment::resource())
                .resource(aws_dynamodb_table::resource())
                .resource(aws_s3_bucket::resource())
                .data(aws_data::availability_zones())
                .data(aws_data::region())
                .data(aws_data::caller_identity())
                .data(galley_sim_traffic::data_source()),
        ),
        (
            "kubernetes",
            // Objects live in the `aws` world of their cluster's region (see `kube`).
            Registry::new("")
                .stored_in("aws")
                .provider_block(kubernetes::provider_block())
                .resource(kubernetes_manifest::resource()),
        ),
        (
            "openstack",
            Registry::new("RegionOne")
                .provider_block(openstack::provider_block())
                .resource(openstack_network::resource())
                .resource(openstack_subnet::resource())
                .resource(openstack_compute_instance::resource())
                .resource(openstack_compute_servergroup::resource())
                .data(openstack_network::data_source()),
        ),
        (
            "terraform",
            // No regions: one world for all `terraform_data` objects.
            Registry::new("").resource(terraform_data::resource()),
        ),
    ])
}

/// Refuses regions the provider would not accept.
pub fn check_region(provider: &str, region: &str) -> Result<(), ProviderError> {
    let ok = match provider {
        "aws" => aws::is_region(region),
        _ => !region.trim().is_empty(),
    };
    if ok {
        Ok(())
    } else {
        Err(ProviderError::Api {
            code: "InvalidRegion".to_string(),
            message: format!("invalid {provider} region: {region:?}"),
        })
    }
}
