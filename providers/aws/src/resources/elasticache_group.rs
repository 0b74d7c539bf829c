//! `aws_elasticache_replication_group`: a Redis OSS or Valkey primary with replicas
//! (cluster mode disabled). Created with `CreateReplicationGroup`, changed with
//! `ModifyReplicationGroup` (engine, version, node type) and `Increase`/`DecreaseReplicaCount`,
//! waited on until `available`, and checked afterwards: a modification AWS reported as done
//! but did not carry out fails the apply instead of reaching state.
//!
//! The group itself does not report its engine version, parameter group, subnet group or
//! security groups: those are read from its primary cache cluster (`DescribeCacheClusters`),
//! as the Terraform provider reads them.

use std::time::Duration;

use async_trait::async_trait;
use aws_sdk_elasticache::types::{CacheCluster, ReplicationGroup, Tag};
use engine::provider::shape::attr;
use engine::provider::ProviderError;
use engine::value::Value;

use super::elasticache_rules::{self, runs, Asked, Observed};
use super::rds_common::{boolean, found, num};
use super::{Ctx, Resource};
use crate::errors::{invalid, sdk};
use crate::timeouts::{for_op, Op};
use crate::values::{
    flag, int, opt_string, strings, tag_changes, tag_pairs, tags, text, with_tags,
};

/// The `aws_elasticache_replication_group` type.
pub struct Group;

/// Terraform's defaults: create 60m, update 40m, delete 45m.
const CREATE_TIMEOUT: Duration = Duration::from_secs(60 * 60);
const UPDATE_TIMEOUT: Duration = Duration::from_secs(40 * 60);
const DELETE_TIMEOUT: Duration = Duration::from_secs(45 * 60);

async fn describe(cx: &Ctx<'_>, id: &str) -> Result<Option<ReplicationGroup>, ProviderError> {
    let out = cx
        .clients
        .elasticache
        .describe_replication_groups()
        .replication_group_id(id)
        .send()
        .await
        .map_err(|e| sdk("DescribeReplicationGroups", e));
    Ok(found(out)?.and_then(|o| o.replication_groups().first().cloned()))
}

/// The group's primary cache cluster, `None` when AWS knows no such cluster.
async fn primary_cluster(
    cx: &Ctx<'_>,
    group: &ReplicationGroup,
) -> Result<Option<CacheCluster>, ProviderError> {
    let Some(id) = primary_id(group) else {
        return Ok(None);
    };
    let out = cx
        .clients
        .elasticache
        .describe_cache_clusters()
        .cache_cluster_id(id)
        .send()
        .await
        .map_err(|e| sdk("DescribeCacheClusters", e));
    Ok(found(out)?.and_then(|o| o.cache_clusters().first().cloned()))
}

/// The id of the group's primary member: the node group member in the primary role, else
/// the first member cluster.
fn primary_id(group: &ReplicationGroup) -> Option<&str> {
    group
        .node_groups()
        .iter()
        .flat_map(|g| g.node_group_members())
        .find(|m| m.current_role() == Some("primary"))
        .and_then(|m| m.cache_cluster_id())
        .or_else(|| group.member_clusters().first().map(String::as_str))
}

/// The group's status (empty when AWS reports none), `None` once it is gone.
async fn status(cx: &Ctx<'_>, id: &str) -> Result<Option<String>, ProviderError> {
    Ok(describe(cx, id)
        .await?
        .map(|g| g.status().unwrap_or_default().to_string()))
}

async fn wait_available(
    cx: &Ctx<'_>,
    id: &str,
    what: &str,
    timeout: Duration,
) -> Result<(), ProviderError> {
    super::rds_common::wait_available(
        &format!("aws_elasticache_replication_group {id}: {what}"),
        "replication group",
        timeout,
        &["create-failed"],
        || status(cx, id),
    )
    .await
}

fn create_tags(planned: &Value) -> Option<Vec<Tag>> {
    let pairs = tag_pairs(planned);
    (!pairs.is_empty()).then(|| {
        pairs
            .into_iter()
            .map(|(k, v)| Tag::builder().key(k).value(v).build())
            .collect()
    })
}

async fn aws_tags(cx: &Ctx<'_>, arn: &str) -> Result<Value, ProviderError> {
    let out = cx
        .clients
        .elasticache
        .list_tags_for_resource()
        .resource_name(arn)
        .send()
        .await
        .map_err(|e| sdk("ListTagsForResource", e))?;
    Ok(tags(
        out.tag_list()
            .iter()
            .filter_map(|t| Some((t.key()?, t.value().unwrap_or("")))),
    ))
}

/// Brings the group's tags from `prior`'s to `planned`'s.
async fn update_tags(
    cx: &Ctx<'_>,
    arn: &str,
    prior: &Value,
    planned: &Value,
) -> Result<(), ProviderError> {
    let (removed, set) = tag_changes(prior, planned);
    let set: Vec<Tag> = set
        .into_iter()
        .map(|(k, v)| Tag::builder().key(k).value(v).build())
        .collect();
    let ec = &cx.clients.elasticache;
    if !removed.is_empty() {
        ec.remove_tags_from_resource()
            .resource_name(arn)
            .set_tag_keys(Some(removed))
            .send()
            .await
            .map_err(|e| sdk("RemoveTagsFromResource", e))?;
    }
    if !set.is_empty() {
        ec.add_tags_to_resource()
            .resource_name(arn)
            .set_tags(Some(set))
            .send()
            .await
            .map_err(|e| sdk("AddTagsToResource", e))?;
    }
    Ok(())
}

/// An optional boolean AWS reports as a status: null when AWS has it off and the base
/// left it out, so an unset setting shows no difference.
fn optional_status(on: Option<bool>, base: &Value, name: &str) -> Value {
    match (on, attr(base, name)) {
        (Some(false) | None, Value::Null) => Value::Null,
        (on, _) => boolean(on),
    }
}

/// The `engine_version` to keep in state: the configured one while the group runs (or has
/// pending) a patch of it, else what runs.
fn kept_version(base: &Value, running: Option<&str>, pending: Option<&str>) -> Value {
    let asked = text(base, "engine_version");
    match (asked, running) {
        (Some(a), Some(r)) if runs(a, r) => Value::string(a),
        (Some(a), _) if pending.is_some_and(|p| runs(a, p)) => Value::string(a),
        (_, Some(r)) => Value::string(r),
        (_, None) => Value::Null,
    }
}

/// What AWS reports, for [`elasticache_rules::unapplied`]; `prior` is the state before.
fn observed(prior: &Value, group: &ReplicationGroup, cluster: Option<&CacheCluster>) -> Observed {
    let pending = cluster.and_then(CacheCluster::pending_modified_values);
    Observed {
        engine: group.engine().map(str::to_string),
        version: cluster
            .and_then(CacheCluster::engine_version)
            .map(str::to_string),
        pending_version: pending.and_then(|p| p.engine_version()).map(str::to_string),
        node_type: group.cache_node_type().map(str::to_string),
        pending_node_type: pending
            .and_then(|p| p.cache_node_type())
            .map(str::to_string),
        version_before: text(prior, "engine_version_actual")
            .or_else(|| text(prior, "engine_version"))
            .map(str::to_string),
    }
}

impl Group {
    /// Reads the group and its primary cluster, `None` when it is gone or going.
    async fn fetch(
        &self,
        cx: &Ctx<'_>,
        id: &str,
    ) -> Result<Option<(ReplicationGroup, Option<CacheCluster>)>, ProviderError> {
        let Some(group) = describe(cx, id).await? else {
            return Ok(None);
        };
        if group.status() == Some("deleting") {
            return Ok(None);
        }
        let cluster = primary_cluster(cx, &group).await?;
        Ok(Some((group, cluster)))
    }

    /// The state of `group` as AWS reports it; `base` supplies what only configuration knows.
    async fn observe(
        &self,
        cx: &Ctx<'_>,
        base: &Value,
        group: &ReplicationGroup,
        cluster: Option<&CacheCluster>,
    ) -> Result<Value, ProviderError> {
        let id = group.replication_group_id().unwrap_or_default();
        let s = opt_string;
        let first = group.node_groups().first();
        let endpoint =
            |e: Option<&aws_sdk_elasticache::types::Endpoint>| s(e.and_then(|e| e.address()));
        let port = first
            .and_then(|g| g.primary_endpoint())
            .and_then(|e| e.port())
            .or_else(|| group.configuration_endpoint().and_then(|e| e.port()));
        let version = cluster.and_then(CacheCluster::engine_version);
        let pending = cluster
            .and_then(CacheCluster::pending_modified_values)
            .and_then(|p| p.engine_version());
        let failover = group
            .automatic_failover()
            .map(|f| matches!(f.as_str(), "enabled" | "enabling"));
        let multi_az = group.multi_az().map(|m| m.as_str() == "enabled");
        let mut obj = Value::object([
            ("id", Value::string(id)),
            ("replication_group_id", Value::string(id)),
            ("description", s(group.description())),
            ("engine", s(group.engine())),
            ("engine_version", kept_version(base, version, pending)),
            ("engine_version_actual", s(version)),
            ("node_type", s(group.cache_node_type())),
            (
                "num_cache_clusters",
                Value::Number(group.member_clusters().len() as f64),
            ),
            (
                "parameter_group_name",
                s(cluster
                    .and_then(CacheCluster::cache_parameter_group)
                    .and_then(|p| p.cache_parameter_group_name())),
            ),
            ("port", num(port)),
            (
                "automatic_failover_enabled",
                optional_status(failover, base, "automatic_failover_enabled"),
            ),
            (
                "multi_az_enabled",
                optional_status(multi_az, base, "multi_az_enabled"),
            ),
            (
                "subnet_group_name",
                s(cluster.and_then(CacheCluster::cache_subnet_group_name)),
            ),
            (
                "security_group_ids",
                match cluster {
                    Some(c) => Value::set(
                        c.security_groups()
                            .iter()
                            .filter_map(|g| g.security_group_id().map(Value::string))
                            .collect(),
                    ),
                    None => Value::Null,
                },
            ),
            (
                "at_rest_encryption_enabled",
                boolean(group.at_rest_encryption_enabled()),
            ),
            (
                "transit_encryption_enabled",
                boolean(group.transit_encryption_enabled()),
            ),
            ("arn", s(group.arn())),
            (
                "primary_endpoint_address",
                endpoint(first.and_then(|g| g.primary_endpoint())),
            ),
            (
                "reader_endpoint_address",
                endpoint(first.and_then(|g| g.reader_endpoint())),
            ),
            (
                "configuration_endpoint_address",
                Value::string(
                    group
                        .configuration_endpoint()
                        .and_then(|e| e.address())
                        .unwrap_or(""),
                ),
            ),
            (
                "member_clusters",
                Value::set(group.member_clusters().iter().map(Value::string).collect()),
            ),
        ]);
        if let Value::Object(m) = &mut obj {
            // Only the configuration knows it; leaving it out means `false`.
            let now = flag(base, "apply_immediately").unwrap_or(false);
            m.insert("apply_immediately".to_string(), Value::Bool(now));
        }
        let aws_tags = match group.arn() {
            Some(arn) => aws_tags(cx, arn).await?,
            None => tags([]),
        };
        Ok(with_tags(obj, base, aws_tags))
    }

    /// Changes the number of member clusters with `Increase`/`DecreaseReplicaCount`.
    async fn resize(
        &self,
        cx: &Ctx<'_>,
        id: &str,
        from: i32,
        to: i32,
        timeout: Duration,
    ) -> Result<(), ProviderError> {
        let ec = &cx.clients.elasticache;
        if to > from {
            ec.increase_replica_count()
                .replication_group_id(id)
                .new_replica_count(to - 1)
                .apply_immediately(true)
                .send()
                .await
                .map_err(|e| sdk("IncreaseReplicaCount", e))?;
        } else {
            ec.decrease_replica_count()
                .replication_group_id(id)
                .new_replica_count(to - 1)
                .apply_immediately(true)
                .send()
                .await
                .map_err(|e| sdk("DecreaseReplicaCount", e))?;
        }
        wait_available(cx, id, &format!("{from} -> {to} cache clusters"), timeout).await
    }
}

#[async_trait]
impl Resource for Group {
    async fn create(&self, cx: &Ctx<'_>, planned: &Value) -> Result<Value, ProviderError> {
        let id = text(planned, "replication_group_id")
            .ok_or_else(|| invalid("replication_group_id is required"))?;
        let owned = |name: &str| text(planned, name).map(str::to_string);
        let groups = strings(planned, "security_group_ids");
        cx.clients
            .elasticache
            .create_replication_group()
            .replication_group_id(id)
            .replication_group_description(text(planned, "description").unwrap_or(""))
            .set_engine(owned("engine"))
            .set_engine_version(owned("engine_version"))
            .set_cache_node_type(owned("node_type"))
            .set_num_cache_clusters(int(planned, "num_cache_clusters"))
            .set_cache_parameter_group_name(owned("parameter_group_name"))
            .set_port(int(planned, "port"))
            .set_automatic_failover_enabled(flag(planned, "automatic_failover_enabled"))
            .set_multi_az_enabled(flag(planned, "multi_az_enabled"))
            .set_cache_subnet_group_name(owned("subnet_group_name"))
            .set_security_group_ids((!groups.is_empty()).then_some(groups))
            .set_at_rest_encryption_enabled(flag(planned, "at_rest_encryption_enabled"))
            .set_transit_encryption_enabled(flag(planned, "transit_encryption_enabled"))
            .set_tags(create_tags(planned))
            .send()
            .await
            .map_err(|e| sdk("CreateReplicationGroup", e))?;
        let timeout = for_op(planned, Op::Create, CREATE_TIMEOUT);
        wait_available(cx, id, "create", timeout).await?;
        let (group, cluster) = self.fetch(cx, id).await?.ok_or_else(|| {
            ProviderError::NotFound(format!("replication group {id} after creating it"))
        })?;
        self.observe(cx, planned, &group, cluster.as_ref()).await
    }

    async fn read(&self, cx: &Ctx<'_>, state: &Value) -> Result<Option<Value>, ProviderError> {
        let Some(id) = text(state, "id") else {
            return Ok(None);
        };
        match self.fetch(cx, id).await? {
            Some((group, cluster)) => Ok(Some(
                self.observe(cx, state, &group, cluster.as_ref()).await?,
            )),
            None => Ok(None),
        }
    }

    async fn update(
        &self,
        cx: &Ctx<'_>,
        prior: &Value,
        planned: &Value,
    ) -> Result<Value, ProviderError> {
        let id = text(prior, "id")
            .ok_or_else(|| invalid("the replication group's id is not in state"))?;
        let timeout = for_op(planned, Op::Update, UPDATE_TIMEOUT);
        let changed_text = |name: &str| {
            (text(prior, name) != text(planned, name))
                .then(|| text(planned, name))
                .flatten()
        };
        let changed_flag = |name: &str| {
            (flag(prior, name) != flag(planned, name))
                .then(|| flag(planned, name))
                .flatten()
        };
        let immediately = flag(planned, "apply_immediately").unwrap_or(false);
        let asked = Asked {
            engine: changed_text("engine"),
            version: changed_text("engine_version"),
            node_type: changed_text("node_type"),
            immediately,
        };
        let groups = strings(planned, "security_group_ids");
        let groups_changed = !attr(planned, "security_group_ids").is_unknown()
            && strings(prior, "security_group_ids") != groups;
        let rest = [
            changed_text("description").is_some(),
            changed_text("parameter_group_name").is_some(),
            changed_flag("automatic_failover_enabled").is_some(),
            changed_flag("multi_az_enabled").is_some(),
            changed_flag("transit_encryption_enabled").is_some(),
            groups_changed,
        ];
        let verified =
            asked.engine.is_some() || asked.version.is_some() || asked.node_type.is_some();
        if verified || rest.contains(&true) {
            let owned = |v: Option<&str>| v.map(str::to_string);
            cx.clients
                .elasticache
                .modify_replication_group()
                .replication_group_id(id)
                .apply_immediately(immediately)
                .set_engine(owned(asked.engine))
                .set_engine_version(owned(asked.version))
                .set_cache_node_type(owned(asked.node_type))
                .set_replication_group_description(owned(changed_text("description")))
                .set_cache_parameter_group_name(owned(changed_text("parameter_group_name")))
                .set_automatic_failover_enabled(changed_flag("automatic_failover_enabled"))
                .set_multi_az_enabled(changed_flag("multi_az_enabled"))
                .set_transit_encryption_enabled(changed_flag("transit_encryption_enabled"))
                .set_security_group_ids(groups_changed.then_some(groups))
                .send()
                .await
                .map_err(|e| sdk("ModifyReplicationGroup", e))?;
            let what = match asked.version {
                Some(v) => format!("upgrade to {v}"),
                None => "modify".to_string(),
            };
            wait_available(cx, id, &what, timeout).await?;
        }
        if let (Some(from), Some(to)) = (
            int(prior, "num_cache_clusters"),
            int(planned, "num_cache_clusters"),
        ) {
            if from != to {
                self.resize(cx, id, from, to, timeout).await?;
            }
        }
        if let Some(arn) = text(prior, "arn") {
            update_tags(cx, arn, prior, planned).await?;
        }
        let (group, cluster) = self
            .fetch(cx, id)
            .await?
            .ok_or_else(|| ProviderError::NotFound(format!("replication group {id}")))?;
        if verified {
            if let Some(why) =
                elasticache_rules::unapplied(&asked, &observed(prior, &group, cluster.as_ref()))
            {
                return Err(ProviderError::Api {
                    code: "ModificationNotApplied".to_string(),
                    message: format!(
                        "aws_elasticache_replication_group {id}: ModifyReplicationGroup reported success, but once the group was available again {why}. State keeps the prior values; look at the group's events in the ElastiCache console, then apply again"
                    ),
                });
            }
        }
        self.observe(cx, planned, &group, cluster.as_ref()).await
    }

    async fn delete(&self, cx: &Ctx<'_>, prior: &Value) -> Result<(), ProviderError> {
        let Some(id) = text(prior, "id") else {
            return Ok(());
        };
        let deleted = cx
            .clients
            .elasticache
            .delete_replication_group()
            .replication_group_id(id)
            .send()
            .await
            .map_err(|e| sdk("DeleteReplicationGroup", e));
        if found(deleted)?.is_none() {
            return Ok(());
        }
        let timeout = for_op(prior, Op::Delete, DELETE_TIMEOUT);
        crate::wait::until_gone(
            &format!("aws_elasticache_replication_group {id}: delete"),
            timeout,
            || status(cx, id),
        )
        .await
    }

    fn check(&self, prior: Option<&Value>, planned: &Value) -> Result<(), ProviderError> {
        // A replacement is planned without the prior object (its id is unknown again): the
        // new group is created, not upgraded from the old one.
        let prior = prior.filter(|_| !attr(planned, "id").is_unknown());
        elasticache_rules::check(prior, planned)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_configured_version_is_kept_while_a_patch_of_it_runs_or_is_pending() {
        let base = Value::object([("engine_version", Value::string("7.1"))]);
        assert_eq!(
            kept_version(&base, Some("7.1.0"), None),
            Value::string("7.1")
        );
        assert_eq!(
            kept_version(&base, Some("7.0.7"), Some("7.1.0")),
            Value::string("7.1")
        );
        assert_eq!(
            kept_version(&base, Some("7.0.7"), None),
            Value::string("7.0.7")
        );
        assert_eq!(kept_version(&base, None, None), Value::Null);
        assert_eq!(
            kept_version(&Value::Null, Some("7.1.0"), None),
            Value::string("7.1.0")
        );
    }

    #[test]
    fn optional_switches_left_out_stay_null_while_off() {
        let base = Value::object([("multi_az_enabled", Value::Null)]);
        assert_eq!(
            optional_status(Some(false), &base, "multi_az_enabled"),
            Value::Null
        );
        assert_eq!(
            optional_status(Some(true), &base, "multi_az_enabled"),
            Value::Bool(true)
        );
        let set = Value::object([("multi_az_enabled", Value::Bool(false))]);
        assert_eq!(
            optional_status(Some(false), &set, "multi_az_enabled"),
            Value::Bool(false)
        );
    }
}
