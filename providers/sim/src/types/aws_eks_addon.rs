//! `aws_eks_addon`: kube-proxy, CoreDNS, the VPC CNI; versions must suit the cluster's.

use engine::catalog::{self, addon_line, KubeVersion};
use engine::provider::ProviderError;
use engine::value::Value;

use super::aws::{arn, tags_all};
use super::aws_eks_cluster;
use crate::ids::IdStyle;
use crate::registry::{api_error, CreateCtx, Phase, Reference, ResourceType, RuleCtx};
use crate::shape::{fill, set_attr, str_attr};

/// The type name.
pub const TYPE: &str = "aws_eks_addon";

/// The `aws_eks_addon` type; its id is `cluster_name:addon_name`.
pub fn resource() -> ResourceType {
    let schema = schemas::aws::eks_addon();
    ResourceType::new(TYPE, schema)
        .ids(IdStyle::FromHook)
        .derive("tags_all", "tags", true, tags_all)
        .reference(Reference {
            path: &["cluster_name"],
            target: aws_eks_cluster::TYPE,
            not_found_code: Some("ResourceNotFoundException"),
            blocks_delete: None,
        })
        .rule(addon_is_known)
        .rule(addon_is_not_installed)
        .rule(version_suits_the_cluster)
        .rule(version_moves_one_minor_up)
        .on_create(fill_computed)
}

fn invalid(m: String) -> ProviderError {
    api_error("InvalidParameterException", m)
}

fn addon_is_known(ctx: &RuleCtx) -> Result<(), ProviderError> {
    match str_attr(ctx.obj, "addon_name") {
        Some(name) if catalog::eks().addon(name).is_none() => Err(invalid(format!(
            "Addon {name} specified is not supported (the simulator knows: {})",
            catalog::eks()
                .addons
                .list
                .iter()
                .map(|a| a.name.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        ))),
        _ => Ok(()),
    }
}

/// One add-on of a name per cluster (`CreateAddon` for an installed one).
fn addon_is_not_installed(ctx: &RuleCtx) -> Result<(), ProviderError> {
    let (Some(cluster), Some(name)) = (
        str_attr(ctx.obj, "cluster_name"),
        str_attr(ctx.obj, "addon_name"),
    ) else {
        return Ok(());
    };
    if ctx.prior.is_none() && ctx.world.get(TYPE, &format!("{cluster}:{name}")).is_some() {
        return Err(api_error(
            "ResourceInUseException",
            format!("Addon already exists: {name} on cluster {cluster}"),
        ));
    }
    Ok(())
}

/// The add-on version must be one DescribeAddonVersions lists for the cluster's version.
fn version_suits_the_cluster(ctx: &RuleCtx) -> Result<(), ProviderError> {
    // Judged against the cluster as it is when the call is made: at plan time the
    // cluster may still be upgraded earlier in the same apply, as EKS would see it.
    if ctx.phase != Phase::Apply {
        return Ok(());
    }
    let (Some(name), Some(version)) = (
        str_attr(ctx.obj, "addon_name"),
        str_attr(ctx.obj, "addon_version"),
    ) else {
        return Ok(());
    };
    let Some(addon) = catalog::eks().addon(name) else {
        return Ok(());
    };
    let Some(k8s) = str_attr(ctx.obj, "cluster_name")
        .and_then(|c| ctx.world.get(aws_eks_cluster::TYPE, c))
        .and_then(|c| str_attr(c, "version"))
    else {
        return Ok(());
    };
    if addon.is_compatible(version, k8s) {
        return Ok(());
    }
    let lines = addon
        .for_kubernetes(k8s)
        .map(|l| l.lines.join(", "))
        .unwrap_or_else(|| "none".into());
    Err(invalid(format!(
        "Addon version {version} of {name} is not supported for Kubernetes version {k8s} (compatible lines: {lines})"
    )))
}

/// Updates move one minor version at a time (where the add-on requires it), never down.
/// Like the cluster's version, a jump of several minors is refused only by the update
/// call (apply): `galley plan` turns it into one update per minor, after each control
/// plane step.
fn version_moves_one_minor_up(ctx: &RuleCtx) -> Result<(), ProviderError> {
    let (Some(name), Some(new)) = (
        str_attr(ctx.obj, "addon_name"),
        str_attr(ctx.obj, "addon_version"),
    ) else {
        return Ok(());
    };
    let Some(old) = ctx.prior.and_then(|p| str_attr(p, "addon_version")) else {
        return Ok(());
    };
    let (Some(a), Some(b)) = (KubeVersion::parse(old), KubeVersion::parse(new)) else {
        return Ok(());
    };
    if catalog::compare_versions(new, old) == std::cmp::Ordering::Less {
        return Err(invalid(format!(
            "Updating addon {name} from {old} to {new} is a downgrade, which EKS does not support"
        )));
    }
    let one_step = catalog::eks()
        .addon(name)
        .is_some_and(|a| a.one_minor_at_a_time);
    if one_step && ctx.phase == Phase::Apply && b.minors_behind(a) == 0 && a.minors_behind(b) > 1 {
        return Err(invalid(format!(
            "Updating addon {name} from {old} to {new} skips a minor version: update one minor version at a time"
        )));
    }
    Ok(())
}

fn fill_computed(ctx: &mut CreateCtx) -> Result<(), ProviderError> {
    let cluster = str_attr(ctx.obj, "cluster_name")
        .unwrap_or_default()
        .to_string();
    let name = str_attr(ctx.obj, "addon_name")
        .unwrap_or_default()
        .to_string();
    if str_attr(ctx.obj, "addon_version").is_none() {
        // EKS's default version for the cluster: the catalog's latest build of the newest line.
        let k8s = ctx
            .world
            .get(aws_eks_cluster::TYPE, &cluster)
            .and_then(|c| str_attr(c, "version"))
            .unwrap_or_default()
            .to_string();
        let line = catalog::eks()
            .addon(&name)
            .and_then(|a| a.for_kubernetes(&k8s))
            .ok_or_else(|| invalid(format!("Addon {name} has no version for Kubernetes {k8s}")))?;
        let default = match (&line.latest, line.lines.last()) {
            (Some(latest), _) => latest.clone(),
            (None, Some(l)) => format!("v{l}.0-eksbuild.1"),
            (None, None) => {
                return Err(invalid(format!(
                    "Addon {name} has no version for Kubernetes {k8s}"
                )))
            }
        };
        debug_assert!(addon_line(&default).is_some());
        set_attr(ctx.obj, "addon_version", Value::string(default));
    }
    let region = ctx.world.region().to_string();
    fill(
        ctx.obj,
        "arn",
        Value::string(arn("eks", &region, &format!("addon/{cluster}/{name}"))),
    );
    let at = ctx.now.and_utc().to_rfc3339();
    fill(ctx.obj, "created_at", Value::string(&at));
    fill(ctx.obj, "modified_at", Value::string(&at));
    fill(ctx.obj, "configuration_values", Value::string(""));
    set_attr(ctx.obj, "id", Value::string(format!("{cluster}:{name}")));
    Ok(())
}
