//! The subnet incident on the simulator: a blue/green EKS migration in shared subnets.
//!
//! A "blue" cluster with its node group and Deployments fits in two /24 subnets. Adding
//! a "green" cluster with the same node group and workloads in the same subnets: its
//! nodes still find addresses, its pods do not, and the apply stops with how many
//! addresses the pods needed and how many were free (FACTS "Pod IP addresses").

mod common;
use common::{run_dated as galley, text};

const NETWORK: &str = r#"provider "aws" {
  region = "eu-west-1"
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
"#;

/// One colour's cluster: 10 m5.large nodes (1 + 10 warm addresses each, 55 per subnet)
/// and 240 pods of 50m (29 per node, first fit: 124 in subnet a, 116 in b).
fn cluster(colour: &str) -> String {
    r#"
resource "aws_eks_cluster" "COLOUR" {
  name     = "COLOUR"
  role_arn = "arn:aws:iam::123456789012:role/eks"
  version  = "1.31"
  vpc_config {
    subnet_ids = [for s in aws_subnet.nodes : s.id]
  }
}

resource "aws_eks_node_group" "COLOUR" {
  cluster_name    = aws_eks_cluster.COLOUR.name
  node_group_name = "general"
  node_role_arn   = "arn:aws:iam::123456789012:role/node"
  subnet_ids      = [for s in aws_subnet.nodes : s.id]
  instance_types  = ["m5.large"]
  scaling_config {
    desired_size = 10
    min_size     = 10
    max_size     = 10
  }
}

provider "kubernetes" {
  alias = "COLOUR"
  host  = aws_eks_cluster.COLOUR.endpoint
  exec {
    api_version = "client.authentication.k8s.io/v1beta1"
    command     = "aws"
    args        = ["eks", "get-token", "--cluster-name", aws_eks_cluster.COLOUR.name]
  }
}

resource "kubernetes_manifest" "COLOUR" {
  for_each   = { api = 150, worker = 90 }
  provider   = kubernetes.COLOUR
  depends_on = [aws_eks_node_group.COLOUR]
  manifest = {
    apiVersion = "apps/v1"
    kind       = "Deployment"
    metadata   = { name = each.key, namespace = "default" }
    spec = {
      replicas = each.value
      selector = { matchLabels = { app = each.key } }
      template = {
        metadata = { labels = { app = each.key } }
        spec = {
          containers = [{
            name      = each.key
            image     = "example/${each.key}:1.0"
            resources = { requests = { cpu = "50m", memory = "64Mi" } }
          }]
        }
      }
    }
  }
}

output "COLOUR_ready" {
  value = { for k, m in kubernetes_manifest.COLOUR : k => m.object.status.readyReplicas }
}
"#
    .replace("COLOUR", colour)
}

#[test]
fn a_green_cluster_in_the_blue_clusters_subnets_runs_out_of_pod_addresses() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    std::fs::write(dir.join("main.tf"), format!("{NETWORK}{}", cluster("blue"))).unwrap();
    let o = galley(dir, &["--sim", "apply", "-auto-approve"]);
    let out = text(&o);
    assert!(o.status.success(), "{out}");
    assert!(out.contains("\"api\" = 150"), "{out}");
    assert!(out.contains("\"worker\" = 90"), "{out}");

    // Nothing drifts: the live status matches what the apply stored.
    let o = galley(dir, &["--sim", "plan", "-detailed-exitcode"]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));

    // Blue leaves 251 - 55 - 124 = 72 free in a and 251 - 55 - 116 = 80 in b. Green's
    // nodes fit (55 per subnet), leaving 17 and 25: its pods do not.
    std::fs::write(
        dir.join("main.tf"),
        format!("{NETWORK}{}{}", cluster("blue"), cluster("green")),
    )
    .unwrap();
    let o = galley(dir, &["--sim", "plan"]);
    assert!(
        o.status.success(),
        "green plans while its cluster is unknown: {}",
        text(&o)
    );
    let o = galley(dir, &["--sim", "apply", "-auto-approve"]);
    let out = text(&o);
    assert_eq!(o.status.code(), Some(1), "{out}");
    assert!(
        out.contains("aws_eks_node_group.green: Creation complete"),
        "{out}"
    );
    assert!(out.contains("InsufficientFreeAddresses"), "{out}");
    // Each Deployment alone: api's 150 pods (87 in a, 63 in b) or worker's 90 (58, 32)
    // against the 17 + 25 addresses green's nodes left. The message may wrap.
    let flat = out.split_whitespace().collect::<Vec<_>>().join(" ");
    for (name, needed) in [("api", 150), ("worker", 90)] {
        let want = format!(
            "failed to assign an IP address to container: Deployment default/{name} needs {needed} addresses in subnet-"
        );
        assert!(flat.contains(&want), "{want}\n{out}");
    }
    assert!(flat.contains(", 42 free"), "{out}");

    // Everything, green's nodes included, is destroyed cleanly.
    let o = galley(dir, &["--sim", "destroy", "-auto-approve"]);
    assert!(o.status.success(), "{}", text(&o));
    let world = std::fs::read_to_string(dir.join(".galley/sim/aws--eu-west-1.json")).unwrap();
    assert!(world.contains("\"objects\":{}"), "{world}");
}
