//! `galley kitchen run` and `galley kitchen sweep`: the CLI face of the `kitchen` crate.
//! Results go to stdout (a line per run), diagnostics and warnings to stderr.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use engine::provider::ProviderFactory;
use kitchen::{Interrupt, Outcome, Reporter, RunReport};

use super::plan::runtime;
use crate::cli::{KitchenCommand, KitchenRunArgs, KitchenSweepArgs};
use crate::session::{parse_duration, Session, EXIT_ERROR, EXIT_OK};

/// Runs a `kitchen` subcommand.
pub fn run(s: &Session, c: &KitchenCommand) -> i32 {
    match c {
        KitchenCommand::Run(a) => run_tests(s, a),
        KitchenCommand::Sweep(a) => sweep(s, a),
    }
}

/// The simulator the kitchen uses: its own world, `.galley/kitchen/sim`, apart from the
/// one `galley apply --sim` uses.
fn simulator(dir: &Path) -> Arc<sim::SimFactory> {
    let options = sim::SimOptions::from_env().unwrap_or_else(|e| {
        eprintln!("warning: {e}; the kitchen's simulator runs without faults");
        sim::SimOptions::default()
    });
    Arc::new(sim::SimFactory::new(
        kitchen::kitchen_dir(dir).join("sim"),
        options,
    ))
}

fn run_tests(s: &Session, a: &KitchenRunArgs) -> i32 {
    let dir = a.dir.clone().unwrap_or_else(|| s.dir.clone());
    if !dir.is_dir() {
        eprintln!("Error: {} is not a directory", dir.display());
        return EXIT_ERROR;
    }
    let sim = simulator(&dir);
    let (factories, sim_for_timing): (Vec<Arc<dyn ProviderFactory>>, _) = if a.real {
        (s.factories(), None)
    } else {
        (
            vec![sim.clone() as Arc<dyn ProviderFactory>],
            Some(sim.clone()),
        )
    };
    let interrupt = Interrupt::new();
    let settings = kitchen::Settings {
        dir: dir.clone(),
        factories,
        sim: sim_for_timing,
        real: a.real,
        keep_on_failure: a.keep_on_failure,
        interrupt: interrupt.clone(),
    };
    let printer = Printer { s };
    let report = runtime().block_on(async {
        interrupt.listen_for_signals();
        let watch = interrupt.clone();
        tokio::spawn(async move {
            watch.wait().await;
            eprintln!("\nInterrupted: stopping the runs and destroying everything this kitchen created...");
        });
        kitchen::run(&settings, &s.sources, &printer).await
    });
    let _ = s.flush_simulator();
    if let Err(e) = sim.flush() {
        eprintln!("Error: could not save the simulator's world: {e}");
    }
    s.report(&report.diagnostics);
    for f in &report.files {
        s.report(&f.teardown.diagnostics);
    }
    let leftovers = report.leftovers();
    if !leftovers.is_empty() {
        eprintln!(
            "\nError: DESTROY FAILED: run {} left {} object(s) behind:",
            report.run_id,
            leftovers.len()
        );
        for l in &leftovers {
            eprintln!(
                "  - {} (id {}, {})",
                l.addr,
                l.id.as_deref().unwrap_or("unknown"),
                l.provider
            );
        }
        eprintln!(
            "\nThey are recorded in {}; remove them with: galley kitchen sweep",
            engine::diag::display_path(&kitchen::kitchen_dir(&dir).join("ledger.json"))
        );
    }
    let runs: Vec<&RunReport> = report.files.iter().flat_map(|f| f.runs.iter()).collect();
    let count = |o: Outcome| runs.iter().filter(|r| r.outcome == o).count();
    let (pass, fail, error, skip) = (
        count(Outcome::Pass),
        count(Outcome::Fail),
        count(Outcome::Error),
        count(Outcome::Skip),
    );
    let mut extra = String::new();
    if error > 0 {
        extra.push_str(&format!(", {error} errored"));
    }
    if skip > 0 {
        extra.push_str(&format!(", {skip} skipped"));
    }
    if report.success() {
        println!(
            "\nSuccess! {pass} passed, 0 failed. (run {})",
            report.run_id
        );
        EXIT_OK
    } else {
        let why = if report.interrupted {
            " Interrupted."
        } else {
            ""
        };
        println!(
            "\nFailure! {pass} passed, {fail} failed{extra}.{why} (run {})",
            report.run_id
        );
        EXIT_ERROR
    }
}

/// Prints a line per file and per run as they finish.
struct Printer<'a> {
    s: &'a Session,
}

impl Reporter for Printer<'_> {
    fn file_started(&self, path: &Path) {
        println!("{}...", engine::diag::display_path(path));
    }

    fn run_finished(&self, r: &RunReport) {
        let timing = if r.outcome == Outcome::Skip {
            String::new()
        } else {
            match r.simulated {
                Some(sim) => format!("  ({} wall, {} simulated)", short(r.wall), short(sim)),
                None => format!("  ({} wall)", short(r.wall)),
            }
        };
        println!("  run {:?}... {}{timing}", r.name, r.outcome.as_str());
        self.s.report(&r.diagnostics);
    }

    fn teardown_started(&self, path: &Path) {
        println!("{}... tearing down", engine::diag::display_path(path));
    }

    fn note(&self, message: &str) {
        eprintln!("{message}");
    }
}

/// `0.42s`, `3m20s`, `1h5m`.
fn short(d: Duration) -> String {
    let secs = d.as_secs();
    if secs < 60 {
        format!("{:.2}s", d.as_secs_f64())
    } else if secs < 3600 {
        format!("{}m{}s", secs / 60, secs % 60)
    } else {
        format!("{}h{}m", secs / 3600, (secs % 3600) / 60)
    }
}

fn sweep(s: &Session, a: &KitchenSweepArgs) -> i32 {
    let dir: PathBuf = a.dir.clone().unwrap_or_else(|| s.dir.clone());
    let older_than = match a.older_than.strip_suffix('d') {
        Some(days) => days
            .trim()
            .parse::<f64>()
            .ok()
            .map(|d| Duration::from_secs_f64(d * 86400.0)),
        None => parse_duration(&a.older_than),
    };
    let Some(older_than) = older_than else {
        eprintln!(
            "Error: invalid --older-than {:?}: expected a duration such as 30m, 2h or 1d",
            a.older_than
        );
        return EXIT_ERROR;
    };
    let sim = simulator(&dir);
    let settings = kitchen::SweepSettings {
        dir,
        older_than,
        dry_run: a.dry_run,
        factories: vec![sim.clone() as Arc<dyn ProviderFactory>],
        real_factories: s.factories(),
        sim: Some(sim.clone()),
    };
    let report = runtime().block_on(kitchen::sweep(&settings, &s.sources));
    if let Err(e) = sim.flush() {
        eprintln!("Error: could not save the simulator's world: {e}");
    }
    for f in &report.found {
        let verb = match (a.dry_run, f.removed) {
            (true, _) => "would remove",
            (false, true) => "removed",
            (false, false) => "COULD NOT REMOVE",
        };
        println!("{verb} {} [{}]", f.what, f.run_id);
    }
    s.report(&report.diagnostics);
    let removed = report.found.iter().filter(|f| f.removed).count();
    if a.dry_run {
        println!(
            "\nDry run: {} object(s) would be removed.",
            report.found.len()
        );
    } else {
        println!(
            "\nSweep complete: {removed} object(s) removed, {} run(s) closed, {} left.",
            report.closed.len(),
            report.found.len() - removed
        );
    }
    let ok = if a.dry_run {
        !report.diagnostics.has_errors()
    } else {
        report.clean()
    };
    if ok {
        EXIT_OK
    } else {
        EXIT_ERROR
    }
}
