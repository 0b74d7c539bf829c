//! One module per resource type, each carrying out create, read, update and delete
//! through the SDK; [`for_type`] finds a type's implementation.

use async_trait::async_trait;
use engine::provider::{Created, ProviderError};
use engine::value::Value;

use crate::clients::Clients;

mod autoscaling_attachment;
mod dynamodb_rules;
mod dynamodb_table;
mod ec2_tags;
mod eks_addon;
mod eks_cluster;
mod eks_common;
mod eks_node_group;
mod elasticache_group;
mod elasticache_rules;
mod instance;
mod instance_launch;
mod instance_root;
mod lb;
mod lb_common;
mod lb_listener;
mod lb_target_group;
mod lb_target_group_attachment;
mod msk_cluster;
mod msk_common;
mod msk_configuration;
mod rds_blue_green;
mod rds_cluster;
mod rds_common;
mod rds_instance;
mod rds_parameter_group;
mod route53_common;
mod route53_record;
mod route53_zone;
mod s3_bucket;
mod security_group;
mod subnet;
mod vpc;

/// How long an EC2 delete may wait for dependent objects to go (as Terraform waits).
pub const EC2_DELETE_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(20 * 60);

/// What an operation on one object gets.
pub struct Ctx<'a> {
    /// The service clients of the provider instance (one region, one account).
    pub clients: &'a Clients,
    /// The object's address (`aws_instance.web[0]`) when a change is applied; `None` for
    /// reads and imports. Idempotency tokens are derived from it.
    pub address: Option<&'a str>,
    /// For a create: the engine's idempotency token (`ApplyRequest::token`). Types whose
    /// API keeps a client reference (a hosted zone's `CallerReference`) pass it on, so
    /// [`Resource::find_created`] can find the object after a killed apply.
    pub token: Option<&'a str>,
}

impl<'a> Ctx<'a> {
    /// A context for calls that change nothing (read, import, find): no address, no token.
    pub fn reading(clients: &'a Clients) -> Ctx<'a> {
        Ctx {
            clients,
            address: None,
            token: None,
        }
    }
}

/// A resource type carried out on AWS. Every method returns the object as AWS reports
/// it (attributes it does not report are null); the provider merges that with the plan
/// or the prior state (`crate::values`).
#[async_trait]
pub trait Resource: Send + Sync {
    /// Creates the object from its planned state.
    async fn create(&self, cx: &Ctx<'_>, planned: &Value) -> Result<Value, ProviderError>;

    /// The object a create given `token` made (see [`Ctx::token`]); the default cannot
    /// tell.
    async fn find_created(&self, cx: &Ctx<'_>, token: &str) -> Result<Created, ProviderError> {
        let _ = (cx, token);
        Ok(Created::Unknown)
    }

    /// Reads the object `state` describes (its `id` at least); `None` when it is gone.
    async fn read(&self, cx: &Ctx<'_>, state: &Value) -> Result<Option<Value>, ProviderError>;

    /// Changes the object from `prior` to `planned` (only attributes that are not
    /// force-new differ: the engine replaces the object otherwise).
    async fn update(
        &self,
        cx: &Ctx<'_>,
        prior: &Value,
        planned: &Value,
    ) -> Result<Value, ProviderError>;

    /// Deletes the object and waits until it is gone.
    async fn delete(&self, cx: &Ctx<'_>, prior: &Value) -> Result<(), ProviderError>;

    /// Refuses, at plan time, what AWS would refuse or an emulator would wrongly accept:
    /// versions and families the catalog (`engine::catalog`) does not know, upgrade paths
    /// the service does not take. `prior` is the object's state before an in-place change
    /// (None for a create or a replacement); `planned` may hold unknown values, which are
    /// not judged. Nothing is called.
    fn check(&self, prior: Option<&Value>, planned: &Value) -> Result<(), ProviderError> {
        let _ = (prior, planned);
        Ok(())
    }

    /// Marks in `planned` what the change will recompute (a node group's AMI release when
    /// its Kubernetes version moves): left as in `prior`, those values would be sent to AWS
    /// and kept in state though AWS changes them.
    fn adjust_plan(&self, prior: Option<&Value>, planned: &mut Value) {
        let _ = (prior, planned);
    }

    /// The state an imported object is read from: by default `{ id = <id> }`.
    fn import_stub(&self, id: &str) -> Value {
        Value::object([("id", Value::string(id))])
    }
}

/// The implementation of `type_name`, if this provider carries it out.
pub fn for_type(type_name: &str) -> Option<&'static dyn Resource> {
    Some(match type_name {
        "aws_vpc" => &vpc::Vpc,
        "aws_subnet" => &subnet::Subnet,
        "aws_security_group" => &security_group::SecurityGroup,
        "aws_instance" => &instance::Ec2Instance,
        "aws_route53_zone" => &route53_zone::Zone,
        "aws_route53_record" => &route53_record::Record,
        "aws_eks_cluster" => &eks_cluster::Cluster,
        "aws_eks_node_group" => &eks_node_group::NodeGroup,
        "aws_eks_addon" => &eks_addon::EksAddon,
        "aws_rds_cluster" => &rds_cluster::Cluster,
        "aws_rds_cluster_instance" => &rds_instance::Instance,
        "aws_rds_cluster_parameter_group" => &rds_parameter_group::ParameterGroup,
        "aws_elasticache_replication_group" => &elasticache_group::Group,
        "aws_s3_bucket" => &s3_bucket::Bucket,
        "aws_dynamodb_table" => &dynamodb_table::Table,
        "aws_msk_cluster" => &msk_cluster::MskCluster,
        "aws_msk_configuration" => &msk_configuration::Configuration,
        "aws_lb" => &lb::LoadBalancer,
        "aws_lb_listener" => &lb_listener::LbListener,
        "aws_lb_target_group" => &lb_target_group::TargetGroup,
        "aws_lb_target_group_attachment" => &lb_target_group_attachment::TargetGroupAttachment,
        "aws_autoscaling_attachment" => &autoscaling_attachment::AutoscalingAttachment,
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_resource_type_of_the_schemas_is_carried_out_on_aws() {
        let missing: Vec<&str> = schemas::aws::resources()
            .into_iter()
            .map(|(name, _)| name)
            .filter(|name| for_type(name).is_none())
            .collect();
        assert!(missing.is_empty(), "no AWS implementation for {missing:?}");
        assert!(for_type("aws_lb_listener_rule").is_none());
        assert!(for_type("").is_none());
    }
}
