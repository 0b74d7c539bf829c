//! What the RDS types share: tags by ARN, the status waits, and numbers as values.

use std::time::Duration;

use aws_sdk_rds::types::Tag;
use engine::provider::ProviderError;
use engine::value::Value;

use super::Ctx;
use crate::errors::{invalid, sdk};
use crate::values::{tag_changes, tag_pairs, tags};
use crate::wait::{until, Status};

/// How long RDS creates, modifies and deletes may take by default (Terraform's 120m for
/// clusters and 90m for instances are of the same order).
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(120 * 60);

/// The tags to create an object with, if any.
pub fn create_tags(planned: &Value) -> Option<Vec<Tag>> {
    let pairs = tag_pairs(planned);
    (!pairs.is_empty()).then(|| {
        pairs
            .into_iter()
            .map(|(k, v)| Tag::builder().key(k).value(v).build())
            .collect()
    })
}

/// The tag map of an RDS answer's tag list.
pub fn tag_value(list: &[Tag]) -> Value {
    tags(
        list.iter()
            .filter_map(|t| Some((t.key()?, t.value().unwrap_or("")))),
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
    let set: Vec<Tag> = set
        .into_iter()
        .map(|(k, v)| Tag::builder().key(k).value(v).build())
        .collect();
    let rds = &cx.clients.rds;
    if !removed.is_empty() {
        rds.remove_tags_from_resource()
            .resource_name(arn)
            .set_tag_keys(Some(removed))
            .send()
            .await
            .map_err(|e| sdk("RemoveTagsFromResource", e))?;
    }
    if !set.is_empty() {
        rds.add_tags_to_resource()
            .resource_name(arn)
            .set_tags(Some(set))
            .send()
            .await
            .map_err(|e| sdk("AddTagsToResource", e))?;
    }
    Ok(())
}

/// Polls `status` (the object's status, `None` once it is gone) until it is `available`;
/// a status in `failed`, or the object going away, fails the wait. `kind` names the object
/// in those failures ("cluster", "instance").
pub async fn wait_available<F, Fut>(
    what: &str,
    kind: &str,
    timeout: Duration,
    failed: &[&str],
    mut status: F,
) -> Result<(), ProviderError>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Result<Option<String>, ProviderError>>,
{
    until(what, timeout, || {
        let now = status();
        async move {
            Ok(match now.await? {
                None => Status::Failed(format!("the {kind} is gone")),
                Some(s) if s == "available" => Status::Done(()),
                Some(s) if failed.contains(&s.as_str()) => {
                    Status::Failed(format!("the {kind} is {s}"))
                }
                Some(s) => Status::Pending(s),
            })
        }
    })
    .await
}

/// A number from an `i32` the SDK reports.
pub fn num(n: Option<i32>) -> Value {
    n.map_or(Value::Null, |n| Value::Number(f64::from(n)))
}

/// A boolean the SDK reports.
pub fn boolean(b: Option<bool>) -> Value {
    b.map_or(Value::Null, Value::Bool)
}

/// A name for an object configured without one: `galley-<unique>`, as Terraform's
/// `tf-<unique>`.
pub fn generated_name() -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or_default();
    format!("galley-{nanos:x}")
}

/// A call's result with "not found" as `None`.
pub fn found<T>(r: Result<T, ProviderError>) -> Result<Option<T>, ProviderError> {
    match r {
        Ok(v) => Ok(Some(v)),
        Err(ProviderError::NotFound(_)) => Ok(None),
        Err(e) => Err(e),
    }
}

/// The `engine_version` to keep in state: what the configuration asked for when AWS runs
/// a patch of it (`15.4` asked, `15.4.1` running), as Terraform keeps it; else AWS's.
pub fn asked_version<'a>(state: &'a Value, running: &'a str) -> &'a str {
    crate::values::text(state, "engine_version")
        .filter(|a| running == *a || running.starts_with(&format!("{a}.")))
        .unwrap_or(running)
}

/// An Aurora engine and version the catalog knows (`engine::catalog::aurora`), judged when
/// the version changes: in place only along `ValidUpgradeTarget`s (several hops are split
/// into steps by `galley plan`), never down, a new major only with
/// `allow_major_version_upgrade`. RDS refuses the same; emulators do not, so it is judged
/// here, before anything is called.
pub fn check_engine_version(
    what: &str,
    prior: Option<&Value>,
    planned: &Value,
) -> Result<(), ProviderError> {
    use engine::catalog::{self, compare_versions};
    let Some(engine) = crate::values::text(planned, "engine") else {
        return Ok(());
    };
    let Some(cat) = catalog::aurora(engine) else {
        let known: Vec<&str> = catalog::aurora_engines().collect();
        return Err(invalid(format!(
            "{what}: engine {engine} is not one galley manages (it knows {})",
            known.join(", ")
        )));
    };
    let Some(new) = crate::values::text(planned, "engine_version") else {
        return Ok(());
    };
    let old = prior.and_then(|p| crate::values::text(p, "engine_version"));
    if old == Some(new) {
        return Ok(());
    }
    if cat.version(new).is_none() {
        return Err(invalid(format!(
            "{what}: cannot find version {new} for {engine} in galley's catalog (engine/src/catalog/catalog.json)"
        )));
    }
    let Some(old) = old else {
        return Ok(());
    };
    if compare_versions(new, old).is_lt() {
        return Err(invalid(format!(
            "{what}: cannot upgrade {engine} from {old} to {new}: a downgrade; RDS never downgrades an engine"
        )));
    }
    let targets = |v: &str| cat.upgrade_targets(v).to_vec();
    if cat.version(old).is_some() && engine::upgrade::engines::path(old, new, targets).is_none() {
        return Err(invalid(format!(
            "{what}: cannot upgrade {engine} from {old} to {new}: no chain of valid upgrade targets leads there (from {old}: {})",
            match cat.upgrade_targets(old) {
                [] => "none".to_string(),
                ts => ts.join(", "),
            }
        )));
    }
    let major = cat.is_major_upgrade(old, new);
    if major && crate::values::flag(planned, "allow_major_version_upgrade") != Some(true) {
        return Err(invalid(format!(
            "{what}: upgrading {engine} from {old} to {new} changes the major version; set allow_major_version_upgrade = true (RDS refuses it otherwise)"
        )));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cluster(version: &str, allow: bool) -> Value {
        Value::object([
            ("engine", Value::string("aurora-postgresql")),
            ("engine_version", Value::string(version)),
            ("allow_major_version_upgrade", Value::Bool(allow)),
        ])
    }

    #[test]
    fn engine_versions_follow_the_catalog() {
        let cat = engine::catalog::aurora("aurora-postgresql").unwrap();
        let (old, minor) = cat
            .versions
            .iter()
            .find_map(|v| {
                let t = v
                    .upgrade_targets
                    .iter()
                    .find(|t| !cat.is_major_upgrade(&v.version, t))?;
                Some((v.version.clone(), t.clone()))
            })
            .expect("a minor upgrade in the catalog");
        check_engine_version("c", None, &cluster(&old, false)).unwrap();
        check_engine_version("c", Some(&cluster(&old, false)), &cluster(&minor, false)).unwrap();
        let e = check_engine_version("c", None, &cluster("9.9", false)).unwrap_err();
        assert!(e.to_string().contains("cannot find version 9.9"), "{e}");
        let e = check_engine_version("c", Some(&cluster(&minor, false)), &cluster(&old, false))
            .unwrap_err();
        assert!(e.to_string().contains("downgrade"), "{e}");
        let (from, major) = cat
            .versions
            .iter()
            .find_map(|v| {
                let t = v
                    .upgrade_targets
                    .iter()
                    .find(|t| cat.is_major_upgrade(&v.version, t))?;
                Some((v.version.clone(), t.clone()))
            })
            .expect("a major upgrade in the catalog");
        let e = check_engine_version("c", Some(&cluster(&from, false)), &cluster(&major, false))
            .unwrap_err();
        assert!(e.to_string().contains("allow_major_version_upgrade"), "{e}");
        check_engine_version("c", Some(&cluster(&from, true)), &cluster(&major, true)).unwrap();
        let mysql = Value::object([("engine", Value::string("oracle-ee"))]);
        assert!(check_engine_version("c", None, &mysql).is_err());
    }

    #[test]
    fn the_asked_version_is_kept_while_aws_runs_a_patch_of_it() {
        let state = Value::object([("engine_version", Value::string("15.4"))]);
        assert_eq!(asked_version(&state, "15.4"), "15.4");
        assert_eq!(asked_version(&state, "15.4.1"), "15.4");
        assert_eq!(asked_version(&state, "15.40"), "15.40");
        assert_eq!(asked_version(&state, "16.1"), "16.1");
        assert_eq!(asked_version(&Value::Null, "15.4.1"), "15.4.1");
    }
}
