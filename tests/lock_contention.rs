//! Two real `galley apply` processes on one state: the second waits for `-lock-timeout`,
//! then fails naming the holder's pid, host and start time; with a longer timeout it waits
//! its turn and finds nothing left to do.

mod common;
use common::{galley, text};

use std::path::Path;
use std::process::{Child, Stdio};
use std::time::{Duration, Instant};

const CONFIG: &str = r#"provider "aws" {
  region = "eu-west-1"
}

resource "aws_vpc" "v" {
  count      = 6
  cidr_block = "10.${count.index}.0.0/16"
}
"#;

/// Starts a slow apply (one call at a time, 300 ms each) and waits until it holds the lock.
fn slow_apply(dir: &Path) -> Child {
    let child = galley(dir)
        .args(["--sim", "apply", "-auto-approve", "-parallelism=1"])
        .env("GALLEY_SIM_LATENCY_MS", "300")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let lock = dir.join("galley.tfstate.lock.json");
    let deadline = Instant::now() + Duration::from_secs(30);
    while !lock.exists() {
        assert!(
            Instant::now() < deadline,
            "the first apply never took the lock"
        );
        std::thread::sleep(Duration::from_millis(10));
    }
    child
}

#[test]
fn a_second_apply_waits_for_the_lock_timeout_then_names_the_holder() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    std::fs::write(dir.join("main.tf"), CONFIG).unwrap();
    let mut first = slow_apply(dir);

    let started = Instant::now();
    let o = galley(dir)
        .args(["--sim", "apply", "-auto-approve", "-lock-timeout=700ms"])
        .output()
        .unwrap();
    let waited = started.elapsed();
    let err = String::from_utf8_lossy(&o.stderr).into_owned();
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    assert!(
        waited >= Duration::from_millis(700),
        "gave up after {waited:?}"
    );
    let host = std::fs::read_to_string("/proc/sys/kernel/hostname").unwrap();
    assert!(
        err.contains(&format!("(pid {} on host {})", first.id(), host.trim())),
        "the holder's pid and host: {err}"
    );
    let since = err
        .split("\"apply\" since ")
        .nth(1)
        .and_then(|s| s.split(';').next())
        .unwrap_or_else(|| panic!("the holder's start time: {err}"));
    assert!(
        chrono::DateTime::parse_from_rfc3339(since).is_ok(),
        "{since}"
    );
    assert!(err.contains("still running"), "{err}");

    let first_status = first.wait().unwrap();
    assert!(first_status.success(), "the holder was not disturbed");
    assert_eq!(common::world_objects(&dir.join(".galley/sim")), 6);
}

#[test]
fn a_second_apply_with_a_longer_timeout_waits_its_turn() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    std::fs::write(dir.join("main.tf"), CONFIG).unwrap();
    let mut first = slow_apply(dir);

    let o = galley(dir)
        .args(["--sim", "apply", "-auto-approve", "-lock-timeout=60s"])
        .output()
        .unwrap();
    assert!(first.wait().unwrap().success());
    let out = text(&o);
    assert!(o.status.success(), "{out}");
    assert!(
        out.contains("No changes") || out.contains("0 added"),
        "the first apply did it all: {out}"
    );
    assert_eq!(
        common::world_objects(&dir.join(".galley/sim")),
        6,
        "nothing created twice"
    );
}
