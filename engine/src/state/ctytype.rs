//! Terraform's JSON type notation (`"string"`, `["list", "string"]`) for values in state.
//!
//! Outputs are stored with their type, as Terraform does, so that a list stays a list
//! (and prints as `tolist([...])`) after the JSON round trip, which alone would turn it
//! into a tuple.

use serde_json::Value as J;

use crate::value::Value;

/// The JSON type of a value: `"string"`, `["list", T]`, `["object", {...}]`, `"dynamic"` for null.
pub fn type_of(v: &Value) -> J {
    match v {
        Value::Null | Value::Unknown => J::from("dynamic"),
        Value::Bool(_) => J::from("bool"),
        Value::Number(_) => J::from("number"),
        Value::String(_) => J::from("string"),
        Value::List(items) => J::Array(vec!["list".into(), element_type(items.iter())]),
        Value::Set(items) => J::Array(vec!["set".into(), element_type(items.iter())]),
        Value::Map(m) => J::Array(vec!["map".into(), element_type(m.values())]),
        Value::Tuple(items) => J::Array(vec![
            "tuple".into(),
            J::Array(items.iter().map(type_of).collect()),
        ]),
        Value::Object(m) => J::Array(vec![
            "object".into(),
            J::Object(m.iter().map(|(k, v)| (k.clone(), type_of(v))).collect()),
        ]),
        Value::Sensitive(v) => type_of(v),
    }
}

/// Collections are homogeneous, so the first non-null element speaks for all of them.
fn element_type<'a>(mut items: impl Iterator<Item = &'a Value>) -> J {
    items
        .find(|v| !v.is_null())
        .map(type_of)
        .unwrap_or_else(|| J::from("dynamic"))
}

/// Gives a value read back from JSON (tuples and objects only) the collection kinds its
/// recorded type names. Parts that do not fit the type are left as they are.
pub fn retype(v: Value, ty: &J) -> Value {
    let J::Array(parts) = ty else {
        return v;
    };
    match (parts.first().and_then(J::as_str), parts.get(1), v) {
        (Some("list"), Some(t), Value::Tuple(items)) => {
            Value::List(items.into_iter().map(|i| retype(i, t)).collect())
        }
        (Some("set"), Some(t), Value::Tuple(items)) => {
            Value::Set(items.into_iter().map(|i| retype(i, t)).collect())
        }
        (Some("map"), Some(t), Value::Object(m)) => {
            Value::Map(m.into_iter().map(|(k, i)| (k, retype(i, t))).collect())
        }
        (Some("tuple"), Some(J::Array(ts)), Value::Tuple(items)) => Value::Tuple(
            items
                .into_iter()
                .enumerate()
                .map(|(n, i)| match ts.get(n) {
                    Some(t) => retype(i, t),
                    None => i,
                })
                .collect(),
        ),
        (Some("object"), Some(J::Object(ts)), Value::Object(m)) => Value::Object(
            m.into_iter()
                .map(|(k, i)| {
                    let i = match ts.get(&k) {
                        Some(t) => retype(i, t),
                        None => i,
                    };
                    (k, i)
                })
                .collect(),
        ),
        (_, _, v) => v,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn types_are_written_in_terraform_notation() {
        let v = Value::object([
            ("l", Value::List(vec![Value::string("a")])),
            (
                "t",
                Value::Tuple(vec![Value::Number(1.0), Value::Bool(true)]),
            ),
            ("m", Value::Map([("k".to_string(), Value::Null)].into())),
        ]);
        assert_eq!(
            type_of(&v),
            json!(["object", {"l": ["list", "string"], "m": ["map", "dynamic"], "t": ["tuple", ["number", "bool"]]}])
        );
    }

    #[test]
    fn retype_restores_collection_kinds_after_json() {
        let v = Value::object([
            ("l", Value::List(vec![Value::string("a")])),
            ("s", Value::Set(vec![Value::string("a")])),
            (
                "m",
                Value::Map([("k".to_string(), Value::Number(1.0))].into()),
            ),
        ]);
        let back = retype(Value::from_json(&v.to_json()), &type_of(&v));
        assert_eq!(back, v);
    }

    #[test]
    fn retype_leaves_mismatched_shapes_alone() {
        let v = Value::string("x");
        assert_eq!(retype(v.clone(), &json!(["list", "string"])), v);
    }
}
