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
    vm_fleet => "vm-fleet",
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

/// A git repository holding this checkout's library under `modules/`, tagged v0.1.0, and
/// a home directory whose git configuration serves it for the address the shop example
/// uses (`url.<repo>.insteadOf`).
fn library_repository(root: &Path) -> PathBuf {
    let repo_dir = root.join("galley");
    common::copy_tree(&library(), &repo_dir.join("modules"));
    common::commit_and_tag(&repo_dir, "v0.1.0");
    let home = root.join("home");
    std::fs::create_dir_all(&home).unwrap();
    std::fs::write(
        home.join(".gitconfig"),
        format!(
            "[url \"file://{}\"]\n\tinsteadOf = https://git.example.com/platform/galley.git\n",
            repo_dir.display()
        ),
    )
    .unwrap();
    home
}

#[test]
fn the_shop_example_uses_the_library_from_git_pinned_by_tag() {
    let tmp = tempfile::tempdir().unwrap();
    let home = library_repository(tmp.path());
    let dir = tmp.path().join("shop");
    common::copy_tree(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/shop"),
        &dir,
    );
    let galley = |args: &[&str]| {
        common::galley(&dir)
            .env("HOME", &home)
            .env_remove("XDG_CONFIG_HOME")
            .args(args)
            .output()
            .unwrap()
    };

    let o = galley(&["init"]);
    assert!(o.status.success(), "{}", text(&o));
    let lock = std::fs::read_to_string(dir.join(".galley.lock.hcl")).unwrap();
    for m in [
        "vpc",
        "eks-blue-green",
        "aurora-postgresql",
        "elasticache-redis",
    ] {
        assert!(
            lock.contains(&format!(
                "module \"git::https://git.example.com/platform/galley.git//modules/{m}?ref=v0.1.0\""
            )),
            "{lock}"
        );
    }
    assert!(lock.contains("ref    = \"v0.1.0\""), "{lock}");

    let o = galley(&["--sim", "apply", "-auto-approve"]);
    assert!(o.status.success(), "{}", text(&o));
    assert!(
        text(&o).contains("cluster = \"shop (1.33)\""),
        "{}",
        text(&o)
    );

    // Offline from here on: the repository is gone, the pinned checkouts serve.
    std::fs::remove_dir_all(tmp.path().join("galley")).unwrap();
    let o = galley(&["--sim", "plan", "-detailed-exitcode"]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));

    // A Kubernetes upgrade through the library's eks-blue-green: a second cluster, traffic
    // moved, the old one gone.
    let o = galley(&[
        "--sim",
        "apply",
        "-auto-approve",
        "-var",
        "kubernetes_version=1.34",
    ]);
    let out = text(&o);
    assert!(o.status.success(), "{out}");
    assert!(
        out.contains("module.cluster.blue_green.cluster: health gate passed at 100%"),
        "{out}"
    );
    assert!(out.contains("cluster = \"shop-green (1.34)\""), "{out}");
}

/// The health gate of a `blue_green` block inside a module (passed up to the root as an
/// output of each module on the way) holds the upgrade back when a check fails.
#[test]
fn a_failed_health_check_stops_the_eks_blue_green_upgrade() {
    let tmp = tempfile::tempdir().unwrap();
    common::copy_tree(&library(), &tmp.path().join("modules"));
    let dir = tmp.path().join("stack");
    std::fs::create_dir_all(&dir).unwrap();
    let example = std::fs::read_to_string(library().join("eks-blue-green/examples/basic/main.tf"))
        .unwrap()
        .replace(
            "source = \"../..\"",
            "source = \"../modules/eks-blue-green\"",
        )
        .replace(
            "  health_checks = [\n",
            "  health_checks = [\n    { ok = var.healthy, message = \"the canary failed\" },\n",
        );
    std::fs::write(
        dir.join("main.tf"),
        format!("{example}\nvariable \"healthy\" {{\n  type    = bool\n  default = true\n}}\n"),
    )
    .unwrap();
    let o = run(&dir, &["--sim", "apply", "-auto-approve"]);
    assert!(o.status.success(), "{}", text(&o));

    let o = run(
        &dir,
        &[
            "--sim",
            "apply",
            "-auto-approve",
            "-var",
            "kubernetes_version=1.34",
            "-var",
            "healthy=false",
        ],
    );
    let out = text(&o);
    assert_eq!(o.status.code(), Some(1), "{out}");
    assert!(out.contains("the canary failed"), "{out}");
    assert!(
        out.contains(
            "Health gate of blue_green \"cluster\" in module.shop failed before any traffic moved"
        ),
        "{out}"
    );

    let o = run(
        &dir,
        &[
            "--sim",
            "apply",
            "-auto-approve",
            "-var",
            "kubernetes_version=1.34",
        ],
    );
    let out = text(&o);
    assert!(o.status.success(), "{out}");
    assert!(
        out.contains("module.shop.blue_green.cluster: the green side is live"),
        "{out}"
    );
}
