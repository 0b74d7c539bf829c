//! `galley state list|show|mv|rm|rekey` and `force-unlock`.

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
    let Ok(mut backend) = s.backend(None) else {
        return EXIT_ERROR;
    };
    let mutating = matches!(
        cmd,
        StateCommand::Mv { .. } | StateCommand::Rm { .. } | StateCommand::Rekey
    );
    let _guard = if mutating {
        match s.lock(backend.as_ref(), "state", "0s") {
            Ok(g) => Some(g),
            Err(_) => return EXIT_ERROR,
        }
    } else {
        None
    };
    let Ok(mut state) = s.load_state(backend.as_ref()) else {
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
        StateCommand::Rekey => match engine::state::rekey_loaded(backend.as_mut(), &mut state) {
            Ok(Some(r)) => {
                match r.key_id {
                    Some(id) => println!(
                        "Wrote the state {} encrypted with key {id} (serial {}).",
                        backend.describe(),
                        r.serial
                    ),
                    None => println!(
                        "Wrote the state {} in plain text (serial {}): it is no longer encrypted.",
                        backend.describe(),
                        r.serial
                    ),
                }
                EXIT_OK
            }
            Ok(None) => {
                println!("There is no state at {} to rekey.", backend.describe());
                EXIT_OK
            }
            Err(e) => {
                eprintln!("Error: {e}");
                EXIT_ERROR
            }
        },
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

/// Runs `force-unlock [-force] ID`: without `-force`, asks first when run at a terminal.
pub fn force_unlock(s: &Session, id: &str, force: bool) -> i32 {
    let Ok(backend) = s.backend(None) else {
        return EXIT_ERROR;
    };
    if !force && crate::session::interactive() && !confirm_unlock(&backend.describe()) {
        eprintln!("force-unlock cancelled.");
        return EXIT_ERROR;
    }
    match backend.force_unlock(id) {
        Ok(info) => {
            let holder = match info.pid {
                0 => info.who.clone(),
                pid => format!("pid {pid} on {}", info.host),
            };
            println!(
                "galley state has been successfully unlocked (lock {} held by {holder}, state {}).",
                info.id,
                backend.describe()
            );
            EXIT_OK
        }
        Err(e) => {
            eprintln!("Error: {e}");
            EXIT_ERROR
        }
    }
}

/// Terraform's question before removing a lock by hand.
fn confirm_unlock(location: &str) -> bool {
    use std::io::{BufRead, Write};
    eprint!(
        "Do you really want to force-unlock the state at {location}?\n  galley will remove the lock. This can corrupt the state if another run is still using it.\n  Only 'yes' will be accepted to confirm.\n\n  Enter a value: "
    );
    let _ = std::io::stderr().flush();
    let mut line = String::new();
    let _ = std::io::stdin().lock().read_line(&mut line);
    line.trim() == "yes"
}
