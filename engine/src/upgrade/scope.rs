//! The scope `upgrade check` reads versions in: the variable values given, locals, and
//! other resources' configured attributes, all without state or providers. Whatever
//! depends on something only known after apply is unknown.

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use crate::addr::{Mode, Resource};
use crate::config::Module;
use crate::diag::{Diagnostic, Span};
use crate::lang::{eval, Evaluator, Scope};
use crate::value::Value;

/// One module instance's names.
pub(super) struct StaticScope<'a> {
    pub(super) module: &'a Module,
    vars: BTreeMap<String, Value>,
    root_dir: PathBuf,
    locals: Mutex<HashMap<String, Option<Value>>>,
    resources: Mutex<HashMap<Resource, Option<Value>>>,
}

impl<'a> StaticScope<'a> {
    /// A scope for `module` whose variables have `vars` (missing ones take their default).
    pub(super) fn new(
        module: &'a Module,
        mut vars: BTreeMap<String, Value>,
        root_dir: &Path,
    ) -> StaticScope<'a> {
        for (name, v) in &module.variables {
            if !vars.contains_key(name) {
                let default = v
                    .default
                    .as_ref()
                    .and_then(|d| eval(d, &Constants).ok())
                    .unwrap_or(Value::Unknown);
                vars.insert(name.clone(), default);
            }
        }
        StaticScope {
            module,
            vars,
            root_dir: root_dir.to_path_buf(),
            locals: Mutex::new(HashMap::new()),
            resources: Mutex::new(HashMap::new()),
        }
    }

    /// The configured attributes of a resource block as an object (unknown with
    /// `count`/`for_each`, whose instances cannot be told apart here).
    pub(super) fn attributes(&self, r: &crate::config::ResourceBlock) -> Value {
        let mut ev = Evaluator::new(self, r.body.file);
        ev.decode_body(&r.body.body, None, r.span)
            .unwrap_or(Value::Unknown)
    }

    fn local(&self, name: &str) -> Value {
        if let Ok(m) = self.locals.lock() {
            match m.get(name) {
                Some(Some(v)) => return v.clone(),
                Some(None) => return Value::Unknown, // a cycle
                None => {}
            }
        }
        let Some(l) = self.module.locals.get(name) else {
            return Value::Unknown;
        };
        if let Ok(mut m) = self.locals.lock() {
            m.insert(name.to_string(), None);
        }
        let v = eval(&l.expr, self).unwrap_or(Value::Unknown);
        if let Ok(mut m) = self.locals.lock() {
            m.insert(name.to_string(), Some(v.clone()));
        }
        v
    }

    fn resource(&self, r: &Resource) -> Value {
        if let Ok(m) = self.resources.lock() {
            match m.get(r) {
                Some(Some(v)) => return v.clone(),
                Some(None) => return Value::Unknown,
                None => {}
            }
        }
        let Some(block) = self.module.resources.get(r) else {
            return Value::Unknown;
        };
        if block.count.is_some() || block.for_each.is_some() {
            return Value::Unknown;
        }
        if let Ok(mut m) = self.resources.lock() {
            m.insert(r.clone(), None);
        }
        let v = self.attributes(block);
        if let Ok(mut m) = self.resources.lock() {
            m.insert(r.clone(), Some(v.clone()));
        }
        v
    }
}

impl Scope for StaticScope<'_> {
    fn resolve(&self, path: &[String], _span: Option<Span>) -> Result<(Value, usize), Diagnostic> {
        let second = path.get(1).cloned().unwrap_or_default();
        Ok(match path[0].as_str() {
            "var" => (self.vars.get(&second).cloned().unwrap_or(Value::Unknown), 2),
            "local" => (self.local(&second), 2),
            "data" | "module" => (Value::Unknown, 3.min(path.len())),
            "path" | "terraform" | "count" | "each" | "self" => (Value::Unknown, 2.min(path.len())),
            type_name if path.len() >= 2 => {
                let r = Resource {
                    mode: Mode::Managed,
                    type_name: type_name.to_string(),
                    name: second,
                };
                let v = self.resource(&r);
                // An attribute the provider computes (`arn`) is not in the configured
                // object: unknown here, so it leaves the rest of the block readable.
                match path.get(2) {
                    Some(attr) if !v.is_unknown() => {
                        (v.get_attr(attr).cloned().unwrap_or(Value::Unknown), 3)
                    }
                    _ => (v, 2),
                }
            }
            _ => (Value::Unknown, 1),
        })
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

/// Variable defaults are constants: no names at all.
struct Constants;

impl Scope for Constants {
    fn resolve(&self, _: &[String], span: Option<Span>) -> Result<(Value, usize), Diagnostic> {
        Err(Diagnostic::error("Variables not allowed").with_span(span))
    }

    fn base_dir(&self) -> &Path {
        Path::new(".")
    }

    fn planning(&self) -> bool {
        true
    }
}
