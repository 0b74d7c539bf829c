//! `aws_rds_cluster`: an Aurora cluster. Created and modified with `CreateDBCluster` /
//! `ModifyDBCluster` (engine upgrades with `EngineVersion` and `AllowMajorVersionUpgrade`),
//! waited on until `available`, deleted with or without a final snapshot. With
//! `blue_green_update` enabled, a major version goes through an RDS Blue/Green Deployment
//! instead (`rds_blue_green`).

use async_trait::async_trait;
use aws_sdk_rds::types::DbCluster;
use engine::provider::shape::set_attr;
use engine::provider::ProviderError;
use engine::value::Value;

use super::rds_common::{
    self, asked_version, boolean, create_tags, found, generated_name, num, tag_value, update_tags,
    DEFAULT_TIMEOUT,
};
use super::{rds_blue_green, Ctx, Resource};
use crate::errors::{invalid, sdk};
use crate::timeouts::{for_op, Op};
use crate::values::{flag, int, opt_string, strings, text, with_tags};

/// The `aws_rds_cluster` type.
pub struct Cluster;

/// Settings only the configuration knows (AWS never reports them back).
const CONFIG_ONLY: &[&str] = &[
    "master_password",
    "manage_master_user_password",
    "allow_major_version_upgrade",
    "apply_immediately",
    "skip_final_snapshot",
    "final_snapshot_identifier",
    "db_instance_parameter_group_name",
    "blue_green_update",
    "timeouts",
];

/// The cluster `id`, `None` when there is none.
pub(super) async fn describe(cx: &Ctx<'_>, id: &str) -> Result<Option<DbCluster>, ProviderError> {
    let out = cx
        .clients
        .rds
        .describe_db_clusters()
        .db_cluster_identifier(id)
        .send()
        .await
        .map_err(|e| sdk("DescribeDBClusters", e));
    Ok(found(out)?.and_then(|o| o.db_clusters().first().cloned()))
}

/// The cluster's status (empty when AWS reports none), `None` once it is gone.
pub(super) async fn status(cx: &Ctx<'_>, id: &str) -> Result<Option<String>, ProviderError> {
    Ok(describe(cx, id)
        .await?
        .map(|c| c.status().unwrap_or_default().to_string()))
}

/// Waits until the cluster is `available` (after a create or a modification).
async fn wait_available(
    cx: &Ctx<'_>,
    id: &str,
    what: &str,
    timeout: std::time::Duration,
) -> Result<(), ProviderError> {
    rds_common::wait_available(
        &format!("aws_rds_cluster {id}: {what}"),
        "cluster",
        timeout,
        &[
            "failed",
            "inaccessible-encryption-credentials",
            "incompatible-parameters",
        ],
        || status(cx, id),
    )
    .await
}

#[async_trait]
impl Resource for Cluster {
    async fn create(&self, cx: &Ctx<'_>, planned: &Value) -> Result<Value, ProviderError> {
        let id = text(planned, "cluster_identifier").map_or_else(generated_name, str::to_string);
        let engine = text(planned, "engine").ok_or_else(|| invalid("engine is required"))?;
        let owned = |name: &str| text(planned, name).map(str::to_string);
        let zones = strings(planned, "availability_zones");
        let groups = strings(planned, "vpc_security_group_ids");
        cx.clients
            .rds
            .create_db_cluster()
            .db_cluster_identifier(&id)
            .engine(engine)
            .set_engine_version(owned("engine_version"))
            .set_engine_mode(owned("engine_mode"))
            .set_master_username(owned("master_username"))
            .set_master_user_password(owned("master_password"))
            .set_manage_master_user_password(flag(planned, "manage_master_user_password"))
            .set_database_name(owned("database_name"))
            .set_port(int(planned, "port"))
            .set_availability_zones((!zones.is_empty()).then_some(zones))
            .set_vpc_security_group_ids((!groups.is_empty()).then_some(groups))
            .set_db_subnet_group_name(owned("db_subnet_group_name"))
            .set_db_cluster_parameter_group_name(owned("db_cluster_parameter_group_name"))
            .set_backup_retention_period(int(planned, "backup_retention_period"))
            .set_preferred_backup_window(owned("preferred_backup_window"))
            .set_preferred_maintenance_window(owned("preferred_maintenance_window"))
            .set_deletion_protection(flag(planned, "deletion_protection"))
            .set_storage_encrypted(flag(planned, "storage_encrypted"))
            .set_kms_key_id(owned("kms_key_id"))
            .set_tags(create_tags(planned))
            .send()
            .await
            .map_err(|e| sdk("CreateDBCluster", e))?;
        let timeout = for_op(planned, Op::Create, DEFAULT_TIMEOUT);
        wait_available(cx, &id, "create", timeout).await?;
        let stub = Value::object([("id", Value::string(&id))]);
        self.read(cx, &stub)
            .await?
            .ok_or_else(|| ProviderError::NotFound(format!("cluster {id} after creating it")))
    }

    async fn read(&self, cx: &Ctx<'_>, state: &Value) -> Result<Option<Value>, ProviderError> {
        let Some(id) = text(state, "id") else {
            return Ok(None);
        };
        let Some(c) = describe(cx, id).await? else {
            return Ok(None);
        };
        if c.status() == Some("deleting") {
            return Ok(None);
        }
        let s = |v: Option<&str>| opt_string(v);
        let version = c.engine_version().unwrap_or_default();
        let asked = asked_version(state, version);
        let mut observed = Value::object([
            ("id", Value::string(id)),
            ("cluster_identifier", Value::string(id)),
            ("engine", s(c.engine())),
            ("engine_mode", s(c.engine_mode())),
            ("engine_version", Value::string(asked)),
            ("engine_version_actual", Value::string(version)),
            (
                "db_cluster_parameter_group_name",
                s(c.db_cluster_parameter_group()),
            ),
            ("master_username", s(c.master_username())),
            ("database_name", s(c.database_name())),
            ("port", num(c.port())),
            (
                "availability_zones",
                Value::set(c.availability_zones().iter().map(Value::string).collect()),
            ),
            (
                "vpc_security_group_ids",
                Value::set(
                    c.vpc_security_groups()
                        .iter()
                        .filter_map(|g| g.vpc_security_group_id().map(Value::string))
                        .collect(),
                ),
            ),
            ("db_subnet_group_name", s(c.db_subnet_group())),
            ("backup_retention_period", num(c.backup_retention_period())),
            ("preferred_backup_window", s(c.preferred_backup_window())),
            (
                "preferred_maintenance_window",
                s(c.preferred_maintenance_window()),
            ),
            // Optional without a default: AWS's `false` is what leaving it out means.
            (
                "deletion_protection",
                match (
                    c.deletion_protection(),
                    state.get_attr("deletion_protection"),
                ) {
                    (Some(false) | None, None | Some(Value::Null)) => Value::Null,
                    (aws, _) => boolean(aws),
                },
            ),
            ("storage_encrypted", boolean(c.storage_encrypted())),
            ("kms_key_id", s(c.kms_key_id())),
            ("arn", s(c.db_cluster_arn())),
            ("endpoint", s(c.endpoint())),
            ("reader_endpoint", s(c.reader_endpoint())),
            ("cluster_resource_id", s(c.db_cluster_resource_id())),
            ("hosted_zone_id", s(c.hosted_zone_id())),
            (
                "cluster_members",
                Value::set(
                    c.db_cluster_members()
                        .iter()
                        .filter_map(|m| m.db_instance_identifier().map(Value::string))
                        .collect(),
                ),
            ),
        ]);
        if let Value::Object(m) = &mut observed {
            for name in CONFIG_ONLY {
                if let Some(v) = state.get_attr(name) {
                    m.insert((*name).to_string(), v.clone());
                }
            }
        }
        Ok(Some(with_tags(observed, state, tag_value(c.tag_list()))))
    }

    async fn update(
        &self,
        cx: &Ctx<'_>,
        prior: &Value,
        planned: &Value,
    ) -> Result<Value, ProviderError> {
        let id = text(prior, "id").ok_or_else(|| invalid("the cluster's id is not in state"))?;
        // Only what changed goes into the call: RDS rejects some settings it already has.
        let changed = |name: &str| text(prior, name) != text(planned, name);
        let changed_text = |name: &str| {
            if changed(name) {
                text(planned, name).map(str::to_string)
            } else {
                None
            }
        };
        let changed_int = |name: &str| {
            (int(prior, name) != int(planned, name))
                .then(|| int(planned, name))
                .flatten()
        };
        let groups = strings(planned, "vpc_security_group_ids");
        let groups_changed = strings(prior, "vpc_security_group_ids") != groups;
        // A blue/green deployment carries the new version and the green cluster's
        // parameter group; the rest is modified on the cluster first, so the green copy
        // starts from it.
        let blue_green = rds_blue_green::wanted(prior, planned);
        let in_place = |v: Option<String>| v.filter(|_| blue_green.is_none());
        let version = in_place(changed_text("engine_version"));
        let cluster_group = in_place(changed_text("db_cluster_parameter_group_name"));
        let modify = cx
            .clients
            .rds
            .modify_db_cluster()
            .db_cluster_identifier(id)
            .set_engine_version(version.clone())
            .set_allow_major_version_upgrade(
                version
                    .as_ref()
                    .and(flag(planned, "allow_major_version_upgrade")),
            )
            .set_db_instance_parameter_group_name(
                version
                    .as_ref()
                    .and(text(planned, "db_instance_parameter_group_name"))
                    .map(str::to_string),
            )
            .set_db_cluster_parameter_group_name(cluster_group.clone())
            .set_master_user_password(changed_text("master_password"))
            .set_port(changed_int("port"))
            .set_backup_retention_period(changed_int("backup_retention_period"))
            .set_preferred_backup_window(changed_text("preferred_backup_window"))
            .set_preferred_maintenance_window(changed_text("preferred_maintenance_window"))
            .set_deletion_protection(
                (flag(prior, "deletion_protection") != flag(planned, "deletion_protection"))
                    .then(|| flag(planned, "deletion_protection"))
                    .flatten(),
            )
            .set_vpc_security_group_ids(groups_changed.then_some(groups))
            .apply_immediately(flag(planned, "apply_immediately").unwrap_or(false));
        let anything = version.is_some()
            || cluster_group.is_some()
            || groups_changed
            || [
                "master_password",
                "preferred_backup_window",
                "preferred_maintenance_window",
            ]
            .iter()
            .any(|n| changed(n))
            || ["port", "backup_retention_period"]
                .iter()
                .any(|n| int(prior, n) != int(planned, n))
            || flag(prior, "deletion_protection") != flag(planned, "deletion_protection");
        let timeout = for_op(planned, Op::Update, DEFAULT_TIMEOUT);
        let deadline = tokio::time::Instant::now() + timeout;
        if anything {
            modify.send().await.map_err(|e| sdk("ModifyDBCluster", e))?;
            let what = match &version {
                Some(v) => format!("upgrade to {v}"),
                None => "modify".to_string(),
            };
            wait_available(cx, id, &what, timeout).await?;
        }
        if let (Some(settings), Some(target)) = (blue_green, text(planned, "engine_version")) {
            let up = rds_blue_green::Upgrade {
                id,
                engine: text(planned, "engine").unwrap_or_default(),
                version: target,
                cluster_parameter_group: text(planned, "db_cluster_parameter_group_name")
                    .filter(|_| changed("db_cluster_parameter_group_name")),
                instance_parameter_group: text(planned, "db_instance_parameter_group_name"),
                settings,
                deadline,
            };
            rds_blue_green::run(cx, &up).await?;
        }
        if let Some(arn) = text(prior, "arn") {
            update_tags(cx, arn, prior, planned).await?;
        }
        self.read(cx, planned)
            .await?
            .ok_or_else(|| ProviderError::NotFound(format!("cluster {id}")))
    }

    async fn delete(&self, cx: &Ctx<'_>, prior: &Value) -> Result<(), ProviderError> {
        let Some(id) = text(prior, "id") else {
            return Ok(());
        };
        let skip = flag(prior, "skip_final_snapshot").unwrap_or(false);
        let snapshot = text(prior, "final_snapshot_identifier");
        if !skip && snapshot.is_none() {
            return Err(invalid(format!(
                "aws_rds_cluster {id}: final_snapshot_identifier is required when skip_final_snapshot is false; set one (or skip_final_snapshot = true), apply, then destroy"
            )));
        }
        let deleted = cx
            .clients
            .rds
            .delete_db_cluster()
            .db_cluster_identifier(id)
            .skip_final_snapshot(skip)
            .set_final_db_snapshot_identifier(snapshot.filter(|_| !skip).map(str::to_string))
            .send()
            .await
            .map_err(|e| sdk("DeleteDBCluster", e));
        if found(deleted)?.is_none() {
            return Ok(());
        }
        let timeout = for_op(prior, Op::Delete, DEFAULT_TIMEOUT);
        crate::wait::until_gone(&format!("aws_rds_cluster {id}: delete"), timeout, || {
            status(cx, id)
        })
        .await
    }

    fn check(&self, prior: Option<&Value>, planned: &Value) -> Result<(), ProviderError> {
        let what = format!(
            "aws_rds_cluster {}",
            text(planned, "cluster_identifier").unwrap_or("cluster")
        );
        rds_common::check_engine_version(&what, prior, planned)?;
        rds_blue_green::check(&what, prior, planned)
    }

    fn adjust_plan(&self, prior: Option<&Value>, planned: &mut Value) {
        // The cluster that serves after a switchover is the green copy: a new resource id,
        // and the new version running at once.
        if prior.is_some_and(|p| rds_blue_green::wanted(p, planned).is_some()) {
            for name in ["cluster_resource_id", "engine_version_actual"] {
                set_attr(planned, name, Value::Unknown);
            }
        }
    }

    fn import_stub(&self, id: &str) -> Value {
        Value::object([
            ("id", Value::string(id)),
            ("skip_final_snapshot", Value::Bool(false)),
        ])
    }
}
