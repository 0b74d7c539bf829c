//! Rehearses one affected stack: checks the head (and the base) revision out of git
//! objects, runs the head's test files in a fresh kitchen on its own simulator with the
//! base applied first, falls back to the head alone when the base will not apply, and
//! checks that the simulator's world is empty at the end.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Instant;

use engine::diag::SourceMap;
use engine::provider::ProviderFactory;
use kitchen::gate::{AffectedStack, Snapshot};
use kitchen::{Interrupt, Outcome, Reporter, RunReport};

use super::outcome::{Base, Case, CaseKind, Failure, Paths, StackOutcome};

/// The test file the gate adds to a stack that has none: apply it, then destroy it.
const DEFAULT_TEST: &str = "galley-gate.kitchen.hcl";

/// The two revisions, read once.
pub struct Revisions<'r> {
    /// The repository.
    pub repo: &'r git2::Repository,
    /// The head revision's files.
    pub head: Snapshot,
    /// The base revision's files.
    pub base: Snapshot,
    /// `--base` as given, to name the setup apply.
    pub base_name: String,
}

impl<'r> Revisions<'r> {
    /// Reads both revisions' trees.
    pub fn read(repo: &'r git2::Repository, base: &str, head: &str) -> Result<Self, String> {
        let snap = |rev: &str| {
            kitchen::gate::tree(repo, rev)
                .map_err(|e| e.to_string())
                .and_then(|t| Snapshot::of(&t).map_err(|e| e.to_string()))
        };
        Ok(Revisions {
            repo,
            head: snap(head)?,
            base: snap(base)?,
            base_name: base.to_string(),
        })
    }
}

/// A stack checked out and ready to rehearse.
pub struct Prepared {
    /// The stack.
    pub stack: AffectedStack,
    /// Holds a temporary work directory until the rehearsal ends (None with `--work-dir`).
    _temp: Option<tempfile::TempDir>,
    /// The stack's work directory: `head/`, `base/` and `sim/` inside.
    root: PathBuf,
    /// The stack's directory in the head checkout.
    dir: PathBuf,
    /// The stack's directory in the base checkout; None for a new stack.
    base_dir: Option<PathBuf>,
    /// The setup's name in reports: `base (REV)`.
    base_label: String,
}

/// Checks out `st` at head (the stack and the local modules it calls) and, when it
/// existed at base, at base too, under `work_dir/<stack>` or a temporary directory.
pub fn prepare(
    revs: &Revisions<'_>,
    st: &AffectedStack,
    work_dir: Option<&Path>,
) -> Result<Prepared, String> {
    let (temp, root) = match work_dir {
        Some(w) => {
            let root = w.join(slug(&st.path));
            if root.exists() {
                return Err(format!(
                    "--work-dir: {} already exists; remove it or choose another directory",
                    root.display()
                ));
            }
            std::fs::create_dir_all(&root)
                .map_err(|e| format!("cannot create {}: {e}", root.display()))?;
            (None, root)
        }
        None => {
            let t = tempfile::Builder::new()
                .prefix("galley-gate-")
                .tempdir()
                .map_err(|e| format!("cannot create a temporary directory: {e}"))?;
            let root = t.path().to_path_buf();
            (Some(t), root)
        }
    };
    let root = root.canonicalize().unwrap_or(root);
    let head_dir = kitchen::gate::dir_of(&st.path);
    let dirs = kitchen::gate::stack_dirs(revs.repo, &revs.head, &head_dir);
    kitchen::gate::checkout(revs.repo, &revs.head, &dirs, &root.join("head"))
        .map_err(|e| format!("cannot check out {} at head: {e}", st.path))?;
    let dir = root.join("head").join(&head_dir);
    let base_dir = match &st.base_path {
        Some(b) => {
            let b = kitchen::gate::dir_of(b);
            let dirs = kitchen::gate::stack_dirs(revs.repo, &revs.base, &b);
            kitchen::gate::checkout(revs.repo, &revs.base, &dirs, &root.join("base"))
                .map_err(|e| format!("cannot check out {} at base: {e}", st.path))?;
            Some(root.join("base").join(b))
        }
        None => None,
    };
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
        stack: st.clone(),
        _temp: temp,
        root,
        dir,
        base_dir,
        base_label: format!("base ({})", revs.base_name),
    })
}

/// `galley init` for a checked-out stack that calls git modules: fetches them (honouring
/// a committed `.galley.lock.hcl`, refusing a tag that moved) and writes the lock, so the
/// kitchen loads them as `plan` would. Other configuration errors are left to the kitchen,
/// which reports them with their place.
fn install_git_modules(dir: &Path) -> Result<(), String> {
    const INSTALL_ERRORS: &[&str] = &[
        "Failed to install module",
        "Module does not match the lock file",
        "Invalid module lock file",
        "Invalid module version constraint",
        "Conflicting module version constraints",
    ];
    let sources = SourceMap::new();
    let (_, diags, lock) = engine::config::install_modules(dir, &sources, false);
    let mut failed = engine::diag::Diagnostics::new();
    failed.extend(
        diags
            .iter()
            .filter(|d| d.is_error() && INSTALL_ERRORS.contains(&d.summary.as_str()))
            .cloned(),
    );
    if !failed.is_empty() {
        return Err(format!(
            "its git modules could not be installed:\n{}",
            failed.render(&sources)
        ));
    }
    if lock.modules.is_empty() {
        return Ok(());
    }
    lock.write(dir)
        .map_err(|e| format!("cannot write {}: {e}", engine::modules::LOCK_FILE))
}

/// A directory name for a stack path: `stacks/a` is `stacks_a`, the root is `root`.
fn slug(path: &str) -> String {
    match kitchen::gate::dir_of(path).as_str() {
        "" => "root".to_string(),
        d => d.replace('/', "_"),
    }
}

/// Rehearses one prepared stack; prints its output in one piece when done, so stacks
/// rehearsed at once do not interleave.
pub fn rehearse(p: &Prepared, interrupt: &Interrupt) -> StackOutcome {
    let started = Instant::now();
    let options = sim::SimOptions::from_env().unwrap_or_default();
    let sim = Arc::new(sim::SimFactory::new(p.root.join("sim"), options));
    let settings = kitchen::Settings {
        dir: p.dir.clone(),
        factories: vec![sim.clone() as Arc<dyn ProviderFactory>],
        sim: Some(sim.clone()),
        real: false,
        keep_on_failure: false,
        interrupt: interrupt.clone(),
    };
    let sources = SourceMap::new();
    let roots = [p.root.join("head"), p.root.join("base")];
    let paths = Paths {
        sources: &sources,
        roots: Paths::roots_of(&[&roots[0], &roots[1]]),
    };
    let out = Buffer {
        paths: &paths,
        setup: &p.base_label,
        lines: Mutex::new(vec![format!("== {}", p.stack.path)]),
    };
    let mut outcome = StackOutcome {
        path: p.stack.path.clone(),
        role: p.stack.role,
        reasons: p.stack.reasons.iter().map(|r| r.to_string()).collect(),
        base: if p.base_dir.is_some() {
            Base::Applied
        } else {
            Base::New
        },
        cases: Vec::new(),
        leftovers: Vec::new(),
        errors: Vec::new(),
        passed: false,
        wall: started.elapsed(),
    };
    for d in std::iter::once(&p.dir).chain(p.base_dir.as_ref()) {
        if let Err(e) = install_git_modules(d) {
            out.line(format!("  {e}"));
            outcome.errors.push(plain(e));
            out.print();
            return outcome;
        }
    }
    let rt = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            outcome
                .errors
                .push(plain(format!("cannot start a runtime: {e}")));
            out.line(format!("  cannot start a runtime: {e}"));
            out.print();
            return outcome;
        }
    };
    let setup = p.base_dir.as_ref().map(|d| kitchen::runner::Setup {
        dir: d.clone(),
        name: p.base_label.clone(),
    });
    let mut reports = vec![rt.block_on(kitchen::runner::run_with_setup(
        &settings,
        setup.as_ref(),
        &sources,
        &out,
    ))];
    if reports[0].setup_failed() && !interrupt.is_set() {
        // Decision: a base that will not apply is not the change's fault, and blocking
        // on it would block the change that fixes it. Rehearse the head alone, in a new
        // kitchen, and say loudly that the change itself was not rehearsed.
        outcome.base = Base::Failed(base_failures(&reports[0], &paths));
        out.line(
            "  The base revision failed to apply (not this change's fault): rehearsing the head alone."
                .to_string(),
        );
        reports.push(rt.block_on(kitchen::run(&settings, &sources, &out)));
    }
    let fell_back = matches!(outcome.base, Base::Failed(_));
    for (i, r) in reports.iter().enumerate() {
        for f in &r.files {
            let file = paths.repo_path(&f.path.display().to_string());
            if let Some(s) = &f.setup {
                let mut cases = paths.run_cases(&file, CaseKind::Setup, s);
                if fell_back && i == 0 {
                    for c in &mut cases {
                        c.outcome = Outcome::Skip;
                        c.skipped = Some(
                            "the base revision failed to apply (not this change's fault); the head was rehearsed alone"
                                .to_string(),
                        );
                    }
                }
                outcome.cases.extend(cases);
            }
            if fell_back && i == 0 {
                continue; // its runs were skipped; the head-only kitchen ran them
            }
            for run in &f.runs {
                outcome
                    .cases
                    .extend(paths.run_cases(&file, CaseKind::Run, run));
            }
        }
        for d in r
            .diagnostics
            .iter()
            .chain(r.files.iter().flat_map(|f| f.teardown.diagnostics.iter()))
            .filter(|d| d.is_error())
        {
            outcome.errors.push(paths.failure(d));
        }
        out.diagnostics(&r.diagnostics);
        for f in &r.files {
            out.diagnostics(&f.teardown.diagnostics);
        }
        for l in r.leftovers() {
            outcome.leftovers.push(format!(
                "{} (id {})",
                l.addr,
                l.id.as_deref().unwrap_or("unknown")
            ));
        }
    }
    if let Err(e) = sim.flush() {
        outcome
            .errors
            .push(plain(format!("cannot save the simulator's world: {e}")));
    }
    // The proof nothing leaked: the stack's own simulated world is empty.
    match sim.inventory() {
        Ok(objects) => {
            for o in objects {
                if !outcome.leftovers.iter().any(|l| l.contains(&o.id)) {
                    outcome.leftovers.push(format!(
                        "{} {} (in the simulator's world, {} {})",
                        o.type_name, o.id, o.provider, o.region
                    ));
                }
            }
        }
        Err(e) => outcome
            .errors
            .push(plain(format!("cannot list the simulator's world: {e}"))),
    }
    let destroyed: usize = reports
        .iter()
        .flat_map(|r| r.files.iter())
        .map(|f| f.teardown.destroyed)
        .sum();
    outcome
        .cases
        .push(teardown_case(&outcome.leftovers, destroyed));
    for l in &outcome.leftovers {
        out.line(format!("  LEFT BEHIND: {l}"));
    }
    let head = reports.last();
    outcome.passed = !interrupt.is_set()
        && head.is_some_and(|r| r.success())
        && outcome.leftovers.is_empty()
        && outcome.errors.is_empty();
    outcome.wall = started.elapsed();
    out.print();
    outcome
}

/// Why the base's setup apply failed, each reason once.
fn base_failures(r: &kitchen::Report, paths: &Paths<'_>) -> Vec<Failure> {
    let mut out: Vec<Failure> = Vec::new();
    for s in r.files.iter().filter_map(|f| f.setup.as_ref()) {
        for d in s.diagnostics.iter().filter(|d| d.is_error()) {
            let f = paths.failure(d);
            if !out.contains(&f) {
                out.push(f);
            }
        }
    }
    out
}

fn teardown_case(leftovers: &[String], destroyed: usize) -> Case {
    Case {
        kind: CaseKind::Teardown,
        file: String::new(),
        name: format!("teardown: destroy everything ({destroyed} object(s) destroyed)"),
        outcome: if leftovers.is_empty() {
            Outcome::Pass
        } else {
            Outcome::Fail
        },
        wall: std::time::Duration::ZERO,
        simulated: None,
        location: None,
        plan: None,
        upgrades: Vec::new(),
        failures: leftovers
            .iter()
            .map(|l| Failure {
                message: format!("Left behind: {l}"),
                detail: "Remove it with: galley kitchen sweep".to_string(),
                location: None,
            })
            .collect(),
        skipped: None,
    }
}

fn plain(message: String) -> Failure {
    Failure {
        message,
        detail: String::new(),
        location: None,
    }
}

/// Collects a stack's output lines.
struct Buffer<'a> {
    paths: &'a Paths<'a>,
    /// The setup's name, to show it as the setup rather than as a run.
    setup: &'a str,
    lines: Mutex<Vec<String>>,
}

impl Buffer<'_> {
    fn line(&self, s: String) {
        if let Ok(mut l) = self.lines.lock() {
            l.push(s);
        }
    }

    fn diagnostics(&self, d: &engine::diag::Diagnostics) {
        if !d.is_empty() {
            let mut text = d.render(self.paths.sources);
            // Repository paths, not the checkout's.
            for r in &self.paths.roots {
                text = text.replace(r.as_str(), "");
            }
            self.line(indent(&text));
        }
    }

    fn print(&self) {
        let text = self.lines.lock().map(|l| l.join("\n")).unwrap_or_default();
        println!("{text}");
    }
}

fn indent(text: &str) -> String {
    text.trim_end()
        .lines()
        .map(|l| format!("    {l}"))
        .collect::<Vec<_>>()
        .join("\n")
}

impl Reporter for Buffer<'_> {
    fn file_started(&self, path: &Path) {
        self.line(format!(
            "  {}...",
            self.paths.repo_path(&path.display().to_string())
        ));
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
        let plan = r
            .plan
            .map(|p| {
                format!(
                    "  [plan: {} to add, {} to change, {} to destroy]",
                    p.add, p.change, p.destroy
                )
            })
            .unwrap_or_default();
        let what = if r.span.is_none() && r.name == self.setup {
            format!("setup: apply {}", r.name)
        } else {
            format!("run {:?}", r.name)
        };
        self.line(format!(
            "    {what}... {}{timing}{plan}",
            r.outcome.as_str()
        ));
        for u in &r.upgrades {
            self.line(indent(&u.render()));
        }
        self.diagnostics(&r.diagnostics);
    }

    fn teardown_started(&self, path: &Path) {
        self.line(format!(
            "  {}... tearing down",
            self.paths.repo_path(&path.display().to_string())
        ));
    }

    fn note(&self, message: &str) {
        self.line(format!("  {message}"));
    }
}

#[cfg(test)]
mod tests {
    use super::slug;

    #[test]
    fn a_stack_gets_a_flat_work_directory_name() {
        assert_eq!(slug("stacks/a"), "stacks_a");
        assert_eq!(slug("."), "root");
        assert_eq!(slug("net"), "net");
    }
}
