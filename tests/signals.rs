//! Ctrl-C or SIGTERM during an apply: galley starts nothing new, lets the running
//! operations finish, saves the state and exits with 4; a second interrupt aborts at once
//! with 130. Either way the next apply finishes the job without creating anything twice.

mod common;
use common::{force_unlock_id, galley, run};

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Stdio};

const COUNT: usize = 30;

fn write_config(dir: &Path) {
    std::fs::write(
        dir.join("main.tf"),
        format!(
            "provider \"aws\" {{\n  region = \"eu-west-1\"\n}}\n\n# VPCs: the simulated latency applies to them (terraform_data is instant, and a\n# second signal could arrive after the first interrupt had already ended the run).\nresource \"aws_vpc\" \"item\" {{\n  count      = {COUNT}\n  cidr_block = \"10.${{count.index}}.0.0/16\"\n}}\n"
        ),
    )
    .unwrap();
}

/// A slow apply, two calls at a time, with its stderr read line by line.
fn slow_apply(dir: &Path) -> (Child, std::io::Lines<BufReader<std::process::ChildStderr>>) {
    let mut child = galley(dir)
        .args(["--sim", "apply", "-auto-approve", "-parallelism=2"])
        .env("GALLEY_SIM_LATENCY_MS", "200")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let lines = BufReader::new(child.stderr.take().unwrap()).lines();
    (child, lines)
}

fn signal(child: &Child, name: &str) {
    let ok = std::process::Command::new("kill")
        .args([format!("-{name}"), child.id().to_string()])
        .status()
        .unwrap()
        .success();
    assert!(ok, "kill -{name}");
}

fn state_count(dir: &Path) -> usize {
    let o = run(dir, &["--sim", "state", "list"]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    String::from_utf8_lossy(&o.stdout).lines().count()
}

/// Objects in the simulator's worlds, as last written to disk.
fn world_objects(dir: &Path) -> usize {
    common::world_objects(&dir.join(".galley/sim"))
}

/// The next apply creates only what is missing, and then nothing is left to do.
fn finish_and_check(dir: &Path, done_before: usize) {
    let o = run(dir, &["--sim", "apply", "-auto-approve"]);
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(
        o.status.success(),
        "{out}{}",
        String::from_utf8_lossy(&o.stderr)
    );
    assert!(
        out.contains(&format!("{} added", COUNT - done_before)),
        "only the rest is created: {out}"
    );
    all_applied(dir);
    assert_eq!(world_objects(dir), COUNT, "nothing was created twice");
}

/// The state holds every instance and a plan has nothing left to do.
fn all_applied(dir: &Path) {
    assert_eq!(state_count(dir), COUNT);
    let o = run(dir, &["--sim", "plan", "-detailed-exitcode"]);
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stdout)
    );
}

#[test]
fn an_interrupt_lets_running_operations_finish_saves_the_state_and_exits_4() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    write_config(dir);
    let (mut child, mut lines) = slow_apply(dir);
    let mut completed = 0;
    for line in lines.by_ref() {
        if line.unwrap().contains("Creation complete") {
            completed += 1;
            if completed == 4 {
                break;
            }
        }
    }
    signal(&child, "INT");
    let rest: Vec<String> = lines.map(|l| l.unwrap()).collect();
    let status = child.wait().unwrap();
    let rest = rest.join("\n");
    assert_eq!(status.code(), Some(4), "{rest}");
    assert!(rest.contains("Interrupt received"), "{rest}");
    assert!(rest.contains("Apply interrupted:"), "{rest}");
    // The calls running at the interrupt finished and were recorded; nothing else started.
    completed += rest.matches("Creation complete").count();
    assert!(completed < COUNT, "the apply ran to its end: {rest}");
    assert_eq!(state_count(dir), completed);
    assert_eq!(
        world_objects(dir),
        completed,
        "every object made is in the state"
    );
    assert!(
        !dir.join("galley.tfstate.lock.json").exists(),
        "the lock is released"
    );
    finish_and_check(dir, completed);
}

#[test]
fn a_second_interrupt_aborts_with_130_and_the_next_apply_carries_on() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    write_config(dir);
    let (mut child, mut lines) = slow_apply(dir);
    for line in lines.by_ref() {
        if line.unwrap().contains("Creation complete") {
            break;
        }
    }
    signal(&child, "TERM");
    for line in lines.by_ref() {
        if line.unwrap().contains("Interrupt received") {
            break;
        }
    }
    signal(&child, "INT");
    let rest: Vec<String> = lines.map(|l| l.unwrap()).collect();
    let status = child.wait().unwrap();
    assert_eq!(status.code(), Some(130), "{}", rest.join("\n"));
    assert!(rest.join("\n").contains("Aborted."), "{}", rest.join("\n"));
    assert!(state_count(dir) < COUNT);
    // Aborted mid-call, the lock may be left behind, named stale: remove it as told.
    let o = run(dir, &["--sim", "apply", "-auto-approve"]);
    if !o.status.success() {
        let err = String::from_utf8_lossy(&o.stderr).into_owned();
        let id = force_unlock_id(&err);
        assert!(run(dir, &["force-unlock", &id]).status.success());
        let o = run(dir, &["--sim", "apply", "-auto-approve"]);
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    }
    all_applied(dir);
}
