//! Terraform's standard function library, as far as it is pure.
//!
//! Every function is described by a [`Spec`] in its family's module; [`call`] looks the
//! spec up, checks arity, and applies the generic rules shared by all functions before
//! running it: sensitive marks are removed and put back on the result, unknown arguments
//! give unknown results, and null arguments are rejected — unless the spec says the
//! function wants to see them.

use std::collections::HashMap;
use std::path::Path;
use std::sync::OnceLock;

use crate::value::{Value, ValueMap};

mod args;
mod collection;
mod conversion;
mod crypto;
mod datetime;
mod encoding;
mod filesystem;
mod format;
mod network;
mod numeric;
mod string;
#[cfg(test)]
mod tests;

use args::{Call, Spec};

/// Renders a template file for `templatefile`; implemented by the evaluator.
pub trait TemplateRenderer {
    /// Parses `source` (read from `path`) as a template and evaluates it with `vars` in scope.
    fn render(&self, path: &Path, source: &str, vars: &ValueMap) -> Result<Value, String>;
}

/// What functions may see of the world.
pub struct FuncContext<'a> {
    /// The root module's directory: relative paths of `file`, `fileset`, ... start here
    /// (in a child module they are built from `path.module`, itself relative to it).
    pub base_dir: &'a Path,
    /// True during plan: `timestamp()` and `uuid()` return unknown.
    pub planning: bool,
    /// Evaluates templates for `templatefile`.
    pub templates: &'a dyn TemplateRenderer,
}

/// Why a function call failed.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum FuncError {
    /// No function by that name.
    #[error("there is no function named {0:?}")]
    Unknown(String),
    /// Wrong number of arguments.
    #[error("{0}")]
    Arity(String),
    /// One argument is wrong; `index` is 0-based.
    #[error("{message}")]
    Arg {
        /// Which argument.
        index: usize,
        /// What is wrong with it.
        message: String,
    },
    /// The call as a whole failed.
    #[error("{0}")]
    Failed(String),
}

/// Functions the evaluator implements itself because their arguments must be evaluated
/// lazily; they exist for validation but [`call`] cannot run them.
const LAZY: &[&str] = &["can", "try"];

fn specs() -> impl Iterator<Item = &'static Spec> {
    [
        collection::SPECS,
        conversion::SPECS,
        crypto::SPECS,
        datetime::SPECS,
        encoding::SPECS,
        filesystem::SPECS,
        network::SPECS,
        numeric::SPECS,
        string::SPECS,
    ]
    .into_iter()
    .flatten()
}

fn table() -> &'static HashMap<&'static str, &'static Spec> {
    static TABLE: OnceLock<HashMap<&'static str, &'static Spec>> = OnceLock::new();
    TABLE.get_or_init(|| specs().map(|s| (s.name, s)).collect())
}

/// Every function name galley knows (including `try` and `can`), sorted.
pub fn names() -> &'static [&'static str] {
    static NAMES: OnceLock<Vec<&'static str>> = OnceLock::new();
    NAMES.get_or_init(|| {
        let mut names: Vec<&'static str> = specs()
            .map(|s| s.name)
            .chain(LAZY.iter().copied())
            .collect();
        names.sort_unstable();
        names
    })
}

/// True if `name` is a function galley knows.
pub fn exists(name: &str) -> bool {
    table().contains_key(name) || LAZY.contains(&name)
}

/// Calls a function. Unknown arguments give unknown results and sensitive arguments
/// give sensitive results, as in Terraform.
pub fn call(name: &str, args: Vec<Value>, ctx: &FuncContext) -> Result<Value, FuncError> {
    let Some(spec) = table().get(name).copied() else {
        return Err(FuncError::Unknown(name.to_string()));
    };
    spec.check_arity(args.len())?;

    let mut sensitive = false;
    let args: Vec<Value> = if spec.sees.marks {
        args
    } else {
        args.into_iter()
            .map(|a| {
                let (v, marked) = a.unmark_deep();
                sensitive |= marked;
                v
            })
            .collect()
    };
    if !spec.sees.null {
        if let Some(i) = args.iter().position(Value::is_null) {
            return Err(spec.arg_error(i, "argument must not be null."));
        }
    }
    let unknown = match spec.sees.unknown {
        args::Unknowns::Reject => args.iter().any(Value::contains_unknown),
        args::Unknowns::Nested => args.iter().any(Value::is_unknown),
        args::Unknowns::All => false,
    };
    if unknown {
        return Ok(Value::Unknown.mark_if(sensitive));
    }
    let result = (spec.imp)(&Call { spec, args, ctx })?;
    Ok(result.mark_if(sensitive))
}
