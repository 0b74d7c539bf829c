//! Rewrites a module for one moment of a blue/green upgrade. The configuration describes
//! one cluster; the sides are derived from it:
//!
//! - The *live* side is the configuration itself. On the green side its unique names
//!   (cluster name, node group names, load balancer names, the record's
//!   `set_identifier`) carry the suffix `-green`, so both sides can exist at once.
//! - While migrating, the live side is frozen (`ignore_changes = all`: its version stays)
//!   and a *copy* of every member is added under the address `NAME-<side>` (for example
//!   `aws_eks_cluster.main-green`), with references between members, and to provider
//!   configurations built from them, pointed at the copies. The record is copied too, and
//!   both records get the weights of the current traffic step.
//!
//! Expressions keep their spans, so errors in a copy point at the line the user wrote.

use hcl_edit::expr::{Expression, FuncArgs, FuncCall, Traversal, TraversalOperator};
use hcl_edit::structure::Body;
use hcl_edit::visit_mut::{self, VisitMut};
use hcl_edit::{Decorated, Ident};

use super::members::Members;
use crate::config::{BlueGreen, Expr, IgnoreChanges, Module, ProviderRef, ResourceBlock};
use crate::lang::refs::traversal_resource;

/// One of the two sides.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Side {
    /// The names as written.
    Blue,
    /// The names with the suffix `-green`.
    Green,
}

impl Side {
    /// `blue` or `green`.
    pub fn as_str(self) -> &'static str {
        match self {
            Side::Blue => "blue",
            Side::Green => "green",
        }
    }

    /// Parses `blue` or `green`.
    pub fn parse(s: &str) -> Option<Side> {
        match s {
            "blue" => Some(Side::Blue),
            "green" => Some(Side::Green),
            _ => None,
        }
    }

    /// The other side.
    pub fn other(self) -> Side {
        match self {
            Side::Blue => Side::Green,
            Side::Green => Side::Blue,
        }
    }

    /// What the side appends to unique names.
    fn suffix(self) -> Option<&'static str> {
        match self {
            Side::Blue => None,
            Side::Green => Some("-green"),
        }
    }
}

/// The attribute holding a name the service keeps unique (per account and region, or per
/// record set), by resource type: the side's suffix goes there.
const UNIQUE_NAMES: &[(&str, &str)] = &[
    ("aws_eks_cluster", "name"),
    ("aws_eks_node_group", "node_group_name"),
    ("aws_lb", "name"),
    ("aws_lb_target_group", "name"),
    ("aws_security_group", "name"),
    ("aws_route53_record", "set_identifier"),
    ("aws_iam_role", "name"),
    ("aws_launch_template", "name"),
];

/// Where a blue/green upgrade stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Phase {
    /// No upgrade under way: only the live side exists.
    Steady,
    /// Both sides exist; the new one takes `new_weight` percent of the traffic.
    Migrating {
        /// Percent of traffic on the new side (0 to 100).
        new_weight: u8,
    },
}

/// The address of `name`'s copy on `side`.
pub fn copy_name(name: &str, side: Side) -> String {
    format!("{name}-{}", side.as_str())
}

/// The provider configuration serving `p`'s copies on `side`.
pub fn copy_provider(p: &ProviderRef, side: Side) -> ProviderRef {
    ProviderRef {
        name: p.name.clone(),
        alias: Some(copy_name(p.alias.as_deref().unwrap_or(&p.name), side)),
    }
}

/// Rewrites `m` for `bg` at `phase`, with `live` the side serving traffic.
pub fn transform(m: &mut Module, bg: &BlueGreen, members: &Members, live: Side, phase: Phase) {
    let record = bg.record.resource.clone();
    let new = live.other();
    let mut copied = std::collections::BTreeSet::new();
    if let Phase::Migrating { new_weight } = phase {
        let mut copies = Vec::new();
        for (addr, rb) in &m.resources {
            if members.contains(addr) || *addr == record {
                copies.push(copy_block(rb, members, new));
            }
        }
        let providers: Vec<_> = m
            .providers
            .iter()
            .filter(|p| members.providers.contains(&p.reference))
            .map(|p| {
                let mut c = p.clone();
                c.reference = copy_provider(&p.reference, new);
                rename_body(&mut c.body.body, members, new);
                c
            })
            .collect();
        m.providers.extend(providers);
        for rb in m.resources.values_mut() {
            if members.contains(&rb.addr) {
                rb.lifecycle.ignore_changes = IgnoreChanges::All;
            }
        }
        if let Some(rb) = m.resources.get_mut(&record) {
            set_weight(&mut rb.body.body, 100 - new_weight.min(100));
        }
        for c in copies {
            let mut c = c;
            if c.addr.type_name == record.type_name && c.addr.name == copy_name(&record.name, new) {
                set_weight(&mut c.body.body, new_weight.min(100));
            }
            copied.insert(c.addr.clone());
            m.resources.insert(c.addr.clone(), c);
        }
    }
    for rb in m.resources.values_mut() {
        let side = if copied.contains(&rb.addr) {
            new
        } else if members.contains(&rb.addr) || rb.addr == record {
            live
        } else {
            continue;
        };
        if let Some(suffix) = side.suffix() {
            add_suffix(rb, suffix, members);
        }
    }
}

/// A copy of `rb` for `side`: new address, references to members and to their provider
/// configurations pointed at the copies.
fn copy_block(rb: &ResourceBlock, members: &Members, side: Side) -> ResourceBlock {
    let mut c = rb.clone();
    c.addr.name = copy_name(&rb.addr.name, side);
    if members.providers.contains(&rb.provider) {
        c.provider = copy_provider(&rb.provider, side);
    }
    rename_body(&mut c.body.body, members, side);
    let exprs = c
        .count
        .iter_mut()
        .chain(c.for_each.iter_mut())
        .chain(c.depends_on.iter_mut())
        .chain(c.lifecycle.replace_triggered_by.iter_mut());
    for e in exprs {
        rename_expr(e, members, side);
    }
    for chk in c
        .lifecycle
        .preconditions
        .iter_mut()
        .chain(c.lifecycle.postconditions.iter_mut())
    {
        rename_expr(&mut chk.condition, members, side);
        rename_expr(&mut chk.error_message, members, side);
    }
    c
}

fn rename_expr(e: &mut Expr, members: &Members, side: Side) {
    Renamer { members, side }.visit_expr_mut(&mut e.expr);
}

fn rename_body(b: &mut Body, members: &Members, side: Side) {
    Renamer { members, side }.visit_body_mut(b);
}

/// Points references to members at their copies.
struct Renamer<'a> {
    members: &'a Members,
    side: Side,
}

impl VisitMut for Renamer<'_> {
    fn visit_traversal_mut(&mut self, node: &mut Traversal) {
        if let Some((r, at)) = traversal_resource(node) {
            if self.members.contains(&r) {
                let renamed = Ident::new(copy_name(&r.name, self.side));
                *node.operators[at].value_mut() = TraversalOperator::GetAttr(renamed.into());
            }
        }
        visit_mut::visit_traversal_mut(self, node);
    }
}

/// Appends `suffix` to the block's unique name, if its type has one and it is set.
fn add_suffix(rb: &mut ResourceBlock, suffix: &str, members: &Members) {
    let Some((_, attr)) = UNIQUE_NAMES.iter().find(|(ty, _)| *ty == rb.addr.type_name) else {
        return;
    };
    let file = rb.body.file;
    if let Some(mut a) = rb.body.body.get_attribute_mut(attr) {
        let v = a.value_mut();
        if names_after_member(file, v, members) {
            return;
        }
        let original = std::mem::replace(v, Expression::Null(Decorated::new(hcl_edit::expr::Null)));
        let args = FuncArgs::from(vec![Expression::from(format!("%s{suffix}")), original]);
        *v = Expression::from(FuncCall::new(Ident::new("format"), args));
    }
}

/// True when `e` is built from the unique name of a member (`"${aws_eks_cluster.main.name}-web"`)
/// on either side: it already differs between the sides, and a second suffix would only
/// make it longer (`accounts-green-web-green`).
fn names_after_member(file: crate::diag::FileId, e: &Expression, members: &Members) -> bool {
    let mut refs = Vec::new();
    crate::lang::refs::expr_refs(file, e, &mut refs);
    refs.iter().any(|r| {
        let (Some(res), Some(used)) = (super::members::referenced_resource(&r.path), r.path.get(2))
        else {
            return false;
        };
        let unique = UNIQUE_NAMES
            .iter()
            .any(|(ty, a)| *ty == res.type_name && (used == a || used == "id"));
        unique
            && members.resources.iter().any(|m| {
                m.type_name == res.type_name
                    && [
                        m.name.clone(),
                        copy_name(&m.name, Side::Blue),
                        copy_name(&m.name, Side::Green),
                    ]
                    .contains(&res.name)
            })
    })
}

/// Sets `weighted_routing_policy.weight`.
fn set_weight(b: &mut Body, weight: u8) {
    for blk in b.get_blocks_mut("weighted_routing_policy") {
        match blk.body.get_attribute_mut("weight") {
            Some(mut a) => *a.value_mut() = Expression::from(i64::from(weight)),
            None => blk.body.push(hcl_edit::structure::Attribute::new(
                Ident::new("weight"),
                i64::from(weight),
            )),
        }
    }
}
