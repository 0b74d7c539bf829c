//! HCL-like rendering of state values, as `terraform state show` and `terraform output` print them.
//!
//! The two commands format differently in Terraform and users compare them by eye:
//! `state show` indents by four, aligns `=` and leaves identifier keys bare;
//! `output` indents by two, quotes every key and wraps typed collections in
//! `tolist(...)`, `tomap(...)`, `toset(...)`.

use std::fmt::Write;

use crate::value::{format_number, quote_key, quote_string, Value};

/// Renders an attributes object as the body of a `state show` block: one `key = value`
/// line per non-null attribute at `indent`, `=` aligned.
pub fn show_attributes(out: &mut String, attrs: &Value, indent: usize) {
    let Some(map) = attrs.as_map() else {
        return;
    };
    let entries: Vec<(String, &Value)> = map
        .iter()
        .filter(|(_, v)| !matches!(v, Value::Null))
        .map(|(k, v)| (quote_key(k), v))
        .collect();
    show_entries(out, &entries, indent);
}

fn show_entries(out: &mut String, entries: &[(String, &Value)], indent: usize) {
    let width = entries
        .iter()
        .map(|(k, _)| k.chars().count())
        .max()
        .unwrap_or(0);
    for (k, v) in entries {
        let pad = width - k.chars().count();
        let _ = write!(out, "{:indent$}{k}{:pad$} = ", "", "");
        show_value(out, v, indent);
        out.push('\n');
    }
}

/// One value in `state show` style; nested lines are indented relative to `indent`.
fn show_value(out: &mut String, v: &Value, indent: usize) {
    match v {
        Value::String(s) if s.contains('\n') => {
            let body = s.strip_suffix('\n').unwrap_or(s);
            let lines: Vec<&str> = body.split('\n').collect();
            let delim = heredoc_delimiter(&lines);
            let _ = write!(out, "<<-{delim}");
            for line in lines {
                out.push('\n');
                if !line.is_empty() {
                    let _ = write!(out, "{:w$}{line}", "", w = indent + 4);
                }
            }
            let _ = write!(out, "\n{:indent$}{delim}", "");
        }
        Value::List(items) | Value::Set(items) | Value::Tuple(items) => {
            if items.is_empty() {
                out.push_str("[]");
                return;
            }
            out.push_str("[\n");
            for item in items {
                let _ = write!(out, "{:w$}", "", w = indent + 4);
                show_value(out, item, indent + 4);
                out.push_str(",\n");
            }
            let _ = write!(out, "{:indent$}]", "");
        }
        Value::Map(m) | Value::Object(m) => {
            if m.is_empty() {
                out.push_str("{}");
                return;
            }
            out.push_str("{\n");
            let entries: Vec<(String, &Value)> = m.iter().map(|(k, v)| (quote_key(k), v)).collect();
            show_entries(out, &entries, indent + 4);
            let _ = write!(out, "{:indent$}}}", "");
        }
        v => scalar(out, v),
    }
}

/// A value in `terraform output` style (cty's REPL formatting), starting at `indent`.
pub fn output_value(v: &Value, indent: usize) -> String {
    let mut out = String::new();
    write_output_value(&mut out, v, indent);
    out
}

fn write_output_value(out: &mut String, v: &Value, indent: usize) {
    match v {
        Value::String(s) if s.contains('\n') => {
            let lines: Vec<&str> = s.split('\n').collect();
            let delim = heredoc_delimiter(&lines);
            // Only nested heredocs are indented, so only they need the `<<-` form.
            let op = if indent > 0 { "<<-" } else { "<<" };
            let _ = write!(out, "{op}{delim}");
            for line in lines {
                let _ = write!(out, "\n{:indent$}{line}", "");
            }
            let _ = write!(out, "\n{:indent$}{delim}", "");
        }
        Value::List(items) => wrapped(out, "tolist(", ")", |o| output_seq(o, items, indent)),
        Value::Set(items) => wrapped(out, "toset(", ")", |o| output_seq(o, items, indent)),
        Value::Tuple(items) => output_seq(out, items, indent),
        Value::Map(m) => wrapped(out, "tomap(", ")", |o| output_map(o, m, indent)),
        Value::Object(m) => output_map(out, m, indent),
        v => scalar(out, v),
    }
}

fn wrapped(out: &mut String, open: &str, close: &str, body: impl FnOnce(&mut String)) {
    out.push_str(open);
    body(out);
    out.push_str(close);
}

fn output_seq(out: &mut String, items: &[Value], indent: usize) {
    out.push('[');
    for item in items {
        let _ = write!(out, "\n{:w$}", "", w = indent + 2);
        write_output_value(out, item, indent + 2);
        out.push(',');
    }
    if !items.is_empty() {
        let _ = write!(out, "\n{:indent$}", "");
    }
    out.push(']');
}

fn output_map(out: &mut String, m: &crate::value::ValueMap, indent: usize) {
    out.push('{');
    for (k, v) in m {
        let _ = write!(out, "\n{:w$}{} = ", "", quote_string(k), w = indent + 2);
        write_output_value(out, v, indent + 2);
    }
    if !m.is_empty() {
        let _ = write!(out, "\n{:indent$}", "");
    }
    out.push('}');
}

fn scalar(out: &mut String, v: &Value) {
    match v {
        Value::Null => out.push_str("null"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Number(n) => out.push_str(&format_number(*n)),
        Value::String(s) => out.push_str(&quote_string(s)),
        Value::Unknown => out.push_str("(known after apply)"),
        Value::Sensitive(_) => out.push_str("(sensitive value)"),
        // Collections are handled by the callers; fall back to the one-line form.
        other => {
            let _ = write!(out, "{other}");
        }
    }
}

/// `EOT`, lengthened with `_` until no line of the text would end the heredoc early.
fn heredoc_delimiter(lines: &[&str]) -> String {
    let mut delim = "EOT".to_string();
    while lines.iter().any(|l| l.trim() == delim) {
        delim.push('_');
    }
    delim
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn show_aligns_keys_omits_nulls_and_hides_sensitive_values() {
        let attrs = Value::object([
            ("id", Value::string("x")),
            ("triggers_replace", Value::Null),
            ("password", Value::string("hunter2").mark()),
            (
                "tags",
                Value::object([
                    ("Name", Value::string("x")),
                    ("a b", Value::string("y")),
                    ("n", Value::Null),
                ]),
            ),
            (
                "list",
                Value::List(vec![Value::string("a"), Value::Number(1.5)]),
            ),
            ("empty", Value::Tuple(vec![])),
            ("none", Value::Object(Default::default())),
            ("ml", Value::string("a\nb\n")),
        ]);
        let mut out = String::new();
        show_attributes(&mut out, &attrs, 4);
        let want = r#"    empty    = []
    id       = "x"
    list     = [
        "a",
        1.5,
    ]
    ml       = <<-EOT
        a
        b
    EOT
    none     = {}
    password = (sensitive value)
    tags     = {
        Name  = "x"
        "a b" = "y"
        n     = null
    }
"#;
        assert_eq!(out, want);
    }

    #[test]
    fn output_style_quotes_keys_and_names_collection_types() {
        let v = Value::object([
            ("l", Value::List(vec![Value::string("a")])),
            (
                "m",
                Value::Map([("k".to_string(), Value::Number(1.0))].into()),
            ),
            ("s", Value::Set(vec![])),
            ("t", Value::Tuple(vec![Value::Bool(true), Value::Null])),
            ("ml", Value::string("x\ny")),
        ]);
        let want = r#"{
  "l" = tolist([
    "a",
  ])
  "m" = tomap({
    "k" = 1
  })
  "ml" = <<-EOT
  x
  y
  EOT
  "s" = toset([])
  "t" = [
    true,
    null,
  ]
}"#;
        assert_eq!(output_value(&v, 0), want);
    }

    #[test]
    fn top_level_heredocs_keep_a_trailing_newline_as_an_empty_line() {
        assert_eq!(
            output_value(&Value::string("line1\nline2\n"), 0),
            "<<EOT\nline1\nline2\n\nEOT"
        );
    }

    #[test]
    fn heredoc_delimiter_avoids_lines_that_would_end_it() {
        assert_eq!(
            output_value(&Value::string("a\nEOT"), 0),
            "<<EOT_\na\nEOT\nEOT_"
        );
    }
}
