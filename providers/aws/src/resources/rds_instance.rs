//! `aws_rds_cluster_instance`: an instance of an Aurora cluster, created into the cluster,
//! resized with `ModifyDBInstance`, waited on until `available`.

use async_trait::async_trait;
use aws_sdk_rds::types::DbInstance;
use engine::provider::ProviderError;
use engine::value::Value;

use super::rds_common::{
    self, asked_version, boolean, create_tags, found, generated_name, num, tag_value, update_tags,
    DEFAULT_TIMEOUT,
};
use super::{Ctx, Resource};
use crate::errors::{invalid, sdk};
use crate::timeouts::{for_op, Op};
use crate::values::{flag, int, opt_string, text, with_tags};

/// The `aws_rds_cluster_instance` type.
pub struct Instance;

async fn describe(cx: &Ctx<'_>, id: &str) -> Result<Option<DbInstance>, ProviderError> {
    let out = cx
        .clients
        .rds
        .describe_db_instances()
        .db_instance_identifier(id)
        .send()
        .await
        .map_err(|e| sdk("DescribeDBInstances", e));
    Ok(found(out)?.and_then(|o| o.db_instances().first().cloned()))
}

/// The instance's status (empty when AWS reports none), `None` once it is gone.
pub(super) async fn status(cx: &Ctx<'_>, id: &str) -> Result<Option<String>, ProviderError> {
    Ok(describe(cx, id)
        .await?
        .map(|i| i.db_instance_status().unwrap_or_default().to_string()))
}

async fn wait_available(
    cx: &Ctx<'_>,
    id: &str,
    what: &str,
    timeout: std::time::Duration,
) -> Result<(), ProviderError> {
    rds_common::wait_available(
        &format!("aws_rds_cluster_instance {id}: {what}"),
        "instance",
        timeout,
        &["failed", "incompatible-parameters", "storage-full"],
        || status(cx, id),
    )
    .await
}

/// Whether the instance is its cluster's writer.
async fn is_writer(cx: &Ctx<'_>, cluster: &str, id: &str) -> Result<Value, ProviderError> {
    let out = cx
        .clients
        .rds
        .describe_db_clusters()
        .db_cluster_identifier(cluster)
        .send()
        .await
        .map_err(|e| sdk("DescribeDBClusters", e));
    let writer = found(out)?.and_then(|o| {
        o.db_clusters().first().and_then(|c| {
            c.db_cluster_members()
                .iter()
                .find(|m| m.db_instance_identifier() == Some(id))
                .and_then(|m| m.is_cluster_writer())
        })
    });
    Ok(boolean(writer))
}

#[async_trait]
impl Resource for Instance {
    async fn create(&self, cx: &Ctx<'_>, planned: &Value) -> Result<Value, ProviderError> {
        let id = text(planned, "identifier").map_or_else(generated_name, str::to_string);
        let owned = |name: &str| text(planned, name).map(str::to_string);
        cx.clients
            .rds
            .create_db_instance()
            .db_instance_identifier(&id)
            .set_db_cluster_identifier(owned("cluster_identifier"))
            .set_db_instance_class(owned("instance_class"))
            .set_engine(owned("engine"))
            .set_db_parameter_group_name(owned("db_parameter_group_name"))
            .set_db_subnet_group_name(owned("db_subnet_group_name"))
            .set_publicly_accessible(flag(planned, "publicly_accessible"))
            .set_availability_zone(owned("availability_zone"))
            .set_promotion_tier(int(planned, "promotion_tier"))
            .set_auto_minor_version_upgrade(flag(planned, "auto_minor_version_upgrade"))
            .set_tags(create_tags(planned))
            .send()
            .await
            .map_err(|e| sdk("CreateDBInstance", e))?;
        let timeout = for_op(planned, Op::Create, DEFAULT_TIMEOUT);
        wait_available(cx, &id, "create", timeout).await?;
        let stub = Value::object([("id", Value::string(&id))]);
        self.read(cx, &stub)
            .await?
            .ok_or_else(|| ProviderError::NotFound(format!("instance {id} after creating it")))
    }

    async fn read(&self, cx: &Ctx<'_>, state: &Value) -> Result<Option<Value>, ProviderError> {
        let Some(id) = text(state, "id") else {
            return Ok(None);
        };
        let Some(i) = describe(cx, id).await? else {
            return Ok(None);
        };
        if i.db_instance_status() == Some("deleting") {
            return Ok(None);
        }
        let s = |v: Option<&str>| opt_string(v);
        let cluster = i.db_cluster_identifier().unwrap_or_default();
        let version = i.engine_version().unwrap_or_default();
        let asked = asked_version(state, version);
        let mut observed = Value::object([
            ("id", Value::string(id)),
            ("identifier", Value::string(id)),
            ("cluster_identifier", Value::string(cluster)),
            ("instance_class", s(i.db_instance_class())),
            ("engine", s(i.engine())),
            ("engine_version", Value::string(asked)),
            ("engine_version_actual", Value::string(version)),
            (
                "db_parameter_group_name",
                s(i.db_parameter_groups()
                    .first()
                    .and_then(|g| g.db_parameter_group_name())),
            ),
            (
                "db_subnet_group_name",
                s(i.db_subnet_group().and_then(|g| g.db_subnet_group_name())),
            ),
            ("publicly_accessible", boolean(i.publicly_accessible())),
            ("availability_zone", s(i.availability_zone())),
            ("promotion_tier", num(i.promotion_tier())),
            (
                "auto_minor_version_upgrade",
                boolean(i.auto_minor_version_upgrade()),
            ),
            ("arn", s(i.db_instance_arn())),
            ("endpoint", s(i.endpoint().and_then(|e| e.address()))),
            ("port", num(i.endpoint().and_then(|e| e.port()))),
            ("writer", is_writer(cx, cluster, id).await?),
            ("dbi_resource_id", s(i.dbi_resource_id())),
        ]);
        if let (Value::Object(m), Some(v)) = (&mut observed, state.get_attr("apply_immediately")) {
            m.insert("apply_immediately".to_string(), v.clone());
        }
        if let (Value::Object(m), Some(v)) = (&mut observed, state.get_attr("timeouts")) {
            m.insert("timeouts".to_string(), v.clone());
        }
        Ok(Some(with_tags(observed, state, tag_value(i.tag_list()))))
    }

    async fn update(
        &self,
        cx: &Ctx<'_>,
        prior: &Value,
        planned: &Value,
    ) -> Result<Value, ProviderError> {
        let id = text(prior, "id").ok_or_else(|| invalid("the instance's id is not in state"))?;
        let text_change = |name: &str| {
            (text(prior, name) != text(planned, name))
                .then(|| text(planned, name).map(str::to_string))
                .flatten()
        };
        let flag_change = |name: &str| {
            (flag(prior, name) != flag(planned, name))
                .then(|| flag(planned, name))
                .flatten()
        };
        let class = text_change("instance_class");
        let group = text_change("db_parameter_group_name");
        let public = flag_change("publicly_accessible");
        let minor = flag_change("auto_minor_version_upgrade");
        let tier = (int(prior, "promotion_tier") != int(planned, "promotion_tier"))
            .then(|| int(planned, "promotion_tier"))
            .flatten();
        if class.is_some()
            || group.is_some()
            || public.is_some()
            || minor.is_some()
            || tier.is_some()
        {
            cx.clients
                .rds
                .modify_db_instance()
                .db_instance_identifier(id)
                .set_db_instance_class(class.clone())
                .set_db_parameter_group_name(group)
                .set_publicly_accessible(public)
                .set_auto_minor_version_upgrade(minor)
                .set_promotion_tier(tier)
                .apply_immediately(flag(planned, "apply_immediately").unwrap_or(false))
                .send()
                .await
                .map_err(|e| sdk("ModifyDBInstance", e))?;
            let timeout = for_op(planned, Op::Update, DEFAULT_TIMEOUT);
            let what = class.map_or("modify".to_string(), |c| format!("resize to {c}"));
            wait_available(cx, id, &what, timeout).await?;
        }
        if let Some(arn) = text(prior, "arn") {
            update_tags(cx, arn, prior, planned).await?;
        }
        self.read(cx, planned)
            .await?
            .ok_or_else(|| ProviderError::NotFound(format!("instance {id}")))
    }

    async fn delete(&self, cx: &Ctx<'_>, prior: &Value) -> Result<(), ProviderError> {
        let Some(id) = text(prior, "id") else {
            return Ok(());
        };
        // An Aurora instance has no snapshot of its own: the cluster keeps the data.
        let deleted = cx
            .clients
            .rds
            .delete_db_instance()
            .db_instance_identifier(id)
            .skip_final_snapshot(true)
            .send()
            .await
            .map_err(|e| sdk("DeleteDBInstance", e));
        if found(deleted)?.is_none() {
            return Ok(());
        }
        let timeout = for_op(prior, Op::Delete, DEFAULT_TIMEOUT);
        crate::wait::until_gone(
            &format!("aws_rds_cluster_instance {id}: delete"),
            timeout,
            || status(cx, id),
        )
        .await
    }
}
