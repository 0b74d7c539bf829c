//! `aws_eks_addon`: kube-proxy, CoreDNS, the VPC CNI and the like. Installed with
//! `CreateAddon` and waited on until `ACTIVE`; moved to another version with `UpdateAddon`,
//! followed through `DescribeUpdate`.

use std::time::Duration;

use async_trait::async_trait;
use aws_sdk_eks::types::{Addon, ResolveConflicts};
use engine::catalog::{self, compare_versions};
use engine::provider::shape::set_attr;
use engine::provider::ProviderError;
use engine::value::Value;

use super::eks_common::{
    create_tags, issues, member_import_stub, member_names, tag_value, timestamp, update_tags,
    wait_active, wait_update, Scope,
};
use super::rds_common::found;
use super::{Ctx, Resource};
use crate::errors::{invalid, sdk};
use crate::timeouts::{for_op, Op};
use crate::values::{opt_string, text, with_tags};

/// The `aws_eks_addon` type; its id is `cluster_name:addon_name`.
pub struct EksAddon;

const TYPE: &str = "aws_eks_addon";

/// Terraform's default for every operation: 20 minutes.
const TIMEOUT: Duration = Duration::from_secs(20 * 60);

/// Settings only the configuration knows.
const CONFIG_ONLY: &[&str] = &[
    "resolve_conflicts_on_create",
    "resolve_conflicts_on_update",
    "timeouts",
];

async fn describe(cx: &Ctx<'_>, cluster: &str, name: &str) -> Result<Option<Addon>, ProviderError> {
    let out = cx
        .clients
        .eks
        .describe_addon()
        .cluster_name(cluster)
        .addon_name(name)
        .send()
        .await
        .map_err(|e| sdk("DescribeAddon", e));
    Ok(found(out)?.and_then(|o| o.addon().cloned()))
}

/// The add-on's status and health issues, `None` once it is gone.
async fn status(
    cx: &Ctx<'_>,
    cluster: &str,
    name: &str,
) -> Result<Option<(String, String)>, ProviderError> {
    Ok(describe(cx, cluster, name).await?.map(|a| {
        let issues = issues(
            a.health()
                .map(|h| h.issues())
                .unwrap_or_default()
                .iter()
                .map(|i| (i.code().map(|c| c.as_str()), i.message())),
        );
        (a.status().map_or("", |s| s.as_str()).to_string(), issues)
    }))
}

/// `(cluster, name)` of a state or plan.
fn names(obj: &Value) -> Result<(&str, &str), ProviderError> {
    member_names(TYPE, obj, "addon_name")
}

#[async_trait]
impl Resource for EksAddon {
    async fn create(&self, cx: &Ctx<'_>, planned: &Value) -> Result<Value, ProviderError> {
        let (cluster, name) = names(planned)?;
        cx.clients
            .eks
            .create_addon()
            .cluster_name(cluster)
            .addon_name(name)
            .set_addon_version(text(planned, "addon_version").map(str::to_string))
            .set_service_account_role_arn(
                text(planned, "service_account_role_arn").map(str::to_string),
            )
            .set_configuration_values(text(planned, "configuration_values").map(str::to_string))
            .set_resolve_conflicts(
                text(planned, "resolve_conflicts_on_create").map(ResolveConflicts::from),
            )
            .set_tags(create_tags(planned))
            .send()
            .await
            .map_err(|e| sdk("CreateAddon", e))?;
        wait_active(
            &format!("{TYPE} {cluster}:{name}: create"),
            &["CREATE_FAILED", "DEGRADED"],
            for_op(planned, Op::Create, TIMEOUT),
            || status(cx, cluster, name),
        )
        .await?;
        self.read(cx, planned).await?.ok_or_else(|| {
            ProviderError::NotFound(format!("add-on {cluster}:{name} after creating it"))
        })
    }

    async fn read(&self, cx: &Ctx<'_>, state: &Value) -> Result<Option<Value>, ProviderError> {
        let (cluster, name) = names(state)?;
        let Some(a) = describe(cx, cluster, name).await? else {
            return Ok(None);
        };
        if a.status().map(|s| s.as_str()) == Some("DELETING") {
            return Ok(None);
        }
        let mut observed = Value::object([
            ("id", Value::string(format!("{cluster}:{name}"))),
            ("cluster_name", Value::string(cluster)),
            ("addon_name", Value::string(name)),
            ("addon_version", opt_string(a.addon_version())),
            ("arn", opt_string(a.addon_arn())),
            (
                "service_account_role_arn",
                opt_string(a.service_account_role_arn()),
            ),
            (
                "configuration_values",
                opt_string(a.configuration_values().filter(|v| !v.is_empty())),
            ),
            ("created_at", timestamp(a.created_at())),
            ("modified_at", timestamp(a.modified_at())),
        ]);
        for n in CONFIG_ONLY {
            if let Some(v) = state.get_attr(n) {
                set_attr(&mut observed, n, v.clone());
            }
        }
        Ok(Some(with_tags(observed, state, tag_value(a.tags()))))
    }

    async fn update(
        &self,
        cx: &Ctx<'_>,
        prior: &Value,
        planned: &Value,
    ) -> Result<Value, ProviderError> {
        let (cluster, name) = names(prior)?;
        let changed = |n: &str| {
            text(planned, n)
                .filter(|v| text(prior, n) != Some(*v))
                .map(str::to_string)
        };
        let version = changed("addon_version");
        let role = changed("service_account_role_arn");
        let values = changed("configuration_values");
        if version.is_some() || role.is_some() || values.is_some() {
            let out = cx
                .clients
                .eks
                .update_addon()
                .cluster_name(cluster)
                .addon_name(name)
                .set_addon_version(version.clone())
                .set_service_account_role_arn(role)
                .set_configuration_values(values)
                .set_resolve_conflicts(
                    text(planned, "resolve_conflicts_on_update").map(ResolveConflicts::from),
                )
                .send()
                .await
                .map_err(|e| sdk("UpdateAddon", e))?;
            let id = out.update().and_then(|u| u.id()).unwrap_or_default();
            let what = match &version {
                Some(v) => format!("{TYPE} {cluster}:{name}: update to {v}"),
                None => format!("{TYPE} {cluster}:{name}: update"),
            };
            let timeout = for_op(planned, Op::Update, TIMEOUT);
            wait_update(cx, cluster, Scope::Addon(name), id, &what, timeout).await?;
        }
        if let Some(arn) = text(prior, "arn") {
            update_tags(cx, arn, prior, planned).await?;
        }
        self.read(cx, planned)
            .await?
            .ok_or_else(|| ProviderError::NotFound(format!("add-on {cluster}:{name}")))
    }

    async fn delete(&self, cx: &Ctx<'_>, prior: &Value) -> Result<(), ProviderError> {
        let (cluster, name) = names(prior)?;
        let deleted = cx
            .clients
            .eks
            .delete_addon()
            .cluster_name(cluster)
            .addon_name(name)
            .send()
            .await
            .map_err(|e| sdk("DeleteAddon", e));
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

    /// The add-on is one the catalog knows, and its version never goes down. Whether a
    /// version suits the cluster's Kubernetes version is judged by EKS when the call is
    /// made: earlier steps of the same apply may upgrade the cluster first.
    fn check(&self, prior: Option<&Value>, planned: &Value) -> Result<(), ProviderError> {
        let Some(name) = text(planned, "addon_name") else {
            return Ok(());
        };
        if catalog::eks().addon(name).is_none() {
            let known: Vec<&str> = catalog::eks()
                .addons
                .list
                .iter()
                .map(|a| a.name.as_str())
                .collect();
            return Err(invalid(format!(
                "{TYPE}: add-on {name} is not in galley's catalog (it knows {}); add it to engine/src/catalog/catalog.json with its compatible versions",
                known.join(", ")
            )));
        }
        let old = prior.and_then(|p| text(p, "addon_version"));
        if let (Some(old), Some(new)) = (old, text(planned, "addon_version")) {
            if compare_versions(new, old).is_lt() {
                return Err(invalid(format!(
                    "{TYPE} {name}: updating from {old} to {new} is a downgrade, which EKS does not support"
                )));
            }
        }
        Ok(())
    }

    fn import_stub(&self, id: &str) -> Value {
        member_import_stub(id, "addon_name")
    }
}
