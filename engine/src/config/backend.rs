//! The `terraform { backend "<type>" { ... } }` block: which backends exist, their
//! arguments, and the rule that a backend block holds only literal values.

use std::collections::BTreeMap;

use hcl_edit::expr::{Expression, ObjectKey, UnaryOperator};
use hcl_edit::structure::{Block, Structure};
use hcl_edit::Span as _;

use super::load::{literal_string, Loader};
use crate::diag::Span;
use crate::value::Value;

/// A `backend` block: its type and its arguments, every one a literal value.
#[derive(Debug, Clone, PartialEq)]
pub struct BackendBlock {
    /// The backend type: `local` or `s3`.
    pub kind: String,
    /// The arguments; nested blocks and object arguments (`endpoints`, `assume_role`) are
    /// objects.
    pub attrs: BTreeMap<String, Value>,
    /// Where each argument is.
    pub attr_spans: BTreeMap<String, Span>,
    /// The block header (`backend "s3"`).
    pub span: Option<Span>,
}

impl BackendBlock {
    /// The arguments as one object, for `aws::settings::Settings::from_block`.
    pub fn value(&self) -> Value {
        Value::object(self.attrs.clone())
    }

    /// A string argument, when set (numbers and bools are given as written).
    pub fn string(&self, name: &str) -> Option<String> {
        match self.attrs.get(name)? {
            Value::String(s) => Some(s.clone()),
            Value::Number(n) => Some(n.to_string()),
            Value::Bool(b) => Some(b.to_string()),
            _ => None,
        }
    }

    /// A bool argument, when set (`"true"` counts, as Terraform converts it).
    pub fn bool(&self, name: &str) -> Option<bool> {
        match self.attrs.get(name)? {
            Value::Bool(b) => Some(*b),
            Value::String(s) => s.parse().ok(),
            _ => None,
        }
    }

    /// Where argument `name` is, or the block when it is not set.
    pub fn span_of(&self, name: &str) -> Option<Span> {
        self.attr_spans.get(name).copied().or(self.span)
    }
}

/// The kind of value an argument takes.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Kind {
    Str,
    Bool,
    Number,
    Strings,
    Object(&'static [Arg]),
}

/// One argument a backend accepts.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Arg {
    name: &'static str,
    kind: Kind,
    required: bool,
    /// False for arguments Terraform accepts that galley does not act on (a warning).
    honored: bool,
}

const fn arg(name: &'static str, kind: Kind) -> Arg {
    Arg {
        name,
        kind,
        required: false,
        honored: true,
    }
}

const fn required(name: &'static str, kind: Kind) -> Arg {
    Arg {
        name,
        kind,
        required: true,
        honored: true,
    }
}

const fn ignored(name: &'static str, kind: Kind) -> Arg {
    Arg {
        name,
        kind,
        required: false,
        honored: false,
    }
}

const LOCAL: &[Arg] = &[arg("path", Kind::Str), arg("workspace_dir", Kind::Str)];

const S3_ENDPOINTS: &[Arg] = &[
    arg("s3", Kind::Str),
    arg("dynamodb", Kind::Str),
    arg("sts", Kind::Str),
    ignored("iam", Kind::Str),
    ignored("sso", Kind::Str),
];

const S3_ASSUME_ROLE: &[Arg] = &[
    required("role_arn", Kind::Str),
    arg("session_name", Kind::Str),
    arg("external_id", Kind::Str),
    ignored("duration", Kind::Str),
    ignored("policy", Kind::Str),
    ignored("policy_arns", Kind::Strings),
    ignored("source_identity", Kind::Str),
    ignored("tags", Kind::Object(&[])),
    ignored("transitive_tag_keys", Kind::Strings),
];

/// The S3 backend's arguments, as Terraform 1.15 has them.
const S3: &[Arg] = &[
    required("bucket", Kind::Str),
    required("key", Kind::Str),
    arg("region", Kind::Str),
    arg("encrypt", Kind::Bool),
    arg("kms_key_id", Kind::Str),
    arg("use_lockfile", Kind::Bool),
    arg("dynamodb_table", Kind::Str),
    arg("workspace_key_prefix", Kind::Str),
    arg("profile", Kind::Str),
    arg("access_key", Kind::Str),
    arg("secret_key", Kind::Str),
    arg("token", Kind::Str),
    arg("assume_role", Kind::Object(S3_ASSUME_ROLE)),
    arg("endpoints", Kind::Object(S3_ENDPOINTS)),
    arg("use_path_style", Kind::Bool),
    arg("max_retries", Kind::Number),
    arg("skip_credentials_validation", Kind::Bool),
    arg("skip_region_validation", Kind::Bool),
    arg("skip_requesting_account_id", Kind::Bool),
    arg("skip_metadata_api_check", Kind::Bool),
    arg("skip_s3_checksum", Kind::Bool),
    ignored("acl", Kind::Str),
    ignored("sse_customer_key", Kind::Str),
    ignored("shared_config_files", Kind::Strings),
    ignored("shared_credentials_files", Kind::Strings),
    ignored("allowed_account_ids", Kind::Strings),
    ignored("forbidden_account_ids", Kind::Strings),
    ignored("sts_region", Kind::Str),
    ignored("retry_mode", Kind::Str),
    ignored("custom_ca_bundle", Kind::Str),
    ignored("insecure", Kind::Bool),
    ignored("http_proxy", Kind::Str),
    ignored("https_proxy", Kind::Str),
    ignored("no_proxy", Kind::Str),
    ignored("use_dualstack_endpoint", Kind::Bool),
    ignored("use_fips_endpoint", Kind::Bool),
    ignored("ec2_metadata_service_endpoint", Kind::Str),
    ignored("ec2_metadata_service_endpoint_mode", Kind::Str),
];

/// The backend types galley has, with their arguments.
const BACKENDS: &[(&str, &[Arg])] = &[("local", LOCAL), ("s3", S3)];

/// Why an expression is not a literal value.
struct NotLiteral {
    summary: &'static str,
    detail: String,
    span: Option<std::ops::Range<usize>>,
}

/// The value of an expression made only of literals: strings without interpolation,
/// numbers, bools, null, lists and objects of them. A backend is configured before
/// anything can be evaluated, so, as in Terraform, nothing else is allowed.
fn literal(e: &Expression) -> Result<Value, NotLiteral> {
    let not = |summary, detail: &str, span| NotLiteral {
        summary,
        detail: detail.to_string(),
        span,
    };
    Ok(match e {
        Expression::Null(_) => Value::Null,
        Expression::Bool(b) => Value::Bool(*b.value()),
        Expression::Number(n) => match n.value().as_f64() {
            Some(f) => Value::Number(f),
            None => {
                return Err(not(
                    "Invalid number",
                    "This number is out of range.",
                    e.span(),
                ))
            }
        },
        Expression::String(_) | Expression::StringTemplate(_) => match literal_string(e) {
            Some(s) => Value::String(s),
            None => return Err(first_reference(e).unwrap_or_else(|| template_not_allowed(e))),
        },
        Expression::Parenthesis(p) => literal(p.inner())?,
        Expression::Array(items) => {
            Value::Tuple(items.iter().map(literal).collect::<Result<_, _>>()?)
        }
        Expression::Object(obj) => {
            let mut out = BTreeMap::new();
            for (k, v) in obj.iter() {
                let key = match k {
                    ObjectKey::Ident(i) => i.as_str().to_string(),
                    ObjectKey::Expression(Expression::Variable(v)) => v.as_str().to_string(),
                    ObjectKey::Expression(ke) => match literal(ke)? {
                        Value::String(s) => s,
                        _ => {
                            return Err(not(
                                "Invalid object key",
                                "An object key must be a string.",
                                ke.span(),
                            ))
                        }
                    },
                };
                out.insert(key, literal(v.expr())?);
            }
            Value::Object(out)
        }
        Expression::UnaryOp(op) if *op.operator.value() == UnaryOperator::Neg => {
            match literal(&op.expr)? {
                Value::Number(n) => Value::Number(-n),
                _ => return Err(operators_not_allowed(e)),
            }
        }
        other => return Err(first_reference(other).unwrap_or_else(|| operators_not_allowed(other))),
    })
}

fn template_not_allowed(e: &Expression) -> NotLiteral {
    NotLiteral {
        summary: "Invalid backend configuration",
        detail: "Only literal values are allowed in a backend block: string templates are evaluated too late to configure where the state is.".to_string(),
        span: e.span(),
    }
}

fn operators_not_allowed(e: &Expression) -> NotLiteral {
    NotLiteral {
        summary: "Invalid backend configuration",
        detail: "Only literal values are allowed in a backend block.".to_string(),
        span: e.span(),
    }
}

/// The first variable reference or function call inside `e`, reported in Terraform's words.
fn first_reference(e: &Expression) -> Option<NotLiteral> {
    let found = |summary, detail: &str, span| {
        Some(NotLiteral {
            summary,
            detail: detail.to_string(),
            span,
        })
    };
    match e {
        Expression::Variable(v) => found(
            "Variables not allowed",
            "Variables may not be used here.",
            v.span(),
        ),
        Expression::Traversal(t) => first_reference(&t.expr),
        Expression::FuncCall(f) => found(
            "Function calls not allowed",
            "Functions may not be called here.",
            f.span(),
        ),
        Expression::Parenthesis(p) => first_reference(p.inner()),
        Expression::Array(items) => items.iter().find_map(first_reference),
        Expression::Object(obj) => obj.iter().find_map(|(_, v)| first_reference(v.expr())),
        Expression::UnaryOp(op) => first_reference(&op.expr),
        Expression::BinaryOp(op) => {
            first_reference(&op.lhs_expr).or_else(|| first_reference(&op.rhs_expr))
        }
        Expression::Conditional(c) => first_reference(&c.cond_expr)
            .or_else(|| first_reference(&c.true_expr))
            .or_else(|| first_reference(&c.false_expr)),
        Expression::StringTemplate(t) => t.iter().find_map(|el| match el {
            hcl_edit::template::Element::Interpolation(i) => first_reference(&i.expr),
            _ => None,
        }),
        _ => None,
    }
}

impl Loader<'_> {
    /// Reads a `backend "<type>" { ... }` block inside `terraform`. `previous` is the block
    /// already read in this module, if any: a module has at most one.
    pub(super) fn backend(
        &mut self,
        b: Block,
        previous: Option<&BackendBlock>,
    ) -> Option<BackendBlock> {
        let labels = self.labels(&b, 1)?;
        let kind = labels[0].clone();
        let span = self.header(&b);
        if let Some(prev) = previous {
            let detail = format!(
                "A module may have only one 'backend' configuration block. The backend was previously configured at {}.",
                self.where_(prev.span)
            );
            self.err("Duplicate 'backend' configuration block", span, detail);
            return None;
        }
        let Some((_, schema)) = BACKENDS.iter().find(|(name, _)| *name == kind) else {
            let label_span = self.span(b.labels.first().and_then(|l| l.span()));
            let known: Vec<&str> = BACKENDS.iter().map(|(n, _)| *n).collect();
            self.err(
                "Unsupported backend type",
                label_span,
                format!(
                    "There is no backend type named \"{kind}\". galley has {}.",
                    quoted_list(&known)
                ),
            );
            return None;
        };
        let mut backend = BackendBlock {
            kind,
            attrs: BTreeMap::new(),
            attr_spans: BTreeMap::new(),
            span,
        };
        let ok = self.backend_body(b.body, schema, &mut backend);
        let missing: Vec<&Arg> = schema
            .iter()
            .filter(|a| a.required && !backend.attrs.contains_key(a.name))
            .collect();
        for a in &missing {
            self.err(
                "Missing required argument",
                span,
                format!(
                    "The argument \"{}\" is required by the {} backend, but no definition was found.",
                    a.name, backend.kind
                ),
            );
        }
        (ok && missing.is_empty()).then_some(backend)
    }

    /// Reads the arguments (and nested blocks written for object arguments) of a backend
    /// block. False when something was reported.
    fn backend_body(
        &mut self,
        body: hcl_edit::structure::Body,
        schema: &[Arg],
        backend: &mut BackendBlock,
    ) -> bool {
        let (attrs, spans) = (&mut backend.attrs, &mut backend.attr_spans);
        let mut ok = true;
        for s in body.into_iter() {
            let (name, name_span, value, value_span) = match s {
                Structure::Attribute(a) => {
                    let name = a.key.as_str().to_string();
                    let name_span = a.key.span();
                    let value_span = a.value.span();
                    match literal(&a.value) {
                        Ok(v) => (name, name_span, v, value_span),
                        Err(e) => {
                            let span = self.span(e.span.or(value_span));
                            self.err(e.summary, span, e.detail);
                            ok = false;
                            continue;
                        }
                    }
                }
                Structure::Block(nested) => {
                    let name = nested.ident.as_str().to_string();
                    let name_span = nested.ident.span();
                    if !schema
                        .iter()
                        .any(|a| a.name == name && matches!(a.kind, Kind::Object(_)))
                    {
                        self.unexpected_block(&nested);
                        ok = false;
                        continue;
                    }
                    // `endpoints { s3 = "..." }` reads as `endpoints = { s3 = "..." }`.
                    match self.block_as_object(nested) {
                        Some(v) => (name, name_span, v, None),
                        None => {
                            ok = false;
                            continue;
                        }
                    }
                }
            };
            let Some(arg) = schema.iter().find(|a| a.name == name) else {
                let span = self.span(name_span);
                let valid: Vec<&str> = schema.iter().map(|a| a.name).collect();
                self.err(
                    "Unsupported argument",
                    span,
                    format!(
                        "An argument named \"{name}\" is not expected here. Valid arguments are {}.",
                        quoted_list(&valid)
                    ),
                );
                ok = false;
                continue;
            };
            if attrs.contains_key(&name) {
                let span = self.span(name_span);
                self.err(
                    "Duplicate argument",
                    span,
                    format!("The argument \"{name}\" was already set."),
                );
                ok = false;
                continue;
            }
            let span = self.span(value_span.or(name_span.clone()));
            match self.backend_value(arg, value, span) {
                Some(v) => {
                    if let Some(s) = span {
                        spans.insert(name.clone(), s);
                    }
                    attrs.insert(name, v);
                }
                None => ok = false,
            }
        }
        ok
    }

    /// A nested block's arguments as an object of literals (checked by the caller).
    fn block_as_object(&mut self, b: Block) -> Option<Value> {
        let mut out = BTreeMap::new();
        let mut ok = true;
        for s in b.body.into_iter() {
            match s {
                Structure::Attribute(a) => match literal(&a.value) {
                    Ok(v) => {
                        out.insert(a.key.as_str().to_string(), v);
                    }
                    Err(e) => {
                        let span = self.span(e.span.or(a.value.span()));
                        self.err(e.summary, span, e.detail);
                        ok = false;
                    }
                },
                Structure::Block(inner) => {
                    self.unexpected_block(&inner);
                    ok = false;
                }
            }
        }
        ok.then_some(Value::Object(out))
    }

    /// Checks a value against its argument's kind, converting as Terraform does
    /// (`"true"` for a bool, `5` for a string).
    fn backend_value(&mut self, arg: &Arg, v: Value, span: Option<Span>) -> Option<Value> {
        if !arg.honored {
            self.diags.push(
                crate::diag::Diagnostic::warning("Backend argument ignored")
                    .with_span(span)
                    .with_detail(format!(
                        "galley accepts \"{}\" as Terraform does, but does not act on it yet.",
                        arg.name
                    )),
            );
        }
        if v.is_null() {
            return Some(v);
        }
        let converted = match (arg.kind, &v) {
            (Kind::Str, Value::String(_)) => Some(v.clone()),
            (Kind::Str, Value::Number(n)) => Some(Value::String(n.to_string())),
            (Kind::Str, Value::Bool(b)) => Some(Value::String(b.to_string())),
            (Kind::Bool, Value::Bool(_)) => Some(v.clone()),
            (Kind::Bool, Value::String(s)) => s.parse::<bool>().ok().map(Value::Bool),
            (Kind::Number, Value::Number(_)) => Some(v.clone()),
            (Kind::Number, Value::String(s)) => s.parse::<f64>().ok().map(Value::Number),
            (Kind::Strings, Value::Tuple(items)) => items
                .iter()
                .all(|i| matches!(i, Value::String(_)))
                .then(|| Value::List(items.clone())),
            (Kind::Object(fields), Value::Object(map)) if !fields.is_empty() => {
                return self.backend_object(arg, fields, map, span);
            }
            (Kind::Object(_), Value::Object(_)) => Some(v.clone()),
            _ => None,
        };
        if converted.is_none() {
            let wanted = match arg.kind {
                Kind::Str => "a string",
                Kind::Bool => "a bool",
                Kind::Number => "a number",
                Kind::Strings => "a list of strings",
                Kind::Object(_) => "an object",
            };
            self.err(
                "Incorrect attribute value type",
                span,
                format!(
                    "Inappropriate value for attribute \"{}\": {wanted} is required.",
                    arg.name
                ),
            );
        }
        converted
    }

    /// An object argument written as `name = { ... }`: its fields checked like arguments.
    fn backend_object(
        &mut self,
        arg: &Arg,
        fields: &[Arg],
        map: &BTreeMap<String, Value>,
        span: Option<Span>,
    ) -> Option<Value> {
        let mut out = BTreeMap::new();
        let mut ok = true;
        for (k, v) in map {
            let Some(field) = fields.iter().find(|f| f.name == k) else {
                let valid: Vec<&str> = fields.iter().map(|a| a.name).collect();
                self.err(
                    "Unsupported argument",
                    span,
                    format!(
                        "{} has no argument \"{k}\". Valid arguments are {}.",
                        arg.name,
                        quoted_list(&valid)
                    ),
                );
                ok = false;
                continue;
            };
            match self.backend_value(field, v.clone(), span) {
                Some(v) => {
                    out.insert(k.clone(), v);
                }
                None => ok = false,
            }
        }
        for f in fields
            .iter()
            .filter(|f| f.required && !map.contains_key(f.name))
        {
            self.err(
                "Missing required argument",
                span,
                format!("The argument \"{}\" is required in {}.", f.name, arg.name),
            );
            ok = false;
        }
        ok.then_some(Value::Object(out))
    }
}

/// `"a", "b" and "c"`.
fn quoted_list(names: &[&str]) -> String {
    let quoted: Vec<String> = names.iter().map(|n| format!("\"{n}\"")).collect();
    match quoted.split_last() {
        None => String::new(),
        Some((last, [])) => last.clone(),
        Some((last, rest)) => format!("{} and {last}", rest.join(", ")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diag::{Diagnostics, SourceMap};

    /// A diagnostic as `(summary, line, column, detail)`.
    type Found = (String, usize, usize, String);

    /// Loads `text` as `main.tf`; the backend and each diagnostic.
    fn read(text: &str) -> (Option<BackendBlock>, Vec<Found>) {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("main.tf"), text).unwrap();
        let sources = SourceMap::new();
        let (backend, diags): (_, Diagnostics) = super::super::load_backend(dir.path(), &sources);
        let found = diags
            .iter()
            .map(|d| {
                let loc = sources.location(d.span.unwrap()).unwrap();
                (
                    d.summary.clone(),
                    loc.line,
                    loc.column,
                    d.detail.clone().unwrap_or_default(),
                )
            })
            .collect();
        (backend, found)
    }

    #[test]
    fn an_s3_block_is_read_with_its_literal_values() {
        let (b, d) = read(
            r#"terraform {
  backend "s3" {
    bucket       = "state"
    key          = "app/galley.tfstate"
    encrypt      = "true"
    max_retries  = 3
    endpoints    = { s3 = "http://127.0.0.1:5000" }
    assume_role { role_arn = "arn:aws:iam::123456789012:role/x" }
  }
}
"#,
        );
        assert!(d.is_empty(), "{d:?}");
        let b = b.unwrap();
        assert_eq!(b.kind, "s3");
        assert_eq!(b.string("key").as_deref(), Some("app/galley.tfstate"));
        assert_eq!(b.bool("encrypt"), Some(true));
        assert_eq!(
            b.value()
                .get_attr("endpoints")
                .and_then(|e| e.get_attr("s3"))
                .and_then(Value::as_str),
            Some("http://127.0.0.1:5000")
        );
        assert!(b
            .value()
            .get_attr("assume_role")
            .unwrap()
            .get_attr("role_arn")
            .is_some());
    }

    #[test]
    fn errors_point_at_the_offending_text() {
        let cases: &[(&str, &str, usize, usize, &str)] = &[
            (
                "terraform {\n  backend \"s3\" {\n    bucket = var.b\n    key = \"k\"\n  }\n}\n",
                "Variables not allowed",
                3,
                14,
                "Variables may not be used here.",
            ),
            (
                "terraform {\n  backend \"s3\" {\n    bucket = \"b-${local.x}\"\n    key = \"k\"\n  }\n}\n",
                "Variables not allowed",
                3,
                19,
                "Variables may not be used here.",
            ),
            (
                "terraform {\n  backend \"s3\" {\n    bucket = \"b\"\n    key = \"k\"\n    buckett = 1\n  }\n}\n",
                "Unsupported argument",
                5,
                5,
                "\"buckett\" is not expected here. Valid arguments are \"bucket\", \"key\"",
            ),
            (
                "terraform {\n  backend \"s3\" {\n    key = \"k\"\n  }\n}\n",
                "Missing required argument",
                2,
                3,
                "The argument \"bucket\" is required by the s3 backend",
            ),
            (
                "terraform {\n  backend \"s4\" {}\n}\n",
                "Unsupported backend type",
                2,
                11,
                "There is no backend type named \"s4\". galley has \"local\" and \"s3\".",
            ),
            (
                "terraform {\n  backend \"local\" {}\n  backend \"local\" {}\n}\n",
                "Duplicate 'backend' configuration block",
                3,
                3,
                "previously configured at line 2",
            ),
            (
                "terraform {\n  backend \"s3\" {\n    bucket = \"b\"\n    key = \"k\"\n    encrypt = \"maybe\"\n  }\n}\n",
                "Incorrect attribute value type",
                5,
                15,
                "a bool is required",
            ),
            (
                "terraform {\n  backend \"s3\" {\n    bucket = \"b\"\n    key = upper(\"k\")\n  }\n}\n",
                "Function calls not allowed",
                4,
                11,
                "Functions may not be called here.",
            ),
        ];
        for (text, summary, line, column, detail) in cases {
            let (_, d) = read(text);
            assert!(
                d.iter().any(|(s, l, c, det)| s == summary
                    && (*l, *c) == (*line, *column)
                    && det.contains(detail)),
                "{text}\nexpected {summary} at {line}:{column} ({detail}), got {d:?}"
            );
        }
    }

    #[test]
    fn arguments_galley_does_not_act_on_are_warned_about() {
        let (b, d) = read(
            "terraform {\n  backend \"s3\" {\n    bucket = \"b\"\n    key = \"k\"\n    acl = \"private\"\n  }\n}\n",
        );
        assert!(b.is_some());
        assert_eq!(d.len(), 1, "{d:?}");
        assert_eq!(d[0].0, "Backend argument ignored");
    }

    #[test]
    fn a_local_backend_has_a_path() {
        let (b, d) =
            read("terraform {\n  backend \"local\" {\n    path = \"s/x.tfstate\"\n  }\n}\n");
        assert!(d.is_empty(), "{d:?}");
        assert_eq!(b.unwrap().string("path").as_deref(), Some("s/x.tfstate"));
    }

    #[test]
    fn no_backend_block_means_none() {
        let (b, d) = read("terraform { required_version = \">= 1.0\" }\n");
        assert!(b.is_none() && d.is_empty());
    }
}
