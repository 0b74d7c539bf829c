//! Type constraints (`list(object({...}))`, `optional()`), and converting values to them.

use std::collections::BTreeMap;
use std::fmt;

/// A Terraform type constraint.
#[derive(Debug, Clone, PartialEq)]
pub enum Type {
    /// `any`: accepts every value unchanged.
    Any,
    /// `bool`.
    Bool,
    /// `number`.
    Number,
    /// `string`.
    String,
    /// `list(T)`.
    List(Box<Type>),
    /// `set(T)`.
    Set(Box<Type>),
    /// `map(T)`.
    Map(Box<Type>),
    /// `tuple([T, ...])`.
    Tuple(Vec<Type>),
    /// `object({name = T, ...})`, attributes sorted by name.
    Object(BTreeMap<String, ObjectAttr>),
}

/// One attribute of an object type constraint.
#[derive(Debug, Clone, PartialEq)]
pub struct ObjectAttr {
    /// The attribute's type.
    pub ty: Type,
    /// Declared with `optional(T)`: may be omitted.
    pub optional: bool,
    /// The default from `optional(T, default)`, used when omitted or null.
    pub default: Option<crate::value::Value>,
}

impl fmt::Display for Type {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Type::Any => f.write_str("any"),
            Type::Bool => f.write_str("bool"),
            Type::Number => f.write_str("number"),
            Type::String => f.write_str("string"),
            Type::List(t) => write!(f, "list({t})"),
            Type::Set(t) => write!(f, "set({t})"),
            Type::Map(t) => write!(f, "map({t})"),
            Type::Tuple(ts) => {
                f.write_str("tuple([")?;
                for (i, t) in ts.iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    write!(f, "{t}")?;
                }
                f.write_str("])")
            }
            Type::Object(attrs) => {
                f.write_str("object({")?;
                for (i, (k, a)) in attrs.iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    if a.optional {
                        write!(f, "{k} = optional({})", a.ty)?;
                    } else {
                        write!(f, "{k} = {}", a.ty)?;
                    }
                }
                f.write_str("})")
            }
        }
    }
}

/// Why a value does not fit a type constraint.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{message}")]
pub struct ConvertError {
    /// Where inside the value, e.g. `["servers", "0", "name"]`; empty for the value itself.
    pub path: Vec<String>,
    /// What is wrong, in Terraform's words, e.g. `a number is required`.
    pub message: String,
}

/// Converts a value to a type constraint as Terraform does (strings to numbers, tuples to
/// lists, objects to maps, `any` elements unified to one type, `optional()` defaults
/// filled in). Unknown and sensitive values convert to themselves, keeping their marks.
pub fn convert(value: crate::value::Value, ty: &Type) -> Result<crate::value::Value, ConvertError> {
    // Placeholder until the conversion rules land: accepts everything unchanged.
    let _ = ty;
    Ok(value)
}

/// A type expression that is not a valid type constraint.
#[derive(Debug, Clone, PartialEq)]
pub struct TypeExprError {
    /// Byte range of the offending part.
    pub span: Option<std::ops::Range<usize>>,
    /// What is wrong.
    pub message: String,
}

/// Parses a `type = ...` expression. Placeholder until the type parser lands.
pub fn parse_type(expr: &hcl_edit::expr::Expression) -> Result<Type, TypeExprError> {
    let _ = expr;
    Ok(Type::Any)
}
