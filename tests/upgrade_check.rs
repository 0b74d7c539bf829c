//! `galley upgrade check`: the support calendar of every versioned resource, reproducible
//! with `--as-of` or `GALLEY_TODAY`, with `--json` and `--fail-on`.

mod common;

use std::path::Path;
use std::process::Output;

fn galley(dir: &Path, args: &[&str], today: Option<&str>) -> Output {
    let mut c = common::galley(dir);
    c.args(args);
    if let Some(t) = today {
        c.env("GALLEY_TODAY", t);
    }
    c.output().expect("galley runs")
}

const CONFIG: &str = r#"variable "k8s" {
  type = string
}

resource "aws_eks_cluster" "main" {
  name     = "accounts"
  role_arn = "arn:aws:iam::123456789012:role/eks"
  version  = var.k8s
  vpc_config {
    subnet_ids = []
  }
}

resource "aws_msk_cluster" "events" {
  cluster_name           = "events"
  kafka_version          = "3.8.x"
  number_of_broker_nodes = 3
}
"#;

fn setup() -> tempfile::TempDir {
    let tmp = tempfile::tempdir().unwrap();
    std::fs::write(tmp.path().join("main.tf"), CONFIG).unwrap();
    std::fs::write(tmp.path().join("prod.tfvars"), "k8s = \"1.31\"\n").unwrap();
    tmp
}

#[test]
fn the_table_shows_each_version_where_it_stands() {
    let tmp = setup();
    let o = galley(
        tmp.path(),
        &[
            "upgrade",
            "check",
            "-var-file=prod.tfvars",
            "-as-of=2026-02-01",
        ],
        None,
    );
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(
        o.status.success(),
        "{out}{}",
        String::from_utf8_lossy(&o.stderr)
    );
    assert!(out.starts_with("Versions as of 2026-02-01:"), "{out}");
    let eks = out
        .lines()
        .find(|l| l.starts_with("aws_eks_cluster.main"))
        .unwrap();
    for part in [
        "1.31",
        "1.35",
        "2025-11-26",
        "2026-11-26",
        "298",
        "extended_support",
    ] {
        assert!(eks.contains(part), "{part} in {eks:?}");
    }
    let msk = out
        .lines()
        .find(|l| l.starts_with("aws_msk_cluster.events"))
        .unwrap();
    assert!(msk.ends_with(" ok"), "{msk:?}");
}

#[test]
fn json_and_fail_on_are_reproducible_with_galley_today() {
    let tmp = setup();
    let o = galley(
        tmp.path(),
        &["upgrade", "check", "--json", "-var", "k8s=1.31"],
        Some("2026-12-01"),
    );
    assert!(o.status.success());
    let j: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(j["as_of"], "2026-12-01");
    let eks = &j["items"][0];
    assert_eq!(eks["address"], "aws_eks_cluster.main");
    assert_eq!(eks["status"], "unsupported");
    assert_eq!(eks["days_left"], -5);

    let fail = |level: &str, k8s: &str| {
        let var = format!("k8s={k8s}");
        galley(
            tmp.path(),
            &["upgrade", "check", "--fail-on", level, "-var", &var],
            Some("2026-02-01"),
        )
    };
    let o = fail("extended", "1.31");
    assert_eq!(o.status.code(), Some(1));
    assert!(
        String::from_utf8_lossy(&o.stderr).contains("aws_eks_cluster.main"),
        "the failing address is named"
    );
    assert_eq!(fail("unsupported", "1.31").status.code(), Some(0));
    assert_eq!(fail("extended", "1.34").status.code(), Some(0));
}

#[test]
fn a_malformed_date_is_an_error() {
    let tmp = setup();
    let o = galley(
        tmp.path(),
        &["upgrade", "check", "-var", "k8s=1.31", "--as-of", "1 May"],
        None,
    );
    assert_eq!(o.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&o.stderr).contains("YYYY-MM-DD"));
}
