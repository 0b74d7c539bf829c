//! Where each `blue_green` block stands, from state: which side is live, and whether a
//! migration is under way. Progress is kept in the state file's `galley_blue_green`
//! object (`{"main": {"live": "green", "new_weight": 50}}`; a block of a child module is
//! keyed by its module path, `"module.app.main"`); copies found in state without it (an
//! apply killed before recording) mean a migration at 0.
//!
//! Blocks may sit in the root module or in a module called without `count` or
//! `for_each` (the library's `eks-blue-green`): a module instance of its own per block.

use std::sync::Arc;

use super::members::{members, Members};
use super::plan::Spec;
use super::transform::{copy_name, transform, Phase, Side};
use crate::addr::{AbsResource, InstanceKey, ModulePath, Resource};
use crate::config::{BlueGreen, Config};
use crate::diag::{Diagnostic, Diagnostics};
use crate::state::State;
use crate::upgrade::steps::Upgrade;

/// The key of blue/green progress in [`State::extra`].
pub const STATE_KEY: &str = "galley_blue_green";

/// One `blue_green` block with its members and where it stands.
#[derive(Debug, Clone)]
pub struct Layout {
    /// The block.
    pub bg: BlueGreen,
    /// The module calls leading to the block's module (empty for the root module).
    pub path: Vec<String>,
    /// The same as a module instance: the module of every member.
    pub module: ModulePath,
    /// What belongs to a side.
    pub members: Members,
    /// The side serving traffic.
    pub live: Side,
    /// Steady, or migrating at some weight.
    pub phase: Phase,
}

impl Layout {
    /// The block's key in state progress: its name, after its module path in a child
    /// module (`module.app.main`).
    pub fn key(&self) -> String {
        if self.module.is_root() {
            self.bg.name.clone()
        } else {
            format!("{}.{}", self.module, self.bg.name)
        }
    }

    /// The block as messages name it: `blue_green.main`, `module.app.blue_green.main`.
    pub fn label(&self) -> String {
        if self.module.is_root() {
            format!("blue_green.{}", self.bg.name)
        } else {
            format!("{}.blue_green.{}", self.module, self.bg.name)
        }
    }

    /// The block in prose: `blue_green "main"`, `blue_green "main" in module.app`.
    pub fn named(&self) -> String {
        if self.module.is_root() {
            format!("blue_green \"{}\"", self.bg.name)
        } else {
            format!("blue_green \"{}\" in {}", self.bg.name, self.module)
        }
    }

    /// `r` of the block's module, as an absolute address.
    pub fn abs(&self, r: &Resource) -> AbsResource {
        AbsResource {
            module: self.module.clone(),
            resource: r.clone(),
        }
    }

    /// The new side's copy of `r`.
    pub fn copy_of(&self, r: &Resource) -> Resource {
        Resource {
            name: copy_name(&r.name, self.live.other()),
            ..r.clone()
        }
    }

    /// The resources of one side: the members and the record (under the live side's
    /// addresses; [`Layout::copy_of`] gives the new side's).
    pub fn side(&self) -> impl Iterator<Item = &Resource> {
        self.members
            .resources
            .iter()
            .chain(std::iter::once(&self.bg.record.resource))
    }

    /// True when `plan` does `action` (create: a migration starts; delete: it is given
    /// up) to the new side's cluster.
    pub fn plans_new_cluster(&self, plan: &crate::plan::Plan, action: crate::plan::Action) -> bool {
        let copy = self.copy_of(&self.bg.cluster.resource);
        plan.changes
            .iter()
            .any(|c| c.addr.module == self.module && c.addr.resource == copy && c.action == action)
    }

    /// True when `upgrades` upgrade this block's cluster blue/green.
    pub fn upgraded_by(&self, upgrades: &[Upgrade]) -> bool {
        let cluster = self.abs(&self.bg.cluster.resource).to_string();
        upgrades
            .iter()
            .any(|u| u.strategy == "blue_green" && u.address == cluster)
    }

    /// The planner's view of the block.
    pub fn spec(&self) -> Spec {
        Spec {
            name: self.bg.name.clone(),
            live: self.live,
            new_cluster: self
                .abs(&self.copy_of(&self.bg.cluster.resource))
                .to_string(),
            record: self.abs(&self.bg.record.resource).to_string(),
            new_record: self
                .abs(&self.copy_of(&self.bg.record.resource))
                .to_string(),
            steps: self.bg.steps.clone(),
            bake: self.bg.bake,
            health_checks: self.bg.health.len(),
            copies: self
                .members
                .resources
                .iter()
                .filter(|r| {
                    !matches!(
                        r.type_name.as_str(),
                        "aws_eks_cluster"
                            | "aws_eks_node_group"
                            | "aws_eks_addon"
                            | "kubernetes_manifest"
                    )
                })
                .count(),
        }
    }
}

/// The layouts of every `blue_green` block given `state`: the root module's and those of
/// modules called without `count` or `for_each`.
pub fn layouts(config: &Config, state: &State) -> Result<Vec<Layout>, Diagnostics> {
    let mut out = Vec::new();
    let mut diags = Diagnostics::new();
    config.walk(&mut |path, c| {
        if c.module.blue_greens.is_empty() {
            return;
        }
        let Some(module) = static_instance(config, path, &mut diags, c) else {
            return;
        };
        for bg in c.module.blue_greens.values() {
            match members(&c.module, bg) {
                Ok(members) => out.push(layout(bg, members, path, module.clone(), state)),
                Err(d) => diags.extend(d),
            }
        }
    });
    if diags.has_errors() {
        Err(diags)
    } else {
        Ok(out)
    }
}

/// The one instance of the module at `path`, or an error on its `blue_green` blocks when
/// a call on the way has `count` or `for_each` (each instance would need its own
/// migration, and the block could not say which).
fn static_instance(
    root: &Config,
    path: &[String],
    diags: &mut Diagnostics,
    c: &Config,
) -> Option<ModulePath> {
    let mut module = ModulePath::root();
    for (i, name) in path.iter().enumerate() {
        let caller = root.descendant(&path[..i])?;
        let call = caller.module.module_calls.get(name)?;
        if call.count.is_some() || call.for_each.is_some() {
            for bg in c.module.blue_greens.values() {
                diags.push(
                    Diagnostic::error("blue_green block in a module with count or for_each")
                        .with_span(bg.span)
                        .with_detail(format!(
                            "blue_green \"{}\" is in module \"{name}\", which is called with {}: each instance would upgrade on its own. Call the module once per cluster instead.",
                            bg.name,
                            if call.count.is_some() { "count" } else { "for_each" }
                        )),
                );
            }
            return None;
        }
        module = module.child(name, InstanceKey::None);
    }
    Some(module)
}

fn layout(
    bg: &BlueGreen,
    members: Members,
    path: &[String],
    module: ModulePath,
    state: &State,
) -> Layout {
    let mut l = Layout {
        bg: bg.clone(),
        path: path.to_vec(),
        module,
        members,
        live: Side::Blue,
        phase: Phase::Steady,
    };
    let saved = state
        .extra
        .get(STATE_KEY)
        .and_then(|v| v.get(l.key()))
        .cloned()
        .unwrap_or_default();
    l.live = saved
        .get("live")
        .and_then(|v| v.as_str())
        .and_then(Side::parse)
        .unwrap_or(Side::Blue);
    let copy = l.abs(&l.copy_of(&bg.cluster.resource));
    let copies_exist = state.resources.keys().any(|r| *r == copy);
    l.phase = match saved.get("new_weight").and_then(|v| v.as_u64()) {
        Some(w) => Phase::Migrating {
            new_weight: u8::try_from(w.min(100)).unwrap_or(100),
        },
        None if copies_exist => Phase::Migrating { new_weight: 0 },
        None => Phase::Steady,
    };
    l
}

/// The configuration as `layouts` say it is now: suffixed names on a green live side,
/// copies while migrating. Without layouts it is `config` itself, not a copy.
pub fn derive(config: &Arc<Config>, layouts: &[Layout]) -> Arc<Config> {
    if layouts.is_empty() {
        return Arc::clone(config);
    }
    let mut out = Config::clone(config);
    for l in layouts {
        if let Some(c) = out.descendant_mut(&l.path) {
            transform(&mut c.module, &l.bg, &l.members, l.live, l.phase);
        }
    }
    Arc::new(out)
}

/// `layouts` with every block steady: the configuration as written, one side only. Its
/// plan says which clusters the user upgrades now (see [`advance`]).
pub fn steady(layouts: &[Layout]) -> Vec<Layout> {
    layouts
        .iter()
        .cloned()
        .map(|mut l| {
            l.phase = Phase::Steady;
            l
        })
        .collect()
}

/// Moves `layouts` on as `upgrades` (of the plan of [`steady`] layouts) say: a steady
/// block whose cluster is upgraded starts migrating at 0%; a migrating block whose
/// cluster is no longer upgraded (its version was set back) is given up: its index is
/// returned, and then nothing starts (the plan returned to the user is the written
/// configuration's, which creates no new side).
pub fn advance(layouts: &mut [Layout], upgrades: &[Upgrade]) -> Vec<usize> {
    let mut abandoned = Vec::new();
    let mut started = Vec::new();
    for (i, l) in layouts.iter_mut().enumerate() {
        let upgraded = l.upgraded_by(upgrades);
        match l.phase {
            Phase::Steady if upgraded => {
                l.phase = Phase::Migrating { new_weight: 0 };
                started.push(i);
            }
            Phase::Migrating { .. } if !upgraded => abandoned.push(i),
            _ => {}
        }
    }
    if !abandoned.is_empty() {
        for i in started {
            layouts[i].phase = Phase::Steady;
        }
    }
    abandoned
}

/// True when some block is migrating.
pub fn migrating(layouts: &[Layout]) -> bool {
    layouts.iter().any(|l| l.phase != Phase::Steady)
}
