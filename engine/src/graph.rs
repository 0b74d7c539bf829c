//! The dependency graph of a configuration (petgraph), built in one pass from references,
//! `depends_on`, module calls and providers; cycle detection; DOT output.

use std::collections::{BTreeMap, HashMap, HashSet};

use petgraph::graph::{DiGraph, NodeIndex};

use crate::addr::{Mode, Resource};
use crate::config::{Config, Expr, ProviderRef};
use crate::diag::{Diagnostic, Diagnostics, Span};
use crate::lang::{body_refs, expr_refs, Reference};

/// What a graph node stands for, inside one static module (call names from the root).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum NodeKind {
    /// `variable "name"`.
    Variable(String),
    /// `local.name`.
    Local(String),
    /// `output "name"`.
    Output(String),
    /// A resource or data source.
    Resource(Resource),
    /// The expansion of `module "name"` (its `count` / `for_each`).
    ModuleCall(String),
    /// A `provider` configuration (or the implied empty one).
    Provider(ProviderRef),
}

/// A node: a configuration object in a static module.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Node {
    /// Static module path (call names).
    pub module: Vec<String>,
    /// The object.
    pub kind: NodeKind,
}

impl std::fmt::Display for Node {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        for m in &self.module {
            write!(f, "module.{m}.")?;
        }
        match &self.kind {
            NodeKind::Variable(n) => write!(f, "var.{n}"),
            NodeKind::Local(n) => write!(f, "local.{n}"),
            NodeKind::Output(n) => write!(f, "output.{n}"),
            NodeKind::Resource(r) => write!(f, "{r}"),
            NodeKind::ModuleCall(n) => write!(f, "module.{n}"),
            NodeKind::Provider(p) => write!(
                f,
                "provider[\"{}\"]{}",
                p.name,
                p.alias
                    .as_ref()
                    .map(|a| format!(".{a}"))
                    .unwrap_or_default()
            ),
        }
    }
}

/// The graph: an edge `a -> b` means `a` must be evaluated before `b`.
#[derive(Debug, Default)]
pub struct Graph {
    /// The petgraph graph.
    pub graph: DiGraph<Node, ()>,
    /// Node indexes by node.
    pub index: HashMap<Node, NodeIndex>,
    /// Where each node is declared.
    pub spans: HashMap<NodeIndex, Option<Span>>,
    /// For each resource node, the provider node serving it.
    pub resource_provider: HashMap<NodeIndex, NodeIndex>,
}

impl Graph {
    /// Builds the graph; reports unknown references and cycles.
    pub fn build(config: &Config) -> (Graph, Diagnostics) {
        let mut b = Builder {
            g: Graph::default(),
            diags: Diagnostics::new(),
            edges: HashSet::new(),
        };
        b.add_nodes(config);
        b.add_edges(config);
        b.add_import_edges(config);
        b.check_cycles();
        (b.g, b.diags)
    }

    /// Nodes in an order where every node comes after its dependencies.
    pub fn order(&self) -> Vec<NodeIndex> {
        petgraph::algo::toposort(&self.graph, None).unwrap_or_default()
    }

    /// The graph in Graphviz DOT format, nodes and edges sorted for stable output.
    pub fn to_dot(&self) -> String {
        let mut out = String::from(
            "digraph {\n\tcompound = \"true\"\n\tnewrank = \"true\"\n\tsubgraph \"root\" {\n",
        );
        let mut nodes: Vec<String> = self.graph.node_weights().map(|n| n.to_string()).collect();
        nodes.sort();
        for n in &nodes {
            out.push_str(&format!("\t\t\"[root] {n}\"\n"));
        }
        let mut edges: Vec<(String, String)> = self
            .graph
            .edge_indices()
            .filter_map(|e| self.graph.edge_endpoints(e))
            .map(|(a, b)| (self.graph[b].to_string(), self.graph[a].to_string()))
            .collect();
        edges.sort();
        for (from, to) in edges {
            out.push_str(&format!("\t\t\"[root] {from}\" -> \"[root] {to}\"\n"));
        }
        out.push_str("\t}\n}\n");
        out
    }
}

struct Builder {
    g: Graph,
    diags: Diagnostics,
    /// The edges added so far: petgraph's `contains_edge` walks the source's edge list,
    /// quadratic for a provider every resource depends on.
    edges: HashSet<(NodeIndex, NodeIndex)>,
}

impl Builder {
    fn add(&mut self, module: &[String], kind: NodeKind, span: Option<Span>) -> NodeIndex {
        let node = Node {
            module: module.to_vec(),
            kind,
        };
        if let Some(i) = self.g.index.get(&node) {
            return *i;
        }
        let i = self.g.graph.add_node(node.clone());
        self.g.index.insert(node, i);
        self.g.spans.insert(i, span);
        i
    }

    fn node(&self, module: &[String], kind: NodeKind) -> Option<NodeIndex> {
        self.g
            .index
            .get(&Node {
                module: module.to_vec(),
                kind,
            })
            .copied()
    }

    fn add_nodes(&mut self, config: &Config) {
        config.walk(&mut |path, c| {
            let m = &c.module;
            for v in m.variables.values() {
                self.add(path, NodeKind::Variable(v.name.clone()), v.span);
            }
            for l in m.locals.values() {
                self.add(path, NodeKind::Local(l.name.clone()), l.span);
            }
            for o in m.outputs.values() {
                self.add(path, NodeKind::Output(o.name.clone()), o.span);
            }
            for r in m.resources.values() {
                self.add(path, NodeKind::Resource(r.addr.clone()), r.span);
            }
            for call in m.module_calls.values() {
                self.add(path, NodeKind::ModuleCall(call.name.clone()), call.span);
            }
            for p in &m.providers {
                self.add(path, NodeKind::Provider(p.reference.clone()), p.span);
            }
        });
    }

    fn edge(&mut self, from: NodeIndex, to: NodeIndex) {
        if self.edges.insert((from, to)) {
            self.g.graph.add_edge(from, to, ());
        }
    }

    /// Finds the provider block serving `r` in module `path`, following `providers`
    /// maps and implicit inheritance up to the root; adds an implied root node if none.
    fn provider_for(&mut self, config: &Config, path: &[String], r: &ProviderRef) -> NodeIndex {
        let mut path = path.to_vec();
        let mut r = r.clone();
        loop {
            if let Some(i) = self.node(&path, NodeKind::Provider(r.clone())) {
                return i;
            }
            let Some(call) = path.last().cloned() else {
                break;
            };
            path.pop();
            let parent = config.descendant(&path).expect("parent module exists");
            if let Some(mapped) = parent
                .module
                .module_calls
                .get(&call)
                .and_then(|c| c.providers.get(&r.to_string()))
            {
                r = mapped.clone();
            }
        }
        self.add(&[], NodeKind::Provider(r), None)
    }

    fn add_edges(&mut self, config: &Config) {
        config.walk(&mut |path, c| {
            let m = &c.module;
            // Everything in a child module waits for the module call's expansion.
            let call_node = if path.is_empty() {
                None
            } else {
                self.node(
                    &path[..path.len() - 1],
                    NodeKind::ModuleCall(path[path.len() - 1].clone()),
                )
            };
            let link =
                |b: &mut Builder, to: NodeIndex, refs: Vec<Reference>, depends_on: &[Expr]| {
                    if let Some(cn) = call_node {
                        b.edge(cn, to);
                    }
                    for r in refs {
                        b.reference(config, path, &r, to);
                    }
                    for d in depends_on {
                        let mut refs = Vec::new();
                        expr_refs(d.file, &d.expr, &mut refs);
                        for r in refs {
                            b.depends_on(config, path, &r, to);
                        }
                    }
                };
            for v in m.variables.values() {
                let to = self
                    .node(path, NodeKind::Variable(v.name.clone()))
                    .expect("added");
                let mut refs = Vec::new();
                for check in &v.validations {
                    expr_refs(check.condition.file, &check.condition.expr, &mut refs);
                    expr_refs(
                        check.error_message.file,
                        &check.error_message.expr,
                        &mut refs,
                    );
                }
                refs.retain(|r| !(r.path[0] == "var" && r.path.get(1) == Some(&v.name)));
                link(self, to, refs, &[]);
                // A child's input comes from the call's argument, evaluated in the parent.
                if let Some((call, parent)) = path.split_last() {
                    let parent_cfg = config.descendant(parent).expect("parent exists");
                    if let Some(input) = parent_cfg
                        .module
                        .module_calls
                        .get(call)
                        .and_then(|c| c.inputs.get(&v.name))
                    {
                        let mut refs = Vec::new();
                        expr_refs(input.file, &input.expr, &mut refs);
                        for r in refs {
                            self.reference(config, parent, &r, to);
                        }
                    }
                    if let Some(call_cfg) = parent_cfg.module.module_calls.get(call) {
                        for d in &call_cfg.depends_on {
                            let mut refs = Vec::new();
                            expr_refs(d.file, &d.expr, &mut refs);
                            for r in refs {
                                self.depends_on(config, parent, &r, to);
                            }
                        }
                    }
                }
            }
            for l in m.locals.values() {
                let to = self
                    .node(path, NodeKind::Local(l.name.clone()))
                    .expect("added");
                let mut refs = Vec::new();
                expr_refs(l.expr.file, &l.expr.expr, &mut refs);
                link(self, to, refs, &[]);
            }
            for o in m.outputs.values() {
                let to = self
                    .node(path, NodeKind::Output(o.name.clone()))
                    .expect("added");
                let mut refs = Vec::new();
                expr_refs(o.value.file, &o.value.expr, &mut refs);
                for p in &o.preconditions {
                    expr_refs(p.condition.file, &p.condition.expr, &mut refs);
                }
                link(self, to, refs, &o.depends_on);
            }
            for r in m.resources.values() {
                let to = self
                    .node(path, NodeKind::Resource(r.addr.clone()))
                    .expect("added");
                let mut refs = Vec::new();
                body_refs(r.body.file, &r.body.body, &mut refs);
                for e in r
                    .count
                    .iter()
                    .chain(&r.for_each)
                    .chain(&r.lifecycle.replace_triggered_by)
                {
                    expr_refs(e.file, &e.expr, &mut refs);
                }
                for c in r
                    .lifecycle
                    .preconditions
                    .iter()
                    .chain(&r.lifecycle.postconditions)
                {
                    expr_refs(c.condition.file, &c.condition.expr, &mut refs);
                    expr_refs(c.error_message.file, &c.error_message.expr, &mut refs);
                }
                refs.retain(|x| x.path[0] != "self");
                link(self, to, refs, &r.depends_on);
                let p = self.provider_for(config, path, &r.provider);
                self.edge(p, to);
                self.g.resource_provider.insert(to, p);
            }
            for call in m.module_calls.values() {
                let to = self
                    .node(path, NodeKind::ModuleCall(call.name.clone()))
                    .expect("added");
                let mut refs = Vec::new();
                for e in call.count.iter().chain(&call.for_each) {
                    expr_refs(e.file, &e.expr, &mut refs);
                }
                link(self, to, refs, &[]);
            }
            for p in &m.providers {
                let to = self
                    .node(path, NodeKind::Provider(p.reference.clone()))
                    .expect("added");
                let mut refs = Vec::new();
                body_refs(p.body.file, &p.body.body, &mut refs);
                link(self, to, refs, &[]);
            }
        });
    }

    /// A root `import` block's `id` is evaluated when its target resource is planned, so
    /// the resource waits for what the id refers to.
    fn add_import_edges(&mut self, config: &Config) {
        for imp in &config.module.imports {
            let Ok(addr) = imp.to.parse::<crate::addr::ResourceInstance>() else {
                continue;
            };
            let module: Vec<String> = addr.module.0.iter().map(|s| s.name.clone()).collect();
            let Some(to) = self.node(&module, NodeKind::Resource(addr.resource.clone())) else {
                continue;
            };
            let mut refs = Vec::new();
            expr_refs(imp.id.file, &imp.id.expr, &mut refs);
            for r in refs {
                self.reference(config, &[], &r, to);
            }
        }
    }

    /// Adds the edge for one reference made from `path`, or reports it if it names nothing.
    fn reference(&mut self, config: &Config, path: &[String], r: &Reference, to: NodeIndex) {
        let module = &config.descendant(path).expect("module exists").module;
        let p = &r.path;
        let name = |i: usize| p.get(i).cloned().unwrap_or_default();
        let kind: Option<NodeKind> = match p[0].as_str() {
            "var" => {
                let n = name(1);
                if !module.variables.contains_key(&n) {
                    self.unknown_ref(r, "Reference to undeclared input variable", format!("An input variable with the name \"{n}\" has not been declared. This variable can be declared with a variable \"{n}\" {{}} block."));
                    return;
                }
                Some(NodeKind::Variable(n))
            }
            "local" => {
                let n = name(1);
                if !module.locals.contains_key(&n) {
                    self.unknown_ref(
                        r,
                        "Reference to undeclared local value",
                        format!("A local value with the name \"{n}\" has not been declared."),
                    );
                    return;
                }
                Some(NodeKind::Local(n))
            }
            "module" => {
                let n = name(1);
                if !module.module_calls.contains_key(&n) {
                    self.unknown_ref(
                        r,
                        "Reference to undeclared module",
                        format!("No module call named \"{n}\" is declared in this module."),
                    );
                    return;
                }
                let mut child = path.to_vec();
                child.push(n.clone());
                let outputs: Vec<String> = match config.descendant(&child) {
                    Some(c) => match p.get(2) {
                        Some(o) if c.module.outputs.contains_key(o) => vec![o.clone()],
                        Some(o) => {
                            self.unknown_ref(r, "Unsupported attribute", format!("This object does not have an attribute named \"{o}\": module \"{n}\" has no output \"{o}\"."));
                            return;
                        }
                        None => c.module.outputs.keys().cloned().collect(),
                    },
                    None => Vec::new(),
                };
                for o in outputs {
                    if let Some(from) = self.node(&child, NodeKind::Output(o)) {
                        self.edge(from, to);
                    }
                }
                if let Some(from) = self.node(path, NodeKind::ModuleCall(n)) {
                    self.edge(from, to);
                }
                return;
            }
            "data" => {
                let res = Resource {
                    mode: Mode::Data,
                    type_name: name(1),
                    name: name(2),
                };
                if !module.resources.contains_key(&res) {
                    self.unknown_ref(
                        r,
                        "Reference to undeclared resource",
                        format!(
                            "A data resource \"{}\" \"{}\" has not been declared in this module.",
                            res.type_name, res.name
                        ),
                    );
                    return;
                }
                Some(NodeKind::Resource(res))
            }
            "count" | "each" | "path" | "terraform" | "self" => None,
            t => {
                if p.len() < 2 {
                    self.unknown_ref(r, "Invalid reference", format!("A reference to a resource type must be followed by at least one attribute access, specifying the resource name: \"{t}\" alone names nothing."));
                    return;
                }
                let res = Resource {
                    mode: Mode::Managed,
                    type_name: t.to_string(),
                    name: name(1),
                };
                if !module.resources.contains_key(&res) {
                    self.unknown_ref(r, "Reference to undeclared resource", format!("A managed resource \"{}\" \"{}\" has not been declared in this module.", res.type_name, res.name));
                    return;
                }
                Some(NodeKind::Resource(res))
            }
        };
        if let Some(kind) = kind {
            if let Some(from) = self.node(path, kind) {
                self.edge(from, to);
            }
        }
    }

    /// `depends_on` entries name resources or whole modules.
    fn depends_on(&mut self, config: &Config, path: &[String], r: &Reference, to: NodeIndex) {
        if r.path[0] == "module" && r.path.len() >= 2 {
            let mut child = path.to_vec();
            child.push(r.path[1].clone());
            if let Some(c) = config.descendant(&child) {
                let mut nodes = Vec::new();
                c.walk(&mut |sub, cc| {
                    let mut full = child.clone();
                    full.extend_from_slice(sub);
                    for res in cc.module.resources.keys() {
                        nodes.push((full.clone(), NodeKind::Resource(res.clone())));
                    }
                    for o in cc.module.outputs.keys() {
                        nodes.push((full.clone(), NodeKind::Output(o.clone())));
                    }
                });
                for (m, k) in nodes {
                    if let Some(from) = self.node(&m, k) {
                        self.edge(from, to);
                    }
                }
                return;
            }
        }
        self.reference(config, path, r, to);
    }

    fn unknown_ref(&mut self, r: &Reference, summary: &str, detail: String) {
        self.diags.push(
            Diagnostic::error(summary)
                .with_span(r.span)
                .with_detail(detail),
        );
    }

    fn check_cycles(&mut self) {
        let sccs = petgraph::algo::tarjan_scc(&self.g.graph);
        for scc in sccs {
            let self_loop = scc.len() == 1 && self.g.graph.contains_edge(scc[0], scc[0]);
            if scc.len() < 2 && !self_loop {
                continue;
            }
            let mut members: BTreeMap<String, Option<Span>> = BTreeMap::new();
            for i in &scc {
                members.insert(
                    self.g.graph[*i].to_string(),
                    self.g.spans.get(i).copied().flatten(),
                );
            }
            let names: Vec<&str> = members.keys().map(String::as_str).collect();
            let first_span = members.values().flatten().next().copied();
            let mut d = Diagnostic::error("Cycle in configuration")
                .with_span(first_span)
                .with_detail(format!(
                    "These objects refer to each other: {}.",
                    names.join(", ")
                ));
            d.help = Some(
                members
                    .keys()
                    .map(|n| format!("{n} is part of the cycle"))
                    .collect::<Vec<_>>()
                    .join("\n"),
            );
            self.diags.push(d);
            for (name, span) in members.iter().skip(1) {
                self.diags.push(
                    Diagnostic::error("Cycle in configuration")
                        .with_span(*span)
                        .with_detail(format!(
                            "{name} is part of the cycle: {}.",
                            names.join(" -> ")
                        )),
                );
            }
        }
    }
}
