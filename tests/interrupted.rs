//! A killed apply loses nothing: the journal brings back every change that completed,
//! interrupted provider calls are named, what an interrupted create made is found and
//! adopted, and the next apply finishes the job without creating anything twice.
//! (`tests/crash_kill.rs` kills at every durable write; this one kills from outside.)

mod common;
use common::{force_unlock_id, galley, run};

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::Stdio;

const COUNT: usize = 40;

/// Objects in the simulator's worlds, as last written to disk.
fn world_objects(dir: &Path) -> usize {
    common::world_objects(&dir.join(".galley/sim"))
}

fn state_addresses(dir: &Path) -> (Vec<String>, String) {
    let o = run(dir, &["--sim", "state", "list"]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let list = String::from_utf8_lossy(&o.stdout)
        .lines()
        .map(str::to_string)
        .collect();
    (list, String::from_utf8_lossy(&o.stderr).into_owned())
}

#[test]
fn an_apply_killed_half_way_resumes_without_losing_or_duplicating_resources() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    std::fs::write(
        dir.join("main.tf"),
        format!(
            r#"provider "aws" {{
  region = "eu-west-1"
}}

resource "aws_vpc" "v" {{
  count      = {COUNT}
  cidr_block = "10.${{count.index}}.0.0/16"
}}
"#
        ),
    )
    .unwrap();

    // Slow provider calls, two at a time: the kill lands in the middle of the apply.
    let mut child = galley(dir)
        .args(["--sim", "apply", "-auto-approve", "-parallelism=2"])
        .env("GALLEY_SIM_LATENCY_MS", "100")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let stderr = BufReader::new(child.stderr.take().unwrap());
    let mut completed = 0;
    for line in stderr.lines() {
        if line.unwrap().contains("Creation complete") {
            completed += 1;
            if completed == 8 {
                break;
            }
        }
    }
    child.kill().unwrap();
    child.wait().unwrap();
    assert_eq!(completed, 8, "the apply was still running when killed");
    assert!(
        dir.join("galley.tfstate.journal").exists(),
        "changes since the last full write are in the journal"
    );

    let (recovered, warnings) = state_addresses(dir);
    assert!(
        recovered.len() >= completed,
        "every completed create is in the state: {recovered:?}"
    );
    assert!(recovered.len() < COUNT, "{recovered:?}");
    assert!(
        warnings.contains("the last apply was interrupted; recovered"),
        "{warnings}"
    );

    // The killed run's lock is left behind, named as stale; the user removes it as told.
    let o = run(dir, &["--sim", "apply", "-auto-approve"]);
    let err = String::from_utf8_lossy(&o.stderr).into_owned();
    assert!(!o.status.success() && err.contains("looks stale"), "{err}");
    let id = force_unlock_id(&err);
    let o = run(dir, &["force-unlock", &id]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));

    let o = run(dir, &["--sim", "apply", "-auto-approve"]);
    let out = String::from_utf8_lossy(&o.stdout);
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(o.status.success(), "{out}{err}");
    // A create that was in flight at the kill may have happened in the cloud without being
    // recorded: galley finds it by its token and adopts it instead of creating another.
    let in_flight = warnings
        .matches("was stopped while a provider was creating")
        .count();
    let adopted = err.matches("Recovered aws_vpc.v[").count();
    assert!(adopted <= in_flight, "{err}");
    assert!(
        out.contains(&format!("{} added", COUNT - recovered.len() - adopted)),
        "only the rest is created: {out}{err}"
    );
    let (all, _) = state_addresses(dir);
    assert_eq!(all.len(), COUNT);
    assert!(
        !dir.join("galley.tfstate.journal").exists(),
        "folded into the state"
    );
    assert_eq!(
        world_objects(dir),
        COUNT,
        "{COUNT} VPCs in the simulator, as in the state ({in_flight} were in flight at the kill, {adopted} adopted)"
    );
}

#[test]
fn destroy_works_after_an_apply_that_failed_half_way() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    std::fs::write(
        dir.join("main.tf"),
        r#"provider "aws" {
  region = "eu-west-1"
}

resource "aws_vpc" "v" {
  cidr_block = "10.0.0.0/16"
}

resource "aws_subnet" "s" {
  vpc_id     = aws_vpc.v.id
  cidr_block = "10.0.1.0/24"
}

output "subnet" {
  value = aws_subnet.s.id
}
"#,
    )
    .unwrap();
    let o = galley(dir)
        .args(["--sim", "apply", "-auto-approve"])
        .env("GALLEY_SIM_FAULTS", "capacity:aws_subnet:1")
        .output()
        .unwrap();
    assert!(!o.status.success(), "the subnet fails");
    assert_eq!(state_addresses(dir).0, vec!["aws_vpc.v".to_string()]);
    // The output refers to a subnet that was never created: a destroy must not care.
    let o = run(dir, &["--sim", "destroy", "-auto-approve"]);
    assert!(
        o.status.success(),
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    );
    assert!(state_addresses(dir).0.is_empty());
    assert_eq!(world_objects(dir), 0);
}
