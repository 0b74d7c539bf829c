//! `.galley.lock.hcl`: the commit and content hash each git module source was installed
//! at, so later runs (and other machines) use exactly those files.
//!
//! ```hcl
//! # This file is maintained automatically by "galley init".
//! # Manual edits may be lost in future updates.
//!
//! module "git::https://example.com/net.git//vpc?ref=v1.2.0" {
//!   commit = "6f1c0b0d..."
//!   ref    = "v1.2.0"
//!   hash   = "h1:..."
//! }
//!
//! module "git::https://example.com/dns.git" {
//!   version     = "1.4.2"
//!   constraints = "~> 1.2"
//!   ref         = "v1.4.2"
//!   commit      = "0c3b9d2a..."
//!   hash        = "h1:..."
//! }
//! ```
//!
//! One block per normalised source ([`super::ModuleSource`]'s display, with its
//! subdirectory and `?ref=`), so changing a ref in the configuration is a new entry, not a
//! conflict. A source with a `version` constraint is keyed without a ref and records the
//! version and tag chosen and the constraint it was chosen by. `ref` is the name the ref
//! resolved through (tag, branch, or default branch), absent for a commit SHA. Blocks are
//! written sorted by source, attributes in a fixed order, so the file diffs cleanly.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::Path;

use hcl_edit::expr::Expression;
use hcl_edit::structure::Structure;

use super::fetch::{Installed, RefKind, Resolved};
use super::version::{Constraints, Version};

/// The lock file's name, in the root module's directory.
pub const LOCK_FILE: &str = ".galley.lock.hcl";

/// The lock file's size limit.
const LIMIT: crate::limits::Limit = crate::limits::Limit {
    max: 16 << 20,
    what: "module lock file",
    advice:
        "it holds a few lines per module; check that it is the .galley.lock.hcl galley init wrote",
};

/// What the lock file records for one module source.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LockEntry {
    /// The commit (full SHA).
    pub commit: String,
    /// The content hash ([`super::fetch::content_hash`]).
    pub hash: String,
    /// The tag or branch the commit was found through; `None` for a commit SHA.
    pub reference: Option<String>,
    /// The version chosen by a `version` constraint.
    pub version: Option<String>,
    /// That constraint, as written.
    pub constraints: Option<String>,
}

/// The whole lock file: entries by normalised source.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LockFile {
    /// Entries by normalised module source.
    pub modules: BTreeMap<String, LockEntry>,
}

/// A problem reading the lock file or with a module measured against it.
#[derive(Debug, thiserror::Error)]
pub enum LockError {
    /// The file could not be read.
    #[error("Could not read {path}: {message}")]
    Read {
        /// The file.
        path: String,
        /// Why.
        message: String,
    },
    /// The file is not a lock file galley can read.
    #[error("{path} is not a valid module lock file: {message}. Fix it, or delete it and run `galley init` to write it again")]
    Invalid {
        /// The file.
        path: String,
        /// What is wrong.
        message: String,
    },
    /// The ref now resolves to another commit than the locked one.
    #[error("Module source {module}: {what} now points to commit {found}, but the lock file records {locked}. Run `galley init -upgrade` to accept the new commit, or find out who moved it")]
    CommitMismatch {
        /// The normalised source.
        module: String,
        /// `tag "v1.0.0"`, `branch "main"`, `the default branch "main"`, `the ref "abc123"`.
        what: String,
        /// The commit it resolves to now.
        found: String,
        /// The locked commit.
        locked: String,
    },
    /// The installed files differ from the locked hash.
    #[error("Module source {module}: the files installed at commit {commit} hash to {found}, but the lock file records {locked}. Check the module cache (.galley/modules) and the repository for tampering; if the change is expected, run `galley init -upgrade`")]
    HashMismatch {
        /// The normalised source.
        module: String,
        /// The commit.
        commit: String,
        /// The hash now.
        found: String,
        /// The locked hash.
        locked: String,
    },
    /// The locked version no longer meets the module call's constraint.
    #[error("Module source {module}: the locked version {locked} does not match the version constraint \"{constraints}\". Run `galley init -upgrade` to choose a version that does")]
    VersionMismatch {
        /// The normalised source.
        module: String,
        /// The locked version.
        locked: String,
        /// The constraint now.
        constraints: String,
    },
}

impl LockEntry {
    /// The entry recording `installed` (`constraints`: the `version` argument, if any).
    pub fn from_installed(
        installed: &Installed,
        kind: Option<&RefKind>,
        constraints: Option<&Constraints>,
    ) -> LockEntry {
        let reference = match kind {
            Some(RefKind::Tag(n) | RefKind::Branch(n) | RefKind::DefaultBranch(n)) => {
                Some(n.clone())
            }
            Some(RefKind::Commit) => None,
            None => installed.source.reference.clone(),
        };
        LockEntry {
            commit: installed.commit.clone(),
            hash: installed.hash.clone(),
            reference,
            version: installed.version.as_ref().map(Version::to_string),
            constraints: constraints.map(Constraints::to_string),
        }
    }

    /// Checks that a ref resolved now (`galley init` without `-upgrade`) still names the
    /// locked commit: a moved tag or a branch that advanced is an error.
    pub fn check_commit(&self, source: &str, resolved: &Resolved) -> Result<(), LockError> {
        if resolved.commit == self.commit {
            return Ok(());
        }
        let what = match &resolved.kind {
            RefKind::Tag(n) => format!("tag {n:?}"),
            RefKind::Branch(n) => format!("branch {n:?}"),
            RefKind::DefaultBranch(n) => format!("the default branch {n:?}"),
            RefKind::Commit => "the ref".to_string(),
        };
        Err(LockError::CommitMismatch {
            module: source.to_string(),
            what,
            found: resolved.commit.clone(),
            locked: self.commit.clone(),
        })
    }

    /// Checks the installed files against the locked hash.
    pub fn check_hash(&self, source: &str, installed: &Installed) -> Result<(), LockError> {
        if installed.hash == self.hash {
            return Ok(());
        }
        Err(LockError::HashMismatch {
            module: source.to_string(),
            commit: installed.commit.clone(),
            found: installed.hash.clone(),
            locked: self.hash.clone(),
        })
    }

    /// Checks that the locked version still meets the module call's `version` constraint.
    pub fn check_version(&self, source: &str, constraints: &Constraints) -> Result<(), LockError> {
        let locked = self.version.clone().unwrap_or_default();
        match Version::parse(&locked) {
            Some(v) if constraints.allows(&v) => Ok(()),
            _ => Err(LockError::VersionMismatch {
                module: source.to_string(),
                locked: if locked.is_empty() {
                    "(none: it was locked without a version)".to_string()
                } else {
                    locked
                },
                constraints: constraints.to_string(),
            }),
        }
    }
}

impl LockFile {
    /// Reads `dir/.galley.lock.hcl`; an absent file is an empty lock.
    pub fn read(dir: &Path) -> Result<LockFile, LockError> {
        let path = dir.join(LOCK_FILE);
        let shown = crate::diag::display_path(&path);
        let text = match crate::limits::read_to_string(&path, LIMIT) {
            Ok(t) => t,
            Err(e) if e.is_not_found() => return Ok(LockFile::default()),
            Err(e) => {
                return Err(LockError::Read {
                    path: shown,
                    message: e.to_string(),
                })
            }
        };
        LockFile::parse(&text).map_err(|message| LockError::Invalid {
            path: shown,
            message,
        })
    }

    /// Parses the text of a lock file.
    pub fn parse(text: &str) -> Result<LockFile, String> {
        let body = hcl_edit::parser::parse_body(text).map_err(|e| e.to_string())?;
        let mut modules = BTreeMap::new();
        for s in body.into_iter() {
            let Structure::Block(b) = s else {
                return Err("only module blocks are expected at the top level".into());
            };
            if b.ident.as_str() != "module" || b.labels.len() != 1 {
                return Err(format!(
                    "unexpected block {:?}; the file holds module \"SOURCE\" {{ ... }} blocks",
                    b.ident.as_str()
                ));
            }
            let source = b.labels[0].as_str().to_string();
            let mut attrs = BTreeMap::new();
            for s in b.body.into_iter() {
                let Structure::Attribute(a) = s else {
                    return Err(format!("module {source:?}: unexpected nested block"));
                };
                let key = a.key.as_str().to_string();
                let Expression::String(v) = &a.value else {
                    return Err(format!("module {source:?}: {key} must be a quoted string"));
                };
                if !matches!(
                    key.as_str(),
                    "commit" | "hash" | "ref" | "version" | "constraints"
                ) {
                    return Err(format!("module {source:?}: unknown attribute {key:?}"));
                }
                attrs.insert(key, v.value().clone());
            }
            let mut take = |k: &str| attrs.remove(k);
            let (Some(commit), Some(hash)) = (take("commit"), take("hash")) else {
                return Err(format!("module {source:?} needs both commit and hash"));
            };
            let entry = LockEntry {
                commit,
                hash,
                reference: take("ref"),
                version: take("version"),
                constraints: take("constraints"),
            };
            if modules.insert(source.clone(), entry).is_some() {
                return Err(format!("module {source:?} appears twice"));
            }
        }
        Ok(LockFile { modules })
    }

    /// The file's text: a header, then one block per source, sorted.
    pub fn render(&self) -> String {
        let mut out = String::from(
            "# This file is maintained automatically by \"galley init\".\n# Manual edits may be lost in future updates.\n",
        );
        for (source, e) in &self.modules {
            let mut attrs: Vec<(&str, &str)> = Vec::new();
            if let Some(v) = &e.version {
                attrs.push(("version", v));
            }
            if let Some(c) = &e.constraints {
                attrs.push(("constraints", c));
            }
            if let Some(r) = &e.reference {
                attrs.push(("ref", r));
            }
            attrs.push(("commit", &e.commit));
            attrs.push(("hash", &e.hash));
            let width = attrs.iter().map(|(k, _)| k.len()).max().unwrap_or(0);
            let _ = writeln!(out, "\nmodule {} {{", quote(source));
            for (k, v) in attrs {
                let _ = writeln!(out, "  {k:width$} = {}", quote(v));
            }
            out.push_str("}\n");
        }
        out
    }

    /// Writes `dir/.galley.lock.hcl` atomically (temporary file, then rename).
    pub fn write(&self, dir: &Path) -> std::io::Result<()> {
        let mut tmp = tempfile::Builder::new()
            .prefix(".galley.lock.hcl.")
            .tempfile_in(dir)?;
        std::io::Write::write_all(&mut tmp, self.render().as_bytes())?;
        tmp.as_file().sync_all()?;
        tmp.persist(dir.join(LOCK_FILE)).map_err(|e| e.error)?;
        Ok(())
    }
}

/// An HCL quoted string literal.
fn quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '$' | '%' if chars.peek() == Some(&'{') => {
                out.push(c);
                out.push(c);
            }
            c if c.is_control() => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(commit: &str) -> LockEntry {
        LockEntry {
            commit: commit.into(),
            hash: "h1:abc=".into(),
            reference: Some("v1.0.0".into()),
            version: None,
            constraints: None,
        }
    }

    #[test]
    fn render_is_sorted_and_parses_back() {
        let mut lock = LockFile::default();
        lock.modules.insert(
            "git::https://z.example/b.git?ref=v1.0.0".into(),
            entry("bbb"),
        );
        lock.modules.insert(
            "git::https://a.example/a.git".into(),
            LockEntry {
                version: Some("1.4.2".into()),
                constraints: Some("~> 1.2".into()),
                ..entry("aaa")
            },
        );
        lock.modules.insert(
            "git::file:///x/${odd}\"q.git".into(),
            LockEntry {
                reference: None,
                ..entry("ccc")
            },
        );
        let text = lock.render();
        let a = text.find("a.example").unwrap_or(usize::MAX);
        let z = text.find("z.example").unwrap_or(0);
        assert!(a < z, "{text}");
        assert!(
            text.contains("  version     = \"1.4.2\"\n  constraints = \"~> 1.2\"\n"),
            "{text}"
        );
        assert_eq!(LockFile::parse(&text), Ok(lock.clone()));
        assert_eq!(LockFile::parse(&text).map(|l| l.render()), Ok(text));
    }

    #[test]
    fn invalid_files_are_errors() {
        for (text, expect) in [
            ("module \"x\" {\n commit = \"a\"\n}\n", "needs both"),
            ("provider \"x\" {\n}\n", "unexpected block"),
            ("module \"x\" {\n commit = 1\n hash = \"h\"\n}\n", "quoted string"),
            ("module \"x\" {\n commit = \"a\"\n hash = \"h\"\n extra = \"e\"\n}\n", "unknown attribute"),
            ("module \"x\" {\n commit = \"a\"\n hash = \"h\"\n}\nmodule \"x\" {\n commit = \"a\"\n hash = \"h\"\n}\n", "twice"),
            ("a = \"b\"\n", "only module blocks"),
            ("module \"x\" {", ""),
        ] {
            match LockFile::parse(text) {
                Ok(l) => panic!("{text:?} parsed as {l:?}"),
                Err(e) => assert!(e.contains(expect), "{text:?}: {e}"),
            }
        }
    }

    #[test]
    fn read_and_write_a_directory() -> std::io::Result<()> {
        let dir = tempfile::tempdir()?;
        assert_eq!(LockFile::read(dir.path()).ok(), Some(LockFile::default()));
        let mut lock = LockFile::default();
        lock.modules
            .insert("git::file:///r.git".into(), entry("abc"));
        lock.write(dir.path())?;
        assert_eq!(LockFile::read(dir.path()).ok(), Some(lock));
        std::fs::write(dir.path().join(LOCK_FILE), "module {")?;
        let e = LockFile::read(dir.path()).err().map(|e| e.to_string());
        assert!(e.is_some_and(|e| e.contains("galley init")));
        Ok(())
    }

    #[test]
    fn version_check() {
        let e = LockEntry {
            version: Some("1.4.2".into()),
            ..entry("a")
        };
        let ok = Constraints::parse("~> 1.2").map(|c| e.check_version("s", &c).is_ok());
        assert_eq!(ok, Ok(true));
        let err = Constraints::parse(">= 2.0")
            .ok()
            .and_then(|c| e.check_version("s", &c).err())
            .map(|e| e.to_string());
        assert!(err.is_some_and(|m| m.contains("galley init -upgrade") && m.contains("1.4.2")));
    }
}
