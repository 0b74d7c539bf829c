//! `moved` blocks: read into statements relative to their module, checked as Terraform
//! checks them, and applied to the prior state before planning so objects keep their identity.

use std::collections::{BTreeMap, HashMap, HashSet};

use petgraph::graph::DiGraph;

use crate::addr::{InstanceKey, ModulePath, ModuleStep, ResourceInstance, Target};
use crate::config::Config;
use crate::diag::{Diagnostic, Diagnostics, Span};
use crate::state::State;

/// One `moved` statement, or one implied by adding or removing `count`.
#[derive(Debug, Clone, PartialEq)]
pub struct MoveStatement {
    /// Static path (call names) of the module declaring it; the endpoints are relative to it.
    pub module: Vec<String>,
    /// The old address.
    pub from: Target,
    /// The new address.
    pub to: Target,
    /// The `moved` block (or, when implied, the resource block).
    pub span: Option<Span>,
    /// Implied by a `count` change rather than written.
    pub implied: bool,
}

/// What moving did to the state.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct MoveResults {
    /// Each moved instance: its new address, and the address it had before any move.
    pub moved: BTreeMap<ResourceInstance, ResourceInstance>,
    /// Moves not made because an object already exists at the destination: `(from, to)`.
    pub blocked: Vec<(ResourceInstance, ResourceInstance)>,
}

/// The kind of object a statement moves, for matching and for messages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    /// `module.a` to `module.b`: every instance of a call, keys kept.
    ModuleCall,
    /// `module.a[0]` to `module.a["x"]`.
    ModuleInstance,
    /// `a.b` to `a.c`: every instance of a resource, keys kept.
    Resource,
    /// `a.b[0]` to `a.b`.
    Instance,
}

impl Kind {
    /// Long and short nouns, as Terraform words them.
    fn nouns(self) -> (&'static str, &'static str) {
        match self {
            Kind::ModuleCall => ("module call", "call"),
            Kind::ModuleInstance => ("module instance", "instance"),
            Kind::Resource => ("resource", "resource"),
            Kind::Instance => ("resource instance", "instance"),
        }
    }
}

impl MoveStatement {
    fn kind(&self) -> Kind {
        match (&self.from, &self.to) {
            (Target::Module(f), Target::Module(t)) => {
                let unkeyed =
                    |p: &ModulePath| p.0.last().is_some_and(|s| s.key == InstanceKey::None);
                if unkeyed(f) && unkeyed(t) {
                    Kind::ModuleCall
                } else {
                    Kind::ModuleInstance
                }
            }
            (Target::Resource(_), Target::Resource(_)) => Kind::Resource,
            _ => Kind::Instance,
        }
    }

    /// An endpoint made absolute for one instance of the declaring module.
    fn absolute(prefix: &ModulePath, t: &Target) -> Target {
        let join = |m: &ModulePath| {
            let mut steps = prefix.0.clone();
            steps.extend(m.0.iter().cloned());
            ModulePath(steps)
        };
        match t {
            Target::Module(m) => Target::Module(join(m)),
            Target::Resource(r) => {
                let mut r = r.clone();
                r.module = join(&r.module);
                Target::Resource(r)
            }
            Target::Instance(i) => {
                let mut i = i.clone();
                i.module = join(&i.module);
                Target::Instance(i)
            }
        }
    }

    /// An endpoint in the static form used to compare statements of different modules.
    fn static_endpoint(&self, t: &Target) -> Target {
        let prefix = ModulePath(
            self.module
                .iter()
                .map(|n| ModuleStep {
                    name: n.clone(),
                    key: InstanceKey::None,
                })
                .collect(),
        );
        Self::absolute(&prefix, t)
    }

    /// The instance of the declaring module that `inst` lives in, if it lives in one.
    fn prefix_of(&self, module: &ModulePath) -> Option<ModulePath> {
        let n = self.module.len();
        let inside = module.0.len() >= n
            && module.0[..n]
                .iter()
                .zip(&self.module)
                .all(|(s, m)| &s.name == m);
        inside.then(|| ModulePath(module.0[..n].to_vec()))
    }

    /// Where this statement moves `inst`, if it selects it.
    fn destination(&self, inst: &ResourceInstance) -> Option<ResourceInstance> {
        let prefix = self.prefix_of(&inst.module)?;
        let from = Self::absolute(&prefix, &self.from);
        let to = Self::absolute(&prefix, &self.to);
        match (self.kind(), &from, &to) {
            (Kind::ModuleCall | Kind::ModuleInstance, Target::Module(f), Target::Module(t)) => {
                let call = self.kind() == Kind::ModuleCall;
                let n = f.0.len();
                if inst.module.0.len() < n {
                    return None;
                }
                let matches = inst.module.0[..n]
                    .iter()
                    .zip(&f.0)
                    .enumerate()
                    .all(|(i, (s, p))| {
                        s.name == p.name && (s.key == p.key || (call && i == n - 1))
                    });
                if !matches {
                    return None;
                }
                let mut steps = t.0.clone();
                if call {
                    if let Some(last) = steps.last_mut() {
                        last.key = inst.module.0[n - 1].key.clone();
                    }
                }
                steps.extend(inst.module.0[n..].iter().cloned());
                Some(ResourceInstance {
                    module: ModulePath(steps),
                    ..inst.clone()
                })
            }
            (Kind::Resource, Target::Resource(f), Target::Resource(t)) => {
                (inst.abs_resource() == *f).then(|| t.instance(inst.key.clone()))
            }
            (Kind::Instance, f, t) => {
                let (f, t) = (as_instance(f)?, as_instance(t)?);
                (*inst == f).then_some(t)
            }
            _ => None,
        }
    }

    fn describe(&self) -> String {
        format!(
            "{} → {}",
            self.static_endpoint(&self.from),
            self.static_endpoint(&self.to)
        )
    }
}

/// A resource endpoint as an instance (`a.b` is the unkeyed instance).
fn as_instance(t: &Target) -> Option<ResourceInstance> {
    match t {
        Target::Resource(r) => Some(r.instance(InstanceKey::None)),
        Target::Instance(i) => Some(i.clone()),
        Target::Module(_) => None,
    }
}

/// The module path an endpoint lives in (for a module endpoint, the module itself).
fn endpoint_module(t: &Target) -> &ModulePath {
    match t {
        Target::Module(m) => m,
        Target::Resource(r) => &r.module,
        Target::Instance(i) => &i.module,
    }
}

/// True if a statement starting at `later` must run after one ending at `earlier`: it
/// continues a chain (`A → B`, `B → C`) or moves something inside what was moved.
fn follows(later: &Target, earlier: &Target) -> bool {
    if later == earlier {
        return true;
    }
    match (later, earlier) {
        (Target::Instance(i), Target::Resource(r)) => i.abs_resource() == *r,
        (_, Target::Module(m)) => {
            let p = endpoint_module(later);
            let longer_or_resource = p.0.len() > m.0.len() || !matches!(later, Target::Module(_));
            longer_or_resource && p.0.starts_with(&m.0)
        }
        _ => false,
    }
}

/// Reads every module's `moved` blocks. Reports addresses that cannot be parsed, endpoints
/// of different kinds, and moves between resource types (configuration errors, like `validate`).
pub fn statements(config: &Config) -> (Vec<MoveStatement>, Diagnostics) {
    let mut out = Vec::new();
    let mut diags = Diagnostics::new();
    config.walk(&mut |path, c| {
        for m in &c.module.moved {
            let parse = |s: &str, which: &str, diags: &mut Diagnostics| match s.parse::<Target>() {
                Ok(t) => Some(t),
                Err(e) => {
                    diags.push(
                        Diagnostic::error("Invalid \"moved\" address")
                            .with_span(m.span)
                            .with_detail(format!("The \"{which}\" address is not valid: {e}. It must name a module call, a module instance, a resource or a resource instance, with constant instance keys.")),
                    );
                    None
                }
            };
            let (Some(from), Some(to)) = (parse(&m.from, "from", &mut diags), parse(&m.to, "to", &mut diags)) else {
                continue;
            };
            if matches!(from, Target::Module(_)) != matches!(to, Target::Module(_)) {
                diags.push(
                    Diagnostic::error("Invalid \"moved\" addresses")
                        .with_span(m.span)
                        .with_detail("The \"from\" and \"to\" addresses must either both refer to resources or both refer to modules."),
                );
                continue;
            }
            if let (Some(f), Some(t)) = (as_instance(&from), as_instance(&to)) {
                if f.resource.type_name != t.resource.type_name || f.resource.mode != t.resource.mode {
                    let noun = if matches!((&from, &to), (Target::Resource(_), Target::Resource(_))) {
                        "resource"
                    } else {
                        "resource instance"
                    };
                    diags.push(
                        Diagnostic::error("Resource type mismatch")
                            .with_span(m.span)
                            .with_detail(format!("This statement declares a move from {from} to {to}, which is a {noun} of a different type. galley can move objects only between resources of the same type; the state of one type means nothing to the other.")),
                    );
                    continue;
                }
            }
            out.push(MoveStatement {
                module: path.to_vec(),
                from,
                to,
                span: m.span,
                implied: false,
            });
        }
    });
    (out, diags)
}

/// The moves Terraform infers when `count` is added to (`a` → `a[0]`) or removed from
/// (`a[0]` → `a`) a resource that no written statement mentions.
pub fn implied(config: &Config, state: &State, explicit: &[MoveStatement]) -> Vec<MoveStatement> {
    let mut out: Vec<MoveStatement> = Vec::new();
    for (abs, rs) in &state.resources {
        let path: Vec<String> = abs.module.0.iter().map(|s| s.name.clone()).collect();
        let Some(rb) = config
            .descendant(&path)
            .and_then(|c| c.module.resources.get(&abs.resource))
        else {
            continue;
        };
        let (from, to) = if rb.count.is_some() && rs.instances.contains_key(&InstanceKey::None) {
            (InstanceKey::None, InstanceKey::Int(0))
        } else if rb.count.is_none()
            && rb.for_each.is_none()
            && rs.instances.contains_key(&InstanceKey::Int(0))
        {
            (InstanceKey::Int(0), InstanceKey::None)
        } else {
            continue;
        };
        let static_abs = crate::addr::AbsResource {
            module: abs.module.without_keys(),
            resource: abs.resource.clone(),
        };
        let mentioned = explicit.iter().any(|s| {
            [&s.from, &s.to].into_iter().any(|t| {
                as_instance(&s.static_endpoint(t)).is_some_and(|i| {
                    i.resource == static_abs.resource
                        && i.module.without_keys() == static_abs.module
                })
            })
        });
        if mentioned {
            continue;
        }
        let local = crate::addr::AbsResource {
            module: ModulePath::root(),
            resource: abs.resource.clone(),
        };
        let stmt = MoveStatement {
            module: path,
            from: Target::Instance(local.instance(from)),
            to: Target::Instance(local.instance(to)),
            span: rb.span,
            implied: true,
        };
        if !out.contains(&stmt) {
            out.push(stmt);
        }
    }
    out
}

/// The order to apply statements in (chains and nesting first to last), or the groups of
/// statements that form cycles.
fn order(stmts: &[MoveStatement]) -> Result<Vec<usize>, Vec<Vec<usize>>> {
    let mut g: DiGraph<usize, ()> = DiGraph::new();
    let nodes: Vec<_> = (0..stmts.len()).map(|i| g.add_node(i)).collect();
    for (a, sa) in stmts.iter().enumerate() {
        for (b, sb) in stmts.iter().enumerate() {
            if a != b && follows(&sb.static_endpoint(&sb.from), &sa.static_endpoint(&sa.to)) {
                g.add_edge(nodes[a], nodes[b], ());
            }
        }
    }
    match petgraph::algo::toposort(&g, None) {
        Ok(o) => Ok(o.into_iter().map(|n| g[n]).collect()),
        Err(_) => Err(petgraph::algo::tarjan_scc(&g)
            .into_iter()
            .filter(|c| c.len() > 1)
            .map(|c| {
                let mut v: Vec<usize> = c.into_iter().map(|n| g[n]).collect();
                v.sort();
                v
            })
            .collect()),
    }
}

/// Checks written statements against each other: redundant, ambiguous, cyclic.
pub fn check(stmts: &[MoveStatement]) -> Diagnostics {
    let mut diags = Diagnostics::new();
    let explicit: Vec<&MoveStatement> = stmts.iter().filter(|s| !s.implied).collect();
    let mut by_from: HashMap<Target, &MoveStatement> = HashMap::new();
    let mut by_to: HashMap<Target, &MoveStatement> = HashMap::new();
    for s in explicit {
        let (from, to) = (s.static_endpoint(&s.from), s.static_endpoint(&s.to));
        let (noun, short) = s.kind().nouns();
        if from == to {
            diags.push(
                Diagnostic::error("Redundant move statement")
                    .with_span(s.span)
                    .with_detail(format!("This statement declares a move from {from} to the same address, which is the same as not declaring this move at all.")),
            );
            continue;
        }
        match by_from.get(&from) {
            Some(other) if other.static_endpoint(&other.to) != to => diags.push(
                Diagnostic::error("Ambiguous move statements")
                    .with_span(s.span)
                    .with_detail(format!(
                        "Another statement declared that {from} moved to {}, but this statement instead declares that it moved to {to}.\n\nEach {noun} can move to only one destination {short}.",
                        other.static_endpoint(&other.to)
                    )),
            ),
            Some(_) => {}
            None => {
                by_from.insert(from.clone(), s);
            }
        }
        match by_to.get(&to) {
            Some(other) if other.static_endpoint(&other.from) != from => diags.push(
                Diagnostic::error("Ambiguous move statements")
                    .with_span(s.span)
                    .with_detail(format!(
                        "Another statement declared that {} moved to {to}, but this statement instead declares that {from} moved there.\n\nEach {noun} can have moved from only one source {short}.",
                        other.static_endpoint(&other.from)
                    )),
            ),
            Some(_) => {}
            None => {
                by_to.insert(to, s);
            }
        }
    }
    if diags.has_errors() {
        return diags;
    }
    if let Err(cycles) = order(stmts) {
        for c in cycles {
            let mut lines: Vec<String> = c
                .iter()
                .map(|i| format!("\n  - {}", stmts[*i].describe()))
                .collect();
            lines.sort();
            diags.push(
                Diagnostic::error("Cyclic dependency in move statements")
                    .with_span(stmts[c[0]].span)
                    .with_detail(format!("The following chained move statements form a cycle, and so there is no final location to move objects to:{}\n\nA chain of move statements must end with an address that doesn't appear in any other statements, and which typically also refers to an object still declared in the configuration.", lines.concat())),
            );
        }
    }
    diags
}

/// Moves objects in `state` as the statements say, in chain order. A move whose
/// destination already holds an object is not made (see [`MoveResults::blocked`]);
/// with a cycle, nothing moves ([`check`] reports it).
pub fn apply(stmts: &[MoveStatement], state: &mut State) -> MoveResults {
    let mut results = MoveResults::default();
    let Ok(order) = order(stmts) else {
        return results;
    };
    // current address -> address before any move
    let mut origin: HashMap<ResourceInstance, ResourceInstance> = HashMap::new();
    for i in order {
        let s = &stmts[i];
        let pairs: Vec<(ResourceInstance, ResourceInstance)> = state
            .instances()
            .filter_map(|(inst, _)| s.destination(&inst).map(|to| (inst, to)))
            .filter(|(from, to)| from != to)
            .collect();
        for (from, to) in pairs {
            if state.instance(&to).is_some() {
                results.blocked.push((from, to));
                continue;
            }
            let moved = crate::state::ops::mv(
                state,
                &Target::Instance(from.clone()),
                &Target::Instance(to.clone()),
            );
            if moved.is_ok() {
                let first = origin.remove(&from).unwrap_or(from);
                origin.insert(to, first);
            }
        }
    }
    results.moved = origin.into_iter().filter(|(new, old)| new != old).collect();
    results
}

/// The warning for moves not made because their destination is taken.
pub fn blocked_warning(blocked: &[(ResourceInstance, ResourceInstance)]) -> Option<Diagnostic> {
    if blocked.is_empty() {
        return None;
    }
    let list: String = blocked
        .iter()
        .map(|(f, t)| format!("\n  - {f} could not move to {t}"))
        .collect();
    Some(Diagnostic::warning("Unresolved resource instance address changes").with_detail(format!(
        "galley tried to adjust resource instance addresses in the prior state based on change information recorded in the configuration, but some adjustments did not succeed due to existing objects already at the intended addresses:{list}\n\ngalley has planned to destroy these objects. If galley's proposed changes aren't appropriate, you must first resolve the conflicts using the \"galley state\" subcommands and then create a new plan."
    )))
}

/// What the configuration declares after expansion, for [`still_declared`].
pub struct Declared<'a> {
    /// The configuration.
    pub config: &'a Config,
    /// Every resource instance the walk expanded.
    pub instances: &'a HashSet<ResourceInstance>,
    /// The instances of each static module path.
    pub modules: &'a dyn Fn(&[String]) -> Vec<ModulePath>,
}

/// Errors for written statements whose `from` is still declared: the object would move
/// away from configuration that still wants it.
pub fn still_declared(stmts: &[MoveStatement], declared: &Declared<'_>) -> Diagnostics {
    let mut diags = Diagnostics::new();
    for s in stmts.iter().filter(|s| !s.implied) {
        let kind = s.kind();
        for prefix in (declared.modules)(&s.module) {
            let from = MoveStatement::absolute(&prefix, &s.from);
            let to = MoveStatement::absolute(&prefix, &s.to);
            let names = |m: &ModulePath| m.0.iter().map(|x| x.name.clone()).collect::<Vec<_>>();
            let exists = match (&from, kind) {
                (Target::Module(m), Kind::ModuleCall) => {
                    declared.config.descendant(&names(m)).is_some()
                }
                (Target::Module(m), _) => (declared.modules)(&names(m)).contains(m),
                (Target::Resource(r), Kind::Resource) => {
                    declared
                        .config
                        .descendant(&names(&r.module))
                        .is_some_and(|c| c.module.resources.contains_key(&r.resource))
                        && (declared.modules)(&names(&r.module)).contains(&r.module)
                }
                (t, _) => as_instance(t).is_some_and(|i| declared.instances.contains(&i)),
            };
            if exists {
                let (noun, short) = kind.nouns();
                diags.push(
                    Diagnostic::error("Moved object still exists")
                        .with_span(s.span)
                        .with_detail(format!("This statement declares a move from {from}, but that {noun} is still declared in the configuration.\n\nChange your configuration so that this {short} will be declared as {to} instead.")),
                );
            }
        }
    }
    diags
}

#[cfg(test)]
mod tests;
