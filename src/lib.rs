//! The galley command line: argument parsing, output and exit codes. Thin: the work is in
//! the `engine` crate.

pub mod cli;
pub mod commands;
pub mod progress;
pub mod session;
pub mod style;
pub mod vars;

use std::ffi::OsString;

use cli::Command;
use session::{Session, EXIT_ERROR, EXIT_OK};

/// Whether `--faults` makes sense for `command`: only the simulator can fail on purpose.
fn faults_allowed(command: &Command, sim: bool) -> Result<(), &'static str> {
    match command {
        Command::Plan(_) | Command::Apply(_) | Command::Destroy(_) if !sim => Err(
            "faults are injected by the simulator; use --sim (or GALLEY_SIM=1), real providers cannot fail on purpose",
        ),
        Command::Kitchen(cli::KitchenCommand::Run(a)) if a.real => Err(
            "faults are injected by the simulator; kitchen run --real uses real providers, which cannot fail on purpose",
        ),
        Command::Plan(_)
        | Command::Apply(_)
        | Command::Destroy(_)
        | Command::Kitchen(_)
        | Command::Gate(_) => Ok(()),
        _ => Err("faults apply to plan, apply, destroy, kitchen and gate only"),
    }
}

/// Runs galley with these arguments (the first is the program name); returns the exit status.
pub fn run(args: Vec<OsString>) -> i32 {
    // `galley gate` documents 2 for every usage error, flags included (1 is a failed gate).
    let gate = args
        .iter()
        .skip(1)
        .find(|a| !a.to_string_lossy().starts_with('-'))
        .is_some_and(|a| a == "gate");
    let cli = match cli::parse(args) {
        Ok(c) => c,
        Err(e) => {
            let code = match (e.use_stderr(), gate) {
                (false, _) => EXIT_OK,
                (true, true) => commands::gate::EXIT_GATE_USAGE,
                (true, false) => EXIT_ERROR,
            };
            let _ = e.print();
            return code;
        }
    };
    let _ = tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::from_env("GALLEY_LOG"))
        .with_writer(std::io::stderr)
        .try_init();
    if let Some(dir) = &cli.chdir {
        if let Err(e) = std::env::set_current_dir(dir) {
            eprintln!("Error: cannot change to directory {}: {e}", dir.display());
            return EXIT_ERROR;
        }
    }
    let s = Session::new(cli.sim);
    if let Some(path) = &cli.faults {
        if let Err(why) = faults_allowed(&cli.command, s.sim) {
            eprintln!("Error: --faults {}: {why}", path.display());
            return EXIT_ERROR;
        }
        if s.use_fault_file(path).is_err() {
            return EXIT_ERROR;
        }
    }
    match &cli.command {
        Command::Init(args) => commands::init::run(&s, args),
        Command::Validate(a) => commands::validate::run(&s, a.json),
        Command::Fmt(a) => commands::fmt::run(a),
        Command::Plan(a) => commands::plan::run(&s, a),
        Command::Apply(a) => commands::apply::run(&s, a, false),
        Command::Import(a) => commands::import::run(&s, a),
        Command::Destroy(a) => commands::apply::run(&s, a, true),
        Command::Graph => commands::graph::run(&s),
        Command::Docs(a) => commands::docs::run(&s, a),
        Command::Output(a) => commands::output::run(&s, a),
        Command::State(c) => commands::state::run(&s, c),
        Command::Upgrade(crate::cli::UpgradeCommand::Check(a)) => commands::upgrade::check(&s, a),
        Command::Upgrade(crate::cli::UpgradeCommand::Plan(a)) => commands::upgrade::plan(&s, a),
        Command::Upgrade(crate::cli::UpgradeCommand::Catalog(a)) => commands::upgrade::catalog(a),
        Command::Kitchen(c) => commands::kitchen::run(&s, c),
        Command::Gate(a) => commands::gate::run(&s, a),
        Command::Workspace(c) => commands::workspace::run(&s, c),
        Command::ForceUnlock { id, force } => commands::state::force_unlock(&s, id, *force),
        Command::Version => {
            println!("galley v{}", env!("CARGO_PKG_VERSION"));
            EXIT_OK
        }
    }
}
