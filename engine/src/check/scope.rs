//! The scope `validate` evaluates in: every input is unknown, locals are evaluated on
//! demand, so only what is wrong whatever the inputs are is reported.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use crate::config::Module;
use crate::diag::{Diagnostic, Span};
use crate::lang::{eval, Scope};
use crate::value::Value;

/// A local's evaluation state: being evaluated (a cycle, reported by the graph) or done.
#[derive(Clone)]
enum Memo {
    InProgress,
    Done(Value),
}

/// One module's names with unknown inputs.
pub(super) struct CheckScope<'a> {
    module: &'a Module,
    root_dir: PathBuf,
    locals: Mutex<HashMap<String, Memo>>,
}

impl<'a> CheckScope<'a> {
    /// A scope for `module`; `root_dir` is the root module's directory.
    pub(super) fn new(module: &'a Module, root_dir: &Path) -> CheckScope<'a> {
        CheckScope {
            module,
            root_dir: root_dir.to_path_buf(),
            locals: Mutex::new(HashMap::new()),
        }
    }

    /// The value of `local.name`: evaluated once; unknown when it fails (its own check
    /// reports that) or refers back to itself (the graph reports the cycle).
    fn local(&self, name: &str) -> Value {
        let memo = self.locals.lock().map(|m| m.get(name).cloned());
        match memo {
            Ok(Some(Memo::Done(v))) => return v,
            Ok(Some(Memo::InProgress)) | Err(_) => return Value::Unknown,
            Ok(None) => {}
        }
        let Some(l) = self.module.locals.get(name) else {
            return Value::Unknown;
        };
        if let Ok(mut m) = self.locals.lock() {
            m.insert(name.to_string(), Memo::InProgress);
        }
        let v = eval(&l.expr, self).unwrap_or(Value::Unknown);
        if let Ok(mut m) = self.locals.lock() {
            m.insert(name.to_string(), Memo::Done(v.clone()));
        }
        v
    }
}

impl Scope for CheckScope<'_> {
    fn resolve(&self, path: &[String], span: Option<Span>) -> Result<(Value, usize), Diagnostic> {
        let attr = path.get(1).map(String::as_str).unwrap_or_default();
        match path[0].as_str() {
            "local" => Ok((self.local(attr), 2)),
            "path" => {
                let dir = match attr {
                    "module" => crate::diag::display_path(&self.module.dir),
                    "root" => crate::diag::display_path(&self.root_dir),
                    "cwd" => ".".to_string(),
                    other => return Err(Diagnostic::error("Invalid \"path\" attribute").with_span(span).with_detail(format!("The \"path\" object does not have an attribute named \"{other}\"; use path.module, path.root or path.cwd."))),
                };
                Ok((Value::String(if dir.is_empty() { ".".into() } else { dir }), 2))
            }
            "terraform" => match attr {
                "workspace" => Ok((Value::Unknown, 2)),
                other => Err(Diagnostic::error("Invalid \"terraform\" attribute").with_span(span).with_detail(format!("The \"terraform\" object does not have an attribute named \"{other}\"; only terraform.workspace is available."))),
            },
            "count" => Err(Diagnostic::error("Reference to \"count\" in non-counted context").with_span(span).with_detail("The \"count\" object can only be used in \"module\", \"resource\", and \"data\" blocks, and only when the \"count\" argument is set.")),
            "each" => Err(Diagnostic::error("Reference to \"each\" in context without for_each").with_span(span).with_detail("The \"each\" object can be used only in \"module\" or \"resource\" blocks, and only when the \"for_each\" argument is set.")),
            // Variables, resources, data sources, module outputs and `self` are not known
            // until plan; references to undeclared names are the graph's to report.
            _ => Ok((Value::Unknown, 1)),
        }
    }

    fn base_dir(&self) -> &Path {
        &self.module.dir
    }

    fn root_dir(&self) -> &Path {
        &self.root_dir
    }

    fn planning(&self) -> bool {
        true
    }
}
