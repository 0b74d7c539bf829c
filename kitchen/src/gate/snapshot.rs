//! A revision's tree as a flat list of files, read from git objects (never the work tree).

use std::collections::BTreeMap;

use git2::{ObjectType, Oid, Repository, Tree, TreeWalkMode, TreeWalkResult};

/// Every regular file of a revision, by its `/`-separated path from the repository root.
pub struct Snapshot {
    /// Path to blob id. Symbolic links and submodules are left out: neither is
    /// configuration the kitchen can run.
    pub files: BTreeMap<String, Oid>,
}

impl Snapshot {
    /// Lists the files of `tree`.
    pub fn of(tree: &Tree<'_>) -> Result<Snapshot, git2::Error> {
        let mut files = BTreeMap::new();
        tree.walk(TreeWalkMode::PreOrder, |dir, entry| {
            let is_file = entry.kind() == Some(ObjectType::Blob)
                && matches!(entry.filemode(), 0o100644 | 0o100755);
            if let (true, Ok(name)) = (is_file, entry.name()) {
                files.insert(format!("{dir}{name}"), entry.id());
            }
            TreeWalkResult::Ok
        })?;
        Ok(Snapshot { files })
    }

    /// The text of the file at `path`, when it exists and is UTF-8.
    pub fn text(&self, repo: &Repository, path: &str) -> Option<String> {
        let oid = self.files.get(path)?;
        let blob = repo.find_blob(*oid).ok()?;
        String::from_utf8(blob.content().to_vec()).ok()
    }

    /// The files directly inside `dir` (`""` is the root).
    pub fn files_in<'a>(&'a self, dir: &'a str) -> impl Iterator<Item = &'a str> + 'a {
        self.files
            .keys()
            .map(String::as_str)
            .filter(move |p| parent(p) == dir)
    }
}

/// The directory of a `/`-separated path; `""` for a file at the root.
pub fn parent(path: &str) -> &str {
    path.rsplit_once('/').map(|(d, _)| d).unwrap_or("")
}

/// The last component of a `/`-separated path.
pub fn file_name(path: &str) -> &str {
    path.rsplit_once('/').map(|(_, f)| f).unwrap_or(path)
}
