//! The kill test: galley dies as `kill -9` would at every durable write of an apply — each
//! journal record (and half-way through it), the state file's temporary copy, its rename,
//! the simulated world's journal and the moment the simulated cloud has changed but galley
//! has not recorded it — across create, update, replace (both orders) and destroy. After
//! each kill: the state parses, the next run finishes the job, every object in the
//! simulator's world is in the state exactly once (nothing lost, nothing created twice),
//! and a plan shows no changes.
//!
//! The kill points are galley's own (`GALLEY_CRASH_AT=N`, `engine::crash`): a run first
//! counts the points of a step (`GALLEY_CRASH_AT=count`), then one run is killed at each.

mod common;
use common::{galley, run, text};

use std::collections::{BTreeMap, BTreeSet};
use std::os::unix::process::ExitStatusExt;
use std::path::Path;

use engine::state::{Backend, LocalBackend};

/// The configuration of each step: `{v}` is the VPC's tag, `{cidr}` the subnets' third
/// octet base (a change replaces them), `{trigger}` replaces the `create_before_destroy`
/// resources.
fn config(tag: &str, octet: u32, trigger: &str) -> String {
    format!(
        r#"provider "aws" {{
  region = "eu-west-1"
}}

resource "aws_vpc" "main" {{
  cidr_block = "10.0.0.0/16"
  tags       = {{ Step = "{tag}" }}
}}

resource "aws_subnet" "s" {{
  count      = 5
  vpc_id     = aws_vpc.main.id
  cidr_block = "10.0.${{count.index + {octet}}}.0/24"
  tags       = {{ Step = "{tag}" }}
}}

resource "aws_security_group" "web" {{
  name   = "web"
  vpc_id = aws_vpc.main.id
  tags   = {{ Step = "{tag}" }}
}}

resource "terraform_data" "release" {{
  count            = 3
  input            = "{tag}-${{count.index}}"
  triggers_replace = ["{trigger}"]
  lifecycle {{
    create_before_destroy = true
  }}
}}

output "subnets" {{
  value = aws_subnet.s[*].id
}}
"#
    )
}

/// One step: the configuration it applies and the command that applies it.
struct Step {
    name: &'static str,
    config: String,
    command: &'static str,
}

fn steps() -> Vec<Step> {
    vec![
        Step {
            name: "create",
            config: config("one", 1, "a"),
            command: "apply",
        },
        Step {
            name: "update",
            config: config("two", 1, "a"),
            command: "apply",
        },
        Step {
            name: "replace",
            config: config("two", 11, "b"),
            command: "apply",
        },
        Step {
            name: "destroy",
            config: config("two", 11, "b"),
            command: "destroy",
        },
    ]
}

fn galley_step(dir: &Path, step: &Step) -> std::process::Command {
    let mut c = galley(dir);
    c.args(["--sim", step.command, "-auto-approve"]);
    c
}

/// `(type, id)` of every object the state holds, current and deposed, with how often
/// each appears.
fn state_objects(dir: &Path) -> BTreeMap<(String, String), usize> {
    let state = LocalBackend::in_dir(dir)
        .load()
        .unwrap_or_else(|e| panic!("the state parses after a kill: {e}"))
        .unwrap_or_default();
    let mut out = BTreeMap::new();
    for (addr, r) in &state.resources {
        if addr.resource.mode != engine::addr::Mode::Managed {
            continue;
        }
        for inst in r.instances.values().chain(r.deposed.values()) {
            let id = inst
                .attributes
                .get_attr("id")
                .and_then(|v| v.as_str())
                .unwrap_or("")
                .to_string();
            *out.entry((addr.resource.type_name.clone(), id))
                .or_default() += 1;
        }
    }
    out
}

/// Removes the lock a killed run left (what `galley force-unlock ID` does).
fn unlock(dir: &Path) {
    let b = LocalBackend::in_dir(dir);
    if let Some(info) = b.read_lock().unwrap() {
        b.force_unlock(&info.id).unwrap();
    }
}

/// How many crash points running `step` from `start` passes.
fn count_points(start: &Path, step: &Step) -> u64 {
    let tmp = tempfile::tempdir().unwrap();
    common::copy_tree_all(start, tmp.path());
    std::fs::write(tmp.path().join("main.tf"), &step.config).unwrap();
    let o = galley_step(tmp.path(), step)
        .env("GALLEY_CRASH_AT", "count")
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", text(&o));
    String::from_utf8_lossy(&o.stderr)
        .lines()
        .filter(|l| l.starts_with("galley crash point "))
        .count() as u64
}

/// What one kill showed.
struct Killed {
    /// The point it was killed at (None when the run passed fewer points).
    point: Option<String>,
    /// Objects the recovering run found by token and adopted.
    adopted: usize,
}

/// Kills `step` at point `at`, recovers, and checks the world against the state.
fn kill_and_recover(start: &Path, step: &Step, at: u64) -> Killed {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    common::copy_tree_all(start, dir);
    std::fs::write(dir.join("main.tf"), &step.config).unwrap();
    let o = galley_step(dir, step)
        .env("GALLEY_CRASH_AT", at.to_string())
        .output()
        .unwrap();
    let killed_at = String::from_utf8_lossy(&o.stderr)
        .lines()
        .find_map(|l| l.strip_prefix("galley crash point ").map(str::to_string));
    let context = format!("{} killed at point {at} ({killed_at:?})", step.name);
    match o.status.signal() {
        Some(9) => {}
        None if killed_at.is_none() => {
            assert!(o.status.success(), "{context}: {}", text(&o));
        }
        _ => panic!("{context}: {:?}\n{}", o.status, text(&o)),
    }

    // The state (with its journal) parses.
    state_objects(dir);
    unlock(dir);

    let o = galley_step(dir, step).output().unwrap();
    assert!(
        o.status.success(),
        "{context}: the next run finishes the job\n{}",
        text(&o)
    );
    let adopted = String::from_utf8_lossy(&o.stderr)
        .matches("Recovered ")
        .count();
    let leftovers: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with(".galley.tfstate") && n.ends_with(".tmp"))
        .collect();
    assert!(
        leftovers.is_empty(),
        "{context}: the killed run's temporary copies are removed: {leftovers:?}"
    );

    let in_state = state_objects(dir);
    let twice: Vec<_> = in_state.iter().filter(|(_, n)| **n > 1).collect();
    assert!(twice.is_empty(), "{context}: recorded twice: {twice:?}");
    let in_state: BTreeSet<_> = in_state.into_keys().collect();
    let in_world = common::world_ids(&dir.join(".galley/sim"));
    assert_eq!(
        in_world,
        in_state,
        "{context}: every object in the world is in the state, once\n{}",
        text(&o)
    );
    if step.command == "destroy" {
        assert!(in_world.is_empty(), "{context}: {in_world:?}");
    } else {
        let o = run(dir, &["--sim", "plan", "-detailed-exitcode"]);
        assert_eq!(
            o.status.code(),
            Some(0),
            "{context}: no changes left\n{}",
            text(&o)
        );
    }
    Killed {
        point: killed_at,
        adopted,
    }
}

/// Runs every step up to `upto` without kills, in `dir`.
fn prepare(dir: &Path, upto: usize) {
    for step in steps().iter().take(upto) {
        std::fs::write(dir.join("main.tf"), &step.config).unwrap();
        let o = galley_step(dir, step).output().unwrap();
        assert!(o.status.success(), "{}: {}", step.name, text(&o));
    }
}

/// What killing a step at each of its points showed.
struct Report {
    /// Names of the points killed at.
    names: BTreeSet<String>,
    adopted: usize,
}

/// Kills step `index` at each of its points.
fn kill_everywhere(index: usize) -> Report {
    let start = tempfile::tempdir().unwrap();
    prepare(start.path(), index);
    let step = &steps()[index];
    let points = count_points(start.path(), step);
    // Four steps of at least 50: more than 200 kill points in all.
    assert!(points >= 50, "{}: only {points} crash points", step.name);
    let mut report = Report {
        names: BTreeSet::new(),
        adopted: 0,
    };
    for at in 1..=points {
        let killed = kill_and_recover(start.path(), step, at);
        report.adopted += killed.adopted;
        if let Some(name) = killed.point {
            // "N: name" -> "name"
            let name = name
                .split_once(": ")
                .map_or(name.clone(), |(_, n)| n.to_string());
            report.names.insert(name);
        }
    }
    eprintln!(
        "{}: {points} kill points, {} objects adopted",
        step.name, report.adopted
    );
    report
}

fn assert_covers(names: &BTreeSet<String>, expected: &[&str]) {
    for e in expected {
        assert!(names.contains(*e), "killed at {e}: {names:?}");
    }
}

const WRITES: &[&str] = &[
    "state journal record",
    "simulated world journal",
    "simulated world changed",
    "state file (temporary copy)",
    "state file (before rename)",
    "state file (renamed)",
];

#[test]
fn killed_while_creating() {
    let r = kill_everywhere(0);
    assert_covers(&r.names, WRITES);
    assert!(
        r.adopted > 0,
        "a kill between the cloud's create and galley's record is recovered by adoption"
    );
}

#[test]
fn killed_while_updating() {
    assert_covers(&kill_everywhere(1).names, WRITES);
}

#[test]
fn killed_while_replacing() {
    let r = kill_everywhere(2);
    assert_covers(&r.names, WRITES);
    assert!(r.adopted > 0, "replacements create too");
}

#[test]
fn killed_while_destroying() {
    assert_covers(&kill_everywhere(3).names, WRITES);
}
