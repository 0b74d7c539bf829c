use std::time::Duration;

use chrono::NaiveDate;

use super::plan::{plan, Spec};
use super::*;
use crate::addr::{Mode, Resource};
use crate::config::{load_config, Config, IgnoreChanges};
use crate::diag::SourceMap;
use crate::upgrade::eks::{Cluster, Manifest, NodeGroup};
use crate::upgrade::steps::{action, check, Outcome};

const STACK: &str = r#"
resource "aws_vpc" "main" { cidr_block = "10.0.0.0/16" }
resource "aws_subnet" "a" {
  vpc_id     = aws_vpc.main.id
  cidr_block = "10.0.1.0/24"
}
resource "aws_eks_cluster" "main" {
  name    = "prod"
  version = var.k8s
  vpc_config { subnet_ids = [aws_subnet.a.id] }
}
resource "aws_eks_node_group" "web" {
  cluster_name    = aws_eks_cluster.main.name
  node_group_name = "web"
  subnet_ids      = [aws_subnet.a.id]
  scaling_config {
    desired_size = 3
    min_size     = 1
    max_size     = 5
  }
}
provider "kubernetes" {
  alias = "main"
  host  = aws_eks_cluster.main.endpoint
}
resource "kubernetes_manifest" "api" {
  provider = kubernetes.main
  manifest = { apiVersion = "apps/v1", kind = "Deployment" }
}
resource "aws_lb" "web" {
  name    = "${aws_eks_cluster.main.name}-web"
  subnets = [aws_subnet.a.id]
}
resource "aws_route53_zone" "z" { name = "example.com" }
resource "aws_route53_record" "app" {
  zone_id        = aws_route53_zone.z.zone_id
  name           = "app.example.com"
  type           = "A"
  set_identifier = "app"
  weighted_routing_policy { weight = 100 }
  alias {
    name                   = aws_lb.web.dns_name
    zone_id                = aws_lb.web.zone_id
    evaluate_target_health = true
  }
}
variable "k8s" { default = "1.31" }
blue_green "main" {
  cluster = aws_eks_cluster.main
  record  = aws_route53_record.app
  steps   = [25, 100]
  bake    = "15m"
}
"#;

fn load(text: &str) -> (Config, crate::diag::Diagnostics) {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("main.tf"), text).unwrap();
    load_config(dir.path(), &SourceMap::new())
}

fn res(ty: &str, name: &str) -> Resource {
    Resource {
        mode: Mode::Managed,
        type_name: ty.into(),
        name: name.into(),
    }
}

fn attr_text(c: &Config, ty: &str, name: &str, attr: &str) -> String {
    c.module.resources[&res(ty, name)]
        .body
        .body
        .get_attribute(attr)
        .unwrap_or_else(|| panic!("{ty}.{name} has no {attr}"))
        .value
        .to_string()
        .trim()
        .to_string()
}

#[test]
fn the_block_is_read_with_its_steps_and_bake() {
    let (c, d) = load(STACK);
    assert!(!d.has_errors(), "{d:?}");
    let bg = &c.module.blue_greens["main"];
    assert_eq!(bg.cluster.resource, res("aws_eks_cluster", "main"));
    assert_eq!(bg.steps, vec![25, 100]);
    assert_eq!(bg.bake, Duration::from_secs(900));
}

#[test]
fn bad_steps_and_bake_point_at_the_offending_text() {
    let text = STACK
        .replace("steps   = [25, 100]", "steps   = [50, 25]")
        .replace("bake    = \"15m\"", "bake    = \"soon\"");
    let (_, d) = load(&text);
    let all = format!("{d:?}");
    assert!(all.contains("steps must increase"), "{all}");
    assert!(all.contains("\\\"soon\\\""), "{all}");
}

#[test]
fn members_are_the_cluster_and_what_depends_on_it_through_references_or_providers() {
    let (c, _) = load(STACK);
    let m = members(&c.module, &c.module.blue_greens["main"]).unwrap();
    let names: Vec<String> = m.resources.iter().map(|r| r.to_string()).collect();
    assert_eq!(
        names,
        [
            "aws_eks_cluster.main",
            "aws_eks_node_group.web",
            "aws_lb.web",
            "kubernetes_manifest.api"
        ]
    );
    assert_eq!(m.providers.len(), 1);
}

#[test]
fn a_record_pointing_at_nothing_of_the_cluster_is_refused() {
    let text = STACK.replace(
        "name    = \"${aws_eks_cluster.main.name}-web\"",
        "name    = \"shared-web\"",
    );
    let (c, _) = load(&text);
    let err = members(&c.module, &c.module.blue_greens["main"]).unwrap_err();
    assert!(format!("{err:?}").contains("same place"), "{err:?}");
}

#[test]
fn a_cluster_that_is_not_eks_is_refused() {
    let text = STACK.replace("cluster = aws_eks_cluster.main", "cluster = aws_vpc.main");
    let (c, _) = load(&text);
    let err = members(&c.module, &c.module.blue_greens["main"]).unwrap_err();
    assert!(format!("{err:?}").contains("must be an aws_eks_cluster"));
}

#[test]
fn migrating_adds_copies_pointed_at_each_other_and_freezes_the_live_side() {
    let (mut c, _) = load(STACK);
    let bg = c.module.blue_greens["main"].clone();
    let m = members(&c.module, &bg).unwrap();
    transform(
        &mut c.module,
        &bg,
        &m,
        Side::Blue,
        Phase::Migrating { new_weight: 25 },
    );
    let copy = &c.module.resources[&res("aws_eks_node_group", "web-green")];
    assert_eq!(
        attr_text(&c, "aws_eks_node_group", "web-green", "cluster_name"),
        "aws_eks_cluster.main-green.name"
    );
    assert_eq!(copy.lifecycle.ignore_changes, IgnoreChanges::None);
    assert_eq!(
        attr_text(&c, "aws_eks_cluster", "main-green", "name"),
        "format(\"%s-green\", \"prod\")"
    );
    // The live side keeps its names and is frozen.
    assert_eq!(attr_text(&c, "aws_eks_cluster", "main", "name"), "\"prod\"");
    assert_eq!(
        c.module.resources[&res("aws_eks_cluster", "main")]
            .lifecycle
            .ignore_changes,
        IgnoreChanges::All
    );
    // Manifests go through a copy of the provider built from the copy of the cluster.
    let api = &c.module.resources[&res("kubernetes_manifest", "api-green")];
    assert_eq!(api.provider.alias.as_deref(), Some("main-green"));
    let p = c
        .module
        .providers
        .iter()
        .find(|p| p.reference.alias.as_deref() == Some("main-green"))
        .unwrap();
    assert_eq!(
        p.body
            .body
            .get_attribute("host")
            .unwrap()
            .value
            .to_string()
            .trim(),
        "aws_eks_cluster.main-green.endpoint"
    );
    // Shared resources are not copied; records get the step's weights.
    assert!(!c
        .module
        .resources
        .contains_key(&res("aws_subnet", "a-green")));
    let weight = |name: &str| {
        c.module.resources[&res("aws_route53_record", name)]
            .body
            .body
            .get_blocks("weighted_routing_policy")
            .next()
            .unwrap()
            .body
            .get_attribute("weight")
            .unwrap()
            .value
            .to_string()
            .trim()
            .to_string()
    };
    assert_eq!(weight("app"), "75");
    assert_eq!(weight("app-green"), "25");
    assert_eq!(
        attr_text(&c, "aws_route53_record", "app-green", "set_identifier"),
        "format(\"%s-green\", \"app\")"
    );
    let alias = c.module.resources[&res("aws_route53_record", "app-green")]
        .body
        .body
        .get_blocks("alias")
        .next()
        .unwrap()
        .body
        .get_attribute("name")
        .unwrap()
        .value
        .to_string();
    assert_eq!(alias.trim(), "aws_lb.web-green.dns_name");
}

#[test]
fn a_steady_green_side_carries_the_suffix() {
    let (mut c, _) = load(STACK);
    let bg = c.module.blue_greens["main"].clone();
    let m = members(&c.module, &bg).unwrap();
    transform(&mut c.module, &bg, &m, Side::Green, Phase::Steady);
    assert_eq!(c.module.resources.len(), 8);
    assert_eq!(
        attr_text(&c, "aws_eks_node_group", "web", "node_group_name"),
        "format(\"%s-green\", \"web\")"
    );
    assert_eq!(
        attr_text(&c, "aws_vpc", "main", "cidr_block"),
        "\"10.0.0.0/16\""
    );
}

fn day(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
}

fn cluster(free: Option<u32>, replicas: u32) -> Cluster {
    Cluster {
        address: "aws_eks_cluster.main".into(),
        from: "1.29".into(),
        to: "1.31".into(),
        node_groups: vec![NodeGroup {
            address: "aws_eks_node_group.web".into(),
            current: None,
            desired: None,
            nodes: 10,
            max_unavailable: 1,
            instance_type: Some("m5.large".into()),
            free_addresses: free,
        }],
        addons: Vec::new(),
        manifests: vec![Manifest {
            address: "kubernetes_manifest.api".into(),
            api_version: "apps/v1".into(),
            kind: "Deployment".into(),
            replicas,
        }],
        files: Default::default(),
        free_addresses: free,
        clusters_in_region: 1,
    }
}

fn spec() -> Spec {
    Spec {
        name: "main".into(),
        live: Side::Blue,
        new_cluster: "aws_eks_cluster.main-green".into(),
        record: "aws_route53_record.app".into(),
        new_record: "aws_route53_record.app-green".into(),
        steps: vec![10, 50, 100],
        bake: Duration::from_secs(600),
        health_checks: 1,
        copies: 3,
    }
}

#[test]
fn steps_create_deploy_shift_and_bake_each_step_then_decommission_with_a_rollback() {
    let up = plan(&cluster(Some(1000), 40), &spec(), day("2025-01-01"));
    assert_eq!(up.strategy, "blue_green");
    let actions: Vec<&str> = up.steps.iter().map(|s| s.action).collect();
    assert_eq!(
        actions,
        [
            action::CREATE_GREEN,
            action::DEPLOY_WORKLOADS,
            action::SHIFT_TRAFFIC,
            action::BAKE,
            action::SHIFT_TRAFFIC,
            action::BAKE,
            action::SHIFT_TRAFFIC,
            action::BAKE,
            action::DECOMMISSION_BLUE,
            action::ROLLBACK_TRAFFIC,
        ]
    );
    let targets: Vec<_> = up
        .steps
        .iter()
        .filter(|s| s.action == action::SHIFT_TRAFFIC)
        .map(|s| s.target.clone().unwrap())
        .collect();
    assert_eq!(targets, ["10", "50", "100"]);
    assert_eq!(up.steps[0].target.as_deref(), Some("1.31"));
    assert!(up.steps.last().unwrap().when.is_some());
    assert_eq!(up.failures().count(), 0, "{:?}", up.checks);
    // Blue/green creates once; in place rolls every node group once per minor.
    assert_eq!(up.cost.control_plane_updates, 0);
    assert_eq!(up.alternative.unwrap().1.control_plane_updates, 2);
}

#[test]
fn both_clusters_must_fit_in_the_subnets_at_once() {
    // 10 m5.large nodes take 1 + 10 warm each = 110, 40 pods, 5 for the control plane.
    let up = plan(&cluster(Some(154), 40), &spec(), day("2025-01-01"));
    let c = up
        .checks
        .iter()
        .find(|c| c.name == check::SUBNET_IP_CAPACITY)
        .unwrap();
    assert_eq!(c.status, Outcome::Fail, "{}", c.message);
    assert!(c.message.contains("needs 155 addresses"), "{}", c.message);
    assert!(c.message.contains("154 are free"), "{}", c.message);
    let ok = plan(&cluster(Some(155), 40), &spec(), day("2025-01-01"));
    assert_eq!(ok.failures().count(), 0);
    let unknown = plan(&cluster(None, 40), &spec(), day("2025-01-01"));
    assert!(unknown
        .checks
        .iter()
        .any(|c| c.name == check::SUBNET_IP_CAPACITY && c.status == Outcome::Warn));
}

#[test]
fn an_unknown_target_version_is_refused() {
    let mut c = cluster(Some(1000), 1);
    c.to = "1.99".into();
    let up = plan(&c, &spec(), day("2025-01-01"));
    assert!(up.steps.is_empty());
    assert_eq!(
        up.failures().next().unwrap().name,
        check::CONTROL_PLANE_PATH
    );
}

#[test]
fn progress_is_recorded_per_block_and_read_back() {
    use super::execute::{destroying, record};
    use super::{Phase, Side};
    let (config, diags) = load(STACK);
    assert!(!diags.has_errors());
    let mut state = crate::state::State::default();
    let mut layout = super::layouts(&config, &state).unwrap().remove(0);
    layout.phase = Phase::Migrating { new_weight: 50 };
    record(&mut state, &layout, None);
    assert_eq!(destroying(&state, &layout.bg.name), None);
    let again = super::layouts(&config, &state).unwrap().remove(0);
    assert_eq!(again.phase, Phase::Migrating { new_weight: 50 });
    assert_eq!(again.live, Side::Blue);
    record(&mut state, &layout, Some(Side::Blue));
    assert_eq!(destroying(&state, &layout.bg.name), Some(Side::Blue));
    layout.live = Side::Green;
    layout.phase = Phase::Steady;
    record(&mut state, &layout, None);
    let done = super::layouts(&config, &state).unwrap().remove(0);
    assert_eq!((done.live, done.phase), (Side::Green, Phase::Steady));
    assert_eq!(destroying(&state, &layout.bg.name), None);
}

/// `STACK` as the module `./eks`, called from the root by `call` (`{}` for the source).
fn child_module(call: &str) -> (tempfile::TempDir, Config, crate::diag::Diagnostics) {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("main.tf"), call).unwrap();
    std::fs::create_dir(dir.path().join("eks")).unwrap();
    std::fs::write(dir.path().join("eks/main.tf"), STACK).unwrap();
    let sources = SourceMap::new();
    let (config, diags) = load_config(dir.path(), &sources);
    (dir, config, diags)
}

#[test]
fn a_blue_green_block_in_a_child_module_migrates_that_modules_cluster() {
    let (_dir, config, diags) = child_module("module \"eks\" {\n  source = \"./eks\"\n}\n");
    assert!(!diags.has_errors(), "{diags:?}");
    let mut state = crate::state::State::default();
    let mut layout = super::layouts(&config, &state).unwrap().remove(0);
    assert_eq!(layout.path, ["eks"]);
    assert_eq!(layout.module.to_string(), "module.eks");
    assert_eq!(layout.key(), "module.eks.main");
    assert_eq!(layout.label(), "module.eks.blue_green.main");
    assert_eq!(
        layout.spec().new_cluster,
        "module.eks.aws_eks_cluster.main-green"
    );
    assert_eq!(layout.spec().record, "module.eks.aws_route53_record.app");

    // Migrating: the copies are added to the child module, not the root.
    layout.phase = Phase::Migrating { new_weight: 10 };
    let derived = derive(&std::sync::Arc::new(config.clone()), &[layout.clone()]);
    let copy = Resource {
        mode: Mode::Managed,
        type_name: "aws_eks_cluster".into(),
        name: "main-green".into(),
    };
    assert!(derived.children["eks"].module.resources.contains_key(&copy));
    assert!(!derived.module.resources.contains_key(&copy));

    // Progress is kept under the module path.
    record(&mut state, &layout, None);
    assert!(
        state.extra[STATE_KEY].get("module.eks.main").is_some(),
        "{:?}",
        state.extra
    );
    let again = super::layouts(&config, &state).unwrap().remove(0);
    assert_eq!(again.phase, Phase::Migrating { new_weight: 10 });
}

#[test]
fn a_blue_green_block_in_a_module_with_count_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("main.tf"),
        "module \"eks\" {\n  source = \"./eks\"\n  count  = 2\n}\n",
    )
    .unwrap();
    std::fs::create_dir(dir.path().join("eks")).unwrap();
    // Without its provider block (a module with one cannot have count).
    let stack = STACK.replace("provider \"kubernetes\" {\n  alias = \"main\"\n  host  = aws_eks_cluster.main.endpoint\n}\n", "");
    std::fs::write(dir.path().join("eks/main.tf"), stack).unwrap();
    let sources = SourceMap::new();
    let (config, diags) = load_config(dir.path(), &sources);
    assert!(!diags.has_errors(), "{}", diags.render(&sources));
    let err = super::layouts(&config, &crate::state::State::default()).unwrap_err();
    let text = err.render(&sources);
    assert!(
        text.contains("blue_green block in a module with count or for_each"),
        "{text}"
    );
}

#[test]
fn the_new_side_must_fit_in_eks_service_quotas_beside_the_old_one() {
    let quotas = |c: &Cluster| {
        let up = plan(c, &spec(), day("2025-01-01"));
        up.checks
            .into_iter()
            .find(|k| k.name == check::QUOTAS)
            .expect("a quotas check")
    };
    let ok = quotas(&cluster(Some(1000), 20));
    assert_eq!(ok.status, Outcome::Pass, "{}", ok.message);
    // 10 m5.large nodes of 2 vCPUs each.
    assert!(
        ok.message.contains("adds 20 On-Demand vCPUs"),
        "{}",
        ok.message
    );

    // The Region already holds the default maximum of 100 clusters.
    let mut full = cluster(Some(1000), 20);
    full.clusters_in_region = 100;
    let r = quotas(&full);
    assert_eq!(r.status, Outcome::Fail);
    assert!(
        r.message.contains("101 clusters in the Region"),
        "{}",
        r.message
    );

    let mut big = cluster(Some(100_000), 20);
    big.node_groups[0].nodes = 500;
    let r = quotas(&big);
    assert_eq!(r.status, Outcome::Fail);
    assert!(
        r.message
            .contains("aws_eks_node_group.web has 500 nodes, over the default quota of 450"),
        "{}",
        r.message
    );
}
