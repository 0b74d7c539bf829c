//! Evaluator behaviour: operators, references, templates, for expressions, unknowns, marks.

use std::path::{Path, PathBuf};

use super::*;
use crate::config::Expr;
use crate::diag::{Diagnostic, FileId, SourceMap, Span};
use crate::value::Value;

/// A scope with `var.*` from a fixed object.
struct TestScope {
    vars: Value,
    dir: PathBuf,
}

impl Scope for TestScope {
    fn resolve(&self, path: &[String], span: Option<Span>) -> Result<(Value, usize), Diagnostic> {
        match path {
            [root, name, ..] if root == "var" => match self.vars.get_attr(name) {
                Some(v) => Ok((v.clone(), 2)),
                None => {
                    Err(Diagnostic::error("Reference to undeclared input variable").with_span(span))
                }
            },
            _ => Err(
                Diagnostic::error(format!("Reference to unknown name {:?}", path[0]))
                    .with_span(span),
            ),
        }
    }
    fn base_dir(&self) -> &Path {
        &self.dir
    }
    fn root_dir(&self) -> &Path {
        &self.dir
    }
    fn planning(&self) -> bool {
        true
    }
}

fn scope() -> TestScope {
    TestScope {
        vars: Value::object([
            ("name", Value::string("web")),
            ("n", Value::Number(3.0)),
            (
                "list",
                Value::Tuple(vec![Value::string("a"), Value::string("b")]),
            ),
            ("secret", Value::string("hunter2").mark()),
            ("later", Value::Unknown),
            ("tmpl", Value::string("Hello, ${who}!")),
            (
                "objs",
                Value::Tuple(vec![
                    Value::object([("id", Value::string("x")), ("ok", Value::Bool(true))]),
                    Value::object([("id", Value::string("y")), ("ok", Value::Bool(false))]),
                ]),
            ),
            (
                "m",
                Value::object([("k1", Value::Number(1.0)), ("k2", Value::Number(2.0))]),
            ),
        ]),
        dir: PathBuf::from("."),
    }
}

fn ev(src: &str) -> Result<Value, Diagnostic> {
    let e = hcl_edit::parser::parse_expr(src).expect("test expression parses");
    eval(
        &Expr {
            file: FileId(0),
            expr: e,
        },
        &scope(),
    )
}

fn ok(src: &str) -> String {
    ev(src).unwrap_or_else(|d| panic!("{src}: {d}")).to_string()
}

#[test]
fn arithmetic_and_comparison() {
    assert_eq!(ok("1 + 2 * 3"), "7");
    assert_eq!(ok("(1 + 2) * 3"), "9");
    assert_eq!(ok("7 % 4"), "3");
    assert_eq!(ok("\"2\" + 1"), "3");
    assert_eq!(ok("var.n > 2 && !false"), "true");
    assert_eq!(ok("-var.n"), "-3");
    assert_eq!(ok("[1, 2] == [1, 2]"), "true");
    assert_eq!(ok("1 == \"1\""), "false");
}

#[test]
fn references_index_and_splat() {
    assert_eq!(ok("var.list[1]"), "\"b\"");
    assert_eq!(ok("var.objs[*].id"), "[\"x\", \"y\"]");
    assert_eq!(ok("var.objs.*.id"), "[\"x\", \"y\"]");
    assert_eq!(ok("var.m[\"k2\"]"), "2");
    assert_eq!(ok("var.m.k1"), "1");
}

#[test]
fn templates_and_heredocs() {
    assert_eq!(ok("\"${var.name}-${var.n}\""), "\"web-3\"");
    assert_eq!(ok("\"${var.n}\""), "3");
    assert_eq!(
        ok("\"%{ for x in var.list }<${x}>%{ endfor }\""),
        "\"<a><b>\""
    );
    assert_eq!(
        ok("\"%{ if var.n > 1 }many%{ else }one%{ endif }\""),
        "\"many\""
    );
    assert_eq!(
        ok("<<-EOT\n    hello ${var.name}\n    EOT"),
        "\"hello web\\n\""
    );
    assert_eq!(ok("\"a  %{~ if true ~}  b  %{~ endif ~}  c\""), "\"abc\"");
}

#[test]
fn for_expressions() {
    assert_eq!(ok("[for s in var.list : \"${s}!\"]"), "[\"a!\", \"b!\"]");
    assert_eq!(
        ok("{for o in var.objs : o.id => o.ok}"),
        "{x = true, y = false}"
    );
    assert_eq!(ok("[for o in var.objs : o.id if o.ok]"), "[\"x\"]");
    assert_eq!(
        ok("{for k, v in var.m : v => k...}"),
        "{\"1\" = [\"k1\"], \"2\" = [\"k2\"]}"
    );
    let e = ev("{for o in [\"a\", \"a\"] : o => 1}").unwrap_err();
    assert_eq!(e.summary, "Duplicate object key");
}

#[test]
fn unknowns_propagate() {
    assert_eq!(ev("var.later + 1").unwrap(), Value::Unknown);
    assert_eq!(ev("\"x-${var.later}\"").unwrap(), Value::Unknown);
    assert_eq!(ev("var.later ? 1 : 2").unwrap(), Value::Unknown);
    assert_eq!(ev("var.later.attr").unwrap(), Value::Unknown);
    assert_eq!(ev("[for x in var.later : x]").unwrap(), Value::Unknown);
    assert_eq!(ev("false && var.later").unwrap(), Value::Bool(false));
    assert_eq!(
        ev("[var.later, 1]").unwrap(),
        Value::Tuple(vec![Value::Unknown, Value::Number(1.0)])
    );
}

#[test]
fn sensitive_marks_propagate() {
    assert!(ev("var.secret").unwrap().is_sensitive());
    assert!(ev("\"pw=${var.secret}\"").unwrap().is_sensitive());
    assert!(ev("var.secret == \"x\"").unwrap().is_sensitive());
    assert_eq!(ok("\"pw=${var.secret}\""), "(sensitive value)");
}

#[test]
fn try_and_can() {
    assert_eq!(ok("try(var.m.nope, \"fallback\")"), "\"fallback\"");
    assert_eq!(ok("can(var.list[5])"), "false");
    assert_eq!(ok("can(var.list[0])"), "true");
    assert!(ev("try(var.m.nope)").is_err());
}

#[test]
fn errors_point_at_the_offending_expression() {
    let sources = SourceMap::new();
    let src = "var.m.nope";
    let file = sources.add("main.tf", src);
    let e = hcl_edit::parser::parse_expr(src).unwrap();
    let err = eval(&Expr { file, expr: e }, &scope()).unwrap_err();
    assert_eq!(err.summary, "Unsupported attribute");
    let loc = sources.location(err.span.unwrap()).unwrap();
    assert_eq!(loc.to_string(), "main.tf:1:7");
    let e = ev("var.list[7]").unwrap_err();
    assert!(e.detail.unwrap().contains("2 elements"));
    assert_eq!(
        ev("nosuchfn(1)").unwrap_err().summary,
        "Call to unknown function"
    );
    assert_eq!(ev("1 / 0").unwrap_err().summary, "Division by zero");
    assert_eq!(ev("true + 1").unwrap_err().summary, "Invalid operand");
}

#[test]
fn deep_nesting_is_an_error_not_a_crash() {
    let src = format!("{}1{}", "(".repeat(300), ")".repeat(300));
    if let Ok(e) = hcl_edit::parser::parse_expr(&src) {
        let r = eval(
            &Expr {
                file: FileId(0),
                expr: e,
            },
            &scope(),
        );
        assert!(r.is_err());
    }
}

#[test]
fn for_expression_names_do_not_outlive_a_failed_loop() {
    // The first `try` argument fails inside the loop; the second must not see `item`.
    let d = ev("try([for item in [\"a\"] : item.nope], item)").unwrap_err();
    assert!(d.to_string().contains("no expression succeeded"), "{d}");
    assert!(d.to_string().contains("unknown name"), "{d}");
}

#[test]
fn failed_call_message_ends_with_one_period() {
    let d = ev("format(\"%s\", null)").unwrap_err().to_string();
    assert!(d.ends_with("cannot be formatted."), "{d}");
    assert!(!d.contains(".."), "{d}");
    let d = ev("max()").unwrap_err().to_string();
    assert!(d.ends_with('.') && !d.ends_with(".."), "{d}");
}

#[test]
fn templatestring_renders_a_referenced_string_but_refuses_inline_templates() {
    assert_eq!(
        ok("templatestring(var.tmpl, { who = \"galley\" })"),
        "\"Hello, galley!\""
    );
    let inline = ev("templatestring(\"Hi ${x}\", { x = 1 })").unwrap_err();
    assert!(
        inline
            .to_string()
            .contains("only for rendering templates retrieved dynamically")
            || format!("{inline:?}").contains("only for rendering templates retrieved dynamically"),
        "{inline:?}"
    );
    let missing = ev("templatestring(var.tmpl, {})").unwrap_err();
    assert!(format!("{missing:?}").contains("who"), "{missing:?}");
}
