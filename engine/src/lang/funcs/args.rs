//! Function specs and the argument conversions every function shares.

use crate::value::{format_number, Value, ValueMap};

use super::{FuncContext, FuncError};

/// How much of unknown arguments a function wants to see.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Unknowns {
    /// Any argument that is or contains an unknown makes the result unknown.
    Reject,
    /// Top-level unknown arguments make the result unknown; known collections with
    /// unknown elements reach the function.
    Nested,
    /// The function handles unknowns itself.
    All,
}

/// What the generic call rules leave for the function to handle.
#[derive(Debug, Clone, Copy)]
pub(super) struct Sees {
    pub unknown: Unknowns,
    /// Sensitive marks are passed through rather than removed and reapplied.
    pub marks: bool,
    /// Null arguments reach the function instead of being rejected.
    pub null: bool,
}

/// The default: no unknowns, no marks, no nulls.
pub(super) const PLAIN: Sees = Sees {
    unknown: Unknowns::Reject,
    marks: false,
    null: false,
};
/// Sees known collections with unknown elements.
pub(super) const NESTED: Sees = Sees {
    unknown: Unknowns::Nested,
    marks: false,
    null: false,
};
/// Accepts null arguments.
pub(super) const NULLS: Sees = Sees {
    unknown: Unknowns::Reject,
    marks: false,
    null: true,
};

/// One function: its name, parameters and implementation.
pub(super) struct Spec {
    pub name: &'static str,
    /// Names of the required parameters, for error messages.
    pub params: &'static [&'static str],
    /// Name of the variadic parameter, if any.
    pub variadic: Option<&'static str>,
    pub sees: Sees,
    pub imp: fn(&Call) -> Result<Value, FuncError>,
}

/// Shorthand for a spec without a variadic parameter.
pub(super) const fn f(
    name: &'static str,
    params: &'static [&'static str],
    sees: Sees,
    imp: fn(&Call) -> Result<Value, FuncError>,
) -> Spec {
    Spec {
        name,
        params,
        variadic: None,
        sees,
        imp,
    }
}

/// Shorthand for a spec with a variadic parameter.
pub(super) const fn v(
    name: &'static str,
    params: &'static [&'static str],
    variadic: &'static str,
    sees: Sees,
    imp: fn(&Call) -> Result<Value, FuncError>,
) -> Spec {
    Spec {
        name,
        params,
        variadic: Some(variadic),
        sees,
        imp,
    }
}

impl Spec {
    pub fn check_arity(&self, got: usize) -> Result<(), FuncError> {
        let want = self.params.len();
        if got < want {
            let least = if self.variadic.is_some() {
                "at least "
            } else {
                ""
            };
            return Err(FuncError::Arity(format!(
                "Function {:?} expects {least}{want} argument(s). Missing value for {:?}.",
                self.name, self.params[got]
            )));
        }
        if got > want && self.variadic.is_none() {
            return Err(FuncError::Arity(format!(
                "Function {:?} expects only {want} argument(s).",
                self.name
            )));
        }
        Ok(())
    }

    pub fn param(&self, index: usize) -> &'static str {
        self.params
            .get(index)
            .copied()
            .or(self.variadic)
            .unwrap_or("argument")
    }

    pub fn arg_error(&self, index: usize, msg: impl std::fmt::Display) -> FuncError {
        FuncError::Arg {
            index,
            message: format!("Invalid value for {:?} parameter: {msg}", self.param(index)),
        }
    }
}

/// One call in progress: the prepared arguments and the context.
pub(super) struct Call<'a, 'c> {
    pub spec: &'static Spec,
    pub args: Vec<Value>,
    pub ctx: &'a FuncContext<'c>,
}

/// Builds a [`FuncError::Failed`].
pub(super) fn fail(msg: impl Into<String>) -> FuncError {
    FuncError::Failed(msg.into())
}

impl Call<'_, '_> {
    /// The argument at `i`; arity has been checked, so only optional ones may be absent.
    pub fn arg(&self, i: usize) -> &Value {
        self.args.get(i).unwrap_or(&Value::Null)
    }

    /// An error about argument `i`.
    pub fn err(&self, i: usize, msg: impl std::fmt::Display) -> FuncError {
        self.spec.arg_error(i, msg)
    }

    /// Argument `i` converted to a string as Terraform converts primitives.
    pub fn str(&self, i: usize) -> Result<String, FuncError> {
        to_string(self.arg(i)).map_err(|m| self.err(i, m))
    }

    /// Argument `i` converted to a number.
    pub fn num(&self, i: usize) -> Result<f64, FuncError> {
        to_number(self.arg(i)).map_err(|m| self.err(i, m))
    }

    /// Argument `i` as a whole number; fractions are an error.
    pub fn int(&self, i: usize) -> Result<i64, FuncError> {
        let n = self.num(i)?;
        whole(n).ok_or_else(|| self.err(i, "value must be a whole number."))
    }

    /// Argument `i` as the elements of a list, set or tuple.
    pub fn seq(&self, i: usize) -> Result<&[Value], FuncError> {
        let v = self.arg(i);
        if v.is_null() {
            return Err(self.err(i, "argument must not be null."));
        }
        v.as_seq().ok_or_else(|| {
            self.err(
                i,
                format!(
                    "list of any single type required, but have {}.",
                    v.type_name()
                ),
            )
        })
    }

    /// Argument `i` as a list of strings.
    pub fn strings(&self, i: usize) -> Result<Vec<String>, FuncError> {
        let v = self.arg(i);
        let items = v.as_seq().ok_or_else(|| {
            self.err(
                i,
                format!("list of string required, but have {}.", v.type_name()),
            )
        })?;
        items
            .iter()
            .enumerate()
            .map(|(j, e)| to_string(e).map_err(|m| self.err(i, format!("element {j}: {m}"))))
            .collect()
    }

    /// Argument `i` as the entries of a map or object.
    pub fn map(&self, i: usize) -> Result<&ValueMap, FuncError> {
        let v = self.arg(i);
        v.as_map().ok_or_else(|| {
            self.err(
                i,
                format!(
                    "map of any single type required, but have {}.",
                    v.type_name()
                ),
            )
        })
    }
}

/// Converts a primitive to a string as Terraform does (`5` becomes `"5"`).
pub(super) fn to_string(v: &Value) -> Result<String, String> {
    match v.unmarked() {
        Value::String(s) => Ok(s.clone()),
        Value::Number(n) => Ok(format_number(*n)),
        Value::Bool(b) => Ok(b.to_string()),
        Value::Null => Err("argument must not be null.".into()),
        other => Err(format!("string required, but have {}.", other.type_name())),
    }
}

/// Converts a number or a numeric string to a number.
pub(super) fn to_number(v: &Value) -> Result<f64, String> {
    match v.unmarked() {
        Value::Number(n) => Ok(*n),
        Value::String(s) => parse_number(s).ok_or_else(|| "a number is required.".into()),
        Value::Null => Err("argument must not be null.".into()),
        _ => Err("a number is required.".into()),
    }
}

/// Parses a decimal number as Terraform's string-to-number conversion does.
pub(super) fn parse_number(s: &str) -> Option<f64> {
    let body = s.strip_prefix(['-', '+']).unwrap_or(s);
    // Rust also accepts "inf" and "NaN", which Terraform does not.
    if !body.starts_with(|c: char| c.is_ascii_digit() || c == '.') {
        return None;
    }
    s.parse::<f64>().ok().filter(|n| n.is_finite())
}

/// Converts a bool or the strings `"true"`/`"false"` to a bool.
pub(super) fn to_bool(v: &Value) -> Result<bool, String> {
    match v.unmarked() {
        Value::Bool(b) => Ok(*b),
        Value::String(s) if s == "true" => Ok(true),
        Value::String(s) if s == "false" => Ok(false),
        Value::Null => Err("argument must not be null.".into()),
        _ => Err("bool required.".into()),
    }
}

/// The number as an i64 if it is whole and in range.
pub(super) fn whole(n: f64) -> Option<i64> {
    (n.fract() == 0.0 && n.abs() < 9.2e18).then_some(n as i64)
}

/// True for lists and sets, whose elements share one type; false for tuples.
pub(super) fn is_list_like(v: &Value) -> bool {
    matches!(v.unmarked(), Value::List(_) | Value::Set(_))
}
