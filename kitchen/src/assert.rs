//! Checks `assert` blocks; a failure shows the condition's parts with their values, as
//! `terraform test` does (`output.x is "a"`).

use engine::config::Expr;
use engine::diag::{Diagnostic, SourceMap};
use engine::lang::{Evaluator, Scope};
use engine::value::Value;
use hcl_edit::expr::{BinaryOperator, Expression};
use hcl_edit::visit::Visit;
use hcl_edit::Span as _;

use crate::file::Assert;

/// Checks one assertion: `None` when it holds, else the diagnostic to show.
pub fn check(a: &Assert, scope: &dyn Scope, sources: &SourceMap) -> Option<Diagnostic> {
    let value = match engine::lang::eval(&a.condition, scope) {
        Ok(v) => v,
        Err(d) => return Some(d),
    };
    let failed = match value.unmarked() {
        Value::Bool(true) => return None,
        Value::Bool(false) => "Test assertion failed",
        Value::Unknown => "Unknown condition value",
        other => {
            return Some(
                Diagnostic::error("Invalid condition result")
                    .with_span(a.condition.span())
                    .with_detail(format!(
                        "The condition must be a bool, not {}.",
                        other.type_name()
                    )),
            )
        }
    };
    let message = match engine::lang::eval(&a.error_message, scope) {
        Ok(m) => {
            engine::lang::error_message_text(&m).unwrap_or_else(|| "The assertion failed.".into())
        }
        Err(d) => format!("(the error message could not be evaluated: {})", d.summary),
    };
    let mut detail = String::new();
    for (text, v) in parts(&a.condition, scope, sources) {
        detail.push_str(&format!("  {text} is {}\n", shown(&v)));
    }
    if value.is_unknown() {
        detail.push_str(
            "  The condition depends on values known only after apply; use command = apply.\n",
        );
    }
    detail.push('\n');
    detail.push_str(&message);
    Some(
        Diagnostic::error(failed)
            .with_span(a.condition.span())
            .with_detail(detail),
    )
}

/// A value as a failure shows it; sensitive values stay hidden.
fn shown(v: &Value) -> String {
    if v.contains_sensitive() {
        return "(sensitive value)".into();
    }
    let s = v.to_string();
    if s.chars().count() > 200 {
        let cut: String = s.chars().take(200).collect();
        format!("{cut}…")
    } else {
        s
    }
}

/// The references in a condition and, for a comparison at its top, its two sides:
/// each with its source text and value. Parts that do not evaluate (names bound by a
/// `for`) are left out.
pub fn parts(e: &Expr, scope: &dyn Scope, sources: &SourceMap) -> Vec<(String, Value)> {
    let Some(file) = sources.get(e.file) else {
        return Vec::new();
    };
    let mut exprs: Vec<Expression> = Vec::new();
    if let Expression::BinaryOp(op) = &e.expr {
        if matches!(
            op.operator.value(),
            BinaryOperator::Eq
                | BinaryOperator::NotEq
                | BinaryOperator::Less
                | BinaryOperator::LessEq
                | BinaryOperator::Greater
                | BinaryOperator::GreaterEq
        ) {
            exprs.push(op.lhs_expr.clone());
            exprs.push(op.rhs_expr.clone());
        }
    }
    let mut refs = Refs(Vec::new());
    refs.visit_expr(&e.expr);
    exprs.extend(refs.0);
    let mut out: Vec<(String, Value)> = Vec::new();
    for x in exprs {
        let Some(range) = x.span() else { continue };
        let Some(text) = file.text.get(range) else {
            continue;
        };
        let text = text.trim().to_string();
        if is_literal(&x) || out.iter().any(|(t, _)| *t == text) {
            continue;
        }
        if let Ok(v) = Evaluator::new(scope, e.file).eval(&x) {
            out.push((text, v));
        }
    }
    out
}

fn is_literal(e: &Expression) -> bool {
    matches!(
        e,
        Expression::Null(_) | Expression::Bool(_) | Expression::Number(_) | Expression::String(_)
    )
}

/// Collects the outermost traversals and bare names of an expression.
struct Refs(Vec<Expression>);

impl Visit for Refs {
    fn visit_expr(&mut self, e: &Expression) {
        match e {
            Expression::Traversal(_) | Expression::Variable(_) => self.0.push(e.clone()),
            other => hcl_edit::visit::visit_expr(self, other),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;
    use std::path::PathBuf;

    use crate::scope::{RunValues, TestScope};

    fn check_text(cond: &str) -> Option<Diagnostic> {
        let sources = SourceMap::new();
        let text = format!("{cond}\n\"it failed\"");
        let file = sources.add("t", text.as_str());
        let mut lines = text.lines();
        let expr = |s: &str| Expr {
            file,
            expr: hcl_edit::parser::parse_expr(s).expect("parses"),
        };
        // Re-parse from the registered text so spans point into it.
        let cond_expr = expr(lines.next().expect("line"));
        let a = Assert {
            condition: cond_expr,
            error_message: expr("\"it failed\""),
        };
        let mut values = RunValues::default();
        values.outputs.insert("o".into(), Value::string("abc"));
        values.outputs.insert("n".into(), Value::Number(3.0));
        values.outputs.insert("later".into(), Value::Unknown);
        let vars = BTreeMap::from([("want".to_string(), Value::string("abcd"))]);
        let runs = BTreeMap::new();
        let scope = TestScope {
            vars: &vars,
            runs: &runs,
            values: Some(&values),
            dir: PathBuf::from("."),
        };
        check(&a, &scope, &sources)
    }

    #[test]
    fn a_true_condition_passes() {
        assert!(check_text("output.o == \"abc\" && output.n > 2").is_none());
    }

    #[test]
    fn a_false_condition_shows_each_part_with_its_value_and_the_message() {
        let d = check_text("output.o == var.want").expect("fails");
        assert_eq!(d.summary, "Test assertion failed");
        let detail = d.detail.expect("detail");
        assert!(detail.contains("output.o is \"abc\""), "{detail}");
        assert!(detail.contains("var.want is \"abcd\""), "{detail}");
        assert!(detail.ends_with("it failed"), "{detail}");
    }

    #[test]
    fn function_calls_show_their_value_as_a_side_of_the_comparison() {
        let d = check_text("length(output.o) == 4").expect("fails");
        let detail = d.detail.expect("detail");
        assert!(detail.contains("length(output.o) is 3"), "{detail}");
        assert!(detail.contains("output.o is \"abc\""), "{detail}");
    }

    #[test]
    fn an_unknown_condition_fails_and_says_why() {
        let d = check_text("output.later == \"x\"").expect("fails");
        assert_eq!(d.summary, "Unknown condition value");
    }

    #[test]
    fn a_non_bool_condition_is_an_error() {
        let d = check_text("output.n").expect("fails");
        assert_eq!(d.summary, "Invalid condition result");
    }
}
