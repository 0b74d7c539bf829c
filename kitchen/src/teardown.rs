//! Destroys a run's state in reverse dependency order, retrying; what cannot be
//! destroyed is returned as leftovers for the ledger.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use engine::config::Config;
use engine::diag::Diagnostics;
use engine::provider::ProviderFactory;
use engine::state::{LocalBackend, State};
use engine::value::Value;
use engine::walk::{JournalSink, Options, Walk, WalkMode};

use crate::ledger::Leftover;

/// Destroy attempts before giving up.
pub const ATTEMPTS: u32 = 3;

/// What a teardown did.
#[derive(Debug, Default)]
pub struct Teardown {
    /// Instances destroyed.
    pub destroyed: usize,
    /// What is still there after every attempt.
    pub leftovers: Vec<Leftover>,
    /// The errors of the last attempt.
    pub diagnostics: Diagnostics,
}

/// Destroys everything in `state` (kept in `backend`, journaled as it goes) with the
/// configuration and variables it was applied with; up to [`ATTEMPTS`] times with a
/// short pause between, refreshing first so objects already gone are dropped.
pub async fn destroy(
    config: Arc<Config>,
    factories: Vec<Arc<dyn ProviderFactory>>,
    vars: BTreeMap<String, Value>,
    mut state: State,
    backend: &LocalBackend,
) -> Teardown {
    let before = count(&state);
    // Root outputs are not needed to destroy, and one that refers to an object a failed
    // apply never created would stop the destroy plan.
    let mut config = config;
    if !config.module.outputs.is_empty() {
        let mut c = (*config).clone();
        c.module.outputs.clear();
        config = Arc::new(c);
    }
    let mut diags = Diagnostics::new();
    for attempt in 1..=ATTEMPTS {
        if count(&state) == 0 {
            break;
        }
        if attempt > 1 {
            tokio::time::sleep(Duration::from_millis(250 * u64::from(attempt))).await;
        }
        let plan_walk = match Walk::new(
            config.clone(),
            factories.clone(),
            vars.clone(),
            state.clone(),
            Options::default(),
            WalkMode::PlanDestroy,
        ) {
            Ok(w) => w,
            Err(d) => {
                // A configuration error will not go away by retrying.
                diags = d;
                break;
            }
        };
        let plan = match plan_walk.plan().await {
            Ok(p) => p,
            Err(d) => {
                diags = d;
                continue;
            }
        };
        let apply_walk = match Walk::new(
            config.clone(),
            factories.clone(),
            vars.clone(),
            state.clone(),
            Options {
                refresh: false,
                ..Options::default()
            },
            WalkMode::Apply,
        ) {
            Ok(w) => w,
            Err(d) => {
                diags = d;
                break;
            }
        };
        let (after, d) = apply_walk
            .apply(
                plan,
                JournalSink::new(LocalBackend::new(backend.path().to_path_buf())),
            )
            .await;
        state = after;
        diags = d;
    }
    Teardown {
        destroyed: before.saturating_sub(count(&state)),
        leftovers: leftovers(&state),
        diagnostics: diags,
    }
}

/// Managed objects (current and deposed) in `state`; data sources are not objects.
pub fn count(state: &State) -> usize {
    leftovers(state).len()
}

/// The managed objects left in `state`.
pub fn leftovers(state: &State) -> Vec<Leftover> {
    let managed =
        |a: &engine::addr::ResourceInstance| a.resource.mode == engine::addr::Mode::Managed;
    let provider = |a: &engine::addr::ResourceInstance| {
        state
            .resource(&a.abs_resource())
            .map(|r| r.provider.clone())
            .unwrap_or_default()
    };
    let id = |v: &Value| v.get_attr("id").and_then(Value::as_str).map(str::to_string);
    let mut out: Vec<Leftover> = state
        .instances()
        .filter(|(a, _)| managed(a))
        .map(|(a, i)| Leftover {
            addr: a.to_string(),
            provider: provider(&a),
            id: id(&i.attributes),
        })
        .collect();
    out.extend(
        state
            .deposed()
            .filter(|(a, _, _)| managed(a))
            .map(|(a, key, i)| Leftover {
                addr: format!("{a} (deposed {key})"),
                provider: provider(&a),
                id: id(&i.attributes),
            }),
    );
    out
}
