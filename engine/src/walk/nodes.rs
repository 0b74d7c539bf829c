//! Visiting variables, locals, outputs, module calls and providers.

use std::collections::BTreeMap;

use petgraph::graph::NodeIndex;

use super::store::{Expansion, ModuleScope};
use super::{Walk, WalkMode};
use crate::addr::{InstanceKey, ModulePath, ModuleStep};
use crate::config::{Check, Config, Expr, ProviderRef};
use crate::diag::{Diagnostic, Diagnostics};
use crate::lang::{eval_with, Evaluator, Scope};
use crate::plan::{Action, OutputChange};
use crate::provider::ProviderConfig;
use crate::state::OutputState;
use crate::value::Value;

/// The summary of a failed output precondition (the blue/green health gate renames it).
pub(crate) const OUTPUT_PRECONDITION_FAILED: &str = "Module output value precondition failed";

impl Walk {
    /// The module instances of a static module path.
    pub(crate) fn instances(&self, module: &[String]) -> Vec<ModulePath> {
        if module.is_empty() {
            return vec![ModulePath::root()];
        }
        self.store
            .module_instances
            .read()
            .expect("lock")
            .get(module)
            .cloned()
            .unwrap_or_default()
    }

    pub(crate) fn module_config(&self, module: &[String]) -> &Config {
        self.config
            .descendant(module)
            .expect("module in graph exists in config")
    }

    /// A scope for expressions in a module instance.
    pub(crate) fn scope(&self, inst: &ModulePath) -> ModuleScope<'_> {
        let static_path: Vec<String> = inst.0.iter().map(|s| s.name.clone()).collect();
        ModuleScope {
            store: &self.store,
            config: &self.config,
            module: inst.clone(),
            dir: self.module_config(&static_path).module.dir.clone(),
            planning: self.mode != WalkMode::Apply,
        }
    }

    fn visit_variable_inst(
        &self,
        module: &[String],
        name: &str,
        inst: &ModulePath,
    ) -> Result<Value, Diagnostics> {
        let cfg = &self.module_config(module).module;
        let var = &cfg.variables[name];
        let given: Option<Value> = if inst.is_root() {
            self.root_vars.get(name).cloned()
        } else {
            let (call, parent) = module.split_last().expect("child");
            let parent_cfg = &self.module_config(parent).module;
            match parent_cfg
                .module_calls
                .get(call)
                .and_then(|c| c.inputs.get(name))
            {
                Some(e) => {
                    let parent_inst = ModulePath(inst.0[..inst.0.len() - 1].to_vec());
                    let scope = self.scope(&parent_inst);
                    let locals = instance_locals(
                        &inst.0.last().expect("child").key,
                        &self.module_each(inst),
                    );
                    Some(eval_with(e, &scope, locals)?)
                }
                None => None,
            }
        };
        let scope = self.scope(inst);
        let value = match given {
            Some(v) if !(v.is_null() && !var.nullable && var.default.is_some()) => v,
            _ => match &var.default {
                Some(d) => crate::lang::eval(d, &scope)?,
                None => {
                    return Err(Diagnostic::error(if inst.is_root() { "No value for required variable" } else { "Missing required argument" })
                        .with_span(var.span)
                        .with_detail(if inst.is_root() {
                            format!("The root module input variable \"{name}\" is not set, and has no default value. Use a -var or -var-file command line argument to provide a value for this variable.")
                        } else {
                            format!("The argument \"{name}\" is required, but no definition was found in the call to module {inst}.")
                        })
                        .into())
                }
            },
        };
        let value = crate::types::convert(value, &var.ty).map_err(|e| {
            Diagnostics::from(
                Diagnostic::error("Invalid value for input variable")
                    .with_span(var.span)
                    .with_detail(format!(
                        "The given value is not suitable for var.{name}: {}.",
                        e.message
                    )),
            )
        })?;
        let value = value.mark_if(var.sensitive);
        if !var.nullable && value.is_null() {
            return Err(Diagnostic::error("Invalid value for input variable").with_span(var.span).with_detail(format!("The given value is not suitable for var.{name}: required variable may not be set to null.")).into());
        }
        self.store
            .vars
            .write()
            .expect("lock")
            .insert((inst.clone(), name.to_string()), value.clone());
        let mut diags = Diagnostics::new();
        for check in &var.validations {
            if let Some(d) = self.check(check, &scope, Vec::new(), "Invalid value for variable") {
                diags.push(d);
            }
        }
        if diags.has_errors() {
            return Err(diags);
        }
        Ok(value)
    }

    /// Evaluates a condition; returns the failure diagnostic, if any.
    pub(crate) fn check(
        &self,
        c: &Check,
        scope: &dyn Scope,
        locals: Vec<(String, Value)>,
        summary: &str,
    ) -> Option<Diagnostic> {
        match eval_with(&c.condition, scope, locals.clone()) {
            Ok(v) => match v.unmarked() {
                Value::Bool(true) | Value::Unknown => None,
                Value::Bool(false) => {
                    let msg = eval_with(&c.error_message, scope, locals)
                        .ok()
                        .and_then(|m| crate::lang::error_message_text(&m))
                        .unwrap_or_else(|| "The condition failed.".into());
                    Some(
                        Diagnostic::error(summary)
                            .with_span(c.condition.span())
                            .with_detail(msg),
                    )
                }
                other => Some(
                    Diagnostic::error("Invalid condition result")
                        .with_span(c.condition.span())
                        .with_detail(format!(
                            "The condition must be a bool, not {}.",
                            other.type_name()
                        )),
                ),
            },
            Err(d) => Some(d),
        }
    }

    pub(crate) fn visit_variable(&self, module: &[String], name: &str) -> Result<(), Diagnostics> {
        let mut diags = Diagnostics::new();
        for inst in self.instances(module) {
            if let Err(d) = self.visit_variable_inst(module, name, &inst) {
                diags.extend(d);
            }
        }
        if diags.has_errors() {
            Err(diags)
        } else {
            Ok(())
        }
    }

    pub(crate) fn visit_local(&self, module: &[String], name: &str) -> Result<(), Diagnostics> {
        let local = &self.module_config(module).module.locals[name];
        for inst in self.instances(module) {
            let scope = self.scope(&inst);
            let v = crate::lang::eval(&local.expr, &scope)?;
            self.store
                .locals
                .write()
                .expect("lock")
                .insert((inst, name.to_string()), v);
        }
        Ok(())
    }

    pub(crate) fn visit_output(&self, module: &[String], name: &str) -> Result<(), Diagnostics> {
        let out = &self.module_config(module).module.outputs[name];
        // A destroy removes outputs rather than computing them, and must work after a
        // failed apply left what they refer to half-created: their errors do not count.
        let destroying =
            self.mode == WalkMode::PlanDestroy || self.plan.as_ref().is_some_and(|p| p.destroy);
        for inst in self.instances(module) {
            if destroying {
                let scope = self.scope(&inst);
                let v = crate::lang::eval(&out.value, &scope).unwrap_or(Value::Unknown);
                self.store
                    .outputs
                    .write()
                    .expect("lock")
                    .insert((inst, name.to_string()), v.mark_if(out.sensitive));
                continue;
            }
            let scope = self.scope(&inst);
            let mut diags = Diagnostics::new();
            for p in &out.preconditions {
                if let Some(d) = self.check(p, &scope, Vec::new(), OUTPUT_PRECONDITION_FAILED) {
                    diags.push(d);
                }
            }
            if diags.has_errors() {
                return Err(diags);
            }
            let v = crate::lang::eval(&out.value, &scope)?;
            if inst.is_root()
                && !out.sensitive
                && v.contains_sensitive()
                && self.mode != WalkMode::PlanDestroy
            {
                return Err(Diagnostic::error("Output refers to sensitive values")
                    .with_span(out.span)
                    .with_detail("To reduce the risk of accidentally exporting sensitive data that was intended to be only internal, galley requires that any root module output containing sensitive data be explicitly marked as sensitive, to confirm your intent. If you do intend to export this data, annotate the output value as sensitive by adding the following argument:\n    sensitive = true")
                    .into());
            }
            let v = v.mark_if(out.sensitive);
            self.store
                .outputs
                .write()
                .expect("lock")
                .insert((inst, name.to_string()), v);
        }
        Ok(())
    }

    /// `each.value` of a module instance created by `for_each`.
    fn module_each(&self, inst: &ModulePath) -> Value {
        self.store
            .vars
            .read()
            .expect("lock")
            .get(&(inst.clone(), "\u{0}each".to_string()))
            .cloned()
            .unwrap_or(Value::Null)
    }

    pub(crate) fn visit_module_call(
        &self,
        module: &[String],
        name: &str,
    ) -> Result<(), Diagnostics> {
        let call = &self.module_config(module).module.module_calls[name];
        let mut child_static = module.to_vec();
        child_static.push(name.to_string());
        let mut all = Vec::new();
        let mut expansion = Expansion::Single;
        for inst in self.instances(module) {
            let scope = self.scope(&inst);
            let (exp, keys) = expand(
                call.count.as_ref(),
                call.for_each.as_ref(),
                &scope,
                Vec::new(),
            )?;
            expansion = exp;
            for (key, each) in keys {
                let child = inst.child(name, key);
                if let Some(each) = each {
                    self.store
                        .vars
                        .write()
                        .expect("lock")
                        .insert((child.clone(), "\u{0}each".into()), each);
                }
                all.push(child);
            }
        }
        self.store
            .module_instances
            .write()
            .expect("lock")
            .insert(child_static.clone(), all);
        self.store
            .module_expansion
            .write()
            .expect("lock")
            .insert(child_static, expansion);
        Ok(())
    }

    pub(crate) fn visit_provider(
        &self,
        n: NodeIndex,
        module: &[String],
        p: &ProviderRef,
    ) -> Result<(), Diagnostics> {
        let cfg = &self.module_config(module).module;
        let block = cfg.providers.iter().find(|b| &b.reference == p);
        // A provider block is evaluated in its own module (Terraform allows them only in
        // modules without count or for_each, so the module has a single instance).
        let inst = ModulePath(
            module
                .iter()
                .map(|name| ModuleStep {
                    name: name.clone(),
                    key: InstanceKey::None,
                })
                .collect(),
        );
        let config = match block {
            Some(b) => {
                let scope = self.scope(&inst);
                let mut ev = Evaluator::new(&scope, b.body.file);
                ev.decode_body(&b.body.body, None, b.span)?
            }
            None => Value::Object(Default::default()),
        };
        let pc = ProviderConfig {
            name: p.name.clone(),
            alias: p.alias.clone(),
            config,
        };
        let factory = self
            .factories
            .iter()
            .find(|f| f.names().iter().any(|x| x == &p.name));
        let Some(factory) = factory else {
            return Err(Diagnostic::error("Provider not available")
                .with_span(block.and_then(|b| b.span).or_else(|| self.graph.spans.get(&n).copied().flatten()))
                .with_detail(format!("No provider named \"{}\" is available. galley serves aws, kubernetes (inside simulated EKS clusters), openstack and terraform (built in) through the simulator (--sim).", p.name))
                .into());
        };
        match factory.configure(&pc) {
            Ok(provider) => {
                self.providers.lock().expect("lock").insert(n, provider);
                Ok(())
            }
            Err(e) => Err(Diagnostic::error("Failed to configure provider")
                .with_span(block.and_then(|b| b.span))
                .with_detail(format!("provider[\"{p}\"]: {e}"))
                .into()),
        }
    }

    /// Root outputs before and after.
    pub(crate) fn output_changes(&self) -> BTreeMap<String, OutputChange> {
        let state = self.state.lock().expect("lock");
        let outputs = self.store.outputs.read().expect("lock");
        let mut out = BTreeMap::new();
        for (name, o) in &self.config.module.outputs {
            let after = if self.mode == WalkMode::PlanDestroy {
                None
            } else {
                outputs.get(&(ModulePath::root(), name.clone())).cloned()
            };
            let before = state.outputs.get(name).map(|s| s.value.clone());
            let action = match (&before, &after) {
                (None, Some(_)) => Action::Create,
                (Some(_), None) => Action::Delete,
                (Some(b), Some(a)) if a.contains_unknown() || !b.semantic_eq(a) => Action::Update,
                _ => Action::NoOp,
            };
            out.insert(
                name.clone(),
                OutputChange {
                    action,
                    before,
                    after,
                    sensitive: o.sensitive,
                },
            );
        }
        for (name, s) in &state.outputs {
            if !out.contains_key(name) {
                out.insert(
                    name.clone(),
                    OutputChange {
                        action: Action::Delete,
                        before: Some(s.value.clone()),
                        after: None,
                        sensitive: s.sensitive,
                    },
                );
            }
        }
        out
    }

    /// After apply: root outputs into state.
    pub(crate) fn store_outputs(&self) {
        let outputs = self.store.outputs.read().expect("lock");
        let mut state = self.state.lock().expect("lock");
        state.outputs.clear();
        for (name, o) in &self.config.module.outputs {
            if let Some(v) = outputs.get(&(ModulePath::root(), name.clone())) {
                if !v.contains_unknown() {
                    state.outputs.insert(
                        name.clone(),
                        OutputState {
                            value: v.clone(),
                            sensitive: o.sensitive || v.contains_sensitive(),
                        },
                    );
                }
            }
        }
        self.persist(state, "");
    }
}

/// `count` / `each` bindings for an instance key.
pub(crate) fn instance_locals(key: &InstanceKey, each_value: &Value) -> Vec<(String, Value)> {
    match key {
        InstanceKey::None => Vec::new(),
        InstanceKey::Int(i) => vec![(
            "count".into(),
            Value::object([("index", Value::Number(*i as f64))]),
        )],
        InstanceKey::Str(s) => vec![(
            "each".into(),
            Value::object([
                ("key", Value::String(s.clone())),
                ("value", each_value.clone()),
            ]),
        )],
    }
}

/// An instance key and, for `for_each`, its `each.value`.
pub(crate) type InstanceEntry = (InstanceKey, Option<Value>);

/// Evaluates `count` / `for_each` into instance keys (with `each.value`s).
pub(crate) fn expand(
    count: Option<&Expr>,
    for_each: Option<&Expr>,
    scope: &dyn Scope,
    locals: Vec<(String, Value)>,
) -> Result<(Expansion, Vec<InstanceEntry>), Diagnostics> {
    if let Some(c) = count {
        let v = eval_with(c, scope, locals)?;
        return match v.unmarked() {
            Value::Number(n) if *n >= 0.0 && n.fract() == 0.0 => Ok((
                Expansion::Count,
                (0..*n as i64).map(|i| (InstanceKey::Int(i), None)).collect(),
            )),
            Value::Unknown => Err(Diagnostic::error("Invalid count argument")
                .with_span(c.span())
                .with_detail("The \"count\" value depends on resource attributes that cannot be determined until apply, so galley cannot predict how many instances will be created. To work around this, use the -target argument to first apply only the resources that the count depends on.")
                .into()),
            Value::String(s) if s.parse::<u32>().is_ok() => Ok((
                Expansion::Count,
                (0..s.parse::<i64>().unwrap_or(0)).map(|i| (InstanceKey::Int(i), None)).collect(),
            )),
            other => Err(Diagnostic::error("Invalid count argument")
                .with_span(c.span())
                .with_detail(format!("The given \"count\" argument value is unsuitable: must be a whole number greater than or equal to zero, got {other}."))
                .into()),
        };
    }
    if let Some(fe) = for_each {
        let v = eval_with(fe, scope, locals)?;
        if v.contains_sensitive() {
            return Err(Diagnostic::error("Invalid for_each argument")
                .with_span(fe.span())
                .with_detail("Sensitive values, or values derived from sensitive values, cannot be used as for_each arguments. If used, the sensitive value could be exposed as a resource instance key.")
                .into());
        }
        let unknown_err = || {
            Diagnostics::from(
                Diagnostic::error("Invalid for_each argument")
                    .with_span(fe.span())
                    .with_detail("The \"for_each\" map includes keys derived from resource attributes that cannot be determined until apply, and so galley cannot determine the full set of keys that will identify the instances of this resource."),
            )
        };
        return match v {
            Value::Unknown => Err(unknown_err()),
            Value::Map(m) | Value::Object(m) => Ok((
                Expansion::ForEach,
                m.into_iter().map(|(k, v)| (InstanceKey::Str(k), Some(v))).collect(),
            )),
            Value::Set(items) => {
                let mut out = Vec::new();
                for i in items {
                    match i {
                        Value::String(s) => out.push((InstanceKey::Str(s.clone()), Some(Value::String(s)))),
                        Value::Unknown => return Err(unknown_err()),
                        other => {
                            return Err(Diagnostic::error("Invalid for_each set argument")
                                .with_span(fe.span())
                                .with_detail(format!("The given \"for_each\" argument value is unsuitable: \"for_each\" supports sets of strings, but you have provided a set containing type {}.", other.type_name()))
                                .into())
                        }
                    }
                }
                Ok((Expansion::ForEach, out))
            }
            Value::Null => Err(Diagnostic::error("Invalid for_each argument")
                .with_span(fe.span())
                .with_detail("The given \"for_each\" argument value is unsuitable: the given \"for_each\" argument value is null. A map, or set of strings is allowed.")
                .into()),
            other => Err(Diagnostic::error("Invalid for_each argument")
                .with_span(fe.span())
                .with_detail(format!("The given \"for_each\" argument value is unsuitable: the \"for_each\" argument must be a map, or set of strings, and you have provided a value of type {}.", other.type_name()))
                .into()),
        };
    }
    Ok((Expansion::Single, vec![(InstanceKey::None, None)]))
}
