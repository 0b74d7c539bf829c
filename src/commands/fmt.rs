//! `galley fmt`: canonical formatting, as `terraform fmt`.

use engine::fmt::FmtOptions;

use crate::cli::FmtArgs;
use crate::session::EXIT_ERROR;

/// Runs `fmt`.
pub fn run(args: &FmtArgs) -> i32 {
    let opts = FmtOptions {
        check: args.check,
        diff: args.diff,
        recursive: args.recursive,
        write: !args.check,
        list: args.list,
    };
    let mut stdout = std::io::stdout();
    match engine::fmt::run(&args.paths, &opts, &mut stdout) {
        Ok(outcome) => {
            for e in &outcome.errors {
                eprintln!("Error: {e}");
            }
            outcome.exit_code(&opts)
        }
        Err(e) => {
            eprintln!("Error: {e}");
            EXIT_ERROR
        }
    }
}
