//! Command-line arguments (clap). Terraform-style single-dash flags (`-var`, `-out=f`) are
//! accepted by rewriting them to double-dash before parsing.

use std::ffi::OsString;
use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

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
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Prepare the working directory (check modules, create .galley/).
    Init,
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
    /// Print the dependency graph in DOT format.
    Graph,
    /// Print root module outputs from state.
    Output(OutputArgs),
    /// Inspect and edit state.
    #[command(subcommand)]
    State(StateCommand),
    /// Remove a lock left behind by a process that died.
    ForceUnlock {
        /// The lock id printed in the "state locked" error.
        id: String,
    },
    /// Print the version.
    Version,
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
