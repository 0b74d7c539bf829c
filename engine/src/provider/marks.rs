//! Sensitive marks on what providers return. Providers see and answer plain values; the
//! engine marks their answers again: the attributes their schema declares sensitive, and
//! whatever the configuration marked (a sensitive variable in an argument).

use super::Schema;
use crate::value::{Value, ValueMap};

/// `v` with every attribute `schema` declares sensitive marked, in nested blocks too.
pub fn mark_schema(schema: &Schema, v: Value) -> Value {
    let (inner, marked) = v.unmark();
    let Value::Object(mut m) = inner else {
        return inner.mark_if(marked);
    };
    for (name, a) in &schema.attributes {
        if a.sensitive {
            if let Some(x) = m.get_mut(name) {
                if !x.is_null() {
                    *x = std::mem::take(x).mark();
                }
            }
        }
    }
    for (name, b) in &schema.blocks {
        if let Some(x) = m.get_mut(name) {
            *x = mark_blocks(&b.schema, std::mem::take(x));
        }
    }
    Value::Object(m).mark_if(marked)
}

/// A provider's answer for a resource configured as `config`, marked again: the paths
/// `config` marks, what `schema` declares sensitive, and every string that repeats a
/// sensitive string of `config` ([`mark_echoes`]).
pub fn remark(schema: &Schema, config: &Value, v: Value) -> Value {
    if !config.contains_sensitive() {
        return mark_schema(schema, v);
    }
    mark_schema(schema, mark_echoes(config, carry_marks(config, v)))
}

/// Sensitive strings shorter than this are not searched for in other values: marking every
/// `"1"` or `"true"` would hide more than it protects.
pub const MIN_ECHO: usize = 6;

/// `v` with every string that contains a sensitive string of `config` marked: a provider
/// that echoes a secret into another attribute (`terraform_data`'s `output`, a connection
/// string it builds) does not reveal it there.
pub fn mark_echoes(config: &Value, v: Value) -> Value {
    let mut secrets = Vec::new();
    sensitive_strings(config, false, &mut secrets);
    secrets.retain(|s| s.chars().count() >= MIN_ECHO);
    if secrets.is_empty() {
        return v;
    }
    mark_containing(&secrets, v)
}

fn sensitive_strings(v: &Value, marked: bool, out: &mut Vec<String>) {
    match v {
        Value::Sensitive(inner) => sensitive_strings(inner, true, out),
        Value::String(s) if marked => out.push(s.to_string()),
        Value::List(xs) | Value::Set(xs) | Value::Tuple(xs) => {
            xs.iter().for_each(|x| sensitive_strings(x, marked, out))
        }
        Value::Map(m) | Value::Object(m) => {
            m.values().for_each(|x| sensitive_strings(x, marked, out))
        }
        _ => {}
    }
}

fn mark_containing(secrets: &[String], v: Value) -> Value {
    match v {
        Value::String(s) if secrets.iter().any(|x| s.contains(x.as_str())) => {
            Value::String(s).mark()
        }
        Value::List(xs) => Value::List(
            xs.into_iter()
                .map(|x| mark_containing(secrets, x))
                .collect(),
        ),
        Value::Set(xs) => Value::Set(
            xs.into_iter()
                .map(|x| mark_containing(secrets, x))
                .collect(),
        ),
        Value::Tuple(xs) => Value::Tuple(
            xs.into_iter()
                .map(|x| mark_containing(secrets, x))
                .collect(),
        ),
        Value::Map(m) => Value::Map(
            m.into_iter()
                .map(|(k, x)| (k, mark_containing(secrets, x)))
                .collect(),
        ),
        Value::Object(m) => Value::Object(
            m.into_iter()
                .map(|(k, x)| (k, mark_containing(secrets, x)))
                .collect(),
        ),
        other => other,
    }
}

/// `v`, an object of resource type `type_name` as `provider` returned it, with what its
/// schema declares sensitive marked (for reads with no configuration: import, recovery).
pub fn mark_resource(provider: &dyn super::Provider, type_name: &str, v: Value) -> Value {
    match provider.schema().resources.get(type_name) {
        Some(schema) => mark_schema(schema, v),
        None => v,
    }
}

/// A block's value: one object or a collection of them.
fn mark_blocks(schema: &Schema, v: Value) -> Value {
    let (inner, marked) = v.unmark();
    let out = match inner {
        Value::List(items) => Value::List(map_items(schema, items)),
        Value::Set(items) => Value::Set(map_items(schema, items)),
        Value::Tuple(items) => Value::Tuple(map_items(schema, items)),
        Value::Map(m) => Value::Map(map_values(schema, m)),
        o @ Value::Object(_) => mark_schema(schema, o),
        other => other,
    };
    out.mark_if(marked)
}

fn map_items(schema: &Schema, items: Vec<Value>) -> Vec<Value> {
    items.into_iter().map(|i| mark_schema(schema, i)).collect()
}

fn map_values(schema: &Schema, m: ValueMap) -> ValueMap {
    m.into_iter()
        .map(|(k, v)| (k, mark_schema(schema, v)))
        .collect()
}

/// `to` with the marks of `from` at the same paths (keys and list indexes; a set that
/// holds any mark is marked whole, its order being the values'). Paths `to` lacks are
/// skipped.
pub fn carry_marks(from: &Value, to: Value) -> Value {
    if !from.contains_sensitive() {
        return to;
    }
    if let Value::Sensitive(inner) = from {
        return carry_marks(inner, to).mark();
    }
    let (to, marked) = to.unmark();
    let out = match (from, to) {
        (Value::Object(f) | Value::Map(f), Value::Object(mut t)) => {
            carry_into(f, &mut t);
            Value::Object(t)
        }
        (Value::Object(f) | Value::Map(f), Value::Map(mut t)) => {
            carry_into(f, &mut t);
            Value::Map(t)
        }
        (Value::List(f) | Value::Tuple(f), Value::List(t)) => Value::List(carry_seq(f, t)),
        (Value::List(f) | Value::Tuple(f), Value::Tuple(t)) => Value::Tuple(carry_seq(f, t)),
        // Set elements have no stable position, and anything else is a changed shape:
        // keep the mark on the whole value.
        (_, t) => t.mark(),
    };
    out.mark_if(marked)
}

fn carry_into(from: &ValueMap, to: &mut ValueMap) {
    for (k, f) in from {
        if let Some(t) = to.get_mut(k) {
            *t = carry_marks(f, std::mem::take(t));
        }
    }
}

fn carry_seq(from: &[Value], to: Vec<Value>) -> Vec<Value> {
    to.into_iter()
        .enumerate()
        .map(|(i, t)| match from.get(i) {
            Some(f) => carry_marks(f, t),
            None => t,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::provider::{Attribute, NestedBlock, Nesting};
    use crate::types::Type;

    fn s(x: &str) -> Value {
        Value::string(x)
    }

    #[test]
    fn schema_sensitive_attributes_are_marked_also_in_blocks() {
        let inner = Schema::default().attr("token", Attribute::optional(Type::String).sensitive());
        let schema = Schema::default()
            .attr("password", Attribute::optional(Type::String).sensitive())
            .attr("name", Attribute::optional(Type::String))
            .block(
                "auth",
                NestedBlock {
                    nesting: Nesting::List,
                    min_items: 0,
                    max_items: 0,
                    force_new: false,
                    schema: inner,
                },
            );
        let v = Value::object([
            ("password", s("pw")),
            ("name", s("n")),
            (
                "auth",
                Value::List(vec![Value::object([("token", s("t"))])]),
            ),
        ]);
        let marked = mark_schema(&schema, v);
        assert!(marked.get_attr("password").is_some_and(Value::is_sensitive));
        assert!(!marked.get_attr("name").is_some_and(Value::is_sensitive));
        assert!(marked
            .get_attr("auth")
            .is_some_and(Value::contains_sensitive));
    }

    #[test]
    fn strings_that_repeat_a_secret_are_marked() {
        let config = Value::object([("input", s("hunter22").mark()), ("short", s("abc").mark())]);
        let v = Value::object([
            ("input", s("hunter22")),
            ("output", s("postgres://app:hunter22@db")),
            ("name", s("abc-cluster")),
            ("id", s("x")),
        ]);
        let out = remark(&Schema::default(), &config, v);
        assert!(out.get_attr("input").is_some_and(Value::is_sensitive));
        assert!(out.get_attr("output").is_some_and(Value::is_sensitive));
        assert!(
            !out.get_attr("name").is_some_and(Value::contains_sensitive),
            "secrets shorter than MIN_ECHO are not searched for"
        );
        assert!(!out.get_attr("id").is_some_and(Value::contains_sensitive));
    }

    #[test]
    fn marks_carry_over_by_path() {
        let from = Value::object([
            ("input", s("x").mark()),
            ("list", Value::List(vec![s("a"), s("b").mark()])),
            ("plain", s("p")),
        ]);
        let to = Value::object([
            ("input", s("x")),
            ("list", Value::List(vec![s("a"), s("b")])),
            ("plain", s("p")),
            ("id", s("i")),
        ]);
        let out = carry_marks(&from, to);
        assert!(out.get_attr("input").is_some_and(Value::is_sensitive));
        assert!(!out.get_attr("plain").is_some_and(Value::contains_sensitive));
        assert!(!out.get_attr("id").is_some_and(Value::contains_sensitive));
        let list = out.get_attr("list").and_then(Value::as_seq).unwrap_or(&[]);
        assert!(!list[0].is_sensitive() && list[1].is_sensitive());
    }
}
