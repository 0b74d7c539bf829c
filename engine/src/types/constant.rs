//! Evaluating expressions that may not refer to anything: `.tfvars` values, `-var`
//! strings and `optional()` defaults, which Terraform evaluates without a scope.
//!
//! Literals, `[...]`, `{...}`, templates whose interpolations are themselves constant,
//! heredocs, parentheses, unary and binary operators, conditionals and indexing are
//! allowed; references and function calls are errors with Terraform's wording.

use std::ops::Range;

use hcl_edit::expr::{BinaryOperator, Expression, ObjectKey, TraversalOperator, UnaryOperator};
use hcl_edit::template::{Element, Template};
use hcl_edit::Span as _;

use crate::value::{Value, ValueMap};

/// Why an expression is not a constant value.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{summary}: {detail}")]
pub struct ConstantError {
    /// What kind of problem, for callers that react differently.
    pub kind: ConstantErrorKind,
    /// One line, as Terraform's diagnostic summary: `Variables not allowed`.
    pub summary: String,
    /// The explanation: `Variables may not be used here.`
    pub detail: String,
    /// Byte range of the offending expression in the parsed text.
    pub span: Option<Range<usize>>,
}

/// The kinds of [`ConstantError`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConstantErrorKind {
    /// A reference such as `var.x` or `foo`.
    Variable,
    /// A function call.
    FunctionCall,
    /// A construct not evaluated here (`for` expressions, splats, template directives).
    Unsupported,
    /// An operation on unsuitable values (`"a" * 2`, `[1][5]`).
    Invalid,
}

impl ConstantError {
    fn new(
        kind: ConstantErrorKind,
        summary: &str,
        detail: impl Into<String>,
        span: Option<Range<usize>>,
    ) -> ConstantError {
        ConstantError {
            kind,
            summary: summary.to_string(),
            detail: detail.into(),
            span,
        }
    }

    fn invalid(summary: &str, detail: impl Into<String>, span: Option<Range<usize>>) -> Self {
        ConstantError::new(ConstantErrorKind::Invalid, summary, detail, span)
    }
}

/// Evaluates an expression that must not refer to variables or call functions.
pub fn constant_value(expr: &Expression) -> Result<Value, ConstantError> {
    match expr {
        Expression::Null(_) => Ok(Value::Null),
        Expression::Bool(b) => Ok(Value::Bool(*b.value())),
        Expression::Number(n) => Ok(Value::Number(n.value().as_f64().unwrap_or(f64::NAN))),
        Expression::String(s) => Ok(Value::String(s.value().clone())),
        Expression::Array(items) => Ok(Value::Tuple(
            items.iter().map(constant_value).collect::<Result<_, _>>()?,
        )),
        Expression::Object(obj) => {
            let mut out = ValueMap::new();
            for (key, value) in obj.iter() {
                let name = object_key(key)?;
                out.insert(name, constant_value(value.expr())?);
            }
            Ok(Value::Object(out))
        }
        Expression::StringTemplate(t) => template(t, t.span()),
        Expression::HeredocTemplate(h) => template(&h.template, h.span()),
        Expression::Parenthesis(p) => constant_value(p.inner()),
        Expression::Variable(_) => Err(variables_not_allowed(expr.span())),
        Expression::FuncCall(call) => Err(ConstantError::new(
            ConstantErrorKind::FunctionCall,
            "Function calls not allowed",
            "Functions may not be called here.",
            call.span(),
        )),
        Expression::Traversal(t) => {
            if matches!(t.expr, Expression::Variable(_)) {
                return Err(variables_not_allowed(expr.span()));
            }
            let mut value = constant_value(&t.expr)?;
            for op in &t.operators {
                value = traverse(value, op.value(), op.span())?;
            }
            Ok(value)
        }
        Expression::UnaryOp(op) => {
            let operand = constant_value(&op.expr)?;
            let span = op.span();
            match op.operator.value() {
                UnaryOperator::Neg => Ok(Value::Number(-number_operand(operand, span)?)),
                UnaryOperator::Not => Ok(Value::Bool(!bool_operand(operand, span)?)),
            }
        }
        Expression::BinaryOp(op) => binary(
            *op.operator.value(),
            constant_value(&op.lhs_expr)?,
            constant_value(&op.rhs_expr)?,
            op.span(),
        ),
        Expression::Conditional(c) => {
            let cond = constant_value(&c.cond_expr)?;
            if bool_operand(cond, c.cond_expr.span())? {
                constant_value(&c.true_expr)
            } else {
                constant_value(&c.false_expr)
            }
        }
        Expression::ForExpr(f) => Err(ConstantError::new(
            ConstantErrorKind::Unsupported,
            "Unsupported expression",
            "A for expression cannot be used here; give the value literally.",
            f.span(),
        )),
    }
}

fn variables_not_allowed(span: Option<Range<usize>>) -> ConstantError {
    ConstantError::new(
        ConstantErrorKind::Variable,
        "Variables not allowed",
        "Variables may not be used here.",
        span,
    )
}

fn object_key(key: &ObjectKey) -> Result<String, ConstantError> {
    match key {
        ObjectKey::Ident(ident) => Ok(ident.value().to_string()),
        ObjectKey::Expression(expr) => {
            let value = constant_value(expr)?;
            match super::convert(value, &super::Type::String) {
                Ok(Value::String(s)) => Ok(s),
                _ => Err(ConstantError::invalid(
                    "Invalid object key",
                    "An object key must be a string.",
                    expr.span(),
                )),
            }
        }
    }
}

fn template(t: &Template, span: Option<Range<usize>>) -> Result<Value, ConstantError> {
    let mut out = String::new();
    for element in t.iter() {
        match element {
            Element::Literal(s) => out.push_str(s.value()),
            Element::Interpolation(i) => {
                let value = constant_value(&i.expr)?;
                if value.is_null() {
                    return Err(ConstantError::invalid(
                        "Invalid template interpolation value",
                        "The expression result is null. Cannot include a null value in a string template.",
                        i.expr.span(),
                    ));
                }
                match super::convert(value, &super::Type::String) {
                    Ok(Value::String(s)) => out.push_str(&s),
                    _ => {
                        return Err(ConstantError::invalid(
                            "Invalid template interpolation value",
                            "Cannot include the given value in a string template: string required.",
                            i.expr.span(),
                        ))
                    }
                }
            }
            Element::Directive(d) => {
                return Err(ConstantError::new(
                    ConstantErrorKind::Unsupported,
                    "Unsupported expression",
                    "Template directives cannot be used here; give the value literally.",
                    d.span().or(span),
                ))
            }
        }
    }
    Ok(Value::String(out))
}

fn traverse(
    value: Value,
    op: &TraversalOperator,
    span: Option<Range<usize>>,
) -> Result<Value, ConstantError> {
    let key = match op {
        TraversalOperator::GetAttr(name) => Value::String(name.value().to_string()),
        TraversalOperator::Index(expr) => constant_value(expr)?,
        TraversalOperator::LegacyIndex(i) => Value::Number(*i.value() as f64),
        TraversalOperator::AttrSplat(_) | TraversalOperator::FullSplat(_) => {
            return Err(ConstantError::new(
                ConstantErrorKind::Unsupported,
                "Unsupported expression",
                "A splat expression cannot be used here; give the value literally.",
                span,
            ))
        }
    };
    let invalid = || {
        ConstantError::invalid(
            "Invalid index",
            "The given key does not identify an element in this collection value.",
            span.clone(),
        )
    };
    if let Some(items) = value.as_seq() {
        let i = key
            .as_f64()
            .filter(|n| n.fract() == 0.0 && *n >= 0.0)
            .ok_or_else(invalid)?;
        return items.get(i as usize).cloned().ok_or_else(invalid);
    }
    if let Some(map) = value.as_map() {
        let name = match super::convert(key, &super::Type::String) {
            Ok(Value::String(s)) => s,
            _ => return Err(invalid()),
        };
        return map.get(&name).cloned().ok_or_else(invalid);
    }
    Err(invalid())
}

fn number_operand(value: Value, span: Option<Range<usize>>) -> Result<f64, ConstantError> {
    match super::convert(value, &super::Type::Number) {
        Ok(Value::Number(n)) => Ok(n),
        Ok(_) => Err(ConstantError::invalid(
            "Invalid operand",
            "Unsuitable value for unary operand: a number is required.",
            span,
        )),
        Err(e) => Err(ConstantError::invalid(
            "Invalid operand",
            format!("Unsuitable value for unary operand: {}.", e.message),
            span,
        )),
    }
}

fn bool_operand(value: Value, span: Option<Range<usize>>) -> Result<bool, ConstantError> {
    match super::convert(value, &super::Type::Bool) {
        Ok(Value::Bool(b)) => Ok(b),
        Ok(_) => Err(ConstantError::invalid(
            "Invalid operand",
            "Unsuitable value for operand: a bool is required.",
            span,
        )),
        Err(e) => Err(ConstantError::invalid(
            "Invalid operand",
            format!("Unsuitable value for operand: {}.", e.message),
            span,
        )),
    }
}

fn binary(
    op: BinaryOperator,
    lhs: Value,
    rhs: Value,
    span: Option<Range<usize>>,
) -> Result<Value, ConstantError> {
    use BinaryOperator as B;
    let num = |v: Value, side: &str| match super::convert(v, &super::Type::Number) {
        Ok(Value::Number(n)) => Ok(n),
        other => Err(ConstantError::invalid(
            "Invalid operand",
            format!(
                "Unsuitable value for {side} operand: {}.",
                other
                    .err()
                    .map_or("a number is required".to_string(), |e| e.message)
            ),
            span.clone(),
        )),
    };
    let boolean = |v: Value, side: &str| match super::convert(v, &super::Type::Bool) {
        Ok(Value::Bool(b)) => Ok(b),
        other => Err(ConstantError::invalid(
            "Invalid operand",
            format!(
                "Unsuitable value for {side} operand: {}.",
                other
                    .err()
                    .map_or("a bool is required".to_string(), |e| e.message)
            ),
            span.clone(),
        )),
    };
    Ok(match op {
        B::Eq => Value::Bool(lhs.semantic_eq(&rhs)),
        B::NotEq => Value::Bool(!lhs.semantic_eq(&rhs)),
        B::And => Value::Bool(boolean(lhs, "left")? && boolean(rhs, "right")?),
        B::Or => Value::Bool(boolean(lhs, "left")? || boolean(rhs, "right")?),
        _ => {
            let (a, b) = (num(lhs, "left")?, num(rhs, "right")?);
            match op {
                B::Less => Value::Bool(a < b),
                B::LessEq => Value::Bool(a <= b),
                B::Greater => Value::Bool(a > b),
                B::GreaterEq => Value::Bool(a >= b),
                B::Plus => Value::Number(a + b),
                B::Minus => Value::Number(a - b),
                B::Mul => Value::Number(a * b),
                B::Div | B::Mod if b == 0.0 => {
                    return Err(ConstantError::invalid(
                        "Operation failed",
                        "Error during operation: can't divide by zero.",
                        span,
                    ))
                }
                B::Div => Value::Number(a / b),
                // Terraform's modulo keeps the sign of the dividend, like Rust's `%`.
                _ => Value::Number(a % b),
            }
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn eval(src: &str) -> Result<Value, ConstantError> {
        let expr = hcl_edit::parser::parse_expr(src).expect("test input parses");
        constant_value(&expr)
    }

    #[test]
    fn literals_and_structures_evaluate() {
        let cases = [
            ("1", Value::Number(1.0)),
            ("-1.5", Value::Number(-1.5)),
            ("\"a\"", Value::string("a")),
            ("null", Value::Null),
            (
                "[1, \"a\"]",
                Value::Tuple(vec![Value::Number(1.0), Value::string("a")]),
            ),
            (
                "{a = 1, \"b c\" = true}",
                Value::object([("a", Value::Number(1.0)), ("b c", Value::Bool(true))]),
            ),
            ("\"x${1 + 1}y\"", Value::string("x2y")),
            ("<<-EOT\n  hi\n  EOT", Value::string("hi\n")),
            ("true ? 1 : 2", Value::Number(1.0)),
            ("[10, 20][1]", Value::Number(20.0)),
            ("!false", Value::Bool(true)),
            ("7 % 3", Value::Number(1.0)),
        ];
        for (src, want) in cases {
            assert_eq!(eval(src), Ok(want), "{src}");
        }
    }

    #[test]
    fn references_and_calls_are_rejected_with_spans() {
        let err = eval("[1, var.x]").unwrap_err();
        assert_eq!(err.kind, ConstantErrorKind::Variable);
        assert_eq!(err.summary, "Variables not allowed");
        assert_eq!(err.span, Some(4..9));

        let err = eval("{a = upper(\"x\")}").unwrap_err();
        assert_eq!(err.kind, ConstantErrorKind::FunctionCall);
        assert_eq!(err.detail, "Functions may not be called here.");
        assert_eq!(err.span, Some(5..15));

        assert_eq!(eval("foo").unwrap_err().kind, ConstantErrorKind::Variable);
        assert_eq!(
            eval("\"${foo}\"").unwrap_err().kind,
            ConstantErrorKind::Variable
        );
    }

    #[test]
    fn bad_operands_are_invalid() {
        let err = eval("\"a\" * 2").unwrap_err();
        assert_eq!(err.kind, ConstantErrorKind::Invalid);
        assert!(err.detail.contains("a number is required"), "{err}");
        assert_eq!(eval("1 / 0").unwrap_err().kind, ConstantErrorKind::Invalid);
    }
}
