//! Writes and reads [`Value`]s as JSON directly through serde, without building a
//! `serde_json::Value` tree on the way (which costs an allocation and a hash per key,
//! and dominated the time to encode or decode a large state).
//!
//! The mapping is the one of [`Value::to_json`] and [`Value::from_json`]: unknowns
//! become null, sensitive marks are dropped, arrays read back as tuples and objects as
//! objects.

use std::fmt;

use serde::de::{self, Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
use serde::ser::{Serialize, SerializeMap, SerializeSeq, Serializer};

use crate::value::{Value, ValueMap};

/// Largest magnitude below which every integer is exact in an f64 (2^53).
const EXACT_INT_LIMIT: f64 = 9_007_199_254_740_992.0;

/// Serializes the borrowed value as JSON.
pub struct AsJson<'a>(pub &'a Value);

impl Serialize for AsJson<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self.0 {
            Value::Null | Value::Unknown => s.serialize_unit(),
            Value::Bool(b) => s.serialize_bool(*b),
            // Integers print without a fraction, as Terraform writes them.
            Value::Number(n) if n.is_finite() && n.fract() == 0.0 && n.abs() < EXACT_INT_LIMIT => {
                s.serialize_i64(*n as i64)
            }
            Value::Number(n) if n.is_finite() => s.serialize_f64(*n),
            Value::Number(_) => s.serialize_unit(),
            Value::String(v) => s.serialize_str(v),
            Value::List(items) | Value::Set(items) | Value::Tuple(items) => {
                let mut seq = s.serialize_seq(Some(items.len()))?;
                for item in items {
                    seq.serialize_element(&AsJson(item))?;
                }
                seq.end()
            }
            Value::Map(m) | Value::Object(m) => {
                let mut map = s.serialize_map(Some(m.len()))?;
                for (k, v) in m {
                    map.serialize_entry(k, &AsJson(v))?;
                }
                map.end()
            }
            Value::Sensitive(v) => AsJson(v).serialize(s),
        }
    }
}

/// Deserializes JSON into an owned value.
pub struct FromJson(pub Value);

impl<'de> Deserialize<'de> for FromJson {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<FromJson, D::Error> {
        d.deserialize_any(ValueVisitor).map(FromJson)
    }
}

impl Default for FromJson {
    fn default() -> FromJson {
        FromJson(Value::Null)
    }
}

struct ValueVisitor;

impl<'de> Visitor<'de> for ValueVisitor {
    type Value = Value;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value")
    }

    fn visit_bool<E: de::Error>(self, b: bool) -> Result<Value, E> {
        Ok(Value::Bool(b))
    }

    fn visit_i64<E: de::Error>(self, n: i64) -> Result<Value, E> {
        Ok(Value::Number(n as f64))
    }

    fn visit_u64<E: de::Error>(self, n: u64) -> Result<Value, E> {
        Ok(Value::Number(n as f64))
    }

    fn visit_f64<E: de::Error>(self, n: f64) -> Result<Value, E> {
        Ok(Value::Number(n))
    }

    fn visit_str<E: de::Error>(self, s: &str) -> Result<Value, E> {
        Ok(Value::String(s.to_string()))
    }

    fn visit_string<E: de::Error>(self, s: String) -> Result<Value, E> {
        Ok(Value::String(s))
    }

    fn visit_unit<E: de::Error>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }

    fn visit_none<E: de::Error>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }

    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Value, D::Error> {
        d.deserialize_any(ValueVisitor)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let mut items = Vec::with_capacity(seq.size_hint().unwrap_or(0));
        while let Some(FromJson(v)) = seq.next_element()? {
            items.push(v);
        }
        Ok(Value::Tuple(items))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        let mut m = ValueMap::new();
        while let Some((k, FromJson(v))) = map.next_entry::<String, FromJson>()? {
            m.insert(k, v);
        }
        Ok(Value::Object(m))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn direct_serde_agrees_with_to_json_and_from_json() {
        let v = Value::object([
            ("i", Value::Number(3.0)),
            ("f", Value::Number(-0.25)),
            ("big", Value::Number(1e300)),
            ("nan", Value::Number(f64::NAN)),
            ("s", Value::string("x\"y")),
            (
                "l",
                Value::List(vec![Value::Bool(true), Value::Null, Value::Unknown]),
            ),
            (
                "m",
                Value::Map([("k".to_string(), Value::string("v").mark())].into()),
            ),
        ]);
        let direct = serde_json::to_string(&AsJson(&v)).unwrap();
        assert_eq!(direct, v.to_json().to_string());
        let FromJson(back) = serde_json::from_str(&direct).unwrap();
        assert_eq!(back, Value::from_json(&v.to_json()));
    }
}
