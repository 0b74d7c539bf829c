//! What `validate` checks beyond references: every expression evaluated with unknown
//! inputs (function names, argument counts and types, operators, constant values), and
//! resource and provider bodies against a provider schema where one is available.
//!
//! Inputs, resource attributes and module outputs are unknown here, so only errors that
//! hold whatever the inputs are get reported; a resource type whose provider galley does
//! not serve is not checked at all.

mod scope;

use std::collections::{BTreeMap, HashSet};

use crate::addr::Mode;
use crate::config::{Check, Config, Expr, Module, ResourceBlock};
use crate::diag::{Diagnostic, Diagnostics, Span};
use crate::lang::{eval_with, Evaluator};
use crate::provider::{unsupported_type, ProviderSchema, Schema};
use crate::value::Value;

use scope::CheckScope;

/// Checks every module of `config`. `schemas` holds the schema of each provider galley
/// can serve, by local name (`terraform`, and `aws` / `openstack` under the simulator).
pub fn check(config: &Config, schemas: &BTreeMap<String, ProviderSchema>) -> Diagnostics {
    let mut diags = Diagnostics::new();
    let root_dir = config.module.dir.clone();
    config.walk(&mut |_, c| {
        let scope = CheckScope::new(&c.module, &root_dir);
        let mut ck = Checker {
            scope: &scope,
            schemas,
            diags: &mut diags,
        };
        ck.module(&c.module);
    });
    dedup(diags)
}

/// Drops repeats of the same problem at the same place (a local evaluated on behalf of
/// several users, or a check that overlaps another pass).
pub fn dedup(diags: Diagnostics) -> Diagnostics {
    let mut seen: HashSet<(String, Option<Span>)> = HashSet::new();
    let mut out = Diagnostics::new();
    for d in diags {
        let key = (d.summary.clone(), d.span);
        if seen.insert(key) {
            out.push(d);
        }
    }
    out
}

struct Checker<'a, 'b> {
    scope: &'a CheckScope<'a>,
    schemas: &'b BTreeMap<String, ProviderSchema>,
    diags: &'b mut Diagnostics,
}

/// The names `count` and `each` bound as unknowns where the block repeats.
fn repetition(count: Option<&Expr>, for_each: Option<&Expr>) -> Vec<(String, Value)> {
    let mut locals = Vec::new();
    if count.is_some() {
        locals.push(("count".into(), Value::object([("index", Value::Unknown)])));
    }
    if for_each.is_some() {
        locals.push((
            "each".into(),
            Value::object([("key", Value::Unknown), ("value", Value::Unknown)]),
        ));
    }
    locals
}

impl Checker<'_, '_> {
    fn eval(&mut self, e: &Expr, locals: &[(String, Value)]) -> Option<Value> {
        match eval_with(e, self.scope, locals.to_vec()) {
            Ok(v) => Some(v),
            Err(d) => {
                self.diags.push(d);
                None
            }
        }
    }

    fn conditions(&mut self, checks: &[Check], locals: &[(String, Value)]) {
        for c in checks {
            if let Some(v) = self.eval(&c.condition, locals) {
                let ok = matches!(v.unmarked(), Value::Bool(_) | Value::Unknown)
                    || matches!(v.unmarked(), Value::String(s) if s == "true" || s == "false");
                if !ok {
                    self.diags.push(
                        Diagnostic::error("Invalid condition result")
                            .with_span(c.condition.span())
                            .with_detail(format!(
                                "The condition expression must produce a bool, not {}.",
                                v.type_name()
                            )),
                    );
                }
            }
            self.eval(&c.error_message, locals);
        }
    }

    fn module(&mut self, m: &Module) {
        for v in m.variables.values() {
            if let Some(d) = &v.default {
                if let Some(val) = self.eval(d, &[]) {
                    let null_ok = val.is_null();
                    if !null_ok {
                        if let Err(e) = crate::types::convert(val, &v.ty) {
                            self.diags.push(
                                Diagnostic::error("Invalid default value for variable")
                                    .with_span(d.span())
                                    .with_detail(format!(
                                        "This default value is not compatible with the variable's type constraint: {}{}.",
                                        e.path_string(),
                                        e.message
                                    )),
                            );
                        }
                    }
                }
            }
            self.conditions(&v.validations, &[]);
        }
        for l in m.locals.values() {
            self.eval(&l.expr, &[]);
        }
        for o in m.outputs.values() {
            self.eval(&o.value, &[]);
            self.conditions(&o.preconditions, &[]);
        }
        for call in m.module_calls.values() {
            let locals = repetition(call.count.as_ref(), call.for_each.as_ref());
            self.repetition(call.count.as_ref(), call.for_each.as_ref());
            for e in call.inputs.values() {
                self.eval(e, &locals);
            }
        }
        for r in m.resources.values() {
            self.resource(r);
        }
        for p in &m.providers {
            let schema = self.schemas.get(&p.reference.name).map(|s| &s.provider);
            self.body(&p.body, schema, p.span, &[]);
        }
        for i in &m.imports {
            self.eval(&i.id, &[]);
        }
    }

    /// `count` must be a whole number and `for_each` a map or set when they are known.
    fn repetition(&mut self, count: Option<&Expr>, for_each: Option<&Expr>) {
        if let Some(c) = count {
            if let Some(v) = self.eval(c, &[]) {
                let ok = match v.unmarked() {
                    Value::Unknown => true,
                    Value::Number(n) => *n >= 0.0 && n.fract() == 0.0,
                    Value::String(s) => s.parse::<u32>().is_ok(),
                    _ => false,
                };
                if !ok {
                    self.diags.push(
                        Diagnostic::error("Invalid count argument")
                            .with_span(c.span())
                            .with_detail(format!("The given \"count\" argument value is unsuitable: must be a whole number greater than or equal to zero, got {v}.")),
                    );
                }
            }
        }
        if let Some(fe) = for_each {
            if let Some(v) = self.eval(fe, &[]) {
                let ok = matches!(
                    v.unmarked(),
                    Value::Unknown | Value::Map(_) | Value::Object(_) | Value::Set(_)
                );
                if !ok {
                    self.diags.push(
                        Diagnostic::error("Invalid for_each argument")
                            .with_span(fe.span())
                            .with_detail(format!("The given \"for_each\" argument value is unsuitable: the \"for_each\" argument must be a map, or set of strings, and you have provided a value of type {}.", v.type_name())),
                    );
                }
            }
        }
    }

    fn resource(&mut self, r: &ResourceBlock) {
        self.repetition(r.count.as_ref(), r.for_each.as_ref());
        let locals = repetition(r.count.as_ref(), r.for_each.as_ref());
        let mut schema: Option<&Schema> = None;
        if let Some(ps) = self.schemas.get(&r.provider.name) {
            let types = match r.addr.mode {
                Mode::Managed => &ps.resources,
                Mode::Data => &ps.data_sources,
            };
            match types.get(&r.addr.type_name) {
                Some(s) => schema = Some(s),
                None => {
                    self.diags.push(
                        unsupported_type(&r.provider.to_string(), r.addr.mode, &r.addr.type_name)
                            .with_span(r.span),
                    );
                    // Still evaluate the body, without a schema.
                }
            }
        }
        self.body(&r.body, schema, r.span, &locals);
        let mut with_self = locals.clone();
        with_self.push(("self".into(), Value::Unknown));
        self.conditions(&r.lifecycle.preconditions, &locals);
        self.conditions(&r.lifecycle.postconditions, &with_self);
    }

    fn body(
        &mut self,
        body: &crate::config::Body,
        schema: Option<&Schema>,
        at: Option<Span>,
        locals: &[(String, Value)],
    ) {
        let mut ev = Evaluator::new(self.scope, body.file);
        for (name, v) in locals {
            ev.bind(name, v.clone());
        }
        if let Err(d) = ev.decode_body(&body.body, schema, at) {
            self.diags.extend(d);
        }
    }
}

#[cfg(test)]
mod tests;
