//! `aws_eks_cluster`: a Kubernetes control plane; its version moves one minor at a time.

use engine::catalog::{self, KubeVersion, Support};
use engine::provider::ProviderError;
use engine::value::Value;

use super::aws::{arn, tags_all};
use crate::ids::{derived, IdStyle};
use crate::registry::{api_error, CreateCtx, Phase, Reference, ResourceType, RuleCtx};
use crate::shape::{attr, fill, set_attr, str_attr};

/// The type name.
pub const TYPE: &str = "aws_eks_cluster";

/// The `aws_eks_cluster` type; its id is its name.
pub fn resource() -> ResourceType {
    let schema = schemas::aws::eks_cluster();
    ResourceType::new(TYPE, schema)
        .ids(IdStyle::FromHook)
        .default("upgrade_policy.support_type", Value::string("EXTENDED"))
        .derive("tags_all", "tags", true, tags_all)
        .reference(Reference {
            path: &["vpc_config", "subnet_ids"],
            target: "aws_subnet",
            not_found_code: Some("InvalidParameterException"),
            blocks_delete: Some("DependencyViolation"),
        })
        .rule(version_is_offered)
        .rule(name_is_free)
        .rule(no_update_in_progress)
        .rule(version_moves_one_minor_up)
        .rule(node_groups_match_before_update)
        .on_create(fill_computed)
}

/// The cluster's Kubernetes version, when known.
pub fn version_of(cluster: &Value) -> Option<KubeVersion> {
    str_attr(cluster, "version").and_then(KubeVersion::parse)
}

fn invalid(m: String) -> ProviderError {
    api_error("InvalidParameterException", m)
}

/// Only versions EKS offers: known, released, not past the end of extended support (or of
/// standard support with `support_type = "STANDARD"`) on the virtual clock's day.
fn version_is_offered(ctx: &RuleCtx) -> Result<(), ProviderError> {
    let Some(v) = str_attr(ctx.obj, "version") else {
        return Ok(());
    };
    let changed = ctx.prior.is_none_or(|p| str_attr(p, "version") != Some(v));
    if !changed {
        return Ok(());
    }
    let Some(entry) = catalog::eks().version(v) else {
        return Err(invalid(format!("unsupported Kubernetes version {v}")));
    };
    if ctx.phase == Phase::Validate {
        return Ok(());
    }
    let standard_only = attr(ctx.obj, "upgrade_policy")
        .as_seq()
        .and_then(|b| b.first())
        .and_then(|b| str_attr(b, "support_type"))
        == Some("STANDARD");
    match entry.support_on(ctx.now.date()) {
        Support::Standard => Ok(()),
        Support::Extended if !standard_only => Ok(()),
        Support::Extended => Err(invalid(format!(
            "Kubernetes version {v} is in extended support on {}; upgrade_policy.support_type = STANDARD does not allow it",
            ctx.now.date()
        ))),
        Support::NotReleased => Err(invalid(format!(
            "unsupported Kubernetes version {v}: not yet available on {}",
            ctx.now.date()
        ))),
        Support::Ended => Err(invalid(format!(
            "unsupported Kubernetes version {v}: extended support ended on {}",
            entry
                .end_of_extended
                .map(|d| d.to_string())
                .unwrap_or_default()
        ))),
    }
}

fn name_is_free(ctx: &RuleCtx) -> Result<(), ProviderError> {
    match str_attr(ctx.obj, "name") {
        Some(name) if ctx.creates_existing(TYPE, name) => Err(api_error(
            "ResourceInUseException",
            format!("Cluster already exists with name: {name}"),
        )),
        _ => Ok(()),
    }
}

/// One update at a time (`UpdateClusterVersion` while another update runs).
fn no_update_in_progress(ctx: &RuleCtx) -> Result<(), ProviderError> {
    match ctx.busy(TYPE) {
        Some((id, until)) => Err(api_error(
            "ResourceInUseException",
            format!(
                "Cluster {id} has an update in progress (until {until}); only one update at a time"
            ),
        )),
        None => Ok(()),
    }
}

/// The control plane moves one minor version per update and never down.
fn version_moves_one_minor_up(ctx: &RuleCtx) -> Result<(), ProviderError> {
    let (Some(prior), Some(new)) = (ctx.prior.and_then(version_of), version_of(ctx.obj)) else {
        return Ok(());
    };
    // A jump of several minors is what `galley plan` turns into one update per minor,
    // so only the update call itself (apply) refuses it, as UpdateClusterVersion does;
    // going down is refused whenever it is asked.
    if new == prior || new == prior.next() || (new > prior && ctx.phase != Phase::Apply) {
        return Ok(());
    }
    Err(invalid(format!(
        "Unsupported Kubernetes minor version update from {prior} to {new}: the control plane moves one minor version per update and never down"
    )))
}

/// `UpdateClusterVersion` needs every managed node group at the control plane's version.
fn node_groups_match_before_update(ctx: &RuleCtx) -> Result<(), ProviderError> {
    let (Some(prior), Some(new), Some(name)) = (
        ctx.prior.and_then(version_of),
        version_of(ctx.obj),
        str_attr(ctx.obj, "name"),
    ) else {
        return Ok(());
    };
    // Judged when the update is made: earlier steps of the same apply may roll the
    // node groups first.
    if new == prior || ctx.phase != Phase::Apply {
        return Ok(());
    }
    let behind = ctx
        .world
        .of_type(super::aws_eks_node_group::TYPE)
        .filter(|(_, ng)| str_attr(ng, "cluster_name") == Some(name))
        .find(|(_, ng)| version_of(ng) != Some(prior));
    match behind {
        Some((_, ng)) => Err(api_error(
            "InvalidRequestException",
            format!(
                "Nodegroup {} is at Kubernetes version {}; all node groups must match the cluster's version {prior} before the cluster is updated to {new}",
                str_attr(ng, "node_group_name").unwrap_or_default(),
                str_attr(ng, "version").unwrap_or("unknown"),
            ),
        )),
        None => Ok(()),
    }
}

fn fill_computed(ctx: &mut CreateCtx) -> Result<(), ProviderError> {
    let name = str_attr(ctx.obj, "name").unwrap_or_default().to_string();
    let region = ctx.world.region().to_string();
    // Without a version EKS picks its default: the newest in standard support.
    let default = catalog::eks()
        .creatable_on(ctx.now.date())
        .into_iter()
        .rev()
        .find(|v| v.support_on(ctx.now.date()) == Support::Standard)
        .map(|v| v.version.clone())
        .ok_or_else(|| invalid("no Kubernetes version is available".into()))?;
    fill(ctx.obj, "version", Value::string(default));
    set_attr(ctx.obj, "id", Value::string(&name));
    fill(
        ctx.obj,
        "arn",
        Value::string(arn("eks", &region, &format!("cluster/{name}"))),
    );
    let host = derived("", &format!("{region}/{name}"), "endpoint").to_ascii_uppercase();
    fill(
        ctx.obj,
        "endpoint",
        Value::string(format!("https://{host}.gr7.{region}.eks.amazonaws.com")),
    );
    fill(ctx.obj, "status", Value::string("ACTIVE"));
    fill(ctx.obj, "platform_version", Value::string("eks.1"));
    fill(
        ctx.obj,
        "created_at",
        Value::string(ctx.now.and_utc().to_rfc3339()),
    );
    let vpc_id = attr(ctx.obj, "vpc_config")
        .as_seq()
        .and_then(|b| b.first())
        .and_then(|b| attr(b, "subnet_ids").as_seq())
        .and_then(|ids| ids.first())
        .and_then(Value::as_str)
        .and_then(|sn| ctx.world.get("aws_subnet", sn))
        .and_then(|sn| str_attr(sn, "vpc_id"))
        .unwrap_or_default()
        .to_string();
    if let Value::Object(m) = ctx.obj {
        if let Some(Value::List(blocks)) = m.get_mut("vpc_config") {
            for b in blocks {
                fill(b, "vpc_id", Value::string(&vpc_id));
                fill(
                    b,
                    "cluster_security_group_id",
                    Value::string(derived("sg-", &name, "cluster-sg")),
                );
            }
        }
    }
    Ok(())
}
