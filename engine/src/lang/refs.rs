//! Finds the references (`var.x`, `aws_vpc.main.id`, `module.net.out`) an expression makes,
//! for building the dependency graph.

use hcl_edit::expr::{Expression, ObjectKey, Traversal, TraversalOperator};
use hcl_edit::structure::{Body, Structure};
use hcl_edit::template::{Directive, Element, Template};
use hcl_edit::Span as _;

use crate::addr::{Mode, Resource};
use crate::diag::{FileId, Span};

/// A reference: the static part of a traversal rooted at a name.
#[derive(Debug, Clone, PartialEq)]
pub struct Reference {
    /// Root name, then attribute names and literal keys: `["aws_vpc", "main", "id"]`.
    pub path: Vec<String>,
    /// Where it is written.
    pub span: Option<Span>,
}

/// The resource a traversal starts with (`aws_x.name…`, `data.aws_x.name…`) and the
/// index in `t.operators` of the operator naming it; `None` for other shapes. Any root
/// name is taken as a resource type: callers judge whether the resource exists.
pub fn traversal_resource(t: &Traversal) -> Option<(Resource, usize)> {
    let Expression::Variable(root) = &t.expr else {
        return None;
    };
    let attr = |i: usize| match t.operators.get(i).map(|o| o.value()) {
        Some(TraversalOperator::GetAttr(a)) => Some(a.as_str().to_string()),
        _ => None,
    };
    if root.as_str() == "data" {
        let r = Resource {
            mode: Mode::Data,
            type_name: attr(0)?,
            name: attr(1)?,
        };
        Some((r, 1))
    } else {
        let r = Resource {
            mode: Mode::Managed,
            type_name: root.as_str().to_string(),
            name: attr(0)?,
        };
        Some((r, 0))
    }
}

/// Every reference in an expression. Names bound by `for` expressions inside it are not references.
pub fn expr_refs(file: FileId, e: &Expression, out: &mut Vec<Reference>) {
    Walker {
        file,
        bound: Vec::new(),
        out,
    }
    .expr(e);
}

/// Every reference in a block body, including nested and `dynamic` blocks. `iterators`
/// lists names bound by enclosing dynamic blocks.
pub fn body_refs(file: FileId, b: &Body, out: &mut Vec<Reference>) {
    Walker {
        file,
        bound: Vec::new(),
        out,
    }
    .body(b);
}

struct Walker<'a> {
    file: FileId,
    bound: Vec<String>,
    out: &'a mut Vec<Reference>,
}

impl Walker<'_> {
    fn push(&mut self, path: Vec<String>, span: Option<std::ops::Range<usize>>) {
        if self.bound.iter().any(|b| b == &path[0]) {
            return;
        }
        self.out.push(Reference {
            path,
            span: span.map(|r| Span::new(self.file, r)),
        });
    }

    fn body(&mut self, b: &Body) {
        for s in b.iter() {
            match s {
                Structure::Attribute(a) => self.expr(&a.value),
                Structure::Block(blk) if blk.ident.as_str() == "dynamic" => {
                    let name = blk
                        .body
                        .get_attribute("iterator")
                        .and_then(|a| match &a.value {
                            Expression::Variable(v) => Some(v.as_str().to_string()),
                            _ => None,
                        })
                        .or_else(|| blk.labels.first().map(|l| l.as_str().to_string()))
                        .unwrap_or_default();
                    if let Some(fe) = blk.body.get_attribute("for_each") {
                        self.expr(&fe.value);
                    }
                    self.bound.push(name);
                    for inner in blk.body.iter() {
                        match inner {
                            Structure::Attribute(a) if a.key.as_str() == "for_each" => {}
                            Structure::Attribute(a) => self.expr(&a.value),
                            Structure::Block(c) => self.body(&c.body),
                        }
                    }
                    self.bound.pop();
                }
                Structure::Block(blk) => self.body(&blk.body),
            }
        }
    }

    fn template(&mut self, t: &Template) {
        for el in t.iter() {
            match el {
                Element::Literal(_) => {}
                Element::Interpolation(i) => self.expr(&i.expr),
                Element::Directive(d) => match d.as_ref() {
                    Directive::If(d) => {
                        self.expr(&d.if_expr.cond_expr);
                        self.template(&d.if_expr.template);
                        if let Some(e) = &d.else_expr {
                            self.template(&e.template);
                        }
                    }
                    Directive::For(d) => {
                        let f = &d.for_expr;
                        self.expr(&f.collection_expr);
                        let n = self.bound.len();
                        if let Some(k) = &f.key_var {
                            self.bound.push(k.as_str().to_string());
                        }
                        self.bound.push(f.value_var.as_str().to_string());
                        self.template(&f.template);
                        self.bound.truncate(n);
                    }
                },
            }
        }
    }

    fn expr(&mut self, e: &Expression) {
        match e {
            Expression::Null(_)
            | Expression::Bool(_)
            | Expression::Number(_)
            | Expression::String(_) => {}
            Expression::Array(a) => a.iter().for_each(|i| self.expr(i)),
            Expression::Object(o) => {
                for (k, v) in o.iter() {
                    if let ObjectKey::Expression(ke) = k {
                        if !matches!(ke, Expression::Variable(_)) {
                            self.expr(ke);
                        }
                    }
                    self.expr(v.expr());
                }
            }
            Expression::StringTemplate(t) => self.template(t),
            Expression::HeredocTemplate(h) => self.template(&h.template),
            Expression::Parenthesis(p) => self.expr(p.inner()),
            Expression::Variable(v) => self.push(vec![v.as_str().to_string()], v.span()),
            Expression::Conditional(c) => {
                self.expr(&c.cond_expr);
                self.expr(&c.true_expr);
                self.expr(&c.false_expr);
            }
            Expression::FuncCall(f) => f.args.iter().for_each(|a| self.expr(a)),
            Expression::Traversal(t) => {
                if let Expression::Variable(root) = &t.expr {
                    let mut path = vec![root.as_str().to_string()];
                    for op in &t.operators {
                        match op.value() {
                            TraversalOperator::GetAttr(i) => path.push(i.as_str().to_string()),
                            TraversalOperator::Index(Expression::String(s)) => {
                                path.push(s.value().clone())
                            }
                            TraversalOperator::Index(Expression::Number(n)) => {
                                path.push(n.value().to_string())
                            }
                            TraversalOperator::LegacyIndex(i) => path.push(i.value().to_string()),
                            _ => break,
                        }
                    }
                    self.push(path, t.span());
                } else {
                    self.expr(&t.expr);
                }
                for op in &t.operators {
                    if let TraversalOperator::Index(ie) = op.value() {
                        self.expr(ie);
                    }
                }
            }
            Expression::UnaryOp(u) => self.expr(&u.expr),
            Expression::BinaryOp(b) => {
                self.expr(&b.lhs_expr);
                self.expr(&b.rhs_expr);
            }
            Expression::ForExpr(f) => {
                self.expr(&f.intro.collection_expr);
                let n = self.bound.len();
                if let Some(k) = &f.intro.key_var {
                    self.bound.push(k.as_str().to_string());
                }
                self.bound.push(f.intro.value_var.as_str().to_string());
                if let Some(k) = &f.key_expr {
                    self.expr(k);
                }
                self.expr(&f.value_expr);
                if let Some(c) = &f.cond {
                    self.expr(&c.expr);
                }
                self.bound.truncate(n);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn refs(src: &str) -> Vec<String> {
        let e = hcl_edit::parser::parse_expr(src).unwrap();
        let mut out = Vec::new();
        expr_refs(FileId(0), &e, &mut out);
        out.into_iter().map(|r| r.path.join(".")).collect()
    }

    #[test]
    fn finds_static_prefix_of_traversals() {
        assert_eq!(refs("aws_vpc.main.id"), ["aws_vpc.main.id"]);
        assert_eq!(refs("aws_subnet.a[\"x\"].id"), ["aws_subnet.a.x.id"]);
        assert_eq!(
            refs("aws_instance.w[count.index].id"),
            ["aws_instance.w", "count.index"]
        );
    }

    #[test]
    fn for_expression_names_are_not_references() {
        assert_eq!(refs("[for s in var.list : s.id if s.ok]"), ["var.list"]);
        assert_eq!(
            refs("\"${local.a}-%{for x in var.b}${x}%{endfor}\""),
            ["local.a", "var.b"]
        );
    }
}
