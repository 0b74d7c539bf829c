//! `galley output`: root outputs from state.

use engine::state::OutputFormat;

use crate::cli::OutputArgs;
use crate::session::{Session, EXIT_ERROR, EXIT_OK};

/// Runs `output`.
pub fn run(s: &Session, args: &OutputArgs) -> i32 {
    let Ok(backend) = s.backend(args.state.as_deref()) else {
        return EXIT_ERROR;
    };
    let Ok(state) = s.load_state(backend.as_ref()) else {
        return EXIT_ERROR;
    };
    match &args.name {
        Some(name) => {
            let format = if args.json {
                OutputFormat::Json
            } else if args.raw {
                OutputFormat::Raw
            } else {
                OutputFormat::Hcl
            };
            match engine::state::ops::output_value(&state, name, format) {
                Ok(text) => {
                    println!("{}", text.trim_end_matches('\n'));
                    EXIT_OK
                }
                Err(e) => {
                    eprintln!("Error: {e}");
                    EXIT_ERROR
                }
            }
        }
        None => {
            if args.json {
                println!("{}", engine::state::ops::outputs_json(&state).trim_end());
            } else {
                print!("{}", engine::state::ops::outputs_text(&state));
            }
            EXIT_OK
        }
    }
}
