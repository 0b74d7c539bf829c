//! What the MSK types share: the cluster and cluster-operation waits, calls repeated while
//! MSK throttles them, the catalog's Kafka version rules, and the shape of reported blocks.

use std::future::Future;
use std::time::Duration;

use aws_sdk_kafka::types::{Cluster, ClusterState};
use chrono::NaiveDate;
use engine::catalog::{self, MetadataMode};
use engine::provider::shape::attr;
use engine::provider::{Nesting, ProviderError, Schema};
use engine::value::Value;

use super::rds_common::found;
use super::Ctx;
use crate::errors::sdk;
use crate::wait::{until, Status};

/// How long MSK creates, updates and deletes may take by default (Terraform's 120m; a
/// rolling version upgrade restarts every broker in turn).
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(120 * 60);

/// How long a read-only call may be refused by throttling before it fails.
const PATIENCE: Duration = Duration::from_secs(10 * 60);

/// Runs the read-only `call` until it answers, waiting out throttling (the SDK's own
/// retries may be spent); any other error fails at once.
pub async fn patient<T, F, Fut>(what: &str, mut call: F) -> Result<T, ProviderError>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<T, ProviderError>>,
{
    until(what, PATIENCE, || {
        let answer = call();
        async move { answer.await.map(Status::Done) }
    })
    .await
}

/// DescribeClusterV2; `None` when there is no such cluster.
pub async fn describe(cx: &Ctx<'_>, arn: &str) -> Result<Option<Cluster>, ProviderError> {
    let out = cx
        .clients
        .kafka
        .describe_cluster_v2()
        .cluster_arn(arn)
        .send()
        .await
        .map_err(|e| sdk("DescribeClusterV2", e));
    Ok(found(out)?.and_then(|o| o.cluster_info))
}

/// `FAILED (code: message)`, with what MSK says about the failure.
fn state_text(c: &Cluster) -> String {
    let state = c.state().map_or("", ClusterState::as_str);
    let info = c.state_info();
    let code = info.and_then(|i| i.code()).unwrap_or_default();
    let message = info.and_then(|i| i.message()).unwrap_or_default();
    match (code, message) {
        ("", "") => state.to_string(),
        (code, message) => format!("{state} ({code}: {message})"),
    }
}

/// Waits until the cluster `arn` is `ACTIVE` and returns it as then described; `FAILED`,
/// or the cluster going away, fails the wait. Throttled describes only slow the polling.
pub async fn wait_active(
    cx: &Ctx<'_>,
    arn: &str,
    what: &str,
    timeout: Duration,
) -> Result<Cluster, ProviderError> {
    until(what, timeout, || async move {
        Ok(match describe(cx, arn).await? {
            None => Status::Failed(format!("the cluster {arn} is gone")),
            Some(c) => match c.state() {
                Some(ClusterState::Active) => Status::Done(c),
                Some(ClusterState::Failed) => Status::Failed(format!(
                    "the cluster {arn} is {}; delete it (or import it) before applying again",
                    state_text(&c)
                )),
                _ => Status::Pending(state_text(&c)),
            },
        })
    })
    .await
}

/// Waits until the cluster operation `operation` (an update) is `UPDATE_COMPLETE`; any
/// state but `PENDING` and `UPDATE_IN_PROGRESS` fails it with MSK's error.
pub async fn wait_operation(
    cx: &Ctx<'_>,
    operation: &str,
    what: &str,
    timeout: Duration,
) -> Result<(), ProviderError> {
    until(what, timeout, || async move {
        let out = cx
            .clients
            .kafka
            .describe_cluster_operation_v2()
            .cluster_operation_arn(operation)
            .send()
            .await
            .map_err(|e| sdk("DescribeClusterOperationV2", e))?;
        let info = out.cluster_operation_info();
        let state = info.and_then(|i| i.operation_state()).unwrap_or_default();
        Ok(match state {
            "UPDATE_COMPLETE" => Status::Done(()),
            "PENDING" | "UPDATE_IN_PROGRESS" | "" => Status::Pending(state.to_string()),
            other => {
                let error = info.and_then(|i| i.error_info());
                let code = error
                    .and_then(|e| e.error_code())
                    .unwrap_or("no error code");
                let text = error.and_then(|e| e.error_string()).unwrap_or_default();
                Status::Failed(format!(
                    "the cluster operation {operation} is {other} ({code}: {text})"
                ))
            }
        })
    })
    .await
}

/// Waits until the cluster `arn` is gone after DeleteCluster.
pub async fn wait_gone(
    cx: &Ctx<'_>,
    arn: &str,
    what: &str,
    timeout: Duration,
) -> Result<(), ProviderError> {
    until(what, timeout, || async move {
        Ok(match describe(cx, arn).await? {
            None => Status::Done(()),
            Some(c) => match c.state() {
                Some(ClusterState::Active | ClusterState::Failed) => Status::Failed(format!(
                    "the cluster {arn} is {} again: MSK did not delete it",
                    state_text(&c)
                )),
                _ => Status::Pending(state_text(&c)),
            },
        })
    })
    .await
}

/// A refusal as MSK words it (`BadRequestException`).
pub fn bad_request(message: impl Into<String>) -> ProviderError {
    ProviderError::Api {
        code: "BadRequestException".to_string(),
        message: message.into(),
    }
}

/// The versions MSK offers for new clusters on `today`, for messages.
fn offered(today: NaiveDate) -> String {
    catalog::msk()
        .versions
        .iter()
        .filter(|v| v.supported_on(today))
        .map(|v| v.version.as_str())
        .collect::<Vec<_>>()
        .join(", ")
}

/// Refuses a Kafka version the catalog does not know.
pub fn known_version(version: &str, today: NaiveDate) -> Result<(), ProviderError> {
    if catalog::msk().version(version).is_some() {
        return Ok(());
    }
    Err(bad_request(format!(
        "Unsupported KafkaVersion {version}: MSK offers {}",
        offered(today)
    )))
}

/// Judges `kafka_version` moving from `prior` (None: a new cluster) to `planned`, as MSK
/// would: new clusters only on versions supported on `today`; in place only to a version
/// `GetCompatibleKafkaVersions` returns or through a chain of them (planned one update per
/// hop), never down, never across metadata modes. A version that does not move is not
/// judged: nothing is asked of MSK.
pub fn judge_version(
    prior: Option<&str>,
    planned: &str,
    today: NaiveDate,
) -> Result<(), ProviderError> {
    if prior == Some(planned) {
        return Ok(());
    }
    known_version(planned, today)?;
    let Some(old) = prior else {
        let Some(entry) = catalog::msk().version(planned) else {
            return Ok(());
        };
        if entry.supported_on(today) {
            return Ok(());
        }
        return Err(bad_request(format!(
            "Unsupported KafkaVersion {planned}: not offered on {today} (end of support {}); MSK offers {}",
            entry
                .end_of_support
                .map_or_else(|| "none".to_string(), |d| d.to_string()),
            offered(today)
        )));
    };
    let targets = |v: &str| catalog::msk().upgrade_targets(v).to_vec();
    if engine::upgrade::engines::path(old, planned, targets).is_some() {
        return Ok(());
    }
    let mode = |v: &str| catalog::msk().version(v).map(|k| k.metadata);
    let why = if catalog::compare_versions(planned, old).is_lt() {
        "MSK does not downgrade Apache Kafka".to_string()
    } else if mode(old).is_some() && mode(old) != mode(planned) {
        let name = |m| match m {
            Some(MetadataMode::Kraft) => "KRaft",
            _ => "ZooKeeper",
        };
        format!(
            "the metadata mode ({} to {}) is chosen at creation",
            name(mode(old)),
            name(mode(planned))
        )
    } else {
        format!("compatible versions: {}", compatible_list(&targets(old)))
    };
    Err(bad_request(format!(
        "The target Apache Kafka version {planned} isn't compatible with the cluster's current version {old}: {why}"
    )))
}

/// `3.8.x, 3.9.x`, or `none`.
pub fn compatible_list(targets: &[String]) -> String {
    match targets {
        [] => "none".to_string(),
        ts => ts.join(", "),
    }
}

/// Shapes the blocks of `observed` like those of `base` (the state or plan it refreshes):
/// a list block `base` leaves empty is reported empty, so settings MSK always reports
/// (encryption, storage) show no difference where the configuration has no block.
pub fn follow_blocks(schema: &Schema, observed: &mut Value, base: &Value) {
    let Value::Object(m) = observed else {
        return;
    };
    for (name, block) in &schema.blocks {
        if block.nesting == Nesting::Single {
            continue;
        }
        let wanted = attr(base, name).as_seq().unwrap_or(&[]);
        let Some(slot) = m.get_mut(name) else {
            continue;
        };
        if wanted.is_empty() {
            *slot = Value::List(Vec::new());
            continue;
        }
        if let Value::List(items) | Value::Set(items) = slot {
            if items.len() == wanted.len() {
                for (item, w) in items.iter_mut().zip(wanted) {
                    follow_blocks(&block.schema, item, w);
                }
            }
        }
    }
}

/// A one-item list block of `pairs`.
pub fn one_block<K: Into<String>>(pairs: impl IntoIterator<Item = (K, Value)>) -> Value {
    Value::List(vec![Value::object(pairs)])
}

/// The first item of the list block `name`.
pub fn block<'a>(obj: &'a Value, name: &str) -> Option<&'a Value> {
    attr(obj, name).as_seq().and_then(<[Value]>::first)
}

/// An optional string as state keeps it: null when AWS reports nothing or `""` and `base`
/// has no value either (what leaving it out of the configuration means).
pub fn optional_text(reported: Option<&str>, base: &Value, name: &str) -> Value {
    match reported {
        Some(s) if !s.is_empty() => Value::string(s),
        _ if attr(base, name).is_null() => Value::Null,
        _ => Value::string(""),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use engine::provider::{Attribute, NestedBlock};
    use engine::types::Type;

    fn day() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 12, 7).expect("a date")
    }

    fn message(r: Result<(), ProviderError>) -> String {
        match r {
            Err(ProviderError::Api { code, message }) => {
                assert_eq!(code, "BadRequestException");
                message
            }
            other => panic!("expected a refusal, got {other:?}"),
        }
    }

    #[test]
    fn versions_the_catalog_does_not_know_are_refused() {
        let m = message(judge_version(None, "9.9.9", day()));
        assert!(m.contains("Unsupported KafkaVersion 9.9.9"), "{m}");
        assert!(m.contains("3.8.x"), "{m}");
        assert!(judge_version(None, "3.8.x", day()).is_ok());
    }

    #[test]
    fn new_clusters_only_on_versions_still_supported() {
        let m = message(judge_version(None, "3.6.0", day()));
        assert!(m.contains("end of support 2026-06-01"), "{m}");
        // An existing cluster on it may stay there, as may one on a version the catalog
        // no longer lists.
        assert!(judge_version(Some("3.6.0"), "3.6.0", day()).is_ok());
        assert!(judge_version(Some("1.1.1"), "1.1.1", day()).is_ok());
    }

    #[test]
    fn upgrades_follow_the_catalogs_compatible_versions() {
        assert!(judge_version(Some("3.7.x"), "3.8.x", day()).is_ok());
        assert!(judge_version(Some("3.7.x.kraft"), "4.0.x.kraft", day()).is_ok());
        let down = message(judge_version(Some("3.8.x"), "3.7.x", day()));
        assert!(down.contains("does not downgrade"), "{down}");
        let mode = message(judge_version(Some("3.8.x"), "3.9.x.kraft", day()));
        assert!(mode.contains("ZooKeeper to KRaft"), "{mode}");
        let last = message(judge_version(Some("3.9.x"), "4.0.x.kraft", day()));
        assert!(last.contains("metadata mode"), "{last}");
    }

    #[test]
    fn blocks_the_base_leaves_out_are_reported_empty() {
        let inner = Schema::default().attr("client_broker", Attribute::optional(Type::String));
        let list = |schema| NestedBlock {
            nesting: Nesting::List,
            min_items: 0,
            max_items: 1,
            force_new: false,
            schema,
        };
        let schema = Schema::default().block(
            "encryption_info",
            list(
                Schema::default()
                    .attr("key", Attribute::optional(Type::String))
                    .block("encryption_in_transit", list(inner)),
            ),
        );
        let reported = || {
            Value::object([(
                "encryption_info",
                one_block([
                    ("key", Value::string("k")),
                    (
                        "encryption_in_transit",
                        one_block([("client_broker", Value::string("TLS"))]),
                    ),
                ]),
            )])
        };
        let mut observed = reported();
        follow_blocks(
            &schema,
            &mut observed,
            &Value::object([("encryption_info", Value::Null)]),
        );
        assert_eq!(
            observed.get_attr("encryption_info"),
            Some(&Value::List(vec![]))
        );

        let mut observed = reported();
        let base = Value::object([(
            "encryption_info",
            one_block([
                ("key", Value::string("k")),
                ("encryption_in_transit", Value::List(vec![])),
            ]),
        )]);
        follow_blocks(&schema, &mut observed, &base);
        let info = block(&observed, "encryption_info").expect("kept");
        assert_eq!(info.get_attr("key"), Some(&Value::string("k")));
        assert_eq!(
            info.get_attr("encryption_in_transit"),
            Some(&Value::List(vec![]))
        );
    }

    #[test]
    fn empty_optional_text_is_null_unless_configured() {
        let base = Value::object([("description", Value::Null)]);
        assert_eq!(optional_text(Some(""), &base, "description"), Value::Null);
        assert_eq!(optional_text(None, &base, "description"), Value::Null);
        assert_eq!(
            optional_text(Some("x"), &base, "description"),
            Value::string("x")
        );
        let set = Value::object([("description", Value::string(""))]);
        assert_eq!(
            optional_text(Some(""), &set, "description"),
            Value::string("")
        );
    }
}
