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
        "GALLEY_CRASH_AT",
        "GALLEY_ENCRYPTION_KEY",
        "GALLEY_ENCRYPTION_KEY_FILE",
        "GALLEY_ENCRYPTION_KEY_OLD",
        "GALLEY_ENCRYPTION_KEY_OLD_FILE",
        "GALLEY_ENCRYPTION_FALLBACK",
        "GALLEY_LOG",
        "GALLEY_TODAY",
        "GITHUB_ACTIONS",
        "GITHUB_STEP_SUMMARY",
        "GALLEY_WORKSPACE",
        "TF_WORKSPACE",
        // No AWS identity from the shell: tests that want one (moto) set their own.
        "AWS_PROFILE",
        "AWS_ACCESS_KEY_ID",
        "AWS_SECRET_ACCESS_KEY",
        "AWS_SESSION_TOKEN",
        "AWS_WEB_IDENTITY_TOKEN_FILE",
        "AWS_CONTAINER_CREDENTIALS_FULL_URI",
        "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
    ] {
        c.env_remove(var);
    }
    // No instance metadata lookups (they wait for timeouts off EC2), no ~/.aws files.
    c.env("AWS_EC2_METADATA_DISABLED", "true")
        .env("AWS_CONFIG_FILE", "/nonexistent/galley-test/config")
        .env(
            "AWS_SHARED_CREDENTIALS_FILE",
            "/nonexistent/galley-test/credentials",
        );
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

/// The lock id of the `galley force-unlock ID` command an error message names (a stale
/// lock); panics showing `err` when it names none.
pub fn force_unlock_id(err: &str) -> String {
    err.split("galley force-unlock ")
        .nth(1)
        .and_then(|s| s.split('`').next())
        .unwrap_or_else(|| panic!("the message names the force-unlock command: {err}"))
        .to_string()
}

/// Objects in the simulated worlds under `sim_dir` (`.galley/sim`, `.galley/kitchen/sim`),
/// as written to disk; 0 when there is none.
pub fn world_objects(sim_dir: &Path) -> usize {
    world_ids(sim_dir).len()
}

/// `(type, id)` of every object in the simulated worlds under `sim_dir`, as written to disk.
pub fn world_ids(sim_dir: &Path) -> std::collections::BTreeSet<(String, String)> {
    let mut out = std::collections::BTreeSet::new();
    let Ok(entries) = std::fs::read_dir(sim_dir) else {
        return out;
    };
    for e in entries {
        let p = e.unwrap().path();
        if p.extension().is_some_and(|x| x == "json") {
            let j: serde_json::Value = serde_json::from_slice(&std::fs::read(&p).unwrap()).unwrap();
            for (type_name, objs) in j["objects"].as_object().unwrap() {
                for id in objs.as_object().unwrap().keys() {
                    out.insert((type_name.clone(), id.clone()));
                }
            }
        }
    }
    out
}

/// The value of top-level attribute `key` in `galley state show` output (quotes removed);
/// empty when it is not shown.
pub fn shown_attribute(shown: &str, key: &str) -> String {
    shown
        .lines()
        .find_map(|l| {
            let (k, v) = l.trim().split_once('=')?;
            (k.trim() == key).then(|| v.trim().trim_matches('"').to_string())
        })
        .unwrap_or_default()
}

/// Copies the directory tree `from` into `to`, leaving out hidden entries (`.galley/`,
/// `.terraform/`, state a developer's own runs left).
pub fn copy_tree(from: &Path, to: &Path) {
    copy(from, to, false);
}

/// Copies the directory tree `from` into `to`, hidden entries (a simulated world) too.
pub fn copy_tree_all(from: &Path, to: &Path) {
    copy(from, to, true);
}

fn copy(from: &Path, to: &Path, hidden: bool) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        let name = e.file_name();
        if !hidden && name.to_string_lossy().starts_with('.') {
            continue;
        }
        if e.file_type().unwrap().is_dir() {
            copy(&e.path(), &to.join(name), hidden);
        } else {
            std::fs::copy(e.path(), to.join(name)).unwrap();
        }
    }
}

/// Makes `dir` a git repository whose one commit holds every file in it, tagged `tag`.
pub fn commit_and_tag(dir: &Path, tag: &str) {
    use git2::{IndexAddOption, Repository, Signature};
    let repo = Repository::init(dir).unwrap();
    let mut index = repo.index().unwrap();
    index.add_all(["*"], IndexAddOption::DEFAULT, None).unwrap();
    index.write().unwrap();
    let tree = repo.find_tree(index.write_tree().unwrap()).unwrap();
    let sig = Signature::now("test", "test@example.com").unwrap();
    let commit = repo
        .commit(Some("HEAD"), &sig, &sig, "modules", &tree, &[])
        .unwrap();
    repo.tag_lightweight(tag, &repo.find_object(commit, None).unwrap(), false)
        .unwrap();
}
