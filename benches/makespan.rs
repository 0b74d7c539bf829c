//! Apply scheduling benchmark: how close an apply comes to the lower bound
//! max(critical path, total work / parallelism) under the simulator's latency model.
//!
//! Each configuration is planned and applied on the simulator with every operation taking
//! its type's simulated duration (a Route 53 zone 45 s, a DynamoDB table 20 s, an EKS
//! cluster 10 min) on a paused tokio clock, so the virtual time the apply takes is its
//! makespan ([`sim::makespan`]). Configurations: random DAGs of AWS resources and the
//! `examples/` stacks; each is applied with galley's longest-path-first schedule and with
//! first-come-first-served (a plain semaphore: Terraform's walk starts ready nodes in
//! arbitrary order) for comparison.
//!
//! Run: `cargo bench --bench makespan` (parallelism 10; set GALLEY_BENCH_PARALLELISM).

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use engine::diag::SourceMap;
use engine::walk::{Options, Schedule};
use sim::makespan::{measure, random_dag, Makespan};

/// Applies the configuration in `dir` with `schedule` on a paused clock.
fn apply(dir: &Path, schedule: Schedule, parallelism: usize) -> Makespan {
    let sources = SourceMap::new();
    let (config, diags) = engine::config::load_config(dir, &sources);
    assert!(!diags.has_errors(), "{}", diags.render(&sources));
    let worlds = tempfile::tempdir().expect("tempdir");
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .start_paused(true)
        .build()
        .expect("runtime");
    let opts = Options {
        parallelism,
        schedule,
        ..Options::default()
    };
    rt.block_on(measure(Arc::new(config), worlds.path(), opts))
        .unwrap_or_else(|d| panic!("{}: {}", dir.display(), d.render(&sources)))
}

fn secs(d: Duration) -> String {
    format!("{:.0} s", d.as_secs_f64())
}

fn main() {
    let parallelism: usize = std::env::var("GALLEY_BENCH_PARALLELISM")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(10);
    let generated = tempfile::tempdir().expect("tempdir");
    let mut cases: Vec<(String, std::path::PathBuf)> = Vec::new();
    // (shape, seed, resources, fan-in, window)
    let dags = [
        ("wide", 1, 200, 1, 200),
        ("mixed", 2, 200, 2, 20),
        ("deep", 3, 200, 2, 4),
        ("mixed", 4, 1000, 3, 50),
        ("deep", 5, 1000, 2, 6),
    ];
    for (shape, seed, n, fan_in, window) in dags {
        let dir = generated.path().join(format!("{shape}-{seed}"));
        std::fs::create_dir_all(&dir).expect("mkdir");
        std::fs::write(dir.join("main.tf"), random_dag(seed, n, fan_in, window)).expect("write");
        cases.push((format!("random {shape}, {n} (seed {seed})"), dir));
    }
    let examples = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples");
    for example in ["quickstart", "accounts"] {
        cases.push((format!("examples/{example}"), examples.join(example)));
    }
    println!("parallelism {parallelism}; simulated (virtual) times\n");
    println!(
        "| configuration | instances | work | critical path | bound | makespan | makespan / bound | FIFO makespan | FIFO / bound |"
    );
    println!("|---|---|---|---|---|---|---|---|---|");
    for (name, dir) in cases {
        let best = apply(&dir, Schedule::LongestPathFirst, parallelism);
        let fifo = apply(&dir, Schedule::Fifo, parallelism);
        println!(
            "| {name} | {} | {} | {} | {} | {} | {:.3} | {} | {:.3} |",
            best.instances,
            secs(best.work),
            secs(best.critical_path),
            secs(best.bound()),
            secs(best.makespan),
            best.ratio(),
            secs(fifo.makespan),
            fifo.makespan.as_secs_f64() / best.bound().as_secs_f64().max(1e-9),
        );
    }
}
