//! Aurora through `galley plan` and `apply`: a major version upgrade is planned with its
//! checks (the parameter group of the target family) and applied on the simulator.

mod common;
use common::{run_dated as galley, text};

fn config(version: &str, group: &str) -> String {
    format!(
        r#"provider "aws" {{
  region = "eu-west-1"
}}

resource "aws_rds_cluster_parameter_group" "pg15" {{
  name   = "orders-pg15"
  family = "aurora-postgresql15"
}}

resource "aws_rds_cluster_parameter_group" "pg16" {{
  name   = "orders-pg16"
  family = "aurora-postgresql16"
}}

resource "aws_rds_cluster" "orders" {{
  cluster_identifier              = "orders"
  engine                          = "aurora-postgresql"
  engine_version                  = "{version}"
  master_username                 = "app"
  master_password                 = "secret-password"
  apply_immediately               = true
  allow_major_version_upgrade     = true
  db_cluster_parameter_group_name = aws_rds_cluster_parameter_group.{group}.name
}}
"#
    )
}

#[test]
fn an_aurora_major_upgrade_needs_a_parameter_group_of_the_target_family() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    std::fs::write(dir.join("main.tf"), config("15.10", "pg15")).unwrap();
    let o = galley(dir, &["--sim", "apply", "-auto-approve"]);
    assert!(o.status.success(), "{}", text(&o));

    std::fs::write(dir.join("main.tf"), config("16.8", "pg15")).unwrap();
    let o = galley(dir, &["--sim", "plan"]);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    // Refused at plan, before anything changes (by the simulator's RDS rule, which the
    // planner's parameter_group_family check also states).
    assert!(text(&o).contains("aurora-postgresql16"), "{}", text(&o));

    std::fs::write(dir.join("main.tf"), config("16.8", "pg16")).unwrap();
    let o = galley(dir, &["--sim", "plan", "--json"]);
    assert!(o.status.success(), "{}", text(&o));
    let j: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(j["upgrades"][0]["kind"], "aurora");
    assert_eq!(j["upgrades"][0]["steps"][0]["action"], "engine_major");
    assert_eq!(j["upgrades"][0]["steps"][0]["target"], "16.8");

    let o = galley(dir, &["--sim", "apply", "-auto-approve"]);
    assert!(o.status.success(), "{}", text(&o));
    let o = galley(dir, &["--sim", "plan", "-detailed-exitcode"]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
}
