//! `aws_msk_configuration`: broker settings (`server.properties`) for some Kafka versions.
//! Created with `CreateConfiguration`; each change of the properties or description is a
//! new revision (`UpdateConfiguration`, `latest_revision`); read with
//! `DescribeConfiguration` and `DescribeConfigurationRevision`; deleted with
//! `DeleteConfiguration` and waited on until gone.

use std::time::Duration;

use async_trait::async_trait;
use aws_sdk_kafka::primitives::Blob;
use aws_sdk_kafka::types::ConfigurationState;
use chrono::NaiveDate;
use engine::provider::shape::{attr, set_attr};
use engine::provider::ProviderError;
use engine::value::Value;

use super::msk_common::{known_version, optional_text};
use super::rds_common::found;
use super::{Ctx, Resource};
use crate::errors::{invalid, sdk};
use crate::values::{strings, text};
use crate::wait::{until, Status};

/// The `aws_msk_configuration` type; its id is the configuration's ARN.
pub struct Configuration;

/// How long a deleted configuration may stay `DELETING`.
const DELETE_TIMEOUT: Duration = Duration::from_secs(10 * 60);

/// Judges a plan as MSK would judge its calls: a new configuration's Kafka versions known;
/// the versions of an existing one fixed (UpdateConfiguration does not take them).
/// Unknown values are not judged.
pub fn judge(
    prior: Option<&Value>,
    planned: &Value,
    today: NaiveDate,
) -> Result<(), ProviderError> {
    let versions = attr(planned, "kafka_versions");
    if versions.contains_unknown() {
        return Ok(());
    }
    let Some(prior) = prior else {
        for v in strings(planned, "kafka_versions") {
            known_version(&v, today)?;
        }
        return Ok(());
    };
    let (mut old, mut new) = (
        strings(prior, "kafka_versions"),
        strings(planned, "kafka_versions"),
    );
    old.sort();
    new.sort();
    if old != new {
        let name = text(prior, "name").unwrap_or("the configuration");
        return Err(invalid(format!(
            "aws_msk_configuration {name}: kafka_versions cannot change in place ([{}] to [{}]): MSK's UpdateConfiguration takes only server_properties and description. Give the configuration a new name to replace it",
            old.join(", "),
            new.join(", ")
        )));
    }
    Ok(())
}

/// DescribeConfiguration and the latest revision's properties, as state holds them.
async fn describe(cx: &Ctx<'_>, arn: &str, base: &Value) -> Result<Option<Value>, ProviderError> {
    let k = &cx.clients.kafka;
    let out = k
        .describe_configuration()
        .arn(arn)
        .send()
        .await
        .map_err(|e| sdk("DescribeConfiguration", e));
    let Some(config) = found(out)? else {
        return Ok(None);
    };
    if config.state() == Some(&ConfigurationState::Deleting) {
        return Ok(None);
    }
    let revision = config
        .latest_revision()
        .and_then(|r| r.revision())
        .ok_or_else(|| {
            ProviderError::Internal(format!(
                "DescribeConfiguration {arn} answered without a latest revision"
            ))
        })?;
    let out = k
        .describe_configuration_revision()
        .arn(arn)
        .revision(revision)
        .send()
        .await
        .map_err(|e| sdk("DescribeConfigurationRevision", e));
    let Some(latest) = found(out)? else {
        return Ok(None);
    };
    let properties = latest
        .server_properties()
        .map(|b| String::from_utf8_lossy(b.as_ref()).into_owned());
    let versions = config.kafka_versions();
    let kafka_versions = if versions.is_empty() {
        Value::Null
    } else {
        Value::set(versions.iter().map(Value::string).collect())
    };
    Ok(Some(Value::object([
        ("id", Value::string(arn)),
        ("arn", Value::string(arn)),
        ("name", crate::values::opt_string(config.name())),
        ("kafka_versions", kafka_versions),
        (
            "description",
            optional_text(latest.description(), base, "description"),
        ),
        (
            "server_properties",
            properties.map_or(Value::Null, Value::string),
        ),
        ("latest_revision", Value::Number(revision as f64)),
    ])))
}

#[async_trait]
impl Resource for Configuration {
    async fn create(&self, cx: &Ctx<'_>, planned: &Value) -> Result<Value, ProviderError> {
        let name = text(planned, "name")
            .ok_or_else(|| invalid("aws_msk_configuration: name is required"))?;
        let properties = planned
            .get_attr("server_properties")
            .and_then(Value::as_str)
            .ok_or_else(|| invalid("aws_msk_configuration: server_properties is required"))?;
        let versions = strings(planned, "kafka_versions");
        let out = cx
            .clients
            .kafka
            .create_configuration()
            .name(name)
            .set_kafka_versions((!versions.is_empty()).then_some(versions))
            .server_properties(Blob::new(properties.as_bytes()))
            .set_description(text(planned, "description").map(str::to_string))
            .send()
            .await
            .map_err(|e| sdk("CreateConfiguration", e))?;
        let arn = out.arn().ok_or_else(|| {
            ProviderError::Internal(format!(
                "CreateConfiguration for {name} answered without an ARN"
            ))
        })?;
        describe(cx, arn, planned).await?.ok_or_else(|| {
            ProviderError::NotFound(format!("configuration {arn} after creating it"))
        })
    }

    async fn read(&self, cx: &Ctx<'_>, state: &Value) -> Result<Option<Value>, ProviderError> {
        match text(state, "id") {
            Some(arn) => describe(cx, arn, state).await,
            None => Ok(None),
        }
    }

    async fn update(
        &self,
        cx: &Ctx<'_>,
        prior: &Value,
        planned: &Value,
    ) -> Result<Value, ProviderError> {
        let arn =
            text(prior, "id").ok_or_else(|| invalid("the configuration's ARN is not in state"))?;
        let changed = |name: &str| prior.get_attr(name) != planned.get_attr(name);
        if changed("server_properties") || changed("description") {
            let properties = planned
                .get_attr("server_properties")
                .and_then(Value::as_str)
                .ok_or_else(|| invalid("aws_msk_configuration: server_properties is required"))?;
            cx.clients
                .kafka
                .update_configuration()
                .arn(arn)
                .server_properties(Blob::new(properties.as_bytes()))
                .set_description(text(planned, "description").map(str::to_string))
                .send()
                .await
                .map_err(|e| sdk("UpdateConfiguration", e))?;
        }
        describe(cx, arn, planned)
            .await?
            .ok_or_else(|| ProviderError::NotFound(format!("configuration {arn}")))
    }

    async fn delete(&self, cx: &Ctx<'_>, prior: &Value) -> Result<(), ProviderError> {
        let Some(arn) = text(prior, "id") else {
            return Ok(());
        };
        let k = &cx.clients.kafka;
        let deleted = k
            .delete_configuration()
            .arn(arn)
            .send()
            .await
            .map_err(|e| sdk("DeleteConfiguration", e));
        if found(deleted)?.is_none() {
            return Ok(());
        }
        let what = format!("aws_msk_configuration {arn}: delete");
        until(&what, DELETE_TIMEOUT, || async move {
            let out = k
                .describe_configuration()
                .arn(arn)
                .send()
                .await
                .map_err(|e| sdk("DescribeConfiguration", e));
            Ok(match found(out)? {
                None => Status::Done(()),
                Some(c) => match c.state() {
                    Some(ConfigurationState::DeleteFailed) => {
                        Status::Failed("MSK reports DELETE_FAILED".to_string())
                    }
                    state => Status::Pending(
                        state
                            .map_or("DELETING", ConfigurationState::as_str)
                            .to_string(),
                    ),
                },
            })
        })
        .await
    }

    fn check(&self, prior: Option<&Value>, planned: &Value) -> Result<(), ProviderError> {
        judge(prior, planned, chrono::Utc::now().date_naive())
    }

    fn adjust_plan(&self, prior: Option<&Value>, planned: &mut Value) {
        if let Some(prior) = prior {
            renew(prior, planned);
        }
    }
}

/// A new revision comes with new properties or a new description: `latest_revision` is
/// known once MSK has made it.
pub fn renew(prior: &Value, planned: &mut Value) {
    let changed = |name: &str| !attr(prior, name).semantic_eq(attr(planned, name));
    if changed("server_properties") || changed("description") {
        set_attr(planned, "latest_revision", Value::Unknown);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(versions: &[&str]) -> Value {
        Value::object([
            ("name", Value::string("brokers")),
            (
                "kafka_versions",
                Value::set(versions.iter().map(|v| Value::string(*v)).collect()),
            ),
        ])
    }

    fn day() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 12, 7).expect("a date")
    }

    #[test]
    fn new_properties_make_a_new_revision() {
        let prior = Value::object([
            ("server_properties", Value::string("a=b")),
            ("latest_revision", Value::Number(1.0)),
        ]);
        let mut same = prior.clone();
        renew(&prior, &mut same);
        assert_eq!(same.get_attr("latest_revision"), Some(&Value::Number(1.0)));
        let mut changed = Value::object([
            ("server_properties", Value::string("a=c")),
            ("latest_revision", Value::Number(1.0)),
        ]);
        renew(&prior, &mut changed);
        assert_eq!(changed.get_attr("latest_revision"), Some(&Value::Unknown));
    }

    #[test]
    fn versions_must_be_known_and_fixed() {
        assert!(judge(None, &config(&["3.7.x", "3.8.x"]), day()).is_ok());
        let unknown = judge(None, &config(&["3.8.x", "7.0.0"]), day()).unwrap_err();
        assert!(
            unknown
                .to_string()
                .contains("Unsupported KafkaVersion 7.0.0"),
            "{unknown}"
        );
        let prior = config(&["3.8.x", "3.7.x"]);
        assert!(judge(Some(&prior), &config(&["3.7.x", "3.8.x"]), day()).is_ok());
        let moved = judge(Some(&prior), &config(&["3.8.x"]), day()).unwrap_err();
        assert!(
            moved.to_string().contains("cannot change in place"),
            "{moved}"
        );
        let pending = Value::object([("kafka_versions", Value::Unknown)]);
        assert!(judge(Some(&prior), &pending, day()).is_ok());
    }
}
