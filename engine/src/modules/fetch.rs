//! Fetching git module sources: a ref resolved to a commit, that commit's tree written to
//! `.galley/modules/<key>/`, and the hash of what was written.
//!
//! Layout under the cache root (the caller passes `<working dir>/.galley/modules`):
//!
//! - `.repos/<hash of URL>.git`: a bare mirror of each repository (its branches and tags),
//!   fetched again whenever a ref must be resolved, so `-upgrade` is incremental;
//! - `<key>/`: the files of one commit, `key` = the first 32 hex digits of
//!   SHA-256(`URL`, NUL, `commit`). Every module call of the same repository and commit
//!   shares it, whatever its subdirectory. It is written in a temporary directory beside it
//!   and renamed into place, so it is either whole or absent; an existing one is reused
//!   without touching the network.
//!
//! Transports: local paths, `file://`, `https://` (OpenSSL, built in) and `ssh://` / scp-like
//! `git@host:org/repo.git` (libssh2). Credentials are git's own: for ssh the keys of
//! `ssh-agent`, then `~/.ssh/id_ed25519`, `id_ecdsa`, `id_rsa`; for https the credential
//! helper of the git configuration (`credential.helper`). `url.<base>.insteadOf` in the git
//! configuration rewrites addresses, so a mirror can stand in for a repository; the lock
//! file keeps the address as written.
//!
//! The content hash ([`content_hash`]) is Go's `dirhash.Hash1`, the `h1:` hash Terraform
//! writes for providers: SHA-256 over the lines `<sha256 hex of file>  <path>\n` of every
//! file, sorted by their `/`-separated path relative to the checkout, base64-encoded
//! after `h1:`. A symbolic link is hashed as the text it points to.

use std::collections::BTreeSet;
use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use git2::{
    Cred, CredentialType, Direction, FetchOptions, FetchPrune, ObjectType, Oid, RemoteCallbacks,
    Repository,
};
use sha2::{Digest, Sha256};

use super::source::GitSource;
use super::version::{newest_matching, Constraints, Version};

/// How many tag and branch names a missing-ref error lists.
const LISTED_REFS: usize = 8;

/// The directory of module checkouts (`.galley/modules`).
#[derive(Debug, Clone)]
pub struct ModuleCache {
    root: PathBuf,
}

/// What a ref resolved to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Resolved {
    /// The commit, full SHA in hex.
    pub commit: String,
    /// How the ref was found.
    pub kind: RefKind,
}

/// How a ref was found in the repository.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RefKind {
    /// A tag (lightweight or annotated) of that name.
    Tag(String),
    /// A branch of that name.
    Branch(String),
    /// A commit named by its (possibly abbreviated) SHA, or a full ref name (`refs/...`).
    Commit,
    /// No ref: the branch the repository's HEAD names.
    DefaultBranch(String),
}

/// A module installed in the cache.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Installed {
    /// The source as installed; for a `version` constraint, with the chosen tag as its ref.
    pub source: GitSource,
    /// The commit checked out (full SHA).
    pub commit: String,
    /// The version chosen by a `version` constraint.
    pub version: Option<Version>,
    /// The checkout of the whole repository at `commit`.
    pub checkout: PathBuf,
    /// The module's directory: `checkout` joined with the source's subdirectory.
    pub dir: PathBuf,
    /// [`content_hash`] of `checkout` (the whole package: a module may read `../` files).
    pub hash: String,
}

/// Why a module could not be fetched. Each message names the repository and what to do.
#[derive(Debug, thiserror::Error)]
pub enum FetchError {
    /// The repository could not be read (missing, unreachable, unsupported transport).
    #[error("Could not fetch the git repository {url}: {message}. Check the address, and that `git clone {url}` works from here")]
    Unreachable {
        /// The repository.
        url: String,
        /// What git said.
        message: String,
    },
    /// The ref names no tag, branch or commit.
    #[error("The git repository {url} has no tag, branch or commit named {reference:?}. {}", known_refs(.tags, .branches))]
    MissingRef {
        /// The repository.
        url: String,
        /// The ref as written.
        reference: String,
        /// Some of its tags.
        tags: Vec<String>,
        /// Some of its branches.
        branches: Vec<String>,
    },
    /// A locked commit is not in the repository any more.
    #[error("The git repository {url} has no commit {commit} (recorded in the lock file); it may have been rewritten. Run `galley init -upgrade` to choose a commit again")]
    MissingCommit {
        /// The repository.
        url: String,
        /// The commit.
        commit: String,
    },
    /// The `//subdir` is not a directory of the commit.
    #[error("The git repository {url} at commit {commit} has no directory {subdir:?}; check the \"//\" part of the module source")]
    MissingSubdir {
        /// The repository.
        url: String,
        /// The commit.
        commit: String,
        /// The subdirectory.
        subdir: String,
    },
    /// No tag matches a `version` constraint.
    #[error("No tag of the git repository {url} is a version matching {constraints:?}; versions there: {}", list_or_none(.versions))]
    NoMatchingVersion {
        /// The repository.
        url: String,
        /// The constraint.
        constraints: String,
        /// The versions its tags name.
        versions: Vec<String>,
    },
    /// Both `?ref=` and `version` were given.
    #[error("The module source {module} has a ref and the module call a version constraint; use one: `?ref=` for a fixed tag, branch or commit, `version` to choose among version tags")]
    RefAndVersion {
        /// The source.
        module: String,
    },
    /// The tree holds something galley does not write (a submodule, an unsafe name).
    #[error("The git repository {url} at commit {commit} cannot be installed: {what}")]
    Unsupported {
        /// The repository.
        url: String,
        /// The commit.
        commit: String,
        /// What is in the way.
        what: String,
    },
    /// Reading or writing the cache failed.
    #[error("{path}: {error}")]
    Io {
        /// The file or directory.
        path: String,
        /// The failure.
        error: io::Error,
    },
    /// git failed on the local mirror.
    #[error("git failed on the module cache for {url}: {message}. Deleting .galley/modules makes galley fetch again")]
    Git {
        /// The repository.
        url: String,
        /// What git said.
        message: String,
    },
}

/// How many times one connection asks for credentials before giving up (libgit2 asks
/// again after every refusal).
const CREDENTIAL_ATTEMPTS: usize = 6;

/// Callbacks that answer libgit2's credential requests as `git` would: ssh keys from the
/// agent, then the usual key files; https through the configured credential helper.
fn credentials() -> RemoteCallbacks<'static> {
    let mut callbacks = RemoteCallbacks::new();
    let mut attempt = 0usize;
    callbacks.credentials(move |url, username, allowed| {
        attempt += 1;
        if attempt > CREDENTIAL_ATTEMPTS {
            return Err(git2::Error::from_str(
                "authentication failed (tried ssh-agent, ~/.ssh keys and the git credential helper)",
            ));
        }
        let user = username.unwrap_or("git");
        if allowed.contains(CredentialType::USERNAME) {
            return Cred::username(user);
        }
        if allowed.contains(CredentialType::SSH_KEY) {
            // First the agent, then each key file that exists.
            if attempt == 1 {
                return Cred::ssh_key_from_agent(user);
            }
            let home = std::env::var_os("HOME").map(PathBuf::from);
            let keys = ["id_ed25519", "id_ecdsa", "id_rsa"]
                .iter()
                .filter_map(|k| home.as_ref().map(|h| h.join(".ssh").join(k)))
                .filter(|p| p.is_file());
            if let Some(key) = keys.into_iter().nth(attempt - 2) {
                return Cred::ssh_key(user, None, &key, None);
            }
        }
        if allowed.contains(CredentialType::USER_PASS_PLAINTEXT) {
            if let Ok(config) = git2::Config::open_default() {
                if let Ok(cred) = Cred::credential_helper(&config, url, username) {
                    return Ok(cred);
                }
            }
        }
        if allowed.contains(CredentialType::DEFAULT) {
            return Cred::default();
        }
        Err(git2::Error::from_str(
            "the server asks for credentials galley cannot find (no ssh-agent key or key file, no git credential helper)",
        ))
    });
    callbacks
}

fn known_refs(tags: &[String], branches: &[String]) -> String {
    format!(
        "Its tags include {}; its branches include {}",
        list_or_none(tags),
        list_or_none(branches)
    )
}

fn list_or_none(items: &[String]) -> String {
    if items.is_empty() {
        "none".to_string()
    } else {
        items.join(", ")
    }
}

fn io_err(path: &Path) -> impl FnOnce(io::Error) -> FetchError + '_ {
    move |error| FetchError::Io {
        path: crate::diag::display_path(path),
        error,
    }
}

impl ModuleCache {
    /// The cache under `root` (usually `<working dir>/.galley/modules`); nothing is
    /// created until something is fetched.
    pub fn new(root: impl Into<PathBuf>) -> ModuleCache {
        ModuleCache { root: root.into() }
    }

    /// The cache directory.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// Where the checkout of `commit` of `url` lives (whether or not it exists).
    pub fn checkout_dir(&self, url: &str, commit: &str) -> PathBuf {
        let digest = Sha256::new()
            .chain_update(url.as_bytes())
            .chain_update([0u8])
            .chain_update(commit.as_bytes())
            .finalize();
        let key: String = digest[..16].iter().map(|b| format!("{b:02x}")).collect();
        self.root.join(key)
    }

    fn mirror_dir(&self, url: &str) -> PathBuf {
        let digest = Sha256::digest(url.as_bytes());
        let key: String = digest[..16].iter().map(|b| format!("{b:02x}")).collect();
        self.root.join(".repos").join(format!("{key}.git"))
    }

    /// Opens (creating if needed) the mirror of `url` without fetching.
    fn open_mirror(&self, url: &str) -> Result<Repository, FetchError> {
        let dir = self.mirror_dir(url);
        let git = |e: git2::Error| FetchError::Git {
            url: url.to_string(),
            message: e.message().to_string(),
        };
        if dir.join("HEAD").is_file() {
            Repository::open_bare(&dir).map_err(git)
        } else {
            fs::create_dir_all(&dir).map_err(io_err(&dir))?;
            Repository::init_bare(&dir).map_err(git)
        }
    }

    /// Fetches every branch and tag of `url` into its mirror (tags moved upstream move
    /// here, deleted ones go); returns the mirror and the remote's default branch
    /// (`refs/heads/main`), if it has one.
    fn update_mirror(&self, url: &str) -> Result<(Repository, Option<String>), FetchError> {
        let repo = self.open_mirror(url)?;
        let unreachable = |e: git2::Error| FetchError::Unreachable {
            url: url.to_string(),
            message: e.message().to_string(),
        };
        let head = {
            let mut remote = repo.remote_anonymous(url).map_err(unreachable)?;
            remote
                .connect_auth(Direction::Fetch, Some(credentials()), None)
                .map_err(unreachable)?;
            let head = remote
                .default_branch()
                .ok()
                .and_then(|b| b.as_str().ok().map(str::to_string));
            remote.disconnect().map_err(unreachable)?;
            let mut opts = FetchOptions::new();
            opts.prune(FetchPrune::On).remote_callbacks(credentials());
            remote
                .fetch(
                    &["+refs/heads/*:refs/heads/*", "+refs/tags/*:refs/tags/*"],
                    Some(&mut opts),
                    None,
                )
                .map_err(unreachable)?;
            head
        };
        Ok((repo, head))
    }

    /// Fetches the repository and resolves the source's ref: a tag (annotated or
    /// lightweight), a branch, a full ref name, a full or abbreviated commit SHA — tried
    /// in that order — or, without a ref, the commit of the default branch.
    pub fn resolve(&self, source: &GitSource) -> Result<Resolved, FetchError> {
        let (repo, head) = self.update_mirror(&source.url)?;
        resolve_in(&repo, &source.url, source.reference.as_deref(), head)
    }

    /// Fetches the repository and lists its tags, sorted.
    pub fn tags(&self, url: &str) -> Result<Vec<String>, FetchError> {
        let (repo, _) = self.update_mirror(url)?;
        ref_names(&repo, "refs/tags/").map_err(|e| FetchError::Git {
            url: url.to_string(),
            message: e.message().to_string(),
        })
    }

    /// Resolves the source's ref and installs that commit (`galley init` without a lock
    /// entry, or with `-upgrade`).
    pub fn install(&self, source: &GitSource) -> Result<Installed, FetchError> {
        let resolved = self.resolve(source)?;
        self.install_commit(source, &resolved.commit, None)
    }

    /// Installs the newest tag `constraints` allow (the `version` argument). The source
    /// must have no `?ref=`.
    pub fn install_version(
        &self,
        source: &GitSource,
        constraints: &Constraints,
    ) -> Result<Installed, FetchError> {
        if source.reference.is_some() {
            return Err(FetchError::RefAndVersion {
                module: source.to_string(),
            });
        }
        let tags = self.tags(&source.url)?;
        let Some((tag, version)) = newest_matching(tags.iter().map(String::as_str), constraints)
        else {
            let mut versions: Vec<Version> =
                tags.iter().filter_map(|t| Version::from_tag(t)).collect();
            versions.sort();
            return Err(FetchError::NoMatchingVersion {
                url: source.url.clone(),
                constraints: constraints.to_string(),
                versions: versions.iter().map(Version::to_string).collect(),
            });
        };
        let tagged = source.with_reference(tag);
        let repo = self.open_mirror(&source.url)?;
        let resolved = resolve_in(&repo, &source.url, Some(tag), None)?;
        self.install_commit(&tagged, &resolved.commit, Some(version))
    }

    /// Installs a known commit (the one a lock file records) without resolving any ref:
    /// when its checkout exists nothing is fetched, so a locked configuration loads
    /// offline. Otherwise the repository is fetched and must still hold the commit.
    pub fn install_locked(
        &self,
        source: &GitSource,
        commit: &str,
        version: Option<Version>,
    ) -> Result<Installed, FetchError> {
        self.install_commit(source, commit, version)
    }

    fn install_commit(
        &self,
        source: &GitSource,
        commit: &str,
        version: Option<Version>,
    ) -> Result<Installed, FetchError> {
        let checkout = self.checkout_dir(&source.url, commit);
        if !checkout.is_dir() {
            self.materialise(&source.url, commit, &checkout)?;
        }
        let dir = match &source.subdir {
            Some(s) => checkout.join(s),
            None => checkout.clone(),
        };
        if !dir.is_dir() {
            return Err(FetchError::MissingSubdir {
                url: source.url.clone(),
                commit: commit.to_string(),
                subdir: source.subdir.clone().unwrap_or_default(),
            });
        }
        let hash = content_hash(&checkout)?;
        Ok(Installed {
            source: source.clone(),
            commit: commit.to_string(),
            version,
            checkout,
            dir,
            hash,
        })
    }

    /// Writes the tree of `commit` to `dest`, through a temporary directory renamed into
    /// place. A `dest` another process finished first is kept.
    fn materialise(&self, url: &str, commit: &str, dest: &Path) -> Result<(), FetchError> {
        let git = |e: git2::Error| FetchError::Git {
            url: url.to_string(),
            message: e.message().to_string(),
        };
        let missing = || FetchError::MissingCommit {
            url: url.to_string(),
            commit: commit.to_string(),
        };
        let oid = Oid::from_str(commit).map_err(|_| missing())?;
        let mut repo = self.open_mirror(url)?;
        if repo.find_commit(oid).is_err() {
            repo = self.update_mirror(url)?.0;
        }
        let tree = repo
            .find_commit(oid)
            .map_err(|_| missing())?
            .tree()
            .map_err(git)?;
        fs::create_dir_all(&self.root).map_err(io_err(&self.root))?;
        let tmp = tempfile::Builder::new()
            .prefix(".checkout-")
            .tempdir_in(&self.root)
            .map_err(io_err(&self.root))?;
        write_tree(&repo, &tree, tmp.path(), "").map_err(|e| match e {
            WriteError::Io(path, error) => FetchError::Io {
                path: crate::diag::display_path(&path),
                error,
            },
            WriteError::Git(e) => git(e),
            WriteError::Unsupported(what) => FetchError::Unsupported {
                url: url.to_string(),
                commit: commit.to_string(),
                what,
            },
        })?;
        let tmp_path = tmp.keep();
        if let Err(error) = fs::rename(&tmp_path, dest) {
            let _ = fs::remove_dir_all(&tmp_path);
            if !dest.is_dir() {
                return Err(io_err(dest)(error));
            }
        }
        Ok(())
    }
}

/// Resolves `reference` (or the default branch `head`) in a fetched mirror.
fn resolve_in(
    repo: &Repository,
    url: &str,
    reference: Option<&str>,
    head: Option<String>,
) -> Result<Resolved, FetchError> {
    let git = |e: git2::Error| FetchError::Git {
        url: url.to_string(),
        message: e.message().to_string(),
    };
    let commit_of = |name: &str| -> Option<String> {
        let r = repo.find_reference(name).ok()?;
        let c = r.peel_to_commit().ok()?;
        Some(c.id().to_string())
    };
    let Some(reference) = reference else {
        let branch = head.ok_or_else(|| FetchError::Unreachable {
            url: url.to_string(),
            message: "the repository has no default branch (HEAD); name a tag, branch or commit with ?ref=".to_string(),
        })?;
        let commit = commit_of(&branch).ok_or_else(|| FetchError::Unreachable {
            url: url.to_string(),
            message: format!("its default branch {branch} has no commit"),
        })?;
        let name = branch.strip_prefix("refs/heads/").unwrap_or(&branch);
        return Ok(Resolved {
            commit,
            kind: RefKind::DefaultBranch(name.to_string()),
        });
    };
    if let Some(commit) = commit_of(&format!("refs/tags/{reference}")) {
        return Ok(Resolved {
            commit,
            kind: RefKind::Tag(reference.to_string()),
        });
    }
    if let Some(commit) = commit_of(&format!("refs/heads/{reference}")) {
        return Ok(Resolved {
            commit,
            kind: RefKind::Branch(reference.to_string()),
        });
    }
    if reference.starts_with("refs/") {
        if let Some(commit) = commit_of(reference) {
            return Ok(Resolved {
                commit,
                kind: RefKind::Commit,
            });
        }
    }
    let is_sha =
        (4..=64).contains(&reference.len()) && reference.bytes().all(|b| b.is_ascii_hexdigit());
    if is_sha {
        if let Ok(obj) = repo.find_object_by_prefix(reference, None) {
            if let Ok(c) = obj.peel(ObjectType::Commit) {
                return Ok(Resolved {
                    commit: c.id().to_string(),
                    kind: RefKind::Commit,
                });
            }
        }
    }
    let tags = ref_names(repo, "refs/tags/").map_err(git)?;
    let branches = ref_names(repo, "refs/heads/").map_err(git)?;
    Err(FetchError::MissingRef {
        url: url.to_string(),
        reference: reference.to_string(),
        tags: tags.into_iter().rev().take(LISTED_REFS).collect(),
        branches: branches.into_iter().take(LISTED_REFS).collect(),
    })
}

/// The names of the references under `prefix`, without it, sorted.
fn ref_names(repo: &Repository, prefix: &str) -> Result<Vec<String>, git2::Error> {
    let mut names = BTreeSet::new();
    for r in repo.references_glob(&format!("{prefix}*"))? {
        if let Ok(name) = r?.name() {
            names.insert(name.trim_start_matches(prefix).to_string());
        }
    }
    Ok(names.into_iter().collect())
}

enum WriteError {
    Io(PathBuf, io::Error),
    Git(git2::Error),
    Unsupported(String),
}

/// Writes `tree` under `dir` (`rel`: its path in the repository, for messages).
fn write_tree(
    repo: &Repository,
    tree: &git2::Tree<'_>,
    dir: &Path,
    rel: &str,
) -> Result<(), WriteError> {
    for entry in tree.iter() {
        let name = entry.name().map_err(|_| {
            WriteError::Unsupported(format!("{rel}: a file name that is not UTF-8"))
        })?;
        let rel_path = if rel.is_empty() {
            name.to_string()
        } else {
            format!("{rel}/{name}")
        };
        if name.is_empty()
            || name == "."
            || name == ".."
            || name.contains(['/', '\\', '\0'])
            || name.eq_ignore_ascii_case(".git")
        {
            return Err(WriteError::Unsupported(format!(
                "the path {rel_path:?} is not safe to write"
            )));
        }
        let path = dir.join(name);
        match entry.kind() {
            Some(ObjectType::Tree) => {
                fs::create_dir(&path).map_err(|e| WriteError::Io(path.clone(), e))?;
                let sub = repo
                    .find_tree(entry.id())
                    .map_err(WriteError::Git)?;
                write_tree(repo, &sub, &path, &rel_path)?;
            }
            Some(ObjectType::Blob) => {
                let blob = repo.find_blob(entry.id()).map_err(WriteError::Git)?;
                write_blob(&path, blob.content(), entry.filemode())
                    .map_err(|e| WriteError::Io(path.clone(), e))?;
            }
            _ => {
                return Err(WriteError::Unsupported(format!(
                    "{rel_path} is a git submodule, which galley does not install; vendor its files into the repository instead"
                )))
            }
        }
    }
    Ok(())
}

fn write_blob(path: &Path, content: &[u8], mode: i32) -> io::Result<()> {
    const LINK: i32 = 0o120000;
    const EXECUTABLE: i32 = 0o100755;
    if mode == LINK {
        #[cfg(unix)]
        {
            use std::os::unix::ffi::OsStrExt;
            let target = std::ffi::OsStr::from_bytes(content);
            return std::os::unix::fs::symlink(target, path);
        }
    }
    fs::write(path, content)?;
    #[cfg(unix)]
    if mode == EXECUTABLE {
        use std::os::unix::fs::PermissionsExt;
        fs::set_permissions(path, fs::Permissions::from_mode(0o755))?;
    }
    Ok(())
}

/// The `h1:` hash of the files under `dir` (see the module documentation).
pub fn content_hash(dir: &Path) -> Result<String, FetchError> {
    let mut files = Vec::new();
    collect_files(dir, "", &mut files)?;
    files.sort();
    let mut summary = Sha256::new();
    for (rel, path) in &files {
        let meta = fs::symlink_metadata(path).map_err(io_err(path))?;
        let mut h = Sha256::new();
        if meta.file_type().is_symlink() {
            let target = fs::read_link(path).map_err(io_err(path))?;
            h.update(target.to_string_lossy().as_bytes());
        } else {
            use io::Read;
            let mut f = fs::File::open(path).map_err(io_err(path))?;
            let mut buf = vec![0u8; 64 * 1024];
            loop {
                let n = f.read(&mut buf).map_err(io_err(path))?;
                if n == 0 {
                    break;
                }
                h.update(&buf[..n]);
            }
        }
        let hex: String = h.finalize().iter().map(|b| format!("{b:02x}")).collect();
        summary.update(format!("{hex}  {rel}\n").as_bytes());
    }
    Ok(format!("h1:{}", STANDARD.encode(summary.finalize())))
}

/// Every file (and symbolic link) under `dir` with its `/`-separated relative path.
fn collect_files(
    dir: &Path,
    rel: &str,
    out: &mut Vec<(String, PathBuf)>,
) -> Result<(), FetchError> {
    for entry in fs::read_dir(dir).map_err(io_err(dir))? {
        let entry = entry.map_err(io_err(dir))?;
        let path = entry.path();
        let name = entry.file_name().to_string_lossy().into_owned();
        let rel_path = if rel.is_empty() {
            name
        } else {
            format!("{rel}/{name}")
        };
        let kind = entry.file_type().map_err(io_err(&path))?;
        if kind.is_dir() {
            collect_files(&path, &rel_path, out)?;
        } else {
            out.push((rel_path, path));
        }
    }
    Ok(())
}
