//! Fault files: `fault "kind" { resource, operation, count, after }` blocks in HCL, read
//! into [`Fault`]s with every error at `file:line:column`.
//!
//! ```hcl
//! fault "throttle" {                         # throttle | timeout | capacity | stuck
//!   resource  = "aws_eks_node_group.blue"    # address, type, or "*"
//!   operation = "update"                     # create | update | delete | any (default)
//!   count     = 3                            # calls that fail (default 1)
//!   after     = 0                            # matching calls that succeed first (default 0)
//! }
//! ```
//!
//! The same blocks appear in kitchen test files, which read them with [`parse_block`].

use std::path::Path;

use engine::diag::{Diagnostic, Diagnostics, FileId, SourceMap, Span};
use hcl_edit::expr::Expression;
use hcl_edit::structure::{Block, Structure};

use crate::fault::{Fault, FaultKind, FaultTarget, Operation};

/// Reads and parses a fault file.
pub fn load(path: &Path, sources: &SourceMap) -> Result<Vec<Fault>, Diagnostics> {
    let text = std::fs::read_to_string(path).map_err(|e| {
        Diagnostics::from(Diagnostic::error(format!(
            "Cannot read fault file {}: {e}",
            engine::diag::display_path(path)
        )))
    })?;
    let file = sources.add_path(path, text.as_str());
    parse(file, &text)
}

/// Parses the text of a fault file already registered as `file`. Every error is
/// reported, not only the first.
pub fn parse(file: FileId, text: &str) -> Result<Vec<Fault>, Diagnostics> {
    let body = hcl_edit::parser::parse_body(text)
        .map_err(|e| Diagnostics::from(engine::config::parse_error(file, text, &e)))?;
    let mut faults = Vec::new();
    let mut diags = Diagnostics::new();
    for s in body.iter() {
        match s {
            Structure::Block(b) if b.ident.as_str() == "fault" => match parse_block(file, b) {
                Ok(f) => faults.push(f),
                Err(d) => diags.extend(d),
            },
            Structure::Block(b) => diags.push(
                Diagnostic::error("Unsupported block type")
                    .with_span(span(file, &b.ident))
                    .with_detail(format!(
                        "Blocks of type {:?} are not expected in a fault file; it holds only fault blocks.",
                        b.ident.as_str()
                    )),
            ),
            Structure::Attribute(a) => diags.push(
                Diagnostic::error("Unsupported argument")
                    .with_span(span(file, &a.key))
                    .with_detail(format!(
                        "An argument named {:?} is not expected at the top of a fault file; it holds only fault blocks.",
                        a.key.as_str()
                    )),
            ),
        }
    }
    if diags.has_errors() {
        return Err(diags);
    }
    Ok(faults)
}

/// One `fault "kind" { ... }` block of the file registered as `file`.
pub fn parse_block(file: FileId, b: &Block) -> Result<Fault, Diagnostics> {
    // A cell, so the closure reporting errors and the checks for any can share it.
    let diags = std::cell::RefCell::new(Diagnostics::new());
    let error = |at: Option<Span>, summary: &str, detail: String| {
        diags
            .borrow_mut()
            .push(Diagnostic::error(summary).with_span(at).with_detail(detail));
    };
    let kind = match b.labels.as_slice() {
        [label] => {
            let k = FaultKind::parse(label.as_str());
            if k.is_none() {
                error(
                    span(file, label),
                    "Unknown fault kind",
                    format!(
                        "{:?} is not a fault kind; expected one of {}.",
                        label.as_str(),
                        FaultKind::NAMES.join(", ")
                    ),
                );
            }
            k
        }
        _ => {
            error(
                span(file, &b.ident),
                "Missing fault kind",
                format!(
                    "A fault block needs one label, its kind: one of {}.",
                    FaultKind::NAMES.join(", ")
                ),
            );
            None
        }
    };
    let mut target = None;
    let mut operation = Operation::Any;
    let mut count = 1;
    let mut after = 0;
    for s in b.body.iter() {
        let a = match s {
            Structure::Attribute(a) => a,
            Structure::Block(inner) => {
                error(
                    span(file, &inner.ident),
                    "Unsupported block type",
                    "A fault block holds only resource, operation, count and after.".into(),
                );
                continue;
            }
        };
        let at = span(file, &a.value);
        match a.key.as_str() {
            "resource" => match word(&a.value).map(|w| w.parse::<FaultTarget>()) {
                Some(Ok(t)) => target = Some(t),
                Some(Err(why)) => error(at, "Invalid fault resource", format!("{why}.")),
                None => error(
                    at,
                    "Invalid fault resource",
                    "resource must be a string: \"*\", a resource type or a resource address."
                        .into(),
                ),
            },
            "operation" => match word(&a.value).as_deref().map(Operation::parse) {
                Some(Some(op)) => operation = op,
                _ => error(
                    at,
                    "Invalid fault operation",
                    format!(
                        "The operation must be one of {}.",
                        Operation::NAMES.join(", ")
                    ),
                ),
            },
            "count" => match whole_number(&a.value) {
                Some(n) if n > 0 => count = n,
                Some(_) => error(
                    at,
                    "Invalid fault count",
                    "count must be at least 1: a fault that never fires has no use.".into(),
                ),
                None => error(
                    at,
                    "Invalid fault count",
                    "count must be a whole number: how many matching calls fail.".into(),
                ),
            },
            "after" => match whole_number(&a.value) {
                Some(n) => after = n,
                None => error(
                    at,
                    "Invalid fault after",
                    "after must be a whole number: how many matching calls succeed before the fault fires."
                        .into(),
                ),
            },
            other => error(
                span(file, &a.key),
                "Unsupported argument",
                format!(
                    "An argument named {other:?} is not expected in a fault block; it takes resource, operation, count and after."
                ),
            ),
        }
    }
    if target.is_none() && !diags.borrow().has_errors() {
        error(
            span(file, &b.ident),
            "Missing required argument",
            "A fault block needs resource = \"<address, type or *>\": say what fails.".into(),
        );
    }
    match (kind, target) {
        (Some(kind), Some(target)) if !diags.borrow().has_errors() => Ok(Fault {
            kind,
            target,
            operation,
            count,
            after,
        }),
        _ => Err(diags.into_inner()),
    }
}

fn span(file: FileId, node: &impl hcl_edit::Span) -> Option<Span> {
    node.span().map(|r| Span::new(file, r))
}

/// A string literal, or a bare word (`operation = update`, as `command = plan` in tests).
fn word(e: &Expression) -> Option<String> {
    match e {
        Expression::String(s) => Some(s.value().clone()),
        Expression::Variable(v) => Some(v.as_str().to_string()),
        _ => None,
    }
}

/// A non-negative whole number literal that fits in 32 bits.
fn whole_number(e: &Expression) -> Option<u32> {
    let Expression::Number(n) = e else {
        return None;
    };
    let n = n.value();
    let whole = n.as_u64().or_else(|| {
        n.as_f64()
            .filter(|f| f.fract() == 0.0 && *f >= 0.0 && *f <= f64::from(u32::MAX))
            .map(|f| f as u64)
    })?;
    u32::try_from(whole).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Parses `text` as `faults.hcl`; errors rendered as `file:line:col` lines.
    fn read(text: &str) -> Result<Vec<Fault>, String> {
        let sources = SourceMap::new();
        let file = sources.add("faults.hcl", text);
        parse(file, text).map_err(|d| {
            d.iter()
                .map(|d| {
                    let loc = d
                        .span
                        .and_then(|s| sources.location(s))
                        .map(|l| format!("{}:{}:{}", l.file, l.line, l.column))
                        .unwrap_or_default();
                    let snippet = d.span.map(|s| sources.snippet(s)).unwrap_or_default();
                    format!("{loc}: {} `{snippet}`", d.summary)
                })
                .collect::<Vec<_>>()
                .join("\n")
        })
    }

    #[test]
    fn reads_every_attribute_of_a_fault_block() {
        let f = read(
            r#"
fault "throttle" {
  resource  = "module.k8s.aws_eks_node_group.blue"
  operation = "update"
  count     = 3
  after     = 2
}
fault "capacity" {
  resource = "*"
}
fault "stuck" {
  resource  = "aws_eks_cluster"
  operation = delete
}
"#,
        )
        .unwrap();
        assert_eq!(
            f,
            vec![
                Fault::new(
                    FaultKind::Throttle,
                    "module.k8s.aws_eks_node_group.blue".parse().unwrap(),
                    3
                )
                .on(Operation::Update)
                .after(2),
                Fault::new(FaultKind::Capacity, FaultTarget::All, 1),
                Fault::new(
                    FaultKind::Stuck,
                    FaultTarget::Type("aws_eks_cluster".into()),
                    1
                )
                .on(Operation::Delete),
            ]
        );
    }

    #[test]
    fn a_string_key_in_the_address_is_read_through_hcl_escapes() {
        let f = read("fault \"timeout\" {\n  resource = \"aws_subnet.a[\\\"x\\\"]\"\n}\n").unwrap();
        assert_eq!(f[0].target, r#"aws_subnet.a["x"]"#.parse().unwrap());
    }

    #[test]
    fn every_error_points_at_file_line_and_column_with_the_offending_text() {
        let e = read(
            r#"fault "explode" {
  resource = "aws_vpc.v"
}
fault "throttle" {
  resource  = "aws_vpc.v"
  operation = "rename"
  count     = 2.5
  after     = -1
  colour    = "red"
}
fault "timeout" {
  resource = "data.aws_ami.a"
  count    = 0
}
fault "capacity" {
  operation = "create"
}
fault {
  resource = "*"
}
faults = 1
"#,
        )
        .unwrap_err();
        let want = [
            "faults.hcl:1:7: Unknown fault kind `\"explode\"`",
            "faults.hcl:6:15: Invalid fault operation `\"rename\"`",
            "faults.hcl:7:15: Invalid fault count `2.5`",
            "faults.hcl:8:15: Invalid fault after `-1`",
            "faults.hcl:9:3: Unsupported argument `colour`",
            "faults.hcl:12:14: Invalid fault resource `\"data.aws_ami.a\"`",
            "faults.hcl:13:14: Invalid fault count `0`",
            "faults.hcl:15:1: Missing required argument `fault`",
            "faults.hcl:18:1: Missing fault kind `fault`",
            "faults.hcl:21:1: Unsupported argument `faults`",
        ];
        assert_eq!(e, want.join("\n"));
    }

    #[test]
    fn a_syntax_error_points_at_its_place() {
        let e = read("fault \"throttle\" {\n  resource = \n}\n").unwrap_err();
        assert!(e.starts_with("faults.hcl:"), "{e}");
        assert!(e.contains("Invalid syntax"), "{e}");
    }

    #[test]
    fn the_resource_error_says_what_was_expected() {
        let sources = SourceMap::new();
        let text = "fault \"timeout\" {\n  resource = \"aws_vpc.\"\n}\n";
        let file = sources.add("f.hcl", text);
        let d = parse(file, text).unwrap_err();
        let rendered = d.render(&sources);
        assert!(rendered.contains("f.hcl:2:14"), "{rendered}");
        assert!(
            rendered.contains("expected \"*\", a resource type or a resource address"),
            "{rendered}"
        );
    }
}
