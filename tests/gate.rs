//! `galley gate` end to end: a real repository in a temp dir with a base and a head
//! commit, rehearsed on the simulator.

use std::path::Path;
use std::process::{Command, Output};

use git2::{IndexAddOption, Repository, Signature};

const PLAIN: &str = "provider \"aws\" {\n  region = \"eu-west-1\"\n}\n\nresource \"aws_vpc\" \"main\" {\n  cidr_block = \"10.9.0.0/16\"\n}\n";

/// A repository with the quickstart example (which has a test file and a local module)
/// as `stacks/quickstart`, a stack without test files, and a README.
fn repo() -> (tempfile::TempDir, Repository) {
    let dir = tempfile::tempdir().unwrap();
    let repo = Repository::init(dir.path()).unwrap();
    copy(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/quickstart"),
        &dir.path().join("stacks/quickstart"),
    );
    write(dir.path(), "stacks/plain/main.tf", PLAIN);
    write(dir.path(), "README.md", "# infra\n");
    commit(&repo, "base");
    (dir, repo)
}

fn copy(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        let name = e.file_name();
        if name.to_string_lossy().starts_with('.') {
            continue;
        }
        if e.file_type().unwrap().is_dir() {
            copy(&e.path(), &to.join(name));
        } else {
            std::fs::copy(e.path(), to.join(name)).unwrap();
        }
    }
}

fn write(root: &Path, path: &str, text: &str) {
    let p = root.join(path);
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    std::fs::write(p, text).unwrap();
}

fn edit(root: &Path, path: &str, from: &str, to: &str) {
    let p = root.join(path);
    let text = std::fs::read_to_string(&p).unwrap();
    assert!(text.contains(from), "{path} has no {from:?}");
    std::fs::write(p, text.replacen(from, to, 1)).unwrap();
}

fn commit(repo: &Repository, message: &str) {
    let mut index = repo.index().unwrap();
    index.add_all(["*"], IndexAddOption::DEFAULT, None).unwrap();
    index.update_all(["*"], None).unwrap();
    index.write().unwrap();
    let tree = repo.find_tree(index.write_tree().unwrap()).unwrap();
    let sig = Signature::now("test", "test@example.com").unwrap();
    let parent = repo.head().ok().and_then(|h| h.peel_to_commit().ok());
    let parents: Vec<&git2::Commit> = parent.iter().collect();
    repo.commit(Some("HEAD"), &sig, &sig, message, &tree, &parents)
        .unwrap();
}

fn gate(dir: &Path, extra: &[&str]) -> Output {
    let report = dir.join("reports");
    let mut args = vec![
        "gate",
        "--base",
        "HEAD~1",
        "--head",
        "HEAD",
        "--report-dir",
        report.to_str().unwrap(),
    ];
    args.extend_from_slice(extra);
    Command::new(env!("CARGO_BIN_EXE_galley"))
        .args(&args)
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .output()
        .unwrap()
}

fn text(o: &Output) -> String {
    format!(
        "{}\n--- stderr ---\n{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

#[test]
fn gate_rehearses_every_affected_stack_and_writes_the_matrix() {
    let (dir, repo) = repo();
    edit(
        dir.path(),
        "stacks/quickstart/net/main.tf",
        "",
        "# touched\n",
    );
    edit(
        dir.path(),
        "stacks/plain/main.tf",
        "10.9.0.0/16",
        "10.8.0.0/16",
    );
    commit(&repo, "head");
    let o = gate(dir.path(), &[]);
    let out = text(&o);
    assert_eq!(o.status.code(), Some(0), "{out}");
    assert!(
        out.contains("stacks/quickstart: uses changed module stacks/quickstart/net"),
        "{out}"
    );
    assert!(out.contains("PASS stacks/plain"), "{out}");
    assert!(out.contains("PASS stacks/quickstart"), "{out}");
    assert!(out.contains("Gate: 2 passed, 0 failed"), "{out}");
    let matrix: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(dir.path().join("reports/matrix.json")).unwrap(),
    )
    .unwrap();
    let stacks: Vec<&str> = matrix["include"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["stack"].as_str().unwrap())
        .collect();
    assert_eq!(stacks, ["stacks/plain", "stacks/quickstart"]);
}

#[test]
fn a_head_that_breaks_an_assertion_fails_the_gate_with_its_message() {
    let (dir, repo) = repo();
    edit(
        dir.path(),
        "stacks/quickstart/quickstart.kitchen.hcl",
        "length(output.web_ips) == 2",
        "length(output.web_ips) == 5",
    );
    commit(&repo, "head");
    let o = gate(dir.path(), &[]);
    let out = text(&o);
    assert_eq!(o.status.code(), Some(1), "{out}");
    assert!(out.contains("Two web instances by default."), "{out}");
    assert!(
        out.contains("[stacks/quickstart/quickstart.kitchen.hcl:5:21]"),
        "diagnostics name repository paths: {out}"
    );
    assert!(out.contains("FAIL stacks/quickstart"), "{out}");
    assert!(out.contains("Gate: 0 passed, 1 failed"), "{out}");
}

#[test]
fn a_change_to_an_unrelated_file_rehearses_nothing() {
    let (dir, repo) = repo();
    write(dir.path(), "README.md", "# infra\n\nNotes.\n");
    commit(&repo, "head");
    let o = gate(dir.path(), &[]);
    let out = text(&o);
    assert_eq!(o.status.code(), Some(0), "{out}");
    assert!(out.contains("Nothing to rehearse."), "{out}");
}

#[test]
fn stack_runs_only_the_named_affected_stack() {
    let (dir, repo) = repo();
    edit(
        dir.path(),
        "stacks/plain/main.tf",
        "10.9.0.0/16",
        "10.8.0.0/16",
    );
    edit(dir.path(), "stacks/quickstart/main.tf", "", "# touched\n");
    commit(&repo, "head");
    let o = gate(dir.path(), &["--stack", "stacks/plain"]);
    let out = text(&o);
    assert_eq!(o.status.code(), Some(0), "{out}");
    assert!(out.contains("Gate: 1 passed, 0 failed"), "{out}");
    assert!(!out.contains("PASS stacks/quickstart"), "{out}");
}

#[test]
fn usage_errors_exit_2() {
    let (dir, repo) = repo();
    write(
        dir.path(),
        "stacks/plain/extra.tf",
        "locals {\n  a = 1\n}\n",
    );
    commit(&repo, "head");
    for extra in [
        &["--base", "no-such-branch"][..],
        &["--stack", "stacks/unknown"],
        &["--jobs", "0"],
    ] {
        let mut args = vec!["gate", "--head", "HEAD"];
        if extra[0] != "--base" {
            args.extend(["--base", "HEAD~1"]);
        }
        args.extend_from_slice(extra);
        let o = Command::new(env!("CARGO_BIN_EXE_galley"))
            .args(&args)
            .current_dir(dir.path())
            .output()
            .unwrap();
        assert_eq!(o.status.code(), Some(2), "{extra:?}: {}", text(&o));
    }
}
