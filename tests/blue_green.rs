//! Blue/green EKS upgrades on the simulator: the plan derives the new side beside the
//! live one and lists the traffic steps; a new side that does not fit in the subnets
//! next to the old one fails at plan, before anything is created.

mod common;
use common::{run_dated as galley, text};

use std::path::Path;

/// One /24 per zone; `NODES` m5.large nodes (11 addresses each) spread over them.
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
  for_each          = { a = "10.0.1.0/24", b = "10.0.2.0/24" }
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
    desired_size = NODES
    min_size     = 1
    max_size     = 40
  }
}

provider "kubernetes" {
  alias = "main"
  host  = aws_eks_cluster.main.endpoint
}

resource "kubernetes_manifest" "api" {
  provider   = kubernetes.main
  depends_on = [aws_eks_node_group.main]
  manifest = {
    apiVersion = "apps/v1"
    kind       = "Deployment"
    metadata   = { name = "api", namespace = "default" }
    spec = {
      replicas = REPLICAS
      selector = { matchLabels = { app = "api" } }
      template = {
        metadata = { labels = { app = "api" } }
        spec = {
          containers = [{
            name      = "api"
            image     = "example/api:1.0"
            resources = { requests = { cpu = "50m", memory = "64Mi" } }
          }]
        }
      }
    }
  }
}

resource "aws_lb" "web" {
  name    = "${aws_eks_cluster.main.name}-web"
  subnets = [for s in aws_subnet.nodes : s.id]
}

resource "aws_route53_zone" "main" {
  name = "example.com"
}

resource "aws_route53_record" "app" {
  zone_id        = aws_route53_zone.main.zone_id
  name           = "app"
  type           = "A"
  set_identifier = "app"
  weighted_routing_policy {
    weight = 100
  }
  alias {
    name                   = aws_lb.web.dns_name
    zone_id                = aws_lb.web.zone_id
    evaluate_target_health = true
  }
}

blue_green "main" {
  cluster = aws_eks_cluster.main
  record  = aws_route53_record.app
  steps   = [10, 50, 100]
  bake    = "10m"
}
"#;

fn stack(dir: &Path, nodes: u32, replicas: u32) {
    std::fs::write(
        dir.join("main.tf"),
        CONFIG
            .replace("NODES", &nodes.to_string())
            .replace("REPLICAS", &replicas.to_string()),
    )
    .unwrap();
}

#[test]
fn the_plan_derives_the_new_side_and_lists_the_traffic_steps() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    stack(dir, 4, 20);
    let o = galley(
        dir,
        &["--sim", "apply", "-auto-approve", "-var", "k8s=1.31"],
    );
    assert!(o.status.success(), "{}", text(&o));
    // No version change: nothing to do, the block changes nothing.
    let o = galley(
        dir,
        &["--sim", "plan", "-detailed-exitcode", "-var", "k8s=1.31"],
    );
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));

    let o = galley(dir, &["--sim", "plan", "--json", "-var", "k8s=1.33"]);
    assert!(o.status.success(), "{}", text(&o));
    let j: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let up = &j["upgrades"][0];
    assert_eq!(up["strategy"], "blue_green");
    assert_eq!(up["from"], "1.31");
    assert_eq!(up["to"], "1.33");
    let actions: Vec<&str> = up["steps"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["action"].as_str().unwrap())
        .collect();
    assert_eq!(
        actions,
        [
            "create_green",
            "deploy_workloads",
            "shift_traffic",
            "bake",
            "shift_traffic",
            "bake",
            "shift_traffic",
            "bake",
            "decommission_blue",
            "rollback_traffic"
        ]
    );
    assert_eq!(up["steps"][9]["when"], "health_gate_fails");
    assert!(up["checks"]
        .as_array()
        .unwrap()
        .iter()
        .all(|c| c["status"] != "fail"));
    // The resource changes are the new side beside the old one, which is left alone.
    let changes: Vec<(String, String)> = j["resource_changes"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["action"] != "no-op")
        .map(|c| {
            (
                c["address"].as_str().unwrap().to_string(),
                c["action"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    for want in [
        "aws_eks_cluster.main-green",
        "aws_eks_node_group.main-green",
        "aws_lb.web-green",
        "kubernetes_manifest.api-green",
        "aws_route53_record.app-green",
    ] {
        assert!(
            changes.contains(&(want.to_string(), "create".to_string())),
            "{want} in {changes:?}"
        );
    }
    assert!(
        changes.iter().all(|(a, _)| a.ends_with("-green")),
        "{changes:?}"
    );
    let green = j["resource_changes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["address"] == "aws_eks_cluster.main-green")
        .unwrap();
    assert_eq!(green["after"]["name"], "accounts-green");
    assert_eq!(green["after"]["version"], "1.33");

    // Human output names the strategy and the gate's rollback.
    let o = galley(dir, &["--sim", "upgrade", "plan", "-var", "k8s=1.33"]);
    let out = text(&o);
    assert!(o.status.success(), "{out}");
    assert!(out.contains("(blue/green)"), "{out}");
    assert!(out.contains("only when health gate fails"), "{out}");

    // Planning changed nothing: the current version still has nothing to do.
    let o = galley(
        dir,
        &["--sim", "plan", "-detailed-exitcode", "-var", "k8s=1.31"],
    );
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
}

#[test]
fn a_new_side_that_does_not_fit_beside_the_old_one_fails_at_plan() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    // The incident: 10 nodes (110 addresses) and 240 pods take 350 of the two /24s' 502
    // usable addresses. A second cluster's nodes alone would fit; with its pods it cannot.
    stack(dir, 10, 240);
    let o = galley(
        dir,
        &["--sim", "apply", "-auto-approve", "-var", "k8s=1.31"],
    );
    assert!(o.status.success(), "{}", text(&o));
    let before = std::fs::read_dir(dir.join(".galley/sim")).unwrap().count();

    let o = galley(dir, &["--sim", "plan", "-var", "k8s=1.32"]);
    let out = text(&o);
    assert_eq!(o.status.code(), Some(1), "{out}");
    assert!(
        out.contains("upgrade check subnet_ip_capacity failed"),
        "{out}"
    );
    assert!(out.contains("needs 355 addresses"), "{out}");
    assert!(out.contains("240 for pods"), "{out}");
    assert!(out.contains("152 are free"), "{out}");
    assert!(out.contains("--override-check subnet_ip_capacity"), "{out}");
    // Nothing was created: a plan again at the current version has nothing to do.
    let o = galley(
        dir,
        &["--sim", "plan", "-detailed-exitcode", "-var", "k8s=1.31"],
    );
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    assert_eq!(
        std::fs::read_dir(dir.join(".galley/sim")).unwrap().count(),
        before
    );
}
