//! Visiting resources: expand, evaluate, refresh, plan or apply each instance; orphans
//! and destroy in reverse dependency order.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::Arc;
use std::time::Duration;
use tokio::time::Instant;

use petgraph::graph::NodeIndex;
use petgraph::Direction;

use super::events::Call;
use super::nodes::{expand, instance_locals};
use super::store::{Expansion, ResourceValues};
use super::{Event, Outcome, Walk, WalkMode};
use crate::addr::{InstanceKey, Mode, ModulePath, Resource, ResourceInstance};
use crate::config::{IgnoreChanges, ResourceBlock};
use crate::diag::{Diagnostic, Diagnostics};
use crate::graph::NodeKind;
use crate::lang::Evaluator;
use crate::plan::{Action, ResourceChange};
use crate::provider::marks::{carry_marks, mark_schema, remark};
use crate::provider::{
    unsupported_type, ApplyRequest, PlanRequest, Provider, ProviderError, Schema,
};
use crate::state::{InstanceState, Intent};
use crate::value::{Value, ValueMap};

/// Most attempts of a throttled provider call.
const MAX_ATTEMPTS: u32 = 6;

/// Retries a provider call while it is throttled, with jittered exponential backoff.
pub(super) async fn with_retry<T, F, Fut>(mut f: F) -> Result<T, ProviderError>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Result<T, ProviderError>>,
{
    let mut attempt = 0;
    loop {
        match f().await {
            Err(ProviderError::Throttled(m)) if attempt + 1 < MAX_ATTEMPTS => {
                attempt += 1;
                let base = 50u64 << attempt.min(6);
                let jitter = uuid::Uuid::new_v4().as_u128() as u64 % base.max(1);
                tracing::debug!("throttled ({m}); retry {attempt} in {}ms", base + jitter);
                tokio::time::sleep(Duration::from_millis(base + jitter)).await;
            }
            r => return r,
        }
    }
}

/// Destroys one object through its provider, retrying while throttled.
async fn destroy_object(
    provider: &Arc<dyn Provider>,
    addr: &ResourceInstance,
    prior: &Value,
) -> Result<Option<Value>, ProviderError> {
    with_retry(|| {
        provider.apply(ApplyRequest {
            type_name: addr.resource.type_name.clone(),
            address: addr.to_string(),
            prior: Some(prior.clone()),
            planned: None,
            token: None,
        })
    })
    .await
}

/// The provider string recorded in state and plans, e.g. `provider["aws"].west`.
pub(super) fn provider_string(node: &NodeKind) -> String {
    match node {
        NodeKind::Provider(p) => match &p.alias {
            Some(a) => format!("provider[\"{}\"].{a}", p.name),
            None => format!("provider[\"{}\"]", p.name),
        },
        _ => String::new(),
    }
}

/// The local name in a provider string: `aws` in `provider["aws"].west`.
fn provider_local_name(provider: &str) -> Option<&str> {
    let inner = provider.strip_prefix("provider[\"")?;
    inner.split_once("\"]").map(|(name, _)| name)
}

/// The static form of an instance address, as stored in `dependencies`.
fn static_addr(module: &ModulePath, r: &Resource) -> String {
    crate::addr::AbsResource {
        module: module.without_keys(),
        resource: r.clone(),
    }
    .to_string()
}

impl Walk {
    fn resource_schema(&self, provider: &Arc<dyn Provider>, r: &Resource) -> Option<Schema> {
        let s = provider.schema();
        match r.mode {
            Mode::Managed => s.resources.get(&r.type_name).cloned(),
            Mode::Data => s.data_sources.get(&r.type_name).cloned(),
        }
    }

    /// Static resource addresses this node depends on, through locals, variables and outputs.
    fn resource_dependencies(&self, n: NodeIndex) -> Vec<String> {
        let g = &self.graph.graph;
        let mut out = Vec::new();
        let mut seen = HashSet::new();
        let mut stack: Vec<NodeIndex> = g.neighbors_directed(n, Direction::Incoming).collect();
        while let Some(i) = stack.pop() {
            if !seen.insert(i) {
                continue;
            }
            let node = &g[i];
            match &node.kind {
                NodeKind::Resource(r) => {
                    let m = ModulePath(
                        node.module
                            .iter()
                            .map(|c| crate::addr::ModuleStep {
                                name: c.clone(),
                                key: InstanceKey::None,
                            })
                            .collect(),
                    );
                    out.push(static_addr(&m, r));
                }
                NodeKind::Provider(_) => {}
                _ => stack.extend(g.neighbors_directed(i, Direction::Incoming)),
            }
        }
        out.sort();
        out
    }

    /// True when `-target` leaves this node out.
    fn untargeted(&self, n: NodeIndex) -> bool {
        if self.opts.targets.is_empty() {
            return false;
        }
        // A node is in scope if it or anything depending on it is targeted.
        let g = &self.graph.graph;
        let mut stack = vec![n];
        let mut seen = HashSet::new();
        while let Some(i) = stack.pop() {
            if !seen.insert(i) {
                continue;
            }
            if let NodeKind::Resource(r) = &g[i].kind {
                let m = &g[i].module;
                let hit = self.opts.targets.iter().any(|t| match t {
                    crate::addr::Target::Module(p) => {
                        p.0.len() <= m.len() && p.0.iter().zip(m).all(|(s, c)| &s.name == c)
                    }
                    crate::addr::Target::Resource(a) => {
                        &a.resource == r && a.module.0.iter().map(|s| &s.name).eq(m.iter())
                    }
                    crate::addr::Target::Instance(a) => {
                        &a.resource == r && a.module.0.iter().map(|s| &s.name).eq(m.iter())
                    }
                });
                if hit {
                    return false;
                }
            }
            stack.extend(g.neighbors_directed(i, Direction::Outgoing));
        }
        true
    }

    pub(crate) async fn visit_resource(
        self: Arc<Self>,
        n: NodeIndex,
        module: &[String],
        r: &Resource,
    ) -> Result<(), Diagnostics> {
        let rb = self.module_config(module).module.resources[r].clone();
        let pnode = self.graph.resource_provider[&n];
        let provider = self.providers.lock().expect("lock").get(&pnode).cloned();
        let Some(provider) = provider else {
            return Err(Diagnostic::error("Provider not configured")
                .with_span(rb.span)
                .into());
        };
        let provider_name = provider_string(&self.graph.graph[pnode].kind);
        let schema = self.resource_schema(&provider, r);
        if schema.is_none() {
            return Err(unsupported_type(&provider_name, r.mode, &r.type_name)
                .with_span(rb.span)
                .into());
        }
        let untargeted = self.untargeted(n);
        let deps = self.resource_dependencies(n);
        let mut diags = Diagnostics::new();
        let mut tasks = tokio::task::JoinSet::new();
        for inst in self.instances(module) {
            if untargeted {
                self.values_from_state(&inst, r);
                continue;
            }
            let scope = self.scope(&inst);
            let (expansion, keys) =
                match expand(rb.count.as_ref(), rb.for_each.as_ref(), &scope, Vec::new()) {
                    Ok(k) => k,
                    Err(d) => {
                        diags.extend(d);
                        continue;
                    }
                };
            self.store.resources.write().expect("lock").insert(
                (inst.clone(), r.clone()),
                ResourceValues {
                    expansion,
                    instances: BTreeMap::new(),
                },
            );
            for (key, each) in keys {
                let addr = ResourceInstance {
                    module: inst.clone(),
                    resource: r.clone(),
                    key: key.clone(),
                };
                self.seen.lock().expect("lock").insert(addr.clone());
                let locals = instance_locals(&key, &each.unwrap_or(Value::Null));
                let this = self.clone();
                let provider = provider.clone();
                let schema = schema.clone();
                let rb = rb.clone();
                let provider_name = provider_name.clone();
                let deps = deps.clone();
                tasks.spawn(async move {
                    let r = this
                        .instance(
                            &rb,
                            &addr,
                            locals,
                            &provider,
                            schema.as_ref().expect("checked"),
                            &provider_name,
                            deps,
                        )
                        .await;
                    (addr, r)
                });
            }
        }
        while let Some(res) = tasks.join_next().await {
            match res {
                Ok((addr, Ok(v))) => {
                    let mut resources = self.store.resources.write().expect("lock");
                    if let Some(rv) =
                        resources.get_mut(&(addr.module.clone(), addr.resource.clone()))
                    {
                        rv.instances.insert(addr.key.clone(), v);
                    }
                }
                Ok((_, Err(d))) => diags.extend(d),
                Err(e) => diags.push(Diagnostic::error(format!("internal error: {e}"))),
            }
        }
        if diags.has_errors() {
            Err(diags)
        } else {
            Ok(())
        }
    }

    /// For untargeted resources: references see what state holds.
    fn values_from_state(&self, inst: &ModulePath, r: &Resource) {
        let state = self.state.lock().expect("lock");
        let abs = crate::addr::AbsResource {
            module: inst.clone(),
            resource: r.clone(),
        };
        let Some(rs) = state.resource(&abs) else {
            return;
        };
        let expansion = match rs.instances.keys().next() {
            Some(InstanceKey::Int(_)) => Expansion::Count,
            Some(InstanceKey::Str(_)) => Expansion::ForEach,
            _ => Expansion::Single,
        };
        let instances = rs
            .instances
            .iter()
            .map(|(k, i)| (k.clone(), i.attributes.clone()))
            .collect();
        drop(state);
        self.store.resources.write().expect("lock").insert(
            (inst.clone(), r.clone()),
            ResourceValues {
                expansion,
                instances,
            },
        );
    }

    /// Plans or applies one instance; returns the value references to it see.
    #[allow(clippy::too_many_arguments)]
    async fn instance(
        &self,
        rb: &ResourceBlock,
        addr: &ResourceInstance,
        locals: Vec<(String, Value)>,
        provider: &Arc<dyn Provider>,
        schema: &Schema,
        provider_name: &str,
        deps: Vec<String>,
    ) -> Result<Value, Diagnostics> {
        if self.mode == WalkMode::Apply && self.plan.as_ref().is_some_and(|p| p.destroy) {
            // Applying a destroy plan deletes from state, in dependency order, and changes
            // nothing here: references see what is left, and what is gone is unknown (its
            // configuration may refer to objects already destroyed).
            let prior = self.state.lock().expect("lock").instance(addr).cloned();
            return Ok(prior.map(|p| p.attributes).unwrap_or(Value::Unknown));
        }
        let scope = self.scope(&addr.module);
        let mut diags = Diagnostics::new();
        for c in &rb.lifecycle.preconditions {
            if let Some(d) = self.check(c, &scope, locals.clone(), "Resource precondition failed") {
                diags.push(d);
            }
        }
        if diags.has_errors() {
            return Err(diags);
        }
        let config = {
            let mut ev = Evaluator::new(&scope, rb.body.file);
            for (k, v) in &locals {
                ev.bind(k, v.clone());
            }
            ev.decode_body(&rb.body.body, Some(schema), rb.span)?
        };
        // Providers validate resources; a data source's arguments are only read.
        let problems = if addr.resource.mode == Mode::Managed {
            provider.validate(&addr.resource.type_name, &config)
        } else {
            Vec::new()
        };
        for e in problems {
            diags.push(
                Diagnostic::error(format!("Invalid {}", addr.resource.type_name))
                    .with_span(rb.span)
                    .with_detail(format!(
                        "{}{}",
                        if e.path.is_empty() {
                            String::new()
                        } else {
                            format!("{}: ", e.path.join("."))
                        },
                        e.message
                    )),
            );
        }
        if diags.has_errors() {
            return Err(diags);
        }
        if addr.resource.mode == Mode::Data {
            return self
                .data_instance(addr, config, provider, provider_name)
                .await;
        }
        let prior = self.prior_or_import(addr, provider, provider_name).await?;
        match self.mode {
            WalkMode::Plan | WalkMode::PlanDestroy => {
                let prior = match prior {
                    Some(p) if self.opts.refresh => {
                        let _permit = self.gate.acquire(self.priority(addr)).await;
                        match with_retry(|| provider.read(&addr.resource.type_name, &p.attributes))
                            .await
                        {
                            Ok(Some(v)) => {
                                let v = mark_schema(schema, carry_marks(&p.attributes, v));
                                Some(InstanceState { attributes: v, ..p })
                            }
                            Ok(None) => {
                                // Gone: the refreshed state (what apply starts from and
                                // saves) no longer has it.
                                self.state.lock().expect("lock").remove_instance(addr);
                                None
                            }
                            Err(e) => return Err(provider_diag(rb, addr, "refresh", e)),
                        }
                    }
                    p => p,
                };
                let prior = prior.map(|mut p| {
                    // An object adopted without them (recovered after a kill, imported)
                    // gets the configuration's dependencies, so a destroy is ordered.
                    if p.dependencies.is_empty() {
                        p.dependencies = deps.clone();
                    }
                    p
                });
                if let Some(p) = &prior {
                    // Refreshed objects are what dependents see when nothing changes.
                    self.state
                        .lock()
                        .expect("lock")
                        .set_instance(addr, provider_name, p.clone());
                }
                let change = self
                    .plan_instance(rb, addr, config, prior, provider, schema, provider_name)
                    .await?;
                // A destroy plan still evaluates outputs and references against what exists;
                // what does not exist (any more) is unknown to them, not an error.
                let v = if self.mode == WalkMode::PlanDestroy {
                    change.before.clone().unwrap_or(Value::Unknown)
                } else {
                    change.after.clone().unwrap_or(Value::Null)
                };
                self.changes.lock().expect("lock").push(change);
                Ok(v)
            }
            WalkMode::Apply => {
                self.apply_instance(
                    rb,
                    addr,
                    config,
                    prior,
                    provider,
                    schema,
                    provider_name,
                    deps,
                )
                .await
            }
        }
    }

    async fn data_instance(
        &self,
        addr: &ResourceInstance,
        config: Value,
        provider: &Arc<dyn Provider>,
        provider_name: &str,
    ) -> Result<Value, Diagnostics> {
        if config.contains_unknown() {
            if self.mode != WalkMode::Apply {
                self.changes.lock().expect("lock").push(ResourceChange {
                    addr: addr.clone(),
                    action: Action::Read,
                    provider: provider_name.to_string(),
                    before: None,
                    after: Some(Value::Unknown),
                    replace_paths: Vec::new(),
                    create_before_destroy: false,
                    reason: Some("config refers to values not yet known".into()),
                    moved_from: None,
                    importing: None,
                    deposed: None,
                });
            }
            return Ok(Value::Unknown);
        }
        let _permit = self.gate.acquire(self.priority(addr)).await;
        match with_retry(|| provider.read_data(&addr.resource.type_name, &config)).await {
            Ok(v) => {
                let v = match provider.schema().data_sources.get(&addr.resource.type_name) {
                    Some(schema) => remark(schema, &config, v),
                    None => remark(&Schema::default(), &config, v),
                };
                if self.mode == WalkMode::Apply {
                    let mut st = self.state.lock().expect("lock");
                    st.set_instance(addr, provider_name, InstanceState::new(v.clone()));
                }
                Ok(v)
            }
            Err(e) => Err(Diagnostic::error(format!("Error reading {addr}"))
                .with_detail(e.to_string())
                .into()),
        }
    }

    /// The configuration with prior values for unset computed attributes.
    pub(super) fn proposed(&self, config: &Value, prior: Option<&Value>, schema: &Schema) -> Value {
        let mut out: ValueMap = config.as_map().cloned().unwrap_or_default();
        let prior_map = prior.and_then(|p| p.as_map());
        for (name, attr) in &schema.attributes {
            let configured = out.get(name).is_some_and(|v| !v.is_null());
            if attr.computed && !configured {
                let v = match prior_map.and_then(|m| m.get(name)) {
                    Some(p) => p.clone(),
                    None => Value::Unknown,
                };
                out.insert(name.clone(), v);
            }
        }
        Value::Object(out)
    }

    /// The configuration as providers must see it: attributes under
    /// `lifecycle.ignore_changes` take their prior values, so they neither show as a
    /// change nor force a replacement (as in Terraform).
    pub(super) fn with_ignored(rb: &ResourceBlock, config: Value, prior: Option<&Value>) -> Value {
        let Some(pm) = prior.and_then(|p| p.as_map()) else {
            return config;
        };
        let Value::Object(mut out) = config else {
            return config;
        };
        match &rb.lifecycle.ignore_changes {
            IgnoreChanges::All => {
                for (k, v) in pm {
                    out.insert(k.clone(), v.clone());
                }
            }
            IgnoreChanges::Paths(paths) => {
                for p in paths {
                    if let Some(v) = pm.get(&p[0]) {
                        out.insert(p[0].clone(), v.clone());
                    }
                }
            }
            IgnoreChanges::None => {}
        }
        Value::Object(out)
    }

    #[allow(clippy::too_many_arguments)]
    async fn plan_instance(
        &self,
        rb: &ResourceBlock,
        addr: &ResourceInstance,
        config: Value,
        prior: Option<InstanceState>,
        provider: &Arc<dyn Provider>,
        schema: &Schema,
        provider_name: &str,
    ) -> Result<ResourceChange, Diagnostics> {
        let mut change = ResourceChange {
            addr: addr.clone(),
            action: Action::NoOp,
            provider: provider_name.to_string(),
            before: prior.as_ref().map(|p| p.attributes.clone()),
            after: None,
            replace_paths: Vec::new(),
            create_before_destroy: rb.lifecycle.create_before_destroy,
            reason: None,
            moved_from: None,
            importing: None,
            deposed: None,
        };
        if self.mode == WalkMode::PlanDestroy {
            if prior.is_some() {
                change.action = Action::Delete;
                self.refuse_destroy(rb, addr)?;
            }
            return Ok(change);
        }
        let config = Self::with_ignored(rb, config, prior.as_ref().map(|p| &p.attributes));
        let proposed = self.proposed(&config, prior.as_ref().map(|p| &p.attributes), schema);
        let resp = with_retry(|| {
            provider.plan(PlanRequest {
                type_name: addr.resource.type_name.clone(),
                prior: prior.as_ref().map(|p| p.attributes.clone()),
                proposed: proposed.clone(),
                config: config.clone(),
            })
        })
        .await
        .map_err(|e| provider_diag(rb, addr, "plan", e))?;
        // Providers answer plain values: what the configuration or the schema marks
        // sensitive is marked again, so no plan shows it.
        let planned = remark(schema, &config, resp.planned.clone());
        change.after = Some(planned);
        change.replace_paths = resp.requires_replace.clone();
        change.action = match &prior {
            None => Action::Create,
            Some(p) if p.tainted => {
                change.reason = Some("because it is tainted".into());
                Action::Replace
            }
            Some(_) if self.opts.replace.contains(addr) => {
                change.reason = Some("replacement requested with -replace".into());
                Action::Replace
            }
            Some(_) if !resp.requires_replace.is_empty() => Action::Replace,
            Some(p) if p.attributes.semantic_eq(&resp.planned) => Action::NoOp,
            Some(_) => Action::Update,
        };
        self.apply_triggers(&mut change, rb, &config, provider, schema)
            .await?;
        if change.action == Action::Replace {
            self.refuse_destroy(rb, addr)?;
        }
        Ok(change)
    }

    fn refuse_destroy(
        &self,
        rb: &ResourceBlock,
        addr: &ResourceInstance,
    ) -> Result<(), Diagnostics> {
        if rb.lifecycle.prevent_destroy {
            return Err(Diagnostic::error("Instance cannot be destroyed")
                .with_span(rb.span)
                .with_detail(format!("Resource {addr} has lifecycle.prevent_destroy set, but the plan calls for this resource to be destroyed. To avoid this error and continue with the plan, either disable lifecycle.prevent_destroy or reduce the scope of the plan using the -target flag."))
                .into());
        }
        Ok(())
    }

    fn planned_action(&self, addr: &ResourceInstance) -> Option<Action> {
        self.plan
            .as_ref()
            .and_then(|p| p.change(addr))
            .map(|c| c.action)
    }

    #[allow(clippy::too_many_arguments)]
    async fn apply_instance(
        &self,
        rb: &ResourceBlock,
        addr: &ResourceInstance,
        config: Value,
        prior: Option<InstanceState>,
        provider: &Arc<dyn Provider>,
        schema: &Schema,
        provider_name: &str,
        deps: Vec<String>,
    ) -> Result<Value, Diagnostics> {
        let action = self.planned_action(addr);
        let prior_attrs = prior.as_ref().map(|p| p.attributes.clone());
        match action {
            None | Some(Action::NoOp) | Some(Action::Read) | Some(Action::Delete) => {
                return Ok(prior_attrs.unwrap_or(Value::Null));
            }
            _ => {}
        }
        let action = action.expect("checked");
        let type_name = addr.resource.type_name.clone();
        let _permit = self.gate.acquire(self.priority(addr)).await;
        // A planned upgrade runs step by step first; the update below then finds the
        // object at its target version and applies what else changed.
        let prior_attrs =
            if action == Action::Update && self.run_upgrade_steps(addr, provider).await? {
                self.state
                    .lock()
                    .expect("lock")
                    .instance(addr)
                    .map(|i| i.attributes.clone())
                    .or(prior_attrs)
            } else {
                prior_attrs
            };
        let replace = action == Action::Replace || (action != Action::Create && prior.is_none());
        if replace && !rb.lifecycle.create_before_destroy {
            if let Some(p) = &prior_attrs {
                let call = self.begin(addr, "delete", provider_name)?;
                match destroy_object(provider, addr, p).await {
                    Ok(_) | Err(ProviderError::NotFound(_)) => {
                        self.record(addr, provider_name, None);
                        self.end(addr, call, Ok(None));
                    }
                    Err(e) => {
                        self.end(addr, call, Err(&e));
                        return Err(provider_diag(rb, addr, "destroy", e));
                    }
                }
            }
        }
        // A planned create with an object in state means refresh found that object gone.
        let base = if replace || action == Action::Create {
            None
        } else {
            prior_attrs.clone()
        };
        let config = Self::with_ignored(rb, config, base.as_ref());
        let proposed = self.proposed(&config, base.as_ref(), schema);
        let resp = with_retry(|| {
            provider.plan(PlanRequest {
                type_name: type_name.clone(),
                prior: base.clone(),
                proposed: proposed.clone(),
                config: config.clone(),
            })
        })
        .await
        .map_err(|e| provider_diag(rb, addr, "plan", e))?;
        let verb = if base.is_some() { "update" } else { "create" };
        let call = self.begin(addr, verb, provider_name)?;
        let applied = with_retry(|| {
            provider.apply(ApplyRequest {
                type_name: type_name.clone(),
                address: addr.to_string(),
                prior: base.clone(),
                planned: Some(resp.planned.clone()),
                token: call.intent.token.clone(),
            })
        })
        .await;
        let new = match applied {
            Ok(v) => {
                let planned = remark(schema, &config, resp.planned.clone());
                remark(schema, &planned, v.unwrap_or(Value::Null))
            }
            Err(e) => {
                self.end(addr, call, Err(&e));
                return Err(provider_diag(rb, addr, verb, e));
            }
        };
        let mut inst = InstanceState::new(new.clone());
        inst.dependencies = deps;
        inst.create_before_destroy = rb.lifecycle.create_before_destroy;
        let cbd_replace = replace && rb.lifecycle.create_before_destroy && prior_attrs.is_some();
        let mut deposed = None;
        // The new object is recorded before the old one is destroyed, and the old one stays
        // in state (deposed) until its destroy succeeds: neither is ever unrecorded.
        self.update_state(addr, |st| {
            if cbd_replace {
                deposed = st.depose_instance(addr);
            }
            st.set_instance(addr, provider_name, inst);
        });
        self.end(addr, call, Ok(Some(&new)));
        // The replaced object goes after the walk, once whatever referred to it has
        // been updated to the new one (as Terraform orders a create_before_destroy).
        if let Some(key) = deposed {
            self.replaced
                .lock()
                .expect("lock")
                .push((addr.clone(), key));
        }
        let scope = self.scope(&addr.module);
        let mut diags = Diagnostics::new();
        for c in &rb.lifecycle.postconditions {
            let locals = vec![("self".to_string(), new.clone())];
            if let Some(d) = self.check(c, &scope, locals, "Resource postcondition failed") {
                diags.push(d);
            }
        }
        if diags.has_errors() {
            return Err(diags);
        }
        Ok(new)
    }

    /// Records an instance's new object (or its deletion) in state and persists it.
    fn record(&self, addr: &ResourceInstance, provider: &str, inst: Option<InstanceState>) {
        self.update_state(addr, |st| match inst {
            Some(i) => {
                st.set_instance(addr, provider, i);
            }
            None => {
                st.remove_instance(addr);
            }
        });
    }

    /// Changes what state holds for `addr` and hands that to the sink.
    pub(crate) fn update_state(
        &self,
        addr: &ResourceInstance,
        f: impl FnOnce(&mut crate::state::State),
    ) {
        let mut st = self.state.lock().expect("lock");
        f(&mut st);
        let Some(sink) = &self.sink else { return };
        if let Err(e) = sink.instance_changed(&st, addr) {
            drop(st);
            self.error(
                Diagnostic::error("Failed to save state").with_detail(format!(
                    "{e}. The change to {addr} happened but is not recorded."
                )),
            );
        }
    }

    /// Before a provider call that changes `addr`: journals the intent (refusing the call
    /// when that fails, since its outcome could then be lost) and tells the observer. A
    /// create gets a fresh idempotency token, journaled and then handed to the provider.
    pub(super) fn begin(
        &self,
        addr: &ResourceInstance,
        action: &'static str,
        provider: &str,
    ) -> Result<Call, Diagnostics> {
        if self.opts.stop.load(std::sync::atomic::Ordering::SeqCst) {
            return Err(Diagnostic::error(super::INTERRUPTED)
                .with_detail(format!(
                    "galley was asked to stop before it could {action} {addr}."
                ))
                .into());
        }
        let mut intent = Intent::new(action, addr, provider);
        if action == "create" {
            intent.token = Some(uuid::Uuid::new_v4().to_string());
        }
        if let Some(sink) = &self.sink {
            let st = self.state.lock().expect("lock");
            if let Err(e) = sink.intent(&st, &intent) {
                return Err(Diagnostic::error("Failed to save state")
                    .with_detail(format!("{e}. galley did not {action} {addr}."))
                    .into());
            }
        }
        if let Some(o) = &self.observer {
            o.event(&Event::Started {
                addr: addr.clone(),
                action,
            });
        }
        Ok(Call {
            action,
            started: Instant::now(),
            intent,
        })
    }

    /// After a provider call: ends its journal entry, except after a timeout (whether the
    /// object changed is then unknown, and the open intent says so), and tells the observer.
    pub(super) fn end(
        &self,
        addr: &ResourceInstance,
        call: Call,
        result: Result<Option<&Value>, &ProviderError>,
    ) {
        if matches!(result, Err(ProviderError::Timeout(_))) {
            if call.intent.token.is_some() {
                // The create may yet finish: the next plan asks the provider for its object.
                self.state
                    .lock()
                    .expect("lock")
                    .add_unconfirmed_create(call.intent.clone());
            }
        } else {
            if let Some(sink) = &self.sink {
                let st = self.state.lock().expect("lock");
                if let Err(e) = sink.done(&st, addr) {
                    drop(st);
                    self.error(Diagnostic::error("Failed to save state").with_detail(e));
                }
            }
        }
        if let Some(o) = &self.observer {
            let outcome = match result {
                Ok(v) => Outcome::Ok(
                    v.and_then(|v| v.get_attr("id"))
                        .and_then(|id| id.as_str().map(str::to_string)),
                ),
                Err(_) => Outcome::Failed,
            };
            o.event(&Event::Finished {
                addr: addr.clone(),
                action: call.action,
                elapsed: call.started.elapsed(),
                outcome,
            });
        }
    }

    /// Hands the state to the sink; a failure becomes an error diagnostic ending in `context`.
    pub(crate) fn persist(
        &self,
        state: std::sync::MutexGuard<'_, crate::state::State>,
        context: &str,
    ) {
        let Some(sink) = &self.sink else { return };
        if let Err(e) = sink.changed(&state) {
            drop(state);
            let detail = if context.is_empty() {
                e
            } else {
                format!("{e}. {context}")
            };
            self.error(Diagnostic::error("Failed to save state").with_detail(detail));
        }
    }

    /// Plan mode: delete changes for state instances no longer in the configuration.
    pub(crate) fn plan_orphans(&self) -> Diagnostics {
        let diags = Diagnostics::new();
        let seen = self.seen.lock().expect("lock");
        let state = self.state.lock().expect("lock");
        let mut changes = self.changes.lock().expect("lock");
        for (addr, inst) in state.instances() {
            if seen.contains(&addr) || addr.resource.mode == Mode::Data {
                continue;
            }
            if !self.opts.targets.is_empty() && !self.opts.targets.iter().any(|t| t.contains(&addr))
            {
                continue;
            }
            let provider = state
                .resource(&addr.abs_resource())
                .map(|r| r.provider.clone())
                .unwrap_or_default();
            let in_config = self
                .config
                .descendant(
                    &addr
                        .module
                        .without_keys()
                        .0
                        .iter()
                        .map(|s| s.name.clone())
                        .collect::<Vec<_>>(),
                )
                .is_some_and(|c| c.module.resources.contains_key(&addr.resource));
            changes.push(ResourceChange {
                addr: addr.clone(),
                action: Action::Delete,
                provider,
                before: Some(inst.attributes.clone()),
                after: None,
                replace_paths: Vec::new(),
                create_before_destroy: false,
                reason: Some(if in_config {
                    "because its key is no longer in count or for_each".into()
                } else {
                    "because it is not in the configuration".into()
                }),
                moved_from: None,
                importing: None,
                deposed: None,
            });
        }
        // Old objects a create_before_destroy replacement could not destroy: always
        // destroyed, whatever the configuration says now.
        for (addr, key, inst) in state.deposed() {
            if !self.opts.targets.is_empty() && !self.opts.targets.iter().any(|t| t.contains(&addr))
            {
                continue;
            }
            changes.push(ResourceChange {
                provider: state
                    .resource(&addr.abs_resource())
                    .map(|r| r.provider.clone())
                    .unwrap_or_default(),
                addr,
                action: Action::Delete,
                before: Some(inst.attributes.clone()),
                after: None,
                replace_paths: Vec::new(),
                create_before_destroy: false,
                reason: Some("left by an earlier replacement whose destroy failed".into()),
                moved_from: None,
                importing: None,
                deposed: Some(key.to_string()),
            });
        }
        diags
    }

    /// Apply mode, after the walk: deletes every planned delete and the objects this
    /// walk's create_before_destroy replacements deposed, dependents first (state's
    /// recorded dependencies, deposed objects included), so nothing goes while something
    /// still uses it.
    pub(crate) async fn apply_orphans(self: Arc<Self>) {
        let mut doomed: Vec<Doomed> = self
            .plan
            .as_ref()
            .map(|p| {
                p.changes
                    .iter()
                    .filter(|c| c.action == Action::Delete)
                    .map(|c| (c.addr.clone(), c.deposed.clone()))
                    .collect()
            })
            .unwrap_or_default();
        // Objects replaced by create_before_destroy in this walk: only once everything
        // else succeeded, since a failed update may still use one (it stays deposed in
        // state, and the next plan destroys it).
        let replaced = std::mem::take(&mut *self.replaced.lock().expect("lock"));
        if !self.diags.lock().expect("lock").has_errors() {
            doomed.extend(replaced.into_iter().map(|(a, key)| (a, Some(key))));
        }
        self.clone().delete_in_order(doomed).await;
    }

    /// Apply of a destroy plan.
    pub(crate) async fn destroy_all(self: Arc<Self>) {
        // Walk the graph first so every provider is configured as the configuration says
        // (its region, its alias); resource nodes change nothing in a destroy plan.
        self.clone().run().await;
        self.clone().apply_orphans().await;
        let mut st = self.state.lock().expect("lock");
        st.outputs.clear();
        self.persist(st, "");
    }

    /// Deletes instances (current objects, or deposed ones by key) so that nothing is
    /// deleted before what depends on it.
    async fn delete_in_order(self: Arc<Self>, deletes: Vec<Doomed>) {
        let (deps, providers): (HashMap<Doomed, Vec<String>>, HashMap<Doomed, String>) = {
            let st = self.state.lock().expect("lock");
            let mut d = HashMap::new();
            let mut p = HashMap::new();
            for a in &deletes {
                let (addr, key) = a;
                let rs = st.resource(&addr.abs_resource());
                let inst = match key {
                    None => st.instance(addr),
                    Some(k) => rs.and_then(|r| r.deposed.get(&(addr.key.clone(), k.clone()))),
                };
                if let Some(i) = inst {
                    d.insert(a.clone(), i.dependencies.clone());
                    p.insert(
                        a.clone(),
                        rs.map(|r| r.provider.clone()).unwrap_or_default(),
                    );
                }
            }
            (d, p)
        };
        let set: Vec<Doomed> = deletes
            .into_iter()
            .filter(|a| deps.contains_key(a))
            .collect();
        // dependents[i] = instances that depend on i (must go first).
        let mut by_static: HashMap<String, Vec<usize>> = HashMap::new();
        for (i, (a, _)) in set.iter().enumerate() {
            by_static
                .entry(static_addr(&a.module, &a.resource))
                .or_default()
                .push(i);
        }
        let mut waiting = vec![0usize; set.len()];
        let mut unblocks: Vec<Vec<usize>> = vec![Vec::new(); set.len()];
        for (j, a) in set.iter().enumerate() {
            for d in &deps[a] {
                for &i in by_static.get(d).map(Vec::as_slice).unwrap_or(&[]) {
                    if i != j {
                        waiting[i] += 1;
                        unblocks[j].push(i);
                    }
                }
            }
        }
        let weights: Vec<u64> = set
            .iter()
            .map(|a| {
                let name = provider_local_name(&providers[a]).unwrap_or_default();
                self.expected_weight(name, &a.0.resource.type_name, Action::Delete)
            })
            .collect();
        let priorities = super::schedule::longest_paths_of(&weights, &unblocks);
        let mut ready: Vec<usize> = (0..set.len()).filter(|i| waiting[*i] == 0).collect();
        let mut tasks = tokio::task::JoinSet::new();
        let mut failed = HashSet::new();
        loop {
            for i in ready.drain(..) {
                let doomed = set[i].clone();
                let provider_name = providers[&doomed].clone();
                let this = self.clone();
                let priority = priorities[i];
                tasks.spawn(async move {
                    let (addr, key) = &doomed;
                    let ok = this
                        .delete_one(addr, key.as_deref(), &provider_name, priority)
                        .await;
                    (i, ok)
                });
            }
            let Some(res) = tasks.join_next().await else {
                break;
            };
            let Ok((j, ok)) = res else { continue };
            if !ok {
                failed.insert(j);
            }
            for &i in &unblocks[j] {
                waiting[i] -= 1;
                if waiting[i] == 0 && !failed.contains(&j) {
                    ready.push(i);
                }
            }
        }
    }

    /// The provider that manages `addr` for a delete: the configured one, or one
    /// configured now (destroy without configuration). Reports when there is none.
    fn provider_for_delete(
        &self,
        addr: &ResourceInstance,
        provider_name: &str,
    ) -> Option<Arc<dyn Provider>> {
        let provider = {
            let providers = self.providers.lock().expect("lock");
            providers
                .iter()
                .find(|(n, _)| provider_string(&self.graph.graph[**n].kind) == provider_name)
                .map(|(_, p)| p.clone())
        };
        match provider {
            Some(p) => Some(p),
            None => match self.configure_for_delete(provider_name) {
                Some(p) => Some(p),
                None => {
                    self.error(
                        Diagnostic::error(format!("Cannot destroy {addr}")).with_detail(format!(
                            "Its provider {provider_name} is not configured."
                        )),
                    );
                    None
                }
            },
        }
    }

    async fn delete_one(
        &self,
        addr: &ResourceInstance,
        deposed: Option<&str>,
        provider_name: &str,
        priority: u64,
    ) -> bool {
        let Some(provider) = self.provider_for_delete(addr, provider_name) else {
            return false;
        };
        let prior = {
            let st = self.state.lock().expect("lock");
            match deposed {
                None => st.instance(addr).map(|i| i.attributes.clone()),
                Some(k) => st
                    .resource(&addr.abs_resource())
                    .and_then(|r| r.deposed.get(&(addr.key.clone(), k.to_string())))
                    .map(|i| i.attributes.clone()),
            }
        };
        let Some(prior) = prior else {
            return true;
        };
        let _permit = self.gate.acquire(priority).await;
        let call = match self.begin(addr, "delete", provider_name) {
            Ok(c) => c,
            Err(d) => {
                self.errors(d);
                return false;
            }
        };
        match destroy_object(&provider, addr, &prior).await {
            Ok(_) | Err(ProviderError::NotFound(_)) => {
                match deposed {
                    None => self.record(addr, provider_name, None),
                    Some(k) => self.update_state(addr, |st| {
                        st.remove_deposed(addr, k);
                    }),
                }
                self.end(addr, call, Ok(None));
                true
            }
            Err(e) => {
                self.end(addr, call, Err(&e));
                self.error(match deposed {
                    None => Diagnostic::error(format!("Error destroying {addr}"))
                        .with_detail(e.to_string()),
                    Some(k) => {
                        Diagnostic::error(format!("Error destroying {addr} (deposed object {k})"))
                            .with_detail(format!(
                                "{e}. It stays in the state; the next apply tries again."
                            ))
                    }
                });
                false
            }
        }
    }

    /// Configures a provider that no resource node configured (destroy without config).
    fn configure_for_delete(&self, provider_name: &str) -> Option<Arc<dyn Provider>> {
        let name = provider_local_name(provider_name)?;
        let alias = provider_name
            .split_once("\"]")
            .and_then(|(_, rest)| rest.strip_prefix('.'))
            .map(str::to_string);
        let factory = self
            .factories
            .iter()
            .find(|f| f.names().iter().any(|x| x == name))?;
        factory
            .configure(&crate::provider::ProviderConfig {
                name: name.to_string(),
                alias,
                config: Value::Object(Default::default()),
            })
            .ok()
    }
}

fn provider_diag(
    rb: &ResourceBlock,
    addr: &ResourceInstance,
    what: &str,
    e: ProviderError,
) -> Diagnostics {
    Diagnostic::error(format!("Error during {what} of {addr}"))
        .with_span(rb.span)
        .with_detail(e.to_string())
        .into()
}

/// An object to destroy: an instance's current object, or one of its deposed ones.
type Doomed = (ResourceInstance, Option<String>);
