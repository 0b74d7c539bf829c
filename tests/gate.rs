//! `galley gate` end to end: a real repository in a temp dir with a base and a head
//! commit, rehearsed on the simulator — base applied first, head on top — with the
//! reports it writes (junit.xml, summary.md, GitHub annotations and step summary).

mod common;

use std::path::Path;
use std::process::{Command, Output};

use git2::{IndexAddOption, Repository, Signature};

const PLAIN: &str = "provider \"aws\" {\n  region = \"eu-west-1\"\n}\n\nresource \"aws_vpc\" \"main\" {\n  cidr_block = \"10.9.0.0/16\"\n}\n";

/// A repository with the quickstart example (which has a test file and a local module)
/// as `stacks/quickstart`, a stack without test files, and a README.
fn repo() -> (tempfile::TempDir, Repository) {
    let dir = tempfile::tempdir().unwrap();
    let repo = Repository::init(dir.path()).unwrap();
    common::copy_tree(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/quickstart"),
        &dir.path().join("stacks/quickstart"),
    );
    write(dir.path(), "stacks/plain/main.tf", PLAIN);
    write(dir.path(), "README.md", "# infra\n");
    commit(&repo, "base");
    (dir, repo)
}

fn write(root: &Path, path: &str, text: &str) {
    let p = root.join(path);
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    std::fs::write(p, text).unwrap();
}

fn edit(root: &Path, path: &str, from: &str, to: &str) {
    let p = root.join(path);
    let text = std::fs::read_to_string(&p).unwrap();
    assert!(text.contains(from), "{path} has no {from:?}");
    std::fs::write(p, text.replacen(from, to, 1)).unwrap();
}

fn commit(repo: &Repository, message: &str) {
    let mut index = repo.index().unwrap();
    index.add_all(["*"], IndexAddOption::DEFAULT, None).unwrap();
    index.update_all(["*"], None).unwrap();
    index.write().unwrap();
    let tree = repo.find_tree(index.write_tree().unwrap()).unwrap();
    let sig = Signature::now("test", "test@example.com").unwrap();
    let parent = repo.head().ok().and_then(|h| h.peel_to_commit().ok());
    let parents: Vec<&git2::Commit> = parent.iter().collect();
    repo.commit(Some("HEAD"), &sig, &sig, message, &tree, &parents)
        .unwrap();
}

fn gate(dir: &Path, extra: &[&str]) -> Output {
    let report = dir.join("reports");
    let mut args = vec![
        "gate",
        "--base",
        "HEAD~1",
        "--head",
        "HEAD",
        "--report-dir",
        report.to_str().unwrap(),
    ];
    args.extend_from_slice(extra);
    galley(dir).args(&args).output().unwrap()
}

fn galley(dir: &Path) -> Command {
    let mut c = common::galley(dir);
    c.env("GALLEY_TODAY", common::TODAY);
    c
}

fn report(dir: &Path, name: &str) -> String {
    std::fs::read_to_string(dir.join("reports").join(name)).unwrap()
}

fn text(o: &Output) -> String {
    format!(
        "{}\n--- stderr ---\n{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

#[test]
fn gate_rehearses_every_affected_stack_and_writes_the_matrix() {
    let (dir, repo) = repo();
    edit(
        dir.path(),
        "stacks/quickstart/net/main.tf",
        "",
        "# touched\n",
    );
    edit(
        dir.path(),
        "stacks/plain/main.tf",
        "10.9.0.0/16",
        "10.8.0.0/16",
    );
    commit(&repo, "head");
    let o = gate(dir.path(), &[]);
    let out = text(&o);
    assert_eq!(o.status.code(), Some(0), "{out}");
    assert!(
        out.contains("stacks/quickstart: uses changed module stacks/quickstart/net"),
        "{out}"
    );
    assert!(out.contains("PASS stacks/plain"), "{out}");
    assert!(out.contains("PASS stacks/quickstart"), "{out}");
    assert!(out.contains("Gate: 2 passed, 0 failed"), "{out}");
    let matrix: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(dir.path().join("reports/matrix.json")).unwrap(),
    )
    .unwrap();
    let stacks: Vec<&str> = matrix["include"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["stack"].as_str().unwrap())
        .collect();
    assert_eq!(stacks, ["stacks/plain", "stacks/quickstart"]);
}

#[test]
fn a_head_that_breaks_an_assertion_fails_the_gate_with_its_message() {
    let (dir, repo) = repo();
    edit(
        dir.path(),
        "stacks/quickstart/quickstart.kitchen.hcl",
        "length(output.web_ips) == 2",
        "length(output.web_ips) == 5",
    );
    commit(&repo, "head");
    let o = gate(dir.path(), &[]);
    let out = text(&o);
    assert_eq!(o.status.code(), Some(1), "{out}");
    assert!(out.contains("Two web instances by default."), "{out}");
    assert!(
        out.contains("[stacks/quickstart/quickstart.kitchen.hcl:5:21]"),
        "diagnostics name repository paths: {out}"
    );
    assert!(out.contains("FAIL stacks/quickstart"), "{out}");
    assert!(out.contains("Gate: 0 passed, 1 failed"), "{out}");

    let junit = report(dir.path(), "junit.xml");
    assert!(
        junit.contains("<testsuite name=\"stacks/quickstart\" tests=\"4\" failures=\"1\""),
        "{junit}"
    );
    assert!(
        junit.contains("<failure message=\"Test assertion failed: Two web instances by default.\" type=\"assertion\">stacks/quickstart/quickstart.kitchen.hcl:5:21: "),
        "{junit}"
    );
    let summary = report(dir.path(), "summary.md");
    assert!(
        summary.contains("- `stacks/quickstart/quickstart.kitchen.hcl:5:21` Test assertion failed: Two web instances by default. (run \"defaults\")"),
        "{summary}"
    );
    assert!(
        summary.contains("## galley gate: ❌ 1 of 1 stack(s) failed"),
        "{summary}"
    );
    assert!(
        !out.contains("::error"),
        "no annotations outside GitHub Actions: {out}"
    );
}

#[test]
fn a_change_to_an_unrelated_file_rehearses_nothing() {
    let (dir, repo) = repo();
    write(dir.path(), "README.md", "# infra\n\nNotes.\n");
    commit(&repo, "head");
    let o = gate(dir.path(), &[]);
    let out = text(&o);
    assert_eq!(o.status.code(), Some(0), "{out}");
    assert!(out.contains("Nothing to rehearse."), "{out}");
}

#[test]
fn stack_runs_only_the_named_affected_stack() {
    let (dir, repo) = repo();
    edit(
        dir.path(),
        "stacks/plain/main.tf",
        "10.9.0.0/16",
        "10.8.0.0/16",
    );
    edit(dir.path(), "stacks/quickstart/main.tf", "", "# touched\n");
    commit(&repo, "head");
    let o = gate(dir.path(), &["--stack", "stacks/plain"]);
    let out = text(&o);
    assert_eq!(o.status.code(), Some(0), "{out}");
    assert!(out.contains("Gate: 1 passed, 0 failed"), "{out}");
    assert!(!out.contains("PASS stacks/quickstart"), "{out}");
}

#[test]
fn usage_errors_exit_2() {
    let (dir, repo) = repo();
    write(
        dir.path(),
        "stacks/plain/extra.tf",
        "locals {\n  a = 1\n}\n",
    );
    commit(&repo, "head");
    for extra in [
        &["--base", "no-such-branch"][..],
        &["--stack", "stacks/unknown"],
        &["--jobs", "0"],
        &["--no-such-flag"],
        &["--jobs", "many"],
    ] {
        let mut args = vec!["gate", "--head", "HEAD"];
        if extra[0] != "--base" {
            args.extend(["--base", "HEAD~1"]);
        }
        args.extend_from_slice(extra);
        let o = galley(dir.path()).args(&args).output().unwrap();
        assert_eq!(o.status.code(), Some(2), "{extra:?}: {}", text(&o));
    }
}

/// An EKS cluster and its node group at the version `var.k8s` defaults to.
fn eks(version: &str) -> String {
    format!(
        r#"provider "aws" {{
  region = "eu-west-1"
}}

variable "k8s" {{
  type    = string
  default = "{version}"
}}

resource "aws_vpc" "main" {{
  cidr_block = "10.0.0.0/16"
}}

resource "aws_subnet" "nodes" {{
  for_each          = {{ a = "10.0.0.0/20", b = "10.0.16.0/20" }}
  vpc_id            = aws_vpc.main.id
  cidr_block        = each.value
  availability_zone = "eu-west-1${{each.key}}"
}}

resource "aws_eks_cluster" "main" {{
  name     = "accounts"
  role_arn = "arn:aws:iam::123456789012:role/eks"
  version  = var.k8s
  vpc_config {{
    subnet_ids = [for s in aws_subnet.nodes : s.id]
  }}
}}

resource "aws_eks_node_group" "main" {{
  cluster_name    = aws_eks_cluster.main.name
  node_group_name = "general"
  node_role_arn   = "arn:aws:iam::123456789012:role/node"
  subnet_ids      = [for s in aws_subnet.nodes : s.id]
  instance_types  = ["m5.large"]
  version         = aws_eks_cluster.main.version
  scaling_config {{
    desired_size = 3
    min_size     = 3
    max_size     = 6
  }}
  update_config {{
    max_unavailable = 1
  }}
}}
"#
    )
}

const EKS_TEST: &str = r#"run "cluster" {
  assert {
    condition     = aws_eks_cluster.main.version == var.k8s
    error_message = "The control plane runs the configured version."
  }
  assert {
    condition     = aws_eks_node_group.main.version == var.k8s
    error_message = "The nodes follow the control plane."
  }
}
"#;

#[test]
fn a_two_minor_eks_bump_is_rehearsed_as_an_upgrade_from_the_base_with_a_testcase_per_step() {
    let dir = tempfile::tempdir().unwrap();
    let repo = Repository::init(dir.path()).unwrap();
    write(dir.path(), "stacks/eks/main.tf", &eks("1.31"));
    write(dir.path(), "stacks/eks/eks.kitchen.hcl", EKS_TEST);
    commit(&repo, "base");
    write(dir.path(), "stacks/eks/main.tf", &eks("1.33"));
    commit(&repo, "head: EKS 1.31 -> 1.33");

    let o = gate(dir.path(), &[]);
    let out = text(&o);
    assert_eq!(o.status.code(), Some(0), "{out}");
    assert!(out.contains("PASS stacks/eks"), "{out}");
    let junit = report(dir.path(), "junit.xml");
    assert!(
        junit.contains("<testcase name=\"setup: apply base (HEAD~1)\""),
        "{junit}"
    );
    let steps: Vec<&str> = junit
        .lines()
        .filter(|l| l.contains("name=\"cluster / step "))
        .collect();
    assert_eq!(steps.len(), 4, "{junit}");
    assert!(
        steps[0].contains("step 1: ") && steps[3].contains("step 4: "),
        "{junit}"
    );
    assert!(
        steps.iter().all(|s| s.ends_with("/>")),
        "every step passed: {junit}"
    );
    assert!(junit.contains("failures=\"0\" errors=\"0\""), "{junit}");
    let summary = report(dir.path(), "summary.md");
    assert!(
        summary.contains(
            "| `stacks/eks` | ✅ pass | stacks/eks/main.tf changed | +0 ~2 -0 | eks 1.31 → 1.33 |"
        ),
        "{summary}"
    );
    assert!(
        summary.contains("Rehearsed as a change: `HEAD~1` applied first"),
        "{summary}"
    );
    assert!(
        summary.contains("check `control_plane_path`: pass"),
        "{summary}"
    );
    assert!(summary.contains("**Upgrade steps executed**"), "{summary}");
    assert!(summary.contains("**Leftovers**: none"), "{summary}");
}

#[test]
fn a_new_stack_is_rehearsed_alone_without_a_setup() {
    let dir = tempfile::tempdir().unwrap();
    let repo = Repository::init(dir.path()).unwrap();
    write(dir.path(), "README.md", "# infra\n");
    commit(&repo, "base");
    write(dir.path(), "stacks/eks/main.tf", &eks("1.33"));
    commit(&repo, "head");
    let o = gate(dir.path(), &[]);
    let out = text(&o);
    assert_eq!(o.status.code(), Some(0), "{out}");
    let junit = report(dir.path(), "junit.xml");
    assert!(!junit.contains("setup: apply"), "{junit}");
    assert!(!junit.contains(" / step "), "{junit}");
    let summary = report(dir.path(), "summary.md");
    assert!(
        summary.contains("New stack: rehearsed from an empty environment."),
        "{summary}"
    );
    assert!(summary.contains("| +5 ~0 -0 |"), "{summary}");
}

#[test]
fn a_base_that_does_not_apply_is_reported_as_such_and_the_head_is_rehearsed_alone() {
    let dir = tempfile::tempdir().unwrap();
    let repo = Repository::init(dir.path()).unwrap();
    // The base needs a value nobody gives it; the head fixes that.
    let broken = PLAIN.replace(
        "resource \"aws_vpc\"",
        "variable \"cidr\" {\n  type = string\n}\n\nresource \"aws_vpc\"",
    );
    write(dir.path(), "stacks/plain/main.tf", &broken);
    commit(&repo, "base");
    write(dir.path(), "stacks/plain/main.tf", PLAIN);
    commit(&repo, "head");
    let o = gate(dir.path(), &[]);
    let out = text(&o);
    assert_eq!(o.status.code(), Some(0), "{out}");
    assert!(
        out.contains("The base revision failed to apply (not this change's fault)"),
        "{out}"
    );
    let summary = report(dir.path(), "summary.md");
    assert!(
        summary
            .contains("**The base revision `HEAD~1` failed to apply** — not this change's fault"),
        "{summary}"
    );
    assert!(
        summary.contains("No value for required variable"),
        "{summary}"
    );
    let junit = report(dir.path(), "junit.xml");
    assert!(
        junit.contains("<skipped message=\"the base revision failed to apply (not this change&apos;s fault); the head was rehearsed alone\"/>"),
        "{junit}"
    );
    assert!(
        junit.contains("<testcase name=\"run &quot;apply&quot;\""),
        "{junit}"
    );
}

#[test]
fn a_head_whose_apply_fails_half_way_leaves_nothing_in_the_simulated_world() {
    let (dir, repo) = repo();
    let grown = format!(
        "{PLAIN}\nresource \"aws_subnet\" \"a\" {{\n  vpc_id            = aws_vpc.main.id\n  cidr_block        = \"10.9.1.0/24\"\n  availability_zone = \"eu-west-1a\"\n}}\n\nresource \"aws_security_group\" \"web\" {{\n  name   = \"web\"\n  vpc_id = aws_subnet.a.vpc_id\n}}\n"
    );
    write(dir.path(), "stacks/plain/main.tf", &grown);
    commit(&repo, "head");
    let work = dir.path().join("work");
    let o = galley(dir.path())
        .args([
            "gate",
            "--base",
            "HEAD~1",
            "--head",
            "HEAD",
            "--report-dir",
            "reports",
            "--work-dir",
            work.to_str().unwrap(),
        ])
        .env("GALLEY_SIM_FAULTS", "capacity:aws_security_group:1")
        .output()
        .unwrap();
    let out = text(&o);
    assert_eq!(o.status.code(), Some(1), "{out}");
    assert!(out.contains("run \"apply\"... error"), "{out}");
    assert!(out.contains("InsufficientInstanceCapacity"), "{out}");
    let summary = report(dir.path(), "summary.md");
    assert!(summary.contains("**Leftovers**: none"), "{summary}");
    assert!(
        summary.contains("teardown: destroy everything (2 object(s) destroyed)"),
        "the base's VPC and the head's subnet were made, then destroyed: {summary}"
    );
    // The stack's own simulated world, listed by the simulator itself.
    let world = sim::SimFactory::new(work.join("stacks_plain/sim"), sim::SimOptions::default());
    assert_eq!(world.inventory().unwrap(), Vec::new(), "{out}");
    assert!(work.join("stacks_plain/head/stacks/plain/main.tf").exists());
    assert!(work.join("stacks_plain/base/stacks/plain/main.tf").exists());
}

#[test]
fn on_github_actions_failures_are_annotated_and_the_step_summary_gets_the_summary() {
    let (dir, repo) = repo();
    edit(
        dir.path(),
        "stacks/quickstart/quickstart.kitchen.hcl",
        "length(output.web_ips) == 2",
        "length(output.web_ips) == 5",
    );
    commit(&repo, "head");
    let step_summary = dir.path().join("step-summary.md");
    std::fs::write(&step_summary, "earlier step\n").unwrap();
    let o = galley(dir.path())
        .args(["gate", "--base", "HEAD~1", "--head", "HEAD"])
        .env("GITHUB_ACTIONS", "true")
        .env("GITHUB_STEP_SUMMARY", &step_summary)
        .output()
        .unwrap();
    let out = text(&o);
    assert_eq!(o.status.code(), Some(1), "{out}");
    let stdout = String::from_utf8_lossy(&o.stdout);
    let annotation = stdout
        .lines()
        .find(|l| l.starts_with("::error "))
        .unwrap_or_else(|| panic!("no annotation: {out}"));
    assert!(
        annotation.starts_with(
            "::error file=stacks/quickstart/quickstart.kitchen.hcl,line=5,col=21,title=galley gate%3A stacks/quickstart run \"defaults\"::Test assertion failed: Two web instances by default.%0A%0A"
        ),
        "{annotation}"
    );
    let written = std::fs::read_to_string(&step_summary).unwrap();
    assert!(
        written.starts_with("earlier step\n<!-- galley-gate -->\n## galley gate: ❌"),
        "{written}"
    );
}

#[test]
fn matrix_only_writes_the_matrix_and_rehearses_nothing() {
    let (dir, repo) = repo();
    edit(
        dir.path(),
        "stacks/plain/main.tf",
        "10.9.0.0/16",
        "10.8.0.0/16",
    );
    commit(&repo, "head");
    let o = gate(dir.path(), &["--matrix-only"]);
    let out = text(&o);
    assert_eq!(o.status.code(), Some(0), "{out}");
    assert!(!out.contains("PASS"), "{out}");
    assert!(report(dir.path(), "matrix.json").contains("\"stack\": \"stacks/plain\""));
    assert!(!dir.path().join("reports/junit.xml").exists());
}

/// A secret that only the stack under test contains.
const GATE_SECRET: &str = "S3CR3T-gate-5e1f0b";

#[test]
fn gate_reports_never_show_sensitive_values() {
    let (dir, repo) = repo();
    write(
        dir.path(),
        "stacks/secret/main.tf",
        &format!(
            r#"variable "db_password" {{
  type      = string
  sensitive = true
  default   = "{GATE_SECRET}"
}}

provider "aws" {{
  region = "eu-west-1"
}}

resource "aws_rds_cluster" "db" {{
  cluster_identifier = "orders"
  engine             = "aurora-postgresql"
  engine_version     = "16.6"
  master_username    = "app"
  master_password    = var.db_password
}}

resource "terraform_data" "conn" {{
  input = "postgres://app:${{var.db_password}}@db"
}}

output "conn" {{
  value     = terraform_data.conn.output
  sensitive = true
}}
"#
        ),
    );
    write(
        dir.path(),
        "stacks/secret/secret.kitchen.hcl",
        r#"run "create" {
  assert {
    condition     = output.conn == "wrong"
    error_message = "The connection is ${output.conn}."
  }
  assert {
    condition     = aws_rds_cluster.db.master_password == "wrong"
    error_message = "The password is ${aws_rds_cluster.db.master_password}."
  }
}
"#,
    );
    commit(&repo, "head");
    let step_summary = dir.path().join("step-summary.md");
    let o = galley(dir.path())
        .args(["gate", "--base", "HEAD~1", "--head", "HEAD", "--report-dir"])
        .arg(dir.path().join("reports"))
        .env("GITHUB_ACTIONS", "true")
        .env("GITHUB_STEP_SUMMARY", &step_summary)
        .env("GALLEY_LOG", "debug")
        .output()
        .unwrap();
    let out = text(&o);
    assert_eq!(o.status.code(), Some(1), "the assertions fail: {out}");
    assert!(out.contains("FAIL stacks/secret"), "{out}");
    assert!(!out.contains(GATE_SECRET), "gate output: {out}");
    for name in ["junit.xml", "summary.md", "matrix.json"] {
        let r = report(dir.path(), name);
        assert!(!r.contains(GATE_SECRET), "{name}: {r}");
    }
    let junit = report(dir.path(), "junit.xml");
    assert!(junit.contains("sensitive value"), "{junit}");
    let written = std::fs::read_to_string(&step_summary).unwrap();
    assert!(!written.contains(GATE_SECRET), "step summary: {written}");
}

/// A stack calling a git module is installed (as `galley init` would) in its checkout
/// before it is rehearsed; a module that cannot be fetched fails the stack with the
/// reason.
#[test]
fn a_stack_with_git_modules_is_installed_before_it_is_rehearsed() {
    let lib = tempfile::tempdir().unwrap();
    write(
        lib.path(),
        "vpc/main.tf",
        "variable \"cidr\" {\n  type = string\n}\n\nresource \"aws_vpc\" \"this\" {\n  cidr_block = var.cidr\n}\n",
    );
    common::commit_and_tag(lib.path(), "v1.0.0");
    let stack = |cidr: &str, url: &str| {
        format!(
            "provider \"aws\" {{\n  region = \"eu-west-1\"\n}}\n\nmodule \"net\" {{\n  source = \"git::file://{url}//vpc?ref=v1.0.0\"\n  cidr   = \"{cidr}\"\n}}\n"
        )
    };
    let (dir, repo) = repo();
    let url = lib.path().display().to_string();
    write(
        dir.path(),
        "stacks/net/main.tf",
        &stack("10.1.0.0/16", &url),
    );
    commit(&repo, "net at base");
    write(
        dir.path(),
        "stacks/net/main.tf",
        &stack("10.2.0.0/16", &url),
    );
    commit(&repo, "net at head");
    let o = gate(dir.path(), &["--stack", "stacks/net"]);
    assert!(o.status.success(), "{}", text(&o));

    write(
        dir.path(),
        "stacks/net/main.tf",
        &stack("10.3.0.0/16", &format!("{url}-gone")),
    );
    commit(&repo, "a module that cannot be fetched");
    let o = gate(dir.path(), &["--stack", "stacks/net"]);
    let out = text(&o);
    assert_eq!(o.status.code(), Some(1), "{out}");
    assert!(
        out.contains("its git modules could not be installed"),
        "{out}"
    );
    assert!(out.contains("-gone"), "{out}");
}
