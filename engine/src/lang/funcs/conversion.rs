//! Type conversion functions and the sensitive-mark functions.

use crate::types::{convert, Type};
use crate::value::{format_number, Value};

use super::args::{f, parse_number, Call, Sees, Spec, Unknowns};
use super::FuncError;

/// Conversions pass null through and convert known parts of partly unknown values.
const CONVERT: Sees = Sees {
    unknown: Unknowns::Nested,
    marks: false,
    null: true,
};
/// The mark functions see the value exactly as given.
const RAW: Sees = Sees {
    unknown: Unknowns::All,
    marks: true,
    null: true,
};

pub(super) const SPECS: &[Spec] = &[
    f("ephemeralasnull", &["value"], RAW, |c| Ok(c.arg(0).clone())),
    f("issensitive", &["value"], RAW, |c| {
        let v = c.arg(0);
        // An unknown value may still turn out to be sensitive.
        Ok(match v {
            Value::Sensitive(_) => Value::Bool(true),
            Value::Unknown => Value::Unknown,
            _ => Value::Bool(false),
        })
    }),
    f("nonsensitive", &["value"], RAW, |c| {
        Ok(c.arg(0).clone().unmark().0)
    }),
    f("sensitive", &["value"], RAW, |c| {
        Ok(c.arg(0).clone().mark())
    }),
    f("tobool", &["v"], CONVERT, |c| match c.arg(0) {
        Value::Null | Value::Bool(_) => Ok(c.arg(0).clone()),
        Value::String(s) if s == "true" => Ok(Value::Bool(true)),
        Value::String(s) if s == "false" => Ok(Value::Bool(false)),
        Value::String(s) => Err(c.err(
            0,
            format!(
                "cannot convert {s:?} to bool; only the strings \"true\" or \"false\" are allowed."
            ),
        )),
        other => Err(c.err(0, format!("cannot convert {} to bool.", other.type_name()))),
    }),
    f("tolist", &["v"], CONVERT, |c| {
        to_type(c, Type::List(Box::new(Type::Any)))
    }),
    f("tomap", &["v"], CONVERT, |c| {
        to_type(c, Type::Map(Box::new(Type::Any)))
    }),
    f("tonumber", &["v"], CONVERT, |c| {
        match c.arg(0) {
        Value::Null | Value::Number(_) => Ok(c.arg(0).clone()),
        Value::String(s) => parse_number(s).map(Value::Number).ok_or_else(|| {
            c.err(
                0,
                format!("cannot convert {s:?} to number; given string must be a decimal representation of a number."),
            )
        }),
        other => Err(c.err(0, format!("cannot convert {} to number.", other.type_name()))),
    }
    }),
    f("toset", &["v"], CONVERT, |c| {
        to_type(c, Type::Set(Box::new(Type::Any)))
    }),
    f("tostring", &["v"], CONVERT, |c| match c.arg(0) {
        Value::Null | Value::String(_) => Ok(c.arg(0).clone()),
        Value::Number(n) => Ok(Value::String(format_number(*n))),
        Value::Bool(b) => Ok(Value::String(b.to_string())),
        other => Err(c.err(
            0,
            format!("cannot convert {} to string.", other.type_name()),
        )),
    }),
];

fn to_type(c: &Call, ty: Type) -> Result<Value, FuncError> {
    let v = c.arg(0).clone();
    if v.is_null() {
        return Ok(v);
    }
    convert(v, &ty).map_err(|e| c.err(0, e.message))
}
