//! Signals sent to `galley kitchen run` mid-apply (as a CI runner does when a job is
//! cancelled): everything the run created is destroyed or listed in the ledger, and
//! `galley kitchen sweep` then removes what is listed. The simulated world is read with
//! the simulator's own inventory.

mod common;
use common::{galley, text};

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

const SLOW_STACK: &str = r#"
provider "aws" {
  region = "eu-west-1"
}

resource "aws_vpc" "v" {
  count      = 40
  cidr_block = "10.${count.index}.0.0/16"
}
"#;

/// The kitchen's simulated world, as the simulator lists it from disk.
fn world(dir: &Path) -> Vec<sim::WorldObject> {
    sim::SimFactory::new(dir.join(".galley/kitchen/sim"), sim::SimOptions::default())
        .inventory()
        .unwrap()
}

/// The kitchen's ledger (`{"runs": [...]}`), or none.
fn ledger(dir: &Path) -> serde_json::Value {
    match std::fs::read(dir.join(".galley/kitchen/ledger.json")) {
        Ok(b) => serde_json::from_slice(&b).unwrap(),
        Err(_) => serde_json::json!({ "runs": [] }),
    }
}

/// A slow kitchen run of 40 VPCs (four waves of ten creates at 300ms each).
fn start(dir: &Path) -> Child {
    std::fs::write(dir.join("main.tf"), SLOW_STACK).unwrap();
    std::fs::write(dir.join("slow.kitchen.hcl"), "run \"create\" {}\n").unwrap();
    galley(dir)
        .args(["kitchen", "run"])
        .env("GALLEY_SIM_LATENCY_MS", "300")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap()
}

fn signal(child: &Child, name: &str) {
    let sent = Command::new("kill")
        .args([&format!("-{name}"), &child.id().to_string()])
        .status()
        .unwrap();
    assert!(sent.success());
}

/// Waits until the run's state journal records at least one completed create.
fn wait_for_first_create(dir: &Path) {
    for _ in 0..200 {
        let created = std::fs::read_dir(dir.join(".galley/kitchen"))
            .into_iter()
            .flatten()
            .flatten()
            .filter(|e| e.path().is_dir() && e.file_name() != "sim")
            .flat_map(|e| std::fs::read_dir(e.path()).into_iter().flatten().flatten())
            .any(|f| {
                f.path().to_string_lossy().ends_with(".journal")
                    && std::fs::metadata(f.path()).is_ok_and(|m| m.len() > 0)
            });
        if created {
            return;
        }
        std::thread::sleep(Duration::from_millis(25));
    }
    panic!("the kitchen created nothing in 5s");
}

/// Every object left in the world is one the ledger lists for sweep (by id), and the
/// ledger is not empty when the world is not.
fn leftovers_are_listed(dir: &Path) {
    let objects = world(dir);
    if objects.is_empty() {
        return;
    }
    let l = ledger(dir);
    let listed = l.to_string();
    for o in &objects {
        assert!(
            listed.contains(&o.id)
                || l["runs"][0]["states"]
                    .as_array()
                    .is_some_and(|s| !s.is_empty()),
            "{} {} is neither destroyed nor listed: {l}",
            o.type_name,
            o.id
        );
    }
}

fn sweep_empties_the_world(dir: &Path) {
    let s = galley(dir).args(["kitchen", "sweep"]).output().unwrap();
    assert!(s.status.success(), "{}", text(&s));
    assert_eq!(world(dir), Vec::new(), "{}", text(&s));
    assert_eq!(ledger(dir)["runs"], serde_json::json!([]), "{}", text(&s));
}

#[test]
fn sigterm_mid_apply_destroys_what_was_created_and_sweep_has_nothing_left_to_do() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let child = start(dir);
    wait_for_first_create(dir);
    signal(&child, "TERM");
    let o = child.wait_with_output().unwrap();
    let out = text(&o);
    assert_eq!(o.status.code(), Some(1), "{out}");
    assert!(out.contains("Interrupted"), "{out}");
    assert!(out.contains("run \"create\"... error"), "{out}");
    assert!(out.contains("tearing down"), "{out}");
    leftovers_are_listed(dir);
    sweep_empties_the_world(dir);
}

#[test]
fn a_second_sigterm_during_the_teardown_does_not_stop_it() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let mut child = start(dir);
    wait_for_first_create(dir);
    signal(&child, "TERM");
    let stdout = BufReader::new(child.stdout.take().unwrap());
    let mut seen = Vec::new();
    let mut signalled = false;
    // Read to the end: a closed pipe would kill the process on its next line.
    for line in stdout.lines() {
        let line = line.unwrap();
        if line.contains("tearing down") && !signalled {
            // The CI runner's second signal, while the destroy runs.
            signal(&child, "TERM");
            signalled = true;
        }
        seen.push(line);
    }
    assert!(signalled, "{seen:?}");
    let o = child.wait_with_output().unwrap();
    assert_eq!(o.status.code(), Some(1), "{seen:?} {}", text(&o));
    assert_eq!(world(dir), Vec::new(), "{seen:?} {}", text(&o));
    assert_eq!(ledger(dir)["runs"], serde_json::json!([]));
}

#[test]
fn sigkill_mid_apply_leaves_the_run_in_the_ledger_and_sweep_removes_everything_it_made() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let mut child = start(dir);
    wait_for_first_create(dir);
    std::thread::sleep(Duration::from_millis(400));
    // No chance to clean up: only the ledger and the journal remain.
    child.kill().unwrap();
    child.wait().unwrap();
    let objects = world(dir);
    assert!(!objects.is_empty(), "the kill landed after some creates");
    let l = ledger(dir);
    let runs = l["runs"].as_array().unwrap();
    assert_eq!(runs.len(), 1, "{l}");
    assert_eq!(runs[0]["status"], "running", "{l}");
    assert!(!runs[0]["states"].as_array().unwrap().is_empty(), "{l}");

    let dry = galley(dir)
        .args(["kitchen", "sweep", "--dry-run"])
        .output()
        .unwrap();
    let listed = text(&dry);
    assert!(dry.status.success(), "{listed}");
    // By state address from the ledger, or by run tag for a create the kill cut short.
    let would = listed
        .lines()
        .filter(|l| l.starts_with("would remove "))
        .count();
    assert!(
        would >= objects.len(),
        "{} objects: {listed}",
        objects.len()
    );
    sweep_empties_the_world(dir);
}
