//! Parsing a variable's `type = ...` expression into a [`Type`], with Terraform's
//! error messages (`typeexpr.TypeConstraintWithDefaults` plus the legacy forms
//! Terraform's variable decoder handles: bare `list`/`map`, quoted types).

use std::collections::BTreeMap;
use std::ops::Range;

use hcl_edit::expr::{Expression, FuncCall, ObjectKey};
use hcl_edit::Span as _;

use super::{constant_value, convert, ObjectAttr, Type};

const INVALID_TYPE: &str = "Invalid type specification";

/// Why a type expression is not a valid type constraint.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{summary}: {detail}")]
pub struct TypeExprError {
    /// Terraform's diagnostic summary, usually `Invalid type specification`.
    pub summary: String,
    /// What is wrong, in Terraform's words.
    pub detail: String,
    /// Byte range of the offending part of the parsed text.
    pub span: Option<Range<usize>>,
}

impl TypeExprError {
    fn new(detail: impl Into<String>, span: Option<Range<usize>>) -> TypeExprError {
        TypeExprError::with_summary(INVALID_TYPE, detail, span)
    }

    fn with_summary(
        summary: &str,
        detail: impl Into<String>,
        span: Option<Range<usize>>,
    ) -> TypeExprError {
        TypeExprError {
            summary: summary.to_string(),
            detail: detail.into(),
            span,
        }
    }
}

/// Parses a variable's type constraint: `bool`, `number`, `string`, `any`, `list(T)`,
/// `set(T)`, `map(T)`, `tuple([...])`, `object({a = T, b = optional(T, default)})`,
/// and bare `list` / `map` meaning `list(any)` / `map(any)` as Terraform accepts.
pub fn parse_type(expr: &Expression) -> Result<Type, TypeExprError> {
    if let Expression::String(s) = expr {
        return Err(quoted_type(s.value(), expr.span()));
    }
    // Pre-0.12 shorthands, accepted only for the whole constraint.
    match keyword(expr) {
        Some("list") => return Ok(Type::list(Type::Any)),
        Some("map") => return Ok(Type::map(Type::Any)),
        _ => {}
    }
    type_expr(expr)
}

fn quoted_type(text: &str, span: Option<Range<usize>>) -> TypeExprError {
    const OLD: &str = "Terraform 0.11 and earlier required type constraints to be given in quotes, but that form is now deprecated and will be removed in a future version of Terraform.";
    let summary = "Invalid quoted type constraints";
    match text {
        "string" => TypeExprError::with_summary(
            summary,
            format!("{OLD} Remove the quotes around \"string\"."),
            span,
        ),
        "list" | "map" => TypeExprError::with_summary(
            summary,
            format!(
                "{OLD} Remove the quotes around \"{text}\" and write {text}(string) instead to explicitly indicate that the {text} elements are strings."
            ),
            span,
        ),
        _ => TypeExprError::with_summary(
            "Invalid legacy variable type hint",
            "To provide a full type expression, remove the surrounding quotes and give the type expression directly.",
            span,
        ),
    }
}

/// The word an expression consists of, as HCL's `ExprAsKeyword`.
fn keyword(expr: &Expression) -> Option<&str> {
    match expr {
        Expression::Variable(v) => Some(v.value().as_str()),
        Expression::Null(_) => Some("null"),
        Expression::Bool(b) => Some(if *b.value() { "true" } else { "false" }),
        _ => None,
    }
}

fn type_expr(expr: &Expression) -> Result<Type, TypeExprError> {
    if let Some(kw) = keyword(expr) {
        let detail = match kw {
            "bool" => return Ok(Type::Bool),
            "string" => return Ok(Type::String),
            "number" => return Ok(Type::Number),
            "any" => return Ok(Type::Any),
            "list" | "map" | "set" => format!(
                "The {kw} type constructor requires one argument specifying the element type."
            ),
            "object" => OBJECT_ARG.to_string(),
            "tuple" => TUPLE_ARG.to_string(),
            _ => format!("The keyword \"{kw}\" is not a valid type specification."),
        };
        return Err(TypeExprError::new(detail, expr.span()));
    }
    let Expression::FuncCall(call) = expr else {
        return Err(TypeExprError::new(
            "A type specification is either a primitive type keyword (bool, number, string) or a complex type constructor call, like list(string).",
            expr.span(),
        ));
    };
    if call.name.is_namespaced() {
        // `provider::p::list(...)` is a function call, never a type constructor.
        let full: Vec<&str> = call
            .name
            .namespace
            .iter()
            .map(|n| n.value().as_str())
            .chain(std::iter::once(call.name.name.value().as_str()))
            .collect();
        return Err(TypeExprError::new(
            format!(
                "Keyword \"{}\" is not a valid type constructor.",
                full.join("::")
            ),
            expr.span(),
        ));
    }
    let name = call.name.name.value().as_str();
    let args: Vec<&Expression> = call.args.iter().collect();
    match name {
        "bool" | "string" | "number" => {
            return Err(TypeExprError::new(
                format!("Primitive type keyword \"{name}\" does not expect arguments."),
                args_span(call),
            ))
        }
        "any" => {
            return Err(TypeExprError::new(
                format!("Type constraint keyword \"{name}\" does not expect arguments."),
                args_span(call),
            ))
        }
        "optional" => {
            return Err(TypeExprError::new(
                format!(
                    "Keyword \"{name}\" is valid only as a modifier for object type attributes."
                ),
                call.name.name.span(),
            ))
        }
        "list" | "set" | "map" | "object" | "tuple" if args.len() != 1 => {
            let detail = match name {
                "object" => OBJECT_ARG.to_string(),
                "tuple" => TUPLE_ARG.to_string(),
                _ => format!(
                    "The {name} type constructor requires one argument specifying the element type."
                ),
            };
            return Err(TypeExprError::new(detail, extra_args_span(call, &args)));
        }
        _ => {}
    }
    match (name, args.first()) {
        ("list", Some(arg)) => Ok(Type::list(type_expr(arg)?)),
        ("set", Some(arg)) => Ok(Type::set(type_expr(arg)?)),
        ("map", Some(arg)) => Ok(Type::map(type_expr(arg)?)),
        ("object", Some(arg)) => object_type(arg),
        ("tuple", Some(arg)) => {
            let Expression::Array(items) = arg else {
                return Err(TypeExprError::new(
                    "Tuple type constructor requires a list of element types.",
                    arg.span(),
                ));
            };
            Ok(Type::Tuple(
                items.iter().map(type_expr).collect::<Result<_, _>>()?,
            ))
        }
        _ => Err(TypeExprError::new(
            format!("Keyword \"{name}\" is not a valid type constructor."),
            expr.span(),
        )),
    }
}

const OBJECT_ARG: &str = "The object type constructor requires one argument specifying the attribute types and values as a map.";
const TUPLE_ARG: &str =
    "The tuple type constructor requires one argument specifying the element types as a list.";

/// The `(...)` of a call; hcl-edit records no span for the argument list itself.
fn args_span(call: &FuncCall) -> Option<Range<usize>> {
    match (call.name.name.span(), call.span()) {
        (Some(name), Some(all)) => Some(name.end..all.end),
        _ => call.span(),
    }
}

/// The arguments after the first when there are too many, else the whole argument list.
fn extra_args_span(call: &FuncCall, args: &[&Expression]) -> Option<Range<usize>> {
    match (
        args.get(1).and_then(|a| a.span()),
        args.last().and_then(|a| a.span()),
    ) {
        (Some(first), Some(last)) => Some(first.start..last.end),
        _ => args_span(call),
    }
}

fn object_type(arg: &Expression) -> Result<Type, TypeExprError> {
    let Expression::Object(obj) = arg else {
        return Err(TypeExprError::new(
            "Object type constructor requires a map whose keys are attribute names and whose values are the corresponding attribute types.",
            arg.span(),
        ));
    };
    let mut attrs = BTreeMap::new();
    for (key, value) in obj.iter() {
        let name = match key {
            ObjectKey::Ident(ident) => ident.value().to_string(),
            ObjectKey::Expression(Expression::Variable(v)) => v.value().to_string(),
            ObjectKey::Expression(e) => {
                return Err(TypeExprError::new(
                    "Object constructor map keys must be attribute names.",
                    e.span(),
                ))
            }
        };
        if attrs.contains_key(&name) {
            return Err(TypeExprError::new(
                "Object constructor map keys must be unique.",
                key.span(),
            ));
        }
        let attr = object_attr(value.expr())?;
        attrs.insert(name, attr);
    }
    Ok(Type::Object(attrs))
}

fn object_attr(expr: &Expression) -> Result<ObjectAttr, TypeExprError> {
    let call = match expr {
        Expression::FuncCall(call) if call.name.name.value().as_str() == "optional" => call,
        _ => return Ok(ObjectAttr::required(type_expr(expr)?)),
    };
    let args: Vec<&Expression> = call.args.iter().collect();
    let (ty_expr, default_expr) = match args.as_slice() {
        [] => {
            return Err(TypeExprError::new(
                "Optional attribute modifier requires the attribute type as its argument.",
                args_span(call),
            ))
        }
        [ty] => (*ty, None),
        [ty, default] => (*ty, Some(*default)),
        _ => {
            return Err(TypeExprError::new(
                "Optional attribute modifier expects at most two arguments: the attribute type, and a default value.",
                args_span(call),
            ))
        }
    };
    let ty = type_expr(ty_expr)?;
    let default = match default_expr {
        None => None,
        Some(e) => {
            let value = constant_value(e).map_err(|err| {
                TypeExprError::with_summary(&err.summary, err.detail, err.span.or(e.span()))
            })?;
            let value = convert(value, &ty).map_err(|err| {
                TypeExprError::with_summary(
                    "Invalid default value for optional attribute",
                    format!(
                        "This default value is not compatible with the attribute's type constraint: {}.",
                        err.message
                    ),
                    e.span(),
                )
            })?;
            Some(value)
        }
    };
    Ok(ObjectAttr {
        ty,
        optional: true,
        default,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::value::Value;

    fn parse(src: &str) -> Result<Type, TypeExprError> {
        let expr = hcl_edit::parser::parse_expr(src).expect("test input parses as HCL");
        parse_type(&expr)
    }

    #[test]
    fn valid_type_expressions_table() {
        let cases = [
            ("bool", "bool"),
            ("number", "number"),
            ("string", "string"),
            ("any", "any"),
            ("list(string)", "list(string)"),
            ("set(number)", "set(number)"),
            ("map(any)", "map(any)"),
            ("list", "list(any)"),
            ("map", "map(any)"),
            ("list(list(number))", "list(list(number))"),
            ("tuple([string, number])", "tuple([string, number])"),
            ("tuple([])", "tuple([])"),
            ("object({})", "object({})"),
            (
                "object({b = string, a = optional(number)})",
                "object({a = optional(number), b = string})",
            ),
            (
                "object({a = optional(number, \"5\")})",
                "object({a = optional(number, 5)})",
            ),
            (
                "map(object({tags = optional(map(string), {})}))",
                "map(object({tags = optional(map(string), {})}))",
            ),
        ];
        for (src, want) in cases {
            let got = parse(src).unwrap_or_else(|e| panic!("{src}: {e}"));
            assert_eq!(got.to_string(), want, "{src}");
        }
    }

    #[test]
    fn invalid_type_expressions_table() {
        // (source, detail, span) with the details terraform 1.15 prints.
        let cases = [
            (
                "set",
                "The set type constructor requires one argument specifying the element type.",
                0..3,
            ),
            (
                "list(map)",
                "The map type constructor requires one argument specifying the element type.",
                5..8,
            ),
            ("foo", "The keyword \"foo\" is not a valid type specification.", 0..3),
            ("true", "The keyword \"true\" is not a valid type specification.", 0..4),
            ("foo(string)", "Keyword \"foo\" is not a valid type constructor.", 0..11),
            (
                "provider::p::list(string)",
                "Keyword \"provider::p::list\" is not a valid type constructor.",
                0..25,
            ),
            ("string()", "Primitive type keyword \"string\" does not expect arguments.", 6..8),
            (
                "optional(string)",
                "Keyword \"optional\" is valid only as a modifier for object type attributes.",
                0..8,
            ),
            (
                "list(string, number)",
                "The list type constructor requires one argument specifying the element type.",
                13..19,
            ),
            ("tuple(string)", "Tuple type constructor requires a list of element types.", 6..12),
            (
                "object([])",
                "Object type constructor requires a map whose keys are attribute names and whose values are the corresponding attribute types.",
                7..9,
            ),
            (
                "object({\"a\" = string})",
                "Object constructor map keys must be attribute names.",
                8..11,
            ),
            (
                "object({a = optional()})",
                "Optional attribute modifier requires the attribute type as its argument.",
                20..22,
            ),
            (
                "object({a = optional(string, \"x\", 1)})",
                "Optional attribute modifier expects at most two arguments: the attribute type, and a default value.",
                20..36,
            ),
            (
                "1 + 1",
                "A type specification is either a primitive type keyword (bool, number, string) or a complex type constructor call, like list(string).",
                0..5,
            ),
        ];
        for (src, detail, span) in cases {
            let err = parse(src).expect_err(src);
            assert_eq!(err.summary, INVALID_TYPE, "{src}");
            assert_eq!(err.detail, detail, "{src}");
            assert_eq!(err.span, Some(span), "{src}");
        }
    }

    #[test]
    fn optional_default_must_fit_the_attribute_type() {
        let err = parse("object({a = optional(number, \"x\")})").unwrap_err();
        assert_eq!(err.summary, "Invalid default value for optional attribute");
        assert_eq!(
            err.detail,
            "This default value is not compatible with the attribute's type constraint: a number is required."
        );
        assert_eq!(err.span, Some(29..32));
    }

    #[test]
    fn optional_default_may_not_reference_anything() {
        let err = parse("object({a = optional(string, var.x)})").unwrap_err();
        assert_eq!(err.summary, "Variables not allowed");
    }

    #[test]
    fn optional_default_is_converted_to_the_attribute_type() {
        let Type::Object(attrs) = parse("object({a = optional(list(string), [1])})").unwrap()
        else {
            panic!("not an object");
        };
        assert_eq!(
            attrs["a"].default,
            Some(Value::List(vec![Value::string("1")]))
        );
    }

    #[test]
    fn quoted_types_get_terraforms_legacy_errors() {
        let err = parse("\"list\"").unwrap_err();
        assert_eq!(err.summary, "Invalid quoted type constraints");
        assert!(err.detail.ends_with("write list(string) instead to explicitly indicate that the list elements are strings."), "{}", err.detail);
        let err = parse("\"number\"").unwrap_err();
        assert_eq!(err.summary, "Invalid legacy variable type hint");
    }
}
