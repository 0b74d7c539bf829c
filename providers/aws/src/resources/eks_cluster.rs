//! `aws_eks_cluster`: a Kubernetes control plane. Created with `CreateCluster` and waited
//! on until `ACTIVE`; its version moves with `UpdateClusterVersion`, followed through
//! `DescribeUpdate`; its upgrade policy with `UpdateClusterConfig`.

use std::time::Duration;

use async_trait::async_trait;
use aws_sdk_eks::types::{
    Cluster as EksCluster, SupportType, UpgradePolicyRequest, VpcConfigRequest,
};
use engine::provider::shape::set_attr;
use engine::provider::ProviderError;
use engine::value::Value;

use super::eks_common::{
    check_kubernetes_version, create_tags, issues, tag_value, timestamp, update_tags, wait_active,
    wait_update, Scope,
};
use super::rds_common::found;
use super::{Ctx, Resource};
use crate::errors::{invalid, sdk};
use crate::timeouts::{for_op, Op};
use crate::values::{block, opt_string, strings, text, with_tags};

/// The `aws_eks_cluster` type; its id is its name.
pub struct Cluster;

/// Terraform's defaults: 30 minutes to create, 60 to update, 15 to delete.
const CREATE_TIMEOUT: Duration = Duration::from_secs(30 * 60);
const UPDATE_TIMEOUT: Duration = Duration::from_secs(60 * 60);
const DELETE_TIMEOUT: Duration = Duration::from_secs(15 * 60);

async fn describe(cx: &Ctx<'_>, name: &str) -> Result<Option<EksCluster>, ProviderError> {
    let out = cx
        .clients
        .eks
        .describe_cluster()
        .name(name)
        .send()
        .await
        .map_err(|e| sdk("DescribeCluster", e));
    Ok(found(out)?.and_then(|o| o.cluster().cloned()))
}

/// The cluster's status and health issues, `None` once it is gone.
async fn status(cx: &Ctx<'_>, name: &str) -> Result<Option<(String, String)>, ProviderError> {
    Ok(describe(cx, name).await?.map(|c| {
        let issues = issues(
            c.health()
                .map(|h| h.issues())
                .unwrap_or_default()
                .iter()
                .map(|i| (i.code().map(|c| c.as_str()), i.message())),
        );
        (c.status().map_or("", |s| s.as_str()).to_string(), issues)
    }))
}

fn support_type(obj: &Value) -> Option<&str> {
    block(obj, "upgrade_policy").and_then(|b| text(b, "support_type"))
}

#[async_trait]
impl Resource for Cluster {
    async fn create(&self, cx: &Ctx<'_>, planned: &Value) -> Result<Value, ProviderError> {
        let name = text(planned, "name").ok_or_else(|| invalid("name is required"))?;
        let role = text(planned, "role_arn").ok_or_else(|| invalid("role_arn is required"))?;
        let vpc = block(planned, "vpc_config").ok_or_else(|| invalid("vpc_config is required"))?;
        let groups = strings(vpc, "security_group_ids");
        cx.clients
            .eks
            .create_cluster()
            .name(name)
            .role_arn(role)
            .set_version(text(planned, "version").map(str::to_string))
            .resources_vpc_config(
                VpcConfigRequest::builder()
                    .set_subnet_ids(Some(strings(vpc, "subnet_ids")))
                    .set_security_group_ids((!groups.is_empty()).then_some(groups))
                    .build(),
            )
            .set_upgrade_policy(support_type(planned).map(|s| {
                UpgradePolicyRequest::builder()
                    .support_type(SupportType::from(s))
                    .build()
            }))
            .set_tags(create_tags(planned))
            .send()
            .await
            .map_err(|e| sdk("CreateCluster", e))?;
        wait_active(
            &format!("aws_eks_cluster {name}: create"),
            &["FAILED"],
            for_op(planned, Op::Create, CREATE_TIMEOUT),
            || status(cx, name),
        )
        .await?;
        let stub = Value::object([("id", Value::string(name))]);
        self.read(cx, &stub)
            .await?
            .ok_or_else(|| ProviderError::NotFound(format!("cluster {name} after creating it")))
    }

    async fn read(&self, cx: &Ctx<'_>, state: &Value) -> Result<Option<Value>, ProviderError> {
        let Some(name) = text(state, "id").or_else(|| text(state, "name")) else {
            return Ok(None);
        };
        let Some(c) = describe(cx, name).await? else {
            return Ok(None);
        };
        if c.status().map(|s| s.as_str()) == Some("DELETING") {
            return Ok(None);
        }
        let vpc = c.resources_vpc_config();
        // Optional sets left out of the configuration stay null when AWS has none.
        let set = |ids: &[String]| match ids {
            [] => Value::Null,
            ids => Value::set(ids.iter().map(Value::string).collect()),
        };
        let vpc_config = Value::object([
            (
                "subnet_ids",
                set(vpc.map(|v| v.subnet_ids()).unwrap_or_default()),
            ),
            (
                "security_group_ids",
                set(vpc.map(|v| v.security_group_ids()).unwrap_or_default()),
            ),
            ("vpc_id", opt_string(vpc.and_then(|v| v.vpc_id()))),
            (
                "cluster_security_group_id",
                opt_string(vpc.and_then(|v| v.cluster_security_group_id())),
            ),
        ]);
        // Reported only when configured: EKS's default (EXTENDED) is not a difference
        // from a configuration without the block.
        let upgrade_policy = match (
            c.upgrade_policy().and_then(|p| p.support_type()),
            block(state, "upgrade_policy"),
        ) {
            (Some(s), Some(_)) => Value::List(vec![Value::object([(
                "support_type",
                Value::string(s.as_str()),
            )])]),
            _ => Value::List(Vec::new()),
        };
        let mut observed = Value::object([
            ("id", Value::string(name)),
            ("name", Value::string(name)),
            ("arn", opt_string(c.arn())),
            ("role_arn", opt_string(c.role_arn())),
            ("version", opt_string(c.version())),
            ("endpoint", opt_string(c.endpoint())),
            ("status", opt_string(c.status().map(|s| s.as_str()))),
            ("platform_version", opt_string(c.platform_version())),
            ("created_at", timestamp(c.created_at())),
            ("vpc_config", Value::List(vec![vpc_config])),
            ("upgrade_policy", upgrade_policy),
        ]);
        if let Some(t) = state.get_attr("timeouts") {
            set_attr(&mut observed, "timeouts", t.clone());
        }
        Ok(Some(with_tags(observed, state, tag_value(c.tags()))))
    }

    async fn update(
        &self,
        cx: &Ctx<'_>,
        prior: &Value,
        planned: &Value,
    ) -> Result<Value, ProviderError> {
        let name = text(prior, "id").ok_or_else(|| invalid("the cluster's id is not in state"))?;
        let timeout = for_op(planned, Op::Update, UPDATE_TIMEOUT);
        if let Some(version) =
            text(planned, "version").filter(|v| text(prior, "version") != Some(v))
        {
            let out = cx
                .clients
                .eks
                .update_cluster_version()
                .name(name)
                .version(version)
                .send()
                .await
                .map_err(|e| sdk("UpdateClusterVersion", e))?;
            let id = out.update().and_then(|u| u.id()).unwrap_or_default();
            let what = format!("aws_eks_cluster {name}: update to Kubernetes {version}");
            wait_update(cx, name, Scope::Cluster, id, &what, timeout).await?;
        }
        if let Some(s) = support_type(planned).filter(|s| support_type(prior) != Some(s)) {
            let out = cx
                .clients
                .eks
                .update_cluster_config()
                .name(name)
                .upgrade_policy(
                    UpgradePolicyRequest::builder()
                        .support_type(SupportType::from(s))
                        .build(),
                )
                .send()
                .await
                .map_err(|e| sdk("UpdateClusterConfig", e))?;
            let id = out.update().and_then(|u| u.id()).unwrap_or_default();
            let what = format!("aws_eks_cluster {name}: upgrade policy {s}");
            wait_update(cx, name, Scope::Cluster, id, &what, timeout).await?;
        }
        if let Some(arn) = text(prior, "arn") {
            update_tags(cx, arn, prior, planned).await?;
        }
        self.read(cx, planned)
            .await?
            .ok_or_else(|| ProviderError::NotFound(format!("cluster {name}")))
    }

    async fn delete(&self, cx: &Ctx<'_>, prior: &Value) -> Result<(), ProviderError> {
        let Some(name) = text(prior, "id") else {
            return Ok(());
        };
        let deleted = cx
            .clients
            .eks
            .delete_cluster()
            .name(name)
            .send()
            .await
            .map_err(|e| sdk("DeleteCluster", e));
        if found(deleted)?.is_none() {
            return Ok(());
        }
        crate::wait::until_gone(
            &format!("aws_eks_cluster {name}: delete"),
            for_op(prior, Op::Delete, DELETE_TIMEOUT),
            || async { Ok(status(cx, name).await?.map(|(s, _)| s)) },
        )
        .await
    }

    fn check(&self, prior: Option<&Value>, planned: &Value) -> Result<(), ProviderError> {
        let name = text(planned, "name").unwrap_or("cluster");
        check_kubernetes_version(&format!("aws_eks_cluster {name}"), prior, planned)
    }

    fn adjust_plan(&self, prior: Option<&Value>, planned: &mut Value) {
        // A new version brings a new platform version.
        if let Some(prior) = prior {
            if text(prior, "version") != text(planned, "version") {
                set_attr(planned, "platform_version", Value::Unknown);
            }
        }
    }
}
