//! Local workspaces, as Terraform keeps them: `default` in `galley.tfstate`, the others in
//! `galley.tfstate.d/<name>/`, the selection in `.galley/environment`.

mod common;
use common::{run, text};

fn ok(o: &std::process::Output) -> String {
    let t = text(o);
    assert!(o.status.success(), "{t}");
    t
}

#[test]
fn each_workspace_has_its_own_state_and_an_empty_one_can_be_deleted() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    std::fs::write(
        dir.join("main.tf"),
        "resource \"terraform_data\" \"a\" {}\n",
    )
    .unwrap();

    ok(&run(dir, &["apply", "-auto-approve"]));
    ok(&run(dir, &["workspace", "new", "dev"]));
    assert_eq!(ok(&run(dir, &["workspace", "show"])).trim(), "dev");
    let plan = ok(&run(dir, &["plan"]));
    assert!(plan.contains("1 to add"), "dev starts empty: {plan}");
    ok(&run(dir, &["apply", "-auto-approve"]));
    assert!(dir.join("galley.tfstate.d/dev/galley.tfstate").is_file());
    assert_eq!(
        ok(&run(dir, &["workspace", "list"])).trim_end(),
        "  default\n* dev"
    );

    // Names are checked; a missing workspace is not selected.
    let o = run(dir, &["workspace", "new", "a/b"]);
    assert!(!o.status.success() && text(&o).contains("not allowed"));
    let o = run(dir, &["workspace", "select", "nope"]);
    assert!(!o.status.success() && text(&o).contains("doesn't exist"));

    // dev tracks terraform_data.a: destroy it, then it can go.
    ok(&run(dir, &["destroy", "-auto-approve"]));
    ok(&run(dir, &["workspace", "select", "default"]));
    let o = run(dir, &["workspace", "delete", "default"]);
    assert!(!o.status.success(), "{}", text(&o));
    ok(&run(dir, &["workspace", "delete", "dev"]));
    assert!(!dir.join("galley.tfstate.d/dev").exists());
    let plan = ok(&run(dir, &["plan", "-detailed-exitcode"]));
    assert!(
        plan.contains("No changes"),
        "default kept its state: {plan}"
    );
}
