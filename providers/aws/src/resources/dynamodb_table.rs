//! `aws_dynamodb_table`: a table with its key schema, billing mode, capacity and stream.
//! Created with `CreateTable` and changed with `UpdateTable` (billing mode and capacity,
//! then the stream), each waited on until the table is `ACTIVE`; read with `DescribeTable`
//! and `ListTagsOfResource`; deleted with `DeleteTable` and waited on until gone.

use std::time::Duration;

use async_trait::async_trait;
use aws_sdk_dynamodb::types::{
    AttributeDefinition, BillingMode, KeySchemaElement, KeyType, ProvisionedThroughput,
    ScalarAttributeType, StreamSpecification, StreamViewType, TableDescription, TableStatus, Tag,
};
use engine::provider::shape::attr;
use engine::provider::ProviderError;
use engine::value::Value;

use super::dynamodb_rules::{self, attributes};
use super::rds_common::found;
use super::{Ctx, Resource};
use crate::errors::{invalid, sdk};
use crate::timeouts::{for_op, Op};
use crate::values::{flag, int, opt_string, tag_pairs, tags, text, with_tags};
use crate::wait::{until, Status};

/// The `aws_dynamodb_table` type.
pub struct Table;

/// Terraform's defaults: create 30m, update 60m, delete 10m.
const CREATE_TIMEOUT: Duration = Duration::from_secs(30 * 60);
const UPDATE_TIMEOUT: Duration = Duration::from_secs(60 * 60);
const DELETE_TIMEOUT: Duration = Duration::from_secs(10 * 60);

const PROVISIONED: &str = "PROVISIONED";

fn built<T>(
    what: &str,
    r: Result<T, aws_sdk_dynamodb::error::BuildError>,
) -> Result<T, ProviderError> {
    r.map_err(|e| invalid(format!("aws_dynamodb_table: {what}: {e}")))
}

async fn describe(cx: &Ctx<'_>, name: &str) -> Result<Option<TableDescription>, ProviderError> {
    let out = cx
        .clients
        .dynamodb
        .describe_table()
        .table_name(name)
        .send()
        .await
        .map_err(|e| sdk("DescribeTable", e));
    Ok(found(out)?.and_then(|o| o.table().cloned()))
}

/// Waits until the table is `ACTIVE` (after a create or an update).
async fn wait_active(
    cx: &Ctx<'_>,
    name: &str,
    what: &str,
    timeout: Duration,
) -> Result<(), ProviderError> {
    until(
        &format!("aws_dynamodb_table {name}: {what}"),
        timeout,
        || async move {
            Ok(match describe(cx, name).await? {
                None => Status::Failed("the table is gone".to_string()),
                Some(t) => match t.table_status() {
                    Some(TableStatus::Active) => Status::Done(()),
                    Some(s) => Status::Pending(s.as_str().to_string()),
                    None => Status::Pending("no status yet".to_string()),
                },
            })
        },
    )
    .await
}

/// The provisioned throughput `obj` asks for under PROVISIONED billing.
fn throughput(obj: &Value) -> Result<ProvisionedThroughput, ProviderError> {
    let (Some(read), Some(write)) = (int(obj, "read_capacity"), int(obj, "write_capacity")) else {
        return Err(invalid(
            "aws_dynamodb_table: read_capacity and write_capacity are required when billing_mode is PROVISIONED (or use PAY_PER_REQUEST)",
        ));
    };
    built(
        "provisioned throughput",
        ProvisionedThroughput::builder()
            .read_capacity_units(i64::from(read))
            .write_capacity_units(i64::from(write))
            .build(),
    )
}

/// The stream `obj` asks for: enabled with its view type, or disabled.
fn stream(obj: &Value) -> Result<StreamSpecification, ProviderError> {
    let on = flag(obj, "stream_enabled").unwrap_or(false);
    built(
        "stream",
        StreamSpecification::builder()
            .stream_enabled(on)
            .set_stream_view_type(
                text(obj, "stream_view_type")
                    .filter(|v| on && !v.is_empty())
                    .map(StreamViewType::from),
            )
            .build(),
    )
}

/// The billing mode `obj` asks for: PROVISIONED unless it says otherwise, as DynamoDB has it.
fn billing(obj: &Value) -> &str {
    text(obj, "billing_mode").unwrap_or(PROVISIONED)
}

async fn aws_tags(cx: &Ctx<'_>, arn: &str) -> Result<Value, ProviderError> {
    let mut pairs = Vec::new();
    let mut next: Option<String> = None;
    loop {
        let out = cx
            .clients
            .dynamodb
            .list_tags_of_resource()
            .resource_arn(arn)
            .set_next_token(next.take())
            .send()
            .await
            .map_err(|e| sdk("ListTagsOfResource", e))?;
        pairs.extend(
            out.tags()
                .iter()
                .map(|t| (t.key().to_string(), t.value().to_string())),
        );
        match out.next_token() {
            Some(t) if !t.is_empty() => next = Some(t.to_string()),
            _ => break,
        }
    }
    Ok(tags(pairs.iter().map(|(k, v)| (k.as_str(), v.as_str()))))
}

fn dynamo_tags(pairs: &[(String, String)]) -> Result<Vec<Tag>, ProviderError> {
    pairs
        .iter()
        .map(|(k, v)| built("tag", Tag::builder().key(k).value(v).build()))
        .collect()
}

/// Brings the table's tags from `prior`'s to `planned`'s.
async fn update_tags(
    cx: &Ctx<'_>,
    arn: &str,
    prior: &Value,
    planned: &Value,
) -> Result<(), ProviderError> {
    let (old, new) = (tag_pairs(prior), tag_pairs(planned));
    let removed: Vec<String> = old
        .iter()
        .filter(|(k, _)| !new.iter().any(|(n, _)| n == k))
        .map(|(k, _)| k.clone())
        .collect();
    let set: Vec<(String, String)> = new.into_iter().filter(|p| !old.contains(p)).collect();
    let db = &cx.clients.dynamodb;
    if !removed.is_empty() {
        db.untag_resource()
            .resource_arn(arn)
            .set_tag_keys(Some(removed))
            .send()
            .await
            .map_err(|e| sdk("UntagResource", e))?;
    }
    if !set.is_empty() {
        db.tag_resource()
            .resource_arn(arn)
            .set_tags(Some(dynamo_tags(&set)?))
            .send()
            .await
            .map_err(|e| sdk("TagResource", e))?;
    }
    Ok(())
}

/// The state of `t` as AWS reports it; `base` tells whether `stream_enabled` was set.
fn observe(t: &TableDescription, base: &Value) -> Value {
    let name = t.table_name().unwrap_or_default();
    let key = |kind: KeyType| {
        opt_string(
            t.key_schema()
                .iter()
                .find(|k| *k.key_type() == kind)
                .map(KeySchemaElement::attribute_name),
        )
    };
    let mode = t
        .billing_mode_summary()
        .and_then(|b| b.billing_mode())
        .map_or(PROVISIONED, BillingMode::as_str);
    // On-demand tables have no provisioned capacity, whatever an earlier mode left behind.
    let capacity = |n: Option<i64>| {
        let n = if mode == PROVISIONED {
            n.unwrap_or(0)
        } else {
            0
        };
        Value::Number(n as f64)
    };
    let throughput = t.provisioned_throughput();
    let spec = t.stream_specification().filter(|s| s.stream_enabled());
    let stream_enabled = match (spec.is_some(), attr(base, "stream_enabled")) {
        (false, Value::Null) => Value::Null,
        (on, _) => Value::Bool(on),
    };
    Value::object([
        ("id", Value::string(name)),
        ("name", Value::string(name)),
        ("arn", opt_string(t.table_arn())),
        ("billing_mode", Value::string(mode)),
        ("hash_key", key(KeyType::Hash)),
        ("range_key", key(KeyType::Range)),
        (
            "read_capacity",
            capacity(throughput.and_then(|p| p.read_capacity_units())),
        ),
        (
            "write_capacity",
            capacity(throughput.and_then(|p| p.write_capacity_units())),
        ),
        ("stream_enabled", stream_enabled),
        (
            "stream_view_type",
            Value::string(
                spec.and_then(|s| s.stream_view_type())
                    .map_or("", StreamViewType::as_str),
            ),
        ),
        (
            "stream_arn",
            Value::string(t.latest_stream_arn().unwrap_or_default()),
        ),
        (
            "stream_label",
            Value::string(t.latest_stream_label().unwrap_or_default()),
        ),
        (
            "attribute",
            Value::set(
                t.attribute_definitions()
                    .iter()
                    .map(|a| {
                        Value::object([
                            ("name", Value::string(a.attribute_name())),
                            ("type", Value::string(a.attribute_type().as_str())),
                        ])
                    })
                    .collect(),
            ),
        ),
    ])
}

#[async_trait]
impl Resource for Table {
    async fn create(&self, cx: &Ctx<'_>, planned: &Value) -> Result<Value, ProviderError> {
        let name = text(planned, "name").ok_or_else(|| invalid("name is required"))?;
        let hash = text(planned, "hash_key").ok_or_else(|| invalid("hash_key is required"))?;
        let definitions = attributes(planned)
            .into_iter()
            .map(|(n, t)| {
                built(
                    "attribute",
                    AttributeDefinition::builder()
                        .attribute_name(n)
                        .attribute_type(ScalarAttributeType::from(t.as_str()))
                        .build(),
                )
            })
            .collect::<Result<Vec<_>, _>>()?;
        let mut keys = vec![built(
            "hash_key",
            KeySchemaElement::builder()
                .attribute_name(hash)
                .key_type(KeyType::Hash)
                .build(),
        )?];
        if let Some(range) = text(planned, "range_key") {
            keys.push(built(
                "range_key",
                KeySchemaElement::builder()
                    .attribute_name(range)
                    .key_type(KeyType::Range)
                    .build(),
            )?);
        }
        let mode = billing(planned);
        let pairs = tag_pairs(planned);
        cx.clients
            .dynamodb
            .create_table()
            .table_name(name)
            .set_attribute_definitions(Some(definitions))
            .set_key_schema(Some(keys))
            .billing_mode(BillingMode::from(mode))
            .set_provisioned_throughput(if mode == PROVISIONED {
                Some(throughput(planned)?)
            } else {
                None
            })
            .set_stream_specification(if flag(planned, "stream_enabled") == Some(true) {
                Some(stream(planned)?)
            } else {
                None
            })
            .set_tags(if pairs.is_empty() {
                None
            } else {
                Some(dynamo_tags(&pairs)?)
            })
            .send()
            .await
            .map_err(|e| sdk("CreateTable", e))?;
        let timeout = for_op(planned, Op::Create, CREATE_TIMEOUT);
        wait_active(cx, name, "create", timeout).await?;
        let mut stub = planned.clone();
        engine::provider::shape::set_attr(&mut stub, "id", Value::string(name));
        self.read(cx, &stub)
            .await?
            .ok_or_else(|| ProviderError::NotFound(format!("table {name} after creating it")))
    }

    async fn read(&self, cx: &Ctx<'_>, state: &Value) -> Result<Option<Value>, ProviderError> {
        let Some(name) = text(state, "id") else {
            return Ok(None);
        };
        let Some(t) = describe(cx, name).await? else {
            return Ok(None);
        };
        if t.table_status() == Some(&TableStatus::Deleting) {
            return Ok(None);
        }
        let aws_tags = match t.table_arn() {
            Some(arn) => aws_tags(cx, arn).await?,
            None => tags([]),
        };
        Ok(Some(with_tags(observe(&t, state), state, aws_tags)))
    }

    async fn update(
        &self,
        cx: &Ctx<'_>,
        prior: &Value,
        planned: &Value,
    ) -> Result<Value, ProviderError> {
        let name = text(prior, "id").ok_or_else(|| invalid("the table's name is not in state"))?;
        let timeout = for_op(planned, Op::Update, UPDATE_TIMEOUT);
        let db = &cx.clients.dynamodb;
        let mode = billing(planned);
        let mode_changed = billing(prior) != mode;
        let capacity_changed = mode == PROVISIONED
            && ["read_capacity", "write_capacity"]
                .iter()
                .any(|k| int(prior, k) != int(planned, k));
        if mode_changed || capacity_changed {
            db.update_table()
                .table_name(name)
                .set_billing_mode(mode_changed.then(|| BillingMode::from(mode)))
                .set_provisioned_throughput(if mode == PROVISIONED {
                    Some(throughput(planned)?)
                } else {
                    None
                })
                .send()
                .await
                .map_err(|e| sdk("UpdateTable", e))?;
            wait_active(cx, name, &format!("billing {mode}"), timeout).await?;
        }
        let on = |v: &Value| flag(v, "stream_enabled").unwrap_or(false);
        let view = |v: &Value| text(v, "stream_view_type").unwrap_or("").to_string();
        if on(prior) != on(planned) || (on(planned) && view(prior) != view(planned)) {
            if on(prior) && on(planned) {
                // DynamoDB changes a stream's view type only by disabling it first.
                db.update_table()
                    .table_name(name)
                    .stream_specification(stream(&Value::Null)?)
                    .send()
                    .await
                    .map_err(|e| sdk("UpdateTable", e))?;
                wait_active(cx, name, "stream disabled", timeout).await?;
            }
            db.update_table()
                .table_name(name)
                .stream_specification(stream(planned)?)
                .send()
                .await
                .map_err(|e| sdk("UpdateTable", e))?;
            wait_active(cx, name, "stream", timeout).await?;
        }
        if let Some(arn) = text(prior, "arn") {
            update_tags(cx, arn, prior, planned).await?;
        }
        self.read(cx, planned)
            .await?
            .ok_or_else(|| ProviderError::NotFound(format!("table {name}")))
    }

    async fn delete(&self, cx: &Ctx<'_>, prior: &Value) -> Result<(), ProviderError> {
        let Some(name) = text(prior, "id") else {
            return Ok(());
        };
        let deleted = cx
            .clients
            .dynamodb
            .delete_table()
            .table_name(name)
            .send()
            .await
            .map_err(|e| sdk("DeleteTable", e));
        if found(deleted)?.is_none() {
            return Ok(());
        }
        let timeout = for_op(prior, Op::Delete, DELETE_TIMEOUT);
        until(
            &format!("aws_dynamodb_table {name}: delete"),
            timeout,
            || async move {
                Ok(match describe(cx, name).await? {
                    None => Status::Done(()),
                    Some(t) => Status::Pending(
                        t.table_status()
                            .map_or("DELETING", TableStatus::as_str)
                            .to_string(),
                    ),
                })
            },
        )
        .await
    }

    fn check(&self, prior: Option<&Value>, planned: &Value) -> Result<(), ProviderError> {
        // A replacement is planned without the prior table (its id is unknown again).
        let prior = prior.filter(|_| !attr(planned, "id").is_unknown());
        dynamodb_rules::check(prior, planned)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use aws_sdk_dynamodb::types::{BillingModeSummary, ProvisionedThroughputDescription};

    fn described(mode: Option<BillingMode>, read: i64) -> TableDescription {
        TableDescription::builder()
            .table_name("orders")
            .set_billing_mode_summary(
                mode.map(|m| BillingModeSummary::builder().billing_mode(m).build()),
            )
            .provisioned_throughput(
                ProvisionedThroughputDescription::builder()
                    .read_capacity_units(read)
                    .write_capacity_units(read)
                    .build(),
            )
            .build()
    }

    #[test]
    fn tables_without_a_billing_summary_are_provisioned_and_on_demand_ones_have_no_capacity() {
        let t = observe(&described(None, 5), &Value::Null);
        assert_eq!(
            t.get_attr("billing_mode"),
            Some(&Value::string(PROVISIONED))
        );
        assert_eq!(t.get_attr("read_capacity"), Some(&Value::Number(5.0)));
        let t = observe(
            &described(Some(BillingMode::PayPerRequest), 5),
            &Value::Null,
        );
        assert_eq!(
            t.get_attr("billing_mode"),
            Some(&Value::string("PAY_PER_REQUEST"))
        );
        assert_eq!(t.get_attr("write_capacity"), Some(&Value::Number(0.0)));
    }

    #[test]
    fn a_stream_left_out_stays_null_while_off() {
        let t = observe(&described(None, 1), &Value::Null);
        assert_eq!(t.get_attr("stream_enabled"), Some(&Value::Null));
        assert_eq!(t.get_attr("stream_view_type"), Some(&Value::string("")));
        let base = Value::object([("stream_enabled", Value::Bool(false))]);
        let t = observe(&described(None, 1), &base);
        assert_eq!(t.get_attr("stream_enabled"), Some(&Value::Bool(false)));
    }
}
