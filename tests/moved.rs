//! End to end on `terraform_data`: `moved` blocks, `import` blocks and
//! `lifecycle.replace_triggered_by`, through plan, `--json`, saved plans and apply.

mod common;
use common::{run as galley, text};

use std::path::Path;

fn write(dir: &Path, tf: &str) {
    std::fs::write(dir.join("main.tf"), tf).expect("write main.tf");
}

/// Runs galley and asserts its exit code.
fn ok(dir: &Path, args: &[&str], code: i32) -> String {
    let o = galley(dir, args);
    let out = text(&o);
    assert_eq!(o.status.code(), Some(code), "galley {args:?}:\n{out}");
    out
}

fn json_plan(dir: &Path) -> serde_json::Value {
    let o = galley(dir, &["plan", "--json"]);
    assert!(o.status.success(), "{}", text(&o));
    serde_json::from_slice(&o.stdout).expect("JSON plan")
}

fn change<'a>(plan: &'a serde_json::Value, addr: &str) -> &'a serde_json::Value {
    plan["resource_changes"]
        .as_array()
        .expect("resource_changes")
        .iter()
        .find(|c| c["address"] == addr)
        .unwrap_or_else(|| panic!("no change for {addr} in {plan}"))
}

/// Every instance in state: (address, id).
fn state_ids(dir: &Path) -> Vec<(String, String)> {
    let j: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.join("galley.tfstate")).expect("state"))
            .expect("state JSON");
    let mut out = Vec::new();
    for r in j["resources"].as_array().expect("resources") {
        let base = match r["module"].as_str() {
            Some(m) => format!(
                "{m}.{}.{}",
                r["type"].as_str().unwrap(),
                r["name"].as_str().unwrap()
            ),
            None => format!(
                "{}.{}",
                r["type"].as_str().unwrap(),
                r["name"].as_str().unwrap()
            ),
        };
        for i in r["instances"].as_array().expect("instances") {
            let key = match &i["index_key"] {
                serde_json::Value::Number(n) => format!("[{n}]"),
                serde_json::Value::String(s) => format!("[\"{s}\"]"),
                _ => String::new(),
            };
            let id = i["attributes"]["id"]
                .as_str()
                .unwrap_or_default()
                .to_string();
            out.push((format!("{base}{key}"), id));
        }
    }
    out.sort();
    out
}

fn id_of(dir: &Path, addr: &str) -> String {
    state_ids(dir)
        .into_iter()
        .find(|(a, _)| a == addr)
        .map(|(_, id)| id)
        .unwrap_or_else(|| panic!("{addr} not in state"))
}

#[test]
fn renamed_resource_is_moved_in_state_without_being_replaced() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    write(
        dir,
        "resource \"terraform_data\" \"old\" {\n  input = \"a\"\n}\n",
    );
    ok(dir, &["apply", "-auto-approve"], 0);
    let id = id_of(dir, "terraform_data.old");

    write(
        dir,
        "resource \"terraform_data\" \"new\" {\n  input = \"a\"\n}\nmoved {\n  from = terraform_data.old\n  to   = terraform_data.new\n}\n",
    );
    let out = ok(dir, &["plan", "-detailed-exitcode"], 2);
    assert!(
        out.contains("# terraform_data.old has moved to terraform_data.new"),
        "{out}"
    );
    assert!(
        out.contains("Plan: 0 to add, 0 to change, 0 to destroy."),
        "{out}"
    );

    let j = json_plan(dir);
    let c = change(&j, "terraform_data.new");
    assert_eq!(c["previous_address"], "terraform_data.old");
    assert_eq!(c["action"], "no-op");

    let out = ok(dir, &["apply", "-auto-approve"], 0);
    assert!(out.contains("0 added, 0 changed, 0 destroyed"), "{out}");
    assert_eq!(
        state_ids(dir),
        [("terraform_data.new".to_string(), id)],
        "same object, new address"
    );
    let out = ok(dir, &["plan", "-detailed-exitcode"], 0);
    assert!(out.contains("No changes."), "{out}");
}

#[test]
fn moved_and_changed_resource_is_updated_with_its_old_address_shown() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    write(
        dir,
        "resource \"terraform_data\" \"a\" {\n  count = 2\n  input = \"x\"\n}\n",
    );
    ok(dir, &["apply", "-auto-approve"], 0);
    let id1 = id_of(dir, "terraform_data.a[1]");
    write(
        dir,
        "resource \"terraform_data\" \"b\" {\n  for_each = toset([\"k\"])\n  input = \"y\"\n}\nmoved {\n  from = terraform_data.a[1]\n  to   = terraform_data.b[\"k\"]\n}\n",
    );
    let out = ok(dir, &["plan", "-out", "tfplan"], 0);
    assert!(
        out.contains("  # terraform_data.b[\"k\"] will be updated in-place\n  # (moved from terraform_data.a[1])\n"),
        "{out}"
    );
    assert!(
        out.contains("# terraform_data.a[0] will be destroyed"),
        "{out}"
    );
    let out = ok(dir, &["apply", "tfplan"], 0);
    assert!(out.contains("0 added, 1 changed, 1 destroyed"), "{out}");
    assert_eq!(
        state_ids(dir),
        [("terraform_data.b[\"k\"]".to_string(), id1)]
    );
}

#[test]
fn resource_moves_into_a_module_and_count_change_is_implied() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    std::fs::create_dir_all(dir.join("net")).unwrap();
    std::fs::write(
        dir.join("net/main.tf"),
        "resource \"terraform_data\" \"x\" {}\n",
    )
    .unwrap();
    write(
        dir,
        "resource \"terraform_data\" \"x\" {}\nresource \"terraform_data\" \"c\" {}\n",
    );
    ok(dir, &["apply", "-auto-approve"], 0);
    let (x, c) = (
        id_of(dir, "terraform_data.x"),
        id_of(dir, "terraform_data.c"),
    );
    write(
        dir,
        "module \"net\" {\n  source = \"./net\"\n}\nresource \"terraform_data\" \"c\" {\n  count = 1\n}\nmoved {\n  from = terraform_data.x\n  to   = module.net.terraform_data.x\n}\n",
    );
    let out = ok(dir, &["plan", "-detailed-exitcode"], 2);
    assert!(
        out.contains("# terraform_data.x has moved to module.net.terraform_data.x"),
        "{out}"
    );
    assert!(
        out.contains("# terraform_data.c has moved to terraform_data.c[0]"),
        "adding count moves the object to [0]: {out}"
    );
    ok(dir, &["apply", "-auto-approve"], 0);
    assert_eq!(
        state_ids(dir),
        [
            ("module.net.terraform_data.x".to_string(), x),
            ("terraform_data.c[0]".to_string(), c)
        ]
    );
}

#[test]
fn move_onto_an_existing_object_warns_and_plans_to_destroy_the_source() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    write(
        dir,
        "resource \"terraform_data\" \"a\" {}\nresource \"terraform_data\" \"b\" {}\n",
    );
    ok(dir, &["apply", "-auto-approve"], 0);
    write(
        dir,
        "resource \"terraform_data\" \"b\" {}\nmoved {\n  from = terraform_data.a\n  to   = terraform_data.b\n}\n",
    );
    let out = ok(dir, &["plan"], 0);
    assert!(
        out.contains("Unresolved resource instance address changes"),
        "{out}"
    );
    assert!(
        out.contains("terraform_data.a could not move to terraform_data.b"),
        "{out}"
    );
    assert!(
        out.contains("# terraform_data.a will be destroyed"),
        "{out}"
    );
}

#[test]
fn move_to_an_address_without_configuration_destroys_it_and_says_why() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    write(dir, "resource \"terraform_data\" \"gone\" {}\n");
    ok(dir, &["apply", "-auto-approve"], 0);
    write(
        dir,
        "moved {\n  from = terraform_data.gone\n  to   = terraform_data.nowhere\n}\n",
    );
    let out = ok(dir, &["plan"], 0);
    assert!(out.contains("  # terraform_data.nowhere will be destroyed\n  # (because terraform_data.gone was moved to terraform_data.nowhere, which is not in configuration)\n  # (moved from terraform_data.gone)\n"), "{out}");
}

#[test]
fn conflicting_moved_blocks_fail_the_plan_with_the_block_located() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    write(
        dir,
        "resource \"terraform_data\" \"b\" {}\nresource \"terraform_data\" \"c\" {}\nmoved {\n  from = terraform_data.a\n  to   = terraform_data.b\n}\nmoved {\n  from = terraform_data.a\n  to   = terraform_data.c\n}\n",
    );
    let out = ok(dir, &["plan"], 1);
    assert!(out.contains("Ambiguous move statements"), "{out}");
    assert!(
        out.contains("main.tf:7:1"),
        "points at the second block: {out}"
    );
    write(
        dir,
        "resource \"terraform_data\" \"b\" {}\nmoved {\n  from = terraform_data.b\n  to   = terraform_data.c\n}\n",
    );
    let out = ok(dir, &["plan"], 1);
    assert!(out.contains("Moved object still exists"), "{out}");
}

#[test]
fn import_adopts_existing_objects_and_is_a_no_op_once_in_state() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    write(dir, "resource \"terraform_data\" \"a\" {}\nresource \"terraform_data\" \"b\" {\n  input = \"x\"\n}\n");
    ok(dir, &["apply", "-auto-approve"], 0);
    let (a, b) = (
        id_of(dir, "terraform_data.a"),
        id_of(dir, "terraform_data.b"),
    );
    ok(
        dir,
        &["state", "rm", "terraform_data.a", "terraform_data.b"],
        0,
    );
    write(
        dir,
        &format!(
            "variable \"bid\" {{\n  default = \"{b}\"\n}}\nresource \"terraform_data\" \"a\" {{}}\nresource \"terraform_data\" \"b\" {{\n  input = \"y\"\n}}\nimport {{\n  to = terraform_data.a\n  id = \"{a}\"\n}}\nimport {{\n  to = terraform_data.b\n  id = var.bid\n}}\n"
        ),
    );
    let out = ok(dir, &["plan", "-detailed-exitcode"], 2);
    assert!(
        out.contains("  # terraform_data.a will be imported\n"),
        "{out}"
    );
    assert!(
        out.contains(&format!(
            "  # terraform_data.b will be updated in-place\n  # (imported from \"{b}\")\n"
        )),
        "{out}"
    );
    assert!(
        out.contains("Plan: 2 to import, 0 to add, 1 to change, 0 to destroy."),
        "{out}"
    );
    let j = json_plan(dir);
    assert_eq!(
        change(&j, "terraform_data.a")["importing"]["id"],
        a.as_str()
    );
    assert_eq!(change(&j, "terraform_data.b")["action"], "update");
    assert_eq!(j["summary"]["import"], 2);

    let out = ok(dir, &["apply", "-auto-approve"], 0);
    assert!(
        out.contains("Resources: 2 imported, 0 added, 1 changed, 0 destroyed."),
        "{out}"
    );
    assert_eq!(
        state_ids(dir),
        [
            ("terraform_data.a".to_string(), a),
            ("terraform_data.b".to_string(), b)
        ]
    );
    // The import blocks stay; what is in state is not imported again.
    let out = ok(dir, &["plan", "-detailed-exitcode"], 0);
    assert!(out.contains("No changes."), "{out}");
}

#[test]
fn import_errors_name_the_target() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    write(
        dir,
        "resource \"terraform_data\" \"a\" {}\nimport {\n  to = terraform_data.a\n  id = \"no-such-object\"\n}\n",
    );
    let out = ok(dir, &["plan"], 1);
    assert!(
        out.contains("Cannot import non-existent remote object"),
        "{out}"
    );
    assert!(out.contains("no-such-object"), "{out}");
    write(
        dir,
        "resource \"terraform_data\" \"a\" {}\nimport {\n  to = terraform_data.missing\n  id = \"x\"\n}\n",
    );
    let out = ok(dir, &["validate"], 1);
    assert!(
        out.contains("Configuration for import target does not exist"),
        "{out}"
    );
    assert!(out.contains("main.tf:3:8"), "points at `to`: {out}");
}

const TRIGGERS: &str = r#"
variable "v" {
  default = "1"
}
resource "terraform_data" "src" {
  input = var.v
}
resource "terraform_data" "whole" {
  lifecycle {
    replace_triggered_by = [terraform_data.src]
  }
}
resource "terraform_data" "attr" {
  count = 2
  lifecycle {
    replace_triggered_by = [terraform_data.src.input]
  }
}
resource "terraform_data" "id" {
  lifecycle {
    replace_triggered_by = [terraform_data.src.id]
  }
}
"#;

#[test]
fn replace_triggered_by_replaces_when_the_reference_changes() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    write(dir, TRIGGERS);
    ok(dir, &["apply", "-auto-approve"], 0);
    let before = state_ids(dir);
    let out = ok(dir, &["plan", "-var", "v=2"], 0);
    assert!(
        out.contains(
            "# terraform_data.whole will be replaced due to changes in replace_triggered_by"
        ),
        "{out}"
    );
    assert!(
        out.contains(
            "# terraform_data.attr[1] will be replaced due to changes in replace_triggered_by"
        ),
        "{out}"
    );
    assert!(
        !out.contains("terraform_data.id will"),
        "src.id does not change: {out}"
    );
    assert!(
        out.contains("Plan: 3 to add, 1 to change, 3 to destroy."),
        "{out}"
    );
    let out = ok(dir, &["apply", "-auto-approve", "-var", "v=2"], 0);
    assert!(out.contains("3 added, 1 changed, 3 destroyed"), "{out}");
    let after = state_ids(dir);
    let changed: Vec<&str> = before
        .iter()
        .zip(&after)
        .filter(|(b, a)| b.1 != a.1)
        .map(|(b, _)| b.0.as_str())
        .collect();
    assert_eq!(
        changed,
        [
            "terraform_data.attr[0]",
            "terraform_data.attr[1]",
            "terraform_data.whole"
        ]
    );
    ok(dir, &["plan", "-var", "v=2", "-detailed-exitcode"], 0);
}

#[test]
fn replace_triggered_by_accepts_only_resource_references() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    write(
        dir,
        "variable \"v\" {\n  default = 1\n}\nresource \"terraform_data\" \"a\" {\n  lifecycle {\n    replace_triggered_by = [var.v]\n  }\n}\n",
    );
    let out = ok(dir, &["validate"], 1);
    assert!(
        out.contains("Invalid reference in replace_triggered_by expression"),
        "{out}"
    );
    assert!(out.contains("main.tf:6:29"), "points at var.v: {out}");
}

/// `galley import ADDR ID` writes only that instance to state, changes nothing, and
/// refuses what Terraform refuses: an address already in state, one without a resource
/// block, an id that names no object.
#[test]
fn the_import_command_adopts_one_object_and_changes_nothing_else() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    write(dir, "resource \"terraform_data\" \"a\" {}\nresource \"terraform_data\" \"b\" {\n  input = \"x\"\n}\n");
    ok(dir, &["apply", "-auto-approve"], 0);
    let (a, b) = (
        id_of(dir, "terraform_data.a"),
        id_of(dir, "terraform_data.b"),
    );
    ok(
        dir,
        &["state", "rm", "terraform_data.a", "terraform_data.b"],
        0,
    );
    // b's configuration now differs from the object: import still changes nothing.
    write(dir, "resource \"terraform_data\" \"a\" {}\nresource \"terraform_data\" \"b\" {\n  input = \"y\"\n}\nresource \"terraform_data\" \"c\" {}\n");
    let out = ok(dir, &["import", "terraform_data.b", &b], 0);
    assert!(out.contains("Import successful!"), "{out}");
    assert_eq!(
        state_ids(dir),
        [("terraform_data.b".to_string(), b.clone())],
        "only the imported instance is in state; c is not created"
    );
    let out = ok(dir, &["import", "terraform_data.b", &b], 1);
    assert!(out.contains("Resource already managed by galley"), "{out}");
    let out = ok(dir, &["import", "terraform_data.nope", &a], 1);
    assert!(out.contains("does not exist"), "{out}");
    let out = ok(dir, &["import", "terraform_data.a", "no-such-id"], 1);
    assert!(
        out.contains("Cannot import non-existent remote object"),
        "{out}"
    );
    ok(dir, &["import", "terraform_data.a", &a], 0);
    // The next plan shows how the adopted objects differ from their configuration.
    let out = ok(dir, &["plan", "-detailed-exitcode"], 2);
    assert!(
        out.contains("Plan: 1 to add, 1 to change, 0 to destroy."),
        "{out}"
    );
}
