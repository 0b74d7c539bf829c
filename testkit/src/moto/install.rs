//! Installs moto into a virtualenv under the cargo target dir, once per machine, race-free.

use std::fs::{self, File};
use std::path::{Path, PathBuf};
use std::process::Command;

/// The moto release the harness pins: its behaviour is what the tests assert.
pub const MOTO_VERSION: &str = "5.2.5";

/// Written into the venv only after pip succeeded, so a half-done install is redone.
const MARKER: &str = "galley-installed";

/// The virtualenv holding moto: `<target>/test-tools/moto-<version>`.
pub fn venv_dir() -> PathBuf {
    target_dir()
        .join("test-tools")
        .join(format!("moto-{MOTO_VERSION}"))
}

/// The venv's Python interpreter, installing moto first when needed.
///
/// Panics with pip's output when the install fails: a test that needs moto must not pass
/// without it.
pub fn ensure_installed() -> PathBuf {
    let venv = venv_dir();
    let python = venv.join("bin").join("python");
    if venv.join(MARKER).exists() {
        return python;
    }
    let tools = venv.parent().unwrap_or(&venv).to_path_buf();
    fs::create_dir_all(&tools).unwrap_or_else(|e| panic!("cannot create {}: {e}", tools.display()));
    // Test binaries run in parallel (cargo nextest runs one process per test): one of them
    // installs while the others wait on the lock, then see the marker.
    let lock_path = tools.join(format!("moto-{MOTO_VERSION}.lock"));
    let lock = File::create(&lock_path)
        .unwrap_or_else(|e| panic!("cannot create {}: {e}", lock_path.display()));
    lock.lock()
        .unwrap_or_else(|e| panic!("cannot lock {}: {e}", lock_path.display()));
    if !venv.join(MARKER).exists() {
        install(&venv);
    }
    drop(lock);
    python
}

fn install(venv: &Path) {
    if venv.exists() {
        // A previous attempt failed half-way; start clean rather than trust it.
        let _ = fs::remove_dir_all(venv);
    }
    run(
        Command::new("python3").arg("-m").arg("venv").arg(venv),
        "python3 -m venv",
        venv,
    );
    run(
        Command::new(venv.join("bin").join("pip"))
            .args(["install", "--disable-pip-version-check", "--quiet"])
            .arg(format!("moto[server]=={MOTO_VERSION}")),
        "pip install",
        venv,
    );
    fs::write(venv.join(MARKER), MOTO_VERSION)
        .unwrap_or_else(|e| panic!("cannot write the install marker in {}: {e}", venv.display()));
}

fn run(command: &mut Command, what: &str, venv: &Path) {
    let output = command.output().unwrap_or_else(|e| {
        panic!(
            "cannot run {what} to install moto {MOTO_VERSION} into {}: {e}\n\
             The AWS provider tests need python3 (with the venv module) on PATH.",
            venv.display()
        )
    });
    if !output.status.success() {
        panic!(
            "{what} failed ({}) while installing moto {MOTO_VERSION} into {}.\n\
             stdout:\n{}\nstderr:\n{}\n\
             The AWS provider tests need moto: make PyPI reachable (or set PIP_INDEX_URL to a \
             mirror), or install it by hand with `python3 -m venv {0} && {0}/bin/pip install \
             'moto[server]=={MOTO_VERSION}' && touch {0}/{MARKER}`.",
            output.status,
            venv.display(),
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr),
        );
    }
}

/// Cargo's target dir: `CARGO_TARGET_DIR` when absolute, else the ancestor of this test
/// binary that holds cargo's `CACHEDIR.TAG` (test binaries live in `<target>/debug/deps/`).
pub fn target_dir() -> PathBuf {
    if let Some(dir) = std::env::var_os("CARGO_TARGET_DIR").map(PathBuf::from) {
        // A relative value is relative to where cargo ran, which a test cannot know.
        if dir.is_absolute() {
            return dir;
        }
    }
    let exe = std::env::current_exe().expect("the test binary's path is readable");
    if let Some(dir) = exe.ancestors().find(|d| d.join("CACHEDIR.TAG").is_file()) {
        return dir.to_path_buf();
    }
    let parent = exe.parent().unwrap_or(Path::new("."));
    if parent.file_name().is_some_and(|n| n == "deps") {
        parent.ancestors().nth(2).unwrap_or(parent).to_path_buf()
    } else {
        parent.parent().unwrap_or(parent).to_path_buf()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn venv_lives_under_the_target_dir_named_for_the_version() {
        let venv = venv_dir();
        assert!(venv.ends_with(format!("test-tools/moto-{MOTO_VERSION}")));
        assert!(venv.starts_with(target_dir()));
    }

    #[test]
    fn target_dir_contains_this_test_binary() {
        let exe = std::env::current_exe().unwrap();
        let target = target_dir();
        // With an absolute CARGO_TARGET_DIR the binary is there too (cargo put it there).
        assert!(
            exe.starts_with(&target),
            "{} not under {}",
            exe.display(),
            target.display()
        );
    }
}
