//! What every command that reads configuration and state shares: the working directory,
//! the source map, loading config, variables, providers and state, and printing diagnostics.

use std::collections::BTreeMap;
use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use aws::backend::DEFAULT_WORKSPACE;
use engine::config::Config;
use engine::crypt::Encryption;
use engine::diag::{Diagnostics, SourceMap};
use engine::provider::{ProviderFactory, ProviderSchema};
use engine::state::{Backend, LocalBackend, State, StateLock};
use engine::value::Value;
use engine::vars::CliVar;

use crate::cli::PlanFlags;
use crate::vars::Inputs;

/// An error that has already been printed to the user.
#[derive(Debug, Clone, Copy)]
pub struct Reported;

/// Exit status: success.
pub const EXIT_OK: i32 = 0;
/// Exit status: an error was reported.
pub const EXIT_ERROR: i32 = 1;
/// Exit status of `plan -detailed-exitcode` when there are changes.
pub const EXIT_CHANGES: i32 = 2;
/// Exit status of an apply stopped by Ctrl-C or SIGTERM after its running operations
/// finished and the state was saved.
pub const EXIT_INTERRUPTED: i32 = 4;
/// Exit status of an apply aborted by a second interrupt (the journal keeps what completed).
pub const EXIT_ABORTED: i32 = 130;

/// A command's view of the working directory.
pub struct Session {
    /// The working directory (after `-chdir`).
    pub dir: PathBuf,
    /// Every file read.
    pub sources: SourceMap,
    /// Serve aws and openstack from the simulator.
    pub sim: bool,
    /// The simulator, created on first use and shared by every walk of the run.
    simulator: OnceLock<Arc<sim::SimFactory>>,
    /// The `TF_VAR_` environment variables, read once so tests can inject their own.
    pub env: Vec<(String, String)>,
    /// The encryption of state and plan files (`GALLEY_ENCRYPTION_*`), read once; invalid
    /// settings are reported when state or a plan file is first used.
    encryption: Result<Option<Arc<Encryption>>, String>,
}

impl Session {
    /// Opens the working directory.
    pub fn new(sim: bool) -> Session {
        Session {
            dir: PathBuf::from("."),
            sources: SourceMap::new(),
            sim: sim || std::env::var("GALLEY_SIM").is_ok_and(|v| v == "1" || v == "true"),
            simulator: OnceLock::new(),
            env: std::env::vars_os()
                .filter_map(|(k, v)| Some((k.into_string().ok()?, v.into_string().ok()?)))
                .filter(|(k, _)| k.starts_with("TF_VAR_"))
                .collect(),
            encryption: Encryption::from_env(|k| std::env::var(k).ok())
                .map(|e| e.map(Arc::new))
                .map_err(|e| e.to_string()),
        }
    }

    /// How state and plan files are encrypted (`None`: plain text); prints and fails when
    /// the `GALLEY_ENCRYPTION_*` settings are invalid.
    pub fn encryption(&self) -> Result<Option<Arc<Encryption>>, Reported> {
        self.encryption.clone().map_err(|e| {
            eprintln!("Error: {e}");
            Reported
        })
    }

    /// Prints diagnostics to stderr.
    pub fn report(&self, diags: &Diagnostics) {
        if !diags.is_empty() {
            eprint!(
                "{}",
                diags.render_color(&self.sources, crate::style::stderr_color())
            );
        }
    }

    /// Loads the configuration; prints and fails on errors. Modules galley cannot
    /// install (registry, git) are errors: plan and apply need the whole configuration.
    pub fn load_config(&self) -> Result<Config, Reported> {
        self.load_config_with(engine::config::RemoteModules::Error)
    }

    /// Loads the configuration, leaving out modules galley cannot install with a warning;
    /// for commands that only inspect the configuration. Prints and fails on errors.
    pub fn load_config_partial(&self) -> Result<Config, Reported> {
        self.load_config_with(engine::config::RemoteModules::Warn)
    }

    fn load_config_with(&self, remote: engine::config::RemoteModules) -> Result<Config, Reported> {
        let (config, diags) = engine::config::load_config_with(&self.dir, &self.sources, remote);
        self.report(&diags);
        if diags.has_errors() {
            return Err(Reported);
        }
        Ok(config)
    }

    /// The provider factories: every simulated provider (aws, kubernetes, openstack) with
    /// `--sim`; otherwise the real `aws` provider. The built-in `terraform` provider always.
    pub fn factories(&self) -> Vec<Arc<dyn ProviderFactory>> {
        let factory = self.simulator.get_or_init(|| {
            let options = match sim::SimOptions::from_env() {
                Ok(o) => o,
                Err(e) => {
                    eprintln!("warning: {e}; the simulator runs with its defaults instead");
                    sim::SimOptions::default()
                }
            };
            Arc::new(sim::SimFactory::new(
                self.dir.join(".galley").join("sim"),
                options,
            ))
        });
        let names = if self.sim {
            factory.names()
        } else {
            vec!["terraform".to_string()]
        };
        let mut factories: Vec<Arc<dyn ProviderFactory>> = vec![Arc::new(Only {
            inner: factory.clone(),
            names,
        })];
        if !self.sim {
            factories.push(Arc::new(aws::AwsFactory::new()));
        }
        factories
    }

    /// Simulated time that passed on the simulator's virtual clock in this run (how long
    /// the operations would have taken in the real cloud); `None` without a simulator.
    pub fn simulated_elapsed(&self) -> Option<Duration> {
        self.simulator.get().map(|f| f.virtual_elapsed())
    }

    /// Waits `d` (a blue/green bake): with `--sim` the simulator's virtual clock advances
    /// by `d` at once, since nothing real needs the time to pass.
    pub fn wait(&self, d: Duration) {
        match self.simulator.get() {
            Some(f) if self.sim => f.advance_clock(d),
            _ => std::thread::sleep(d),
        }
    }

    /// Writes the simulator's worlds to disk now (durably), so that what apply did to the
    /// simulated cloud is saved as surely as the state is. Reports a failure.
    pub fn flush_simulator(&self) -> Result<(), Reported> {
        let Some(f) = self.simulator.get() else {
            return Ok(());
        };
        f.flush().map_err(|e| {
            eprintln!("Error: could not save the simulator's world: {e}");
            Reported
        })
    }

    /// Checks the fault file of `--faults` (errors at `file:line:column`) and has every
    /// simulator this process creates arm its faults, including those made deep inside
    /// `kitchen` and `gate`: they read it from [`sim::FAULT_FILE_VAR`].
    pub fn use_fault_file(&self, path: &Path) -> Result<(), Reported> {
        let path = std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf());
        if let Err(d) = sim::fault_file::load(&path, &self.sources) {
            self.report(&d);
            return Err(Reported);
        }
        // Set before any thread starts (the runtime is made later), so no reader races it.
        std::env::set_var(sim::FAULT_FILE_VAR, &path);
        Ok(())
    }

    /// Root variable values from every source, converted to their declared types.
    pub fn root_vars(
        &self,
        config: &Config,
        flags: &PlanFlags,
    ) -> Result<BTreeMap<String, Value>, Reported> {
        self.root_vars_from(config, flags.var_options())
    }

    /// Root variable values from every source, with `options` (`-var`, `-var-file`) last.
    pub fn root_vars_from(
        &self,
        config: &Config,
        options: Vec<engine::vars::CliVar>,
    ) -> Result<BTreeMap<String, Value>, Reported> {
        let (values, diags) =
            crate::vars::root_values(self.var_inputs(&options), config, &self.sources);
        self.report(&diags);
        if diags.has_errors() {
            return Err(Reported);
        }
        Ok(values)
    }

    /// Checks variable values given while applying a saved plan against the plan's.
    pub fn check_saved_plan_vars(
        &self,
        config: &Config,
        flags: &PlanFlags,
        planned: &BTreeMap<String, Value>,
    ) -> Result<(), Reported> {
        let options = flags.var_options();
        let diags = crate::vars::check_saved_plan(
            self.var_inputs(&options),
            config,
            planned,
            &self.sources,
        );
        self.report(&diags);
        if diags.has_errors() {
            return Err(Reported);
        }
        Ok(())
    }

    fn var_inputs<'a>(&'a self, options: &'a [CliVar]) -> Inputs<'a> {
        Inputs {
            dir: &self.dir,
            options,
            env: &self.env,
        }
    }

    /// The state backend: a local file at `path` when given (`-state`), else the one the
    /// root module's `backend` block configures, else `galley.tfstate` here, for the
    /// selected workspace. Prints and fails when the block is invalid or unusable.
    pub fn backend(&self, path: Option<&Path>) -> Result<Box<dyn Backend>, Reported> {
        if let Some(p) = path {
            let backend = LocalBackend::new(self.dir.join(p)).with_encryption(self.encryption()?);
            return Ok(Box::new(backend));
        }
        self.backend_of(&self.workspace())
    }

    /// The root module's `backend` block, if any; prints and fails when it is invalid.
    fn backend_block(&self) -> Result<Option<engine::config::BackendBlock>, Reported> {
        let (block, diags) = engine::config::load_backend(&self.dir, &self.sources);
        if diags.has_errors() {
            self.report(&diags);
            return Err(Reported);
        }
        Ok(block)
    }

    /// The state backend of `workspace` as the `backend` block (or its absence) places it.
    pub fn backend_of(&self, workspace: &str) -> Result<Box<dyn Backend>, Reported> {
        let block = self.backend_block()?;
        match block {
            Some(block) if block.kind == "s3" => Ok(Box::new(
                self.s3_backend(&block, workspace)?
                    .with_encryption(self.encryption()?),
            )),
            block => Ok(Box::new(
                LocalBackend::new(self.local_state_path(block.as_ref(), workspace))
                    .with_encryption(self.encryption()?),
            )),
        }
    }

    fn s3_backend(
        &self,
        block: &engine::config::BackendBlock,
        workspace: &str,
    ) -> Result<aws::backend::S3Backend, Reported> {
        let config = aws::backend::S3Config::from_block(block).map_err(|e| {
            self.report(&Diagnostics(vec![engine::diag::Diagnostic::error(
                "Invalid backend configuration",
            )
            .with_span(block.span)
            .with_detail(e.to_string())]));
            Reported
        })?;
        aws::backend::S3Backend::open(config, &self.dir, workspace).map_err(|e| {
            eprintln!("Error: cannot use the S3 backend: {e}");
            Reported
        })
    }

    /// Every workspace: `default` first (it always exists), then the others with a state,
    /// sorted. S3 lists `<workspace_key_prefix>/*/<key>`; local state lists the
    /// directories of `galley.tfstate.d/`.
    pub fn workspaces(&self) -> Result<Vec<String>, Reported> {
        let mut names = match self.backend_block()? {
            Some(block) if block.kind == "s3" => self
                .s3_backend(&block, DEFAULT_WORKSPACE)?
                .workspaces()
                .map_err(|e| {
                    eprintln!("Error: listing the workspaces: {e}");
                    Reported
                })?,
            block => std::fs::read_dir(self.local_workspaces_dir(block.as_ref()))
                .map(|dir| {
                    dir.filter_map(Result::ok)
                        .filter(|e| e.path().is_dir())
                        .filter_map(|e| e.file_name().to_str().map(str::to_string))
                        .collect()
                })
                .unwrap_or_default(),
        };
        names.retain(|n| n != DEFAULT_WORKSPACE);
        names.sort();
        names.insert(0, DEFAULT_WORKSPACE.to_string());
        Ok(names)
    }

    /// Where local state keeps the workspaces other than `default`: the `local` backend's
    /// `workspace_dir`, else `galley.tfstate.d`.
    fn local_workspaces_dir(&self, block: Option<&engine::config::BackendBlock>) -> PathBuf {
        match block.and_then(|b| b.string("workspace_dir")) {
            Some(dir) => self.dir.join(dir),
            None => self
                .dir
                .join(format!("{}.d", engine::state::DEFAULT_STATE_FILE)),
        }
    }

    /// The directory of workspace `name` when state is local and it is not `default`.
    pub fn local_workspace_dir(&self, name: &str) -> Option<PathBuf> {
        let block = self.backend_block().ok()?;
        if name == DEFAULT_WORKSPACE || block.as_ref().is_some_and(|b| b.kind == "s3") {
            return None;
        }
        let dir = self.local_workspaces_dir(block.as_ref()).join(name);
        dir.is_dir().then_some(dir)
    }

    /// The local state file of `workspace`: the `local` backend's `path` (default
    /// `galley.tfstate`) for the default workspace, else `<workspace dir>/<workspace>/galley.tfstate`,
    /// as Terraform.
    fn local_state_path(
        &self,
        block: Option<&engine::config::BackendBlock>,
        workspace: &str,
    ) -> PathBuf {
        if workspace == DEFAULT_WORKSPACE {
            let path = block.and_then(|b| b.string("path"));
            return self
                .dir
                .join(path.as_deref().unwrap_or(engine::state::DEFAULT_STATE_FILE));
        }
        self.local_workspaces_dir(block)
            .join(workspace)
            .join(engine::state::DEFAULT_STATE_FILE)
    }

    /// The selected workspace: `GALLEY_WORKSPACE` or `TF_WORKSPACE`, else the one
    /// `galley workspace select` recorded in `.galley/environment`, else `default`.
    pub fn workspace(&self) -> String {
        ["GALLEY_WORKSPACE", "TF_WORKSPACE"]
            .iter()
            .find_map(|v| std::env::var(v).ok().filter(|w| !w.trim().is_empty()))
            .or_else(|| {
                std::fs::read_to_string(self.environment_file())
                    .ok()
                    .map(|s| s.trim().to_string())
                    .filter(|w| !w.is_empty())
            })
            .unwrap_or_else(|| DEFAULT_WORKSPACE.to_string())
    }

    /// Where the selected workspace is recorded.
    pub fn environment_file(&self) -> PathBuf {
        self.dir.join(".galley").join("environment")
    }

    /// Loads state (empty when there is none); prints and fails when it is unreadable.
    ///
    /// When the last apply was stopped half-way, its journal is replayed and the user is
    /// told what it recovered and which provider calls may or may not have happened.
    pub fn load_state(&self, backend: &dyn Backend) -> Result<State, Reported> {
        let state = match backend.load() {
            Ok(Some(s)) => s,
            Ok(None) => State::new(),
            Err(e) => {
                eprintln!("Error: {e}");
                return Err(Reported);
            }
        };
        if let Some(r) = backend.take_recovery() {
            report_recovery(&r);
        }
        Ok(state)
    }

    /// Takes the state lock, waiting up to `timeout`. A backend without locking (S3
    /// without `use_lockfile` or `dynamodb_table`) is said so on stderr.
    pub fn lock(
        &self,
        backend: &dyn Backend,
        operation: &str,
        timeout: &str,
    ) -> Result<Box<dyn StateLock>, Reported> {
        let timeout = match parse_duration(timeout) {
            Some(t) => t,
            None => {
                eprintln!("Error: invalid -lock-timeout {timeout:?}: expected a duration such as 0s, 30s or 5m");
                return Err(Reported);
            }
        };
        let lock = backend.lock(operation, timeout).map_err(|e| {
            eprintln!("Error: acquiring the state lock: {e}");
            Reported
        })?;
        if !lock.is_held() {
            eprintln!(
                "Warning: the state at {} is not locked: the backend sets neither use_lockfile nor dynamodb_table, so two runs at once can overwrite each other's changes.",
                backend.describe()
            );
        }
        Ok(lock)
    }
}

/// True when stderr is a terminal (progress bars, prompts).
pub fn interactive() -> bool {
    std::io::stdin().is_terminal() && std::io::stderr().is_terminal()
}

/// Parses `90s`, `5m`, `1h`, `250ms` or a bare number of seconds.
pub fn parse_duration(s: &str) -> Option<Duration> {
    let s = s.trim();
    let (num, unit) = s.split_at(
        s.find(|c: char| !c.is_ascii_digit() && c != '.')
            .unwrap_or(s.len()),
    );
    let n: f64 = num.parse().ok()?;
    let secs = match unit {
        "" | "s" => n,
        "ms" => n / 1000.0,
        "m" => n * 60.0,
        "h" => n * 3600.0,
        _ => return None,
    };
    Some(Duration::from_secs_f64(secs))
}

/// A factory restricted to some of its provider names.
struct Only {
    inner: Arc<sim::SimFactory>,
    names: Vec<String>,
}

impl ProviderFactory for Only {
    fn names(&self) -> Vec<String> {
        self.names.clone()
    }
    fn schema(&self, name: &str) -> Option<ProviderSchema> {
        self.names
            .iter()
            .any(|n| n == name)
            .then(|| self.inner.schema(name))
            .flatten()
    }
    fn configure(
        &self,
        cfg: &engine::provider::ProviderConfig,
    ) -> Result<Arc<dyn engine::provider::Provider>, engine::provider::ProviderError> {
        self.inner.configure(cfg)
    }
    fn expected_duration(
        &self,
        name: &str,
        type_name: &str,
        action: engine::plan::Action,
    ) -> Option<Duration> {
        self.inner.expected_duration(name, type_name, action)
    }
}

/// Tells the user what a journal left by an interrupted apply held.
fn report_recovery(r: &engine::state::Recovery) {
    if r.replayed > 0 {
        eprintln!(
            "Warning: the last apply was interrupted; recovered {} change(s) from its journal that the state file did not hold yet.",
            r.replayed
        );
    }
    for intent in &r.interrupted {
        let addr = &intent.address;
        let after = match intent.action.as_str() {
            "create" if intent.token.is_some() => "Before planning, galley asks the provider for the object that create made, by the token it gave it, and adopts what it finds.".to_string(),
            "create" => format!(
                "If {addr} now exists but is not in the state, import it (galley import {addr} ID) or delete it by hand."
            ),
            _ => "The refresh before planning reads the object's real state.".to_string(),
        };
        eprintln!(
            "Warning: the last apply was stopped while a provider was {} {addr}\n\n  It may or may not have happened. {after}",
            match intent.action.as_str() {
                "create" => "creating",
                "update" => "updating",
                "delete" => "deleting",
                _ => "changing",
            }
        );
    }
}
