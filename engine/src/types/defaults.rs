//! Filling in `optional(T, default)` defaults before conversion, as Terraform's
//! `typeexpr.Defaults.Apply` does: an omitted or null attribute takes its default, and
//! defaults nested inside collections apply to every element.

use super::Type;
use crate::value::{Value, ValueMap};

/// Applies the defaults declared in `ty` to `value`. Values whose shape does not match
/// the type are left alone; conversion reports those.
pub(super) fn apply(value: Value, ty: &Type) -> Value {
    if !ty.has_defaults() {
        return value;
    }
    match value {
        Value::Sensitive(inner) => apply(*inner, ty).mark(),
        Value::Null | Value::Unknown => value,
        Value::List(items) => Value::List(apply_seq(items, ty)),
        Value::Tuple(items) => Value::Tuple(apply_seq(items, ty)),
        Value::Set(items) => Value::set(apply_seq(items, ty)),
        Value::Map(items) => match ty {
            // Filling in defaults makes an object of a map: the later conversion to
            // the object type would do the same.
            Type::Object(_) => Value::Object(apply_map(items, ty)),
            _ => Value::Map(apply_map(items, ty)),
        },
        Value::Object(items) => Value::Object(apply_map(items, ty)),
        v @ (Value::Bool(_) | Value::Number(_) | Value::String(_)) => v,
    }
}

fn apply_seq(items: Vec<Value>, ty: &Type) -> Vec<Value> {
    items
        .into_iter()
        .enumerate()
        .map(|(i, v)| match ty {
            Type::List(t) | Type::Set(t) => apply(v, t),
            Type::Tuple(ts) => match ts.get(i) {
                Some(t) => apply(v, t),
                None => v,
            },
            _ => v,
        })
        .collect()
}

fn apply_map(items: ValueMap, ty: &Type) -> ValueMap {
    match ty {
        Type::Map(t) => items.into_iter().map(|(k, v)| (k, apply(v, t))).collect(),
        Type::Object(attrs) => {
            let mut out: ValueMap = items
                .into_iter()
                .map(|(k, v)| match attrs.get(&k) {
                    Some(a) => {
                        let v = apply(v, &a.ty);
                        (k, v)
                    }
                    None => (k, v),
                })
                .collect();
            for (name, attr) in attrs {
                let Some(default) = &attr.default else {
                    continue;
                };
                if out.get(name).is_none_or(Value::is_null) {
                    out.insert(name.clone(), apply(default.clone(), &attr.ty));
                }
            }
            out
        }
        _ => items,
    }
}
