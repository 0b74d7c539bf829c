//! Command-line arguments (clap). Terraform-style single-dash flags (`-var`, `-out=f`) are
//! accepted by rewriting them to double-dash before parsing.

use std::ffi::OsString;
use std::path::PathBuf;

use clap::{ArgMatches, Args, CommandFactory, FromArgMatches, Parser, Subcommand};
use engine::vars::CliVar;

/// galley: infrastructure as code with a built-in test kitchen.
#[derive(Debug, Parser)]
#[command(name = "galley", version, about, long_about = None)]
pub struct Cli {
    /// Switch to this directory before doing anything.
    #[arg(long = "chdir", global = true, value_name = "DIR")]
    pub chdir: Option<PathBuf>,
    /// Serve every aws and openstack provider from the embedded simulator (also GALLEY_SIM=1).
    #[arg(long, global = true)]
    pub sim: bool,
    /// Arm the simulator's faults from this HCL file (plan, apply, destroy, kitchen, gate;
    /// simulator only). See README, "Faults".
    #[arg(long, global = true, value_name = "FILE")]
    pub faults: Option<PathBuf>,
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Prepare the working directory: fetch git modules and pin them in .galley.lock.hcl.
    Init(InitArgs),
    /// Check the configuration for errors without touching state or providers.
    Validate(JsonFlag),
    /// Rewrite configuration files to the canonical format (as terraform fmt).
    Fmt(FmtArgs),
    /// Show what apply would change.
    Plan(PlanArgs),
    /// Make the changes (from a saved plan, or a fresh one after confirmation).
    Apply(ApplyArgs),
    /// Destroy everything this configuration manages.
    Destroy(ApplyArgs),
    /// Adopt an existing object into state at ADDR (its resource block must exist): read
    /// through the provider by ID, nothing changed.
    Import(ImportArgs),
    /// Print the dependency graph in DOT format.
    Graph,
    /// A module's reference (inputs, outputs, resources) as Markdown, printed or kept in
    /// its README between <!-- BEGIN_GALLEY_DOCS --> and <!-- END_GALLEY_DOCS -->.
    Docs(DocsArgs),
    /// Print root module outputs from state.
    Output(OutputArgs),
    /// Inspect and edit state.
    #[command(subcommand)]
    State(StateCommand),
    /// Version upgrades of EKS, Aurora, MSK and ElastiCache.
    #[command(subcommand)]
    Upgrade(UpgradeCommand),
    /// Rehearse in a throw-away, tagged environment: run the test files, then destroy.
    #[command(subcommand)]
    Kitchen(KitchenCommand),
    /// Pull-request gate: rehearse every stack a change between two revisions affects.
    Gate(GateArgs),
    /// Named states of this configuration (`default` and the ones you create).
    #[command(subcommand)]
    Workspace(WorkspaceCommand),
    /// Remove a lock left behind by a process that died.
    ForceUnlock {
        /// Do not ask for confirmation.
        #[arg(long)]
        force: bool,
        /// The lock id printed in the "state locked" error.
        id: String,
    },
    /// Print the version.
    Version,
}

/// `galley upgrade ...`.
#[derive(Debug, Subcommand)]
pub enum UpgradeCommand {
    /// Every EKS, Aurora, MSK and ElastiCache version against its support calendar.
    Check(UpgradeCheckArgs),
    /// The upgrade part of `galley plan`, alone: steps, checks and cost of each upgrade.
    Plan(UpgradePlanArgs),
    /// Cross-check galley's version catalog against what AWS offers now
    /// (DescribeAddonVersions, ListKafkaVersions, DescribeDBEngineVersions). Exits 2 when
    /// they differ.
    Catalog(UpgradeCatalogArgs),
}

/// `upgrade catalog` flags.
#[derive(Debug, Args)]
pub struct UpgradeCatalogArgs {
    /// The region to ask (default: AWS_REGION or the profile's).
    #[arg(long)]
    pub region: Option<String>,
    /// Judge support on this day (YYYY-MM-DD); default GALLEY_TODAY, else today.
    #[arg(long = "as-of", value_name = "DATE")]
    pub as_of: Option<String>,
    /// Machine-readable output: {"region", "checked", "unchecked", "differences"}.
    #[arg(long)]
    pub json: bool,
}

/// `upgrade plan` flags.
#[derive(Debug, Args)]
pub struct UpgradePlanArgs {
    /// Shared flags.
    #[command(flatten)]
    pub flags: PlanFlags,
    /// Print `{"upgrades": [...]}` as in the `--json` plan.
    #[arg(long)]
    pub json: bool,
}

/// `upgrade check` flags.
#[derive(Debug, Args)]
pub struct UpgradeCheckArgs {
    /// Judge versions on this day (YYYY-MM-DD); default GALLEY_TODAY, else today.
    #[arg(long = "as-of", value_name = "DATE")]
    pub as_of: Option<String>,
    /// Machine-readable output: {"as_of", "items": [...]}.
    #[arg(long)]
    pub json: bool,
    /// Exit 1 when a version is in extended support or worse (`extended`), or past all
    /// support (`unsupported`).
    #[arg(long = "fail-on", value_enum)]
    pub fail_on: Option<FailOn>,
    /// Set a root variable: NAME=VALUE. Repeatable.
    #[arg(long = "var", value_name = "NAME=VALUE")]
    pub vars: Vec<String>,
    /// Read variables from a .tfvars or .tfvars.json file. Repeatable.
    #[arg(long = "var-file", value_name = "FILE")]
    pub var_files: Vec<PathBuf>,
    /// `-var` and `-var-file` in command-line order; filled by [`parse`].
    #[arg(skip)]
    pub var_options: Vec<CliVar>,
}

/// The threshold of `upgrade check --fail-on`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum FailOn {
    /// Extended support or unsupported.
    Extended,
    /// Past all support only.
    Unsupported,
}

/// `init` flags.
#[derive(Debug, Args)]
pub struct InitArgs {
    /// Resolve every git module's ref or version again and move the pins in the lock file.
    #[arg(long)]
    pub upgrade: bool,
}

/// `docs` flags.
#[derive(Debug, Args)]
pub struct DocsArgs {
    /// Write the reference into DIR/README.md between the markers (added at the end when
    /// missing).
    #[arg(long)]
    pub write: bool,
    /// Write nothing; exit 1 when DIR/README.md's reference is out of date.
    #[arg(long, conflicts_with = "write")]
    pub check: bool,
    /// The module's directory (default: the current directory).
    #[arg(default_value = ".")]
    pub dir: PathBuf,
}

/// `-json`.
#[derive(Debug, Args)]
pub struct JsonFlag {
    /// Machine-readable output.
    #[arg(long)]
    pub json: bool,
}

/// `fmt` flags.
#[derive(Debug, Args)]
pub struct FmtArgs {
    /// Exit with status 3 if any file is not formatted; write nothing.
    #[arg(long)]
    pub check: bool,
    /// Print the differences.
    #[arg(long)]
    pub diff: bool,
    /// Also process subdirectories.
    #[arg(long)]
    pub recursive: bool,
    /// Do not list changed files.
    #[arg(long = "list", default_value_t = true, action = clap::ArgAction::Set)]
    pub list: bool,
    /// Files or directories (default: the current directory).
    pub paths: Vec<PathBuf>,
}

/// Flags shared by plan, apply and destroy.
#[derive(Debug, Args, Clone, Default)]
pub struct PlanFlags {
    /// Set a root variable: NAME=VALUE. Repeatable.
    #[arg(long = "var", value_name = "NAME=VALUE")]
    pub vars: Vec<String>,
    /// Read variables from a .tfvars or .tfvars.json file. Repeatable.
    #[arg(long = "var-file", value_name = "FILE")]
    pub var_files: Vec<PathBuf>,
    /// `-var` and `-var-file` interleaved in command-line order (later wins), which
    /// the two lists above lose; filled by [`parse`].
    #[arg(skip)]
    pub var_options: Vec<CliVar>,
    /// Limit the operation to these addresses (and what they depend on).
    #[arg(long = "target", value_name = "ADDR")]
    pub targets: Vec<String>,
    /// Force replacement of this instance.
    #[arg(long = "replace", value_name = "ADDR")]
    pub replace: Vec<String>,
    /// Refresh state from providers first (default true).
    #[arg(long = "refresh", default_value_t = true, action = clap::ArgAction::Set)]
    pub refresh: bool,
    /// Most provider operations at once.
    #[arg(long, default_value_t = 10)]
    pub parallelism: usize,
    /// How long to wait for the state lock, e.g. 10s or 1m.
    #[arg(long = "lock-timeout", default_value = "0s")]
    pub lock_timeout: String,
    /// State file (default: galley.tfstate).
    #[arg(long = "state", value_name = "FILE")]
    pub state: Option<PathBuf>,
    /// Go on despite a failed upgrade check of this name (e.g. removed_apis). Repeatable.
    #[arg(long = "override-check", value_name = "NAME")]
    pub override_checks: Vec<String>,
}

impl PlanFlags {
    /// The `-var` and `-var-file` options in command-line order. Flags built without
    /// [`parse`] have no order recorded: then every `-var` comes before every `-var-file`.
    pub fn var_options(&self) -> Vec<CliVar> {
        if !self.var_options.is_empty() {
            return self.var_options.clone();
        }
        let vars = self.vars.iter().cloned().map(CliVar::Var);
        let files = self.var_files.iter().cloned().map(CliVar::File);
        vars.chain(files).collect()
    }
}

/// `plan` flags.
#[derive(Debug, Args)]
pub struct PlanArgs {
    /// Shared flags.
    #[command(flatten)]
    pub flags: PlanFlags,
    /// Save the plan to this file for `apply FILE`.
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Print the plan as JSON (the documented contract).
    #[arg(long)]
    pub json: bool,
    /// Exit 0 when nothing changes, 2 when something does, 1 on error.
    #[arg(long = "detailed-exitcode")]
    pub detailed_exitcode: bool,
    /// Plan the destruction of everything.
    #[arg(long)]
    pub destroy: bool,
}

/// `apply` / `destroy` flags.
#[derive(Debug, Args)]
pub struct ApplyArgs {
    /// Shared flags.
    #[command(flatten)]
    pub flags: PlanFlags,
    /// Do not ask for confirmation.
    #[arg(long = "auto-approve")]
    pub auto_approve: bool,
    /// A plan saved with `plan -out`.
    pub plan_file: Option<PathBuf>,
}

/// `import` flags.
#[derive(Debug, Args)]
pub struct ImportArgs {
    /// Shared flags (`-var`, `-var-file`, `-state`, `-lock-timeout`).
    #[command(flatten)]
    pub flags: PlanFlags,
    /// The resource instance to import into: `aws_instance.web`, `module.net.aws_vpc.main`,
    /// `aws_subnet.private["a"]`.
    pub addr: String,
    /// The object's id, as the provider names it (`vpc-0abc...`, `cluster:nodegroup`).
    pub id: String,
}

/// `output` flags.
#[derive(Debug, Args)]
pub struct OutputArgs {
    /// JSON output.
    #[arg(long)]
    pub json: bool,
    /// Print a string output without quotes.
    #[arg(long)]
    pub raw: bool,
    /// State file.
    #[arg(long = "state", value_name = "FILE")]
    pub state: Option<PathBuf>,
    /// Only this output.
    pub name: Option<String>,
}

/// `state` subcommands.
#[derive(Debug, Subcommand)]
pub enum StateCommand {
    /// List resource instances in state.
    List {
        /// Only these addresses.
        addrs: Vec<String>,
    },
    /// Show one instance's attributes.
    Show {
        /// The instance.
        addr: String,
    },
    /// Rename a resource, instance or module in state.
    Mv {
        /// Old address.
        from: String,
        /// New address.
        to: String,
    },
    /// Forget instances (the real objects stay).
    Rm {
        /// Addresses.
        #[arg(required = true)]
        addrs: Vec<String>,
    },
    /// Write the state again with GALLEY_ENCRYPTION_KEY: rotate its key (the previous one
    /// in GALLEY_ENCRYPTION_KEY_OLD), encrypt it (GALLEY_ENCRYPTION_FALLBACK=plaintext), or
    /// decrypt it (only GALLEY_ENCRYPTION_KEY_OLD set).
    Rekey,
}

/// `workspace` subcommands, as Terraform's.
#[derive(Debug, Subcommand)]
pub enum WorkspaceCommand {
    /// Print the selected workspace.
    Show,
    /// List the workspaces, marking the selected one with `*`.
    List,
    /// Create a workspace and select it.
    New {
        /// Its name: URL-safe characters, no path separators.
        name: String,
    },
    /// Select a workspace for the commands that follow.
    Select {
        /// Create it when it does not exist.
        #[arg(long = "or-create")]
        or_create: bool,
        /// The workspace.
        name: String,
    },
    /// Delete a workspace's state (refused while it tracks resources, unless -force).
    Delete {
        /// Delete even when its state still tracks resources (they are not destroyed).
        #[arg(long)]
        force: bool,
        /// The workspace.
        name: String,
    },
}

/// `kitchen` subcommands.
#[derive(Debug, Subcommand)]
pub enum KitchenCommand {
    /// Run the *.kitchen.hcl and *.tftest.hcl files of DIR in a fresh environment and destroy it.
    Run(KitchenRunArgs),
    /// Remove what kitchen runs left behind (from the ledger and by run tag).
    Sweep(KitchenSweepArgs),
}

/// `kitchen run` flags.
#[derive(Debug, Args)]
pub struct KitchenRunArgs {
    /// Use the configured providers instead of the simulator.
    #[arg(long)]
    pub real: bool,
    /// Keep the environment of a file whose runs failed, for inspection.
    #[arg(long = "keep-on-failure")]
    pub keep_on_failure: bool,
    /// The configuration under test (default: the current directory).
    pub dir: Option<PathBuf>,
}

/// `gate` flags.
#[derive(Debug, Args)]
pub struct GateArgs {
    /// The revision the change starts from (a branch, tag, commit, `HEAD~1`...).
    #[arg(long)]
    pub base: String,
    /// The revision with the change.
    #[arg(long)]
    pub head: String,
    /// Where to write the reports: junit.xml, summary.md, matrix.json, deleted.json.
    #[arg(long = "report-dir")]
    pub report_dir: Option<PathBuf>,
    /// How many stacks to rehearse at once.
    #[arg(long, default_value_t = 2)]
    pub jobs: usize,
    /// Rehearse only this affected stack (a path from matrix.json).
    #[arg(long)]
    pub stack: Option<String>,
    /// Find the affected stacks and write matrix.json; rehearse nothing.
    #[arg(long = "matrix-only")]
    pub matrix_only: bool,
    /// Keep each stack's checkouts and simulated world under DIR/<stack> instead of a
    /// temporary directory removed at the end (to inspect or archive them).
    #[arg(long = "work-dir", value_name = "DIR")]
    pub work_dir: Option<PathBuf>,
}

/// `kitchen sweep` flags.
#[derive(Debug, Args)]
pub struct KitchenSweepArgs {
    /// Only runs that started at least this long ago, e.g. 30m, 2h or 1d.
    #[arg(long = "older-than", default_value = "0s")]
    pub older_than: String,
    /// List what would be removed; remove nothing.
    #[arg(long = "dry-run")]
    pub dry_run: bool,
    /// The working directory whose .galley/kitchen is swept (default: the current directory).
    pub dir: Option<PathBuf>,
}

/// Parses the command line (the first argument is the program name), accepting
/// Terraform-style single-dash flags.
pub fn parse(args: Vec<OsString>) -> Result<Cli, clap::Error> {
    let matches = Cli::command().try_get_matches_from(normalize(args))?;
    let mut cli = Cli::from_arg_matches(&matches)?;
    if let Some((_, sub)) = matches.subcommand() {
        let flags = match &mut cli.command {
            Command::Plan(a) => Some(&mut a.flags),
            Command::Apply(a) | Command::Destroy(a) => Some(&mut a.flags),
            Command::Import(a) => Some(&mut a.flags),
            _ => None,
        };
        if let Some(flags) = flags {
            flags.var_options = ordered_var_options(sub);
        }
        match (&mut cli.command, sub.subcommand()) {
            (Command::Upgrade(UpgradeCommand::Check(a)), Some((_, m))) => {
                a.var_options = ordered_var_options(m);
            }
            (Command::Upgrade(UpgradeCommand::Plan(a)), Some((_, m))) => {
                a.flags.var_options = ordered_var_options(m);
            }
            _ => {}
        }
    }
    Ok(cli)
}

/// `-var` and `-var-file` values merged by their position on the command line.
fn ordered_var_options(m: &ArgMatches) -> Vec<CliVar> {
    let mut found: Vec<(usize, CliVar)> = Vec::new();
    if let (Some(at), Ok(Some(values))) = (m.indices_of("vars"), m.try_get_many::<String>("vars")) {
        found.extend(at.zip(values.cloned().map(CliVar::Var)));
    }
    if let (Some(at), Ok(Some(values))) = (
        m.indices_of("var_files"),
        m.try_get_many::<PathBuf>("var_files"),
    ) {
        found.extend(at.zip(values.cloned().map(CliVar::File)));
    }
    found.sort_by_key(|(at, _)| *at);
    found.into_iter().map(|(_, v)| v).collect()
}

/// Rewrites `-flag` and `-flag=value` to `--flag...` so Terraform habits work.
pub fn normalize(args: Vec<OsString>) -> Vec<OsString> {
    args.into_iter()
        .enumerate()
        .map(|(i, a)| {
            if i == 0 {
                return a;
            }
            match a.to_str() {
                Some(s) if s.starts_with('-') && !s.starts_with("--") && s.len() > 2 => {
                    OsString::from(format!("-{s}"))
                }
                _ => a,
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn var_options(args: &[&str]) -> Vec<CliVar> {
        let mut all = vec!["galley"];
        all.extend_from_slice(args);
        let cli = parse(all.into_iter().map(OsString::from).collect()).expect("parses");
        match cli.command {
            Command::Plan(a) => a.flags.var_options(),
            Command::Apply(a) | Command::Destroy(a) => a.flags.var_options(),
            other => panic!("unexpected command {other:?}"),
        }
    }

    #[test]
    fn var_and_var_file_keep_command_line_order_in_every_spelling() {
        let want = vec![
            CliVar::File("a.tfvars".into()),
            CliVar::Var("x=1".into()),
            CliVar::File("b.tfvars".into()),
            CliVar::Var("y=2".into()),
        ];
        for cmd in ["plan", "apply", "destroy"] {
            let got = var_options(&[
                cmd,
                "-var-file=a.tfvars",
                "-var",
                "x=1",
                "--var-file",
                "b.tfvars",
                "--var=y=2",
            ]);
            assert_eq!(got, want, "{cmd}");
        }
    }

    #[test]
    fn apply_takes_var_files_and_a_plan_file() {
        let mut all = vec!["galley", "apply", "-var-file", "v.tfvars", "saved.plan"];
        let cli = parse(all.drain(..).map(OsString::from).collect()).expect("parses");
        let Command::Apply(a) = cli.command else {
            panic!("not apply");
        };
        assert_eq!(a.plan_file, Some(PathBuf::from("saved.plan")));
        assert_eq!(a.flags.var_options(), vec![CliVar::File("v.tfvars".into())]);
    }

    #[test]
    fn flags_built_without_parse_put_vars_before_files() {
        let flags = PlanFlags {
            vars: vec!["a=1".into()],
            var_files: vec!["f.tfvars".into()],
            ..PlanFlags::default()
        };
        assert_eq!(
            flags.var_options(),
            vec![CliVar::Var("a=1".into()), CliVar::File("f.tfvars".into())]
        );
    }
}
