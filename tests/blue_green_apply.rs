//! Blue/green EKS upgrades applied on the simulator: the new side is created beside the
//! live one, traffic moves in steps (each baked and gated on the health conditions), the
//! old side goes and the new one takes its addresses. A failed gate puts traffic back;
//! a reverted version abandons the upgrade; a killed apply resumes where it stopped.

mod common;
use common::{force_unlock_id, galley, run_dated, text, TODAY};

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::Stdio;

/// Cluster, node group, Deployment + Service + TargetGroupBinding behind an ALB, a
/// weighted record, `galley_sim_traffic` and a `blue_green` block whose gate wants no
/// errors and ready pods behind every record.
const STACK: &str = include_str!("fixtures/blue_green_traffic.tf");

fn stack() -> tempfile::TempDir {
    let tmp = tempfile::tempdir().unwrap();
    std::fs::write(tmp.path().join("main.tf"), STACK).unwrap();
    tmp
}

fn apply(dir: &Path, args: &[&str]) -> (bool, String) {
    let mut all = vec!["--sim", "apply", "-auto-approve"];
    all.extend_from_slice(args);
    let o = run_dated(dir, &all);
    (o.status.success(), text(&o))
}

fn addresses(dir: &Path) -> Vec<String> {
    let o = run_dated(dir, &["--sim", "state", "list"]);
    assert!(o.status.success(), "{}", text(&o));
    String::from_utf8_lossy(&o.stdout)
        .lines()
        .map(str::to_string)
        .collect()
}

/// `name` and `version` of the cluster at `address`.
fn cluster(dir: &Path, address: &str) -> (String, String) {
    let o = run_dated(dir, &["--sim", "state", "show", address]);
    let out = text(&o);
    assert!(o.status.success(), "{out}");
    (
        common::shown_attribute(&out, "name"),
        common::shown_attribute(&out, "version"),
    )
}

/// Objects of `type_name` in the simulated cloud.
fn in_cloud(dir: &Path, type_name: &str) -> usize {
    let mut n = 0;
    for e in std::fs::read_dir(dir.join(".galley/sim")).unwrap() {
        let j: serde_json::Value =
            serde_json::from_slice(&std::fs::read(e.unwrap().path()).unwrap()).unwrap();
        n += j["objects"][type_name].as_object().map_or(0, |o| o.len());
    }
    n
}

/// The traffic output: share per set identifier.
fn traffic(dir: &Path) -> serde_json::Value {
    let o = run_dated(dir, &["output", "-json", "traffic"]);
    assert!(o.status.success(), "{}", text(&o));
    serde_json::from_slice(&o.stdout).unwrap()
}

fn progress(dir: &Path) -> serde_json::Value {
    let state: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.join("galley.tfstate")).unwrap()).unwrap();
    state["extra"]["galley_blue_green"]["main"].clone()
}

fn no_changes(dir: &Path, version: &str) {
    let v = format!("k8s={version}");
    let o = run_dated(dir, &["--sim", "plan", "-detailed-exitcode", "-var", &v]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
}

const ORIGINAL: &[&str] = &[
    "aws_eks_cluster.main",
    "aws_eks_node_group.main",
    "aws_lb.web",
    "aws_lb_listener.web",
    "aws_lb_target_group.api",
    "aws_route53_record.app",
    "aws_route53_zone.main",
    "aws_subnet.nodes[\"a\"]",
    "aws_subnet.nodes[\"b\"]",
    "aws_vpc.main",
    "kubernetes_manifest.api",
    "kubernetes_manifest.api_binding",
    "kubernetes_manifest.api_service",
    "data.galley_sim_traffic.app",
];

#[test]
fn an_upgrade_shifts_traffic_in_steps_and_the_new_side_takes_the_old_addresses() {
    let tmp = stack();
    let dir = tmp.path();
    let (ok, out) = apply(dir, &["-var", "k8s=1.31"]);
    assert!(ok, "{out}");

    let (ok, out) = apply(dir, &["-var", "k8s=1.32"]);
    assert!(ok, "{out}");
    let lines: Vec<&str> = out
        .lines()
        .filter(|l| l.starts_with("blue_green.main:"))
        .collect();
    assert_eq!(
        lines,
        [
            "blue_green.main: health gate passed before shifting traffic",
            "blue_green.main: 10% of traffic on the green side; baking 10m",
            "blue_green.main: health gate passed at 10%",
            "blue_green.main: 50% of traffic on the green side; baking 10m",
            "blue_green.main: health gate passed at 50%",
            "blue_green.main: 100% of traffic on the green side; baking 10m",
            "blue_green.main: health gate passed at 100%",
            "blue_green.main: destroying the blue side (8 resource(s) and aws_route53_record.app)",
            "blue_green.main: the green side is live; 9 resource(s) took the old side's addresses",
        ],
        "{out}"
    );
    // Nine copies created, the record weights moved (two records, three steps), nine
    // old resources destroyed.
    assert!(out.contains("9 added, 6 changed, 9 destroyed"), "{out}");
    // The old addresses, now the green side's; one cluster left in the cloud.
    assert_eq!(addresses(dir), ORIGINAL);
    assert_eq!(
        cluster(dir, "aws_eks_cluster.main"),
        ("accounts-green".to_string(), "1.32".to_string())
    );
    assert_eq!(in_cloud(dir, "aws_eks_cluster"), 1);
    assert_eq!(in_cloud(dir, "aws_route53_record"), 1);
    assert_eq!(traffic(dir), serde_json::json!({"app-green": 1}));
    assert_eq!(progress(dir), serde_json::json!({"live": "green"}));
    no_changes(dir, "1.32");

    // A targeted plan cannot carry a blue/green upgrade: it is refused, not run in place.
    let o = run_dated(
        dir,
        &[
            "--sim",
            "plan",
            "-target",
            "aws_eks_cluster.main",
            "-var",
            "k8s=1.33",
        ],
    );
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    assert!(
        text(&o).contains("-target cannot be used with the blue/green upgrade"),
        "{}",
        text(&o)
    );

    // The next upgrade goes back to the names as written.
    let (ok, out) = apply(dir, &["-var", "k8s=1.33"]);
    assert!(ok, "{out}");
    assert!(out.contains("100% of traffic on the blue side"), "{out}");
    assert_eq!(addresses(dir), ORIGINAL);
    assert_eq!(
        cluster(dir, "aws_eks_cluster.main"),
        ("accounts".to_string(), "1.33".to_string())
    );
    assert_eq!(in_cloud(dir, "aws_eks_cluster"), 1);
    assert_eq!(traffic(dir), serde_json::json!({"app": 1}));
    no_changes(dir, "1.33");
}

#[test]
fn a_failed_health_gate_puts_traffic_back_and_a_reverted_version_abandons_the_upgrade() {
    let tmp = stack();
    let dir = tmp.path();
    let (ok, out) = apply(dir, &["-var", "k8s=1.31"]);
    assert!(ok, "{out}");
    // On 1.32 the app asks for more CPU than a node has: the new side's pods stay
    // pending, so its record has no ready capacity behind it.
    let broken = ["-var", "k8s=1.32", "-var", r#"cpu_by_version={"1.32"="4"}"#];
    let (ok, out) = apply(dir, &broken);
    assert!(!ok, "{out}");
    assert!(
        out.contains("Health gate of blue_green \"main\" failed before any traffic moved"),
        "{out}"
    );
    assert!(
        out.contains("points at a cluster without ready pods: app-green"),
        "the user's error message, evaluated: {out}"
    );
    assert!(out.contains("main.tf:"), "points at the condition: {out}");
    assert!(out.contains("All traffic stays on the blue side"), "{out}");
    assert!(!out.contains("10% of traffic"), "{out}");
    assert_eq!(traffic(dir), serde_json::json!({"app": 1}));
    assert_eq!(
        progress(dir),
        serde_json::json!({"live": "blue", "new_weight": 0})
    );
    assert_eq!(
        in_cloud(dir, "aws_eks_cluster"),
        2,
        "green kept for inspection"
    );

    // The same configuration again fails the same way.
    let (ok, out) = apply(dir, &broken);
    assert!(
        !ok && out.contains("failed before any traffic moved"),
        "{out}"
    );

    // Setting the version back gives the upgrade up: `plan` says so, apply destroys green.
    let o = run_dated(dir, &["--sim", "plan", "-var", "k8s=1.31"]);
    assert!(o.status.success(), "{}", text(&o));
    assert!(
        text(&o).contains("no longer upgrades aws_eks_cluster.main"),
        "{}",
        text(&o)
    );
    let (ok, out) = apply(dir, &["-var", "k8s=1.31"]);
    assert!(ok, "{out}");
    assert!(out.contains("the upgrade is abandoned"), "{out}");
    assert!(out.contains("9 destroyed"), "{out}");
    assert_eq!(addresses(dir), ORIGINAL);
    assert_eq!(in_cloud(dir, "aws_eks_cluster"), 1);
    assert_eq!(
        cluster(dir, "aws_eks_cluster.main"),
        ("accounts".to_string(), "1.31".to_string())
    );
    assert_eq!(progress(dir), serde_json::json!({"live": "blue"}));
    no_changes(dir, "1.31");
}

#[test]
fn a_gate_that_fails_after_a_shift_puts_all_traffic_back_and_the_next_apply_starts_over() {
    let tmp = stack();
    let dir = tmp.path();
    // A gate that holds only while the new side takes at most 30% of the traffic: it
    // stands in for errors that appear only under load.
    let limited = STACK.replace(
        "blue_green \"main\" {",
        r#"blue_green "main" {
  health {
    condition     = alltrue([for t in data.galley_sim_traffic.app.targets : t.share <= 0.3 if t.set_identifier == "app-green"])
    error_message = "the green side fails under more than 30% of the traffic"
  }"#,
    );
    assert_ne!(limited, STACK);
    std::fs::write(dir.join("main.tf"), limited).unwrap();
    let (ok, out) = apply(dir, &["-var", "k8s=1.31"]);
    assert!(ok, "{out}");

    let (ok, out) = apply(dir, &["-var", "k8s=1.32"]);
    assert!(!ok, "{out}");
    assert!(out.contains("health gate passed at 10%"), "{out}");
    assert!(out.contains("health gate failed at 50%"), "{out}");
    assert!(
        out.contains("the green side fails under more than 30% of the traffic"),
        "{out}"
    );
    assert!(
        out.contains("All traffic is back on the blue side"),
        "{out}"
    );
    assert!(!out.contains("100% of traffic"), "{out}");
    assert_eq!(
        progress(dir),
        serde_json::json!({"live": "blue", "new_weight": 0})
    );
    assert_eq!(in_cloud(dir, "aws_eks_cluster"), 2);
    // The weights in the cloud are back: blue 100, green 0.
    let weights = |dir: &Path| {
        let state: serde_json::Value =
            serde_json::from_slice(&std::fs::read(dir.join("galley.tfstate")).unwrap()).unwrap();
        ["app", "app-green"].map(|name| {
            let r = state["resources"]
                .as_array()
                .unwrap()
                .iter()
                .find(|r| r["type"] == "aws_route53_record" && r["name"] == name)
                .unwrap_or_else(|| panic!("no record {name}"));
            r["instances"][0]["attributes"]["weighted_routing_policy"][0]["weight"]
                .as_u64()
                .unwrap()
        })
    };
    assert_eq!(weights(dir), [100, 0]);

    // The next apply shifts again from the first step, and fails the same way.
    let (ok, out) = apply(dir, &["-var", "k8s=1.32"]);
    assert!(!ok, "{out}");
    assert!(out.contains("10% of traffic on the green side"), "{out}");
    assert!(out.contains("health gate failed at 50%"), "{out}");
    assert_eq!(weights(dir), [100, 0]);

    // Given up through a saved plan: the plan deletes the new side, apply does it.
    let o = run_dated(
        dir,
        &["--sim", "plan", "-out", "back.plan", "-var", "k8s=1.31"],
    );
    assert!(o.status.success(), "{}", text(&o));
    let o = run_dated(dir, &["--sim", "apply", "back.plan"]);
    let out = text(&o);
    assert!(o.status.success(), "{out}");
    assert!(out.contains("the upgrade is abandoned"), "{out}");
    assert_eq!(addresses(dir), ORIGINAL);
    assert_eq!(in_cloud(dir, "aws_eks_cluster"), 1);
    assert_eq!(progress(dir), serde_json::json!({"live": "blue"}));
    no_changes(dir, "1.31");
}

/// Starts `apply -var k8s=VERSION` with slow provider calls and kills it once a line
/// containing `at` was printed; then removes the lock the killed run left.
fn kill_when(dir: &Path, version: &str, at: &str) {
    let v = format!("k8s={version}");
    let mut child = galley(dir)
        .args(["--sim", "apply", "-auto-approve", "-var", &v])
        .env("GALLEY_TODAY", TODAY)
        .env("GALLEY_SIM_LATENCY_MS", "40")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let stdout = BufReader::new(child.stdout.take().unwrap());
    let mut seen = false;
    for line in stdout.lines() {
        if line.unwrap().contains(at) {
            seen = true;
            break;
        }
    }
    child.kill().unwrap();
    child.wait().unwrap();
    assert!(seen, "the apply printed {at:?} before ending");
    let o = run_dated(dir, &["--sim", "plan", "-var", &v]);
    let err = text(&o);
    let id = force_unlock_id(&err);
    let o = run_dated(dir, &["force-unlock", &id]);
    assert!(o.status.success(), "{}", text(&o));
}

#[test]
fn an_upgrade_killed_mid_way_resumes_and_finishes_with_one_cluster() {
    let tmp = stack();
    let dir = tmp.path();
    let (ok, out) = apply(dir, &["-var", "k8s=1.31"]);
    assert!(ok, "{out}");

    // Killed while traffic moves: the next apply goes on from the recorded step.
    kill_when(dir, "1.32", "50% of traffic on the green side");
    let (ok, out) = apply(dir, &["-var", "k8s=1.32"]);
    assert!(ok, "{out}");
    assert!(!out.contains("10% of traffic"), "resumed after 10%: {out}");
    assert!(out.contains("100% of traffic on the green side"), "{out}");
    assert!(
        !out.contains("aws_eks_cluster.main-green: Creating"),
        "{out}"
    );
    assert_eq!(addresses(dir), ORIGINAL);
    assert_eq!(in_cloud(dir, "aws_eks_cluster"), 1);
    assert_eq!(
        cluster(dir, "aws_eks_cluster.main"),
        ("accounts-green".to_string(), "1.32".to_string())
    );
    no_changes(dir, "1.32");

    // Killed while the old side is being destroyed: the next apply finishes that first.
    kill_when(dir, "1.33", "destroying the green side");
    let (ok, out) = apply(dir, &["-var", "k8s=1.33"]);
    assert!(ok, "{out}");
    assert!(
        out.contains("stopped while destroying one of its sides"),
        "{out}"
    );
    assert_eq!(addresses(dir), ORIGINAL);
    assert_eq!(in_cloud(dir, "aws_eks_cluster"), 1);
    assert_eq!(
        cluster(dir, "aws_eks_cluster.main"),
        ("accounts".to_string(), "1.33".to_string())
    );
    assert_eq!(traffic(dir), serde_json::json!({"app": 1}));
    no_changes(dir, "1.33");
}

#[test]
fn an_interrupt_pauses_an_upgrade_after_the_step_under_way_and_apply_carries_on() {
    let tmp = stack();
    let dir = tmp.path();
    let (ok, out) = apply(dir, &["-var", "k8s=1.31"]);
    assert!(ok, "{out}");

    let mut child = galley(dir)
        .args(["--sim", "apply", "-auto-approve", "-var", "k8s=1.32"])
        .env("GALLEY_TODAY", TODAY)
        .env("GALLEY_SIM_LATENCY_MS", "40")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let stdout = BufReader::new(child.stdout.take().unwrap());
    let mut printed = String::new();
    for line in stdout.lines() {
        let line = line.unwrap();
        printed.push_str(&line);
        printed.push('\n');
        if line.contains("10% of traffic on the green side") {
            let ok = std::process::Command::new("kill")
                .args(["-INT", &child.id().to_string()])
                .status()
                .unwrap()
                .success();
            assert!(ok);
        }
    }
    let o = child.wait_with_output().unwrap();
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(4), "{printed}{err}");
    assert!(err.contains("the blue/green upgrade stopped"), "{err}");
    assert!(
        !printed.contains("50% of traffic"),
        "no step starts after the interrupt: {printed}"
    );
    // Paused at a recorded step, lock released: the next apply goes on from there
    // (repeating at most that step, which is idempotent).
    let (ok, out) = apply(dir, &["-var", "k8s=1.32"]);
    assert!(ok, "{out}");
    assert!(
        !out.contains("health gate passed before shifting traffic"),
        "resumed at 10%, not from the start: {out}"
    );
    assert!(out.contains("100% of traffic on the green side"), "{out}");
    assert_eq!(addresses(dir), ORIGINAL);
    assert_eq!(in_cloud(dir, "aws_eks_cluster"), 1);
    no_changes(dir, "1.32");
}

/// Objects in the kitchen's simulated worlds.
fn in_kitchen(dir: &Path) -> usize {
    common::world_objects(&dir.join(".galley/kitchen/sim"))
}

#[test]
fn the_kitchen_rehearses_a_blue_green_upgrade_and_catches_a_failing_gate() {
    let tmp = stack();
    let dir = tmp.path();
    // The kitchen prefixes names with its run tag (21 characters); load balancer names
    // have 32 at most, so these are not built from the cluster's (a tag ties them to it).
    let short = STACK
        .replace(
            r#""${aws_eks_cluster.main.name}-web""#,
            r#""web"
  tags    = { cluster = aws_eks_cluster.main.name }"#,
        )
        .replace(
            r#""${aws_eks_cluster.main.name}-api""#,
            r#""api"
  tags        = { cluster = aws_eks_cluster.main.name }"#,
        );
    assert_ne!(short, STACK);
    std::fs::write(dir.join("main.tf"), short).unwrap();
    std::fs::write(
        dir.join("upgrade.kitchen.hcl"),
        r#"
run "at_1_31" {
  variables {
    k8s = "1.31"
  }
}

run "blue_green_to_1_32" {
  variables {
    k8s = "1.32"
  }
  assert {
    condition     = endswith(aws_eks_cluster.main.name, "-accounts-green") && aws_eks_cluster.main.version == "1.32"
    error_message = "the green cluster is live at 1.32"
  }
  assert {
    condition     = output.traffic == { "app-green" = 1 }
    error_message = "all traffic is on green"
  }
}
"#,
    )
    .unwrap();
    let o = run_dated(dir, &["kitchen", "run"]);
    let out = text(&o);
    assert_eq!(o.status.code(), Some(0), "{out}");
    assert!(out.contains("run \"blue_green_to_1_32\"... pass"), "{out}");
    assert!(out.contains("health gate passed at 100%"), "{out}");
    assert_eq!(in_kitchen(dir), 0, "both sides torn down: {out}");

    // The app breaks on 1.32: the rehearsal fails at the gate, and still cleans up.
    std::fs::write(
        dir.join("upgrade.kitchen.hcl"),
        r#"
run "at_1_31" {
  variables {
    k8s = "1.31"
  }
}

run "blue_green_to_1_32" {
  variables {
    k8s            = "1.32"
    cpu_by_version = { "1.32" = "4" }
  }
}
"#,
    )
    .unwrap();
    let o = run_dated(dir, &["kitchen", "run"]);
    let out = text(&o);
    assert_eq!(o.status.code(), Some(1), "{out}");
    assert!(out.contains("run \"blue_green_to_1_32\"... error"), "{out}");
    assert!(
        out.contains("Health gate of blue_green \"main\" failed before any traffic moved"),
        "{out}"
    );
    assert_eq!(in_kitchen(dir), 0, "both sides torn down: {out}");
}
