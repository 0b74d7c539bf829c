//! `galley kitchen sweep`: removes what kitchen runs left behind, from the ledger (by
//! destroying each recorded state with its configuration) and by listing the
//! simulator's worlds for objects carrying a run tag.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use engine::diag::{Diagnostic, Diagnostics, SourceMap};
use engine::provider::{ApplyRequest, ProviderConfig, ProviderFactory};
use engine::state::LocalBackend;
use engine::value::Value;

use crate::ledger::{Entry, Ledger, Leftover, Status};
use crate::runner::kitchen_dir;
use crate::tagging::{run_tag_of, Tagging};

/// How to sweep.
pub struct SweepSettings {
    /// The working directory whose `.galley/kitchen` is swept.
    pub dir: PathBuf,
    /// Only runs that started at least this long ago.
    pub older_than: Duration,
    /// Only list what would be removed.
    pub dry_run: bool,
    /// Factories for destroying the recorded states of simulator runs.
    pub factories: Vec<Arc<dyn ProviderFactory>>,
    /// Factories for destroying the recorded states of `--real` runs.
    pub real_factories: Vec<Arc<dyn ProviderFactory>>,
    /// The kitchen's simulator, listed for tagged objects.
    pub sim: Option<Arc<sim::SimFactory>>,
}

/// One thing found by a sweep.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Found {
    /// The run it belongs to.
    pub run_id: String,
    /// What it is: a state address or `type id (provider region)`.
    pub what: String,
    /// Removed (false on a dry run or when removal failed).
    pub removed: bool,
}

/// What a sweep found and did.
#[derive(Debug, Default)]
pub struct SweepReport {
    /// Every object found.
    pub found: Vec<Found>,
    /// Runs whose ledger entry was closed.
    pub closed: Vec<String>,
    /// Problems.
    pub diagnostics: Diagnostics,
}

impl SweepReport {
    /// True when nothing found is left.
    pub fn clean(&self) -> bool {
        !self.diagnostics.has_errors() && self.found.iter().all(|f| f.removed)
    }
}

/// Sweeps `settings.dir`.
pub async fn sweep(settings: &SweepSettings, sources: &SourceMap) -> SweepReport {
    let mut report = SweepReport::default();
    let kdir = kitchen_dir(&settings.dir);
    let ledger = Ledger::in_dir(&kdir);
    let entries = match ledger.entries() {
        Ok(e) => e,
        Err(e) => {
            report.diagnostics.push(Diagnostic::error(e.to_string()));
            Vec::new()
        }
    };
    let mut busy: BTreeSet<String> = BTreeSet::new();
    let mut known_ids: BTreeSet<String> = BTreeSet::new();
    for e in entries {
        if !due(&e, settings.older_than) {
            busy.insert(e.run_id.clone());
            continue;
        }
        let left = sweep_entry(settings, sources, &e, &mut report, &mut known_ids).await;
        if !settings.dry_run {
            let r = if left.is_empty() {
                let _ = std::fs::remove_dir_all(kdir.join(&e.run_id));
                report.closed.push(e.run_id.clone());
                ledger.remove(&e.run_id)
            } else {
                ledger.modify(&e.run_id, |x| {
                    x.status = Status::Leftovers;
                    x.leftovers = left;
                })
            };
            if let Err(err) = r {
                report.diagnostics.push(Diagnostic::error(err.to_string()));
            }
        }
    }
    if let Some(sim) = &settings.sim {
        sweep_world(sim, settings, &busy, &known_ids, &mut report).await;
    }
    report
}

/// An entry is swept when old enough and not a run still going in a live process.
fn due(e: &Entry, older_than: Duration) -> bool {
    let age = crate::runid::now_secs().saturating_sub(e.started);
    if age < older_than.as_secs() {
        return false;
    }
    !(e.status == Status::Running && e.pid != std::process::id() && alive(e.pid))
}

/// Whether a process exists (Linux: `/proc/<pid>`; elsewhere assumed gone).
fn alive(pid: u32) -> bool {
    Path::new(&format!("/proc/{pid}")).exists()
}

/// Destroys the states of one ledger entry; returns what is left.
async fn sweep_entry(
    settings: &SweepSettings,
    sources: &SourceMap,
    e: &Entry,
    report: &mut SweepReport,
    known_ids: &mut BTreeSet<String>,
) -> Vec<Leftover> {
    let base = if e.real {
        &settings.real_factories
    } else {
        &settings.factories
    };
    let factories: Vec<Arc<dyn ProviderFactory>> = base
        .iter()
        .map(|f| Arc::new(Tagging::new(f.clone(), &e.run_id)) as Arc<dyn ProviderFactory>)
        .collect();
    let mut left = Vec::new();
    for rec in e.states.iter().rev() {
        let backend = LocalBackend::new(rec.state.clone());
        let Some(state) = crate::runner::recover(&backend) else {
            continue;
        };
        let objects = crate::teardown::leftovers(&state);
        if objects.is_empty() {
            continue;
        }
        known_ids.extend(objects.iter().filter_map(|o| o.id.clone()));
        if settings.dry_run {
            report.found.extend(objects.iter().map(|o| Found {
                run_id: e.run_id.clone(),
                what: o.addr.clone(),
                removed: false,
            }));
            continue;
        }
        let (config, diags) = engine::config::load_config(&rec.config_dir, sources);
        if diags.has_errors() {
            report.diagnostics.extend(diags);
            report.diagnostics.push(Diagnostic::error(format!(
                "Cannot destroy the state of run {} without its configuration in {}",
                e.run_id,
                rec.config_dir.display()
            )));
            left.extend(objects);
            continue;
        }
        let vars = std::fs::read(&rec.vars)
            .ok()
            .and_then(|b| serde_json::from_slice::<serde_json::Value>(&b).ok())
            .map(|j| crate::vars::from_json(&config, &j))
            .unwrap_or_default();
        let t =
            crate::teardown::destroy(Arc::new(config), factories.clone(), vars, state, &backend)
                .await;
        report.diagnostics.extend(t.diagnostics);
        let remaining: BTreeSet<String> = t.leftovers.iter().map(|l| l.addr.clone()).collect();
        report.found.extend(objects.iter().map(|o| Found {
            run_id: e.run_id.clone(),
            what: o.addr.clone(),
            removed: !remaining.contains(&o.addr),
        }));
        left.extend(t.leftovers);
    }
    left
}

/// One object of the simulator's worlds that carries a run tag.
struct Tagged {
    run_id: String,
    provider: String,
    region: String,
    type_name: String,
    id: String,
    value: Value,
}

/// Lists the simulator's worlds and deletes every object tagged by a run that is due,
/// in passes (a dependency must wait for what uses it) until no pass makes progress.
async fn sweep_world(
    sim: &Arc<sim::SimFactory>,
    settings: &SweepSettings,
    busy: &BTreeSet<String>,
    known_ids: &BTreeSet<String>,
    report: &mut SweepReport,
) {
    let objects = match sim.inventory() {
        Ok(o) => o,
        Err(e) => {
            report.diagnostics.push(Diagnostic::error(format!(
                "Cannot list the simulator's world: {e}"
            )));
            return;
        }
    };
    let mut tagged = Vec::new();
    for o in objects {
        // Already listed (dry run) or destroyed through the ledger.
        if known_ids.contains(&o.id) {
            continue;
        }
        let Ok(p) = sim.configure(&ProviderConfig {
            name: o.provider.clone(),
            alias: None,
            config: Value::object([("region", Value::string(o.region.clone()))]),
        }) else {
            continue;
        };
        let Ok(value) = p.import(&o.type_name, &o.id).await else {
            continue;
        };
        let Some(run_id) = run_tag_of(&value) else {
            continue;
        };
        let old_enough = crate::runid::age(&run_id).is_none_or(|a| a >= settings.older_than);
        if busy.contains(&run_id) || !old_enough {
            continue;
        }
        tagged.push(Tagged {
            run_id,
            provider: o.provider,
            region: o.region,
            type_name: o.type_name,
            id: o.id,
            value,
        });
    }
    let describe = |t: &Tagged| format!("{} {} ({} {})", t.type_name, t.id, t.provider, t.region);
    if settings.dry_run {
        report.found.extend(tagged.iter().map(|t| Found {
            run_id: t.run_id.clone(),
            what: describe(t),
            removed: false,
        }));
        return;
    }
    let mut pending = tagged;
    let mut last_errors = Vec::new();
    while !pending.is_empty() {
        let mut next = Vec::new();
        last_errors.clear();
        let before = pending.len();
        for t in pending {
            let deleted = match sim.configure(&ProviderConfig {
                name: t.provider.clone(),
                alias: None,
                config: Value::object([("region", Value::string(t.region.clone()))]),
            }) {
                Ok(p) => p
                    .apply(ApplyRequest {
                        type_name: t.type_name.clone(),
                        // No state records this object, so it has no configuration
                        // address: faults aimed at its type or at `*` still fire.
                        address: String::new(),
                        prior: Some(t.value.clone()),
                        planned: None,
                        token: None,
                    })
                    .await
                    .map(|_| ()),
                Err(e) => Err(e),
            };
            match deleted {
                Ok(()) | Err(engine::provider::ProviderError::NotFound(_)) => {
                    report.found.push(Found {
                        run_id: t.run_id.clone(),
                        what: describe(&t),
                        removed: true,
                    });
                }
                Err(e) => {
                    last_errors.push(format!("{}: {e}", describe(&t)));
                    next.push(t);
                }
            }
        }
        if next.len() == before {
            for t in &next {
                report.found.push(Found {
                    run_id: t.run_id.clone(),
                    what: describe(t),
                    removed: false,
                });
            }
            for e in &last_errors {
                report
                    .diagnostics
                    .push(Diagnostic::error(format!("Cannot delete {e}")));
            }
            break;
        }
        pending = next;
    }
    if let Err(e) = sim.flush() {
        report.diagnostics.push(Diagnostic::error(format!(
            "Cannot save the simulator's world: {e}"
        )));
    }
}
