//! End to end: `galley kitchen run` on the simulator — passing and failing runs,
//! expect_failures, Terraform's .tftest.hcl files, a provider error half-way and
//! SIGTERM mid-apply all leave the simulated world empty; `kitchen sweep` removes what
//! `--keep-on-failure` kept, from the ledger and by run tag.

mod common;
use common::{galley, text};

use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::time::Duration;

fn run(dir: &Path, args: &[&str]) -> Output {
    galley(dir).args(args).output().expect("galley runs")
}

/// Objects in the kitchen's simulated worlds, as written to disk.
fn world_objects(dir: &Path) -> usize {
    common::world_objects(&dir.join(".galley/kitchen/sim"))
}

/// Runs in the kitchen's ledger.
fn ledger_runs(dir: &Path) -> usize {
    match std::fs::read(dir.join(".galley/kitchen/ledger.json")) {
        Ok(b) => {
            let j: serde_json::Value = serde_json::from_slice(&b).unwrap();
            j["runs"].as_array().map(Vec::len).unwrap_or(0)
        }
        Err(_) => 0,
    }
}

const STACK: &str = r#"
variable "name" {
  type    = string
  default = "web"
  validation {
    condition     = length(var.name) > 2
    error_message = "The name must be longer than two characters."
  }
}

provider "aws" {
  region = "eu-west-1"
}

resource "aws_vpc" "main" {
  cidr_block = "10.0.0.0/16"
  tags       = { Name = var.name }
}

resource "aws_subnet" "a" {
  vpc_id            = aws_vpc.main.id
  cidr_block        = "10.0.1.0/24"
  availability_zone = "eu-west-1a"
}

resource "aws_security_group" "web" {
  name   = var.name
  vpc_id = aws_vpc.main.id
}

resource "terraform_data" "label" {
  input = var.name
}

output "label" {
  value = terraform_data.label.output
}

output "group" {
  value = aws_security_group.web.name
}
"#;

fn stack(tests: &[(&str, &str)]) -> tempfile::TempDir {
    let tmp = tempfile::tempdir().unwrap();
    std::fs::write(tmp.path().join("main.tf"), STACK).unwrap();
    for (name, body) in tests {
        let p = tmp.path().join(name);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, body).unwrap();
    }
    tmp
}

const PASSING: &str = r#"
variables {
  name = "app"
}

run "create" {
  assert {
    condition     = output.label == "app"
    error_message = "the label is the name"
  }
  assert {
    condition     = aws_vpc.main.tags["galley-kitchen-run"] != "" && startswith(output.group, "kt-")
    error_message = "objects carry the run tag and prefix"
  }
}

run "plan_a_rename" {
  command = plan
  variables {
    name = "${run.create.label}-two"
  }
  assert {
    condition     = terraform_data.label.input == "app-two"
    error_message = "planned input"
  }
}
"#;

#[test]
fn a_passing_file_prints_a_line_per_run_and_leaves_nothing() {
    let tmp = stack(&[("stack.kitchen.hcl", PASSING)]);
    let o = run(tmp.path(), &["kitchen", "run"]);
    let out = text(&o);
    assert_eq!(o.status.code(), Some(0), "{out}");
    assert!(out.contains("run \"create\"... pass"), "{out}");
    assert!(out.contains("run \"plan_a_rename\"... pass"), "{out}");
    assert!(out.contains("simulated)"), "{out}");
    assert!(out.contains("Success! 2 passed, 0 failed."), "{out}");
    assert_eq!(world_objects(tmp.path()), 0, "{out}");
    assert_eq!(ledger_runs(tmp.path()), 0);
}

#[test]
fn a_failing_assertion_shows_its_parts_fails_and_still_destroys() {
    let tmp = stack(&[(
        "stack.kitchen.hcl",
        r#"
run "create" {
  assert {
    condition     = output.label == "other"
    error_message = "The label is not the expected one."
  }
}
"#,
    )]);
    let o = run(tmp.path(), &["kitchen", "run"]);
    let out = text(&o);
    assert_eq!(o.status.code(), Some(1), "{out}");
    assert!(out.contains("run \"create\"... fail"), "{out}");
    assert!(out.contains("Test assertion failed"), "{out}");
    assert!(out.contains("stack.kitchen.hcl:4:21"), "{out}");
    assert!(out.contains("output.label is \"web\""), "{out}");
    assert!(out.contains("The label is not the expected one."), "{out}");
    assert!(out.contains("Failure! 0 passed, 1 failed."), "{out}");
    assert_eq!(world_objects(tmp.path()), 0, "{out}");
    assert_eq!(ledger_runs(tmp.path()), 0);
}

#[test]
fn expected_failures_pass_and_missing_ones_fail() {
    let tmp = stack(&[(
        "stack.kitchen.hcl",
        r#"
run "too_short" {
  command = plan
  variables {
    name = "x"
  }
  expect_failures = [var.name]
}

run "long_enough" {
  command = plan
  expect_failures = [var.name]
}
"#,
    )]);
    let o = run(tmp.path(), &["kitchen", "run"]);
    let out = text(&o);
    assert!(out.contains("run \"too_short\"... pass"), "{out}");
    assert!(out.contains("run \"long_enough\"... fail"), "{out}");
    assert!(out.contains("Missing expected failure"), "{out}");
    assert_eq!(o.status.code(), Some(1), "{out}");
}

#[test]
fn terraform_test_files_in_the_tests_directory_run_too() {
    let tmp = stack(&[(
        "tests/main.tftest.hcl",
        r#"
variables {
  name = "tftest"
}

run "apply" {
  assert {
    condition     = terraform_data.label.output == var.name
    error_message = "label"
  }
}
"#,
    )]);
    let o = run(tmp.path(), &["kitchen", "run"]);
    let out = text(&o);
    assert_eq!(o.status.code(), Some(0), "{out}");
    assert!(out.contains("main.tftest.hcl..."), "{out}");
    assert!(out.contains("run \"apply\"... pass"), "{out}");
    assert_eq!(world_objects(tmp.path()), 0, "{out}");
}

#[test]
fn a_provider_error_half_way_skips_the_rest_and_destroys_what_was_made() {
    let tmp = stack(&[(
        "stack.kitchen.hcl",
        r#"
run "create" {}

run "after" {
  assert {
    condition     = true
    error_message = "never checked"
  }
}
"#,
    )]);
    let o = galley(tmp.path())
        .args(["kitchen", "run"])
        .env("GALLEY_SIM_FAULTS", "capacity:aws_security_group:1")
        .output()
        .unwrap();
    let out = text(&o);
    assert_eq!(o.status.code(), Some(1), "{out}");
    assert!(out.contains("run \"create\"... error"), "{out}");
    assert!(out.contains("run \"after\"... skip"), "{out}");
    assert!(out.contains("InsufficientInstanceCapacity"), "{out}");
    assert!(out.contains("tearing down"), "{out}");
    assert_eq!(world_objects(tmp.path()), 0, "{out}");
    assert_eq!(ledger_runs(tmp.path()), 0);
}

#[test]
fn sigterm_mid_apply_still_destroys_everything() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    std::fs::write(
        dir.join("main.tf"),
        r#"
provider "aws" {
  region = "eu-west-1"
}

resource "aws_vpc" "v" {
  count      = 40
  cidr_block = "10.${count.index}.0.0/16"
}
"#,
    )
    .unwrap();
    std::fs::write(dir.join("slow.kitchen.hcl"), "run \"create\" {}\n").unwrap();
    let child = galley(dir)
        .args(["kitchen", "run"])
        .env("GALLEY_SIM_LATENCY_MS", "300")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // Four waves of ten creates take 1.2s: the signal lands in the middle.
    std::thread::sleep(Duration::from_millis(700));
    let killed = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    let o = child.wait_with_output().unwrap();
    let out = text(&o);
    assert_eq!(o.status.code(), Some(1), "{out}");
    assert!(out.contains("Interrupted"), "{out}");
    assert!(out.contains("run \"create\"... error"), "{out}");
    if world_objects(dir) > 0 {
        // Anything the run could not destroy is in the ledger, and sweep removes it.
        let s = run(dir, &["kitchen", "sweep"]);
        assert!(s.status.success(), "{}", text(&s));
    }
    assert_eq!(world_objects(dir), 0, "{out}");
    assert_eq!(ledger_runs(dir), 0, "{out}");
}

const FAILING: &str = r#"
run "create" {
  assert {
    condition     = output.label == "other"
    error_message = "fails on purpose"
  }
}
"#;

#[test]
fn sweep_removes_what_keep_on_failure_kept_and_dry_run_only_lists_it() {
    let tmp = stack(&[("stack.kitchen.hcl", FAILING)]);
    let dir = tmp.path();
    let o = run(dir, &["kitchen", "run", "--keep-on-failure"]);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    assert!(text(&o).contains("Kept the environment"), "{}", text(&o));
    assert_eq!(world_objects(dir), 4);
    assert_eq!(ledger_runs(dir), 1);

    let young = run(dir, &["kitchen", "sweep", "--older-than", "1h"]);
    assert!(young.status.success(), "{}", text(&young));
    assert_eq!(world_objects(dir), 4, "{}", text(&young));

    let dry = run(dir, &["kitchen", "sweep", "--dry-run"]);
    let out = text(&dry);
    assert!(dry.status.success(), "{out}");
    assert!(out.contains("would remove aws_vpc.main"), "{out}");
    assert_eq!(world_objects(dir), 4);
    assert_eq!(ledger_runs(dir), 1);

    let swept = run(dir, &["kitchen", "sweep"]);
    let out = text(&swept);
    assert!(swept.status.success(), "{out}");
    assert!(out.contains("removed aws_vpc.main"), "{out}");
    assert_eq!(world_objects(dir), 0, "{out}");
    assert_eq!(ledger_runs(dir), 0, "{out}");
}

#[test]
fn sweep_finds_tagged_objects_the_ledger_forgot_by_listing_the_world() {
    let tmp = stack(&[("stack.kitchen.hcl", FAILING)]);
    let dir = tmp.path();
    let o = run(dir, &["kitchen", "run", "--keep-on-failure"]);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    std::fs::remove_file(dir.join(".galley/kitchen/ledger.json")).unwrap();

    let dry = run(dir, &["kitchen", "sweep", "--dry-run"]);
    let out = text(&dry);
    assert!(out.contains("would remove aws_vpc vpc-"), "{out}");
    assert!(out.contains("would remove aws_security_group sg-"), "{out}");

    let swept = run(dir, &["kitchen", "sweep"]);
    let out = text(&swept);
    assert!(swept.status.success(), "{out}");
    // terraform_data has no tags: only the ledger could have found it.
    assert_eq!(world_objects(dir), 1, "{out}");
}
