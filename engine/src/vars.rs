//! Root module variable values from -var, -var-file, tfvars files and TF_VAR_ variables.
//!
//! Two steps, as in Terraform: [`collect`] gathers the raw values from every source in
//! precedence order (later wins): `TF_VAR_name` environment variables,
//! `terraform.tfvars`, `terraform.tfvars.json`, `*.auto.tfvars[.json]` in lexical
//! order, then `-var` and `-var-file` options in command-line order. Once the
//! configuration is loaded, [`finalize`] turns one raw value into a value of the
//! variable's declared type. Strings from `-var` and the environment stay raw until
//! then because how they are read depends on that type: taken literally for
//! primitive types (and no type), parsed as an HCL expression otherwise.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use hcl_edit::structure::Body;
use hcl_edit::Span as _;

use crate::diag::{Diagnostic, Diagnostics, FileId, SourceMap, Span};
use crate::types::{self, constant_value, ConstantError, Type};
use crate::value::Value;

/// A variable option from the command line, in the order given.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CliVar {
    /// `-var 'name=value'`: the whole `name=value` text.
    Var(String),
    /// `-var-file path`; relative paths are taken from the configuration directory.
    File(PathBuf),
}

/// Where a raw variable value came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VarSource {
    /// A `TF_VAR_name` environment variable.
    Env,
    /// A `-var` option.
    CliArg,
    /// `terraform.tfvars[.json]` or a `*.auto.tfvars[.json]` file.
    AutoFile,
    /// A file given with `-var-file`.
    NamedFile,
}

/// A variable value before its declared type is known.
#[derive(Debug, Clone, PartialEq)]
pub enum RawValue {
    /// From `-var` or `TF_VAR_`: read literally or as HCL depending on the type.
    Str(String),
    /// From a `.tfvars` or `.tfvars.json` file, with the span of its expression.
    Value(Value, Span),
}

/// One variable's value as collected, with where it came from.
#[derive(Debug, Clone, PartialEq)]
pub struct RawVarValue {
    /// The variable name.
    pub name: String,
    /// The value.
    pub value: RawValue,
    /// Its source, which decides how errors about it are worded.
    pub source: VarSource,
}

impl RawVarValue {
    /// The span of the value in a variables file, if it came from one.
    pub fn span(&self) -> Option<Span> {
        match &self.value {
            RawValue::Value(_, span) => Some(*span),
            RawValue::Str(_) => None,
        }
    }
}

/// Gathers raw variable values from all sources; for each name the source with the
/// highest precedence wins. `dir` is the root module directory, `env` the process
/// environment (only `TF_VAR_` entries are used). Every file read is registered in
/// `sources`. Problems with one file or option do not stop the others.
pub fn collect(
    dir: &Path,
    cli: &[CliVar],
    env: &[(String, String)],
    sources: &SourceMap,
) -> (BTreeMap<String, RawVarValue>, Diagnostics) {
    collect_from(dir, cli, env, sources, true)
}

/// As [`collect`], but without `terraform.tfvars[.json]` and `*.auto.tfvars[.json]`:
/// Terraform does not read those when applying a saved plan, whose values are fixed.
pub fn collect_for_saved_plan(
    dir: &Path,
    cli: &[CliVar],
    env: &[(String, String)],
    sources: &SourceMap,
) -> (BTreeMap<String, RawVarValue>, Diagnostics) {
    collect_from(dir, cli, env, sources, false)
}

fn collect_from(
    dir: &Path,
    cli: &[CliVar],
    env: &[(String, String)],
    sources: &SourceMap,
    auto_files_too: bool,
) -> (BTreeMap<String, RawVarValue>, Diagnostics) {
    let mut values = BTreeMap::new();
    let mut diags = Diagnostics::new();

    for (key, raw) in env {
        if let Some(name) = key.strip_prefix("TF_VAR_") {
            values.insert(
                name.to_string(),
                RawVarValue {
                    name: name.to_string(),
                    value: RawValue::Str(raw.clone()),
                    source: VarSource::Env,
                },
            );
        }
    }

    if auto_files_too {
        for default in ["terraform.tfvars", "terraform.tfvars.json"] {
            let path = dir.join(default);
            if path.is_file() {
                add_file(&path, VarSource::AutoFile, sources, &mut values, &mut diags);
            }
        }
        for path in auto_files(dir) {
            add_file(&path, VarSource::AutoFile, sources, &mut values, &mut diags);
        }
    }

    for option in cli {
        match option {
            CliVar::Var(raw) => match parse_var_option(raw) {
                Ok((name, value)) => {
                    values.insert(
                        name.to_string(),
                        RawVarValue {
                            name: name.to_string(),
                            value: RawValue::Str(value.to_string()),
                            source: VarSource::CliArg,
                        },
                    );
                }
                Err(d) => diags.push(d),
            },
            CliVar::File(path) => {
                let path = if path.is_absolute() {
                    path.clone()
                } else {
                    dir.join(path)
                };
                add_file(
                    &path,
                    VarSource::NamedFile,
                    sources,
                    &mut values,
                    &mut diags,
                );
            }
        }
    }
    (values, diags)
}

/// `*.auto.tfvars` and `*.auto.tfvars.json` files in `dir`, in lexical order.
fn auto_files(dir: &Path) -> Vec<PathBuf> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut names: Vec<String> = entries
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_ok_and(|t| !t.is_dir()))
        .filter_map(|e| e.file_name().into_string().ok())
        .filter(|n| n.ends_with(".auto.tfvars") || n.ends_with(".auto.tfvars.json"))
        .collect();
    names.sort();
    names.into_iter().map(|n| dir.join(n)).collect()
}

/// Splits a `-var` option into name and raw value.
fn parse_var_option(raw: &str) -> Result<(&str, &str), Diagnostic> {
    let Some((name, value)) = raw.split_once('=') else {
        return Err(Diagnostic::error("Invalid -var option").with_detail(format!(
            "The given -var option \"{raw}\" is not correctly specified. Must be a variable name and value separated by an equals sign, like -var=\"key=value\"."
        )));
    };
    if name.ends_with(' ') {
        return Err(Diagnostic::error("Invalid -var option").with_detail(format!(
            "Variable name \"{name}\" is invalid due to trailing space. Did you mean -var=\"{}={}\"?",
            name.trim_end_matches(' '),
            value.trim_start_matches(' ')
        )));
    }
    Ok((name, value))
}

fn add_file(
    path: &Path,
    source: VarSource,
    sources: &SourceMap,
    values: &mut BTreeMap<String, RawVarValue>,
    diags: &mut Diagnostics,
) {
    let shown = crate::diag::display_path(path);
    let text = match crate::limits::read_to_string(path, crate::limits::VARIABLES) {
        Ok(t) => t,
        Err(e) if e.is_not_found() => {
            diags.push(
                Diagnostic::error("Failed to read variables file")
                    .with_detail(format!("Given variables file {shown} does not exist.")),
            );
            return;
        }
        Err(crate::limits::ReadError::TooLarge(t)) => {
            diags.push(Diagnostic::error("Variables file too large").with_detail(t.to_string()));
            return;
        }
        Err(e) => {
            diags.push(
                Diagnostic::error("Failed to read variables file")
                    .with_detail(format!("Error while reading {shown}: {e}.")),
            );
            return;
        }
    };
    let file = sources.add_path(path, text.as_str());
    let parsed = if path.extension().is_some_and(|e| e == "json") {
        parse_json_file(&text, file)
    } else {
        parse_hcl_file(&text, file)
    };
    let (found, file_diags) = parsed;
    diags.extend(file_diags);
    for (name, value, span) in found {
        values.insert(
            name.clone(),
            RawVarValue {
                name,
                value: RawValue::Value(value, span),
                source,
            },
        );
    }
}

type FileValues = Vec<(String, Value, Span)>;

/// Reads a `.tfvars` file: attributes with constant values only.
fn parse_hcl_file(text: &str, file: FileId) -> (FileValues, Diagnostics) {
    let mut diags = Diagnostics::new();
    let body: Body = match hcl_edit::parser::parse_body(text) {
        Ok(b) => b,
        Err(e) => {
            let at = e.location().offset().min(text.len());
            let span = Some(Span::new(file, at..next_char_boundary(text, at)));
            // hcl-edit reports a repeated attribute as a syntax error; word it as HCL does.
            let d = if e.message().contains("redefined attribute") {
                Diagnostic::error("Attribute redefined")
                    .with_detail("This argument was already set earlier in this file. Each argument may be set only once.")
            } else {
                syntax_diagnostic(e.message())
            };
            diags.push(d.with_span(span));
            return (Vec::new(), diags);
        }
    };
    let span_of = |r: Option<std::ops::Range<usize>>| r.map(|r| Span::new(file, r));

    // A common mistake is to put declarations in a tfvars file; say so plainly.
    for block in body.blocks() {
        if block.ident.value().as_str() == "variable" {
            let name = block
                .labels
                .first()
                .map(|l| l.as_str().to_string())
                .unwrap_or_default();
            diags.push(
                Diagnostic::error("Variable declaration in .tfvars file")
                    .with_span(span_of(block.ident.span()))
                    .with_detail(format!(
                        "A .tfvars file is used to assign values to variables that have already been declared in .tf files, not to declare new variables. To declare variable \"{name}\", place this block in one of your .tf files, such as variables.tf.\n\nTo set a value for this variable in this file, use the definition syntax instead:\n    {name} = <value>"
                    )),
            );
        }
    }
    if diags.has_errors() {
        return (Vec::new(), diags);
    }
    for block in body.blocks() {
        diags.push(
            Diagnostic::error(format!("Unexpected \"{}\" block", block.ident.value()))
                .with_span(span_of(block.ident.span()))
                .with_detail("Blocks are not allowed here."),
        );
    }

    let mut found = Vec::new();
    for attr in body.attributes() {
        let name = attr.key.value().to_string();
        let value_span = span_of(attr.value.span()).unwrap_or(Span::new(file, 0..0));
        match constant_value(&attr.value) {
            Ok(v) => found.push((name, v, value_span)),
            Err(e) => diags.push(constant_diagnostic(e, file, Some(value_span))),
        }
    }
    (found, diags)
}

/// Turns a constant-expression error into a diagnostic in `file`.
fn constant_diagnostic(e: ConstantError, file: FileId, fallback: Option<Span>) -> Diagnostic {
    Diagnostic::error(e.summary)
        .with_span(e.span.map(|r| Span::new(file, r)).or(fallback))
        .with_detail(e.detail)
}

/// Reads a `.tfvars.json` file: one JSON object whose properties are the values.
fn parse_json_file(text: &str, file: FileId) -> (FileValues, Diagnostics) {
    let mut diags = Diagnostics::new();
    let json: serde_json::Value = match serde_json::from_str(text) {
        Ok(j) => j,
        Err(e) => {
            let at = offset_of(text, e.line(), e.column());
            diags.push(
                Diagnostic::error("Invalid JSON syntax")
                    .with_span(Some(Span::new(file, at..next_char_boundary(text, at))))
                    .with_detail(capitalize(&strip_position(&e.to_string()))),
            );
            return (Vec::new(), diags);
        }
    };
    let serde_json::Value::Object(props) = json else {
        diags.push(
            Diagnostic::error("Root value must be object")
                .with_span(Some(Span::new(file, 0..text.len())))
                .with_detail(
                    "The root value in a JSON-based variables file must be a JSON object.",
                ),
        );
        return (Vec::new(), diags);
    };
    let found = props
        .iter()
        .map(|(name, v)| {
            let span = json_property_span(text, name).unwrap_or(0..text.len());
            (name.clone(), Value::from_json(v), Span::new(file, span))
        })
        .collect();
    (found, diags)
}

/// The span of a top-level property's key in JSON text; serde_json keeps no positions,
/// so this finds the first `"name"` followed by a colon.
fn json_property_span(text: &str, name: &str) -> Option<std::ops::Range<usize>> {
    let quoted = serde_json::to_string(name).ok()?;
    let mut from = 0;
    while let Some(i) = text[from..].find(&quoted) {
        let start = from + i;
        let end = start + quoted.len();
        if text[end..].trim_start().starts_with(':') {
            return Some(start..end);
        }
        from = end;
    }
    None
}

/// Byte offset of a 1-based line and column (serde_json counts columns in bytes).
fn offset_of(text: &str, line: usize, column: usize) -> usize {
    let line_start: usize = text
        .split_inclusive('\n')
        .take(line.saturating_sub(1))
        .map(str::len)
        .sum();
    let mut at = (line_start + column.saturating_sub(1)).min(text.len());
    while !text.is_char_boundary(at) {
        at -= 1;
    }
    at
}

fn next_char_boundary(text: &str, at: usize) -> usize {
    text[at..].chars().next().map_or(at, |c| at + c.len_utf8())
}

/// serde_json appends " at line L column C"; the diagnostic shows the position itself.
fn strip_position(message: &str) -> String {
    match message.rfind(" at line ") {
        Some(i) => message[..i].to_string(),
        None => message.to_string(),
    }
}

/// A diagnostic for an hcl-edit parse error; its messages read
/// `invalid expression; expected ...`, which splits into summary and detail.
fn syntax_diagnostic(message: &str) -> Diagnostic {
    match message.split_once("; ") {
        Some((what, expected)) => Diagnostic::error(capitalize(what).trim_end_matches('.'))
            .with_detail(capitalize(expected)),
        None => Diagnostic::error("Invalid syntax").with_detail(capitalize(message)),
    }
}

fn capitalize(s: &str) -> String {
    let mut chars = s.chars();
    let mut out: String = chars
        .next()
        .map(|c| c.to_uppercase().collect())
        .unwrap_or_default();
    out.push_str(chars.as_str());
    if !out.ends_with('.') {
        out.push('.');
    }
    out
}

/// Turns a raw value into the variable's value: a string from `-var` or the
/// environment is taken literally when `ty` is `None` (no `type` argument) or a
/// primitive type, and parsed as an HCL expression otherwise (also for `any`); then
/// the value is converted to `ty`, `optional()` defaults included. `decl` is the span
/// of the `variable "name"` header, used in error messages. Sensitivity, nullability
/// and defaults for unset variables are the caller's business.
pub fn finalize(
    raw: &RawVarValue,
    ty: Option<&Type>,
    decl: Option<Span>,
    sources: &SourceMap,
) -> Result<Value, Diagnostics> {
    let name = &raw.name;
    let value = match &raw.value {
        RawValue::Value(v, _) => v.clone(),
        RawValue::Str(s) => match ty {
            Some(t) if !t.is_primitive() => parse_hcl_string(name, s, sources)?,
            _ => Value::String(s.clone()),
        },
    };
    let Some(ty) = ty else {
        return Ok(value);
    };
    types::convert(value, ty).map_err(|e| {
        let (detail, span) = match raw.source {
            VarSource::CliArg => (
                format!(
                    "Unsuitable value for var.{name} set using -var=\"{name}=...\": {}.",
                    e.message
                ),
                decl,
            ),
            VarSource::Env => (
                format!(
                    "Unsuitable value for var.{name} set using the TF_VAR_{name} environment variable: {}.",
                    e.message
                ),
                decl,
            ),
            VarSource::AutoFile | VarSource::NamedFile => {
                let at = decl
                    .and_then(|d| range_string(sources, d))
                    .map(|r| format!(" declared at {r}"))
                    .unwrap_or_default();
                (
                    format!(
                        "The given value is not suitable for var.{name}{at}: {}.",
                        e.message
                    ),
                    raw.span().or(decl),
                )
            }
        };
        Diagnostics::from(
            Diagnostic::error("Invalid value for input variable")
                .with_span(span)
                .with_detail(detail),
        )
    })
}

/// Parses a `-var`/`TF_VAR_` string as an HCL expression, registered as the pseudo
/// file `<value for var.NAME>` so errors can point into it.
fn parse_hcl_string(name: &str, text: &str, sources: &SourceMap) -> Result<Value, Diagnostics> {
    let file = sources.add(format!("<value for var.{name}>"), text);
    let expr = hcl_edit::parser::parse_expr(text).map_err(|e| {
        let at = e.location().offset().min(text.len());
        Diagnostics::from(
            syntax_diagnostic(e.message())
                .with_span(Some(Span::new(file, at..next_char_boundary(text, at)))),
        )
    })?;
    constant_value(&expr).map_err(|e| Diagnostics::from(constant_diagnostic(e, file, None)))
}

/// A span as Terraform prints a source range: `main.tf:1,1-13`, or
/// `main.tf:1,1-3,2` when it spans lines.
pub fn range_string(sources: &SourceMap, span: Span) -> Option<String> {
    let start = sources.location(span)?;
    let end = sources.location(Span {
        start: span.end,
        ..span
    })?;
    Some(if start.line == end.line {
        format!(
            "{}:{},{}-{}",
            start.file, start.line, start.column, end.column
        )
    } else {
        format!(
            "{}:{},{}-{},{}",
            start.file, start.line, start.column, end.line, end.column
        )
    })
}

/// Terraform's diagnostics for values given for variables the root module does not
/// declare: an error for `-var`, a warning for files (at most two, then a summary),
/// nothing for the environment.
pub fn check_undeclared(
    values: &BTreeMap<String, RawVarValue>,
    is_declared: impl Fn(&str) -> bool,
    sources: &SourceMap,
) -> Diagnostics {
    let mut diags = Diagnostics::new();
    let mut in_files = 0;
    for (name, raw) in values {
        if is_declared(name) {
            continue;
        }
        match raw.source {
            VarSource::Env => {}
            VarSource::CliArg => diags.push(
                Diagnostic::error("Value for undeclared variable").with_detail(format!(
                    "A variable named \"{name}\" was assigned on the command line, but the root module does not declare a variable of that name. To use this value, add a \"variable\" block to the configuration."
                )),
            ),
            VarSource::AutoFile | VarSource::NamedFile => {
                if in_files < 2 {
                    let file = raw
                        .span()
                        .and_then(|s| sources.get(s.file))
                        .map(|f| f.name.clone())
                        .unwrap_or_default();
                    diags.push(
                        Diagnostic::warning("Value for undeclared variable").with_detail(format!(
                            "The root module does not declare a variable named \"{name}\" but a value was found in file \"{file}\". If you meant to use this value, add a \"variable\" block to the configuration.\n\nTo silence these warnings, use TF_VAR_... environment variables to provide certain \"global\" settings to all configurations in your organization. To reduce the verbosity of these warnings, use the -compact-warnings option."
                        )),
                    );
                }
                in_files += 1;
            }
        }
    }
    if in_files > 2 {
        diags.push(
            Diagnostic::warning("Values for undeclared variables").with_detail(format!(
                "In addition to the other similar warnings shown, {} other variable(s) defined without being declared.",
                in_files - 2
            )),
        );
    }
    diags
}

/// Terraform's diagnostic when applying a saved plan with a variable value (`given`,
/// already converted) that differs from the one the plan was made with: an error for
/// `-var` and `-var-file`, a warning (the value is ignored) for `TF_VAR_`. `None` when
/// the values agree. Values of sensitive variables are not shown.
pub fn saved_plan_conflict(
    raw: &RawVarValue,
    given: &Value,
    planned: &Value,
    sensitive: bool,
) -> Option<Diagnostic> {
    if given == planned {
        return None;
    }
    let name = &raw.name;
    let show = |v: &Value| {
        if sensitive {
            "(sensitive value)".to_string()
        } else {
            compact_value(v)
        }
    };
    let (planned, given) = (show(planned), show(given));
    let by = match raw.source {
        VarSource::Env => {
            return Some(Diagnostic::warning("Ignoring variable when applying a saved plan").with_detail(format!(
                // "overriden" is Terraform's spelling.
                "The variable {name} cannot be overriden when applying a saved plan file, because a saved plan includes the variable values that were set when it was created. The saved plan specifies {planned} as the value whereas during apply the value {given} was set by an environment variable. To declare an ephemeral variable which is not saved in the plan file, use ephemeral = true."
            )));
        }
        VarSource::CliArg => "a CLI argument",
        VarSource::NamedFile => "a .tfvars file passed through -var-file argument",
        VarSource::AutoFile => "an automatically loaded .tfvars file",
    };
    Some(
        Diagnostic::error("Can't change variable when applying a saved plan")
            .with_span(raw.span())
            .with_detail(format!(
                "The variable {name} cannot be set using the -var and -var-file options when applying a saved plan file, because a saved plan includes the variable values that were set when it was created. The saved plan specifies {planned} as the value whereas during apply the value {given} was set by {by}. To declare an ephemeral variable which is not saved in the plan file, use ephemeral = true."
            )),
    )
}

/// A value in a few words, as Terraform's `CompactValueStr`: primitives in full,
/// collections and structures by their size (`list of 2 elements`).
fn compact_value(v: &Value) -> String {
    let count = |n: usize, one: &str, many: &str| {
        if n == 1 {
            format!("1 {one}")
        } else {
            format!("{n} {many}")
        }
    };
    match v {
        Value::List(items) if items.is_empty() => "empty list".into(),
        Value::List(items) => format!("list of {}", count(items.len(), "element", "elements")),
        Value::Set(items) if items.is_empty() => "empty set".into(),
        Value::Set(items) => format!("set of {}", count(items.len(), "element", "elements")),
        Value::Tuple(items) if items.is_empty() => "empty tuple".into(),
        Value::Tuple(items) => format!("tuple with {}", count(items.len(), "element", "elements")),
        Value::Map(m) if m.is_empty() => "empty map".into(),
        Value::Map(m) => format!("map of {}", count(m.len(), "element", "elements")),
        Value::Object(m) if m.is_empty() => "object with no attributes".into(),
        Value::Object(m) => format!("object with {}", count(m.len(), "attribute", "attributes")),
        other => other.to_string(),
    }
}

/// Terraform's error for a declared variable without a default that no source set.
pub fn no_value_for_required(name: &str, decl: Option<Span>) -> Diagnostic {
    Diagnostic::error("No value for required variable")
        .with_span(decl)
        .with_detail(format!(
            "The root module input variable \"{name}\" is not set, and has no default value. Use a -var or -var-file command line argument to provide a value for this variable."
        ))
}

#[cfg(test)]
mod tests;
