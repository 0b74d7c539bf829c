//! `lifecycle.replace_triggered_by`: checking its references, and at plan replacing an
//! instance when a referenced instance (or attribute of it) changes.

use std::sync::Arc;

use hcl_edit::expr::{Expression, TraversalOperator};

use super::nodes::instance_locals;
use super::Walk;
use crate::addr::{InstanceKey, Resource, ResourceInstance};
use crate::config::{Config, Expr, ResourceBlock};
use crate::diag::{Diagnostic, Diagnostics};
use crate::lang::refs::traversal_resource;
use crate::lang::{expr_refs, Evaluator};
use crate::plan::{Action, ResourceChange, REPLACE_TRIGGERED};
use crate::provider::{PlanRequest, Provider, Schema};
use crate::value::Value;

/// One step after the resource (and key) in a trigger: `.attr` or `[literal]`.
#[derive(Debug, Clone, PartialEq)]
enum Step {
    Attr(String),
    Index(Value),
}

/// A parsed `replace_triggered_by` entry.
#[derive(Debug, Clone)]
struct Trigger<'a> {
    resource: Resource,
    /// The instance key expression, if the reference picks an instance.
    key: Option<&'a Expression>,
    /// The attribute path inside the instance.
    path: Vec<Step>,
}

/// Reads `aws_x.name[key].attr[0]` (or `data.…`); `None` for any other shape.
fn parse(e: &Expression) -> Option<Trigger<'_>> {
    let Expression::Traversal(t) = e else {
        return None;
    };
    let (resource, at) = traversal_resource(t)?;
    let ops = t.operators.iter().skip(at + 1).map(|o| o.value());
    let mut key = None;
    let mut path = Vec::new();
    for (i, op) in ops.enumerate() {
        match op {
            TraversalOperator::Index(ix) if i == 0 => key = Some(ix),
            TraversalOperator::GetAttr(a) => path.push(Step::Attr(a.as_str().to_string())),
            TraversalOperator::Index(Expression::Number(n)) => {
                path.push(Step::Index(Value::Number(n.value().as_f64()?)))
            }
            TraversalOperator::Index(Expression::String(s)) => {
                path.push(Step::Index(Value::String(s.value().clone())))
            }
            TraversalOperator::LegacyIndex(n) => {
                path.push(Step::Index(Value::Number(*n.value() as f64)))
            }
            _ => return None,
        }
    }
    Some(Trigger {
        resource,
        key,
        path,
    })
}

/// Checks every `replace_triggered_by` entry: only resource references, indexed by
/// constants, `count.index` or `each.key`. Undeclared resources are the graph's to report.
pub fn validate(config: &Config) -> Diagnostics {
    let mut diags = Diagnostics::new();
    config.walk(&mut |_, c| {
        for rb in c.module.resources.values() {
            for e in &rb.lifecycle.replace_triggered_by {
                check_entry(e, &mut diags);
            }
        }
    });
    diags
}

fn check_entry(e: &Expr, diags: &mut Diagnostics) {
    let mut refs = Vec::new();
    expr_refs(e.file, &e.expr, &mut refs);
    let mut resources = 0;
    for r in &refs {
        let ok = match r.path[0].as_str() {
            "count" => r.path.get(1).is_some_and(|p| p == "index"),
            "each" => r.path.get(1).is_some_and(|p| p == "key"),
            "var" | "local" | "module" | "path" | "terraform" | "self" => false,
            _ => {
                resources += 1;
                true
            }
        };
        if !ok {
            diags.push(
                Diagnostic::error("Invalid reference in replace_triggered_by expression")
                    .with_span(r.span.or(e.span()))
                    .with_detail(
                        "Only resources, count.index, and each.key may be used in replace_triggered_by.",
                    ),
            );
            return;
        }
    }
    let problem = if resources == 0 {
        Some("Missing resource reference in replace_triggered_by expression.")
    } else if parse(&e.expr).is_none() {
        Some("Unexpected expression found in replace_triggered_by. Write a reference to a resource, a resource instance or one of its attributes, such as aws_vpc.main or aws_subnet.private[each.key].id.")
    } else {
        None
    };
    if let Some(p) = problem {
        diags.push(
            Diagnostic::error("Invalid replace_triggered_by expression")
                .with_span(e.span())
                .with_detail(p),
        );
    }
}

/// The value at `path` inside `v` (`None` where the path leads nowhere).
fn at<'v>(v: &'v Value, path: &[Step]) -> Option<&'v Value> {
    let mut cur = v.unmarked();
    for s in path {
        if cur.is_unknown() {
            return Some(cur);
        }
        cur = match s {
            Step::Attr(a) => cur.as_map()?.get(a)?,
            Step::Index(Value::String(k)) => cur.as_map()?.get(k)?,
            Step::Index(Value::Number(n)) => cur.as_seq()?.get(*n as usize)?,
            Step::Index(_) => return None,
        }
        .unmarked();
    }
    Some(cur)
}

/// True if the change of a referenced instance fires a trigger with this attribute path:
/// any change without a path; with one, a different or unknown value there.
fn fires(c: &ResourceChange, path: &[Step]) -> bool {
    if c.action == Action::NoOp {
        return false;
    }
    if path.is_empty() {
        return true;
    }
    let before = c.before.as_ref().and_then(|v| at(v, path));
    let after = c.after.as_ref().and_then(|v| at(v, path));
    match (before, after) {
        (_, Some(a)) if a.contains_unknown() => true,
        (Some(b), Some(a)) => !b.semantic_eq(a),
        (None, None) => false,
        _ => true,
    }
}

impl Walk {
    /// True if a `replace_triggered_by` reference of `rb` changes in this plan.
    fn triggered(&self, rb: &ResourceBlock, addr: &ResourceInstance) -> Result<bool, Diagnostics> {
        let scope = self.scope(&addr.module);
        for e in &rb.lifecycle.replace_triggered_by {
            let Some(t) = parse(&e.expr) else { continue };
            let key = match t.key {
                None => None,
                Some(ix) => {
                    let mut ev = Evaluator::new(&scope, e.file);
                    for (k, v) in instance_locals(&addr.key, &Value::Null) {
                        ev.bind(&k, v);
                    }
                    let v = ev.eval(ix)?;
                    Some(match v.unmarked() {
                        Value::Number(n) if n.fract() == 0.0 => InstanceKey::Int(*n as i64),
                        Value::String(s) => InstanceKey::Str(s.clone()),
                        _ => {
                            return Err(Diagnostic::error(
                                "Invalid replace_triggered_by expression",
                            )
                            .with_span(e.span())
                            .with_detail(format!(
                                "The instance key must be a whole number or a string, not {}.",
                                v.type_name()
                            ))
                            .into())
                        }
                    })
                }
            };
            let changes = self.changes.lock().expect("lock");
            let hit = changes.iter().any(|c| {
                c.addr.module == addr.module
                    && c.addr.resource == t.resource
                    && key.as_ref().is_none_or(|k| &c.addr.key == k)
                    && fires(c, &t.path)
            });
            if hit {
                return Ok(true);
            }
        }
        Ok(false)
    }

    /// Turns a planned no-op or in-place update of an existing object into a replacement
    /// when one of its `replace_triggered_by` references changes. The replacement is
    /// planned as a create, so what the provider computes shows as known after apply.
    pub(crate) async fn apply_triggers(
        &self,
        change: &mut ResourceChange,
        rb: &ResourceBlock,
        config: &Value,
        provider: &Arc<dyn Provider>,
        schema: &Schema,
    ) -> Result<(), Diagnostics> {
        if rb.lifecycle.replace_triggered_by.is_empty()
            || change.before.is_none()
            || !matches!(change.action, Action::NoOp | Action::Update)
            || !self.triggered(rb, &change.addr)?
        {
            return Ok(());
        }
        let proposed = self.proposed(config, None, schema);
        let resp = super::resource::with_retry(|| {
            provider.plan(PlanRequest {
                type_name: change.addr.resource.type_name.clone(),
                prior: None,
                proposed: proposed.clone(),
                config: config.clone(),
            })
        })
        .await
        .map_err(|e| {
            Diagnostics::from(
                Diagnostic::error(format!("Error during plan of {}", change.addr))
                    .with_span(rb.span)
                    .with_detail(e.to_string()),
            )
        })?;
        change.after = Some(resp.planned);
        change.action = Action::Replace;
        change.reason = Some(REPLACE_TRIGGERED.to_string());
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::addr::Mode;

    fn expr(src: &str) -> Expr {
        let e: Expression = src.parse().expect("expression");
        Expr {
            file: crate::diag::FileId(0),
            expr: e,
        }
    }

    #[test]
    fn trigger_reads_resource_key_and_attribute_path() {
        let e = expr("aws_vpc.main[count.index].tags[\"Name\"]");
        let t = parse(&e.expr).expect("parsed");
        assert_eq!(t.resource.to_string(), "aws_vpc.main");
        assert!(t.key.is_some());
        assert_eq!(
            t.path,
            vec![
                Step::Attr("tags".into()),
                Step::Index(Value::string("Name"))
            ]
        );
        let data = expr("data.aws_ami.x.id");
        let d = parse(&data.expr).expect("parsed");
        assert_eq!(d.resource.mode, Mode::Data);
        assert!(d.key.is_none());
    }

    #[test]
    fn invalid_entries_are_errors_with_terraform_wording() {
        for (src, summary) in [
            (
                "var.v",
                "Invalid reference in replace_triggered_by expression",
            ),
            (
                "local.l",
                "Invalid reference in replace_triggered_by expression",
            ),
            ("\"x\"", "Invalid replace_triggered_by expression"),
            (
                "upper(aws_vpc.a.id)",
                "Invalid replace_triggered_by expression",
            ),
            (
                "aws_vpc.a[local.i]",
                "Invalid reference in replace_triggered_by expression",
            ),
        ] {
            let mut diags = Diagnostics::new();
            check_entry(&expr(src), &mut diags);
            assert_eq!(diags.0.len(), 1, "{src}: {diags:?}");
            assert_eq!(diags.0[0].summary, summary, "{src}");
            assert!(diags.0[0].span.is_some(), "{src} has a span");
        }
        for ok in [
            "aws_vpc.a",
            "aws_vpc.a[0].id",
            "aws_vpc.a[each.key]",
            "aws_vpc.a[count.index].tags.Name",
        ] {
            let mut diags = Diagnostics::new();
            check_entry(&expr(ok), &mut diags);
            assert!(diags.is_empty(), "{ok}: {diags:?}");
        }
    }

    fn change(action: Action, before: Value, after: Value) -> ResourceChange {
        ResourceChange {
            addr: "aws_vpc.a".parse().expect("addr"),
            action,
            provider: String::new(),
            before: Some(before),
            after: Some(after),
            replace_paths: Vec::new(),
            create_before_destroy: false,
            reason: None,
            moved_from: None,
            importing: None,
            deposed: None,
        }
    }

    #[test]
    fn trigger_fires_on_any_change_or_on_a_changed_attribute() {
        let b = Value::object([("id", Value::string("1")), ("n", Value::string("a"))]);
        let same_id = Value::object([("id", Value::string("1")), ("n", Value::string("b"))]);
        let update = change(Action::Update, b.clone(), same_id);
        assert!(fires(&update, &[]));
        assert!(!fires(&update, &[Step::Attr("id".into())]));
        assert!(fires(&update, &[Step::Attr("n".into())]));
        let unknown = change(
            Action::Replace,
            b.clone(),
            Value::object([("id", Value::Unknown)]),
        );
        assert!(fires(&unknown, &[Step::Attr("id".into())]));
        assert!(!fires(&change(Action::NoOp, b.clone(), b), &[]));
    }
}
