//! Aurora through `galley plan` and `apply`: a major version upgrade is planned with its
//! checks (the parameter group of the target family; logical replication for a blue/green
//! deployment) and applied on the simulator, in place or as a blue/green deployment.

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

/// A cluster upgraded by RDS blue/green deployments; the blue parameter group sets
/// logical replication as `logical` says.
fn blue_green_config(version: &str, group: &str, logical: &str) -> String {
    format!(
        r#"provider "aws" {{
  region = "eu-west-1"
}}

resource "aws_rds_cluster_parameter_group" "pg15" {{
  name   = "orders-pg15"
  family = "aurora-postgresql15"
  parameter {{
    name         = "rds.logical_replication"
    value        = "{logical}"
    apply_method = "pending-reboot"
  }}
}}

resource "aws_rds_cluster_parameter_group" "pg16" {{
  name   = "orders-pg16"
  family = "aurora-postgresql16"
  parameter {{
    name         = "rds.logical_replication"
    value        = "1"
    apply_method = "pending-reboot"
  }}
}}

resource "aws_rds_cluster" "orders" {{
  cluster_identifier              = "orders"
  engine                          = "aurora-postgresql"
  engine_version                  = "{version}"
  master_username                 = "app"
  master_password                 = "secret-password"
  allow_major_version_upgrade     = true
  db_cluster_parameter_group_name = aws_rds_cluster_parameter_group.{group}.name

  blue_green_update {{
    enabled            = true
    switchover_timeout = 600
  }}
}}

resource "aws_rds_cluster_instance" "writer" {{
  identifier         = "orders-1"
  cluster_identifier = aws_rds_cluster.orders.id
  engine             = aws_rds_cluster.orders.engine
  instance_class     = "db.r6g.large"
}}

output "endpoint" {{
  value = aws_rds_cluster.orders.endpoint
}}
"#
    )
}

#[test]
fn an_aurora_major_upgrade_with_blue_green_update_is_planned_and_applied_as_a_deployment() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    std::fs::write(dir.join("main.tf"), blue_green_config("15.10", "pg15", "0")).unwrap();
    let o = galley(dir, &["--sim", "apply", "-auto-approve"]);
    assert!(o.status.success(), "{}", text(&o));
    let endpoint = galley(dir, &["--sim", "output", "-raw", "endpoint"]).stdout;

    // Without logical replication in the blue group, the plan stops with the check.
    std::fs::write(dir.join("main.tf"), blue_green_config("16.8", "pg16", "0")).unwrap();
    let o = galley(dir, &["--sim", "plan"]);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    assert!(
        text(&o).contains(
            "orders-pg15 of aws_rds_cluster.orders does not set rds.logical_replication = 1"
        ),
        "{}",
        text(&o)
    );

    // Setting it in the same change is not enough (it needs a reboot, and nothing orders
    // the group's update before the deployment): the check reads the group as it is.
    std::fs::write(dir.join("main.tf"), blue_green_config("16.8", "pg16", "1")).unwrap();
    let o = galley(dir, &["--sim", "plan"]);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    // Enabled first, on its own; then the upgrade.
    std::fs::write(dir.join("main.tf"), blue_green_config("15.10", "pg15", "1")).unwrap();
    let o = galley(dir, &["--sim", "apply", "-auto-approve"]);
    assert!(o.status.success(), "{}", text(&o));
    std::fs::write(dir.join("main.tf"), blue_green_config("16.8", "pg16", "1")).unwrap();
    let o = galley(dir, &["--sim", "plan", "--json"]);
    assert!(o.status.success(), "{}", text(&o));
    let j: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let up = &j["upgrades"][0];
    assert_eq!(up["strategy"], "blue_green", "{up:#}");
    let steps: Vec<_> = up["steps"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| (s["action"].as_str().unwrap(), s["target"].as_str()))
        .collect();
    assert_eq!(
        steps,
        [
            ("blue_green_deployment", Some("16.8")),
            ("switchover", Some("16.8")),
            ("delete_blue", None)
        ]
    );
    let checks: Vec<_> = up["checks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| (c["name"].as_str().unwrap(), c["status"].as_str().unwrap()))
        .collect();
    assert!(
        checks.contains(&("logical_replication", "pass")),
        "{checks:?}"
    );
    assert!(
        checks.contains(&("parameter_group_family", "pass")),
        "{checks:?}"
    );
    assert_eq!(up["cost"]["estimated_downtime_minutes"], 1);
    assert_eq!(up["alternative"]["strategy"], "in_place");
    assert_eq!(up["alternative"]["cost"]["estimated_downtime_minutes"], 30);

    let o = galley(dir, &["--sim", "apply", "-auto-approve"]);
    assert!(o.status.success(), "{}", text(&o));
    assert!(text(&o).contains("blue/green"), "{}", text(&o));
    let o = galley(dir, &["--sim", "plan", "-detailed-exitcode"]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    // The switchover kept the endpoint.
    let after = galley(dir, &["--sim", "output", "-raw", "endpoint"]).stdout;
    assert!(!endpoint.is_empty());
    assert_eq!(after, endpoint);
    let o = galley(dir, &["--sim", "state", "show", "aws_rds_cluster.orders"]);
    assert!(text(&o).contains("16.8"), "{}", text(&o));
}
