//! What the end-to-end tests share: the `galley` binary run in a directory with an
//! environment that cannot leak into them (no colors, no simulator settings, faults,
//! fixed day or CI variables from the shell that runs the tests).

#![allow(dead_code)] // each test file uses part of it

use std::path::Path;
use std::process::{Command, Output};

/// The day the upgrade tests are judged on (versions' support dates depend on it).
pub const TODAY: &str = "2026-02-01";

/// `galley` in `dir`, in a clean environment.
pub fn galley(dir: &Path) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_galley"));
    c.current_dir(dir).env("NO_COLOR", "1");
    for var in [
        "GALLEY_SIM",
        "GALLEY_SIM_FAULTS",
        "GALLEY_SIM_FAULT_FILE",
        "GALLEY_SIM_LATENCY_MS",
        "GALLEY_LOG",
        "GALLEY_TODAY",
        "GITHUB_ACTIONS",
        "GITHUB_STEP_SUMMARY",
    ] {
        c.env_remove(var);
    }
    c
}

/// Runs `galley ARGS` in `dir`.
pub fn run(dir: &Path, args: &[&str]) -> Output {
    galley(dir).args(args).output().expect("galley runs")
}

/// Runs `galley ARGS` in `dir` on [`TODAY`].
pub fn run_dated(dir: &Path, args: &[&str]) -> Output {
    galley(dir)
        .args(args)
        .env("GALLEY_TODAY", TODAY)
        .output()
        .expect("galley runs")
}

/// Standard output then standard error, for assertions and failure messages.
pub fn text(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}
