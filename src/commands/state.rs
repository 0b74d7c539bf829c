//! `galley state list|show|mv|rm` and `force-unlock`.

use engine::addr::{ResourceInstance, Target};

use crate::cli::StateCommand;
use crate::session::{Session, EXIT_ERROR, EXIT_OK};

fn targets(addrs: &[String]) -> Result<Vec<Target>, i32> {
    addrs
        .iter()
        .map(|a| {
            a.parse::<Target>().map_err(|e| {
                eprintln!("Error: {e}");
                EXIT_ERROR
            })
        })
        .collect()
}

/// Runs a `state` subcommand.
pub fn run(s: &Session, cmd: &StateCommand) -> i32 {
    let mut backend = s.backend(None);
    let mutating = matches!(cmd, StateCommand::Mv { .. } | StateCommand::Rm { .. });
    let _guard = if mutating {
        match s.lock(&backend, "state", "0s") {
            Ok(g) => Some(g),
            Err(_) => return EXIT_ERROR,
        }
    } else {
        None
    };
    let Ok(mut state) = s.load_state(&backend) else {
        return EXIT_ERROR;
    };
    match cmd {
        StateCommand::List { addrs } => {
            let Ok(filters) = targets(addrs) else {
                return EXIT_ERROR;
            };
            for a in engine::state::ops::list(&state, &filters) {
                println!("{a}");
            }
            EXIT_OK
        }
        StateCommand::Show { addr } => {
            let addr: ResourceInstance = match addr.parse() {
                Ok(a) => a,
                Err(e) => {
                    eprintln!("Error: {e}");
                    return EXIT_ERROR;
                }
            };
            match engine::state::ops::show(&state, &addr) {
                Some(text) => {
                    print!("{text}");
                    EXIT_OK
                }
                None => {
                    eprintln!("Error: no instance {addr} in state");
                    EXIT_ERROR
                }
            }
        }
        StateCommand::Mv { from, to } => {
            let (Ok(f), Ok(t)) = (from.parse::<Target>(), to.parse::<Target>()) else {
                eprintln!("Error: invalid address (from {from:?}, to {to:?})");
                return EXIT_ERROR;
            };
            match engine::state::ops::mv(&mut state, &f, &t) {
                Ok(moved) => {
                    if let Err(e) = backend.persist(&mut state) {
                        eprintln!("Error: {e}");
                        return EXIT_ERROR;
                    }
                    for (a, b) in moved {
                        println!("Move \"{a}\" to \"{b}\"");
                    }
                    println!("Successfully moved {} object(s).", 1);
                    EXIT_OK
                }
                Err(e) => {
                    eprintln!("Error: {e}");
                    EXIT_ERROR
                }
            }
        }
        StateCommand::Rm { addrs } => {
            let Ok(ts) = targets(addrs) else {
                return EXIT_ERROR;
            };
            match engine::state::ops::rm(&mut state, &ts) {
                Ok(removed) => {
                    if let Err(e) = backend.persist(&mut state) {
                        eprintln!("Error: {e}");
                        return EXIT_ERROR;
                    }
                    for a in &removed {
                        println!("Removed {a}");
                    }
                    println!(
                        "Successfully removed {} resource instance(s).",
                        removed.len()
                    );
                    EXIT_OK
                }
                Err(e) => {
                    eprintln!("Error: {e}");
                    EXIT_ERROR
                }
            }
        }
    }
}

/// Runs `force-unlock ID`.
pub fn force_unlock(s: &Session, id: &str) -> i32 {
    let backend = s.backend(None);
    match engine::state::force_unlock(backend.path(), id) {
        Ok(info) => {
            println!(
                "galley state has been successfully unlocked (lock {} held by pid {} on {}).",
                info.id, info.pid, info.host
            );
            EXIT_OK
        }
        Err(e) => {
            eprintln!("Error: {e}");
            EXIT_ERROR
        }
    }
}
