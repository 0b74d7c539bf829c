//! Carries a blue/green upgrade through, once the new side exists: for each traffic step,
//! record the step in state, apply the weights, bake, and check the health gate; on a
//! failed gate put all traffic back on the live side and stop; after the last step
//! destroy the old side and let the new one take its addresses.
//!
//! Every moment is a configuration [`derive`]d from the layout and applied with an
//! ordinary plan and apply, so the journal records each change as it happens. Progress
//! is written to state *before* each move, so an apply killed at any point resumes at
//! the step it was in: applying the same weights again changes nothing, and a
//! decommission already under way goes on from what state still holds.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use hcl_edit::expr::{Array, Expression};

use super::layout::{derive, Layout, STATE_KEY};
use super::transform::{copy_provider, Phase, Side};
use crate::addr::{ModulePath, Target};
use crate::config::{Config, Expr, Output, ProviderRef};
use crate::diag::{Diagnostic, Diagnostics};
use crate::plan::{Plan, Summary};
use crate::provider::ProviderFactory;
use crate::state::State;
use crate::value::Value;
use crate::walk::{Options, StateSink, Walk, WalkMode};

/// The root output a gate plan evaluates: its preconditions are the `health` block's
/// conditions, its value their results (so a condition that cannot be known yet fails
/// the gate instead of passing it).
const GATE_OUTPUT: &str = "galley_health_gate";

/// What the executor needs from its caller besides the configuration.
pub trait Hooks: Send + Sync {
    /// Waits out a bake. The simulator advances its virtual clock instead of sleeping.
    fn wait(&self, d: Duration);
    /// Tells the user about progress, one line at a time.
    fn say(&self, line: &str);
}

/// Runs the remaining moments of blue/green upgrades.
pub struct Executor<'a> {
    /// The configuration as written.
    pub config: &'a Arc<Config>,
    /// Providers.
    pub factories: Vec<Arc<dyn ProviderFactory>>,
    /// Root module variables.
    pub vars: BTreeMap<String, Value>,
    /// Most provider operations at once.
    pub parallelism: usize,
    /// Where state is written as it changes.
    pub sink: Arc<dyn StateSink>,
    /// Waiting and telling.
    pub hooks: &'a dyn Hooks,
    /// Set by an interrupt: the step under way finishes and is recorded, no traffic shift,
    /// bake or decommission starts after it (each walk's `Options::stop` too).
    pub stop: Arc<AtomicBool>,
}

/// The summary of the error that ends a blue/green upgrade stopped by an interrupt.
pub const STOPPED: &str = "Blue/green upgrade paused: galley was interrupted";

/// The outcome of [`Executor::finish`].
pub struct Finished {
    /// State after everything that was done.
    pub state: State,
    /// Changes made, added up over every apply.
    pub summary: Summary,
    /// Problems: a failed apply, a failed health gate (after its rollback).
    pub diagnostics: Diagnostics,
}

/// The side whose destruction `state` records as begun for block `name`: the live side
/// at the end of an upgrade, the new side when the upgrade is abandoned.
pub fn destroying(state: &State, name: &str) -> Option<Side> {
    state
        .extra
        .get(STATE_KEY)
        .and_then(|v| v.get(name))
        .and_then(|v| v.get("destroying"))
        .and_then(|v| v.as_str())
        .and_then(Side::parse)
}

/// Records where `l` stands in `state`; `destroying`: the side being destroyed.
pub fn record(state: &mut State, l: &Layout, destroying: Option<Side>) {
    let mut entry = serde_json::Map::new();
    entry.insert("live".into(), l.live.as_str().into());
    if let Phase::Migrating { new_weight } = l.phase {
        entry.insert("new_weight".into(), new_weight.into());
    }
    if let Some(side) = destroying {
        entry.insert("destroying".into(), side.as_str().into());
    }
    let all = state
        .extra
        .entry(STATE_KEY)
        .or_insert_with(|| serde_json::Value::Object(serde_json::Map::new()));
    if !all.is_object() {
        *all = serde_json::Value::Object(serde_json::Map::new());
    }
    if let Some(all) = all.as_object_mut() {
        all.insert(l.key(), serde_json::Value::Object(entry));
    }
}

impl Executor<'_> {
    /// Carries every migrating layout in `layouts` on to the end, one after the other.
    /// Stops at the first failure; state then says where to resume.
    pub async fn finish(&self, layouts: &mut [Layout], state: State) -> Finished {
        let mut run = Run {
            state,
            summary: Summary::default(),
        };
        for i in 0..layouts.len() {
            if layouts[i].phase == Phase::Steady {
                continue;
            }
            if let Err(d) = self.migrate(layouts, i, &mut run).await {
                return Finished {
                    state: run.state,
                    summary: run.summary,
                    diagnostics: d,
                };
            }
        }
        Finished {
            state: run.state,
            summary: run.summary,
            diagnostics: Diagnostics::new(),
        }
    }

    /// Shifts, bakes and gates `layouts[i]` from where it stands, then decommissions.
    async fn migrate(
        &self,
        layouts: &mut [Layout],
        i: usize,
        run: &mut Run,
    ) -> Result<(), Diagnostics> {
        let (name, named) = (layouts[i].label(), layouts[i].named());
        let live = layouts[i].live;
        match destroying(&run.state, &layouts[i].key()) {
            Some(side) if side == live => return self.decommission(layouts, i, run).await,
            Some(_) => return self.abandon(layouts, i, run).await,
            None => {}
        }
        {
            let Phase::Migrating {
                new_weight: current,
            } = layouts[i].phase
            else {
                return Ok(());
            };
            if current == 0 {
                // The gate holds before any traffic moves: a new side without ready
                // capacity is caught while it still serves nothing.
                if let Err(mut diags) = self.gate(layouts, i, run).await {
                    let l = &layouts[i];
                    diags.push(
                        Diagnostic::error(format!(
                            "Health gate of {named} failed before any traffic moved"
                        ))
                        .with_span(l.bg.span)
                        .with_detail(format!(
                            "All traffic stays on the {live} side. The {new} side is kept for inspection. Fix it and run galley apply again, or set the version back to the {live} side's to abandon the upgrade.",
                            live = l.live.as_str(),
                            new = l.live.other().as_str(),
                        )),
                    );
                    return Err(diags);
                }
                self.hooks.say(&format!(
                    "{name}: health gate passed before shifting traffic"
                ));
            }
            let steps: Vec<u8> = layouts[i].bg.steps.clone();
            for w in steps.into_iter().filter(|w| *w > 0 && *w >= current) {
                self.check_stop(&named, &format!("shifting {w}% of traffic"))?;
                self.shift(layouts, i, w, run).await?;
                let l = &layouts[i];
                let new = l.live.other().as_str();
                self.hooks.say(&format!(
                    "{name}: {w}% of traffic on the {new} side; baking {}",
                    human(l.bg.bake)
                ));
                self.hooks.wait(l.bg.bake);
                self.check_stop(&named, &format!("the health gate at {w}%"))?;
                if let Err(failed) = self.gate(layouts, i, run).await {
                    self.hooks.say(&format!(
                        "{name}: health gate failed at {w}%; putting all traffic back on the {} side",
                        l.live.as_str()
                    ));
                    let mut diags = failed;
                    if let Err(d) = self.shift(layouts, i, 0, run).await {
                        diags.extend(d);
                        diags.push(Diagnostic::error(format!(
                            "Rollback of {named} failed"
                        )).with_span(layouts[i].bg.span).with_detail(format!(
                            "The health gate failed at {w}% and putting traffic back on the {} side failed too. Fix the error above and run galley apply again: it shifts traffic again from the first step.",
                            layouts[i].live.as_str()
                        )));
                        return Err(diags);
                    }
                    let l = &layouts[i];
                    diags.push(Diagnostic::error(format!(
                        "Health gate of {named} failed at {w}% of traffic"
                    )).with_span(l.bg.span).with_detail(format!(
                        "All traffic is back on the {live} side ({record} weight 100, {copy} weight 0). The {new} side is kept for inspection. Run galley apply again to shift traffic again from the first step, or set the version back to the {live} side's to abandon the upgrade.",
                        live = l.live.as_str(),
                        record = l.abs(&l.bg.record.resource),
                        copy = l.abs(&l.copy_of(&l.bg.record.resource)),
                        new = l.live.other().as_str(),
                    )));
                    return Err(diags);
                }
                self.hooks
                    .say(&format!("{name}: health gate passed at {w}%"));
            }
        }
        self.check_stop(&named, "destroying the old side")?;
        self.decommission(layouts, i, run).await
    }

    /// Records and applies `w` percent of traffic on the new side.
    async fn shift(
        &self,
        layouts: &mut [Layout],
        i: usize,
        w: u8,
        run: &mut Run,
    ) -> Result<(), Diagnostics> {
        layouts[i].phase = Phase::Migrating { new_weight: w };
        record(&mut run.state, &layouts[i], None);
        self.persist(&run.state)?;
        self.converge(&derive(self.config, layouts), run).await
    }

    /// Plans `config` against the state and applies what changed.
    async fn converge(&self, config: &Arc<Config>, run: &mut Run) -> Result<(), Diagnostics> {
        let plan = self.plan(config, &run.state, WalkMode::Plan).await?;
        self.apply(config, plan, run).await
    }

    async fn plan(
        &self,
        config: &Arc<Config>,
        state: &State,
        mode: WalkMode,
    ) -> Result<Plan, Diagnostics> {
        let walk = Walk::new(
            config.clone(),
            self.factories.clone(),
            self.vars.clone(),
            state.clone(),
            self.options(),
            mode,
        )?;
        walk.plan().await
    }

    async fn apply(
        &self,
        config: &Arc<Config>,
        mut plan: Plan,
        run: &mut Run,
    ) -> Result<(), Diagnostics> {
        if !plan.has_changes() {
            return Ok(());
        }
        let s = plan.summary();
        let state = plan.prior_state.take().unwrap_or_else(|| run.state.clone());
        let walk = Walk::new(
            config.clone(),
            self.factories.clone(),
            self.vars.clone(),
            state,
            self.options(),
            WalkMode::Apply,
        )?;
        let (state, diags) = walk.apply(plan, self.sink.clone()).await;
        run.state = state;
        run.summary += s;
        if diags.has_errors() {
            Err(diags)
        } else {
            Ok(())
        }
    }

    fn options(&self) -> Options {
        Options {
            refresh: false,
            parallelism: self.parallelism,
            stop: self.stop.clone(),
            ..Options::default()
        }
    }

    /// An error when an interrupt asked to stop before the next step of the block
    /// `named` ([`Layout::named`]).
    fn check_stop(&self, named: &str, next: &str) -> Result<(), Diagnostics> {
        if !self.stop.load(Ordering::SeqCst) {
            return Ok(());
        }
        Err(Diagnostic::error(STOPPED)
            .with_detail(format!(
                "{named} was stopped before {next}. The state records where it stands; run galley apply again to carry on from there."
            ))
            .into())
    }

    fn persist(&self, state: &State) -> Result<(), Diagnostics> {
        self.sink.changed(state).map_err(|e| {
            Diagnostic::error("Failed to record blue/green progress in state")
                .with_detail(format!(
                    "{e}. Nothing was changed for this step; run galley apply again once state can be written."
                ))
                .into()
        })
    }

    /// Evaluates the health gate now: a plan of the current moment re-reads data sources
    /// and checks the `health` conditions. Without conditions, the gate passes.
    async fn gate(&self, layouts: &[Layout], i: usize, run: &Run) -> Result<(), Diagnostics> {
        let l = &layouts[i];
        let Some(first) = l.bg.health.first() else {
            return Ok(());
        };
        let mut config = Config::clone(&derive(self.config, layouts));
        let conditions: Vec<Expression> =
            l.bg.health
                .iter()
                .map(|c| c.condition.expr.clone())
                .collect();
        let gate = |value: Expression, preconditions: Vec<crate::config::Check>| Output {
            name: GATE_OUTPUT.to_string(),
            value: Expr {
                file: first.condition.file,
                expr: value,
            },
            sensitive: false,
            description: None,
            depends_on: Vec::new(),
            preconditions,
            span: l.bg.span,
        };
        // The gate is an output of the block's module, passed up to the root by an
        // output of each module on the way.
        let mut value = Expression::Array(Array::from(conditions));
        let mut preconditions = l.bg.health.clone();
        for depth in (0..=l.path.len()).rev() {
            if let Some(c) = config.descendant_mut(&l.path[..depth]) {
                c.module
                    .outputs
                    .insert(GATE_OUTPUT.to_string(), gate(value, preconditions));
            }
            preconditions = Vec::new();
            value = match depth.checked_sub(1) {
                Some(up) => format!("module.{}.{GATE_OUTPUT}", l.path[up])
                    .parse()
                    .map_err(|e| {
                        Diagnostic::error(format!("Internal error building the health gate: {e}"))
                    })?,
                None => break,
            };
        }
        let plan = self
            .plan(&Arc::new(config), &run.state, WalkMode::Plan)
            .await
            .map_err(|d| {
                let mut out = Diagnostics::new();
                for mut d in d {
                    if d.summary == crate::walk::nodes::OUTPUT_PRECONDITION_FAILED {
                        d.summary = "Health condition failed".into();
                    }
                    out.push(d);
                }
                out
            })?;
        let value = plan.outputs.get(GATE_OUTPUT).and_then(|o| o.after.clone());
        let known = value.as_ref().is_some_and(|v| !v.contains_unknown());
        if known {
            return Ok(());
        }
        Err(Diagnostic::error("Health gate could not be evaluated")
            .with_span(first.condition.span())
            .with_detail(format!(
                "The health conditions of {} are not known after the bake (they depend on something not yet applied or read). A gate that cannot be checked does not pass.",
                l.named()
            ))
            .into())
    }

    /// Destroys the old side's members and record, then lets the new side's copies take
    /// their addresses and makes it the live side.
    async fn decommission(
        &self,
        layouts: &mut [Layout],
        i: usize,
        run: &mut Run,
    ) -> Result<(), Diagnostics> {
        let name = layouts[i].label();
        layouts[i].phase = Phase::Migrating { new_weight: 100 };
        let live = layouts[i].live;
        record(&mut run.state, &layouts[i], Some(live));
        self.persist(&run.state)?;
        let l = &layouts[i];
        let old_side: Vec<_> = l.side().cloned().collect();
        self.hooks.say(&format!(
            "{name}: destroying the {} side ({} resource(s) and {})",
            live.as_str(),
            l.members.resources.len(),
            l.abs(&l.bg.record.resource)
        ));
        let module = layouts[i].module.clone();
        self.destroy(layouts, &module, &old_side, run).await?;
        let l = &layouts[i];

        // The new side takes the old one's addresses in one state write.
        let new = l.live.other();
        let mut moved = 0;
        for r in &old_side {
            let copy = l.abs(&l.copy_of(r));
            let Some(rs) = run.state.resource(&copy) else {
                continue;
            };
            let provider = rs.provider.clone();
            let to = l.abs(r);
            crate::state::ops::mv(
                &mut run.state,
                &Target::Resource(copy),
                &Target::Resource(to.clone()),
            )
            .map_err(|e| {
                Diagnostics::from(
                    Diagnostic::error(format!("Cannot give {r}'s address to its copy"))
                        .with_detail(format!(
                            "{e}. The old side is destroyed; the state still holds the copies under their -{} addresses. Run galley apply again.",
                            new.as_str()
                        )),
                )
            })?;
            if let Some(rs) = run.state.resources.get_mut(&to) {
                rs.provider = original_provider(&provider, &l.members.providers, new);
            }
            moved += 1;
        }
        rename_dependencies(&mut run.state, l, &old_side);
        let layout = &mut layouts[i];
        layout.live = new;
        layout.phase = Phase::Steady;
        record(&mut run.state, layout, None);
        self.persist(&run.state)?;
        self.hooks.say(&format!(
            "{name}: the {} side is live; {moved} resource(s) took the old side's addresses",
            new.as_str()
        ));
        // Whatever referred to the old side (shared resources) now sees the new one.
        self.converge(&derive(self.config, layouts), run).await
    }
}

impl Executor<'_> {
    /// Destroys exactly the resources `set` of `module` (every instance state holds),
    /// with the providers of the moment `layouts` describe.
    async fn destroy(
        &self,
        layouts: &[Layout],
        module: &ModulePath,
        set: &[crate::addr::Resource],
        run: &mut Run,
    ) -> Result<(), Diagnostics> {
        let config = derive(self.config, layouts);
        let mut plan = self
            .plan(&config, &run.state, WalkMode::PlanDestroy)
            .await?;
        plan.changes
            .retain(|c| c.addr.module == *module && set.contains(&c.addr.resource));
        plan.outputs.clear();
        self.apply(&config, plan, run).await
    }

    /// Gives up an upgrade the configuration no longer asks for: destroys the new side,
    /// which never served all traffic, and applies the configuration as it now is.
    async fn abandon(
        &self,
        layouts: &mut [Layout],
        i: usize,
        run: &mut Run,
    ) -> Result<(), Diagnostics> {
        let l = &mut layouts[i];
        let name = l.label();
        let new = l.live.other();
        // Traffic first: nothing may still be sent to what is about to go.
        if l.phase != (Phase::Migrating { new_weight: 0 }) {
            self.shift(layouts, i, 0, run).await?;
        }
        let l = &mut layouts[i];
        l.phase = Phase::Migrating { new_weight: 0 };
        record(&mut run.state, l, Some(new));
        self.persist(&run.state)?;
        let copies: Vec<_> = l.side().map(|r| l.copy_of(r)).collect();
        self.hooks.say(&format!(
            "{name}: the upgrade is abandoned; destroying the {} side ({} resource(s))",
            new.as_str(),
            copies.len()
        ));
        let module = l.module.clone();
        self.destroy(layouts, &module, &copies, run).await?;
        let l = &mut layouts[i];
        l.phase = Phase::Steady;
        record(&mut run.state, l, None);
        self.persist(&run.state)?;
        self.converge(&derive(self.config, layouts), run).await
    }
}

/// The provider a copy's state names, pointed back at the configuration it was copied
/// from (`provider["kubernetes"].main-green` → `provider["kubernetes"].main`).
fn original_provider(
    provider: &str,
    copied: &std::collections::BTreeSet<ProviderRef>,
    side: Side,
) -> String {
    for p in copied {
        let Some(alias) = copy_provider(p, side).alias else {
            continue;
        };
        if let Some(head) = provider.strip_suffix(&format!(".{alias}")) {
            return match &p.alias {
                Some(a) => format!("{head}.{a}"),
                None => head.to_string(),
            };
        }
    }
    provider.to_string()
}

/// Points dependencies recorded against copies (`aws_eks_cluster.main-green`) at the
/// addresses the copies now have, so later destroys still go in dependency order.
fn rename_dependencies(state: &mut State, l: &Layout, old_side: &[crate::addr::Resource]) {
    let renames: BTreeMap<String, String> = old_side
        .iter()
        .map(|r| (l.abs(&l.copy_of(r)).to_string(), l.abs(r).to_string()))
        .collect();
    for rs in state.resources.values_mut() {
        for inst in rs.instances.values_mut().chain(rs.deposed.values_mut()) {
            for d in &mut inst.dependencies {
                if let Some(to) = renames.get(d.as_str()) {
                    *d = to.clone();
                }
            }
        }
    }
}

/// State and counts carried through one execution.
struct Run {
    state: State,
    summary: Summary,
}

/// `10m`, `1h30m`, `45s`.
fn human(d: Duration) -> String {
    let s = d.as_secs();
    let (h, m, s) = (s / 3600, s / 60 % 60, s % 60);
    let mut out = String::new();
    if h > 0 {
        out.push_str(&format!("{h}h"));
    }
    if m > 0 {
        out.push_str(&format!("{m}m"));
    }
    if s > 0 || out.is_empty() {
        out.push_str(&format!("{s}s"));
    }
    out
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;
    use std::time::Duration;

    use super::{human, original_provider};
    use crate::config::ProviderRef;
    use crate::upgrade::blue_green::Side;

    #[test]
    fn a_copy_provider_in_state_is_pointed_back_at_the_configuration_it_was_copied_from() {
        let copied: BTreeSet<ProviderRef> = [
            ProviderRef {
                name: "kubernetes".into(),
                alias: None,
            },
            ProviderRef {
                name: "helm".into(),
                alias: Some("main".into()),
            },
        ]
        .into();
        let k8s = r#"provider["registry.terraform.io/hashicorp/kubernetes"]"#;
        assert_eq!(
            original_provider(&format!("{k8s}.kubernetes-green"), &copied, Side::Green),
            k8s
        );
        let helm = r#"provider["registry.terraform.io/hashicorp/helm"]"#;
        assert_eq!(
            original_provider(&format!("{helm}.main-blue"), &copied, Side::Blue),
            format!("{helm}.main")
        );
        // Providers that were not copied are left alone.
        let aws = r#"provider["registry.terraform.io/hashicorp/aws"].west"#;
        assert_eq!(original_provider(aws, &copied, Side::Green), aws);
    }

    #[test]
    fn bake_times_read_as_written() {
        assert_eq!(human(Duration::from_secs(600)), "10m");
        assert_eq!(human(Duration::from_secs(5400)), "1h30m");
        assert_eq!(human(Duration::from_secs(45)), "45s");
        assert_eq!(human(Duration::ZERO), "0s");
    }
}
