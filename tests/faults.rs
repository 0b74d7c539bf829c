//! Faults declared in a file (`--faults`) or in kitchen test files, aimed at one
//! resource, operation and count: the engine's retries survive throttling, a capacity
//! error fails only its resource and the next apply finishes without duplicates, bad
//! fault files are diagnostics at file:line:column.

mod common;
use common::{galley, text, world_objects};

use std::path::Path;
use std::process::Output;

fn run(dir: &Path, args: &[&str]) -> Output {
    galley(dir).args(args).output().expect("galley runs")
}

fn state_list(dir: &Path) -> Vec<String> {
    let o = run(dir, &["--sim", "state", "list"]);
    assert!(o.status.success(), "{}", text(&o));
    String::from_utf8_lossy(&o.stdout)
        .lines()
        .map(str::to_string)
        .collect()
}

const STACK: &str = r#"
provider "aws" {
  region = "eu-west-1"
}

resource "aws_vpc" "v" {
  cidr_block = "10.0.0.0/16"
}

resource "aws_subnet" "a" {
  count      = 2
  vpc_id     = aws_vpc.v.id
  cidr_block = "10.0.${count.index}.0/24"
}

resource "aws_subnet" "b" {
  vpc_id     = aws_vpc.v.id
  cidr_block = "10.0.9.0/24"
}
"#;

fn stack(faults: &str) -> tempfile::TempDir {
    let tmp = tempfile::tempdir().unwrap();
    std::fs::write(tmp.path().join("main.tf"), STACK).unwrap();
    std::fs::write(tmp.path().join("faults.hcl"), faults).unwrap();
    tmp
}

/// Throttled calls the engine saw, as its debug log tells them.
fn throttles_of(o: &Output, addr: &str) -> usize {
    String::from_utf8_lossy(&o.stderr)
        .matches(&format!("Rate exceeded (simulated) for {addr})"))
        .count()
}

#[test]
fn three_throttles_on_one_instance_are_retried_and_the_apply_succeeds() {
    let tmp = stack(
        r#"
fault "throttle" {
  resource = "aws_subnet.a[1]"
  count    = 3
}
"#,
    );
    let o = galley(tmp.path())
        .args(["--sim", "--faults", "faults.hcl", "apply", "-auto-approve"])
        .env("GALLEY_LOG", "engine=debug")
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", text(&o));
    assert_eq!(throttles_of(&o, "aws_subnet.a[1]"), 3, "{}", text(&o));
    assert_eq!(throttles_of(&o, "aws_subnet.a[0]"), 0, "{}", text(&o));
    assert!(text(&o).contains("4 added"), "{}", text(&o));
    assert_eq!(
        state_list(tmp.path()),
        [
            "aws_subnet.a[0]",
            "aws_subnet.a[1]",
            "aws_subnet.b",
            "aws_vpc.v"
        ]
    );
}

#[test]
fn the_engine_gives_up_after_six_throttled_attempts() {
    // MAX_ATTEMPTS in engine/src/walk/resource.rs: five retries, backoff 100ms to 1.6s.
    let tmp = stack("fault \"throttle\" {\n  resource = \"aws_subnet.b\"\n  count = 6\n}\n");
    let o = run(
        tmp.path(),
        &["--sim", "--faults", "faults.hcl", "apply", "-auto-approve"],
    );
    assert!(!o.status.success(), "{}", text(&o));
    assert!(
        text(&o).contains("Rate exceeded (simulated) for aws_subnet.b"),
        "{}",
        text(&o)
    );
    assert!(state_list(tmp.path()).contains(&"aws_subnet.a[1]".to_string()));
}

#[test]
fn a_capacity_error_on_create_fails_that_resource_only_and_the_next_apply_finishes() {
    let tmp = stack(
        r#"
fault "capacity" {
  resource  = "aws_subnet.b"
  operation = "create"
}
"#,
    );
    let dir = tmp.path();
    let o = run(
        dir,
        &["--sim", "--faults", "faults.hcl", "apply", "-auto-approve"],
    );
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    let out = text(&o);
    assert!(out.contains("InsufficientInstanceCapacity"), "{out}");
    assert!(out.contains("aws_subnet.b"), "{out}");
    assert_eq!(
        state_list(dir),
        ["aws_subnet.a[0]", "aws_subnet.a[1]", "aws_vpc.v"]
    );
    let o = run(dir, &["--sim", "apply", "-auto-approve"]);
    assert!(o.status.success(), "{}", text(&o));
    assert!(text(&o).contains("1 added"), "{}", text(&o));
    assert_eq!(world_objects(&dir.join(".galley/sim")), 4, "no duplicate");
    assert_eq!(
        state_list(dir),
        [
            "aws_subnet.a[0]",
            "aws_subnet.a[1]",
            "aws_subnet.b",
            "aws_vpc.v"
        ]
    );
}

#[test]
fn a_fault_on_another_operation_lets_the_create_through() {
    let tmp = stack("");
    let o = galley(tmp.path())
        .args(["--sim", "apply", "-auto-approve"])
        .env("GALLEY_SIM_FAULTS", "capacity:aws_subnet.b:1:delete")
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", text(&o));
    let o = galley(tmp.path())
        .args(["--sim", "destroy", "-auto-approve"])
        .env("GALLEY_SIM_FAULTS", "capacity:aws_subnet.b:1:delete")
        .output()
        .unwrap();
    assert!(!o.status.success(), "the delete fails");
    assert!(
        text(&o).contains("insufficient capacity for aws_subnet.b"),
        "{}",
        text(&o)
    );
}

#[test]
fn a_bad_fault_file_is_reported_at_file_line_and_column() {
    let tmp = stack(
        r#"fault "explode" {
  resource = "aws_vpc.v"
}

fault "throttle" {
  resource  = "aws_vpc.v"
  operation = "rename"
  count     = 1.5
  colour    = "red"
}
"#,
    );
    let o = run(tmp.path(), &["--sim", "--faults", "faults.hcl", "plan"]);
    assert_eq!(o.status.code(), Some(1));
    insta::assert_snapshot!(text(&o));
    assert!(!tmp.path().join(".galley/sim").exists(), "nothing ran");
}

#[test]
fn faults_need_the_simulator() {
    let tmp = stack("fault \"throttle\" {\n  resource = \"*\"\n}\n");
    let o = run(
        tmp.path(),
        &["--faults", "faults.hcl", "apply", "-auto-approve"],
    );
    assert_eq!(o.status.code(), Some(1));
    assert!(text(&o).contains("use --sim"), "{}", text(&o));
    let o = run(tmp.path(), &["--sim", "--faults", "missing.hcl", "plan"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        text(&o).contains("Cannot read fault file missing.hcl"),
        "{}",
        text(&o)
    );
}

#[test]
fn kitchen_fault_blocks_fail_their_run_visibly_and_everything_is_torn_down() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    std::fs::write(
        dir.join("main.tf"),
        r#"
variable "subnets" {
  type    = number
  default = 1
}

provider "aws" {
  region = "eu-west-1"
}

resource "aws_vpc" "v" {
  cidr_block = "10.0.0.0/16"
}

resource "aws_subnet" "s" {
  count      = var.subnets
  vpc_id     = aws_vpc.v.id
  cidr_block = "10.0.${count.index}.0/24"
}
"#,
    )
    .unwrap();
    std::fs::write(
        dir.join("faults.kitchen.hcl"),
        r#"
run "throttled" {
  fault "throttle" {
    resource = "aws_vpc.v"
    count    = 3
  }
}

run "no_capacity" {
  variables {
    subnets = 2
  }
  fault "capacity" {
    resource  = "aws_subnet.s[1]"
    operation = "create"
  }
  # Only custom conditions can be expected failures; a provider error stays an error.
  expect_failures = [aws_subnet.s]
}

run "after" {}
"#,
    )
    .unwrap();
    let o = galley(dir)
        .args(["kitchen", "run"])
        .env("GALLEY_LOG", "engine=debug")
        .output()
        .unwrap();
    let out = text(&o);
    assert_eq!(o.status.code(), Some(1), "{out}");
    assert_eq!(throttles_of(&o, "aws_vpc.v"), 3, "{out}");
    assert!(out.contains("run \"throttled\"... pass"), "{out}");
    assert!(out.contains("run \"no_capacity\"... error"), "{out}");
    assert!(out.contains("run \"after\"... skip"), "{out}");
    assert!(out.contains("InsufficientInstanceCapacity"), "{out}");
    assert!(out.contains("aws_subnet.s[1]"), "{out}");
    assert_eq!(world_objects(&dir.join(".galley/kitchen/sim")), 0, "{out}");
}

#[test]
fn kitchen_file_level_faults_are_armed_afresh_for_every_run() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    std::fs::write(
        dir.join("main.tf"),
        r#"
variable "name" {
  type = string
}

provider "aws" {
  region = "eu-west-1"
}

resource "aws_vpc" "v" {
  cidr_block = "10.0.0.0/16"
  tags       = { Name = var.name }
}
"#,
    )
    .unwrap();
    std::fs::write(
        dir.join("faults.kitchen.hcl"),
        r#"
fault "throttle" {
  resource = "*"
  count    = 2
}

run "create" {
  variables {
    name = "one"
  }
}

run "update" {
  variables {
    name = "two"
  }
}
"#,
    )
    .unwrap();
    let o = galley(dir)
        .args(["kitchen", "run"])
        .env("GALLEY_LOG", "engine=debug")
        .output()
        .unwrap();
    let out = text(&o);
    assert!(o.status.success(), "{out}");
    // Two for the create, two for the update, none for the teardown's delete.
    assert_eq!(throttles_of(&o, "aws_vpc.v"), 4, "{out}");
    assert_eq!(world_objects(&dir.join(".galley/kitchen/sim")), 0, "{out}");
}
