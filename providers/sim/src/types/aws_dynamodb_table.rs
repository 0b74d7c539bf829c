//! `aws_dynamodb_table`: a table with its key schema, billing mode and stream, under DynamoDB's `CreateTable` rules.

use std::collections::BTreeSet;

use engine::provider::ProviderError;
use engine::value::Value;

use super::aws::{arn, tags_all};
use crate::ids::IdStyle;
use crate::registry::{api_error, CreateCtx, ResourceType, RuleCtx};
use crate::shape::{attr, fill, set_attr, str_attr};

/// The type name.
const TYPE: &str = "aws_dynamodb_table";

/// The `aws_dynamodb_table` type; its id is the table name.
pub fn resource() -> ResourceType {
    let schema = schemas::aws::dynamodb_table();
    ResourceType::new(TYPE, schema)
        .ids(IdStyle::FromHook)
        .default("billing_mode", Value::string("PROVISIONED"))
        // As the Terraform provider has them when not configured.
        .default("read_capacity", Value::Number(0.0))
        .default("write_capacity", Value::Number(0.0))
        .default("stream_view_type", Value::string(""))
        .derive("tags_all", "tags", true, tags_all)
        .rule(name_is_valid)
        .rule(keys_are_defined_attributes)
        .rule(capacity_fits_the_billing_mode)
        .rule(stream_is_consistent)
        .rule(name_is_free)
        .on_create(fill_computed)
        .on_update(renew_stream)
        // Known after apply whenever the table changes: a stream toggle renews them.
        .renewed_on_update(&["stream_arn", "stream_label"])
}

fn invalid(m: impl Into<String>) -> ProviderError {
    api_error("ValidationException", m)
}

/// 3–255 characters: letters, digits, `_`, `-`, `.`.
fn name_is_valid(ctx: &RuleCtx) -> Result<(), ProviderError> {
    let Some(name) = str_attr(ctx.obj, "name") else {
        return Ok(());
    };
    let ok = (3..=255).contains(&name.len())
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "_-.".contains(c));
    if ok {
        Ok(())
    } else {
        Err(invalid(format!(
            "1 validation error detected: Value '{name}' at 'tableName' failed to satisfy constraint: Member must satisfy regular expression pattern: [a-zA-Z0-9_.-]+ and have length between 3 and 255"
        )))
    }
}

/// The attribute definitions are exactly the key attributes (the simulator has no
/// secondary indexes), each of type S, N or B; hash and range key differ.
fn keys_are_defined_attributes(ctx: &RuleCtx) -> Result<(), ProviderError> {
    let obj = ctx.obj;
    let attrs = attr(obj, "attribute");
    if attrs.contains_unknown() {
        return Ok(());
    }
    let mut defined = BTreeSet::new();
    for a in attrs.as_seq().unwrap_or(&[]) {
        let (Some(name), Some(t)) = (str_attr(a, "name"), str_attr(a, "type")) else {
            continue;
        };
        if !["S", "N", "B"].contains(&t) {
            return Err(invalid(format!(
                "1 validation error detected: Value '{t}' at 'attributeDefinitions.{name}.attributeType' failed to satisfy constraint: Member must satisfy enum value set: [B, N, S]"
            )));
        }
        defined.insert(name);
    }
    let mut keys = BTreeSet::new();
    for k in ["hash_key", "range_key"] {
        if attr(obj, k).is_unknown() {
            return Ok(());
        }
        if let Some(name) = str_attr(obj, k) {
            if !keys.insert(name) {
                return Err(invalid(format!(
                    "Invalid KeySchema: Some index key attribute have no definition or appear twice: {name} is both hash_key and range_key"
                )));
            }
        }
    }
    if let Some(missing) = keys.iter().find(|k| !defined.contains(*k)) {
        return Err(invalid(format!(
            "One or more parameter values were invalid: Some index key attributes are not defined in AttributeDefinitions. Keys: [{}], AttributeDefinitions: [{}] (missing attribute block for {missing})",
            keys.iter().copied().collect::<Vec<_>>().join(", "),
            defined.iter().copied().collect::<Vec<_>>().join(", ")
        )));
    }
    if defined.len() != keys.len() {
        return Err(invalid(format!(
            "One or more parameter values were invalid: Number of attributes in KeySchema does not exactly match number of attributes defined in AttributeDefinitions (unused: {})",
            defined.difference(&keys).copied().collect::<Vec<_>>().join(", ")
        )));
    }
    Ok(())
}

/// PROVISIONED needs read and write capacity of at least 1; PAY_PER_REQUEST takes none.
fn capacity_fits_the_billing_mode(ctx: &RuleCtx) -> Result<(), ProviderError> {
    let obj = ctx.obj;
    if attr(obj, "billing_mode").is_unknown() {
        return Ok(());
    }
    let mode = str_attr(obj, "billing_mode").unwrap_or("PROVISIONED");
    let cap = |k| attr(obj, k);
    match mode {
        "PROVISIONED" => {
            for k in ["read_capacity", "write_capacity"] {
                let v = cap(k);
                if v.is_unknown() {
                    continue;
                }
                match v.as_f64() {
                    Some(n) if n >= 1.0 && n.fract() == 0.0 => {}
                    Some(n) if n != 0.0 => {
                        return Err(invalid(format!(
                            "One or more parameter values were invalid: {k} must be a whole number of at least 1 (got {n})"
                        )))
                    }
                    _ => {
                        return Err(invalid(
                            "One or more parameter values were invalid: ReadCapacityUnits and WriteCapacityUnits must both be specified when BillingMode is PROVISIONED (read_capacity, write_capacity)",
                        ))
                    }
                }
            }
            Ok(())
        }
        "PAY_PER_REQUEST" => {
            let given = ["read_capacity", "write_capacity"]
                .iter()
                .any(|k| cap(k).as_f64().is_some_and(|n| n > 0.0));
            if given {
                return Err(invalid(
                    "One or more parameter values were invalid: Neither ReadCapacityUnits nor WriteCapacityUnits can be specified when BillingMode is PAY_PER_REQUEST",
                ));
            }
            Ok(())
        }
        other => Err(invalid(format!(
            "1 validation error detected: Value '{other}' at 'billingMode' failed to satisfy constraint: Member must satisfy enum value set: [PROVISIONED, PAY_PER_REQUEST]"
        ))),
    }
}

/// An enabled stream needs a view type from DynamoDB's list.
fn stream_is_consistent(ctx: &RuleCtx) -> Result<(), ProviderError> {
    let obj = ctx.obj;
    if attr(obj, "stream_enabled").as_bool() != Some(true) {
        return Ok(());
    }
    const VIEWS: &[&str] = &["KEYS_ONLY", "NEW_IMAGE", "OLD_IMAGE", "NEW_AND_OLD_IMAGES"];
    match str_attr(obj, "stream_view_type") {
        _ if attr(obj, "stream_view_type").is_unknown() => Ok(()),
        Some(v) if VIEWS.contains(&v) => Ok(()),
        v => Err(invalid(format!(
            "One or more parameter values were invalid: StreamViewType must be one of {} when the stream is enabled (got {})",
            VIEWS.join(", "),
            v.unwrap_or("none")
        ))),
    }
}

fn name_is_free(ctx: &RuleCtx) -> Result<(), ProviderError> {
    match str_attr(ctx.obj, "name") {
        Some(name) if ctx.creates_existing(TYPE, name) => Err(api_error(
            "ResourceInUseException",
            format!("Table already exists: {name}"),
        )),
        _ => Ok(()),
    }
}

/// Stream ARN and label for a stream enabled at `now`, empty when disabled.
fn stream(obj: &mut Value, region: &str, now: chrono::NaiveDateTime) {
    let name = str_attr(obj, "name").unwrap_or_default().to_string();
    let (arn_v, label) = if attr(obj, "stream_enabled").as_bool() == Some(true) {
        let label = now.format("%Y-%m-%dT%H:%M:%S%.3f").to_string();
        (
            arn("dynamodb", region, &format!("table/{name}/stream/{label}")),
            label,
        )
    } else {
        (String::new(), String::new())
    };
    set_attr(obj, "stream_arn", Value::string(arn_v));
    set_attr(obj, "stream_label", Value::string(label));
}

fn fill_computed(ctx: &mut CreateCtx) -> Result<(), ProviderError> {
    let name = str_attr(ctx.obj, "name").unwrap_or_default().to_string();
    let region = ctx.world.region().to_string();
    fill(
        ctx.obj,
        "arn",
        Value::string(arn("dynamodb", &region, &format!("table/{name}"))),
    );
    stream(ctx.obj, &region, ctx.now);
    set_attr(ctx.obj, "id", Value::string(name));
    Ok(())
}

/// Enabling a stream creates a new one (new ARN and label); disabling removes it.
fn renew_stream(ctx: &mut crate::registry::UpdateCtx) -> Result<(), ProviderError> {
    let before = attr(ctx.prior, "stream_enabled").as_bool() == Some(true);
    let after = attr(ctx.obj, "stream_enabled").as_bool() == Some(true);
    if before != after {
        let region = ctx.world.region().to_string();
        stream(ctx.obj, &region, ctx.now);
    } else {
        for k in ["stream_arn", "stream_label"] {
            set_attr(ctx.obj, k, attr(ctx.prior, k).clone());
        }
    }
    Ok(())
}
