//! End to end: the quickstart example on the simulator — plan, apply, no-change plan,
//! variable change gives an update, destroy empties state and the simulator's world.

mod common;
use common::{run as galley, text};

use std::path::{Path, PathBuf};

fn quickstart() -> (tempfile::TempDir, PathBuf) {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("quickstart");
    common::copy_tree(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/quickstart"),
        &dir,
    );
    (tmp, dir)
}

fn world_objects(dir: &Path) -> usize {
    let mut n = 0;
    for e in std::fs::read_dir(dir.join(".galley/sim")).unwrap() {
        let j: serde_json::Value =
            serde_json::from_slice(&std::fs::read(e.unwrap().path()).unwrap()).unwrap();
        for objs in j["objects"].as_object().unwrap().values() {
            n += objs.as_object().unwrap().len();
        }
    }
    n
}

#[test]
fn quickstart_plans_applies_updates_and_destroys() {
    let (_tmp, dir) = quickstart();

    let plan = galley(&dir, &["--sim", "plan", "-detailed-exitcode"]);
    assert_eq!(plan.status.code(), Some(2), "{}", text(&plan));
    let out = text(&plan);
    assert!(
        out.contains("Plan: 8 to add, 0 to change, 0 to destroy."),
        "{out}"
    );
    assert!(
        out.contains("# aws_subnet.private[\"eu-west-1a\"] will be created"),
        "{out}"
    );
    assert!(
        out.contains("cidr_block                      = \"10.20.1.0/24\""),
        "{out}"
    );
    assert!(
        out.contains("id                           = (known after apply)"),
        "{out}"
    );

    let apply = galley(&dir, &["--sim", "apply", "-auto-approve"]);
    assert!(apply.status.success(), "{}", text(&apply));
    assert!(
        text(&apply).contains("Apply complete! Resources: 8 added"),
        "{}",
        text(&apply)
    );
    assert_eq!(world_objects(&dir), 8);

    let again = galley(&dir, &["--sim", "plan", "-detailed-exitcode"]);
    assert_eq!(again.status.code(), Some(0), "{}", text(&again));
    assert!(text(&again).contains("No changes."), "{}", text(&again));

    let out = galley(&dir, &["output", "-json"]);
    let j: serde_json::Value = serde_json::from_slice(&out.stdout).expect("output -json is JSON");
    assert_eq!(j["fqdn"]["value"], "app.quickstart.example.com");
    assert_eq!(j["web_ips"]["value"].as_array().map(Vec::len), Some(2));

    let changed = galley(
        &dir,
        &[
            "--sim",
            "plan",
            "-var",
            "owner=payments",
            "-detailed-exitcode",
        ],
    );
    assert_eq!(changed.status.code(), Some(2), "{}", text(&changed));
    let out = text(&changed);
    assert!(out.contains("will be updated in-place"), "{out}");
    assert!(out.contains("0 to add, 5 to change, 0 to destroy"), "{out}");

    let destroy = galley(&dir, &["--sim", "destroy", "-auto-approve"]);
    assert!(destroy.status.success(), "{}", text(&destroy));
    let list = galley(&dir, &["state", "list"]);
    assert_eq!(String::from_utf8_lossy(&list.stdout), "");
    assert_eq!(world_objects(&dir), 0);
}

#[test]
fn saved_plan_applies_once_and_stale_plan_is_refused() {
    let (_tmp, dir) = quickstart();
    let plan = galley(&dir, &["--sim", "plan", "-out", "tfplan"]);
    assert!(plan.status.success(), "{}", text(&plan));
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(dir.join("tfplan"))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600, "a plan file holds secrets: owner only");
    }
    let apply = galley(&dir, &["--sim", "apply", "tfplan"]);
    assert!(apply.status.success(), "{}", text(&apply));
    let stale = galley(&dir, &["--sim", "apply", "tfplan"]);
    assert_eq!(stale.status.code(), Some(1));
    assert!(
        text(&stale).contains("Saved plan is stale"),
        "{}",
        text(&stale)
    );
}

#[test]
fn a_saved_plan_is_refused_when_its_configuration_changed_or_it_was_edited() {
    let (_tmp, dir) = quickstart();
    let plan = galley(&dir, &["--sim", "plan", "-out", "tfplan"]);
    assert!(plan.status.success(), "{}", text(&plan));
    let saved = std::fs::read(dir.join("tfplan")).unwrap();

    // A module file changed since the plan: refused, naming it; nothing applied.
    let module = dir.join("net/main.tf");
    let original = std::fs::read_to_string(&module).unwrap();
    std::fs::write(&module, format!("{original}\n# changed after the plan\n")).unwrap();
    let o = galley(&dir, &["--sim", "apply", "tfplan"]);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    assert!(
        text(&o).contains("Saved plan does not match the configuration: net/main.tf changed"),
        "{}",
        text(&o)
    );
    assert!(!dir.join("galley.tfstate").exists(), "nothing applied");
    std::fs::write(&module, original).unwrap();

    // The plan file edited (a planned CIDR changed, the JSON still valid): refused.
    let edited =
        String::from_utf8(saved.clone())
            .unwrap()
            .replacen("10.20.0.0/16", "10.99.0.0/16", 1);
    assert_ne!(edited.as_bytes(), &saved[..]);
    std::fs::write(dir.join("tfplan"), edited).unwrap();
    let o = galley(&dir, &["--sim", "apply", "tfplan"]);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    assert!(text(&o).contains("checksum mismatch"), "{}", text(&o));
    assert!(!dir.join("galley.tfstate").exists(), "nothing applied");

    // The plan as written still applies.
    std::fs::write(dir.join("tfplan"), &saved).unwrap();
    let o = galley(&dir, &["--sim", "apply", "tfplan"]);
    assert!(o.status.success(), "{}", text(&o));
}

#[test]
fn json_plan_follows_the_contract() {
    let (_tmp, dir) = quickstart();
    let plan = galley(&dir, &["--sim", "plan", "--json"]);
    assert!(plan.status.success(), "{}", text(&plan));
    let j: serde_json::Value = serde_json::from_slice(&plan.stdout).expect("JSON plan");
    assert_eq!(j["format_version"], "1");
    let changes = j["resource_changes"].as_array().unwrap();
    assert_eq!(changes.len(), 8);
    let vpc = changes
        .iter()
        .find(|c| c["address"] == "aws_vpc.main")
        .unwrap();
    assert_eq!(vpc["action"], "create");
    assert_eq!(vpc["after"]["cidr_block"], "10.20.0.0/16");
    assert!(vpc["after_unknown"]
        .as_array()
        .unwrap()
        .iter()
        .any(|p| p == "arn"));
    assert!(j["upgrades"].is_array());
    assert!(j["diagnostics"].is_array());
}

#[test]
fn without_sim_and_without_credentials_the_plan_says_what_to_do() {
    let (_tmp, dir) = quickstart();
    let plan = galley(&dir, &["plan"]);
    let out = text(&plan);
    assert_eq!(plan.status.code(), Some(1), "{out}");
    assert!(
        out.contains("no valid credential sources found for the aws provider")
            && out.contains("AWS_PROFILE")
            && out.contains("run with --sim"),
        "{out}"
    );
}
