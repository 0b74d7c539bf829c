//! Apply scheduling under the latency model: galley starts the most urgent call first and
//! comes within 10% of the lower bound max(critical path, work / parallelism).

use std::path::Path;
use std::sync::Arc;

use engine::diag::SourceMap;
use engine::walk::{Options, Schedule};
use sim::makespan::{measure, random_dag, Makespan};

fn timed_apply(dir: &Path, schedule: Schedule) -> Makespan {
    let sources = SourceMap::new();
    let (config, diags) = engine::config::load_config(dir, &sources);
    assert!(!diags.has_errors(), "{}", diags.render(&sources));
    let worlds = tempfile::tempdir().unwrap();
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .start_paused(true)
        .build()
        .unwrap();
    let opts = Options {
        parallelism: 10,
        schedule,
        ..Options::default()
    };
    rt.block_on(measure(Arc::new(config), worlds.path(), opts))
        .unwrap_or_else(|d| panic!("{}", d.render(&sources)))
}

fn dag(seed: u64, n: usize, fan_in: u64, window: usize) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("main.tf"),
        random_dag(seed, n, fan_in, window),
    )
    .unwrap();
    dir
}

#[test]
fn longest_path_first_stays_within_ten_percent_of_the_bound_where_fifo_does_not() {
    // A deep and a mixed random DAG: FIFO is 30% over the bound on both.
    for (seed, fan_in, window) in [(3, 2, 4), (2, 2, 20)] {
        let dir = dag(seed, 200, fan_in, window);
        let best = timed_apply(dir.path(), Schedule::LongestPathFirst);
        let fifo = timed_apply(dir.path(), Schedule::Fifo);
        assert_eq!(best.instances, 200);
        assert!(
            best.ratio() <= 1.10,
            "seed {seed}: makespan {:?} over bound {:?}",
            best.makespan,
            best.bound()
        );
        assert!(
            fifo.makespan.as_secs_f64() > best.makespan.as_secs_f64() * 1.2,
            "seed {seed}: FIFO {:?} vs longest path first {:?}",
            fifo.makespan,
            best.makespan
        );
        // The same work either way, and the measured bound is a real lower bound.
        assert_eq!(best.work, fifo.work);
        assert!(fifo.makespan >= best.bound() && best.makespan >= best.bound());
    }
}

#[test]
fn the_accounts_example_applies_within_ten_percent_of_the_bound() {
    let accounts = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/accounts");
    let m = timed_apply(&accounts, Schedule::LongestPathFirst);
    assert!(m.instances > 100, "{} instances", m.instances);
    // EKS clusters and Aurora make a critical path of more than twenty minutes.
    assert!(m.critical_path.as_secs() > 1200, "{:?}", m.critical_path);
    assert!(m.ratio() <= 1.10, "{:?} over {:?}", m.makespan, m.bound());
}
