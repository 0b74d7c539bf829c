//! Which resources and provider configurations make up one side of a blue/green cluster:
//! the cluster and everything of its module that depends on it, through references or
//! through a provider configured from it (the Kubernetes provider of its manifests).

use std::collections::BTreeSet;

use crate::addr::{Mode, Resource};
use crate::config::{BlueGreen, Module, ProviderRef, ResourceBlock};
use crate::diag::{Diagnostic, Diagnostics};
use crate::lang::refs::{body_refs, expr_refs, Reference};

/// One side's resources and provider configurations.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Members {
    /// The cluster and the resources copied with it (not the record, not `shared`).
    pub resources: BTreeSet<Resource>,
    /// Provider configurations whose arguments refer to a member (copied with them).
    pub providers: BTreeSet<ProviderRef>,
}

impl Members {
    /// True when `r` is copied with the cluster.
    pub fn contains(&self, r: &Resource) -> bool {
        self.resources.contains(r)
    }
}

/// The resource a reference names, if it names one (`aws_vpc.x.id`, `data.aws_ami.y`).
pub fn referenced_resource(path: &[String]) -> Option<Resource> {
    match path {
        [d, ty, name, ..] if d == "data" => Some(Resource {
            mode: Mode::Data,
            type_name: ty.clone(),
            name: name.clone(),
        }),
        [root, name, ..]
            if !matches!(
                root.as_str(),
                "var" | "local" | "module" | "each" | "count" | "path" | "self" | "terraform"
            ) =>
        {
            Some(Resource {
                mode: Mode::Managed,
                type_name: root.clone(),
                name: name.clone(),
            })
        }
        _ => None,
    }
}

/// Every reference a resource block makes, meta-arguments included.
fn resource_refs(rb: &ResourceBlock) -> Vec<Reference> {
    let mut out = Vec::new();
    body_refs(rb.body.file, &rb.body.body, &mut out);
    for e in rb
        .count
        .iter()
        .chain(rb.for_each.iter())
        .chain(rb.depends_on.iter())
    {
        expr_refs(e.file, &e.expr, &mut out);
    }
    out
}

/// True when one of `refs` names a member.
fn names_member(refs: &[Reference], out: &Members) -> bool {
    refs.iter()
        .filter_map(|r| referenced_resource(&r.path))
        .any(|r| out.contains(&r))
}

/// `root` and everything of module `m` that depends on it, through references or through
/// provider configurations built from it.
pub fn dependents(m: &Module, root: &Resource) -> Members {
    closure(m, root, &BTreeSet::new())
}

/// Like [`dependents`], never entering `excluded`.
fn closure(m: &Module, root: &Resource, excluded: &BTreeSet<&Resource>) -> Members {
    let mut out = Members::default();
    out.resources.insert(root.clone());
    loop {
        let before = (out.resources.len(), out.providers.len());
        for p in &m.providers {
            if out.providers.contains(&p.reference) {
                continue;
            }
            let mut refs = Vec::new();
            body_refs(p.body.file, &p.body.body, &mut refs);
            if names_member(&refs, &out) {
                out.providers.insert(p.reference.clone());
            }
        }
        for (addr, rb) in &m.resources {
            if out.contains(addr) || excluded.contains(addr) {
                continue;
            }
            if out.providers.contains(&rb.provider) || names_member(&resource_refs(rb), &out) {
                out.resources.insert(addr.clone());
            }
        }
        if (out.resources.len(), out.providers.len()) == before {
            return out;
        }
    }
}

/// The members of `bg`'s side in module `m`, or why the block cannot work.
pub fn members(m: &Module, bg: &BlueGreen) -> Result<Members, Diagnostics> {
    let mut diags = Diagnostics::new();
    let cluster = m.resources.get(&bg.cluster.resource);
    match cluster {
        None => diags.push(
            Diagnostic::error("Reference to undeclared resource")
                .with_span(bg.cluster.span)
                .with_detail(format!(
                    "blue_green \"{}\": no resource {} is declared in this module.",
                    bg.name, bg.cluster.resource
                )),
        ),
        Some(rb) if rb.addr.type_name != "aws_eks_cluster" => diags.push(
            Diagnostic::error("Invalid blue_green cluster")
                .with_span(bg.cluster.span)
                .with_detail(format!(
                    "blue_green \"{}\": cluster must be an aws_eks_cluster, not {}.",
                    bg.name, rb.addr.type_name
                )),
        ),
        Some(rb) if rb.count.is_some() || rb.for_each.is_some() => diags.push(
            Diagnostic::error("Invalid blue_green cluster")
                .with_span(bg.cluster.span)
                .with_detail(format!(
                    "blue_green \"{}\": {} uses count or for_each; give each cluster its own blue_green block.",
                    bg.name, bg.cluster.resource
                )),
        ),
        Some(_) => {}
    }
    match m.resources.get(&bg.record.resource) {
        None => diags.push(
            Diagnostic::error("Reference to undeclared resource")
                .with_span(bg.record.span)
                .with_detail(format!(
                    "blue_green \"{}\": no resource {} is declared in this module.",
                    bg.name, bg.record.resource
                )),
        ),
        Some(rb) if rb.addr.type_name != "aws_route53_record" => diags.push(
            Diagnostic::error("Invalid blue_green record")
                .with_span(bg.record.span)
                .with_detail(format!(
                    "blue_green \"{}\": record must be a weighted aws_route53_record, not {}.",
                    bg.name, rb.addr.type_name
                )),
        ),
        Some(rb) if !rb.body.body.has_blocks("weighted_routing_policy") => diags.push(
            Diagnostic::error("Invalid blue_green record")
                .with_span(bg.record.span)
                .with_detail(format!(
                    "blue_green \"{}\": {} has no weighted_routing_policy block; traffic can only be shifted between weighted records.",
                    bg.name, bg.record.resource
                )),
        ),
        Some(_) => {}
    }
    for s in &bg.shared {
        if !m.resources.contains_key(&s.resource) {
            diags.push(
                Diagnostic::error("Reference to undeclared resource")
                    .with_span(s.span)
                    .with_detail(format!(
                        "blue_green \"{}\": no resource {} is declared in this module.",
                        bg.name, s.resource
                    )),
            );
        }
    }
    if diags.has_errors() {
        return Err(diags);
    }

    let mut excluded: BTreeSet<&Resource> = bg.shared.iter().map(|s| &s.resource).collect();
    excluded.insert(&bg.record.resource);
    let out = closure(m, &bg.cluster.resource, &excluded);
    let record = &m.resources[&bg.record.resource];
    if !names_member(&resource_refs(record), &out) {
        return Err(Diagnostic::error("Invalid blue_green record")
            .with_span(bg.record.span)
            .with_detail(format!(
                "blue_green \"{}\": {} refers to nothing that depends on {}, so both sides' records would send traffic to the same place. Point the record at the cluster's load balancer (one whose configuration refers to the cluster).",
                bg.name, bg.record.resource, bg.cluster.resource
            ))
            .into());
    }
    Ok(out)
}
