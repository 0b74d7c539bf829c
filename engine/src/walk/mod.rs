//! Walks the dependency graph: evaluates every node in dependency order, in plan mode
//! (producing a [`Plan`]) or apply mode (executing one), on tokio with bounded parallelism.

mod events;
mod import;
pub mod moved;
pub(crate) mod nodes;
mod recover;
mod resource;
mod schedule;
pub mod store;
mod triggers;
mod upgrade;

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::atomic::AtomicBool;
use std::sync::{Arc, Mutex};

use petgraph::graph::NodeIndex;
use petgraph::Direction;

use crate::addr::{ResourceInstance, Target};
use crate::config::{Config, Import};
use crate::diag::{Diagnostic, Diagnostics};
use crate::graph::Graph;
use crate::plan::{Plan, ResourceChange};
use crate::provider::{Provider, ProviderFactory};
use crate::state::State;
use crate::value::Value;

pub use events::{Event, JournalSink, Observer, Outcome, StateSink};
use schedule::Gate;
pub use schedule::Schedule;
use store::Store;

/// What the walk does with resources.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WalkMode {
    /// Compute a plan; change nothing.
    Plan,
    /// Plan the destruction of everything.
    PlanDestroy,
    /// Execute a plan.
    Apply,
}

/// Options of a plan or apply.
#[derive(Debug, Clone)]
pub struct Options {
    /// Refresh prior state from providers before planning.
    pub refresh: bool,
    /// Limit the plan to these addresses and their dependencies.
    pub targets: Vec<Target>,
    /// Force replacement of these instances.
    pub replace: Vec<ResourceInstance>,
    /// Most provider operations at once.
    pub parallelism: usize,
    /// Which waiting provider call starts when one ends.
    pub schedule: Schedule,
    /// Set (by an interrupt) to start no more provider calls that change anything: the
    /// running ones finish and are recorded; each call not started is an error whose
    /// summary is [`INTERRUPTED`].
    pub stop: Arc<AtomicBool>,
}

/// The summary of the error for a change not started because the walk was stopped.
pub const INTERRUPTED: &str = "Not started: galley was interrupted";

impl Default for Options {
    fn default() -> Self {
        Options {
            refresh: true,
            targets: Vec::new(),
            replace: Vec::new(),
            parallelism: 10,
            schedule: Schedule::default(),
            stop: Arc::new(AtomicBool::new(false)),
        }
    }
}

/// Everything a walk needs.
pub struct Walk {
    pub(crate) config: Arc<Config>,
    pub(crate) graph: Graph,
    pub(crate) factories: Vec<Arc<dyn ProviderFactory>>,
    pub(crate) root_vars: BTreeMap<String, Value>,
    pub(crate) opts: Options,
    pub(crate) mode: WalkMode,
    pub(crate) store: Store,
    /// Prior state (refreshed in plan mode); in apply mode, the live state being updated.
    pub(crate) state: Mutex<State>,
    pub(crate) providers: Mutex<HashMap<NodeIndex, Arc<dyn Provider>>>,
    pub(crate) changes: Mutex<Vec<ResourceChange>>,
    pub(crate) plan: Option<Plan>,
    /// Admits `parallelism` provider calls at once, the most urgent first.
    pub(crate) gate: Arc<Gate>,
    /// Each node's longest remaining path: how urgent its provider calls are.
    pub(crate) priorities: HashMap<NodeIndex, u64>,
    pub(crate) sink: Option<Arc<dyn StateSink>>,
    pub(crate) observer: Option<Arc<dyn Observer>>,
    /// Instances touched by this walk (so orphans can be found afterwards).
    pub(crate) seen: Mutex<HashSet<ResourceInstance>>,
    pub(crate) diags: Mutex<Diagnostics>,
    /// Written and implied `moved` statements.
    pub(crate) move_statements: Vec<moved::MoveStatement>,
    /// Plan modes: what the moves did to the prior state.
    pub(crate) moves: moved::MoveResults,
    /// The root module's `import` blocks by target instance.
    pub(crate) imports: BTreeMap<ResourceInstance, Import>,
    /// Plan mode: instances adopted through `import` blocks, with their ids.
    pub(crate) imported: Mutex<HashMap<ResourceInstance, String>>,
    /// Objects a create_before_destroy replacement deposed during this apply (instance,
    /// deposed key), destroyed after the walk ([`Walk::apply_orphans`]).
    pub(crate) replaced: Mutex<Vec<(ResourceInstance, String)>>,
    /// Plan modes: [`crate::plan::state_digest`] of the state given to [`Walk::new`].
    pub(crate) loaded_digest: String,
}

/// Builds the graph and reports configuration errors (references, cycles, `moved`,
/// `import` and `replace_triggered_by` mistakes).
pub fn validate(config: &Config) -> Diagnostics {
    let mut diags = Graph::build(config).1;
    diags.extend(refactoring_checks(config));
    diags
}

/// Configuration errors of `moved` blocks, `import` blocks and `replace_triggered_by`.
fn refactoring_checks(config: &Config) -> Diagnostics {
    let mut diags = moved::statements(config).1;
    diags.extend(import::targets(config).1);
    diags.extend(triggers::validate(config));
    diags
}

impl Walk {
    /// Prepares a walk.
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        config: Arc<Config>,
        factories: Vec<Arc<dyn ProviderFactory>>,
        root_vars: BTreeMap<String, Value>,
        state: State,
        opts: Options,
        mode: WalkMode,
    ) -> Result<Walk, Diagnostics> {
        let (graph, mut diags) = Graph::build(&config);
        let (explicit, moved_diags) = moved::statements(&config);
        let (imports, import_diags) = import::targets(&config);
        diags.extend(moved_diags);
        diags.extend(import_diags);
        diags.extend(triggers::validate(&config));
        if diags.has_errors() {
            return Err(diags);
        }
        // What a saved plan is bound to: the state as given, before moves and refresh.
        let loaded_digest = if mode == WalkMode::Apply {
            String::new()
        } else {
            crate::plan::state_digest(&state)
        };
        let mut state = state;
        let mut move_statements = explicit;
        let mut moves = moved::MoveResults::default();
        if mode != WalkMode::Apply {
            // As in Terraform, moves happen before planning; apply replays the plan's moves.
            let implied = moved::implied(&config, &state, &move_statements);
            move_statements.extend(implied);
            diags.extend(moved::check(&move_statements));
            if diags.has_errors() {
                return Err(diags);
            }
            moves = moved::apply(&move_statements, &mut state);
            diags.extend(moved::blocked_warning(&moves.blocked));
        }
        let gate = Gate::new(opts.parallelism, opts.schedule);
        // An apply weighs each node by its plan's changes (`apply_priorities`, once it
        // has the plan); the plan modes weigh every resource the same.
        let priorities = if mode == WalkMode::Apply {
            HashMap::new()
        } else {
            schedule::plan_priorities(&graph)
        };
        Ok(Walk {
            config,
            graph,
            factories,
            root_vars,
            opts,
            mode,
            store: Store::default(),
            state: Mutex::new(state),
            providers: Mutex::new(HashMap::new()),
            changes: Mutex::new(Vec::new()),
            plan: None,
            gate,
            priorities,
            sink: None,
            observer: None,
            seen: Mutex::new(HashSet::new()),
            diags: Mutex::new(diags),
            move_statements,
            moves,
            imports,
            imported: Mutex::new(HashMap::new()),
            replaced: Mutex::new(Vec::new()),
            loaded_digest,
        })
    }

    /// Reports apply progress to `observer`.
    pub fn with_observer(mut self, observer: Arc<dyn Observer>) -> Walk {
        self.observer = Some(observer);
        self
    }

    /// Runs in plan mode and returns the plan.
    pub async fn plan(self) -> Result<Plan, Diagnostics> {
        let this = Arc::new(self);
        let serial;
        let lineage;
        {
            let st = this.state.lock().expect("lock");
            serial = st.serial;
            lineage = st.lineage.clone();
        }
        this.clone().run().await;
        let mut diags = std::mem::take(&mut *this.diags.lock().expect("lock"));
        if diags.has_errors() {
            return Err(diags);
        }
        diags.extend(this.check_declared());
        let orphan_diags = this.plan_orphans();
        diags.extend(orphan_diags);
        if diags.has_errors() {
            return Err(diags);
        }
        let mut changes = std::mem::take(&mut *this.changes.lock().expect("lock"));
        this.annotate(&mut changes);
        // Each instance's current object first, then its deposed ones ([`Plan::change`]).
        changes.sort_by(|a, b| (&a.addr, &a.deposed).cmp(&(&b.addr, &b.deposed)));
        let outputs = this.output_changes();
        let prior_state = this.state.lock().expect("lock").clone();
        Ok(Plan {
            changes,
            outputs,
            state_serial: serial,
            state_lineage: lineage,
            variables: this.root_vars.clone(),
            diagnostics: diags,
            destroy: this.mode == WalkMode::PlanDestroy,
            upgrades: Vec::new(),
            prior_state: Some(prior_state),
            configuration: crate::plan::ConfigDigest::default(),
            state_digest: this.loaded_digest.clone(),
        })
    }

    /// Runs in apply mode: executes `plan`, telling `sink` before and after every provider
    /// call and writing the whole state through it at the end. Returns the
    /// final state and every problem met; independent branches finish even when one fails.
    pub async fn apply(mut self, plan: Plan, sink: Arc<dyn StateSink>) -> (State, Diagnostics) {
        self.replay_moves(&plan);
        self.priorities = self.apply_priorities(&plan);
        self.plan = Some(plan);
        self.sink = Some(sink);
        if self
            .plan
            .as_ref()
            .is_some_and(|p| p.changes.iter().any(|c| c.moved_from.is_some()))
        {
            let st = self.state.lock().expect("lock");
            self.persist(st, "The moves of this plan are not recorded.");
        }
        let this = Arc::new(self);
        if this.plan.as_ref().is_some_and(|p| p.destroy) {
            this.clone().destroy_all().await;
        } else {
            this.clone().run().await;
            this.clone().apply_orphans().await;
            this.store_outputs();
        }
        let diags = std::mem::take(&mut *this.diags.lock().expect("lock"));
        let state = this.state.lock().expect("lock").clone();
        (state, diags)
    }

    /// Apply mode: makes the plan's moves in the state, without provider calls.
    fn replay_moves(&mut self, plan: &Plan) {
        let state = self.state.get_mut().expect("lock");
        for c in &plan.changes {
            if let Some(from) = &c.moved_from {
                if state.instance(&c.addr).is_none() {
                    let _ = crate::state::ops::mv(
                        state,
                        &Target::Instance(from.clone()),
                        &Target::Instance(c.addr.clone()),
                    );
                }
            }
        }
    }

    /// Plan mode, after the walk: errors for `moved` statements whose source is still
    /// declared and for `import` targets whose instance the configuration does not expand to.
    fn check_declared(&self) -> Diagnostics {
        let seen = self.seen.lock().expect("lock");
        let modules = |p: &[String]| self.instances(p);
        let mut diags = moved::still_declared(
            &self.move_statements,
            &moved::Declared {
                config: &self.config,
                instances: &seen,
                modules: &modules,
            },
        );
        if self.mode == WalkMode::Plan && self.opts.targets.is_empty() {
            for (addr, imp) in &self.imports {
                if !seen.contains(addr) {
                    diags.push(
                        Diagnostic::error("Configuration for import target does not exist")
                            .with_span(imp.to_span.or(imp.span))
                            .with_detail(format!("The configuration for the given import {addr} does not exist. All target instances must have an associated configuration to be imported.")),
                    );
                }
            }
        }
        diags
    }

    /// Marks moved and imported instances in the planned changes.
    fn annotate(&self, changes: &mut [ResourceChange]) {
        let imported = self.imported.lock().expect("lock");
        for c in changes {
            if let Some(from) = self.moves.moved.get(&c.addr) {
                c.moved_from = Some(from.clone());
                if c.action == crate::plan::Action::Delete
                    && c.reason.as_deref() == Some("because it is not in the configuration")
                {
                    c.reason = Some(format!(
                        "because {from} was moved to {}, which is not in configuration",
                        c.addr
                    ));
                }
            }
            c.importing = imported.get(&c.addr).cloned();
        }
    }

    pub(crate) fn error(&self, d: Diagnostic) {
        self.diags.lock().expect("lock").push(d);
    }

    pub(crate) fn errors(&self, d: Diagnostics) {
        self.diags.lock().expect("lock").extend(d);
    }

    /// Schedules every node once its dependencies are done; a failed node's dependents are skipped.
    async fn run(self: Arc<Self>) {
        let g = &self.graph.graph;
        let mut pending: HashMap<NodeIndex, usize> = g
            .node_indices()
            .map(|n| (n, g.neighbors_directed(n, Direction::Incoming).count()))
            .collect();
        let mut ready: Vec<NodeIndex> = pending
            .iter()
            .filter(|(_, c)| **c == 0)
            .map(|(n, _)| *n)
            .collect();
        ready.sort();
        let mut failed: HashSet<NodeIndex> = HashSet::new();
        let mut tasks = tokio::task::JoinSet::new();
        loop {
            for n in ready.drain(..) {
                if failed.contains(&n) {
                    // Skipped: propagate to dependents without running.
                    tasks.spawn(async move { (n, false) });
                    continue;
                }
                let this = self.clone();
                tasks.spawn(async move {
                    let ok = this.visit(n).await;
                    (n, ok)
                });
            }
            let Some(res) = tasks.join_next().await else {
                break;
            };
            let (n, ok) = match res {
                Ok(r) => r,
                Err(e) => {
                    self.error(Diagnostic::error(format!(
                        "internal error: a graph task failed: {e}"
                    )));
                    continue;
                }
            };
            for d in g.neighbors_directed(n, Direction::Outgoing) {
                if !ok {
                    failed.insert(d);
                }
                let c = pending.get_mut(&d).expect("node");
                *c -= 1;
                if *c == 0 {
                    ready.push(d);
                }
            }
        }
    }

    /// Evaluates one node for every instance of its module. Returns false on error.
    async fn visit(self: &Arc<Self>, n: NodeIndex) -> bool {
        let node = self.graph.graph[n].clone();
        use crate::graph::NodeKind as K;
        let r = match &node.kind {
            K::Variable(name) => self.visit_variable(&node.module, name),
            K::Local(name) => self.visit_local(&node.module, name),
            K::Output(name) => self.visit_output(&node.module, name),
            K::ModuleCall(name) => self.visit_module_call(&node.module, name),
            K::Provider(p) => match self.visit_provider(n, &node.module, p) {
                Ok(()) => {
                    self.recover_creates(n).await;
                    Ok(())
                }
                Err(d) => Err(d),
            },
            K::Resource(r) => self.clone().visit_resource(n, &node.module, r).await,
        };
        match r {
            Ok(()) => true,
            Err(d) => {
                self.errors(d);
                false
            }
        }
    }
}

/// Reports calls to functions galley does not know, with their spans.
pub fn validate_functions(config: &Config) -> Diagnostics {
    use hcl_edit::visit::Visit;
    struct V<'a> {
        file: crate::diag::FileId,
        diags: &'a mut Diagnostics,
    }
    impl Visit for V<'_> {
        fn visit_func_call(&mut self, node: &hcl_edit::expr::FuncCall) {
            let name = node.name.name.as_str();
            if !node.name.is_namespaced()
                && name != "try"
                && name != "can"
                && !crate::lang::funcs::exists(name)
            {
                use hcl_edit::Span as _;
                self.diags.push(
                    Diagnostic::error("Call to unknown function")
                        .with_span(
                            node.name
                                .name
                                .span()
                                .map(|r| crate::diag::Span::new(self.file, r)),
                        )
                        .with_detail(format!("There is no function named \"{name}\".")),
                );
            }
            hcl_edit::visit::visit_func_call(self, node);
        }
    }
    let mut diags = Diagnostics::new();
    config.walk(&mut |_, c| {
        let m = &c.module;
        let mut exprs: Vec<&crate::config::Expr> = Vec::new();
        exprs.extend(m.locals.values().map(|l| &l.expr));
        exprs.extend(m.outputs.values().map(|o| &o.value));
        exprs.extend(m.variables.values().filter_map(|v| v.default.as_ref()));
        for call in m.module_calls.values() {
            exprs.extend(call.inputs.values());
            exprs.extend(call.count.iter().chain(&call.for_each));
        }
        for e in exprs {
            V {
                file: e.file,
                diags: &mut diags,
            }
            .visit_expr(&e.expr);
        }
        for r in m.resources.values() {
            V {
                file: r.body.file,
                diags: &mut diags,
            }
            .visit_body(&r.body.body);
            for e in r.count.iter().chain(&r.for_each) {
                V {
                    file: e.file,
                    diags: &mut diags,
                }
                .visit_expr(&e.expr);
            }
        }
        for p in &m.providers {
            V {
                file: p.body.file,
                diags: &mut diags,
            }
            .visit_body(&p.body.body);
        }
    });
    diags
}
