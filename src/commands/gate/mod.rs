//! `galley gate`: finds the stacks a change between two revisions affects and rehearses
//! each in a fresh kitchen on the simulator, from git objects: the base revision applied
//! first, the head's test files on top. Results go to stdout, warnings to stderr, and the
//! reports (`junit.xml`, `summary.md`, `matrix.json`) to `--report-dir`; GitHub Actions
//! annotations and step summary when `GITHUB_ACTIONS=true`.

pub mod github;
pub mod junit;
pub mod outcome;
pub mod rehearse;
pub mod summary;

use std::collections::VecDeque;
use std::path::Path;
use std::sync::Mutex;
use std::time::Instant;

use kitchen::gate::{AffectedStack, Role};
use kitchen::Interrupt;

use super::plan::runtime;
use crate::cli::GateArgs;
use crate::session::{Session, EXIT_OK};
use outcome::StackOutcome;
use rehearse::Prepared;

/// Exit status: an affected stack failed its rehearsal (or left something behind).
pub const EXIT_GATE_FAILED: i32 = 1;
/// Exit status: the gate could not run (not a repository, unknown revision, bad flag,
/// `--stack` not affected, report or work directory not writable).
pub const EXIT_GATE_USAGE: i32 = 2;

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
    if a.matrix_only {
        return Ok(EXIT_OK);
    }
    let cx = summary::Context {
        base: &a.base,
        head: &a.head,
        deleted: &found.deleted,
        interrupted: false,
    };
    if stacks.is_empty() {
        println!("\nNothing to rehearse.");
        write_reports(a, &[], &cx)?;
        return Ok(EXIT_OK);
    }

    let revs = rehearse::Revisions::read(&repo, &a.base, &a.head)?;
    let mut prepared = Vec::new();
    for st in &stacks {
        prepared.push(rehearse::prepare(&revs, st, a.work_dir.as_deref())?);
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
    let cx = summary::Context {
        interrupted: interrupt.is_set(),
        ..cx
    };
    write_reports(a, &results, &cx)?;
    Ok(if failed == 0 && !interrupt.is_set() {
        EXIT_OK
    } else {
        EXIT_GATE_FAILED
    })
}

/// `junit.xml` and `summary.md` in `--report-dir`; on GitHub Actions, annotations on
/// stdout and the summary appended to `$GITHUB_STEP_SUMMARY`.
fn write_reports(
    a: &GateArgs,
    results: &[StackOutcome],
    cx: &summary::Context<'_>,
) -> Result<(), String> {
    let markdown = summary::render(results, cx);
    if let Some(dir) = &a.report_dir {
        for (name, text) in [
            ("junit.xml", junit::render(results)),
            ("summary.md", markdown.clone()),
        ] {
            let path = dir.join(name);
            std::fs::write(&path, text)
                .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
        }
    }
    if github::enabled() {
        for line in github::annotations(results) {
            println!("{line}");
        }
        if let Some(path) = std::env::var_os("GITHUB_STEP_SUMMARY").filter(|p| !p.is_empty()) {
            // The gate's verdict stands; a step summary that cannot be written is a warning.
            if let Err(e) = github::append_step_summary(Path::new(&path), &markdown) {
                eprintln!("warning: cannot append to GITHUB_STEP_SUMMARY: {e}");
            }
        }
    }
    Ok(())
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

/// Rehearses the stacks on `jobs` threads, each with its own runtime and simulator.
fn rehearse_all(prepared: Vec<Prepared>, jobs: usize, interrupt: &Interrupt) -> Vec<StackOutcome> {
    let n = prepared.len();
    let queue = Mutex::new(prepared.into_iter().enumerate().collect::<VecDeque<_>>());
    let results: Mutex<Vec<Option<StackOutcome>>> = Mutex::new((0..n).map(|_| None).collect());
    std::thread::scope(|scope| {
        for _ in 0..jobs.min(n) {
            scope.spawn(|| loop {
                let next = queue.lock().ok().and_then(|mut q| q.pop_front());
                let Some((i, p)) = next else { break };
                let r = rehearse::rehearse(&p, interrupt);
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
