//! Terraform's standard function library, as far as it is pure.

use std::path::Path;

use crate::value::{Value, ValueMap};

/// Renders a template file for `templatefile`; implemented by the evaluator.
pub trait TemplateRenderer {
    /// Parses `source` (read from `path`) as a template and evaluates it with `vars` in scope.
    fn render(&self, path: &Path, source: &str, vars: &ValueMap) -> Result<Value, String>;
}

/// What functions may see of the world.
pub struct FuncContext<'a> {
    /// The module's directory: relative paths of `file`, `fileset`, ... start here.
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

/// True if `name` is a function galley knows.
pub fn exists(name: &str) -> bool {
    let _ = name;
    false
}

/// Calls a function. Unknown arguments give unknown results and sensitive arguments
/// give sensitive results, as in Terraform.
pub fn call(name: &str, args: Vec<Value>, ctx: &FuncContext) -> Result<Value, FuncError> {
    let _ = (args, ctx);
    Err(FuncError::Unknown(name.to_string()))
}
