//! Writes the files of some directories of a revision into a fresh directory, so the
//! kitchen can run a revision's configuration without touching the work tree.

use std::path::Path;

use git2::Repository;

use super::snapshot::Snapshot;

/// Writes every file of `snapshot` under any of `dirs` (and their subdirectories) to `dest`,
/// at the same relative paths, so relative module sources (`../modules/x`) still resolve.
/// `""` in `dirs` means the whole revision.
pub fn checkout(
    repo: &Repository,
    snapshot: &Snapshot,
    dirs: &[String],
    dest: &Path,
) -> std::io::Result<usize> {
    let mut written = 0;
    for (path, oid) in &snapshot.files {
        if !dirs.iter().any(|d| is_under(path, d)) {
            continue;
        }
        let blob = repo
            .find_blob(*oid)
            .map_err(|e| std::io::Error::other(format!("{path}: {e}")))?;
        let target = dest.join(path);
        if let Some(p) = target.parent() {
            std::fs::create_dir_all(p)?;
        }
        std::fs::write(&target, blob.content())?;
        written += 1;
    }
    Ok(written)
}

/// True when `path` is inside directory `dir`.
fn is_under(path: &str, dir: &str) -> bool {
    dir.is_empty()
        || path
            .strip_prefix(dir)
            .is_some_and(|rest| rest.starts_with('/'))
}

#[cfg(test)]
mod tests {
    use super::is_under;

    #[test]
    fn a_path_is_under_its_directories_but_not_under_a_sibling_with_a_longer_name() {
        assert!(is_under("stacks/a/main.tf", "stacks/a"));
        assert!(is_under("stacks/a/tests/x.kitchen.hcl", "stacks/a"));
        assert!(is_under("main.tf", ""));
        assert!(!is_under("stacks/ab/main.tf", "stacks/a"));
        assert!(!is_under("stacks/a", "stacks/a"));
    }
}
