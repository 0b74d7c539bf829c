//! A three-version EKS upgrade on the simulator, one minor per apply as EKS requires:
//! control plane, then node group, each step reporting simulated time next to wall time.

mod common;
use common::{force_unlock_id, run_dated as galley, text};

use std::path::Path;

const CONFIG: &str = r#"provider "aws" {
  region = "eu-west-1"
}

variable "k8s" {
  type = string
}

resource "aws_vpc" "main" {
  cidr_block = "10.0.0.0/16"
}

resource "aws_subnet" "nodes" {
  for_each          = { a = "10.0.0.0/20", b = "10.0.16.0/20" }
  vpc_id            = aws_vpc.main.id
  cidr_block        = each.value
  availability_zone = "eu-west-1${each.key}"
}

resource "aws_eks_cluster" "main" {
  name     = "accounts"
  role_arn = "arn:aws:iam::123456789012:role/eks"
  version  = var.k8s
  vpc_config {
    subnet_ids = [for s in aws_subnet.nodes : s.id]
  }
}

resource "aws_eks_node_group" "main" {
  cluster_name    = aws_eks_cluster.main.name
  node_group_name = "general"
  node_role_arn   = "arn:aws:iam::123456789012:role/node"
  subnet_ids      = [for s in aws_subnet.nodes : s.id]
  instance_types  = ["m5.large"]
  version         = aws_eks_cluster.main.version
  scaling_config {
    desired_size = 3
    min_size     = 3
    max_size     = 6
  }
  update_config {
    max_unavailable = 1
  }
}
"#;

#[test]
fn three_minor_versions_one_apply_each_with_simulated_time() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    std::fs::write(dir.join("main.tf"), CONFIG).unwrap();
    let o = galley(
        dir,
        &["--sim", "apply", "-auto-approve", "-var", "k8s=1.31"],
    );
    assert!(o.status.success(), "{}", text(&o));

    // Going down is refused before anything changes (EKS never downgrades).
    let o = galley(
        dir,
        &["--sim", "apply", "-auto-approve", "-var", "k8s=1.30"],
    );
    assert_eq!(o.status.code(), Some(1));
    assert!(text(&o).contains("never down"), "{}", text(&o));

    for v in ["1.32", "1.33", "1.34"] {
        let var = format!("k8s={v}");
        let o = galley(dir, &["--sim", "apply", "-auto-approve", "-var", &var]);
        let out = text(&o);
        assert!(o.status.success(), "{v}: {out}");
        assert!(
            out.contains("0 added, 2 changed, 0 destroyed"),
            "{v}: {out}"
        );
        assert!(out.contains("simulated)"), "{v}: {out}");
        let o = galley(dir, &["--sim", "plan", "-detailed-exitcode", "-var", &var]);
        assert_eq!(o.status.code(), Some(0), "{v}: {}", text(&o));
    }
}

#[test]
fn plan_shows_the_upgrade_steps_and_a_failed_check_stops_it() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    std::fs::write(dir.join("main.tf"), CONFIG).unwrap();
    let o = galley(
        dir,
        &["--sim", "apply", "-auto-approve", "-var", "k8s=1.31"],
    );
    assert!(o.status.success(), "{}", text(&o));

    let o = galley(dir, &["--sim", "plan", "--json", "-var", "k8s=1.33"]);
    assert!(o.status.success(), "{}", text(&o));
    let j: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let up = &j["upgrades"][0];
    assert_eq!(up["address"], "aws_eks_cluster.main");
    assert_eq!(
        (up["from"].as_str(), up["to"].as_str()),
        (Some("1.31"), Some("1.33"))
    );
    let steps: Vec<String> = up["steps"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            format!(
                "{} {} {}",
                s["action"].as_str().unwrap(),
                s["address"].as_str().unwrap(),
                s["target"].as_str().unwrap()
            )
        })
        .collect();
    assert_eq!(
        steps,
        [
            "control_plane aws_eks_cluster.main 1.32",
            "node_group aws_eks_node_group.main 1.32",
            "control_plane aws_eks_cluster.main 1.33",
            "node_group aws_eks_node_group.main 1.33",
        ]
    );
    assert!(up["checks"]
        .as_array()
        .unwrap()
        .iter()
        .all(|c| c["status"] != "fail"));

    // `upgrade plan` shows the same upgrades alone.
    let o = galley(
        dir,
        &["--sim", "upgrade", "plan", "--json", "-var", "k8s=1.33"],
    );
    assert!(o.status.success(), "{}", text(&o));
    let alone: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(alone["upgrades"], j["upgrades"]);
    let o = galley(dir, &["--sim", "upgrade", "plan", "-var", "k8s=1.33"]);
    assert!(
        text(&o).contains("eks upgrade aws_eks_cluster.main 1.31 -> 1.33 (in place)"),
        "{}",
        text(&o)
    );

    let o = galley(dir, &["--sim", "plan", "-var", "k8s=1.33"]);
    let out = text(&o);
    assert!(
        out.contains("Upgrades:")
            && out.contains("roll node group aws_eks_node_group.main to 1.32"),
        "{out}"
    );

    // A node group pinned past the control plane fails version_skew: plan exits 1 with the
    // check's message, unless the check is overridden by name.
    std::fs::write(
        dir.join("main.tf"),
        CONFIG.replace(
            "version         = aws_eks_cluster.main.version",
            "version         = \"1.34\"",
        ),
    )
    .unwrap();
    let o = galley(dir, &["--sim", "plan", "-var", "k8s=1.33"]);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("upgrade check version_skew failed"), "{err}");
    assert!(err.contains("newer than the control plane"), "{err}");
    let o = galley(
        dir,
        &[
            "--sim",
            "plan",
            "-var",
            "k8s=1.33",
            "--override-check",
            "version_skew",
        ],
    );
    assert!(o.status.success(), "{}", text(&o));
}

/// Versions of the objects of one type in the simulator's world.
fn world_versions(dir: &Path, type_name: &str) -> Vec<String> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir.join(".galley/sim")).unwrap() {
        let p = e.unwrap().path();
        if p.extension().is_none_or(|x| x != "json") {
            continue;
        }
        let j: serde_json::Value = serde_json::from_slice(&std::fs::read(p).unwrap()).unwrap();
        if let Some(objs) = j["objects"][type_name].as_object() {
            for o in objs.values() {
                out.push(o["version"].as_str().unwrap_or("").to_string());
            }
        }
    }
    out
}

#[test]
fn a_three_minor_upgrade_applies_step_by_step_and_resumes_after_a_kill() {
    use std::io::{BufRead, BufReader};
    use std::process::Stdio;

    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    std::fs::write(dir.join("main.tf"), CONFIG).unwrap();
    let o = galley(
        dir,
        &["--sim", "apply", "-auto-approve", "-var", "k8s=1.31"],
    );
    assert!(o.status.success(), "{}", text(&o));

    // Killed after the first two steps (control plane 1.32, node group 1.32).
    let mut child = common::galley(dir)
        .args(["--sim", "apply", "-auto-approve", "-var", "k8s=1.34"])
        .env("GALLEY_TODAY", common::TODAY)
        .env("GALLEY_SIM_LATENCY_MS", "400")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut done = 0;
    for line in BufReader::new(child.stderr.take().unwrap()).lines() {
        if line.unwrap().contains("Modifications complete") {
            done += 1;
            if done == 2 {
                break;
            }
        }
    }
    child.kill().unwrap();
    child.wait().unwrap();
    assert_eq!(done, 2);

    // The killed run's lock names the command that removes it.
    let o = galley(
        dir,
        &["--sim", "apply", "-auto-approve", "-var", "k8s=1.34"],
    );
    let err = String::from_utf8_lossy(&o.stderr).into_owned();
    let id = force_unlock_id(&err);
    let o = galley(dir, &["force-unlock", &id]);
    assert!(o.status.success(), "{}", text(&o));

    // The next plan starts from the versions reached: 1.32, or 1.33 when the kill landed
    // after the third call reached the (simulated) cloud; only the remaining steps.
    let o = galley(dir, &["--sim", "plan", "--json", "-var", "k8s=1.34"]);
    assert!(o.status.success(), "{}", text(&o));
    let j: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let from = j["upgrades"][0]["from"].as_str().unwrap().to_string();
    assert!(from == "1.32" || from == "1.33", "{from}");
    let steps = j["upgrades"][0]["steps"].as_array().unwrap().len();
    assert!((2..=4).contains(&steps), "{steps} steps left");

    let o = galley(
        dir,
        &["--sim", "apply", "-auto-approve", "-var", "k8s=1.34"],
    );
    assert!(o.status.success(), "{}", text(&o));
    assert_eq!(
        world_versions(dir, "aws_eks_cluster"),
        ["1.34"],
        "one cluster, upgraded"
    );
    assert_eq!(world_versions(dir, "aws_eks_node_group"), ["1.34"]);
    let o = galley(
        dir,
        &["--sim", "plan", "-detailed-exitcode", "-var", "k8s=1.34"],
    );
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
}

#[test]
fn a_saved_plan_runs_its_upgrade_steps_too() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    std::fs::write(dir.join("main.tf"), CONFIG).unwrap();
    let o = galley(
        dir,
        &["--sim", "apply", "-auto-approve", "-var", "k8s=1.31"],
    );
    assert!(o.status.success(), "{}", text(&o));
    let o = galley(dir, &["--sim", "plan", "-out=up.plan", "-var", "k8s=1.33"]);
    assert!(o.status.success(), "{}", text(&o));
    let o = galley(dir, &["--sim", "apply", "up.plan"]);
    assert!(o.status.success(), "{}", text(&o));
    assert_eq!(world_versions(dir, "aws_eks_cluster"), ["1.33"]);
    assert_eq!(world_versions(dir, "aws_eks_node_group"), ["1.33"]);
}

#[test]
fn plan_fails_removed_apis_naming_the_yaml_file_and_line() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    std::fs::write(dir.join("main.tf"), CONFIG).unwrap();
    let o = galley(
        dir,
        &["--sim", "apply", "-auto-approve", "-var", "k8s=1.31"],
    );
    assert!(o.status.success(), "{}", text(&o));

    // Kubernetes YAML applied outside galley, named for the cluster.
    std::fs::create_dir_all(dir.join("k8s/jobs")).unwrap();
    std::fs::write(
        dir.join("k8s/web.yaml"),
        "apiVersion: v1\nkind: Service\nmetadata:\n  name: web\n---\napiVersion: extensions/v1beta1\nkind: Deployment\nmetadata:\n  name: web\n",
    )
    .unwrap();
    std::fs::write(
        dir.join("k8s/jobs/flow.yml"),
        "apiVersion: flowcontrol.apiserver.k8s.io/v1beta3\nkind: FlowSchema\n",
    )
    .unwrap();
    let with_block = format!(
        "{CONFIG}\nkubernetes_manifests \"app\" {{\n  cluster = aws_eks_cluster.main\n  paths   = [\"k8s/\"]\n}}\n"
    );
    std::fs::write(dir.join("main.tf"), &with_block).unwrap();
    let o = galley(dir, &["validate"]);
    assert!(o.status.success(), "{}", text(&o));

    let o = galley(dir, &["--sim", "plan", "-var", "k8s=1.32"]);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("upgrade check removed_apis failed"), "{err}");
    assert!(
        err.contains("k8s/web.yaml:6 uses extensions/v1beta1 Deployment, which Kubernetes 1.32 no longer serves (removed in 1.16); use apps/v1"),
        "{err}"
    );
    assert!(
        err.contains("k8s/jobs/flow.yml:1 uses flowcontrol.apiserver.k8s.io/v1beta3 FlowSchema, which Kubernetes 1.32 no longer serves"),
        "{err}"
    );

    // A directory that is not there is an error naming it.
    std::fs::write(
        dir.join("main.tf"),
        with_block.replace("\"k8s/\"", "\"manifests/\""),
    )
    .unwrap();
    let o = galley(dir, &["--sim", "plan", "-var", "k8s=1.32"]);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("cannot read manifests/"), "{err}");
}
