//! Crash points: places where the kill tests make galley die as `kill -9` would.
//!
//! Every durable write galley (and the simulator) makes passes a named point: journal
//! records, the state file's temporary copy and its rename, the simulated world's journal
//! and file. With `GALLEY_CRASH_AT=N` the process sends itself SIGKILL at the N-th point it
//! passes (at a write point, after writing half of the bytes: a torn record); with
//! `GALLEY_CRASH_AT=count` it prints `galley crash point N: NAME` to stderr at each one, so
//! a test can learn how many points a run has. Unset — always, outside those tests — a
//! point costs one atomic load.

use std::io::{self, Write};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::OnceLock;

/// The environment variable that arms the crash points.
pub const ENV: &str = "GALLEY_CRASH_AT";

#[derive(Debug, Clone, Copy, PartialEq)]
enum Mode {
    Off,
    Count,
    At(u64),
}

static PASSED: AtomicU64 = AtomicU64::new(0);

fn mode() -> Mode {
    static MODE: OnceLock<Mode> = OnceLock::new();
    *MODE.get_or_init(|| match std::env::var(ENV).ok().as_deref() {
        None | Some("") => Mode::Off,
        Some("count") => Mode::Count,
        Some(n) => n.parse().map(Mode::At).unwrap_or(Mode::Off),
    })
}

/// Passes the point `name`: true when the process must die here.
fn due(name: &str) -> bool {
    match mode() {
        Mode::Off => false,
        Mode::Count => {
            let n = PASSED.fetch_add(1, Ordering::SeqCst) + 1;
            eprintln!("galley crash point {n}: {name}");
            false
        }
        Mode::At(at) => {
            let due = PASSED.fetch_add(1, Ordering::SeqCst) + 1 == at;
            if due {
                eprintln!("galley crash point {at}: {name}");
            }
            due
        }
    }
}

/// A point between two steps (after a rename, before removing a journal).
pub fn point(name: &str) {
    if due(name) {
        die();
    }
}

/// Writes `bytes` to `w`; at the chosen point, writes the first half and dies.
pub fn write_all(name: &str, w: &mut impl Write, bytes: &[u8]) -> io::Result<()> {
    if due(name) {
        w.write_all(&bytes[..bytes.len() / 2])?;
        w.flush()?;
        die();
    }
    w.write_all(bytes)
}

/// Ends the process at once, as SIGKILL does: no destructor runs, nothing is flushed.
fn die() -> ! {
    // SAFETY: kill(2) on our own pid with a valid signal number has no memory effects.
    unsafe {
        libc::kill(libc::getpid(), libc::SIGKILL);
    }
    loop {
        std::thread::park();
    }
}
