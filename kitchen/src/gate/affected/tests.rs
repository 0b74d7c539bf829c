//! Affected-stack detection on real repositories built in a temp dir: a base commit, then
//! a head commit with one kind of change.

use std::path::Path;

use git2::{IndexAddOption, Repository, Signature};

use super::*;

/// A repository with two stacks using one module (which calls a submodule and has its
/// own test file), a stack with a test file under `tests/`, and a README.
fn base_repo() -> (tempfile::TempDir, Repository) {
    let dir = tempfile::tempdir().unwrap();
    let repo = Repository::init(dir.path()).unwrap();
    for (path, text) in [
        ("README.md", "# infra\n"),
        (
            "stacks/app/main.tf",
            "module \"net\" {\n  source = \"../../modules/network\"\n}\n",
        ),
        (
            "stacks/web/main.tf",
            "module \"net\" {\n  source = \"../../modules/network\"\n}\n",
        ),
        (
            "stacks/db/main.tf",
            "resource \"aws_s3_bucket\" \"b\" {\n  bucket = \"db-backups\"\n}\n",
        ),
        (
            "stacks/db/tests/db.kitchen.hcl",
            "run \"apply\" {\n  command = apply\n}\n",
        ),
        (
            "modules/network/main.tf",
            "module \"subnets\" {\n  source = \"./subnets\"\n}\n",
        ),
        (
            "modules/network/network.kitchen.hcl",
            "run \"plan\" {\n  command = plan\n}\n",
        ),
        (
            "modules/network/subnets/main.tf",
            "variable \"count_per_az\" {\n  default = 1\n}\n",
        ),
    ] {
        write(dir.path(), path, text);
    }
    commit(&repo, "base");
    (dir, repo)
}

fn write(root: &Path, path: &str, text: &str) {
    let p = root.join(path);
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    std::fs::write(p, text).unwrap();
}

/// Commits the whole work tree, deletions included.
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

/// Makes a head commit with `change` applied to the work tree and returns what it affects.
fn head_with(change: impl FnOnce(&Path)) -> Affected {
    let (dir, repo) = base_repo();
    change(dir.path());
    commit(&repo, "head");
    affected(&repo, "HEAD~1", "HEAD").unwrap()
}

fn paths(a: &Affected) -> Vec<&str> {
    a.stacks.iter().map(|s| s.path.as_str()).collect()
}

#[test]
fn a_changed_stack_is_affected_because_its_file_changed() {
    let a = head_with(|root| {
        write(
            root,
            "stacks/db/main.tf",
            "resource \"aws_s3_bucket\" \"b\" {\n  bucket = \"db-backups-2\"\n}\n",
        )
    });
    assert_eq!(
        a.stacks,
        vec![AffectedStack {
            path: "stacks/db".into(),
            role: Role::Stack,
            base_path: Some("stacks/db".into()),
            reasons: vec![Reason::Changed("stacks/db/main.tf".into())],
        }]
    );
    assert!(a.deleted.is_empty() && a.warnings.is_empty());
}

#[test]
fn a_changed_module_affects_every_stack_that_calls_it_even_through_another_module() {
    let a = head_with(|root| {
        write(
            root,
            "modules/network/subnets/main.tf",
            "variable \"count_per_az\" {\n  default = 2\n}\n",
        )
    });
    // The module network has its own test file, so it runs too; subnets has none.
    assert_eq!(paths(&a), ["modules/network", "stacks/app", "stacks/web"]);
    assert_eq!(a.stacks[0].role, Role::Module);
    for s in &a.stacks[1..] {
        assert_eq!(s.role, Role::Stack);
        assert_eq!(
            s.reasons,
            vec![Reason::UsesModule("modules/network/subnets".into())]
        );
    }
}

#[test]
fn a_changed_kitchen_file_under_tests_affects_its_stack() {
    let a = head_with(|root| {
        write(
            root,
            "stacks/db/tests/db.kitchen.hcl",
            "run \"apply\" {\n  command = apply\n  assert {\n    condition = true\n    error_message = \"x\"\n  }\n}\n",
        )
    });
    assert_eq!(paths(&a), ["stacks/db"]);
    assert_eq!(
        a.stacks[0].reasons,
        vec![Reason::Tests("stacks/db/tests/db.kitchen.hcl".into())]
    );
}

#[test]
fn a_renamed_stack_is_affected_at_its_new_path_with_its_base_at_the_old_one() {
    let a = head_with(|root| {
        std::fs::rename(root.join("stacks/db"), root.join("stacks/database")).unwrap()
    });
    assert_eq!(paths(&a), ["stacks/database"]);
    let s = &a.stacks[0];
    assert_eq!(s.base_path.as_deref(), Some("stacks/db"));
    assert!(s.reasons.contains(&Reason::RenamedFrom("stacks/db".into())));
    assert!(a.deleted.is_empty(), "a rename is not a deletion: {a:?}");
}

#[test]
fn a_deleted_stack_is_reported_as_deleted_and_not_run() {
    let a = head_with(|root| std::fs::remove_dir_all(root.join("stacks/web")).unwrap());
    assert!(a.stacks.is_empty(), "{a:?}");
    assert_eq!(a.deleted, ["stacks/web"]);
}

#[test]
fn an_unrelated_file_affects_nothing() {
    let a = head_with(|root| write(root, "README.md", "# infra\n\nMore words.\n"));
    assert_eq!(a, Affected::default());
}

#[test]
fn a_new_stack_has_no_base() {
    let a = head_with(|root| write(root, "stacks/cache/main.tf", "locals {\n  x = 1\n}\n"));
    assert_eq!(paths(&a), ["stacks/cache"]);
    assert_eq!(a.stacks[0].base_path, None);
}

#[test]
fn the_head_revision_is_read_from_git_objects_not_the_work_tree() {
    let (dir, repo) = base_repo();
    write(
        dir.path(),
        "stacks/db/main.tf",
        "locals {\n  uncommitted = 1\n}\n",
    );
    let a = affected(&repo, "HEAD", "HEAD").unwrap();
    assert_eq!(a, Affected::default());
}

#[test]
fn an_unknown_revision_is_an_error_naming_it() {
    let (_dir, repo) = base_repo();
    let e = affected(&repo, "no-such-branch", "HEAD").unwrap_err();
    assert!(e.to_string().contains("no-such-branch"), "{e}");
}

#[test]
fn module_sources_resolve_relative_to_the_caller_and_may_not_leave_the_repository() {
    for (from, source, want) in [
        (
            "stacks/app",
            "../../modules/network",
            Some("modules/network"),
        ),
        (
            "modules/network",
            "./subnets",
            Some("modules/network/subnets"),
        ),
        ("", "./modules/x/", Some("modules/x")),
        ("stacks", "../../outside", None),
    ] {
        assert_eq!(resolve(from, source).as_deref(), want, "{from} + {source}");
    }
}

#[test]
fn stack_arguments_name_repository_directories() {
    assert_eq!(dir_of("."), "");
    assert_eq!(dir_of("./stacks/app/"), "stacks/app");
    assert_eq!(dir_of("stacks/app"), "stacks/app");
}

#[test]
fn a_stack_checkout_needs_the_modules_it_calls_transitively() {
    let (_dir, repo) = base_repo();
    let snap = Snapshot::of(&tree(&repo, "HEAD").unwrap()).unwrap();
    assert_eq!(
        stack_dirs(&repo, &snap, "stacks/app"),
        ["modules/network", "modules/network/subnets", "stacks/app"]
    );
}
