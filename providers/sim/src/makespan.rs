//! How long an apply takes under the latency model, and how far that is from the best
//! possible: the lower bound max(critical path, total work / parallelism).
//!
//! [`measure`] plans and applies a configuration on a fresh simulator whose operations
//! sleep their types' durations ([`crate::SimOptions::timed`]) on tokio's clock. Run it on
//! a current-thread runtime with a paused clock (`start_paused(true)`): the virtual time
//! the apply takes is then its makespan, measured in milliseconds of real time. The bound
//! comes from what the apply did — each instance's call time, its dependencies as state
//! records them — so it holds for any schedule. [`random_dag`] writes the benchmark's
//! configurations.

use std::collections::{BTreeMap, HashMap};
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use engine::addr::{AbsResource, ResourceInstance};
use engine::config::Config;
use engine::diag::Diagnostics;
use engine::state::State;
use engine::walk::{Event, Observer, Options, StateSink, Walk, WalkMode};

use crate::{SimFactory, SimOptions};

/// What one timed apply measured.
#[derive(Debug, Clone)]
pub struct Makespan {
    /// Instances in state after the apply.
    pub instances: usize,
    /// The sum of every provider call's duration.
    pub work: Duration,
    /// The longest chain of call durations through the dependencies.
    pub critical_path: Duration,
    /// From the start of the apply to its end.
    pub makespan: Duration,
    /// The parallelism it ran with.
    pub parallelism: usize,
}

impl Makespan {
    /// No schedule can finish sooner: max(critical path, work / parallelism).
    pub fn bound(&self) -> Duration {
        let slots = u32::try_from(self.parallelism.max(1)).unwrap_or(u32::MAX);
        self.critical_path.max(self.work / slots)
    }

    /// Makespan over the bound (1.0 is optimal).
    pub fn ratio(&self) -> f64 {
        self.makespan.as_secs_f64() / self.bound().as_secs_f64().max(1e-9)
    }
}

/// Adds up each instance's call time.
#[derive(Default)]
struct Timeline {
    busy: Mutex<HashMap<ResourceInstance, Duration>>,
}

impl Observer for Timeline {
    fn event(&self, event: &Event) {
        if let Event::Finished { addr, elapsed, .. } = event {
            let mut busy = self.busy.lock().unwrap_or_else(|e| e.into_inner());
            *busy.entry(addr.clone()).or_default() += *elapsed;
        }
    }
}

/// Keeps nothing: a measurement needs no durable state.
struct Discard;

impl StateSink for Discard {
    fn intent(&self, _: &State, _: &engine::state::Intent) -> Result<(), String> {
        Ok(())
    }
    fn done(&self, _: &State, _: &ResourceInstance) -> Result<(), String> {
        Ok(())
    }
    fn instance_changed(&self, _: &State, _: &ResourceInstance) -> Result<(), String> {
        Ok(())
    }
    fn changed(&self, _: &State) -> Result<(), String> {
        Ok(())
    }
}

/// Plans and applies `config` from empty state on a fresh timed simulator keeping its
/// worlds in `world_dir`, with `opts` (parallelism, schedule). Call it with tokio's clock
/// paused. Errors are the plan's or apply's diagnostics.
pub async fn measure(
    config: Arc<Config>,
    world_dir: &Path,
    opts: Options,
) -> Result<Makespan, Diagnostics> {
    let factory: Arc<dyn engine::provider::ProviderFactory> = Arc::new(SimFactory::new(
        world_dir.to_path_buf(),
        SimOptions {
            timed: true,
            today: chrono::NaiveDate::from_ymd_opt(2026, 6, 1),
            ..SimOptions::default()
        },
    ));
    let plan = Walk::new(
        config.clone(),
        vec![factory.clone()],
        BTreeMap::new(),
        State::new(),
        opts.clone(),
        WalkMode::Plan,
    )?
    .plan()
    .await?;
    let timeline = Arc::new(Timeline::default());
    let parallelism = opts.parallelism;
    let walk = Walk::new(
        config,
        vec![factory],
        BTreeMap::new(),
        State::new(),
        opts,
        WalkMode::Apply,
    )?
    .with_observer(timeline.clone());
    let start = tokio::time::Instant::now();
    let (state, diags) = walk.apply(plan, Arc::new(Discard)).await;
    let makespan = start.elapsed();
    if diags.has_errors() {
        return Err(diags);
    }
    let busy = std::mem::take(&mut *timeline.busy.lock().unwrap_or_else(|e| e.into_inner()));
    Ok(Makespan {
        instances: state.instance_count(),
        work: busy.values().sum(),
        critical_path: critical_path(&state, &busy),
        makespan,
        parallelism,
    })
}

/// The longest chain of call durations through the dependencies `state` records.
pub fn critical_path(state: &State, busy: &HashMap<ResourceInstance, Duration>) -> Duration {
    let mut by_resource: BTreeMap<String, Vec<ResourceInstance>> = BTreeMap::new();
    let mut deps: HashMap<ResourceInstance, Vec<String>> = HashMap::new();
    for (addr, inst) in state.instances() {
        let resource = AbsResource {
            module: addr.module.without_keys(),
            resource: addr.resource.clone(),
        };
        by_resource
            .entry(resource.to_string())
            .or_default()
            .push(addr.clone());
        deps.insert(addr, inst.dependencies.clone());
    }
    // Finish times in an order where dependencies come first (Kahn's algorithm).
    let mut waiting: HashMap<&ResourceInstance, usize> = HashMap::new();
    let mut unblocks: HashMap<&ResourceInstance, Vec<&ResourceInstance>> = HashMap::new();
    for (a, ds) in &deps {
        let before: Vec<&ResourceInstance> = ds
            .iter()
            .flat_map(|d| by_resource.get(d).into_iter().flatten())
            .filter(|b| *b != a)
            .collect();
        waiting.insert(a, before.len());
        for b in before {
            unblocks.entry(b).or_default().push(a);
        }
    }
    let mut ready: Vec<&ResourceInstance> = waiting
        .iter()
        .filter(|(_, n)| **n == 0)
        .map(|(a, _)| *a)
        .collect();
    let mut finish: HashMap<&ResourceInstance, Duration> = HashMap::new();
    let mut start: HashMap<&ResourceInstance, Duration> = HashMap::new();
    while let Some(a) = ready.pop() {
        let f =
            start.get(a).copied().unwrap_or_default() + busy.get(a).copied().unwrap_or_default();
        finish.insert(a, f);
        for b in unblocks.get(a).into_iter().flatten() {
            let s = start.entry(b).or_default();
            *s = (*s).max(f);
            if let Some(n) = waiting.get_mut(b) {
                *n -= 1;
                if *n == 0 {
                    ready.push(b);
                }
            }
        }
    }
    finish.values().max().copied().unwrap_or_default()
}

/// A deterministic pseudo-random sequence (SplitMix64): the same seed, the same DAG.
struct SplitMix(u64);

impl SplitMix {
    fn below(&mut self, n: u64) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        (z ^ (z >> 31)) % n.max(1)
    }
}

/// One resource of a random DAG, by kind: an S3 bucket and a parameter group (2 s), a
/// DynamoDB table (20 s), a Route 53 zone (45 s to create).
fn dag_resource(kind: u64, i: usize) -> (&'static str, String) {
    match kind {
        0 => ("aws_s3_bucket", format!("  bucket = \"galley-dag-{i}\"\n")),
        1 => (
            "aws_rds_cluster_parameter_group",
            format!("  name   = \"pg-{i}\"\n  family = \"aurora-postgresql16\"\n"),
        ),
        2 => (
            "aws_dynamodb_table",
            format!(
                "  name         = \"table-{i}\"\n  hash_key     = \"id\"\n  billing_mode = \"PAY_PER_REQUEST\"\n\n  attribute {{\n    name = \"id\"\n    type = \"S\"\n  }}\n"
            ),
        ),
        _ => ("aws_route53_zone", format!("  name = \"z{i}.example.com\"\n")),
    }
}

/// A configuration of `n` AWS resources of mixed creation times where each depends (by
/// `depends_on`) on up to `fan_in` resources among the `window` before it: a small window
/// makes long chains, a large one a wide graph.
pub fn random_dag(seed: u64, n: usize, fan_in: u64, window: usize) -> String {
    let mut rng = SplitMix(seed);
    let mut out = String::from("provider \"aws\" {\n  region = \"us-east-1\"\n}\n\n");
    let mut types: Vec<&str> = Vec::with_capacity(n);
    for i in 0..n {
        let (t, body) = dag_resource(rng.below(4), i);
        let mut deps: Vec<usize> = Vec::new();
        if i > 0 {
            for _ in 0..rng.below(fan_in + 1) {
                let back = 1 + rng.below(window.min(i) as u64) as usize;
                if !deps.contains(&(i - back)) {
                    deps.push(i - back);
                }
            }
        }
        out.push_str(&format!("resource \"{t}\" \"r{i}\" {{\n{body}"));
        if !deps.is_empty() {
            let list: Vec<String> = deps.iter().map(|d| format!("{}.r{d}", types[*d])).collect();
            out.push_str(&format!("  depends_on = [{}]\n", list.join(", ")));
        }
        out.push_str("}\n\n");
        types.push(t);
    }
    out
}
