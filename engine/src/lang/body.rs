//! Decodes a block body (a resource's arguments and nested blocks, `dynamic` blocks
//! expanded) into an object value shaped by a provider schema.

use hcl_edit::expr::Expression;
use hcl_edit::structure::{Block, Body, Structure};

use super::eval::Evaluator;
use crate::diag::{Diagnostic, Diagnostics, Span};
use crate::provider::{Nesting, Schema};
use crate::value::{Value, ValueMap};

/// Most nesting of blocks decoded, to stop runaway recursion on hostile input.
const MAX_BLOCK_DEPTH: usize = 32;

impl Evaluator<'_> {
    /// Decodes `body` into an object. With a schema, attributes are converted to their
    /// declared types, unset ones are null, and unknown names are errors; without one,
    /// every nested block type becomes a list of objects. `at` is the block's header,
    /// for "missing argument" errors.
    pub fn decode_body(
        &mut self,
        body: &Body,
        schema: Option<&Schema>,
        at: Option<Span>,
    ) -> Result<Value, Diagnostics> {
        let mut diags = Diagnostics::new();
        let v = self.decode(body, schema, at, &mut diags, 0);
        if diags.has_errors() {
            Err(diags)
        } else {
            Ok(v)
        }
    }

    fn decode(
        &mut self,
        body: &Body,
        schema: Option<&Schema>,
        at: Option<Span>,
        diags: &mut Diagnostics,
        depth: usize,
    ) -> Value {
        if depth > MAX_BLOCK_DEPTH {
            diags.push(Diagnostic::error("Blocks nested too deeply").with_span(at));
            return Value::Unknown;
        }
        let mut out = ValueMap::new();
        let mut blocks: Vec<(String, Vec<Value>, Option<Span>)> = Vec::new();
        let mut unknown_blocks: Vec<String> = Vec::new();
        for s in body.iter() {
            match s {
                Structure::Attribute(a) => {
                    let name = a.key.as_str();
                    let span = self.span_of(&a.key);
                    let attr = match schema {
                        Some(sc) => match sc.attributes.get(name) {
                            Some(attr) if attr.required || attr.optional => Some(attr),
                            Some(_) => {
                                diags.push(
                                    Diagnostic::error("Invalid or unknown key")
                                        .with_span(span)
                                        .with_detail(format!("The attribute \"{name}\" is read-only: it is set by the provider and cannot be configured.")),
                                );
                                continue;
                            }
                            None => {
                                let hint = if sc.blocks.contains_key(name) {
                                    format!(" Did you mean to define a block of type \"{name}\"?")
                                } else {
                                    String::new()
                                };
                                diags.push(
                                    Diagnostic::error("Unsupported argument")
                                        .with_span(span)
                                        .with_detail(format!(
                                        "An argument named \"{name}\" is not expected here.{hint}"
                                    )),
                                );
                                continue;
                            }
                        },
                        None => None,
                    };
                    if out.contains_key(name) {
                        diags.push(
                            Diagnostic::error("Attribute redefined")
                                .with_span(span)
                                .with_detail(format!("The argument \"{name}\" was already set. Each argument may be set only once.")),
                        );
                        continue;
                    }
                    let v = match self.eval(&a.value) {
                        Ok(v) => v,
                        Err(d) => {
                            diags.push(d);
                            continue;
                        }
                    };
                    let v = match attr {
                        Some(attr) => match crate::types::convert(v, &attr.ty) {
                            Ok(v) => v.mark_if_sensitive(attr.sensitive),
                            Err(e) => {
                                diags.push(
                                    Diagnostic::error("Incorrect attribute value type")
                                        .with_span(self.span_of(&a.value))
                                        .with_detail(format!(
                                            "Inappropriate value for attribute \"{name}\": {}.",
                                            e.message
                                        )),
                                );
                                continue;
                            }
                        },
                        None => v,
                    };
                    out.insert(name.to_string(), v);
                }
                Structure::Block(b) => {
                    let (type_name, expanded) = if b.ident.as_str() == "dynamic" {
                        let Some(label) = b.labels.first() else {
                            diags.push(
                                Diagnostic::error("Missing dynamic block type")
                                    .with_span(self.span_of(&b.ident))
                                    .with_detail("A dynamic block needs one label: the type of block to generate."),
                            );
                            continue;
                        };
                        let name = label.as_str().to_string();
                        let nested = schema
                            .and_then(|s| s.blocks.get(&name))
                            .map(|nb| &nb.schema);
                        match self.dynamic(b, &name, nested, diags, depth) {
                            Some(vals) => (name, vals),
                            None => {
                                unknown_blocks.push(name);
                                continue;
                            }
                        }
                    } else {
                        let name = b.ident.as_str().to_string();
                        let nested = schema
                            .and_then(|s| s.blocks.get(&name))
                            .map(|nb| &nb.schema);
                        let v =
                            self.decode(&b.body, nested, self.span_of(&b.ident), diags, depth + 1);
                        (name, vec![v])
                    };
                    if let Some(sc) = schema {
                        if !sc.blocks.contains_key(&type_name) {
                            let hint = if sc.attributes.contains_key(&type_name) {
                                format!(
                                    " Did you mean to set the argument \"{type_name}\" with \"=\"?"
                                )
                            } else {
                                String::new()
                            };
                            diags.push(
                                Diagnostic::error("Unsupported block type")
                                    .with_span(self.span_of(&b.ident))
                                    .with_detail(format!("Blocks of type \"{type_name}\" are not expected here.{hint}")),
                            );
                            continue;
                        }
                    }
                    let span = self.span_of(&b.ident);
                    match blocks.iter_mut().find(|(n, _, _)| n == &type_name) {
                        Some((_, vals, _)) => vals.extend(expanded),
                        None => blocks.push((type_name, expanded, span)),
                    }
                }
            }
        }
        if let Some(sc) = schema {
            for (name, attr) in &sc.attributes {
                if !out.contains_key(name) {
                    if attr.required {
                        diags.push(
                            Diagnostic::error("Missing required argument")
                                .with_span(at)
                                .with_detail(format!("The argument \"{name}\" is required, but no definition was found.")),
                        );
                    }
                    out.insert(name.clone(), Value::Null);
                }
            }
            for (name, nb) in &sc.blocks {
                if unknown_blocks.contains(name) {
                    out.insert(name.clone(), Value::Unknown);
                    continue;
                }
                let (vals, span) = blocks
                    .iter()
                    .find(|(n, _, _)| n == name)
                    .map(|(_, v, s)| (v.clone(), *s))
                    .unwrap_or((Vec::new(), at));
                if vals.len() < nb.min_items {
                    diags.push(
                        Diagnostic::error("Insufficient blocks")
                            .with_span(span)
                            .with_detail(format!(
                                "At least {} \"{name}\" block{} required.",
                                nb.min_items,
                                if nb.min_items == 1 { " is" } else { "s are" }
                            )),
                    );
                }
                let max = if nb.nesting == Nesting::Single {
                    1
                } else {
                    nb.max_items
                };
                if max > 0 && vals.len() > max {
                    diags.push(
                        Diagnostic::error(format!("Too many {name} blocks"))
                            .with_span(span)
                            .with_detail(format!(
                                "No more than {max} \"{name}\" block{} allowed.",
                                if max == 1 { " is" } else { "s are" }
                            )),
                    );
                }
                let v = match nb.nesting {
                    Nesting::Single => vals.into_iter().next().unwrap_or(Value::Null),
                    Nesting::List => Value::List(vals),
                    Nesting::Set => Value::set(vals),
                };
                out.insert(name.clone(), v);
            }
        } else {
            for (name, vals, _) in blocks {
                out.insert(name, Value::List(vals));
            }
            for name in unknown_blocks {
                out.insert(name, Value::Unknown);
            }
        }
        Value::Object(out)
    }

    /// Expands a `dynamic` block; `None` when its `for_each` is unknown.
    fn dynamic(
        &mut self,
        b: &Block,
        name: &str,
        schema: Option<&Schema>,
        diags: &mut Diagnostics,
        depth: usize,
    ) -> Option<Vec<Value>> {
        let mut for_each = None;
        let mut iterator = name.to_string();
        let mut content = None;
        for s in b.body.iter() {
            match s {
                Structure::Attribute(a) => match a.key.as_str() {
                    "for_each" => for_each = Some(&a.value),
                    "iterator" => match &a.value {
                        Expression::Variable(v) => iterator = v.as_str().to_string(),
                        other => diags.push(
                            Diagnostic::error("Invalid dynamic iterator name")
                                .with_span(self.span_of(other))
                                .with_detail("The iterator must be a bare name."),
                        ),
                    },
                    "labels" => {}
                    other => diags.push(
                        Diagnostic::error("Unsupported argument")
                            .with_span(self.span_of(&a.key))
                            .with_detail(format!(
                                "An argument named \"{other}\" is not expected in a dynamic block."
                            )),
                    ),
                },
                Structure::Block(c) if c.ident.as_str() == "content" => content = Some(c),
                Structure::Block(c) => diags.push(
                    Diagnostic::error("Unsupported block type")
                        .with_span(self.span_of(&c.ident))
                        .with_detail("A dynamic block may contain only a content block."),
                ),
            }
        }
        let (Some(fe), Some(content)) = (for_each, content) else {
            diags.push(
                Diagnostic::error("Incomplete dynamic block")
                    .with_span(self.span_of(&b.ident))
                    .with_detail("A dynamic block needs a for_each argument and a content block."),
            );
            return Some(Vec::new());
        };
        let coll = match self.eval(fe) {
            Ok(v) => v,
            Err(d) => {
                diags.push(d);
                return Some(Vec::new());
            }
        };
        let (coll, marked) = coll.unmark();
        let entries: Vec<(Value, Value)> = match coll {
            Value::Unknown => return None,
            Value::List(v) | Value::Tuple(v) => v
                .into_iter()
                .enumerate()
                .map(|(i, v)| (Value::Number(i as f64), v))
                .collect(),
            Value::Set(v) => v.into_iter().map(|v| (v.clone(), v)).collect(),
            Value::Map(m) | Value::Object(m) => {
                m.into_iter().map(|(k, v)| (Value::String(k), v)).collect()
            }
            Value::Null => Vec::new(),
            other => {
                diags.push(
                    Diagnostic::error("Invalid dynamic for_each value")
                        .with_span(self.span_of(fe))
                        .with_detail(format!("Cannot use a {} value in for_each. An iterable collection is required.", other.type_name())),
                );
                return Some(Vec::new());
            }
        };
        let mut out = Vec::with_capacity(entries.len());
        for (k, v) in entries {
            let it = Value::object([("key", k.mark_if(marked)), ("value", v.mark_if(marked))]);
            self.bind(&iterator, it);
            let decoded = self.decode(
                &content.body,
                schema,
                self.span_of(&b.ident),
                diags,
                depth + 1,
            );
            self.locals.pop();
            out.push(decoded);
        }
        Some(out)
    }
}

trait MarkIfSensitive {
    fn mark_if_sensitive(self, s: bool) -> Value;
}

impl MarkIfSensitive for Value {
    fn mark_if_sensitive(self, s: bool) -> Value {
        if s && !self.is_null() {
            self.mark()
        } else {
            self
        }
    }
}
