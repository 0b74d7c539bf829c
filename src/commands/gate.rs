//! `galley gate`: finds the stacks a change between two revisions affects and rehearses
//! each in a fresh kitchen on the simulator, from the head revision's git objects.
//! Results go to stdout, warnings and diagnostics to stderr; `matrix.json` (and later
//! the other reports) to `--report-dir`.

use std::collections::VecDeque;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use engine::diag::SourceMap;
use engine::provider::ProviderFactory;
use kitchen::gate::{AffectedStack, Role};
use kitchen::{Interrupt, Outcome, Reporter, RunReport};

use super::plan::runtime;
use crate::cli::GateArgs;
use crate::session::{Session, EXIT_OK};

/// Exit status: an affected stack failed its rehearsal (or left something behind).
pub const EXIT_GATE_FAILED: i32 = 1;
/// Exit status: the gate could not run (not a repository, unknown revision, bad flag,
/// `--stack` not affected, report directory not writable).
pub const EXIT_GATE_USAGE: i32 = 2;

/// The test file the gate adds to a stack that has none: apply it, then destroy it.
const DEFAULT_TEST: &str = "galley-gate.kitchen.hcl";

/// Runs `galley gate`.
pub fn run(s: &Session, a: &GateArgs) -> i32 {
    match gate(s, a) {
        Ok(code) => code,
        Err(message) => {
            eprintln!("Error: {message}");
            EXIT_GATE_USAGE
        }
    }
}

fn gate(s: &Session, a: &GateArgs) -> Result<i32, String> {
    if a.jobs == 0 {
        return Err("--jobs must be at least 1".to_string());
    }
    let repo = git2::Repository::discover(&s.dir)
        .map_err(|e| format!("{} is not in a git repository: {e}", s.dir.display()))?;
    let found = kitchen::gate::affected(&repo, &a.base, &a.head).map_err(|e| e.to_string())?;
    for w in &found.warnings {
        eprintln!("warning: {w}");
    }
    let mut stacks = found.stacks.clone();
    if let Some(only) = &a.stack {
        let want = kitchen::gate::dir_of(only);
        stacks.retain(|st| kitchen::gate::dir_of(&st.path) == want);
        if stacks.is_empty() {
            return Err(format!(
                "--stack {only}: not among the stacks affected between {} and {}",
                a.base, a.head
            ));
        }
    }
    if let Some(dir) = &a.report_dir {
        write_matrix(dir, &stacks, &found.deleted)?;
    }
    print_affected(&stacks, &found.deleted);
    if stacks.is_empty() {
        println!("\nNothing to rehearse.");
        return Ok(EXIT_OK);
    }

    let head = kitchen::gate::tree(&repo, &a.head).map_err(|e| e.to_string())?;
    let snapshot = kitchen::gate::Snapshot::of(&head).map_err(|e| e.to_string())?;
    let mut prepared = Vec::new();
    for st in &stacks {
        prepared.push(prepare(&repo, &snapshot, st)?);
    }

    let interrupt = Interrupt::new();
    let rt = runtime();
    {
        let _inside = rt.enter();
        interrupt.listen_for_signals();
    }
    let started = Instant::now();
    let results = rehearse_all(prepared, a.jobs, &interrupt);
    drop(rt);

    let failed = results.iter().filter(|r| !r.passed).count();
    println!();
    for r in &results {
        println!(
            "{} {}  ({:.2}s)",
            if r.passed { "PASS" } else { "FAIL" },
            r.path,
            r.wall.as_secs_f64()
        );
    }
    println!(
        "\nGate: {} passed, {failed} failed ({} stack(s) in {:.2}s).",
        results.len() - failed,
        results.len(),
        started.elapsed().as_secs_f64()
    );
    Ok(if failed == 0 && !interrupt.is_set() {
        EXIT_OK
    } else {
        EXIT_GATE_FAILED
    })
}

fn print_affected(stacks: &[AffectedStack], deleted: &[String]) {
    println!("Affected stacks ({}):", stacks.len());
    for st in stacks {
        let role = match st.role {
            Role::Stack => "",
            Role::Module => " [module, its own tests]",
        };
        let why: Vec<String> = st.reasons.iter().map(|r| r.to_string()).collect();
        println!("  {}{role}: {}", st.path, why.join("; "));
    }
    for d in deleted {
        println!("  {d}: deleted (nothing to rehearse)");
    }
}

/// `matrix.json`: `{"include": [{"stack": PATH, ...}]}`, ready for a GitHub Actions
/// `strategy.matrix` (`fromJSON`) or a Jenkins parallel stage, each runner then calling
/// `galley gate --stack PATH`. Deleted stacks are listed apart (`deleted`) in
/// `deleted.json`, since every key of a GitHub matrix becomes a dimension.
fn write_matrix(dir: &Path, stacks: &[AffectedStack], deleted: &[String]) -> Result<(), String> {
    std::fs::create_dir_all(dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    let include: Vec<serde_json::Value> = stacks
        .iter()
        .map(|st| {
            serde_json::json!({
                "stack": st.path,
                "role": match st.role { Role::Stack => "stack", Role::Module => "module" },
                "base": st.base_path,
                "reasons": st.reasons.iter().map(|r| r.to_string()).collect::<Vec<_>>(),
            })
        })
        .collect();
    for (name, value) in [
        ("matrix.json", serde_json::json!({ "include": include })),
        ("deleted.json", serde_json::json!({ "deleted": deleted })),
    ] {
        let path = dir.join(name);
        let text = serde_json::to_string_pretty(&value).unwrap_or_default() + "\n";
        std::fs::write(&path, text).map_err(|e| format!("cannot write {}: {e}", path.display()))?;
    }
    Ok(())
}

/// A stack checked out of the head revision into its own temporary directory.
struct Prepared {
    path: String,
    /// Holds the checkout (and the simulator's world) until the rehearsal ends.
    root: tempfile::TempDir,
    dir: PathBuf,
}

fn prepare(
    repo: &git2::Repository,
    snapshot: &kitchen::gate::Snapshot,
    st: &AffectedStack,
) -> Result<Prepared, String> {
    let root = tempfile::Builder::new()
        .prefix("galley-gate-")
        .tempdir()
        .map_err(|e| format!("cannot create a temporary directory: {e}"))?;
    let dir_in_repo = kitchen::gate::dir_of(&st.path);
    let dirs = kitchen::gate::stack_dirs(repo, snapshot, &dir_in_repo);
    kitchen::gate::checkout(repo, snapshot, &dirs, root.path())
        .map_err(|e| format!("cannot check out {}: {e}", st.path))?;
    let dir = root.path().join(&dir_in_repo);
    let has_tests = kitchen::file::discover(&dir)
        .map(|f| !f.is_empty())
        .unwrap_or(false);
    if !has_tests {
        // Without test files the rehearsal is still worth it: apply, then destroy.
        std::fs::write(
            dir.join(DEFAULT_TEST),
            "# Added by galley gate: the stack has no test files.\nrun \"apply\" {\n  command = apply\n}\n",
        )
        .map_err(|e| format!("cannot write the default test of {}: {e}", st.path))?;
    }
    Ok(Prepared {
        path: st.path.clone(),
        root,
        dir,
    })
}

/// What one stack's rehearsal came to.
struct StackResult {
    path: String,
    passed: bool,
    wall: Duration,
}

/// Rehearses the stacks on `jobs` threads, each with its own runtime and simulator;
/// prints each stack's output in one piece when it ends, so stacks do not interleave.
fn rehearse_all(prepared: Vec<Prepared>, jobs: usize, interrupt: &Interrupt) -> Vec<StackResult> {
    let n = prepared.len();
    let queue = Mutex::new(prepared.into_iter().enumerate().collect::<VecDeque<_>>());
    let results: Mutex<Vec<Option<StackResult>>> = Mutex::new((0..n).map(|_| None).collect());
    std::thread::scope(|scope| {
        for _ in 0..jobs.min(n) {
            scope.spawn(|| loop {
                let next = queue.lock().ok().and_then(|mut q| q.pop_front());
                let Some((i, p)) = next else { break };
                let r = rehearse(&p, interrupt);
                if let Ok(mut all) = results.lock() {
                    all[i] = Some(r);
                }
            });
        }
    });
    results
        .into_inner()
        .unwrap_or_default()
        .into_iter()
        .flatten()
        .collect()
}

fn rehearse(p: &Prepared, interrupt: &Interrupt) -> StackResult {
    let started = Instant::now();
    let options = sim::SimOptions::from_env().unwrap_or_default();
    let sim = Arc::new(sim::SimFactory::new(
        p.root.path().join(".galley-gate-sim"),
        options,
    ));
    let settings = kitchen::Settings {
        dir: p.dir.clone(),
        factories: vec![sim.clone() as Arc<dyn ProviderFactory>],
        sim: Some(sim),
        real: false,
        keep_on_failure: false,
        interrupt: interrupt.clone(),
    };
    let sources = SourceMap::new();
    let out = Buffer {
        sources: sources.clone(),
        root: p.dir.clone(),
        checkout: p.root.path().to_path_buf(),
        lines: Mutex::new(vec![format!("== {}", p.path)]),
    };
    let report = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt.block_on(kitchen::run(&settings, &sources, &out)),
        Err(e) => {
            println!("== {}\n  cannot start a runtime: {e}", p.path);
            return StackResult {
                path: p.path.clone(),
                passed: false,
                wall: started.elapsed(),
            };
        }
    };
    out.diagnostics(&report.diagnostics);
    for f in &report.files {
        out.diagnostics(&f.teardown.diagnostics);
    }
    for l in report.leftovers() {
        out.line(format!(
            "  LEFT BEHIND: {} (id {})",
            l.addr,
            l.id.as_deref().unwrap_or("unknown")
        ));
    }
    let passed = report.success();
    let text = out.lines.lock().map(|l| l.join("\n")).unwrap_or_default();
    println!("{text}");
    StackResult {
        path: p.path.clone(),
        passed,
        wall: started.elapsed(),
    }
}

/// Collects a stack's output lines.
struct Buffer {
    sources: SourceMap,
    root: PathBuf,
    /// The checkout's root, cut from paths in diagnostics so they read as repository paths.
    checkout: PathBuf,
    lines: Mutex<Vec<String>>,
}

impl Buffer {
    fn line(&self, s: String) {
        if let Ok(mut l) = self.lines.lock() {
            l.push(s);
        }
    }

    fn diagnostics(&self, d: &engine::diag::Diagnostics) {
        if !d.is_empty() {
            let prefix = format!("{}/", self.checkout.display());
            self.line(indent(&d.render(&self.sources).replace(&prefix, "")));
        }
    }

    fn relative(&self, path: &Path) -> String {
        path.strip_prefix(&self.root)
            .unwrap_or(path)
            .display()
            .to_string()
    }
}

fn indent(text: &str) -> String {
    text.trim_end()
        .lines()
        .map(|l| format!("    {l}"))
        .collect::<Vec<_>>()
        .join("\n")
}

impl Reporter for Buffer {
    fn file_started(&self, path: &Path) {
        self.line(format!("  {}...", self.relative(path)));
    }

    fn run_finished(&self, r: &RunReport) {
        let timing = match (r.outcome, r.simulated) {
            (Outcome::Skip, _) => String::new(),
            (_, Some(sim)) => format!(
                "  ({:.2}s wall, {}s simulated)",
                r.wall.as_secs_f64(),
                sim.as_secs()
            ),
            (_, None) => format!("  ({:.2}s wall)", r.wall.as_secs_f64()),
        };
        self.line(format!(
            "    run {:?}... {}{timing}",
            r.name,
            r.outcome.as_str()
        ));
        self.diagnostics(&r.diagnostics);
    }

    fn teardown_started(&self, path: &Path) {
        self.line(format!("  {}... tearing down", self.relative(path)));
    }

    fn note(&self, message: &str) {
        self.line(format!("  {message}"));
    }
}
