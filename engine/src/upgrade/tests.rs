//! `upgrade check`: versions read from configuration, judged on a given day.

use std::collections::BTreeMap;

use chrono::NaiveDate;

use super::*;
use crate::diag::SourceMap;
use crate::value::Value;

fn day(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
}

/// Checks the configuration made of `files` (path, text) with root `vars`.
fn run(files: &[(&str, &str)], vars: &[(&str, &str)], as_of: &str) -> Report {
    let dir = tempfile::tempdir().unwrap();
    for (path, text) in files {
        let p = dir.path().join(path);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
    }
    let sources = SourceMap::new();
    let (config, diags) = crate::config::load_config(dir.path(), &sources);
    assert!(!diags.has_errors(), "{}", diags.render(&sources));
    let vars: BTreeMap<String, Value> = vars
        .iter()
        .map(|(k, v)| (k.to_string(), Value::string(*v)))
        .collect();
    check(&config, &vars, day(as_of))
}

fn item<'a>(r: &'a Report, address: &str) -> &'a Item {
    r.items
        .iter()
        .find(|i| i.address == address)
        .unwrap_or_else(|| panic!("no {address} in {:#?}", r.items))
}

const EKS: &str = r#"
variable "k8s" {
  type = string
}

resource "aws_eks_cluster" "main" {
  name     = "accounts"
  role_arn = "arn"
  version  = var.k8s
  vpc_config {
    subnet_ids = []
  }
}

resource "aws_eks_node_group" "pinned" {
  cluster_name    = aws_eks_cluster.main.name
  node_group_name = "pinned"
  version         = "1.30"
}

resource "aws_eks_node_group" "follows" {
  cluster_name    = aws_eks_cluster.main.name
  node_group_name = "follows"
}

resource "aws_eks_addon" "dns" {
  cluster_name  = aws_eks_cluster.main.name
  addon_name    = "coredns"
  addon_version = "v1.13.2-eksbuild.11"
}
"#;

#[test]
fn statuses_follow_the_calendar() {
    // (version, day, status, days left): 1.31's standard support ends 2025-11-26 and its
    // extended support 2026-11-26 (FACTS.md).
    let table = [
        ("1.31", "2025-01-01", Status::Ok, 329),
        ("1.31", "2025-06-01", Status::UpgradeSoon, 178),
        ("1.31", "2025-11-26", Status::UpgradeSoon, 0),
        ("1.31", "2025-11-27", Status::ExtendedSupport, 364),
        ("1.31", "2026-11-27", Status::Unsupported, -1),
    ];
    for (v, on, status, days) in table {
        let r = run(&[("main.tf", EKS)], &[("k8s", v)], on);
        let c = item(&r, "aws_eks_cluster.main");
        assert_eq!((c.status, c.days_left), (status, Some(days)), "{v} on {on}");
        assert_eq!(c.end_of_standard_support, Some(day("2025-11-26")));
        assert_eq!(c.end_of_extended_support, Some(day("2026-11-26")));
    }
}

#[test]
fn node_groups_and_addons_are_read_through_their_cluster() {
    let r = run(&[("main.tf", EKS)], &[("k8s", "1.34")], "2026-02-01");
    assert_eq!(
        item(&r, "aws_eks_cluster.main").newest.as_deref(),
        Some("1.35")
    );
    let pinned = item(&r, "aws_eks_node_group.pinned");
    assert_eq!(pinned.version.as_deref(), Some("1.30"));
    assert_eq!(pinned.status, Status::ExtendedSupport);
    let follows = item(&r, "aws_eks_node_group.follows");
    assert_eq!(follows.version.as_deref(), Some("1.34"), "{follows:?}");
    assert!(follows.note.is_some());
    let dns = item(&r, "aws_eks_addon.dns");
    assert_eq!(dns.version.as_deref(), Some("v1.13.2-eksbuild.11"));
    assert_eq!(dns.newest.as_deref(), Some("v1.13.2-eksbuild.11"));
    assert_eq!(dns.status, Status::Ok, "{dns:?}");
    // The same add-on on a cluster it does not support.
    let r = run(&[("main.tf", EKS)], &[("k8s", "1.29")], "2026-02-01");
    assert_eq!(item(&r, "aws_eks_addon.dns").status, Status::Unsupported);
}

#[test]
fn modules_and_for_each_are_expanded_with_their_inputs() {
    let root = r#"
module "region" {
  for_each = { eu = "1.34", us = "1.29" }
  source   = "./stack"
  k8s      = each.value
}
"#;
    let stack = r#"
variable "k8s" {
  type = string
}

resource "aws_eks_cluster" "main" {
  name     = "c"
  role_arn = "arn"
  version  = var.k8s
  vpc_config {
    subnet_ids = []
  }
}

resource "aws_msk_cluster" "events" {
  count                  = 2
  cluster_name           = "events-${count.index}"
  kafka_version          = count.index == 0 ? "3.6.0" : "3.8.x"
  number_of_broker_nodes = 3
}
"#;
    let r = run(
        &[("main.tf", root), ("stack/main.tf", stack)],
        &[],
        "2026-02-01",
    );
    assert_eq!(
        item(&r, "module.region[\"eu\"].aws_eks_cluster.main").status,
        Status::Ok
    );
    assert_eq!(
        item(&r, "module.region[\"us\"].aws_eks_cluster.main").status,
        Status::ExtendedSupport
    );
    let old = item(&r, "module.region[\"eu\"].aws_msk_cluster.events[0]");
    assert_eq!(
        (old.status, old.days_left),
        (Status::UpgradeSoon, Some(120))
    );
    let new = item(&r, "module.region[\"eu\"].aws_msk_cluster.events[1]");
    assert_eq!(
        (new.status, new.end_of_standard_support),
        (Status::Ok, None)
    );
    assert_eq!(r.items.len(), 6);
    assert_eq!(r.worst(), Status::ExtendedSupport);
}

#[test]
fn aurora_is_judged_by_its_major_and_elasticache_by_its_offer() {
    let main = r#"
resource "aws_rds_cluster" "pg" {
  engine         = "aurora-postgresql"
  engine_version = "13.18"
}

resource "aws_rds_cluster" "unlisted_minor" {
  engine         = "aurora-postgresql"
  engine_version = "16.1"
}

resource "aws_rds_cluster" "mysql" {
  engine         = "aurora-mysql"
  engine_version = "5.7.mysql_aurora.2.11.5"
}

resource "aws_elasticache_replication_group" "cache" {
  engine         = "redis"
  engine_version = "7.1"
}

resource "aws_elasticache_replication_group" "gone" {
  engine         = "redis"
  engine_version = "7.2"
}
"#;
    let r = run(&[("main.tf", main)], &[], "2026-03-01");
    let pg = item(&r, "aws_rds_cluster.pg");
    assert_eq!(
        (pg.status, pg.service.as_str()),
        (Status::ExtendedSupport, "aurora-postgresql")
    );
    assert_eq!(
        item(&r, "aws_rds_cluster.unlisted_minor").status,
        Status::Ok
    );
    assert_eq!(
        item(&r, "aws_rds_cluster.mysql").status,
        Status::ExtendedSupport
    );
    let cache = item(&r, "aws_elasticache_replication_group.cache");
    assert_eq!(cache.status, Status::Ok);
    assert_eq!(cache.newest.as_deref(), Some("valkey 8.2"));
    assert_eq!(
        item(&r, "aws_elasticache_replication_group.gone").status,
        Status::Unsupported,
        "there is no Redis OSS 7.2 on ElastiCache"
    );
}

#[test]
fn a_version_known_only_after_apply_is_unknown_not_guessed() {
    let main = r#"
resource "terraform_data" "pick" {
  input = "1.31"
}

resource "aws_eks_cluster" "main" {
  name    = "c"
  version = terraform_data.pick.output
}
"#;
    let r = run(&[("main.tf", main)], &[], "2026-02-01");
    let c = item(&r, "aws_eks_cluster.main");
    assert_eq!((c.status, c.version.as_deref()), (Status::Unknown, None));
}

#[test]
fn a_computed_attribute_of_another_resource_leaves_the_version_readable() {
    let main = r#"
resource "aws_msk_configuration" "ledger" {
  name              = "ledger"
  server_properties = "min.insync.replicas = 2"
}

resource "aws_msk_cluster" "ledger" {
  cluster_name           = "ledger"
  kafka_version          = "3.6.0"
  number_of_broker_nodes = 3
  configuration_info {
    arn      = aws_msk_configuration.ledger.arn
    revision = aws_msk_configuration.ledger.latest_revision
  }
}
"#;
    let r = run(&[("main.tf", main)], &[], "2026-11-23");
    let c = item(&r, "aws_msk_cluster.ledger");
    assert_eq!(
        (c.status, c.version.as_deref()),
        (Status::Unsupported, Some("3.6.0"))
    );
}

#[test]
fn json_has_the_documented_shape() {
    let r = run(&[("main.tf", EKS)], &[("k8s", "1.31")], "2026-02-01");
    let j = r.to_json();
    assert_eq!(j["as_of"], "2026-02-01");
    let c = j["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["address"] == "aws_eks_cluster.main")
        .unwrap();
    for key in [
        "address",
        "service",
        "version",
        "newest",
        "end_of_standard_support",
        "end_of_extended_support",
        "days_left",
        "status",
    ] {
        assert!(c.get(key).is_some(), "{key} in {c}");
    }
    assert_eq!(c["status"], "extended_support");
}
