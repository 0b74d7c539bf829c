//! `aws_eks_node_group`: managed nodes of a cluster. Created with `CreateNodegroup` and
//! waited on until `ACTIVE`; rolled to a new Kubernetes version or AMI release with
//! `UpdateNodegroupVersion`, rescaled with `UpdateNodegroupConfig`, both followed through
//! `DescribeUpdate`.

use std::time::Duration;

use async_trait::async_trait;
use aws_sdk_eks::types::{
    AmiTypes, CapacityTypes, Nodegroup, NodegroupScalingConfig, NodegroupUpdateConfig,
};
use engine::provider::shape::set_attr;
use engine::provider::ProviderError;
use engine::value::Value;

use super::eks_common::{
    check_kubernetes_version, create_tags, issues, member_import_stub, member_names, tag_value,
    update_tags, wait_active, wait_update, Scope,
};
use super::rds_common::{found, num};
use super::{Ctx, Resource};
use crate::errors::{invalid, sdk};
use crate::timeouts::{for_op, Op};
use crate::values::{block, int, opt_string, strings, text, with_tags};

/// The `aws_eks_node_group` type; its id is `cluster_name:node_group_name`.
pub struct NodeGroup;

const TYPE: &str = "aws_eks_node_group";

/// Terraform's default for every operation: 60 minutes (a rolling update replaces every
/// node, one batch at a time).
const TIMEOUT: Duration = Duration::from_secs(60 * 60);

async fn describe(
    cx: &Ctx<'_>,
    cluster: &str,
    name: &str,
) -> Result<Option<Nodegroup>, ProviderError> {
    let out = cx
        .clients
        .eks
        .describe_nodegroup()
        .cluster_name(cluster)
        .nodegroup_name(name)
        .send()
        .await
        .map_err(|e| sdk("DescribeNodegroup", e));
    Ok(found(out)?.and_then(|o| o.nodegroup().cloned()))
}

/// The node group's status and health issues, `None` once it is gone.
async fn status(
    cx: &Ctx<'_>,
    cluster: &str,
    name: &str,
) -> Result<Option<(String, String)>, ProviderError> {
    Ok(describe(cx, cluster, name).await?.map(|ng| {
        let issues = issues(
            ng.health()
                .map(|h| h.issues())
                .unwrap_or_default()
                .iter()
                .map(|i| (i.code().map(|c| c.as_str()), i.message())),
        );
        (ng.status().map_or("", |s| s.as_str()).to_string(), issues)
    }))
}

fn scaling(planned: &Value) -> Option<NodegroupScalingConfig> {
    let b = block(planned, "scaling_config")?;
    Some(
        NodegroupScalingConfig::builder()
            .set_min_size(int(b, "min_size"))
            .set_max_size(int(b, "max_size"))
            .set_desired_size(int(b, "desired_size"))
            .build(),
    )
}

fn update_config(planned: &Value) -> Option<NodegroupUpdateConfig> {
    let b = block(planned, "update_config")?;
    Some(
        NodegroupUpdateConfig::builder()
            .set_max_unavailable(int(b, "max_unavailable"))
            .set_max_unavailable_percentage(int(b, "max_unavailable_percentage"))
            .build(),
    )
}

/// `(cluster, name)` of a state or plan.
fn names(obj: &Value) -> Result<(&str, &str), ProviderError> {
    member_names(TYPE, obj, "node_group_name")
}

fn check_scaling(planned: &Value) -> Result<(), ProviderError> {
    let Some(b) = block(planned, "scaling_config") else {
        return Ok(());
    };
    let (Some(min), Some(desired), Some(max)) = (
        int(b, "min_size"),
        int(b, "desired_size"),
        int(b, "max_size"),
    ) else {
        return Ok(());
    };
    if max < 1 || min > desired || desired > max {
        return Err(invalid(format!(
            "scaling_config: need min_size <= desired_size <= max_size and max_size >= 1 (got {min}, {desired}, {max})"
        )));
    }
    Ok(())
}

#[async_trait]
impl Resource for NodeGroup {
    async fn create(&self, cx: &Ctx<'_>, planned: &Value) -> Result<Value, ProviderError> {
        let (cluster, name) = names(planned)?;
        let role =
            text(planned, "node_role_arn").ok_or_else(|| invalid("node_role_arn is required"))?;
        let types = strings(planned, "instance_types");
        cx.clients
            .eks
            .create_nodegroup()
            .cluster_name(cluster)
            .nodegroup_name(name)
            .node_role(role)
            .set_subnets(Some(strings(planned, "subnet_ids")))
            .set_instance_types((!types.is_empty()).then_some(types))
            .set_ami_type(text(planned, "ami_type").map(AmiTypes::from))
            .set_capacity_type(text(planned, "capacity_type").map(CapacityTypes::from))
            .set_scaling_config(scaling(planned))
            .set_update_config(update_config(planned))
            .set_version(text(planned, "version").map(str::to_string))
            .set_release_version(text(planned, "release_version").map(str::to_string))
            .set_tags(create_tags(planned))
            .send()
            .await
            .map_err(|e| sdk("CreateNodegroup", e))?;
        wait_active(
            &format!("{TYPE} {cluster}:{name}: create"),
            &["CREATE_FAILED", "DEGRADED"],
            for_op(planned, Op::Create, TIMEOUT),
            || status(cx, cluster, name),
        )
        .await?;
        let stub = Value::object([("id", Value::string(format!("{cluster}:{name}")))]);
        self.read(cx, &stub).await?.ok_or_else(|| {
            ProviderError::NotFound(format!("node group {cluster}:{name} after creating it"))
        })
    }

    async fn read(&self, cx: &Ctx<'_>, state: &Value) -> Result<Option<Value>, ProviderError> {
        let (cluster, name) = names(state)?;
        let Some(ng) = describe(cx, cluster, name).await? else {
            return Ok(None);
        };
        if ng.status().map(|s| s.as_str()) == Some("DELETING") {
            return Ok(None);
        }
        let strings_of = |v: &[String]| Value::List(v.iter().map(Value::string).collect());
        let scaling = ng.scaling_config().map_or(Value::List(Vec::new()), |s| {
            Value::List(vec![Value::object([
                ("min_size", num(s.min_size())),
                ("max_size", num(s.max_size())),
                ("desired_size", num(s.desired_size())),
            ])])
        });
        // Only a configured block is reported: EKS's default (max_unavailable = 1) is
        // not a difference from a configuration without one.
        let update_config = match (ng.update_config(), block(state, "update_config")) {
            (Some(u), Some(_)) => Value::List(vec![Value::object([
                ("max_unavailable", num(u.max_unavailable())),
                (
                    "max_unavailable_percentage",
                    num(u.max_unavailable_percentage()),
                ),
            ])]),
            _ => Value::List(Vec::new()),
        };
        let resources = ng.resources().map_or(Value::List(Vec::new()), |r| {
            Value::List(vec![Value::object([
                (
                    "autoscaling_groups",
                    Value::List(
                        r.auto_scaling_groups()
                            .iter()
                            .map(|g| Value::object([("name", opt_string(g.name()))]))
                            .collect(),
                    ),
                ),
                (
                    "remote_access_security_group_id",
                    opt_string(r.remote_access_security_group()),
                ),
            ])])
        });
        let mut observed = Value::object([
            ("id", Value::string(format!("{cluster}:{name}"))),
            ("cluster_name", Value::string(cluster)),
            ("node_group_name", Value::string(name)),
            ("node_role_arn", opt_string(ng.node_role())),
            (
                "subnet_ids",
                Value::set(ng.subnets().iter().map(Value::string).collect()),
            ),
            ("instance_types", strings_of(ng.instance_types())),
            ("version", opt_string(ng.version())),
            ("release_version", opt_string(ng.release_version())),
            ("ami_type", opt_string(ng.ami_type().map(|t| t.as_str()))),
            (
                "capacity_type",
                opt_string(ng.capacity_type().map(|t| t.as_str())),
            ),
            ("arn", opt_string(ng.nodegroup_arn())),
            ("status", opt_string(ng.status().map(|s| s.as_str()))),
            ("resources", resources),
            ("scaling_config", scaling),
            ("update_config", update_config),
        ]);
        if let Some(t) = state.get_attr("timeouts") {
            set_attr(&mut observed, "timeouts", t.clone());
        }
        Ok(Some(with_tags(observed, state, tag_value(ng.tags()))))
    }

    async fn update(
        &self,
        cx: &Ctx<'_>,
        prior: &Value,
        planned: &Value,
    ) -> Result<Value, ProviderError> {
        let (cluster, name) = names(prior)?;
        let timeout = for_op(planned, Op::Update, TIMEOUT);
        let eks = &cx.clients.eks;
        let version = text(planned, "version").filter(|v| text(prior, "version") != Some(*v));
        let release =
            text(planned, "release_version").filter(|r| text(prior, "release_version") != Some(*r));
        if version.is_some() || release.is_some() {
            let out = eks
                .update_nodegroup_version()
                .cluster_name(cluster)
                .nodegroup_name(name)
                .set_version(version.map(str::to_string))
                .set_release_version(release.map(str::to_string))
                .send()
                .await
                .map_err(|e| sdk("UpdateNodegroupVersion", e))?;
            let id = out.update().and_then(|u| u.id()).unwrap_or_default();
            let to = version.or(release).unwrap_or_default();
            let what = format!("{TYPE} {cluster}:{name}: rolling update to {to}");
            wait_update(cx, cluster, Scope::Nodegroup(name), id, &what, timeout).await?;
        }
        let scaling_changed = block(prior, "scaling_config") != block(planned, "scaling_config");
        let update_changed = block(prior, "update_config") != block(planned, "update_config");
        if scaling_changed || update_changed {
            let out = eks
                .update_nodegroup_config()
                .cluster_name(cluster)
                .nodegroup_name(name)
                .set_scaling_config(scaling(planned).filter(|_| scaling_changed))
                .set_update_config(update_config(planned).filter(|_| update_changed))
                .send()
                .await
                .map_err(|e| sdk("UpdateNodegroupConfig", e))?;
            let id = out.update().and_then(|u| u.id()).unwrap_or_default();
            let what = format!("{TYPE} {cluster}:{name}: configuration update");
            wait_update(cx, cluster, Scope::Nodegroup(name), id, &what, timeout).await?;
        }
        if let Some(arn) = text(prior, "arn") {
            update_tags(cx, arn, prior, planned).await?;
        }
        self.read(cx, planned)
            .await?
            .ok_or_else(|| ProviderError::NotFound(format!("node group {cluster}:{name}")))
    }

    async fn delete(&self, cx: &Ctx<'_>, prior: &Value) -> Result<(), ProviderError> {
        let (cluster, name) = names(prior)?;
        let deleted = cx
            .clients
            .eks
            .delete_nodegroup()
            .cluster_name(cluster)
            .nodegroup_name(name)
            .send()
            .await
            .map_err(|e| sdk("DeleteNodegroup", e));
        if found(deleted)?.is_none() {
            return Ok(());
        }
        crate::wait::until_gone(
            &format!("{TYPE} {cluster}:{name}: delete"),
            for_op(prior, Op::Delete, TIMEOUT),
            || async { Ok(status(cx, cluster, name).await?.map(|(s, _)| s)) },
        )
        .await
    }

    fn check(&self, prior: Option<&Value>, planned: &Value) -> Result<(), ProviderError> {
        check_scaling(planned)?;
        let name = text(planned, "node_group_name").unwrap_or("node group");
        check_kubernetes_version(&format!("{TYPE} {name}"), prior, planned)
    }

    fn adjust_plan(&self, prior: Option<&Value>, planned: &mut Value) {
        // A new Kubernetes version rolls the nodes onto a new AMI release, unless the
        // configuration names one.
        let Some(prior) = prior else {
            return;
        };
        if text(prior, "version") != text(planned, "version")
            && text(prior, "release_version") == text(planned, "release_version")
        {
            set_attr(planned, "release_version", Value::Unknown);
        }
    }

    fn import_stub(&self, id: &str) -> Value {
        member_import_stub(id, "node_group_name")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scaled(min: f64, desired: f64, max: f64) -> Value {
        Value::object([(
            "scaling_config",
            Value::List(vec![Value::object([
                ("min_size", Value::Number(min)),
                ("desired_size", Value::Number(desired)),
                ("max_size", Value::Number(max)),
            ])]),
        )])
    }

    #[test]
    fn scaling_must_be_ordered() {
        check_scaling(&scaled(1.0, 2.0, 3.0)).unwrap();
        assert!(check_scaling(&scaled(3.0, 2.0, 3.0)).is_err());
        assert!(check_scaling(&scaled(0.0, 0.0, 0.0)).is_err());
    }

    #[test]
    fn a_version_change_recomputes_the_release_unless_configured() {
        let prior = Value::object([
            ("version", Value::string("1.31")),
            ("release_version", Value::string("1.31.7-20250505")),
        ]);
        let mut planned = Value::object([
            ("version", Value::string("1.32")),
            ("release_version", Value::string("1.31.7-20250505")),
        ]);
        NodeGroup.adjust_plan(Some(&prior), &mut planned);
        assert_eq!(planned.get_attr("release_version"), Some(&Value::Unknown));
        let mut pinned = Value::object([
            ("version", Value::string("1.32")),
            ("release_version", Value::string("1.32.3-20250601")),
        ]);
        NodeGroup.adjust_plan(Some(&prior), &mut pinned);
        assert_eq!(
            pinned.get_attr("release_version"),
            Some(&Value::string("1.32.3-20250601"))
        );
    }
}
