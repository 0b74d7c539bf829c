//! The value model: what expressions evaluate to, with unknowns and sensitive marks.
//!
//! Values follow Terraform's (cty's) model closely enough that functions and type
//! conversions behave the same: lists, sets and maps are homogeneous collections;
//! tuples and objects are structural. Two values are special:
//!
//! - [`Value::Unknown`] is a value that will only be known after apply. Every
//!   operation that receives one returns one instead of failing.
//! - [`Value::Sensitive`] wraps a value that must never be printed. Operations
//!   unwrap their operands, compute, and wrap the result again if any operand
//!   was sensitive (see [`Value::unmark_deep`] and [`Value::mark_if`]).

use std::collections::BTreeMap;
use std::fmt;

/// A map from attribute or key name to value, ordered by key as in Terraform.
pub type ValueMap = BTreeMap<String, Value>;

/// A dynamically typed configuration value.
#[derive(Debug, Clone, PartialEq, Default)]
pub enum Value {
    /// The absence of a value.
    #[default]
    Null,
    /// `true` or `false`.
    Bool(bool),
    /// A number. Terraform uses arbitrary precision; galley uses f64, which holds every
    /// integer up to 2^53 exactly and is what JSON state can carry anyway.
    Number(f64),
    /// A Unicode string.
    String(String),
    /// A homogeneous ordered collection (`list(T)`).
    List(Vec<Value>),
    /// A homogeneous unordered collection without duplicates (`set(T)`), kept sorted.
    Set(Vec<Value>),
    /// A structural sequence (`tuple([...])`), what `[a, b]` evaluates to.
    Tuple(Vec<Value>),
    /// A homogeneous collection keyed by string (`map(T)`).
    Map(ValueMap),
    /// A structural record (`object({...})`), what `{a = 1}` evaluates to.
    Object(ValueMap),
    /// A value known only after apply.
    Unknown,
    /// A value marked sensitive; printed as `(sensitive value)`.
    Sensitive(Box<Value>),
}

impl Value {
    /// Builds a string value.
    pub fn string(s: impl Into<String>) -> Value {
        Value::String(s.into())
    }

    /// Builds an object from `(key, value)` pairs.
    pub fn object<K: Into<String>>(pairs: impl IntoIterator<Item = (K, Value)>) -> Value {
        Value::Object(pairs.into_iter().map(|(k, v)| (k.into(), v)).collect())
    }

    /// Builds a set, sorting and removing duplicates.
    pub fn set(mut items: Vec<Value>) -> Value {
        items.sort_by(compare_for_set);
        items.dedup();
        Value::Set(items)
    }

    /// True for [`Value::Null`] (also under a sensitive mark).
    pub fn is_null(&self) -> bool {
        match self {
            Value::Null => true,
            Value::Sensitive(v) => v.is_null(),
            _ => false,
        }
    }

    /// True if this value is unknown at its top level (also under a sensitive mark).
    pub fn is_unknown(&self) -> bool {
        match self {
            Value::Unknown => true,
            Value::Sensitive(v) => v.is_unknown(),
            _ => false,
        }
    }

    /// True if this value or anything inside it is unknown.
    pub fn contains_unknown(&self) -> bool {
        match self {
            Value::Unknown => true,
            Value::Sensitive(v) => v.contains_unknown(),
            Value::List(v) | Value::Set(v) | Value::Tuple(v) => {
                v.iter().any(Value::contains_unknown)
            }
            Value::Map(m) | Value::Object(m) => m.values().any(Value::contains_unknown),
            _ => false,
        }
    }

    /// True if this value is marked sensitive at its top level.
    pub fn is_sensitive(&self) -> bool {
        matches!(self, Value::Sensitive(_))
    }

    /// True if this value or anything inside it is marked sensitive.
    pub fn contains_sensitive(&self) -> bool {
        match self {
            Value::Sensitive(_) => true,
            Value::List(v) | Value::Set(v) | Value::Tuple(v) => {
                v.iter().any(Value::contains_sensitive)
            }
            Value::Map(m) | Value::Object(m) => m.values().any(Value::contains_sensitive),
            _ => false,
        }
    }

    /// Removes a top-level sensitive mark, returning the inner value and whether it was marked.
    pub fn unmark(self) -> (Value, bool) {
        match self {
            Value::Sensitive(v) => (v.unmark().0, true),
            v => (v, false),
        }
    }

    /// Borrows through a top-level sensitive mark.
    pub fn unmarked(&self) -> &Value {
        match self {
            Value::Sensitive(v) => v.unmarked(),
            v => v,
        }
    }

    /// Removes every sensitive mark inside this value, returning whether any was found.
    pub fn unmark_deep(self) -> (Value, bool) {
        match self {
            Value::Sensitive(v) => (v.unmark_deep().0, true),
            Value::List(v) => map_seq(v, Value::List),
            Value::Set(v) => map_seq(v, Value::Set),
            Value::Tuple(v) => map_seq(v, Value::Tuple),
            Value::Map(m) => map_map(m, Value::Map),
            Value::Object(m) => map_map(m, Value::Object),
            v => (v, false),
        }
    }

    /// Marks this value sensitive (idempotent).
    pub fn mark(self) -> Value {
        match self {
            v @ Value::Sensitive(_) => v,
            v => Value::Sensitive(Box::new(v)),
        }
    }

    /// Marks this value sensitive when `cond` holds.
    pub fn mark_if(self, cond: bool) -> Value {
        if cond {
            self.mark()
        } else {
            self
        }
    }

    /// The Terraform name of this value's type, for error messages.
    pub fn type_name(&self) -> &'static str {
        match self {
            Value::Null => "null",
            Value::Bool(_) => "bool",
            Value::Number(_) => "number",
            Value::String(_) => "string",
            Value::List(_) => "list",
            Value::Set(_) => "set",
            Value::Tuple(_) => "tuple",
            Value::Map(_) => "map",
            Value::Object(_) => "object",
            Value::Unknown => "unknown",
            Value::Sensitive(v) => v.type_name(),
        }
    }

    /// The elements of a list, set or tuple.
    pub fn as_seq(&self) -> Option<&[Value]> {
        match self.unmarked() {
            Value::List(v) | Value::Set(v) | Value::Tuple(v) => Some(v),
            _ => None,
        }
    }

    /// The entries of a map or object.
    pub fn as_map(&self) -> Option<&ValueMap> {
        match self.unmarked() {
            Value::Map(m) | Value::Object(m) => Some(m),
            _ => None,
        }
    }

    /// The string content, if this is a string.
    pub fn as_str(&self) -> Option<&str> {
        match self.unmarked() {
            Value::String(s) => Some(s),
            _ => None,
        }
    }

    /// The number, if this is a number.
    pub fn as_f64(&self) -> Option<f64> {
        match self.unmarked() {
            Value::Number(n) => Some(*n),
            _ => None,
        }
    }

    /// The boolean, if this is a bool.
    pub fn as_bool(&self) -> Option<bool> {
        match self.unmarked() {
            Value::Bool(b) => Some(*b),
            _ => None,
        }
    }

    /// Looks up an attribute of an object or a key of a map.
    pub fn get_attr(&self, name: &str) -> Option<&Value> {
        self.as_map().and_then(|m| m.get(name))
    }

    /// Equality that ignores the list/tuple, map/object distinction and sensitive
    /// marks: what a diff means by "unchanged".
    pub fn semantic_eq(&self, other: &Value) -> bool {
        match (self.unmarked(), other.unmarked()) {
            (Value::Number(a), Value::Number(b)) => a == b,
            (a, b) => match (a.as_seq(), b.as_seq()) {
                (Some(x), Some(y)) => {
                    x.len() == y.len() && x.iter().zip(y).all(|(p, q)| p.semantic_eq(q))
                }
                _ => match (a.as_map(), b.as_map()) {
                    (Some(x), Some(y)) => {
                        x.len() == y.len()
                            && x.iter()
                                .zip(y)
                                .all(|((k1, v1), (k2, v2))| k1 == k2 && v1.semantic_eq(v2))
                    }
                    _ => a == b,
                },
            },
        }
    }

    /// Converts to JSON; unknowns become null and sensitive marks are dropped.
    pub fn to_json(&self) -> serde_json::Value {
        use serde_json::Value as J;
        match self {
            Value::Null | Value::Unknown => J::Null,
            Value::Bool(b) => J::Bool(*b),
            Value::Number(n) => number_to_json(*n),
            Value::String(s) => J::String(s.clone()),
            Value::List(v) | Value::Set(v) | Value::Tuple(v) => {
                J::Array(v.iter().map(Value::to_json).collect())
            }
            Value::Map(m) | Value::Object(m) => {
                J::Object(m.iter().map(|(k, v)| (k.clone(), v.to_json())).collect())
            }
            Value::Sensitive(v) => v.to_json(),
        }
    }

    /// Converts from JSON: arrays become tuples and objects become objects, as
    /// `jsondecode` does.
    pub fn from_json(j: &serde_json::Value) -> Value {
        use serde_json::Value as J;
        match j {
            J::Null => Value::Null,
            J::Bool(b) => Value::Bool(*b),
            J::Number(n) => Value::Number(n.as_f64().unwrap_or(f64::NAN)),
            J::String(s) => Value::String(s.clone()),
            J::Array(a) => Value::Tuple(a.iter().map(Value::from_json).collect()),
            J::Object(o) => Value::Object(
                o.iter()
                    .map(|(k, v)| (k.clone(), Value::from_json(v)))
                    .collect(),
            ),
        }
    }
}

fn map_seq(items: Vec<Value>, wrap: fn(Vec<Value>) -> Value) -> (Value, bool) {
    let mut any = false;
    let items = items
        .into_iter()
        .map(|v| {
            let (v, m) = v.unmark_deep();
            any |= m;
            v
        })
        .collect();
    (wrap(items), any)
}

fn map_map(items: ValueMap, wrap: fn(ValueMap) -> Value) -> (Value, bool) {
    let mut any = false;
    let items = items
        .into_iter()
        .map(|(k, v)| {
            let (v, m) = v.unmark_deep();
            any |= m;
            (k, v)
        })
        .collect();
    (wrap(items), any)
}

/// Formats a number as Terraform prints it: integers without a fraction, others
/// in their shortest round-trip form.
pub fn format_number(n: f64) -> String {
    if n.is_finite() && n.fract() == 0.0 && n.abs() < 1e21 {
        format!("{}", n as i128)
    } else if n.is_nan() {
        "NaN".to_string()
    } else if n.is_infinite() {
        if n > 0.0 { "+Inf" } else { "-Inf" }.to_string()
    } else {
        format!("{n}")
    }
}

fn number_to_json(n: f64) -> serde_json::Value {
    if n.is_finite() && n.fract() == 0.0 && n.abs() < 9.007_199_254_740_992e15 {
        serde_json::Value::from(n as i64)
    } else {
        serde_json::Number::from_f64(n)
            .map(serde_json::Value::Number)
            .unwrap_or(serde_json::Value::Null)
    }
}

/// Orders values inside a set: numbers numerically, strings lexically, then by kind.
pub fn compare_for_set(a: &Value, b: &Value) -> std::cmp::Ordering {
    use std::cmp::Ordering;
    match (a.unmarked(), b.unmarked()) {
        (Value::Number(x), Value::Number(y)) => x.partial_cmp(y).unwrap_or(Ordering::Equal),
        (Value::String(x), Value::String(y)) => x.cmp(y),
        (Value::Bool(x), Value::Bool(y)) => x.cmp(y),
        (x, y) => {
            let rank = |v: &Value| match v {
                Value::Null => 0,
                Value::Bool(_) => 1,
                Value::Number(_) => 2,
                Value::String(_) => 3,
                Value::Unknown => 9,
                _ => 5,
            };
            rank(x)
                .cmp(&rank(y))
                .then_with(|| x.to_json().to_string().cmp(&y.to_json().to_string()))
        }
    }
}

impl fmt::Display for Value {
    /// Renders the value in HCL syntax as `galley plan` shows it.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Value::Null => f.write_str("null"),
            Value::Bool(b) => write!(f, "{b}"),
            Value::Number(n) => f.write_str(&format_number(*n)),
            Value::String(s) => write!(f, "{}", quote_string(s)),
            Value::List(v) | Value::Set(v) | Value::Tuple(v) => {
                f.write_str("[")?;
                for (i, item) in v.iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    write!(f, "{item}")?;
                }
                f.write_str("]")
            }
            Value::Map(m) | Value::Object(m) => {
                f.write_str("{")?;
                for (i, (k, v)) in m.iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    write!(f, "{} = {v}", quote_key(k))?;
                }
                f.write_str("}")
            }
            Value::Unknown => f.write_str("(known after apply)"),
            Value::Sensitive(_) => f.write_str("(sensitive value)"),
        }
    }
}

/// Quotes a string in HCL syntax, escaping what HCL needs escaped.
pub fn quote_string(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// Prints an object key bare when it is an identifier, quoted otherwise.
pub fn quote_key(k: &str) -> String {
    let ident = !k.is_empty()
        && k.chars()
            .next()
            .is_some_and(|c| c.is_alphabetic() || c == '_')
        && k.chars()
            .all(|c| c.is_alphanumeric() || c == '_' || c == '-');
    if ident {
        k.to_string()
    } else {
        quote_string(k)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unmark_deep_finds_nested_marks() {
        let v = Value::Tuple(vec![Value::string("a"), Value::string("b").mark()]);
        let (plain, marked) = v.unmark_deep();
        assert!(marked);
        assert_eq!(
            plain,
            Value::Tuple(vec![Value::string("a"), Value::string("b")])
        );
    }

    #[test]
    fn numbers_print_like_terraform() {
        assert_eq!(format_number(3.0), "3");
        assert_eq!(format_number(-0.5), "-0.5");
        assert_eq!(format_number(1e20), "100000000000000000000");
    }

    #[test]
    fn semantic_eq_ignores_tuple_list_and_marks() {
        let a = Value::List(vec![Value::Number(1.0)]);
        let b = Value::Tuple(vec![Value::Number(1.0).mark()]);
        assert!(a.semantic_eq(&b));
        assert!(!a.semantic_eq(&Value::Tuple(vec![])));
    }

    #[test]
    fn sets_are_sorted_and_unique() {
        let s = Value::set(vec![
            Value::string("b"),
            Value::string("a"),
            Value::string("b"),
        ]);
        assert_eq!(s, Value::Set(vec![Value::string("a"), Value::string("b")]));
    }
}
