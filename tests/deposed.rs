//! create_before_destroy when the old object cannot be destroyed: the new object is in
//! state, the old one stays recorded as deposed, and a later apply destroys it.

mod common;
use common::{run as galley, text};

use std::path::Path;

fn config(with_subnet: bool) -> String {
    let mut c = String::from(
        r#"provider "aws" {
  region = "eu-west-1"
}

variable "cidr" {
  type    = string
  default = "10.0.0.0/16"
}

resource "aws_vpc" "v" {
  cidr_block = var.cidr
  lifecycle {
    create_before_destroy = true
  }
}
"#,
    );
    if with_subnet {
        // Left behind in the old VPC, where it blocks that VPC's deletion.
        c.push_str(
            r#"
resource "aws_subnet" "s" {
  vpc_id     = aws_vpc.v.id
  cidr_block = "10.0.1.0/24"
  lifecycle {
    ignore_changes = [vpc_id]
  }
}
"#,
        );
    }
    c
}

/// (type, cidr_block) of every object in the simulator's world.
fn world(dir: &Path) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir.join(".galley/sim")).unwrap() {
        let p = e.unwrap().path();
        if p.extension().is_none_or(|x| x != "json") {
            continue;
        }
        let j: serde_json::Value = serde_json::from_slice(&std::fs::read(p).unwrap()).unwrap();
        for (ty, objs) in j["objects"].as_object().unwrap() {
            for o in objs.as_object().unwrap().values() {
                out.push((ty.clone(), o["cidr_block"].as_str().unwrap_or("").into()));
            }
        }
    }
    out.sort();
    out
}

#[test]
fn an_old_object_whose_destroy_failed_is_kept_as_deposed_and_destroyed_later() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    std::fs::write(dir.join("main.tf"), config(true)).unwrap();
    let o = galley(dir, &["--sim", "apply", "-auto-approve"]);
    assert!(o.status.success(), "{}", text(&o));

    let o = galley(
        dir,
        &[
            "--sim",
            "apply",
            "-auto-approve",
            "-var",
            "cidr=10.0.0.0/17",
        ],
    );
    assert!(!o.status.success(), "the old VPC still has a subnet");
    assert!(text(&o).contains("DependencyViolation"), "{}", text(&o));

    // Both VPCs exist and both are in the state: the new one current, the old deposed.
    let plan = galley(
        dir,
        &[
            "--sim",
            "plan",
            "-detailed-exitcode",
            "-var",
            "cidr=10.0.0.0/17",
        ],
    );
    let out = text(&plan);
    assert_eq!(plan.status.code(), Some(2), "{out}");
    assert!(
        out.contains("# aws_vpc.v (deposed object ") && out.contains(") will be destroyed"),
        "{out}"
    );
    assert!(out.contains("0 to add, 0 to change, 1 to destroy"), "{out}");

    // Once the subnet is gone, the deposed VPC goes too.
    std::fs::write(dir.join("main.tf"), config(false)).unwrap();
    let o = galley(
        dir,
        &[
            "--sim",
            "apply",
            "-auto-approve",
            "-var",
            "cidr=10.0.0.0/17",
        ],
    );
    assert!(o.status.success(), "{}", text(&o));
    assert_eq!(
        world(dir),
        vec![("aws_vpc".to_string(), "10.0.0.0/17".to_string())]
    );
    let plan = galley(
        dir,
        &[
            "--sim",
            "plan",
            "-detailed-exitcode",
            "-var",
            "cidr=10.0.0.0/17",
        ],
    );
    assert_eq!(plan.status.code(), Some(0), "{}", text(&plan));
}

/// As in Terraform, the object a create_before_destroy replaces is destroyed only after
/// what refers to it has moved to the new one: the cluster is updated to the new
/// parameter group first, then the old group (which RDS refuses to delete while a
/// cluster uses it) goes.
#[test]
fn the_replaced_object_goes_after_its_dependents_moved_to_the_new_one() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    std::fs::write(
        dir.join("main.tf"),
        r#"provider "aws" {
  region = "eu-west-1"
}

variable "suffix" {
  type    = string
  default = ""
}

resource "aws_rds_cluster_parameter_group" "pg" {
  name   = "orders-pg16${var.suffix}"
  family = "aurora-postgresql16"
  lifecycle {
    create_before_destroy = true
  }
}

resource "aws_rds_cluster" "db" {
  cluster_identifier              = "orders"
  engine                          = "aurora-postgresql"
  engine_version                  = "16.8"
  master_username                 = "orders"
  manage_master_user_password     = true
  db_cluster_parameter_group_name = aws_rds_cluster_parameter_group.pg.name
  apply_immediately               = true
  skip_final_snapshot             = true
}
"#,
    )
    .unwrap();
    let o = galley(dir, &["--sim", "apply", "-auto-approve"]);
    assert!(o.status.success(), "{}", text(&o));
    let o = galley(
        dir,
        &["--sim", "apply", "-auto-approve", "-var", "suffix=-b"],
    );
    let out = text(&o);
    assert!(o.status.success(), "{out}");
    let updated = out
        .find("aws_rds_cluster.db: Modifications complete")
        .unwrap_or_else(|| panic!("the cluster is updated:\n{out}"));
    let destroyed = out
        .rfind("aws_rds_cluster_parameter_group.pg: Destruction complete")
        .unwrap_or_else(|| panic!("the old group is destroyed:\n{out}"));
    assert!(updated < destroyed, "{out}");
    let plan = galley(
        dir,
        &["--sim", "plan", "-detailed-exitcode", "-var", "suffix=-b"],
    );
    assert_eq!(plan.status.code(), Some(0), "{}", text(&plan));
}

/// A replacement that keeps a name the service keeps unique (a security group's) or a
/// range no other subnet may overlap: the old object is destroyed before the new one is
/// created, so the plan must not refuse it as a duplicate (the real API would not see
/// one); a second object with the same name is refused at apply.
#[test]
fn a_replacement_may_reuse_a_unique_name_or_range() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let config = |extra: &str| {
        format!(
            r#"provider "aws" {{
  region = "eu-west-1"
}}

variable "d" {{
  type    = string
  default = "one"
}}

resource "aws_vpc" "v" {{
  cidr_block = "10.0.0.0/16"
}}

resource "aws_security_group" "s" {{
  name        = "web"
  description = var.d
  vpc_id      = aws_vpc.v.id
}}

resource "aws_subnet" "s" {{
  vpc_id     = aws_vpc.v.id
  cidr_block = var.d == "one" ? "10.0.0.0/20" : "10.0.0.0/22"
}}
{extra}"#
        )
    };
    std::fs::write(dir.join("main.tf"), config("")).unwrap();
    let o = galley(dir, &["--sim", "apply", "-auto-approve"]);
    assert!(o.status.success(), "{}", text(&o));
    let o = galley(dir, &["--sim", "apply", "-auto-approve", "-var", "d=two"]);
    let out = text(&o);
    assert!(o.status.success(), "{out}");
    assert!(out.contains("2 added, 0 changed, 2 destroyed"), "{out}");

    std::fs::write(
        dir.join("main.tf"),
        config(
            r#"
resource "aws_security_group" "again" {
  name        = "web"
  description = "two"
  vpc_id      = aws_vpc.v.id
}
"#,
        ),
    )
    .unwrap();
    let o = galley(dir, &["--sim", "apply", "-auto-approve", "-var", "d=two"]);
    assert!(!o.status.success(), "{}", text(&o));
    assert!(text(&o).contains("InvalidGroup.Duplicate"), "{}", text(&o));
}
