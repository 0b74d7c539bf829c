//! Evaluates hcl-edit expressions to [`Value`]s against a [`Scope`], propagating unknowns
//! and sensitive marks through every operator.

use std::path::Path;

use hcl_edit::expr::{
    BinaryOperator, Expression, ForExpr, FuncCall, ObjectKey, TraversalOperator, UnaryOperator,
};

use super::funcs::{self, FuncContext, FuncError, TemplateRenderer};
use crate::config::Expr;
use crate::diag::{Diagnostic, FileId, Span};
use crate::value::{format_number, Value, ValueMap};

/// Deepest expression nesting evaluated before giving up, so hostile input cannot
/// overflow the stack.
const MAX_DEPTH: usize = 200;

/// Where names in expressions get their values.
pub trait Scope: Sync {
    /// Resolves a reference. `path` is its static prefix: the root name and the
    /// attribute names (or literal keys) that follow it, e.g. `["var", "region"]` or
    /// `["aws_vpc", "main", "id"]`. Returns the value and how many segments it used;
    /// the evaluator applies the rest.
    fn resolve(&self, path: &[String], span: Option<Span>) -> Result<(Value, usize), Diagnostic>;

    /// The module's directory, for `path.module`.
    fn base_dir(&self) -> &Path;

    /// The directory relative paths given to file functions start from. As in Terraform
    /// that is the root module's directory (the working directory), not the calling
    /// module's: `path.module` of a child is itself relative to it, so
    /// `file("${path.module}/x")` works from any module. The default is the working
    /// directory, which is the root module's for the CLI.
    fn root_dir(&self) -> &Path {
        Path::new(".")
    }

    /// True during plan: `timestamp()` and `uuid()` are unknown.
    fn planning(&self) -> bool;
}

/// Evaluates `expr` in `scope`.
pub fn eval(expr: &Expr, scope: &dyn Scope) -> Result<Value, Diagnostic> {
    Evaluator::new(scope, expr.file).eval(&expr.expr)
}

/// Evaluates `expr` with extra local names bound (e.g. `each`, `count`, `self`).
pub fn eval_with(
    expr: &Expr,
    scope: &dyn Scope,
    locals: Vec<(String, Value)>,
) -> Result<Value, Diagnostic> {
    let mut ev = Evaluator::new(scope, expr.file);
    ev.locals = locals;
    ev.eval(&expr.expr)
}

/// An expression evaluator: a scope plus names bound by `for` expressions and templates.
pub struct Evaluator<'a> {
    pub(crate) scope: &'a dyn Scope,
    pub(crate) file: FileId,
    pub(crate) locals: Vec<(String, Value)>,
    depth: usize,
}

impl<'a> Evaluator<'a> {
    /// An evaluator for expressions of `file`.
    pub fn new(scope: &'a dyn Scope, file: FileId) -> Evaluator<'a> {
        Evaluator {
            scope,
            file,
            locals: Vec::new(),
            depth: 0,
        }
    }

    /// Binds a local name (shadowing earlier bindings).
    pub fn bind(&mut self, name: &str, v: Value) {
        self.locals.push((name.to_string(), v));
    }

    pub(crate) fn span_of(&self, e: &impl hcl_edit::Span) -> Option<Span> {
        e.span().map(|r| Span::new(self.file, r))
    }

    pub(crate) fn error(
        &self,
        e: &impl hcl_edit::Span,
        summary: &str,
        detail: String,
    ) -> Diagnostic {
        Diagnostic::error(summary)
            .with_span(self.span_of(e))
            .with_detail(detail)
    }

    /// Evaluates one expression.
    pub fn eval(&mut self, e: &Expression) -> Result<Value, Diagnostic> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            self.depth -= 1;
            return Err(self.error(
                e,
                "Expression too deeply nested",
                format!("Expressions may nest at most {MAX_DEPTH} levels."),
            ));
        }
        let r = self.eval_inner(e);
        self.depth -= 1;
        r
    }

    fn eval_inner(&mut self, e: &Expression) -> Result<Value, Diagnostic> {
        Ok(match e {
            Expression::Null(_) => Value::Null,
            Expression::Bool(b) => Value::Bool(*b.value()),
            Expression::Number(n) => Value::Number(n.value().as_f64().unwrap_or(f64::NAN)),
            Expression::String(s) => Value::String(s.value().clone()),
            Expression::Array(items) => {
                let mut out = Vec::with_capacity(items.len());
                for item in items.iter() {
                    out.push(self.eval(item)?);
                }
                Value::Tuple(out)
            }
            Expression::Object(obj) => {
                let mut out = ValueMap::new();
                let mut unknown = false;
                let mut marked = false;
                for (k, v) in obj.iter() {
                    let key = match k {
                        ObjectKey::Ident(i) => i.as_str().to_string(),
                        ObjectKey::Expression(ke) => {
                            let kv = match ke {
                                // A bare name as key is the name, as in HCL.
                                Expression::Variable(v) => Value::String(v.as_str().to_string()),
                                other => self.eval(other)?,
                            };
                            let (kv, m) = kv.unmark();
                            marked |= m;
                            match kv {
                                Value::Unknown => {
                                    unknown = true;
                                    continue;
                                }
                                other => self.to_string_value(ke, other, "object key")?,
                            }
                        }
                    };
                    let val = self.eval(v.expr())?;
                    out.insert(key, val);
                }
                if unknown {
                    Value::Unknown
                } else {
                    Value::Object(out).mark_if(marked)
                }
            }
            Expression::StringTemplate(t) => self.template(t, e)?,
            Expression::HeredocTemplate(h) => self.template(&h.template, e)?,
            Expression::Parenthesis(p) => self.eval(p.inner())?,
            Expression::Variable(v) => {
                let name = v.as_str();
                if let Some((_, val)) = self.locals.iter().rev().find(|(n, _)| n == name) {
                    val.clone()
                } else {
                    let (val, _) = self.scope.resolve(&[name.to_string()], self.span_of(v))?;
                    val
                }
            }
            Expression::Conditional(c) => {
                let cond = self.eval(&c.cond_expr)?;
                let (cond, marked) = cond.unmark();
                match cond {
                    Value::Unknown => {
                        // Both branches must still be valid.
                        self.eval(&c.true_expr)?;
                        self.eval(&c.false_expr)?;
                        Value::Unknown
                    }
                    Value::Bool(true) => self.eval(&c.true_expr)?.mark_if(marked),
                    Value::Bool(false) => self.eval(&c.false_expr)?.mark_if(marked),
                    Value::String(s) if s == "true" || s == "false" => {
                        let b = if s == "true" {
                            &c.true_expr
                        } else {
                            &c.false_expr
                        };
                        self.eval(b)?.mark_if(marked)
                    }
                    Value::Null => {
                        return Err(self.error(
                            &c.cond_expr,
                            "Null condition",
                            "The condition value is null. Conditions must either be true or false."
                                .into(),
                        ))
                    }
                    other => {
                        return Err(self.error(
                            &c.cond_expr,
                            "Incorrect condition type",
                            format!(
                                "The condition expression must be of type bool, not {}.",
                                other.type_name()
                            ),
                        ))
                    }
                }
            }
            Expression::FuncCall(f) => self.call(f, e)?,
            Expression::Traversal(t) => {
                let (mut val, consumed) = self.traversal_base(&t.expr, &t.operators, e)?;
                let ops: Vec<&TraversalOperator> = t
                    .operators
                    .iter()
                    .skip(consumed)
                    .map(|o| o.value())
                    .collect();
                val = self.apply_ops(val, &ops)?;
                val
            }
            Expression::UnaryOp(u) => {
                let v = self.eval(&u.expr)?;
                let (v, marked) = v.unmark();
                let r = match (u.operator.value(), v) {
                    (_, Value::Unknown) => Value::Unknown,
                    (UnaryOperator::Not, Value::Bool(b)) => Value::Bool(!b),
                    (UnaryOperator::Neg, Value::Number(n)) => Value::Number(-n),
                    (UnaryOperator::Neg, Value::String(s)) => match s.parse::<f64>() {
                        Ok(n) => Value::Number(-n),
                        Err(_) => return Err(self.operand_error(&u.expr, "number", "string")),
                    },
                    (UnaryOperator::Not, other) => {
                        return Err(self.operand_error(&u.expr, "bool", other.type_name()))
                    }
                    (UnaryOperator::Neg, other) => {
                        return Err(self.operand_error(&u.expr, "number", other.type_name()))
                    }
                };
                r.mark_if(marked)
            }
            Expression::BinaryOp(b) => {
                let op = *b.operator.value();
                let l = self.eval(&b.lhs_expr)?;
                let r = self.eval(&b.rhs_expr)?;
                self.binary(op, l, r, &b.lhs_expr, &b.rhs_expr)?
            }
            Expression::ForExpr(f) => self.for_expr(f)?,
        })
    }

    fn operand_error(&self, e: &Expression, want: &str, got: &str) -> Diagnostic {
        self.error(
            e,
            "Invalid operand",
            format!("Unsuitable value for operand: a {want} is required, got {got}."),
        )
    }

    /// Converts a primitive to a string, as template interpolation and object keys do.
    pub(crate) fn to_string_value(
        &self,
        e: &Expression,
        v: Value,
        what: &str,
    ) -> Result<String, Diagnostic> {
        match v {
            Value::String(s) => Ok(s),
            Value::Number(n) => Ok(format_number(n)),
            Value::Bool(b) => Ok(b.to_string()),
            Value::Null => Err(self.error(
                e,
                &format!("Invalid {what}"),
                "The value is null; a string is required.".into(),
            )),
            other => Err(self.error(
                e,
                &format!("Invalid {what}"),
                format!(
                    "Cannot use a {} value here: string required.",
                    other.type_name()
                ),
            )),
        }
    }

    /// Resolves the start of a traversal. For `a.b.c[0]` rooted at a name, asks the
    /// scope with the longest static prefix; returns how many operators it consumed.
    fn traversal_base(
        &mut self,
        base: &Expression,
        ops: &[hcl_edit::Decorated<TraversalOperator>],
        whole: &Expression,
    ) -> Result<(Value, usize), Diagnostic> {
        let Expression::Variable(root) = base else {
            return Ok((self.eval(base)?, 0));
        };
        let name = root.as_str();
        if let Some((_, val)) = self.locals.iter().rev().find(|(n, _)| n == name) {
            return Ok((val.clone(), 0));
        }
        let mut path = vec![name.to_string()];
        for op in ops {
            match op.value() {
                TraversalOperator::GetAttr(i) => path.push(i.as_str().to_string()),
                TraversalOperator::Index(Expression::String(s)) => path.push(s.value().clone()),
                TraversalOperator::Index(Expression::Number(n)) => path.push(n.value().to_string()),
                TraversalOperator::LegacyIndex(i) => path.push(i.value().to_string()),
                _ => break,
            }
        }
        let (val, used) = self.scope.resolve(&path, self.span_of(whole))?;
        Ok((val, used.saturating_sub(1)))
    }

    fn apply_ops(
        &mut self,
        mut val: Value,
        ops: &[&TraversalOperator],
    ) -> Result<Value, Diagnostic> {
        let mut i = 0;
        while i < ops.len() {
            let op = ops[i];
            match op {
                TraversalOperator::AttrSplat(_) | TraversalOperator::FullSplat(_) => {
                    let full = matches!(op, TraversalOperator::FullSplat(_));
                    let rest_end = if full {
                        ops.len()
                    } else {
                        i + 1
                            + ops[i + 1..]
                                .iter()
                                .take_while(|o| matches!(o, TraversalOperator::GetAttr(_)))
                                .count()
                    };
                    let rest = &ops[i + 1..rest_end];
                    let (base, marked) = val.unmark();
                    val = match base {
                        Value::Unknown => Value::Unknown,
                        Value::Null => Value::Tuple(Vec::new()),
                        Value::List(items) | Value::Tuple(items) | Value::Set(items) => {
                            let mut out = Vec::with_capacity(items.len());
                            for item in items {
                                out.push(self.apply_ops(item, rest)?);
                            }
                            Value::Tuple(out)
                        }
                        other => Value::Tuple(vec![self.apply_ops(other, rest)?]),
                    }
                    .mark_if(marked);
                    i = rest_end;
                    continue;
                }
                TraversalOperator::GetAttr(name) => {
                    val = self.get_attr(val, name.as_str(), name)?;
                }
                TraversalOperator::Index(ke) => {
                    let key = self.eval(ke)?;
                    val = self.index(val, key, ke)?;
                }
                TraversalOperator::LegacyIndex(n) => {
                    val = self.index(val, Value::Number(*n.value() as f64), n)?;
                }
            }
            i += 1;
        }
        Ok(val)
    }

    fn get_attr(
        &self,
        val: Value,
        name: &str,
        at: &impl hcl_edit::Span,
    ) -> Result<Value, Diagnostic> {
        let (val, marked) = val.unmark();
        let r = match val {
            Value::Unknown => Value::Unknown,
            Value::Object(mut m) | Value::Map(mut m) => match m.remove(name) {
                Some(v) => v,
                None => {
                    return Err(self.error(
                        at,
                        "Unsupported attribute",
                        format!("This object does not have an attribute named \"{name}\"."),
                    ))
                }
            },
            Value::Null => {
                return Err(self.error(
                    at,
                    "Attempt to get attribute from null value",
                    "This value is null, so it does not have any attributes.".into(),
                ))
            }
            Value::List(_) | Value::Tuple(_) | Value::Set(_) => {
                return Err(self.error(
                    at,
                    "Unsupported attribute",
                    format!(
                        "Can't access attributes on a list of objects. Did you mean to access attribute \"{name}\" for a specific element of the list, or across all elements of the list ([*].{name})?"
                    ),
                ))
            }
            other => {
                return Err(self.error(
                    at,
                    "Unsupported attribute",
                    format!("Can't access attributes on a primitive-typed value ({}).", other.type_name()),
                ))
            }
        };
        Ok(r.mark_if(marked))
    }

    /// `collection[key]`.
    pub(crate) fn index(
        &self,
        val: Value,
        key: Value,
        at: &impl hcl_edit::Span,
    ) -> Result<Value, Diagnostic> {
        let (val, m1) = val.unmark();
        let (key, m2) = key.unmark();
        let marked = m1 || m2;
        let r = match (val, key) {
            (Value::Unknown, _) | (_, Value::Unknown) => Value::Unknown,
            (Value::Null, _) => {
                return Err(self.error(at, "Attempt to index null value", "This value is null, so it does not have any indices.".into()))
            }
            (Value::List(items) | Value::Tuple(items), k) => {
                let n = match &k {
                    Value::Number(n) => Some(*n),
                    Value::String(s) => s.parse::<f64>().ok(),
                    _ => None,
                };
                let Some(n) = n else {
                    return Err(self.error(at, "Invalid index", "The given key does not identify an element in this collection value: a number is required.".into()));
                };
                if n.fract() != 0.0 || n < 0.0 || n as usize >= items.len() {
                    return Err(self.error(
                        at,
                        "Invalid index",
                        if n >= 0.0 && n.fract() == 0.0 {
                            format!("The given key does not identify an element in this collection value: the collection has {} element{}.", items.len(), if items.len() == 1 { "" } else { "s" })
                        } else {
                            "The given key does not identify an element in this collection value.".to_string()
                        },
                    ));
                }
                items.into_iter().nth(n as usize).unwrap_or(Value::Null)
            }
            (Value::Map(mut m) | Value::Object(mut m), k) => {
                let key = match k {
                    Value::String(s) => s,
                    Value::Number(n) => format_number(n),
                    Value::Bool(b) => b.to_string(),
                    other => {
                        return Err(self.error(at, "Invalid index", format!("A string key is required, got {}.", other.type_name())))
                    }
                };
                match m.remove(&key) {
                    Some(v) => v,
                    None => {
                        return Err(self.error(
                            at,
                            "Invalid index",
                            format!("The given key does not identify an element in this collection value: there is no element with key \"{key}\"."),
                        ))
                    }
                }
            }
            (Value::Set(_), _) => {
                return Err(self.error(at, "Invalid index", "Elements of a set are identified only by their value and don't have any separate index or key to select with, so it's only possible to perform operations across all elements of the set.".into()))
            }
            (other, _) => {
                return Err(self.error(at, "Invalid index", format!("This value does not have any indices ({}).", other.type_name())))
            }
        };
        Ok(r.mark_if(marked))
    }

    fn binary(
        &self,
        op: BinaryOperator,
        l: Value,
        r: Value,
        le: &Expression,
        re: &Expression,
    ) -> Result<Value, Diagnostic> {
        use BinaryOperator as B;
        let (l, m1) = l.unmark();
        let (r, m2) = r.unmark();
        let marked = m1 || m2;
        let out = match op {
            B::And | B::Or => {
                let lb = self.bool_operand(&l, le)?;
                let rb = self.bool_operand(&r, re)?;
                match (op, lb, rb) {
                    (B::And, Some(false), _) | (B::And, _, Some(false)) => Value::Bool(false),
                    (B::Or, Some(true), _) | (B::Or, _, Some(true)) => Value::Bool(true),
                    (_, Some(a), Some(b)) => {
                        Value::Bool(if op == B::And { a && b } else { a || b })
                    }
                    _ => Value::Unknown,
                }
            }
            B::Eq | B::NotEq => {
                if l.contains_unknown() || r.contains_unknown() {
                    Value::Unknown
                } else {
                    let eq = values_equal(&l, &r);
                    Value::Bool(if op == B::Eq { eq } else { !eq })
                }
            }
            _ => {
                let a = self.num_operand(&l, le)?;
                let b = self.num_operand(&r, re)?;
                let (Some(a), Some(b)) = (a, b) else {
                    return Ok(Value::Unknown);
                };
                match op {
                    B::Plus => Value::Number(a + b),
                    B::Minus => Value::Number(a - b),
                    B::Mul => Value::Number(a * b),
                    B::Div => {
                        if b == 0.0 {
                            return Err(self.error(
                                re,
                                "Division by zero",
                                "Can't divide by zero.".into(),
                            ));
                        }
                        Value::Number(a / b)
                    }
                    B::Mod => {
                        if b == 0.0 {
                            return Err(self.error(
                                re,
                                "Division by zero",
                                "Can't use modulo by zero.".into(),
                            ));
                        }
                        Value::Number(a % b)
                    }
                    B::Less => Value::Bool(a < b),
                    B::LessEq => Value::Bool(a <= b),
                    B::Greater => Value::Bool(a > b),
                    B::GreaterEq => Value::Bool(a >= b),
                    _ => Value::Unknown,
                }
            }
        };
        Ok(out.mark_if(marked))
    }

    fn bool_operand(&self, v: &Value, e: &Expression) -> Result<Option<bool>, Diagnostic> {
        match v {
            Value::Unknown => Ok(None),
            Value::Bool(b) => Ok(Some(*b)),
            Value::String(s) if s == "true" => Ok(Some(true)),
            Value::String(s) if s == "false" => Ok(Some(false)),
            other => Err(self.operand_error(e, "bool", other.type_name())),
        }
    }

    fn num_operand(&self, v: &Value, e: &Expression) -> Result<Option<f64>, Diagnostic> {
        match v {
            Value::Unknown => Ok(None),
            Value::Number(n) => Ok(Some(*n)),
            Value::String(s) => s
                .trim()
                .parse::<f64>()
                .map(Some)
                .map_err(|_| self.operand_error(e, "number", "string")),
            other => Err(self.operand_error(e, "number", other.type_name())),
        }
    }

    fn for_expr(&mut self, f: &ForExpr) -> Result<Value, Diagnostic> {
        // The loop's names must not outlive it, also when an error (caught by `try`)
        // leaves it early.
        let base = self.locals.len();
        let r = self.for_expr_inner(f);
        self.locals.truncate(base);
        r
    }

    fn for_expr_inner(&mut self, f: &ForExpr) -> Result<Value, Diagnostic> {
        let coll = self.eval(&f.intro.collection_expr)?;
        let (coll, marked) = coll.unmark();
        let entries: Vec<(Value, Value)> = match coll {
            Value::Unknown => return Ok(Value::Unknown),
            Value::List(items) | Value::Tuple(items) => items
                .into_iter()
                .enumerate()
                .map(|(i, v)| (Value::Number(i as f64), v))
                .collect(),
            Value::Set(items) => items.into_iter().map(|v| (v.clone(), v)).collect(),
            Value::Map(m) | Value::Object(m) => {
                m.into_iter().map(|(k, v)| (Value::String(k), v)).collect()
            }
            Value::Null => {
                return Err(self.error(
                    &f.intro.collection_expr,
                    "Iteration over null value",
                    "A null value cannot be used as the collection in a 'for' expression.".into(),
                ))
            }
            other => {
                return Err(self.error(
                    &f.intro.collection_expr,
                    "Iteration over non-iterable value",
                    format!(
                    "A value of type {} cannot be used as the collection in a 'for' expression.",
                    other.type_name()
                ),
                ))
            }
        };
        let key_var = f.intro.key_var.as_ref().map(|k| k.as_str().to_string());
        let value_var = f.intro.value_var.as_str().to_string();
        let mut tuple = Vec::new();
        let mut object: ValueMap = ValueMap::new();
        let mut unknown = false;
        let base = self.locals.len();
        for (k, v) in entries {
            self.locals.truncate(base);
            if let Some(kv) = &key_var {
                self.locals.push((kv.clone(), k));
            }
            self.locals.push((value_var.clone(), v));
            if let Some(cond) = &f.cond {
                let c = self.eval(&cond.expr)?;
                match c.unmarked() {
                    Value::Bool(true) => {}
                    Value::Bool(false) => continue,
                    Value::Unknown => {
                        unknown = true;
                        continue;
                    }
                    other => {
                        let t = other.type_name();
                        self.locals.truncate(base);
                        return Err(self.error(
                            &cond.expr,
                            "Invalid 'for' condition",
                            format!("The 'if' clause value is invalid: bool required, got {t}."),
                        ));
                    }
                }
            }
            match &f.key_expr {
                None => tuple.push(self.eval(&f.value_expr)?),
                Some(ke) => {
                    let key = self.eval(ke)?;
                    let (key, km) = key.unmark();
                    if key.is_unknown() {
                        unknown = true;
                        continue;
                    }
                    let key = self.to_string_value(ke, key, "object key")?;
                    let val = self.eval(&f.value_expr)?.mark_if(km);
                    if f.grouping {
                        match object
                            .entry(key)
                            .or_insert_with(|| Value::Tuple(Vec::new()))
                        {
                            Value::Tuple(items) => items.push(val),
                            _ => unreachable!("grouped entries are tuples"),
                        }
                    } else {
                        match object.entry(key) {
                            std::collections::btree_map::Entry::Occupied(e) => {
                                let key = e.key().clone();
                                self.locals.truncate(base);
                                return Err(self.error(
                                    ke,
                                    "Duplicate object key",
                                    format!("Two different items produced the key \"{key}\" in this 'for' expression. If duplicates are expected, use the ellipsis (...) after the value expression to enable grouping by key."),
                                ));
                            }
                            std::collections::btree_map::Entry::Vacant(e) => {
                                e.insert(val);
                            }
                        }
                    }
                }
            }
        }
        self.locals.truncate(base);
        if unknown {
            return Ok(Value::Unknown);
        }
        Ok(match f.key_expr {
            None => Value::Tuple(tuple),
            Some(_) => Value::Object(object),
        }
        .mark_if(marked))
    }

    fn call(&mut self, f: &FuncCall, whole: &Expression) -> Result<Value, Diagnostic> {
        let name = f.name.name.as_str();
        let full_name = if f.name.is_namespaced() {
            let mut parts: Vec<&str> = f.name.namespace.iter().map(|n| n.as_str()).collect();
            parts.push(name);
            parts.join("::")
        } else {
            name.to_string()
        };
        match full_name.as_str() {
            "try" => return self.call_try(f, whole),
            "can" => return self.call_can(f, whole),
            _ => {}
        }
        if !funcs::exists(&full_name) {
            return Err(self.error(
                &f.name.name,
                "Call to unknown function",
                format!("There is no function named \"{full_name}\"."),
            ));
        }
        if full_name == "templatestring" {
            if let Some(
                t @ (Expression::String(_)
                | Expression::StringTemplate(_)
                | Expression::HeredocTemplate(_)),
            ) = f.args.get(0)
            {
                return Err(self.error(
                    t,
                    "Invalid function argument",
                    "Invalid value for argument 1 of templatestring: invalid template expression: templatestring is only for rendering templates retrieved dynamically from elsewhere; to render an inline template, consider using a plain template string expression.".into(),
                ));
            }
        }
        let mut args = Vec::with_capacity(f.args.len());
        for a in f.args.iter() {
            args.push(self.eval(a)?);
        }
        if f.args.expand_final() {
            match args.pop().map(Value::unmark) {
                Some((Value::Tuple(items) | Value::List(items) | Value::Set(items), m)) => {
                    args.extend(items.into_iter().map(|v| v.mark_if(m)))
                }
                Some((Value::Unknown, _)) => return Ok(Value::Unknown),
                _ => {
                    return Err(self.error(
                        whole,
                        "Invalid expanding argument value",
                        "The expanding argument (indicated by ...) must be of a tuple, list, or set type.".into(),
                    ))
                }
            }
        }
        let renderer = TemplateFile {
            ev_scope: self.scope,
        };
        let ctx = FuncContext {
            base_dir: self.scope.root_dir(),
            planning: self.scope.planning(),
            templates: &renderer,
        };
        funcs::call(&full_name, args, &ctx).map_err(|err| match err {
            FuncError::Arg { index, message } => {
                let at = f
                    .args
                    .get(index)
                    .and_then(|a| self.span_of(a))
                    .or(self.span_of(whole));
                Diagnostic::error("Invalid function argument")
                    .with_span(at)
                    .with_detail(format!(
                        "Invalid value for argument {} of {full_name}: {message}",
                        index + 1
                    ))
            }
            // The message already names the function.
            FuncError::Arity(m) => self.error(whole, "Wrong number of arguments", m),
            FuncError::Unknown(n) => self.error(
                &f.name.name,
                "Call to unknown function",
                format!("There is no function named \"{n}\"."),
            ),
            FuncError::Failed(m) => self.error(
                whole,
                "Error in function call",
                format!(
                    "Call to function \"{full_name}\" failed: {m}{}",
                    if m.ends_with('.') { "" } else { "." }
                ),
            ),
        })
    }

    fn call_try(&mut self, f: &FuncCall, whole: &Expression) -> Result<Value, Diagnostic> {
        if f.args.is_empty() {
            return Err(self.error(
                whole,
                "Wrong number of arguments",
                "try: at least one argument is required.".into(),
            ));
        }
        let mut last = None;
        for a in f.args.iter() {
            match self.eval(a) {
                Ok(v) => return Ok(v),
                Err(d) => last = Some(d),
            }
        }
        Err(self.error(
            whole,
            "Invalid function argument",
            format!(
                "Call to function \"try\" failed: no expression succeeded:\n- {}",
                last.map(|d| d.to_string()).unwrap_or_default()
            ),
        ))
    }

    fn call_can(&mut self, f: &FuncCall, whole: &Expression) -> Result<Value, Diagnostic> {
        if f.args.len() != 1 {
            return Err(self.error(
                whole,
                "Wrong number of arguments",
                "can: exactly one argument is required.".into(),
            ));
        }
        Ok(match self.eval(f.args.get(0).expect("checked length")) {
            Ok(v) if v.is_unknown() => Value::Unknown,
            Ok(_) => Value::Bool(true),
            Err(_) => Value::Bool(false),
        })
    }
}

/// Equality as `==` sees it: same type family and same content.
pub(crate) fn values_equal(a: &Value, b: &Value) -> bool {
    match (a.unmarked(), b.unmarked()) {
        (Value::Number(x), Value::Number(y)) => x == y,
        (Value::List(_) | Value::Tuple(_), Value::List(_) | Value::Tuple(_))
        | (Value::Set(_), Value::Set(_))
        | (Value::Map(_) | Value::Object(_), Value::Map(_) | Value::Object(_)) => a.semantic_eq(b),
        (x, y) => x == y,
    }
}

/// `templatefile`: parses a file as a template and renders it with only `vars` in scope.
struct TemplateFile<'a> {
    ev_scope: &'a dyn Scope,
}

impl TemplateRenderer for TemplateFile<'_> {
    fn render(&self, path: &Path, source: &str, vars: &ValueMap) -> Result<Value, String> {
        let template = hcl_edit::parser::parse_template(source).map_err(|e| {
            format!(
                "{}:{}:{}: {}",
                path.display(),
                e.location().line(),
                e.location().column(),
                e.message()
            )
        })?;
        let scope = VarsOnly {
            inner: self.ev_scope,
        };
        let mut ev = Evaluator::new(&scope, FileId(u32::MAX));
        for (k, v) in vars {
            ev.bind(k, v.clone());
        }
        ev.render_template(&template)
            .map_err(|d| format!("{}: {d}", path.display()))
    }
}

/// The scope of a template file: only its variables, no references.
struct VarsOnly<'a> {
    inner: &'a dyn Scope,
}

impl Scope for VarsOnly<'_> {
    fn resolve(&self, path: &[String], span: Option<Span>) -> Result<(Value, usize), Diagnostic> {
        Err(Diagnostic::error("Unknown variable")
            .with_span(span)
            .with_detail(format!(
                "There is no variable named \"{}\" in the template's variables.",
                path.first().map(String::as_str).unwrap_or("")
            )))
    }
    fn base_dir(&self) -> &Path {
        self.inner.base_dir()
    }
    fn root_dir(&self) -> &Path {
        self.inner.root_dir()
    }
    fn planning(&self) -> bool {
        self.inner.planning()
    }
}
