//! Values computed during a walk, and the [`Scope`] that resolves references against them.

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::sync::RwLock;

use crate::addr::{InstanceKey, Mode, ModulePath, Resource};
use crate::config::Config;
use crate::diag::{Diagnostic, Span};
use crate::lang::Scope;
use crate::value::{Value, ValueMap};

/// How a resource or module call was expanded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Expansion {
    /// No `count` / `for_each`: one instance, referenced as an object.
    Single,
    /// `count`: instances referenced as a tuple.
    Count,
    /// `for_each`: instances referenced as an object keyed by `each.key`.
    ForEach,
    /// `count` / `for_each` not known yet: referenced as unknown.
    Unknown,
}

/// The instances of one resource in one module instance.
#[derive(Debug, Clone)]
pub struct ResourceValues {
    /// How it expanded.
    pub expansion: Expansion,
    /// Each instance's value.
    pub instances: BTreeMap<InstanceKey, Value>,
}

impl ResourceValues {
    /// The value a reference to the resource sees.
    pub fn value(&self) -> Value {
        match self.expansion {
            Expansion::Unknown => Value::Unknown,
            Expansion::Single => self
                .instances
                .values()
                .next()
                .cloned()
                .unwrap_or(Value::Null),
            Expansion::Count => Value::Tuple(self.instances.values().cloned().collect()),
            Expansion::ForEach => Value::Object(
                self.instances
                    .iter()
                    .map(|(k, v)| {
                        let key = match k {
                            InstanceKey::Str(s) => s.clone(),
                            other => other.to_string(),
                        };
                        (key, v.clone())
                    })
                    .collect(),
            ),
        }
    }
}

/// Everything evaluated so far, by module instance.
#[derive(Default)]
pub struct Store {
    /// Input variables.
    pub vars: RwLock<HashMap<(ModulePath, String), Value>>,
    /// Local values.
    pub locals: RwLock<HashMap<(ModulePath, String), Value>>,
    /// Module outputs.
    pub outputs: RwLock<HashMap<(ModulePath, String), Value>>,
    /// Resources.
    pub resources: RwLock<HashMap<(ModulePath, Resource), ResourceValues>>,
    /// Module instances by static path (call names); the root is always there.
    pub module_instances: RwLock<HashMap<Vec<String>, Vec<ModulePath>>>,
    /// Expansion of each module call, by static path of the child.
    pub module_expansion: RwLock<HashMap<Vec<String>, Expansion>>,
}

/// Resolves references made inside one module instance.
pub struct ModuleScope<'a> {
    /// The walk's values.
    pub store: &'a Store,
    /// The whole configuration.
    pub config: &'a Config,
    /// The module instance the expression is in.
    pub module: ModulePath,
    /// The module's directory.
    pub dir: PathBuf,
    /// True during plan.
    pub planning: bool,
}

fn static_path(m: &ModulePath) -> Vec<String> {
    m.0.iter().map(|s| s.name.clone()).collect()
}

impl ModuleScope<'_> {
    fn module_config(&self) -> Option<&Config> {
        self.config.descendant(&static_path(&self.module))
    }

    fn missing(&self, span: Option<Span>, summary: &str, detail: String) -> Diagnostic {
        Diagnostic::error(summary)
            .with_span(span)
            .with_detail(detail)
    }

    fn module_value(&self, call: &str) -> Value {
        let mut child_static = static_path(&self.module);
        child_static.push(call.to_string());
        let expansion = self
            .store
            .module_expansion
            .read()
            .expect("lock")
            .get(&child_static)
            .copied()
            .unwrap_or(Expansion::Unknown);
        let Some(child_cfg) = self.config.descendant(&child_static) else {
            return Value::Unknown;
        };
        let instances: Vec<ModulePath> = self
            .store
            .module_instances
            .read()
            .expect("lock")
            .get(&child_static)
            .map(|v| {
                v.iter()
                    .filter(|p| p.0[..p.0.len() - 1] == self.module.0[..])
                    .cloned()
                    .collect()
            })
            .unwrap_or_default();
        let outputs = self.store.outputs.read().expect("lock");
        let object_of = |p: &ModulePath| {
            Value::Object(
                child_cfg
                    .module
                    .outputs
                    .keys()
                    .map(|o| {
                        (
                            o.clone(),
                            outputs
                                .get(&(p.clone(), o.clone()))
                                .cloned()
                                .unwrap_or(Value::Unknown),
                        )
                    })
                    .collect(),
            )
        };
        match expansion {
            Expansion::Unknown => Value::Unknown,
            Expansion::Single => instances.first().map(object_of).unwrap_or(Value::Unknown),
            Expansion::Count => Value::Tuple(instances.iter().map(object_of).collect()),
            Expansion::ForEach => Value::Object(
                instances
                    .iter()
                    .map(|p| {
                        let key = match &p.0.last().expect("child step").key {
                            InstanceKey::Str(s) => s.clone(),
                            k => k.to_string(),
                        };
                        (key, object_of(p))
                    })
                    .collect::<ValueMap>(),
            ),
        }
    }

    fn resource_value(&self, r: &Resource, span: Option<Span>) -> Result<Value, Diagnostic> {
        let cfg = self.module_config();
        if !cfg.is_some_and(|c| c.module.resources.contains_key(r)) {
            return Err(self.missing(
                span,
                "Reference to undeclared resource",
                format!(
                    "A {} resource \"{}\" \"{}\" has not been declared in this module.",
                    if r.mode == Mode::Data {
                        "data"
                    } else {
                        "managed"
                    },
                    r.type_name,
                    r.name
                ),
            ));
        }
        let resources = self.store.resources.read().expect("lock");
        Ok(resources
            .get(&(self.module.clone(), r.clone()))
            .map(ResourceValues::value)
            .unwrap_or(Value::Unknown))
    }
}

impl Scope for ModuleScope<'_> {
    fn resolve(&self, path: &[String], span: Option<Span>) -> Result<(Value, usize), Diagnostic> {
        let name = |i: usize| path.get(i).cloned().unwrap_or_default();
        match path[0].as_str() {
            "var" => {
                let n = name(1);
                let v = self.store.vars.read().expect("lock").get(&(self.module.clone(), n.clone())).cloned();
                match v {
                    Some(v) => Ok((v, 2)),
                    None if self.module_config().is_some_and(|c| c.module.variables.contains_key(&n)) => Ok((Value::Unknown, 2)),
                    None => Err(self.missing(span, "Reference to undeclared input variable", format!("An input variable with the name \"{n}\" has not been declared."))),
                }
            }
            "local" => {
                let n = name(1);
                let v = self.store.locals.read().expect("lock").get(&(self.module.clone(), n.clone())).cloned();
                match v {
                    Some(v) => Ok((v, 2)),
                    None if self.module_config().is_some_and(|c| c.module.locals.contains_key(&n)) => Ok((Value::Unknown, 2)),
                    None => Err(self.missing(span, "Reference to undeclared local value", format!("A local value with the name \"{n}\" has not been declared."))),
                }
            }
            "module" => {
                let n = name(1);
                if !self.module_config().is_some_and(|c| c.module.module_calls.contains_key(&n)) {
                    return Err(self.missing(span, "Reference to undeclared module", format!("No module call named \"{n}\" is declared in this module.")));
                }
                Ok((self.module_value(&n), 2))
            }
            "data" => {
                let r = Resource { mode: Mode::Data, type_name: name(1), name: name(2) };
                Ok((self.resource_value(&r, span)?, 3))
            }
            "path" => {
                let v = match name(1).as_str() {
                    "module" => crate::diag::display_path(&self.dir),
                    "root" => crate::diag::display_path(&self.config.module.dir),
                    "cwd" => ".".to_string(),
                    other => return Err(self.missing(span, "Invalid \"path\" attribute", format!("The \"path\" object does not have an attribute named \"{other}\"; use path.module, path.root or path.cwd."))),
                };
                Ok((Value::String(if v.is_empty() { ".".into() } else { v }), 2))
            }
            "terraform" => match name(1).as_str() {
                "workspace" => Ok((Value::string("default"), 2)),
                other => Err(self.missing(span, "Invalid \"terraform\" attribute", format!("The \"terraform\" object does not have an attribute named \"{other}\"; only terraform.workspace is available."))),
            },
            "count" => Err(self.missing(span, "Reference to \"count\" in non-counted context", "The \"count\" object can only be used in \"module\", \"resource\", and \"data\" blocks, and only when the \"count\" argument is set.".into())),
            "each" => Err(self.missing(span, "Reference to \"each\" in context without for_each", "The \"each\" object can be used only in \"module\" or \"resource\" blocks, and only when the \"for_each\" argument is set.".into())),
            "self" => Err(self.missing(span, "Invalid \"self\" reference", "The \"self\" object is not available in this context.".into())),
            t => {
                if path.len() < 2 {
                    return Err(self.missing(span, "Invalid reference", format!("A reference to a resource type must be followed by at least one attribute access, specifying the resource name: \"{t}\" alone names nothing.")));
                }
                let r = Resource { mode: Mode::Managed, type_name: t.to_string(), name: name(1) };
                Ok((self.resource_value(&r, span)?, 2))
            }
        }
    }

    fn base_dir(&self) -> &Path {
        &self.dir
    }

    fn root_dir(&self) -> &Path {
        &self.config.module.dir
    }

    fn planning(&self) -> bool {
        self.planning
    }
}
