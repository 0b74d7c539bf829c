//! Bad input: each kind of error is a diagnostic with file:line:column, the source line
//! and a caret. Snapshots pin the rendering.

use std::path::Path;
use std::process::Command;

fn run(files: &[(&str, &str)], args: &[&str]) -> String {
    let tmp = tempfile::tempdir().unwrap();
    for (name, text) in files {
        let p = tmp.path().join(name);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
    }
    let o = Command::new(env!("CARGO_BIN_EXE_galley"))
        .current_dir(tmp.path())
        .args(args)
        .env("NO_COLOR", "1")
        .output()
        .unwrap();
    assert!(!o.status.success(), "expected failure");
    let s = format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    );
    s.replace(&tmp.path().display().to_string(), "[TMP]")
}

fn validate(main_tf: &str) -> String {
    run(&[("main.tf", main_tf)], &["validate"])
}

#[test]
fn syntax_error() {
    insta::assert_snapshot!(validate(
        "resource \"terraform_data\" \"a\" {\n  input = [1, 2\n}\n"
    ));
}

#[test]
fn unknown_reference() {
    insta::assert_snapshot!(validate(
        "resource \"terraform_data\" \"a\" {\n  input = var.nope\n}\n"
    ));
}

#[test]
fn unknown_function() {
    insta::assert_snapshot!(validate("locals {\n  x = frobnicate(1)\n}\n"));
}

#[test]
fn cycle_lists_every_member() {
    insta::assert_snapshot!(validate(
        "locals {\n  a = local.b\n  b = local.c\n  c = local.a\n}\n"
    ));
}

#[test]
fn duplicate_resource() {
    insta::assert_snapshot!(validate(
        "resource \"terraform_data\" \"a\" {}\nresource \"terraform_data\" \"a\" {}\n"
    ));
}

#[test]
fn several_errors_in_one_run() {
    let out = validate("locals {\n  x = frobnicate(1)\n  y = var.nope\n}\nresource \"terraform_data\" \"a\" {}\nresource \"terraform_data\" \"a\" {}\n");
    assert!(out.contains("Call to unknown function"), "{out}");
    assert!(
        out.contains("Reference to undeclared input variable"),
        "{out}"
    );
    assert!(out.contains("Duplicate resource"), "{out}");
}

#[test]
fn missing_required_variable() {
    insta::assert_snapshot!(run(
        &[("main.tf", "variable \"name\" {\n  type = string\n}\n")],
        &["plan"]
    ));
}

#[test]
fn failed_variable_validation() {
    insta::assert_snapshot!(run(
        &[("main.tf", "variable \"n\" {\n  type    = number\n  default = -1\n  validation {\n    condition     = var.n > 0\n    error_message = \"n must be positive.\"\n  }\n}\n")],
        &["plan"]
    ));
}

#[test]
fn wrong_argument_type() {
    insta::assert_snapshot!(run(
        &[("main.tf", "output \"x\" {\n  value = upper([1])\n}\n")],
        &["plan"]
    ));
}

#[test]
fn unknown_resource_type() {
    insta::assert_snapshot!(run(
        &[("main.tf", "resource \"terraform_nope\" \"a\" {}\n")],
        &["plan"]
    ));
}

#[test]
fn corrupt_state_is_reported_and_left_untouched() {
    let tmp = tempfile::tempdir().unwrap();
    std::fs::write(
        tmp.path().join("main.tf"),
        "resource \"terraform_data\" \"a\" {}\n",
    )
    .unwrap();
    let garbage = b"{\"version\": 1, \"serial\": 3, \"resources\": [tru";
    std::fs::write(tmp.path().join("galley.tfstate"), garbage).unwrap();
    let o = Command::new(env!("CARGO_BIN_EXE_galley"))
        .current_dir(tmp.path())
        .args(["plan"])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(1));
    let err = String::from_utf8_lossy(&o.stderr).to_string();
    assert!(err.contains("galley.tfstate"), "{err}");
    assert!(err.contains("line 1"), "{err}");
    assert_eq!(
        std::fs::read(tmp.path().join("galley.tfstate")).unwrap(),
        garbage
    );
}

#[test]
fn held_lock_names_its_holder() {
    let tmp = tempfile::tempdir().unwrap();
    let dir: &Path = tmp.path();
    std::fs::write(
        dir.join("main.tf"),
        "resource \"terraform_data\" \"a\" {}\n",
    )
    .unwrap();
    let host = std::fs::read_to_string("/proc/sys/kernel/hostname")
        .unwrap_or_default()
        .trim()
        .to_string();
    let lock = serde_json::json!({
        "id": "5f0c7d4e-0000-4000-8000-000000000001", "operation": "apply", "who": "ci@elsewhere",
        "pid": 4242, "host": format!("{host}-other"), "created": "2026-11-23T10:00:00Z", "version": "galley 0.1.0"
    });
    std::fs::write(dir.join("galley.tfstate.lock.json"), lock.to_string()).unwrap();
    let o = Command::new(env!("CARGO_BIN_EXE_galley"))
        .current_dir(dir)
        .args(["plan", "-lock-timeout=200ms"])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(1));
    let err = String::from_utf8_lossy(&o.stderr).to_string();
    assert!(err.contains("4242"), "{err}");
    assert!(err.contains("-other"), "{err}");
}

#[test]
fn random_bytes_do_not_panic() {
    let mut seed: u64 = 0x9e3779b97f4a7c15;
    for _ in 0..20 {
        let bytes: Vec<u8> = (0..200)
            .map(|_| {
                seed ^= seed << 13;
                seed ^= seed >> 7;
                seed ^= seed << 17;
                (seed % 256) as u8
            })
            .collect();
        let tmp = tempfile::tempdir().unwrap();
        std::fs::write(tmp.path().join("main.tf"), &bytes).unwrap();
        let o = Command::new(env!("CARGO_BIN_EXE_galley"))
            .current_dir(tmp.path())
            .args(["validate"])
            .output()
            .unwrap();
        assert_eq!(
            o.status.code(),
            Some(1),
            "{}",
            String::from_utf8_lossy(&o.stderr)
        );
        assert!(!String::from_utf8_lossy(&o.stderr).contains("panicked"));
    }
}
