//! The module library (`modules/`): every module is documented (`galley docs -check`), its
//! example plans on the simulator, and its kitchen tests pass (`galley kitchen run`).
//! Each module runs in a copy of the whole library, so modules may call their siblings.

mod common;
use common::{run, text};

use std::path::{Path, PathBuf};

fn library() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("modules")
}

/// A copy of the library; the module's directory in it.
fn copy(name: &str) -> (tempfile::TempDir, PathBuf) {
    let tmp = tempfile::tempdir().unwrap();
    common::copy_tree(&library(), &tmp.path().join("modules"));
    let dir = tmp.path().join("modules").join(name);
    (tmp, dir)
}

/// What every library module must have and do.
fn check_module(name: &str) {
    let (_tmp, dir) = copy(name);
    for file in [
        "variables.tf",
        "outputs.tf",
        "README.md",
        "examples/basic/main.tf",
    ] {
        assert!(dir.join(file).is_file(), "modules/{name} has no {file}");
    }
    let tests: Vec<_> = std::fs::read_dir(dir.join("tests"))
        .unwrap_or_else(|e| panic!("modules/{name}/tests: {e}"))
        .filter_map(|e| e.ok())
        .filter(|e| e.file_name().to_string_lossy().ends_with(".kitchen.hcl"))
        .collect();
    assert!(
        !tests.is_empty(),
        "modules/{name}/tests has no *.kitchen.hcl"
    );

    let o = run(&dir, &["docs", "-check"]);
    assert!(o.status.success(), "modules/{name}: {}", text(&o));

    let example = dir.join("examples/basic");
    let o = run(&example, &["--sim", "plan"]);
    assert!(
        o.status.success(),
        "modules/{name}/examples/basic: {}",
        text(&o)
    );

    let o = run(&dir, &["kitchen", "run"]);
    assert!(o.status.success(), "modules/{name}: {}", text(&o));
    assert!(
        text(&o).contains("Success!"),
        "modules/{name}: {}",
        text(&o)
    );
}

/// The modules the library promises; the test below keeps this list and `modules/` equal.
macro_rules! library_modules {
    ($($test:ident => $name:literal,)*) => {
        $(
            #[test]
            fn $test() {
                check_module($name);
            }
        )*

        const MODULES: &[&str] = &[$($name),*];
    };
}

library_modules! {
    vpc => "vpc",
    weighted_dns => "weighted-dns",
    eks_cluster => "eks-cluster",
    aurora_postgresql => "aurora-postgresql",
    msk_cluster => "msk-cluster",
    elasticache_redis => "elasticache-redis",
    eks_blue_green => "eks-blue-green",
}

#[test]
fn every_module_in_the_library_is_tested() {
    let mut found: Vec<String> = std::fs::read_dir(library())
        .unwrap()
        .filter_map(|e| e.ok())
        .filter(|e| e.path().is_dir())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    found.sort();
    let mut listed: Vec<String> = MODULES.iter().map(|s| s.to_string()).collect();
    listed.sort();
    assert_eq!(found, listed);
}

#[test]
fn docs_check_catches_a_stale_readme() {
    let (_tmp, dir) = copy("vpc");
    let vars = dir.join("variables.tf");
    let mut text_before = std::fs::read_to_string(&vars).unwrap();
    text_before.push_str(
        "\nvariable \"added_later\" {\n  description = \"Not in the README yet.\"\n  type        = string\n  default     = \"x\"\n}\n",
    );
    std::fs::write(&vars, text_before).unwrap();
    let o = run(&dir, &["docs", "-check"]);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    assert!(text(&o).contains("galley docs -write"), "{}", text(&o));

    let o = run(&dir, &["docs", "-write"]);
    assert!(o.status.success(), "{}", text(&o));
    let readme = std::fs::read_to_string(dir.join("README.md")).unwrap();
    assert!(
        readme.contains("| `added_later` | Not in the README yet. | `string` | `\"x\"` | no |"),
        "{readme}"
    );
    let o = run(&dir, &["docs", "-check"]);
    assert!(o.status.success(), "{}", text(&o));
}
