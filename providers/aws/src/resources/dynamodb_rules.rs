//! What `aws_dynamodb_table` judges without calling AWS, under `CreateTable`'s rules: the
//! name, the key attributes and their definitions, capacity against the billing mode, and
//! the stream's view type. Unknown values are not judged.

use std::collections::BTreeSet;

use engine::provider::shape::{attr, str_attr};
use engine::provider::ProviderError;
use engine::value::Value;

/// DynamoDB's stream view types.
pub const VIEWS: &[&str] = &["KEYS_ONLY", "NEW_IMAGE", "OLD_IMAGE", "NEW_AND_OLD_IMAGES"];

fn invalid(message: String) -> ProviderError {
    ProviderError::Api {
        code: "ValidationException".to_string(),
        message: format!("aws_dynamodb_table: {message}"),
    }
}

/// The `attribute` blocks as `(name, type)` pairs (unknown items left out).
pub fn attributes(obj: &Value) -> Vec<(String, String)> {
    attr(obj, "attribute")
        .as_seq()
        .unwrap_or(&[])
        .iter()
        .filter_map(|a| {
            Some((
                str_attr(a, "name")?.to_string(),
                str_attr(a, "type")?.to_string(),
            ))
        })
        .collect()
}

/// Refuses a table `CreateTable` or `UpdateTable` would refuse. `prior` is the state of a
/// table updated in place.
pub fn check(prior: Option<&Value>, planned: &Value) -> Result<(), ProviderError> {
    name_is_valid(planned)?;
    keys_are_defined_attributes(planned)?;
    capacity_fits_the_billing_mode(prior, planned)?;
    stream_is_consistent(planned)
}

/// 3–255 characters: letters, digits, `_`, `-`, `.`.
fn name_is_valid(obj: &Value) -> Result<(), ProviderError> {
    let Some(name) = str_attr(obj, "name") else {
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
            "name {name:?} must be 3 to 255 letters, digits, '_', '-' or '.'"
        )))
    }
}

/// The attribute definitions are exactly the key attributes (the schema has no secondary
/// indexes), each of type S, N or B; hash and range key differ.
fn keys_are_defined_attributes(obj: &Value) -> Result<(), ProviderError> {
    if attr(obj, "attribute").contains_unknown()
        || attr(obj, "hash_key").is_unknown()
        || attr(obj, "range_key").is_unknown()
    {
        return Ok(());
    }
    let mut defined = BTreeSet::new();
    for (name, t) in attributes(obj) {
        if !["S", "N", "B"].contains(&t.as_str()) {
            return Err(invalid(format!(
                "attribute {name} has type {t:?}; DynamoDB key attributes are S (string), N (number) or B (binary)"
            )));
        }
        defined.insert(name);
    }
    let hash = str_attr(obj, "hash_key");
    let range = str_attr(obj, "range_key");
    if hash.is_some() && hash == range {
        return Err(invalid(format!(
            "{} is both hash_key and range_key; the two keys must differ",
            hash.unwrap_or_default()
        )));
    }
    let keys: BTreeSet<String> = hash.into_iter().chain(range).map(str::to_string).collect();
    if let Some(missing) = keys.iter().find(|k| !defined.contains(*k)) {
        return Err(invalid(format!(
            "key {missing} has no attribute block; add attribute {{ name = \"{missing}\" type = \"S\" }} (or N, B)"
        )));
    }
    let unused: Vec<&str> = defined.difference(&keys).map(String::as_str).collect();
    if !unused.is_empty() {
        return Err(invalid(format!(
            "attribute blocks may only define keys, and {} is not one; remove it (DynamoDB stores other attributes without a definition)",
            unused.join(", ")
        )));
    }
    Ok(())
}

/// PROVISIONED needs whole read and write capacities of at least 1; PAY_PER_REQUEST none,
/// except the capacity a PROVISIONED table had, which the plan carries over when the
/// configuration leaves it out.
fn capacity_fits_the_billing_mode(prior: Option<&Value>, obj: &Value) -> Result<(), ProviderError> {
    let Some(mode) = str_attr(obj, "billing_mode") else {
        return Ok(());
    };
    let given = |k: &str| attr(obj, k).as_f64();
    match mode {
        "PROVISIONED" => {
            for k in ["read_capacity", "write_capacity"] {
                match given(k) {
                    Some(n) if n < 1.0 || n.fract() != 0.0 => {
                        return Err(invalid(format!(
                            "{k} must be a whole number of at least 1 with billing_mode PROVISIONED (got {n})"
                        )))
                    }
                    None if attr(obj, k).is_null() => {
                        return Err(invalid(format!(
                            "{k} is required with billing_mode PROVISIONED (or use PAY_PER_REQUEST)"
                        )))
                    }
                    _ => {}
                }
            }
            Ok(())
        }
        "PAY_PER_REQUEST" => {
            match ["read_capacity", "write_capacity"]
                .into_iter()
                .find(|k| {
                    given(k).is_some_and(|n| n > 0.0)
                        && prior.is_none_or(|p| !attr(p, k).semantic_eq(attr(obj, k)))
                })
            {
                Some(k) => Err(invalid(format!(
                    "{k} cannot be set with billing_mode PAY_PER_REQUEST (on-demand tables have no provisioned capacity)"
                ))),
                None => Ok(()),
            }
        }
        other => Err(invalid(format!(
            "billing_mode {other:?} is not PROVISIONED or PAY_PER_REQUEST"
        ))),
    }
}

/// An enabled stream needs a view type from DynamoDB's list.
fn stream_is_consistent(obj: &Value) -> Result<(), ProviderError> {
    if attr(obj, "stream_enabled").as_bool() != Some(true)
        || attr(obj, "stream_view_type").is_unknown()
    {
        return Ok(());
    }
    match str_attr(obj, "stream_view_type") {
        Some(v) if VIEWS.contains(&v) => Ok(()),
        v => Err(invalid(format!(
            "stream_view_type must be one of {} when stream_enabled is true (got {})",
            VIEWS.join(", "),
            v.map_or("none".to_string(), |v| format!("{v:?}"))
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table(extra: serde_json::Value) -> Value {
        let mut j = serde_json::json!({
            "name": "orders",
            "hash_key": "pk",
            "range_key": "sk",
            "billing_mode": "PROVISIONED",
            "read_capacity": 5,
            "write_capacity": 5,
            "attribute": [{"name": "pk", "type": "S"}, {"name": "sk", "type": "N"}],
        });
        if let (Some(m), Some(e)) = (j.as_object_mut(), extra.as_object()) {
            for (k, v) in e {
                m.insert(k.clone(), v.clone());
            }
        }
        Value::from_json(&j)
    }

    fn refused(t: &Value) -> String {
        check(None, t).expect_err("refused").to_string()
    }

    #[test]
    fn a_well_formed_table_passes() {
        check(None, &table(serde_json::json!({}))).unwrap();
        check(
            None,
            &table(serde_json::json!({
                "billing_mode": "PAY_PER_REQUEST", "read_capacity": null, "write_capacity": null,
                "stream_enabled": true, "stream_view_type": "NEW_IMAGE",
            })),
        )
        .unwrap();
    }

    #[test]
    fn keys_must_be_the_defined_attributes() {
        let e = refused(&table(serde_json::json!({"range_key": "created"})));
        assert!(e.contains("key created has no attribute block"), "{e}");
        let e = refused(&table(serde_json::json!({"range_key": null})));
        assert!(e.contains("sk is not one"), "{e}");
        let e = refused(&table(serde_json::json!({"range_key": "pk"})));
        assert!(e.contains("both hash_key and range_key"), "{e}");
        let e = refused(&table(serde_json::json!({
            "attribute": [{"name": "pk", "type": "S"}, {"name": "sk", "type": "BOOL"}],
        })));
        assert!(e.contains("\"BOOL\""), "{e}");
    }

    #[test]
    fn capacity_follows_the_billing_mode() {
        let e = refused(&table(serde_json::json!({"read_capacity": null})));
        assert!(e.contains("read_capacity is required"), "{e}");
        let e = refused(&table(serde_json::json!({"write_capacity": 0})));
        assert!(e.contains("at least 1"), "{e}");
        let e = refused(&table(
            serde_json::json!({"billing_mode": "PAY_PER_REQUEST"}),
        ));
        assert!(
            e.contains("cannot be set with billing_mode PAY_PER_REQUEST"),
            "{e}"
        );
        // Switching to on demand carries the old capacity over in the plan: not refused.
        let prior = table(serde_json::json!({"read_capacity": 10}));
        let switched =
            table(serde_json::json!({"billing_mode": "PAY_PER_REQUEST", "read_capacity": 10}));
        check(Some(&prior), &switched).unwrap();
        let e = refused(&table(serde_json::json!({"billing_mode": "ON_DEMAND"})));
        assert!(e.contains("\"ON_DEMAND\""), "{e}");
        let mut unknown = table(serde_json::json!({}));
        engine::provider::shape::set_attr(&mut unknown, "read_capacity", Value::Unknown);
        check(None, &unknown).unwrap();
    }

    #[test]
    fn an_enabled_stream_needs_a_view_type() {
        let e = refused(&table(serde_json::json!({"stream_enabled": true})));
        assert!(e.contains("stream_view_type must be one of"), "{e}");
        check(None, &table(serde_json::json!({"stream_enabled": false}))).unwrap();
    }

    #[test]
    fn names_follow_dynamodb_rules() {
        let e = refused(&table(serde_json::json!({"name": "a b"})));
        assert!(e.contains("3 to 255"), "{e}");
    }
}
