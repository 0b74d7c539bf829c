//! What the EKS types share: waiting on an update (`DescribeUpdate`) and on a status,
//! tags by ARN, timestamps, and the catalog checks every EKS version goes through.

use std::collections::HashMap;
use std::time::Duration;

use aws_sdk_eks::primitives::{DateTime, DateTimeFormat};
use aws_sdk_eks::types::UpdateStatus;
use engine::catalog::{self, KubeVersion};
use engine::provider::ProviderError;
use engine::value::Value;

use super::Ctx;
use crate::errors::{invalid, sdk};
use crate::values::{tag_changes, tag_pairs, tags};
use crate::wait::{until, Status};

/// Which object of a cluster an update is about (`DescribeUpdate` needs to be told).
#[derive(Debug, Clone, Copy)]
pub enum Scope<'a> {
    /// The cluster itself (version, configuration).
    Cluster,
    /// One of its managed node groups.
    Nodegroup(&'a str),
    /// One of its add-ons.
    Addon(&'a str),
}

/// Polls `DescribeUpdate` until the update `id` of `cluster` is `Successful`; `Failed` or
/// `Cancelled` fail the wait with the errors EKS gives. `what` names it in messages.
pub async fn wait_update(
    cx: &Ctx<'_>,
    cluster: &str,
    scope: Scope<'_>,
    id: &str,
    what: &str,
    timeout: Duration,
) -> Result<(), ProviderError> {
    until(what, timeout, || async move {
        let mut call = cx.clients.eks.describe_update().name(cluster).update_id(id);
        call = match scope {
            Scope::Cluster => call,
            Scope::Nodegroup(n) => call.nodegroup_name(n),
            Scope::Addon(a) => call.addon_name(a),
        };
        let out = call.send().await.map_err(|e| sdk("DescribeUpdate", e))?;
        let Some(update) = out.update() else {
            return Ok(Status::Pending("not reported".to_string()));
        };
        Ok(match update.status() {
            Some(UpdateStatus::Successful) => Status::Done(()),
            Some(s @ (UpdateStatus::Failed | UpdateStatus::Cancelled)) => {
                let errors: Vec<String> = update
                    .errors()
                    .iter()
                    .map(|e| {
                        format!(
                            "{}: {}",
                            e.error_code().map_or("error", |c| c.as_str()),
                            e.error_message().unwrap_or_default()
                        )
                    })
                    .collect();
                Status::Failed(format!(
                    "update {id} is {}{}",
                    s.as_str(),
                    if errors.is_empty() {
                        String::new()
                    } else {
                        format!(" ({})", errors.join("; "))
                    }
                ))
            }
            Some(s) => Status::Pending(s.as_str().to_string()),
            None => Status::Pending("not reported".to_string()),
        })
    })
    .await
}

/// Polls `status` (the object's status, `None` once gone) until it is `ACTIVE`. A status in
/// `failed` fails the wait with `health` (the object's reported issues); so does the object
/// going away.
pub async fn wait_active<F, Fut>(
    what: &str,
    failed: &[&str],
    timeout: Duration,
    mut status: F,
) -> Result<(), ProviderError>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Result<Option<(String, String)>, ProviderError>>,
{
    until(what, timeout, || {
        let now = status();
        async move {
            Ok(match now.await? {
                None => Status::Failed("it is gone".to_string()),
                Some((s, _)) if s == "ACTIVE" => Status::Done(()),
                Some((s, health)) if failed.contains(&s.as_str()) => {
                    Status::Failed(if health.is_empty() {
                        format!("it is {s}")
                    } else {
                        format!("it is {s}: {health}")
                    })
                }
                Some((s, _)) => Status::Pending(s),
            })
        }
    })
    .await
}

/// The tags to create an object with, if any.
pub fn create_tags(planned: &Value) -> Option<HashMap<String, String>> {
    let pairs = tag_pairs(planned);
    (!pairs.is_empty()).then(|| pairs.into_iter().collect())
}

/// The tag map of an EKS answer.
pub fn tag_value(aws: Option<&HashMap<String, String>>) -> Value {
    tags(
        aws.into_iter()
            .flatten()
            .map(|(k, v)| (k.as_str(), v.as_str())),
    )
}

/// Brings the tags of the object `arn` from `prior`'s to `planned`'s.
pub async fn update_tags(
    cx: &Ctx<'_>,
    arn: &str,
    prior: &Value,
    planned: &Value,
) -> Result<(), ProviderError> {
    let (removed, set) = tag_changes(prior, planned);
    let set: HashMap<String, String> = set.into_iter().collect();
    let eks = &cx.clients.eks;
    if !removed.is_empty() {
        eks.untag_resource()
            .resource_arn(arn)
            .set_tag_keys(Some(removed))
            .send()
            .await
            .map_err(|e| sdk("UntagResource", e))?;
    }
    if !set.is_empty() {
        eks.tag_resource()
            .resource_arn(arn)
            .set_tags(Some(set))
            .send()
            .await
            .map_err(|e| sdk("TagResource", e))?;
    }
    Ok(())
}

/// An RFC 3339 timestamp, as the Terraform provider stores `created_at`.
pub fn timestamp(t: Option<&DateTime>) -> Value {
    t.and_then(|t| t.fmt(DateTimeFormat::DateTime).ok())
        .map_or(Value::Null, Value::string)
}

/// `a:b` ids (`cluster:node_group`) split in two.
pub fn split_id<'a>(type_name: &str, id: &'a str) -> Result<(&'a str, &'a str), ProviderError> {
    id.split_once(':')
        .filter(|(a, b)| !a.is_empty() && !b.is_empty())
        .ok_or_else(|| {
            invalid(format!(
                "{type_name} id {id:?} is not of the form CLUSTER_NAME:NAME"
            ))
        })
}

/// `(cluster, name)` of a node group or add-on state or plan: its `cluster_name` and
/// `name_attr`, else its `CLUSTER:NAME` id.
pub fn member_names<'a>(
    type_name: &str,
    obj: &'a Value,
    name_attr: &str,
) -> Result<(&'a str, &'a str), ProviderError> {
    use crate::values::text;
    match (text(obj, "cluster_name"), text(obj, name_attr)) {
        (Some(c), Some(n)) => Ok((c, n)),
        _ => match text(obj, "id") {
            Some(id) => split_id(type_name, id),
            None => Err(invalid(format!(
                "{type_name}: cluster_name and {name_attr} are required"
            ))),
        },
    }
}

/// The state a node group or add-on is imported from: its `CLUSTER:NAME` id, split.
pub fn member_import_stub(id: &str, name_attr: &str) -> Value {
    match id.split_once(':') {
        Some((c, n)) => Value::object([
            ("id", Value::string(id)),
            ("cluster_name", Value::string(c)),
            (name_attr, Value::string(n)),
        ]),
        None => Value::object([("id", Value::string(id))]),
    }
}

/// Health issues as EKS reports them, `(code, message)`, on one line.
pub fn issues<'a>(items: impl IntoIterator<Item = (Option<&'a str>, Option<&'a str>)>) -> String {
    items
        .into_iter()
        .map(|(code, message)| {
            format!(
                "{}: {}",
                code.unwrap_or("issue"),
                message.unwrap_or_default()
            )
        })
        .collect::<Vec<_>>()
        .join("; ")
}

/// A Kubernetes version the catalog knows (`engine::catalog::eks`), judged when it changes;
/// never down. EKS moves one minor per update: a jump of several is split into steps by
/// `galley plan`, so it is not refused here.
pub fn check_kubernetes_version(
    what: &str,
    prior: Option<&Value>,
    planned: &Value,
) -> Result<(), ProviderError> {
    let Some(new) = crate::values::text(planned, "version") else {
        return Ok(());
    };
    let old = prior.and_then(|p| crate::values::text(p, "version"));
    if old == Some(new) {
        return Ok(());
    }
    if catalog::eks().version(new).is_none() {
        let known: Vec<&str> = known_versions().collect();
        return Err(invalid(format!(
            "{what}: unsupported Kubernetes version {new} (the catalog knows {})",
            known.join(", ")
        )));
    }
    if let (Some(old), Some(a), Some(b)) = (
        old,
        old.and_then(KubeVersion::parse),
        KubeVersion::parse(new),
    ) {
        if b < a {
            return Err(invalid(format!(
                "{what}: Kubernetes version {new} is older than {old}; EKS never downgrades (to go back, create a cluster at {new} and move traffic to it)"
            )));
        }
    }
    Ok(())
}

/// The Kubernetes versions the catalog knows, oldest first.
fn known_versions() -> impl Iterator<Item = &'static str> {
    catalog::eks().versions.iter().map(|v| v.version.as_str())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn with_version(v: &str) -> Value {
        Value::object([("version", Value::string(v))])
    }

    #[test]
    fn kubernetes_versions_come_from_the_catalog_and_never_go_down() {
        let known = known_versions()
            .last()
            .expect("the catalog has versions")
            .to_string();
        check_kubernetes_version("c", None, &with_version(&known)).unwrap();
        let e = check_kubernetes_version("c", None, &with_version("1.9")).unwrap_err();
        assert!(
            e.to_string().contains("unsupported Kubernetes version 1.9"),
            "{e}"
        );
        let first = known_versions().next().unwrap();
        let e = check_kubernetes_version("c", Some(&with_version(&known)), &with_version(first))
            .unwrap_err();
        assert!(e.to_string().contains("never downgrades"), "{e}");
        // Unknown (not yet known) versions are not judged.
        check_kubernetes_version("c", None, &Value::object([("version", Value::Unknown)])).unwrap();
    }

    #[test]
    fn ids_split_into_cluster_and_name() {
        assert_eq!(split_id("t", "main:workers").unwrap(), ("main", "workers"));
        assert!(split_id("t", "main").is_err());
        assert!(split_id("t", ":x").is_err());
    }
}
