//! A run's root variable values: the file's `variables`, then the run's, evaluated
//! (they may refer to `var.*` and earlier runs' outputs) and converted to the declared
//! types; declared defaults fill the rest.

use std::collections::BTreeMap;
use std::path::Path;

use engine::config::{Config, Expr};
use engine::diag::{Diagnostic, Diagnostics};
use engine::types::{constant_value, convert};
use engine::value::Value;

use crate::scope::TestScope;

/// Every variable the run sets, evaluated: file-level first, then the run's own, which
/// see the file's values as `var.*`.
pub fn given(
    file_vars: &[(String, Expr)],
    run_vars: &[(String, Expr)],
    runs: &BTreeMap<String, Value>,
    dir: &Path,
) -> Result<BTreeMap<String, Value>, Diagnostics> {
    let mut diags = Diagnostics::new();
    let mut file_values = BTreeMap::new();
    for (name, expr) in file_vars {
        let scope = TestScope {
            vars: &BTreeMap::new(),
            runs,
            values: None,
            dir: dir.to_path_buf(),
        };
        match engine::lang::eval(expr, &scope) {
            Ok(v) => {
                file_values.insert(name.clone(), v);
            }
            Err(d) => diags.push(d),
        }
    }
    let mut out = file_values.clone();
    for (name, expr) in run_vars {
        let scope = TestScope {
            vars: &file_values,
            runs,
            values: None,
            dir: dir.to_path_buf(),
        };
        match engine::lang::eval(expr, &scope) {
            Ok(v) => {
                out.insert(name.clone(), v);
            }
            Err(d) => diags.push(d),
        }
    }
    if diags.has_errors() {
        return Err(diags);
    }
    Ok(out)
}

/// The root variables of `config` from `given` values and declared defaults. Values for
/// undeclared names are not passed on (assertions still see them as `var.*`).
pub fn root_values(
    config: &Config,
    given: &BTreeMap<String, Value>,
) -> Result<BTreeMap<String, Value>, Diagnostics> {
    let mut diags = Diagnostics::new();
    let mut out = BTreeMap::new();
    for (name, var) in &config.module.variables {
        let raw = match given.get(name) {
            Some(v) => Some(v.clone()),
            None => var
                .default
                .as_ref()
                .and_then(|d| constant_value(&d.expr).ok()),
        };
        let Some(raw) = raw else {
            diags.push(
                Diagnostic::error("No value for required variable")
                    .with_span(var.span)
                    .with_detail(format!("The root module input variable \"{name}\" is not set, and has no default value. Set it in a variables block of the test file or of the run.")),
            );
            continue;
        };
        match convert(raw, &var.ty) {
            Ok(v) => {
                out.insert(name.clone(), v.mark_if(var.sensitive));
            }
            Err(e) => diags.push(
                Diagnostic::error("Invalid value for input variable")
                    .with_span(var.span)
                    .with_detail(format!(
                        "The value given for var.{name} is not suitable: {}.",
                        e.message
                    )),
            ),
        }
    }
    if diags.has_errors() {
        return Err(diags);
    }
    Ok(out)
}

/// Values as JSON for the ledger (marks dropped; [`from_json`] converts them back).
pub fn to_json(values: &BTreeMap<String, Value>) -> serde_json::Value {
    serde_json::Value::Object(
        values
            .iter()
            .map(|(k, v)| (k.clone(), v.clone().unmark_deep().0.to_json()))
            .collect(),
    )
}

/// Values saved by [`to_json`], converted to `config`'s declared types.
pub fn from_json(config: &Config, j: &serde_json::Value) -> BTreeMap<String, Value> {
    let given: BTreeMap<String, Value> = j
        .as_object()
        .map(|m| {
            m.iter()
                .map(|(k, v)| (k.clone(), Value::from_json(v)))
                .collect()
        })
        .unwrap_or_default();
    root_values(config, &given).unwrap_or(given)
}

#[cfg(test)]
mod tests {
    use super::*;
    use engine::diag::SourceMap;

    fn config(text: &str) -> Config {
        let tmp = tempfile::tempdir().expect("tempdir");
        std::fs::write(tmp.path().join("main.tf"), text).expect("write");
        let (c, d) = engine::config::load_config(tmp.path(), &SourceMap::new());
        assert!(!d.has_errors(), "{d:?}");
        c
    }

    #[test]
    fn given_values_are_converted_and_defaults_fill_the_rest() {
        let c = config(
            "variable \"n\" { type = number }\nvariable \"s\" {\n  type = string\n  default = \"d\"\n}\n",
        );
        let given = BTreeMap::from([("n".to_string(), Value::string("3"))]);
        let out = root_values(&c, &given).expect("values");
        assert_eq!(out["n"], Value::Number(3.0));
        assert_eq!(out["s"], Value::string("d"));
    }

    #[test]
    fn a_required_variable_without_value_is_an_error() {
        let c = config("variable \"n\" { type = number }\n");
        let d = root_values(&c, &BTreeMap::new()).expect_err("missing");
        assert_eq!(
            d.iter().next().expect("one").summary,
            "No value for required variable"
        );
    }

    #[test]
    fn run_variables_see_file_variables_and_earlier_runs() {
        let sources = SourceMap::new();
        let parse = |t: &str| Expr {
            file: sources.add("t", t),
            expr: hcl_edit::parser::parse_expr(t).expect("parses"),
        };
        let file_vars = vec![("a".to_string(), parse("\"x\""))];
        let run_vars = vec![("b".to_string(), parse("\"${var.a}-${run.setup.id}\""))];
        let runs = BTreeMap::from([(
            "setup".to_string(),
            Value::object([("id", Value::string("7"))]),
        )]);
        let out = given(&file_vars, &run_vars, &runs, Path::new(".")).expect("values");
        assert_eq!(out["b"], Value::string("x-7"));
    }
}
