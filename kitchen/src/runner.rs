//! `galley kitchen run`: runs every test file's runs in order, each file against its own
//! states (one per configuration, as `terraform test`), and destroys them at the end of
//! the file whatever happened. The run is in the ledger from before it creates anything
//! until everything it created is gone. With a [`Setup`], each file's runs start from
//! the state of another configuration applied first (the gate's base revision).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use engine::config::{Config, ProviderBlock};
use engine::diag::{Diagnostic, Diagnostics, SourceMap, Span};
use engine::plan::{Plan, Summary};
use engine::provider::ProviderFactory;
use engine::state::{LocalBackend, State};
use engine::upgrade::Upgrade;
use engine::value::Value;
use engine::walk::{JournalSink, Options, Walk, WalkMode};

use crate::file::{Command, ExpectedFailure, Run, TestFile};
use crate::ledger::{Entry, Ledger, Leftover, StateRecord, Status};
use crate::scope::{RunValues, TestScope};
use crate::signal::Interrupt;
use crate::tagging::Tagging;
use crate::teardown::{self, Teardown};

/// How a run ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// Every assertion held and every expected failure happened.
    Pass,
    /// An assertion failed or an expected failure did not happen.
    Fail,
    /// Planning or applying failed; the file's later runs are skipped.
    Error,
    /// Not run: an earlier run errored or the kitchen was interrupted.
    Skip,
}

impl Outcome {
    /// `pass`, `fail`, `error` or `skip`.
    pub fn as_str(&self) -> &'static str {
        match self {
            Outcome::Pass => "pass",
            Outcome::Fail => "fail",
            Outcome::Error => "error",
            Outcome::Skip => "skip",
        }
    }
}

/// The result of one run block.
#[derive(Debug)]
pub struct RunReport {
    /// The run's name.
    pub name: String,
    /// Where the run block is.
    pub span: Option<Span>,
    /// How it ended.
    pub outcome: Outcome,
    /// Real time taken.
    pub wall: Duration,
    /// Simulated time taken, on the simulator.
    pub simulated: Option<Duration>,
    /// Failed assertions and errors.
    pub diagnostics: Diagnostics,
    /// `plan` or `apply`.
    pub command: Command,
    /// The counts of the run's plan; `None` when it was skipped or planning failed.
    pub plan: Option<Summary>,
    /// The version upgrades its plan holds, with their steps (an apply runs them) and checks.
    pub upgrades: Vec<Upgrade>,
}

/// The result of one test file.
#[derive(Debug)]
pub struct FileReport {
    /// The file.
    pub path: PathBuf,
    /// The [`Setup`] apply before its runs, when there was one; its runs are skipped
    /// when it did not pass.
    pub setup: Option<RunReport>,
    /// Its runs, in order.
    pub runs: Vec<RunReport>,
    /// What its destroy did (nothing when `--keep-on-failure` kept it).
    pub teardown: Teardown,
    /// The environment was kept for inspection.
    pub kept: bool,
}

/// The result of `kitchen run`.
#[derive(Debug)]
pub struct Report {
    /// The run id every object was tagged with.
    pub run_id: String,
    /// Every file's result.
    pub files: Vec<FileReport>,
    /// Problems outside any run (unreadable files, ledger errors).
    pub diagnostics: Diagnostics,
    /// A signal stopped the runs.
    pub interrupted: bool,
}

impl Report {
    /// True when every run passed and nothing was left behind.
    pub fn success(&self) -> bool {
        !self.interrupted
            && !self.diagnostics.has_errors()
            && self.files.iter().all(|f| {
                f.teardown.leftovers.is_empty()
                    && !f.kept
                    && f.runs.iter().all(|r| r.outcome == Outcome::Pass)
            })
    }

    /// True when a [`Setup`] apply failed (its file's runs were then skipped).
    pub fn setup_failed(&self) -> bool {
        self.files
            .iter()
            .any(|f| f.setup.as_ref().is_some_and(|s| s.outcome != Outcome::Pass))
    }

    /// Everything left behind, by file.
    pub fn leftovers(&self) -> Vec<&Leftover> {
        self.files
            .iter()
            .flat_map(|f| f.teardown.leftovers.iter())
            .collect()
    }
}

/// Told about progress as it happens, so the CLI can print a line per run at once.
pub trait Reporter: Send + Sync {
    /// A file is about to run.
    fn file_started(&self, path: &Path);
    /// A run ended.
    fn run_finished(&self, run: &RunReport);
    /// The file's environment is being destroyed.
    fn teardown_started(&self, path: &Path);
    /// Something worth saying (an interruption, a kept environment).
    fn note(&self, message: &str);
}

/// Bakes advance the simulator's clock (against real clouds they wait); progress lines
/// go to the reporter's notes.
struct KitchenHooks<'a> {
    sim: Option<Arc<sim::SimFactory>>,
    reporter: &'a dyn Reporter,
}

impl engine::upgrade::blue_green::Hooks for KitchenHooks<'_> {
    fn wait(&self, d: std::time::Duration) {
        match &self.sim {
            Some(sim) => sim.advance_clock(d),
            None => std::thread::sleep(d),
        }
    }

    fn say(&self, line: &str) {
        self.reporter.note(line);
    }
}

/// How the kitchen runs.
pub struct Settings {
    /// The directory under test (its `.tf` files and test files).
    pub dir: PathBuf,
    /// Provider factories, unwrapped; the kitchen adds the run tag.
    pub factories: Vec<Arc<dyn ProviderFactory>>,
    /// The simulator, for simulated timings (None with `--real`).
    pub sim: Option<Arc<sim::SimFactory>>,
    /// Ran against the configured providers.
    pub real: bool,
    /// Keep the environment of a failed file instead of destroying it.
    pub keep_on_failure: bool,
    /// Set by Ctrl-C or SIGTERM.
    pub interrupt: Interrupt,
}

/// A configuration applied before each file's first run, so that the runs start from
/// its state instead of an empty one. The gate applies the base revision's checkout of
/// a stack this way, then runs the head's test files on top: a version bump is then
/// rehearsed as the upgrade it is.
#[derive(Debug, Clone)]
pub struct Setup {
    /// The configuration to apply. Its state becomes the state of the runs that test
    /// `Settings::dir` (runs without `module { source }`). It gets the file's
    /// `variables` and `provider` blocks; its own variables' defaults fill the rest.
    pub dir: PathBuf,
    /// Its name in reports, e.g. `base (origin/main)`.
    pub name: String,
}

/// The kitchen's directory inside a working directory: `.galley/kitchen`.
pub fn kitchen_dir(dir: &Path) -> PathBuf {
    dir.join(".galley").join("kitchen")
}

/// One state of a file: a configuration and what applying it created.
struct Slot {
    config: Arc<Config>,
    vars: BTreeMap<String, Value>,
    state: State,
    backend: LocalBackend,
}

/// Runs every test file of `settings.dir` in a fresh environment tagged with a new run id.
pub async fn run(settings: &Settings, sources: &SourceMap, reporter: &dyn Reporter) -> Report {
    run_with_setup(settings, None, sources, reporter).await
}

/// As [`run`], applying `setup` (when given) at the start of every file, so each file's
/// runs start from its state; everything is destroyed at the end of the file as usual.
pub async fn run_with_setup(
    settings: &Settings,
    setup: Option<&Setup>,
    sources: &SourceMap,
    reporter: &dyn Reporter,
) -> Report {
    let run_id = crate::runid::new_run_id();
    let mut report = Report {
        run_id: run_id.clone(),
        files: Vec::new(),
        diagnostics: Diagnostics::new(),
        interrupted: false,
    };
    let paths = match crate::file::discover(&settings.dir) {
        Ok(p) => p,
        Err(e) => {
            report.diagnostics.push(Diagnostic::error(format!(
                "Cannot list test files in {}: {e}",
                settings.dir.display()
            )));
            return report;
        }
    };
    let mut files = Vec::new();
    for p in &paths {
        match crate::file::load(p, sources) {
            Ok(f) => files.push(f),
            Err(d) => report.diagnostics.extend(d),
        }
    }
    if report.diagnostics.has_errors() {
        return report;
    }
    if files.is_empty() {
        report
            .diagnostics
            .push(Diagnostic::error("No test files").with_detail(format!(
                "There are no *.kitchen.hcl or *.tftest.hcl files in {} or its tests/ directory.",
                settings.dir.display()
            )));
        return report;
    }
    let kdir = kitchen_dir(&settings.dir);
    let ledger = Ledger::in_dir(&kdir);
    let abs_dir = settings
        .dir
        .canonicalize()
        .unwrap_or_else(|_| settings.dir.clone());
    if let Err(e) = ledger.put(Entry {
        run_id: run_id.clone(),
        started: crate::runid::now_secs(),
        pid: std::process::id(),
        dir: abs_dir,
        real: settings.real,
        status: Status::Running,
        states: Vec::new(),
        leftovers: Vec::new(),
    }) {
        // Without a ledger entry a killed run could not be swept: refuse to start.
        report
            .diagnostics
            .push(Diagnostic::error(format!("Cannot record the run: {e}")));
        return report;
    }
    let run_dir = kdir.join(&run_id);
    let mut k = FileRunner {
        settings,
        setup,
        sources,
        reporter,
        run_id: &run_id,
        run_dir: &run_dir,
        ledger: &ledger,
        factories: settings
            .factories
            .iter()
            .map(|f| Arc::new(Tagging::new(f.clone(), &run_id)) as Arc<dyn ProviderFactory>)
            .collect(),
    };
    for (i, f) in files.iter().enumerate() {
        if settings.interrupt.is_set() {
            break;
        }
        reporter.file_started(&f.path);
        let fr = k.file(f, i).await;
        report.files.push(fr);
    }
    report.interrupted = settings.interrupt.is_set();
    let leftovers: Vec<Leftover> = report.leftovers().into_iter().cloned().collect();
    let kept = report.files.iter().any(|f| f.kept);
    let result = if leftovers.is_empty() && !kept {
        let _ = std::fs::remove_dir_all(&run_dir);
        ledger.remove(&run_id)
    } else {
        ledger.modify(&run_id, |e| {
            e.status = if leftovers.is_empty() {
                Status::Kept
            } else {
                Status::Leftovers
            };
            e.leftovers = leftovers;
        })
    };
    if let Err(e) = result {
        report.diagnostics.push(Diagnostic::error(format!(
            "Cannot update the kitchen ledger: {e}"
        )));
    }
    report
}

struct FileRunner<'a> {
    settings: &'a Settings,
    setup: Option<&'a Setup>,
    sources: &'a SourceMap,
    reporter: &'a dyn Reporter,
    run_id: &'a str,
    run_dir: &'a Path,
    ledger: &'a Ledger,
    factories: Vec<Arc<dyn ProviderFactory>>,
}

impl FileRunner<'_> {
    async fn file(&mut self, f: &TestFile, index: usize) -> FileReport {
        let mut slots: Vec<(PathBuf, Slot)> = Vec::new();
        let mut runs_out: BTreeMap<String, Value> = BTreeMap::new();
        let mut reports = Vec::new();
        let mut stop = false;
        let mut setup_report = None;
        if let Some(setup) = self.setup.filter(|_| !self.settings.interrupt.is_set()) {
            let started = Instant::now();
            let sim_before = self.sim_elapsed();
            let mut info = PlanInfo::default();
            let result = self.setup(f, index, setup, &mut slots, &mut info).await;
            let r = self.report(
                &setup.name,
                None,
                Command::Apply,
                (started, sim_before),
                result,
                info,
            );
            self.reporter.run_finished(&r);
            // The runs were written for the state the setup makes: without it they prove nothing.
            stop = r.outcome != Outcome::Pass;
            setup_report = Some(r);
        }
        for run in &f.runs {
            if stop || self.settings.interrupt.is_set() {
                let r = RunReport {
                    name: run.name.clone(),
                    span: run.span,
                    outcome: Outcome::Skip,
                    wall: Duration::ZERO,
                    simulated: None,
                    diagnostics: Diagnostics::new(),
                    command: run.command,
                    plan: None,
                    upgrades: Vec::new(),
                };
                self.reporter.run_finished(&r);
                reports.push(r);
                continue;
            }
            let started = Instant::now();
            let sim_before = self.sim_elapsed();
            let mut info = PlanInfo::default();
            let result = self
                .run(f, index, run, &mut slots, &mut runs_out, &mut info)
                .await;
            let r = self.report(
                &run.name,
                run.span,
                run.command,
                (started, sim_before),
                result,
                info,
            );
            if r.outcome == Outcome::Error {
                stop = true;
            }
            self.reporter.run_finished(&r);
            reports.push(r);
        }
        let failed = setup_report
            .iter()
            .chain(reports.iter())
            .any(|r| r.outcome != Outcome::Pass);
        let keep = failed && self.settings.keep_on_failure && !slots.is_empty();
        let mut teardown = Teardown::default();
        if keep {
            self.reporter.note(&format!(
                "Kept the environment of {} for inspection (--keep-on-failure); remove it with: galley kitchen sweep",
                engine::diag::display_path(&f.path)
            ));
        } else if !slots.is_empty() {
            self.reporter.teardown_started(&f.path);
            // Reverse order of creation: a later configuration may use what an earlier one made.
            for (_, slot) in slots.into_iter().rev() {
                let t = teardown::destroy(
                    slot.config,
                    self.factories.clone(),
                    slot.vars,
                    slot.state,
                    &slot.backend,
                )
                .await;
                teardown.destroyed += t.destroyed;
                teardown.leftovers.extend(t.leftovers);
                teardown.diagnostics.extend(t.diagnostics);
            }
        }
        FileReport {
            path: f.path.clone(),
            setup: setup_report,
            runs: reports,
            teardown,
            kept: keep,
        }
    }

    /// The simulator's clock, to time runs in simulated time.
    fn sim_elapsed(&self) -> Option<Duration> {
        self.settings.sim.as_ref().map(|s| s.virtual_elapsed())
    }

    /// The report of a run (or of the setup) that started at `started`.
    fn report(
        &self,
        name: &str,
        span: Option<Span>,
        command: Command,
        started: (Instant, Option<Duration>),
        result: Result<Diagnostics, Diagnostics>,
        info: PlanInfo,
    ) -> RunReport {
        let (outcome, diagnostics) = match result {
            Ok(d) if d.has_errors() => (Outcome::Fail, d),
            Ok(d) => (Outcome::Pass, d),
            Err(d) => (Outcome::Error, d),
        };
        RunReport {
            name: name.to_string(),
            span,
            outcome,
            wall: started.0.elapsed(),
            simulated: self
                .settings
                .sim
                .as_ref()
                .zip(started.1)
                .map(|(s, b)| s.virtual_elapsed().saturating_sub(b)),
            diagnostics,
            command,
            plan: info.summary,
            upgrades: info.upgrades,
        }
    }

    /// Applies the [`Setup`] configuration into the state of the runs that test
    /// `settings.dir`. `Err` when it could not be applied.
    async fn setup(
        &mut self,
        f: &TestFile,
        index: usize,
        setup: &Setup,
        slots: &mut Vec<(PathBuf, Slot)>,
        info: &mut PlanInfo,
    ) -> Result<Diagnostics, Diagnostics> {
        let given = crate::vars::given(&f.variables, &[], &BTreeMap::new(), &setup.dir)?;
        let job = Job {
            load_dir: &setup.dir,
            slot_dir: &self.settings.dir.clone(),
            command: Command::Apply,
            given: &given,
        };
        match self.execute(f, index, &job, slots, info).await {
            Ok(_) => Ok(Diagnostics::new()),
            Err(failed) => Err(failed.diags),
        }
    }

    /// Runs one run block. `Ok` holds failed assertions (the run failed) or nothing
    /// (it passed); `Err` means planning or applying failed.
    async fn run(
        &mut self,
        f: &TestFile,
        index: usize,
        run: &Run,
        slots: &mut Vec<(PathBuf, Slot)>,
        runs_out: &mut BTreeMap<String, Value>,
        info: &mut PlanInfo,
    ) -> Result<Diagnostics, Diagnostics> {
        let _faults = crate::faults::arm(self.settings.sim.as_deref(), f, run)?;
        let config_dir = match &run.module_source {
            Some(s) => self.settings.dir.join(s),
            None => self.settings.dir.clone(),
        };
        let given = crate::vars::given(&f.variables, &run.variables, runs_out, &config_dir)?;
        let job = Job {
            load_dir: &config_dir,
            slot_dir: &config_dir,
            command: run.command,
            given: &given,
        };
        let (values, root_vars) = match self.execute(f, index, &job, slots, info).await {
            Ok(v) => v,
            Err(Failed {
                diags,
                config: Some(config),
            }) => return expected(diags, run, &config),
            Err(Failed {
                diags,
                config: None,
            }) => return Err(diags),
        };
        let mut failures = Diagnostics::new();
        if !run.expect_failures.is_empty() {
            for e in &run.expect_failures {
                failures.push(missing_failure(e));
            }
        }
        let scope = TestScope {
            vars: &given_with(&given, &root_vars),
            runs: runs_out,
            values: Some(&values),
            dir: config_dir.clone(),
        };
        for a in &run.asserts {
            if let Some(d) = crate::assert::check(a, &scope, self.sources) {
                failures.push(d);
            }
        }
        runs_out.insert(run.name.clone(), values.run_object());
        Ok(failures)
    }

    /// Plans `job.load_dir`'s configuration against the state of `job.slot_dir`'s (made
    /// on first use) and, for `apply`, applies it. Returns the values assertions see and
    /// the root variables used; fills `info` as soon as there is a plan.
    async fn execute(
        &mut self,
        f: &TestFile,
        index: usize,
        job: &Job<'_>,
        slots: &mut Vec<(PathBuf, Slot)>,
        info: &mut PlanInfo,
    ) -> Result<(RunValues, BTreeMap<String, Value>), Failed> {
        let (mut config, diags) = engine::config::load_config(job.load_dir, self.sources);
        if diags.has_errors() {
            return Err(Failed::plain(diags));
        }
        override_providers(&mut config, &f.providers);
        let root_vars = crate::vars::root_values(&config, job.given).map_err(Failed::plain)?;
        let config = Arc::new(config);
        let slot_index = match slots.iter().position(|(d, _)| d == job.slot_dir) {
            Some(i) => i,
            None => {
                let slot = self
                    .new_slot(index, slots.len(), &config, job.slot_dir, &root_vars)
                    .map_err(Failed::plain)?;
                slots.push((job.slot_dir.to_path_buf(), slot));
                slots.len() - 1
            }
        };
        let slot = &mut slots[slot_index].1;
        // A `blue_green` block shapes the configuration as it does for `galley plan`: the
        // written configuration first, then the moment a migration is at.
        let mut layouts = engine::upgrade::blue_green::layouts(&config, &slot.state)
            .map_err(|d| Failed::checked(d, &config))?;
        if let Some(l) = layouts
            .iter()
            .find(|l| engine::upgrade::blue_green::destroying(&slot.state, &l.key()).is_some())
        {
            // Only an interrupted apply leaves this; a rehearsal does not resume one.
            return Err(Failed::plain(
                Diagnostic::error(format!(
                    "{} stopped while destroying one of its sides",
                    l.named()
                ))
                .into(),
            ));
        }
        let written = Arc::clone(&config);
        let steady = engine::upgrade::blue_green::steady(&layouts);
        let mut plan = self.plan(&written, &steady, slot, &root_vars).await?;
        let abandoned = engine::upgrade::blue_green::advance(&mut layouts, &plan.upgrades);
        let mut config = engine::upgrade::blue_green::derive(&written, &steady);
        if abandoned.is_empty() && engine::upgrade::blue_green::migrating(&layouts) {
            let upgrades = std::mem::take(&mut plan.upgrades);
            plan = self.plan(&written, &layouts, slot, &root_vars).await?;
            plan.upgrades = upgrades;
            config = engine::upgrade::blue_green::derive(&written, &layouts);
        }
        slot.config = config.clone();
        slot.vars = root_vars.clone();
        self.save_vars(&slot.backend, &root_vars);
        info.summary = Some(plan.summary());
        info.upgrades = plan.upgrades.clone();
        let refused = failed_checks(&plan);
        if refused.has_errors() {
            return Err(Failed::checked(refused, &config));
        }
        let values = match job.command {
            // What the plan saw: the state refreshed, as `galley plan` shows it.
            Command::Plan => {
                RunValues::from_plan(plan.prior_state.as_ref().unwrap_or(&slot.state), &plan)
            }
            Command::Apply => {
                // Apply starts from the state the plan saw (refreshed, moves applied), as
                // `galley apply` and Terraform do: an object the plan leaves alone keeps
                // what the refresh read (a server group's `members`), not the last apply's.
                if let Some(prior) = plan.prior_state.take() {
                    slot.state = prior;
                }
                let sink = JournalSink::new(LocalBackend::new(slot.backend.path().to_path_buf()));
                if engine::upgrade::blue_green::migrating(&layouts) {
                    // Progress is in state before anything is created, as `galley apply` does.
                    for (i, l) in layouts.iter().enumerate() {
                        if l.phase != engine::upgrade::blue_green::Phase::Steady {
                            let destroying = abandoned.contains(&i).then(|| l.live.other());
                            engine::upgrade::blue_green::record(&mut slot.state, l, destroying);
                        }
                    }
                    if let Err(e) = engine::walk::StateSink::changed(&*sink, &slot.state) {
                        return Err(Failed::plain(
                            Diagnostic::error("Cannot record the blue/green upgrade in state")
                                .with_detail(e)
                                .into(),
                        ));
                    }
                }
                if abandoned.is_empty() {
                    let applied = self
                        .interruptible(async {
                            let walk = Walk::new(
                                config.clone(),
                                self.factories.clone(),
                                root_vars.clone(),
                                slot.state.clone(),
                                Options {
                                    refresh: false,
                                    ..Options::default()
                                },
                                WalkMode::Apply,
                            )?;
                            Ok::<_, Diagnostics>(walk.apply(plan, sink.clone()).await)
                        })
                        .await;
                    match applied {
                        Some(Ok((state, d))) => {
                            slot.state = state;
                            if d.has_errors() {
                                return Err(Failed::checked(d, &config));
                            }
                        }
                        Some(Err(d)) => return Err(Failed::plain(d)),
                        None => {
                            // The walk was dropped mid-way: what completed is in the journal.
                            slot.state =
                                recover(&slot.backend).unwrap_or_else(|| slot.state.clone());
                            return Err(Failed::plain(interrupted()));
                        }
                    }
                }
                if engine::upgrade::blue_green::migrating(&layouts) {
                    self.blue_green(&written, &mut layouts, slot, &root_vars, sink)
                        .await?;
                }
                RunValues::from_state(&slot.state)
            }
        };
        Ok((values, root_vars))
    }

    /// Creates the state of a configuration, and records it in the ledger before
    /// anything is applied to it.
    fn new_slot(
        &self,
        file_index: usize,
        n: usize,
        config: &Arc<Config>,
        config_dir: &Path,
        vars: &BTreeMap<String, Value>,
    ) -> Result<Slot, Diagnostics> {
        let path = self
            .run_dir
            .join(format!("file{file_index}-state{n}.tfstate"));
        if let Err(e) = std::fs::create_dir_all(self.run_dir) {
            return Err(Diagnostic::error(format!(
                "Cannot create {}: {e}",
                self.run_dir.display()
            ))
            .into());
        }
        let backend = LocalBackend::new(path.clone());
        self.save_vars(&backend, vars);
        let record = StateRecord {
            state: path.clone(),
            config_dir: config_dir
                .canonicalize()
                .unwrap_or_else(|_| config_dir.to_path_buf()),
            vars: vars_path(&backend),
        };
        self.ledger
            .modify(self.run_id, |e| e.states.push(record))
            .map_err(|e| {
                Diagnostics::from(Diagnostic::error(format!(
                    "Cannot record the run's state: {e}"
                )))
            })?;
        Ok(Slot {
            config: config.clone(),
            vars: vars.clone(),
            state: State::new(),
            backend,
        })
    }

    fn save_vars(&self, backend: &LocalBackend, vars: &BTreeMap<String, Value>) {
        let text = serde_json::to_string_pretty(&crate::vars::to_json(vars)).unwrap_or_default();
        // Best effort: sweep falls back to defaults without them.
        let _ = engine::private_file::write_private(&vars_path(backend), text.as_bytes());
    }

    /// Plans `written` at the moment `layouts` describe, with the upgrade steps.
    async fn plan(
        &self,
        written: &Arc<Config>,
        layouts: &[engine::upgrade::blue_green::Layout],
        slot: &Slot,
        root_vars: &BTreeMap<String, Value>,
    ) -> Result<Plan, Failed> {
        let config = engine::upgrade::blue_green::derive(written, layouts);
        let plan = self
            .interruptible(async {
                let walk = Walk::new(
                    config.clone(),
                    self.factories.clone(),
                    root_vars.clone(),
                    slot.state.clone(),
                    Options::default(),
                    WalkMode::Plan,
                )?;
                walk.plan().await
            })
            .await;
        let mut plan = match plan {
            Some(Ok(p)) => p,
            Some(Err(d)) => return Err(Failed::checked(d, &config)),
            None => return Err(Failed::plain(interrupted())),
        };
        // As `galley plan` does: the steps an apply runs to reach a new version.
        plan.upgrades = engine::upgrade::upgrades(&plan, &config, layouts, today());
        Ok(plan)
    }

    /// Carries migrating blue/green upgrades through, as `galley apply` does: traffic
    /// steps, bakes on the simulator's clock, health gates, the old side's removal.
    async fn blue_green(
        &self,
        written: &Arc<Config>,
        layouts: &mut [engine::upgrade::blue_green::Layout],
        slot: &mut Slot,
        root_vars: &BTreeMap<String, Value>,
        sink: Arc<JournalSink>,
    ) -> Result<(), Failed> {
        let hooks = KitchenHooks {
            sim: self.settings.sim.clone(),
            reporter: self.reporter,
        };
        let executor = engine::upgrade::blue_green::Executor {
            config: written,
            factories: self.factories.clone(),
            vars: root_vars.clone(),
            parallelism: Options::default().parallelism,
            sink,
            hooks: &hooks,
            // The kitchen stops between runs (`interruptible`), not between steps.
            stop: Default::default(),
        };
        let state = slot.state.clone();
        let done = self.interruptible(executor.finish(layouts, state)).await;
        // Teardown destroys with the configuration of where the upgrade stands now.
        slot.config = engine::upgrade::blue_green::derive(written, layouts);
        match done {
            Some(done) => {
                slot.state = done.state;
                if done.diagnostics.has_errors() {
                    return Err(Failed::checked(done.diagnostics, written));
                }
                Ok(())
            }
            None => {
                slot.state = recover(&slot.backend).unwrap_or_else(|| slot.state.clone());
                Err(Failed::plain(interrupted()))
            }
        }
    }

    /// Runs `fut` unless the kitchen is interrupted first; `None` when it was (the
    /// future is dropped at its next await, so no new provider call starts).
    async fn interruptible<T>(&self, fut: impl std::future::Future<Output = T>) -> Option<T> {
        let interrupt = self.settings.interrupt.clone();
        tokio::select! {
            biased;
            _ = interrupt.wait() => None,
            v = fut => Some(v),
        }
    }
}

/// What a run's plan held, kept for its report even when the apply then fails.
#[derive(Default)]
struct PlanInfo {
    summary: Option<Summary>,
    upgrades: Vec<Upgrade>,
}

/// One configuration to plan (and apply) against one state.
struct Job<'p> {
    /// The configuration.
    load_dir: &'p Path,
    /// Whose state it goes on: the configuration's own, or (for a setup) the one the
    /// runs testing this directory use.
    slot_dir: &'p Path,
    command: Command,
    given: &'p BTreeMap<String, Value>,
}

/// Why a configuration was not planned or applied.
struct Failed {
    diags: Diagnostics,
    /// Set when the errors came from the configuration's own checks and may be
    /// `expect_failures` of the run.
    config: Option<Arc<Config>>,
}

impl Failed {
    fn plain(diags: Diagnostics) -> Failed {
        Failed {
            diags,
            config: None,
        }
    }

    fn checked(diags: Diagnostics, config: &Arc<Config>) -> Failed {
        Failed {
            diags,
            config: Some(config.clone()),
        }
    }
}

/// The day upgrades are judged on, as `galley plan` does: `GALLEY_TODAY`, else today (UTC).
fn today() -> chrono::NaiveDate {
    std::env::var("GALLEY_TODAY")
        .ok()
        .and_then(|t| chrono::NaiveDate::parse_from_str(t.trim(), "%Y-%m-%d").ok())
        .unwrap_or_else(|| chrono::Utc::now().date_naive())
}

/// A failed upgrade check stops the run, as it stops `galley apply` (the kitchen has no
/// `--override-check`).
fn failed_checks(plan: &Plan) -> Diagnostics {
    let mut out = Diagnostics::new();
    for u in &plan.upgrades {
        for c in u.failures() {
            out.push(
                Diagnostic::error(format!(
                    "Upgrade check {} failed for {} ({} -> {})",
                    c.name, u.address, u.from, u.to
                ))
                .with_detail(c.message.clone()),
            );
        }
    }
    out
}

/// The variables file saved next to a state.
pub fn vars_path(backend: &LocalBackend) -> PathBuf {
    backend.path().with_extension("vars.json")
}

/// The state as its file and journal hold it, after an interrupted apply.
pub fn recover(backend: &LocalBackend) -> Option<State> {
    let s = backend.load().ok().flatten();
    let _ = backend.take_recovery();
    s
}

/// `var.*` in assertions: the root values, plus given values the configuration does not declare.
fn given_with(
    given: &BTreeMap<String, Value>,
    root: &BTreeMap<String, Value>,
) -> BTreeMap<String, Value> {
    let mut out = given.clone();
    out.extend(root.iter().map(|(k, v)| (k.clone(), v.clone())));
    out
}

/// The test file's provider blocks replace the configuration's of the same name and alias.
fn override_providers(config: &mut Config, blocks: &[ProviderBlock]) {
    for b in blocks {
        let providers = &mut config.module.providers;
        providers.retain(|p| p.reference != b.reference);
        providers.push(b.clone());
    }
}

fn interrupted() -> Diagnostics {
    Diagnostic::error("Interrupted")
        .with_detail("A signal stopped the run; everything it created is being destroyed.")
        .into()
}

fn missing_failure(e: &ExpectedFailure) -> Diagnostic {
    Diagnostic::error("Missing expected failure")
        .with_span(e.span)
        .with_detail(format!(
            "The checkable object, {}, was expected to report an error but did not.",
            e.addr
        ))
}

/// Planning or applying failed with `d`: when every error is one the run expects, the
/// run passes; expected failures that did not happen fail it; other errors are errors.
fn expected(d: Diagnostics, run: &Run, config: &Config) -> Result<Diagnostics, Diagnostics> {
    if run.expect_failures.is_empty() {
        return Err(d);
    }
    let mut matched = vec![false; run.expect_failures.len()];
    let mut unexpected = Diagnostics::new();
    for diag in d.iter().filter(|x| x.is_error()) {
        let hit = run
            .expect_failures
            .iter()
            .position(|e| check_spans(config, &e.addr).contains(&diag.span));
        match hit {
            Some(i) if diag.span.is_some() => matched[i] = true,
            _ => unexpected.push(diag.clone()),
        }
    }
    if !unexpected.is_empty() {
        return Err(unexpected);
    }
    let mut failures = Diagnostics::new();
    for (e, m) in run.expect_failures.iter().zip(matched) {
        if !m {
            failures.push(missing_failure(e));
        }
    }
    Ok(failures)
}

/// The condition spans of the custom conditions of a checkable object: a variable's
/// validations, an output's preconditions, a resource's pre- and postconditions.
fn check_spans(config: &Config, addr: &str) -> Vec<Option<Span>> {
    let m = &config.module;
    let parts: Vec<&str> = addr.split('.').collect();
    let checks: Vec<&engine::config::Check> = match parts.as_slice() {
        ["var", name] => m
            .variables
            .get(*name)
            .map(|v| v.validations.iter().collect())
            .unwrap_or_default(),
        ["output", name] => m
            .outputs
            .get(*name)
            .map(|o| o.preconditions.iter().collect())
            .unwrap_or_default(),
        _ => {
            let (mode, t, n) = match parts.as_slice() {
                ["data", t, n] => (engine::addr::Mode::Data, *t, *n),
                [t, n] => (engine::addr::Mode::Managed, *t, *n),
                _ => return Vec::new(),
            };
            let r = engine::addr::Resource {
                mode,
                type_name: t.to_string(),
                name: n.to_string(),
            };
            m.resources
                .get(&r)
                .map(|rb| {
                    rb.lifecycle
                        .preconditions
                        .iter()
                        .chain(rb.lifecycle.postconditions.iter())
                        .collect()
                })
                .unwrap_or_default()
        }
    };
    checks.iter().map(|c| c.condition.span()).collect()
}
