//! Conforming values to a schema: the right collection kinds, every attribute present.
//!
//! Values reach a provider from HCL (tuples, objects) and from JSON (state, the
//! simulator's world files, API answers); the schema says which are lists, sets and maps.
//! Conforming is lenient: a value that does not fit is passed through for the provider's
//! rules to judge.

use super::{Nesting, Schema};
use crate::types::Type;
use crate::value::{format_number, Value, ValueMap};

/// Converts `v` to the collection kinds and primitive types `ty` names, where it can.
pub fn conform(v: Value, ty: &Type) -> Value {
    let v = v.unmark_deep().0;
    match (ty, v) {
        (_, v @ (Value::Null | Value::Unknown)) => v,
        (Type::Any, v) => v,
        (Type::String, Value::Number(n)) => Value::String(format_number(n)),
        (Type::String, Value::Bool(b)) => Value::String(b.to_string()),
        (Type::Number, Value::String(s)) => match s.trim().parse::<f64>() {
            Ok(n) => Value::Number(n),
            Err(_) => Value::String(s),
        },
        (Type::Bool, Value::String(s)) => match s.as_str() {
            "true" => Value::Bool(true),
            "false" => Value::Bool(false),
            _ => Value::String(s),
        },
        (Type::List(t), Value::List(xs) | Value::Tuple(xs) | Value::Set(xs)) => {
            Value::List(xs.into_iter().map(|x| conform(x, t)).collect())
        }
        (Type::Set(t), Value::List(xs) | Value::Tuple(xs) | Value::Set(xs)) => {
            Value::set(xs.into_iter().map(|x| conform(x, t)).collect())
        }
        (Type::Map(t), Value::Map(m) | Value::Object(m)) => {
            Value::Map(m.into_iter().map(|(k, x)| (k, conform(x, t))).collect())
        }
        (Type::Object(attrs), Value::Map(mut m) | Value::Object(mut m)) => Value::Object(
            attrs
                .iter()
                .map(|(k, a)| (k.clone(), conform(m.remove(k).unwrap_or_default(), &a.ty)))
                .collect(),
        ),
        (Type::Tuple(ts), Value::List(xs) | Value::Tuple(xs)) if ts.len() == xs.len() => {
            Value::Tuple(xs.into_iter().zip(ts).map(|(x, t)| conform(x, t)).collect())
        }
        (_, v) => v,
    }
}

/// Conforms an object to a schema: every attribute and block present (absent ones
/// null, absent list and set blocks empty), keys the schema does not name dropped.
pub fn conform_object(v: Value, schema: &Schema) -> Value {
    let mut m = match v.unmark_deep().0 {
        Value::Object(m) | Value::Map(m) => m,
        other => return other,
    };
    let mut out = ValueMap::new();
    for (name, a) in &schema.attributes {
        out.insert(
            name.clone(),
            conform(m.remove(name).unwrap_or_default(), &a.ty),
        );
    }
    for (name, b) in &schema.blocks {
        let raw = m.remove(name).unwrap_or_default();
        let conformed = match (b.nesting, raw) {
            (_, Value::Unknown) => Value::Unknown,
            (Nesting::Single, v) => conform_object(v, &b.schema),
            (Nesting::List, v) => Value::List(block_items(v, &b.schema)),
            (Nesting::Set, v) => Value::set(block_items(v, &b.schema)),
        };
        out.insert(name.clone(), conformed);
    }
    Value::Object(out)
}

fn block_items(v: Value, schema: &Schema) -> Vec<Value> {
    match v {
        Value::List(xs) | Value::Set(xs) | Value::Tuple(xs) => {
            xs.into_iter().map(|x| conform_object(x, schema)).collect()
        }
        Value::Null => Vec::new(),
        single @ (Value::Object(_) | Value::Map(_)) => vec![conform_object(single, schema)],
        _ => Vec::new(),
    }
}

/// Reads a JSON object (a world file's, an API's) into a value shaped by its schema.
pub fn decode(j: &serde_json::Value, schema: &Schema) -> Value {
    conform_object(Value::from_json(j), schema)
}

/// Every value found at `path`, descending through blocks and collections; used to
/// find the ids an object refers to (`["network", "uuid"]`, `["vpc_security_group_ids"]`).
pub fn values_at<'a>(v: &'a Value, path: &[&str]) -> Vec<&'a Value> {
    match v.unmarked() {
        Value::List(xs) | Value::Set(xs) | Value::Tuple(xs) => {
            xs.iter().flat_map(|x| values_at(x, path)).collect()
        }
        Value::Null | Value::Unknown => Vec::new(),
        other => match path.split_first() {
            None => vec![other],
            Some((head, rest)) => other
                .get_attr(head)
                .map(|x| values_at(x, rest))
                .unwrap_or_default(),
        },
    }
}

/// The known, non-empty string at attribute `name` of an object.
pub fn str_attr<'a>(obj: &'a Value, name: &str) -> Option<&'a str> {
    obj.get_attr(name)
        .and_then(Value::as_str)
        .filter(|s| !s.is_empty())
}

/// The attribute `name` of an object, null when absent.
pub fn attr<'a>(obj: &'a Value, name: &str) -> &'a Value {
    const NULL: Value = Value::Null;
    obj.get_attr(name).unwrap_or(&NULL)
}

/// Sets attribute `name` of an object value (no-op on non-objects).
pub fn set_attr(obj: &mut Value, name: &str, v: Value) {
    if let Value::Object(m) = obj {
        m.insert(name.to_string(), v);
    }
}

/// Sets attribute `name` only where the plan left it unknown: computed attributes the
/// user configured keep the configured value.
pub fn fill(obj: &mut Value, name: &str, v: Value) {
    if let Value::Object(m) = obj {
        let slot = m.entry(name.to_string()).or_default();
        if slot.is_unknown() || slot.is_null() {
            *slot = v;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::provider::{Attribute, NestedBlock};

    fn schema() -> Schema {
        Schema::default()
            .attr(
                "tags",
                Attribute::optional(Type::Map(Box::new(Type::String))),
            )
            .attr(
                "ids",
                Attribute::optional(Type::Set(Box::new(Type::String))),
            )
            .attr("port", Attribute::optional(Type::Number))
            .block(
                "network",
                NestedBlock {
                    nesting: Nesting::List,
                    min_items: 0,
                    max_items: 0,
                    force_new: false,
                    schema: Schema::default().attr("uuid", Attribute::optional(Type::String)),
                },
            )
    }

    #[test]
    fn conform_object_fills_absent_attributes_and_fixes_kinds() {
        let v = Value::object([
            ("tags", Value::object([("a", Value::Number(1.0))])),
            (
                "ids",
                Value::Tuple(vec![Value::string("b"), Value::string("a")]),
            ),
            ("port", Value::string("22")),
            ("junk", Value::Bool(true)),
        ]);
        let got = conform_object(v, &schema());
        let want = Value::object([
            (
                "tags",
                Value::Map([("a".to_string(), Value::string("1"))].into()),
            ),
            (
                "ids",
                Value::Set(vec![Value::string("a"), Value::string("b")]),
            ),
            ("port", Value::Number(22.0)),
            ("network", Value::List(vec![])),
        ]);
        assert_eq!(got, want);
    }

    #[test]
    fn values_at_walks_blocks_and_collections() {
        let v = Value::object([(
            "network",
            Value::List(vec![
                Value::object([("uuid", Value::string("n1"))]),
                Value::object([("uuid", Value::string("n2"))]),
            ]),
        )]);
        let got: Vec<_> = values_at(&v, &["network", "uuid"])
            .into_iter()
            .filter_map(Value::as_str)
            .collect();
        assert_eq!(got, ["n1", "n2"]);
    }
}
