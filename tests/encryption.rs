//! State, journal and plan files encrypted end to end through the CLI: an apply with a key
//! leaves nothing readable on disk; without the key, or with another, galley refuses with
//! the key id it needs; a plain-text state is refused unless migrating; `state rekey`
//! rotates the key, encrypts and decrypts.

mod common;
use common::{galley, text};

use std::path::Path;
use std::process::Output;

// Test keys only: 32 bytes each, in base64.
const KEY_A: &str = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=";
const KEY_B: &str = "HxkbHB0eHxAREhMUFRYXGBkaGxwdHh8gISIjJCUmJyg=";

const MARKER: &str = "only-in-the-encrypted-state-7f3a";

fn with_keys(dir: &Path, args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut c = galley(dir);
    c.args(args);
    for (k, v) in env {
        c.env(k, v);
    }
    c.output().expect("galley runs")
}

fn stack() -> tempfile::TempDir {
    let tmp = tempfile::tempdir().unwrap();
    std::fs::write(
        tmp.path().join("main.tf"),
        format!(
            r#"resource "terraform_data" "a" {{
  input = "{MARKER}"
}}
"#
        ),
    )
    .unwrap();
    tmp
}

fn on_disk(dir: &Path, name: &str) -> String {
    String::from_utf8_lossy(&std::fs::read(dir.join(name)).unwrap()).into_owned()
}

#[test]
fn an_encrypted_state_is_unreadable_without_its_key_and_rotates() {
    let tmp = stack();
    let dir = tmp.path();
    let a = [("GALLEY_ENCRYPTION_KEY", KEY_A)];

    let o = with_keys(dir, &["--sim", "apply", "-auto-approve"], &a);
    assert!(o.status.success(), "{}", text(&o));
    let state = on_disk(dir, "galley.tfstate");
    assert!(state.contains("galley_encrypted"), "{state}");
    assert!(!state.contains(MARKER), "the state is encrypted: {state}");

    let o = with_keys(dir, &["state", "list"], &a);
    assert!(o.status.success(), "{}", text(&o));
    assert!(text(&o).contains("terraform_data.a"), "{}", text(&o));

    // No key, or another key: refused, naming what is needed, the file untouched.
    let o = with_keys(dir, &["state", "list"], &[]);
    assert!(!o.status.success());
    assert!(text(&o).contains("GALLEY_ENCRYPTION_KEY"), "{}", text(&o));
    let b = [("GALLEY_ENCRYPTION_KEY", KEY_B)];
    let o = with_keys(dir, &["--sim", "plan"], &b);
    assert!(!o.status.success());
    assert!(
        text(&o).contains("GALLEY_ENCRYPTION_KEY_OLD"),
        "{}",
        text(&o)
    );
    assert_eq!(on_disk(dir, "galley.tfstate"), state);

    // Rotation: the old key read, the new one written; then the new key alone works.
    let rotate = [
        ("GALLEY_ENCRYPTION_KEY", KEY_B),
        ("GALLEY_ENCRYPTION_KEY_OLD", KEY_A),
    ];
    let o = with_keys(dir, &["state", "rekey"], &rotate);
    assert!(o.status.success(), "{}", text(&o));
    let o = with_keys(dir, &["--sim", "plan", "-detailed-exitcode"], &b);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    let o = with_keys(dir, &["state", "list"], &a);
    assert!(!o.status.success(), "the old key no longer opens it");

    // Decrypt: only the old key set.
    let o = with_keys(
        dir,
        &["state", "rekey"],
        &[("GALLEY_ENCRYPTION_KEY_OLD", KEY_B)],
    );
    assert!(o.status.success(), "{}", text(&o));
    assert!(on_disk(dir, "galley.tfstate").contains(MARKER));
}

#[test]
fn a_plain_state_is_refused_with_a_key_until_it_is_migrated() {
    let tmp = stack();
    let dir = tmp.path();
    let o = with_keys(dir, &["--sim", "apply", "-auto-approve"], &[]);
    assert!(o.status.success(), "{}", text(&o));
    let a = [("GALLEY_ENCRYPTION_KEY", KEY_A)];
    let o = with_keys(dir, &["--sim", "plan"], &a);
    assert!(!o.status.success(), "{}", text(&o));
    assert!(
        text(&o).contains("GALLEY_ENCRYPTION_FALLBACK"),
        "{}",
        text(&o)
    );
    let migrate = [
        ("GALLEY_ENCRYPTION_KEY", KEY_A),
        ("GALLEY_ENCRYPTION_FALLBACK", "plaintext"),
    ];
    let o = with_keys(dir, &["state", "rekey"], &migrate);
    assert!(o.status.success(), "{}", text(&o));
    assert!(!on_disk(dir, "galley.tfstate").contains(MARKER));
    assert!(!on_disk(dir, "galley.tfstate.backup").contains(MARKER));
    let o = with_keys(dir, &["--sim", "plan", "-detailed-exitcode"], &a);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
}

#[test]
fn a_saved_plan_is_encrypted_and_applies_with_its_key() {
    let tmp = stack();
    let dir = tmp.path();
    let a = [("GALLEY_ENCRYPTION_KEY", KEY_A)];
    let o = with_keys(dir, &["--sim", "plan", "-out", "tfplan"], &a);
    assert!(o.status.success(), "{}", text(&o));
    assert!(!on_disk(dir, "tfplan").contains(MARKER));
    let o = with_keys(dir, &["--sim", "apply", "tfplan"], &[]);
    assert!(!o.status.success(), "no key: {}", text(&o));
    let o = with_keys(dir, &["--sim", "apply", "tfplan"], &a);
    assert!(o.status.success(), "{}", text(&o));
    assert!(!on_disk(dir, "galley.tfstate").contains(MARKER));
}

#[test]
fn a_killed_apply_leaves_an_encrypted_journal_that_the_next_run_replays() {
    let tmp = stack();
    let dir = tmp.path();
    let a = [("GALLEY_ENCRYPTION_KEY", KEY_A)];
    // Killed right after the journal record of the create (header, intent, record).
    let mut c = galley(dir);
    c.args(["--sim", "apply", "-auto-approve"])
        .env("GALLEY_ENCRYPTION_KEY", KEY_A)
        .env("GALLEY_CRASH_AT", "count");
    let counted = c.output().unwrap();
    assert!(counted.status.success(), "{}", text(&counted));
    let points: Vec<String> = String::from_utf8_lossy(&counted.stderr)
        .lines()
        .filter_map(|l| l.strip_prefix("galley crash point ").map(str::to_string))
        .collect();
    // Start again from nothing and stop just after the object's record.
    let tmp = stack();
    let dir = tmp.path();
    let record = points
        .iter()
        .filter(|p| p.ends_with("state journal record"))
        .nth(1)
        .unwrap_or_else(|| panic!("{points:?}"));
    let at = record.split(':').next().unwrap();
    let o = galley(dir)
        .args(["--sim", "apply", "-auto-approve"])
        .env("GALLEY_ENCRYPTION_KEY", KEY_A)
        .env("GALLEY_CRASH_AT", at)
        .output()
        .unwrap();
    assert!(!o.status.success(), "killed: {}", text(&o));
    let journal = on_disk(dir, "galley.tfstate.journal");
    assert!(!journal.contains(MARKER), "{journal}");
    let o = with_keys(dir, &["state", "list"], &a);
    assert!(text(&o).contains("terraform_data.a"), "{}", text(&o));
}
