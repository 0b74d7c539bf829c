//! Type constraints (`list(object({...}))`, `optional()`), and converting values to them.
//!
//! The rules follow Terraform's (cty's `convert` package): a value has a type
//! ([`type_of`]), a type constraint may contain `any`, and [`convert`] first decides
//! from the two types whether a conversion exists at all (if not, the error is a
//! type mismatch message such as `number required, but have bool`), then converts
//! the value, which can still fail on a particular element (`a number is required`).
//! Null and unknown values have no type of their own in galley; they behave like
//! cty's values of the dynamic pseudo-type.

mod constant;
mod convert;
mod defaults;
mod parse;
mod unify;

use std::collections::BTreeMap;
use std::fmt;

use crate::value::Value;

pub use constant::{constant_value, ConstantError, ConstantErrorKind};
pub use convert::{convert, ConvertError, PathStep};
pub use parse::{parse_type, TypeExprError};
pub use unify::{unify, unify_types};

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

impl ObjectAttr {
    /// A required attribute of type `ty`.
    pub fn required(ty: Type) -> ObjectAttr {
        ObjectAttr {
            ty,
            optional: false,
            default: None,
        }
    }

    /// An `optional(ty)` attribute without a default.
    pub fn optional(ty: Type) -> ObjectAttr {
        ObjectAttr {
            ty,
            optional: true,
            default: None,
        }
    }
}

impl Type {
    /// `list(elem)`.
    pub fn list(elem: Type) -> Type {
        Type::List(Box::new(elem))
    }

    /// `set(elem)`.
    pub fn set(elem: Type) -> Type {
        Type::Set(Box::new(elem))
    }

    /// `map(elem)`.
    pub fn map(elem: Type) -> Type {
        Type::Map(Box::new(elem))
    }

    /// An object type whose attributes are all required.
    pub fn object<K: Into<String>>(attrs: impl IntoIterator<Item = (K, Type)>) -> Type {
        Type::Object(
            attrs
                .into_iter()
                .map(|(k, t)| (k.into(), ObjectAttr::required(t)))
                .collect(),
        )
    }

    /// True for `bool`, `number` and `string`.
    pub fn is_primitive(&self) -> bool {
        matches!(self, Type::Bool | Type::Number | Type::String)
    }

    /// True for `list`, `set` and `map`.
    pub fn is_collection(&self) -> bool {
        matches!(self, Type::List(_) | Type::Set(_) | Type::Map(_))
    }

    /// The element type of a list, set or map.
    pub fn element(&self) -> Option<&Type> {
        match self {
            Type::List(t) | Type::Set(t) | Type::Map(t) => Some(t),
            _ => None,
        }
    }

    /// True if `any` appears anywhere in this type.
    pub fn has_any(&self) -> bool {
        match self {
            Type::Any => true,
            Type::Bool | Type::Number | Type::String => false,
            Type::List(t) | Type::Set(t) | Type::Map(t) => t.has_any(),
            Type::Tuple(ts) => ts.iter().any(Type::has_any),
            Type::Object(attrs) => attrs.values().any(|a| a.ty.has_any()),
        }
    }

    /// True if an `optional(T, default)` appears anywhere in this type.
    pub fn has_defaults(&self) -> bool {
        match self {
            Type::Any | Type::Bool | Type::Number | Type::String => false,
            Type::List(t) | Type::Set(t) | Type::Map(t) => t.has_defaults(),
            Type::Tuple(ts) => ts.iter().any(Type::has_defaults),
            Type::Object(attrs) => attrs
                .values()
                .any(|a| a.default.is_some() || a.ty.has_defaults()),
        }
    }

    /// The same type with every attribute required and no defaults: the type a
    /// converted value actually has.
    pub fn without_optional_deep(&self) -> Type {
        match self {
            Type::Any | Type::Bool | Type::Number | Type::String => self.clone(),
            Type::List(t) => Type::list(t.without_optional_deep()),
            Type::Set(t) => Type::set(t.without_optional_deep()),
            Type::Map(t) => Type::map(t.without_optional_deep()),
            Type::Tuple(ts) => Type::Tuple(ts.iter().map(Type::without_optional_deep).collect()),
            Type::Object(attrs) => Type::Object(
                attrs
                    .iter()
                    .map(|(k, a)| {
                        (
                            k.clone(),
                            ObjectAttr::required(a.ty.without_optional_deep()),
                        )
                    })
                    .collect(),
            ),
        }
    }

    /// Terraform's short English name for a value of this type, as in
    /// `but have tuple`: `list of string`, `object`, `dynamic`.
    pub fn friendly_name(&self) -> String {
        self.friendly(false)
    }

    /// Terraform's short English name for this type as a constraint, as in
    /// `list of any single type required`.
    pub fn friendly_name_for_constraint(&self) -> String {
        self.friendly(true)
    }

    fn friendly(&self, constraint: bool) -> String {
        let elem = |t: &Type| {
            if constraint && *t == Type::Any {
                "any single type".to_string()
            } else {
                t.friendly(constraint)
            }
        };
        match self {
            Type::Any if constraint => "any type".to_string(),
            Type::Any => "dynamic".to_string(),
            Type::Bool => "bool".to_string(),
            Type::Number => "number".to_string(),
            Type::String => "string".to_string(),
            Type::List(t) => format!("list of {}", elem(t)),
            Type::Set(t) => format!("set of {}", elem(t)),
            Type::Map(t) => format!("map of {}", elem(t)),
            Type::Tuple(_) => "tuple".to_string(),
            Type::Object(_) => "object".to_string(),
        }
    }
}

/// The type of a value. Null and unknown values, which carry no type in galley, have
/// type [`Type::Any`] (cty's dynamic pseudo-type); the element type of a list, set or
/// map is the one its elements unify to.
pub fn type_of(value: &Value) -> Type {
    match value {
        Value::Null | Value::Unknown => Type::Any,
        Value::Bool(_) => Type::Bool,
        Value::Number(_) => Type::Number,
        Value::String(_) => Type::String,
        Value::List(items) => Type::list(element_type(items.iter())),
        Value::Set(items) => Type::set(element_type(items.iter())),
        Value::Map(items) => Type::map(element_type(items.values())),
        Value::Tuple(items) => Type::Tuple(items.iter().map(type_of).collect()),
        Value::Object(attrs) => Type::Object(
            attrs
                .iter()
                .map(|(k, v)| (k.clone(), ObjectAttr::required(type_of(v))))
                .collect(),
        ),
        Value::Sensitive(v) => type_of(v),
    }
}

/// The element type of a collection value: what its elements unify to, so that a
/// null element (dynamic) does not hide the others' type.
fn element_type<'a>(items: impl Iterator<Item = &'a Value>) -> Type {
    let types: Vec<Type> = items.map(type_of).collect();
    match types.first() {
        None => Type::Any,
        Some(first) if types.iter().all(|t| t == first) => first.clone(),
        Some(first) => unify_types(&types).unwrap_or_else(|| first.clone()),
    }
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
                    match (&a.default, a.optional) {
                        (Some(d), _) => write!(f, "{k} = optional({}, {d})", a.ty)?,
                        (None, true) => write!(f, "{k} = optional({})", a.ty)?,
                        (None, false) => write!(f, "{k} = {}", a.ty)?,
                    }
                }
                f.write_str("})")
            }
        }
    }
}

#[cfg(test)]
#[path = "tests.rs"]
mod convert_tests;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn type_of_values_follows_cty() {
        let cases = [
            (Value::Null, "any"),
            (Value::Number(1.0), "number"),
            (
                Value::Tuple(vec![Value::string("a"), Value::Number(1.0)]),
                "tuple([string, number])",
            ),
            (
                Value::List(vec![Value::Null, Value::string("a")]),
                "list(string)",
            ),
            (Value::List(vec![]), "list(any)"),
            (
                Value::object([("b", Value::Bool(true)), ("a", Value::Null)]),
                "object({a = any, b = bool})",
            ),
            (Value::string("s").mark(), "string"),
        ];
        for (value, want) in cases {
            assert_eq!(type_of(&value).to_string(), want, "{value:?}");
        }
    }

    #[test]
    fn friendly_names_match_terraform_messages() {
        let t = Type::list(Type::Any);
        assert_eq!(t.friendly_name(), "list of dynamic");
        assert_eq!(t.friendly_name_for_constraint(), "list of any single type");
        assert_eq!(Type::map(Type::String).friendly_name(), "map of string");
        assert_eq!(Type::Tuple(vec![]).friendly_name(), "tuple");
    }
}
