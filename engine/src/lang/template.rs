//! String templates and heredocs: interpolation, `%{if}` / `%{for}` directives and `~` strip markers.

use hcl_edit::expr::Expression;
use hcl_edit::template::{Directive, Element, Strip, Template};

use super::eval::Evaluator;
use crate::diag::Diagnostic;
use crate::value::Value;

/// Accumulates a template's output.
struct Out {
    text: String,
    strip_next: bool,
    unknown: bool,
    marked: bool,
}

fn strips_start(s: Strip) -> bool {
    matches!(s, Strip::Start | Strip::Both)
}

fn strips_end(s: Strip) -> bool {
    matches!(s, Strip::End | Strip::Both)
}

impl Out {
    fn strip_before(&mut self, s: Strip) {
        if strips_start(s) {
            let keep = self.text.trim_end().len();
            self.text.truncate(keep);
        }
    }

    fn strip_after(&mut self, s: Strip) {
        if strips_end(s) {
            self.strip_next = true;
        }
    }
}

impl Evaluator<'_> {
    /// Evaluates a string template or heredoc. A template that is a single
    /// interpolation (`"${x}"`) yields the value itself, not its string form.
    pub(crate) fn template(
        &mut self,
        t: &Template,
        _whole: &Expression,
    ) -> Result<Value, Diagnostic> {
        if let Some(Element::Interpolation(i)) = t.as_single_element() {
            if i.strip == Strip::None {
                return self.eval(&i.expr);
            }
        }
        self.render_template(t)
    }

    /// Renders a template to a string value.
    pub fn render_template(&mut self, t: &Template) -> Result<Value, Diagnostic> {
        let mut out = Out {
            text: String::new(),
            strip_next: false,
            unknown: false,
            marked: false,
        };
        self.render_into(t, &mut out)?;
        if out.unknown {
            return Ok(Value::Unknown);
        }
        Ok(Value::String(out.text).mark_if(out.marked))
    }

    fn render_into(&mut self, t: &Template, out: &mut Out) -> Result<(), Diagnostic> {
        for el in t.iter() {
            match el {
                Element::Literal(s) => {
                    let s = s.value();
                    if out.strip_next {
                        out.text.push_str(s.trim_start());
                        out.strip_next = false;
                    } else {
                        out.text.push_str(s);
                    }
                }
                Element::Interpolation(i) => {
                    out.strip_before(i.strip);
                    let v = self.eval(&i.expr)?;
                    self.append(v, &i.expr, out)?;
                    out.strip_next = false;
                    out.strip_after(i.strip);
                }
                Element::Directive(d) => match d.as_ref() {
                    Directive::If(d) => {
                        out.strip_before(d.if_expr.strip);
                        let c = self.eval(&d.if_expr.cond_expr)?;
                        let (c, m) = c.unmark();
                        out.marked |= m;
                        out.strip_next = false;
                        out.strip_after(d.if_expr.strip);
                        match c {
                            Value::Unknown => out.unknown = true,
                            Value::Bool(true) => self.render_into(&d.if_expr.template, out)?,
                            Value::Bool(false) => {
                                if let Some(e) = &d.else_expr {
                                    out.strip_before(e.strip);
                                    out.strip_next = false;
                                    out.strip_after(e.strip);
                                    self.render_into(&e.template, out)?;
                                }
                            }
                            other => {
                                return Err(self.error(
                                    &d.if_expr.cond_expr,
                                    "Invalid template if condition",
                                    format!(
                                        "The condition must be a bool, not {}.",
                                        other.type_name()
                                    ),
                                ))
                            }
                        }
                        out.strip_before(d.endif_expr.strip);
                        out.strip_next = false;
                        out.strip_after(d.endif_expr.strip);
                    }
                    Directive::For(d) => {
                        let f = &d.for_expr;
                        out.strip_before(f.strip);
                        let coll = self.eval(&f.collection_expr)?;
                        let (coll, m) = coll.unmark();
                        out.marked |= m;
                        let entries: Vec<(Value, Value)> = match coll {
                            Value::Unknown => {
                                out.unknown = true;
                                Vec::new()
                            }
                            Value::List(v) | Value::Tuple(v) | Value::Set(v) => v
                                .into_iter()
                                .enumerate()
                                .map(|(i, v)| (Value::Number(i as f64), v))
                                .collect(),
                            Value::Map(m) | Value::Object(m) => {
                                m.into_iter().map(|(k, v)| (Value::String(k), v)).collect()
                            }
                            other => {
                                return Err(self.error(
                                    &f.collection_expr,
                                    "Invalid template for collection",
                                    format!("Cannot iterate over a {} value.", other.type_name()),
                                ))
                            }
                        };
                        let base = self.locals.len();
                        for (k, v) in entries {
                            self.locals.truncate(base);
                            if let Some(kv) = &f.key_var {
                                self.bind(kv.as_str(), k);
                            }
                            self.bind(f.value_var.as_str(), v);
                            out.strip_next = false;
                            out.strip_after(f.strip);
                            self.render_into(&f.template, out)?;
                            out.strip_before(d.endfor_expr.strip);
                        }
                        self.locals.truncate(base);
                        out.strip_next = false;
                        out.strip_after(d.endfor_expr.strip);
                    }
                },
            }
        }
        Ok(())
    }

    fn append(&mut self, v: Value, e: &Expression, out: &mut Out) -> Result<(), Diagnostic> {
        let (v, m) = v.unmark_deep();
        out.marked |= m;
        if v.is_unknown() {
            out.unknown = true;
            return Ok(());
        }
        if v.is_null() {
            return Err(self.error(
                e,
                "Invalid template interpolation value",
                "The expression result is null. Cannot include a null value in a string template."
                    .into(),
            ));
        }
        let s = match v {
            Value::String(_) | Value::Number(_) | Value::Bool(_) => {
                self.to_string_value(e, v, "template interpolation value")?
            }
            other => {
                return Err(self.error(
                    e,
                    "Invalid template interpolation value",
                    format!(
                        "Cannot include the given value in a string template: string required, but have {}.",
                        other.type_name()
                    ),
                ))
            }
        };
        out.text.push_str(&s);
        Ok(())
    }
}
