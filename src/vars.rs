//! Root variable values for a run: [`engine::vars`] gathers them from every source in
//! Terraform's precedence; this matches them with the root module's declarations.

use std::collections::BTreeMap;
use std::path::Path;

use engine::config::{Config, Variable};
use engine::diag::{Diagnostics, SourceMap};
use engine::types::{constant_value, convert, Type};
use engine::value::Value;
use engine::vars::{self, CliVar, RawVarValue};

/// Where variable values come from besides the configuration's defaults.
#[derive(Debug, Clone, Copy)]
pub struct Inputs<'a> {
    /// The root module directory: tfvars files are found there, `-var-file` paths are
    /// relative to it.
    pub dir: &'a Path,
    /// `-var` and `-var-file` options in command-line order.
    pub options: &'a [CliVar],
    /// Environment variables; only `TF_VAR_` ones are used.
    pub env: &'a [(String, String)],
}

/// The value of every root variable for a plan, converted to its declared type: from
/// the sources [`engine::vars::collect`] reads (later wins), else from the `default`.
/// Errors for a required variable no source set, for values that do not fit the type
/// and for `-var` options naming undeclared variables; warnings for undeclared names
/// in files.
pub fn root_values(
    inputs: Inputs<'_>,
    config: &Config,
    sources: &SourceMap,
) -> (BTreeMap<String, Value>, Diagnostics) {
    let (given, mut diags) = vars::collect(inputs.dir, inputs.options, inputs.env, sources);
    let mut out = BTreeMap::new();
    // Like Terraform, an unreadable source does not stop the rest: a variable it would
    // have set is then also reported as missing.
    let declared = &config.module.variables;
    diags.extend(vars::check_undeclared(
        &given,
        |n| declared.contains_key(n),
        sources,
    ));
    for (name, var) in declared {
        match given.get(name) {
            Some(raw) => match finalize(raw, var, sources) {
                Ok(v) => {
                    out.insert(name.clone(), v);
                }
                Err(d) => diags.extend(d),
            },
            None if var.default.is_some() => {
                // Kept in the plan like Terraform does, so a saved plan records every value.
                if let Some(v) = default_value(var) {
                    out.insert(name.clone(), v);
                }
            }
            None => diags.push(vars::no_value_for_required(name, var.span)),
        }
    }
    (out, diags)
}

/// Checks values given while applying a saved plan against the ones the plan was made
/// with (`planned`): `-var` and `-var-file` may only repeat them, a different
/// `TF_VAR_` value is ignored with a warning. Auto-loaded tfvars files are not read.
pub fn check_saved_plan(
    inputs: Inputs<'_>,
    config: &Config,
    planned: &BTreeMap<String, Value>,
    sources: &SourceMap,
) -> Diagnostics {
    let (given, mut diags) =
        vars::collect_for_saved_plan(inputs.dir, inputs.options, inputs.env, sources);
    let declared = &config.module.variables;
    diags.extend(vars::check_undeclared(
        &given,
        |n| declared.contains_key(n),
        sources,
    ));
    for (name, raw) in &given {
        let Some(var) = declared.get(name) else {
            continue;
        };
        match finalize(raw, var, sources) {
            Ok(v) => {
                let planned = planned.get(name).unwrap_or(&Value::Null);
                diags.extend(vars::saved_plan_conflict(raw, &v, planned, var.sensitive));
            }
            Err(d) => diags.extend(d),
        }
    }
    diags
}

/// A given value converted to the variable's type. Without a `type` argument a `-var`
/// string stays a string, which `type = any` would parse as an expression.
fn finalize(raw: &RawVarValue, var: &Variable, sources: &SourceMap) -> Result<Value, Diagnostics> {
    let ty: Option<&Type> = var.type_expr.as_ref().map(|_| &var.ty);
    vars::finalize(raw, ty, var.span, sources)
}

/// The `default`, converted; `None` when it is not a valid constant of the type, which
/// the configuration walk reports in its own words.
fn default_value(var: &Variable) -> Option<Value> {
    let default = var.default.as_ref()?;
    let value = constant_value(&default.expr).ok()?;
    convert(value, &var.ty).ok()
}
