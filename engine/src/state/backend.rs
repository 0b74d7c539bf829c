//! Where state lives: the [`Backend`] trait every state store implements (the local file
//! here, S3 in the AWS provider crate), and the check that keeps a write from replacing
//! a state someone else wrote.

use std::fmt::Debug;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use super::journal::Recovery;
use super::lock::{LockError, LockInfo};
use super::model::State;
use super::StateError;
use crate::crypt::Encryption;

/// A place state is kept, with its lock. Synchronous: a backend that talks to a network
/// service runs its own runtime and never blocks the caller's.
///
/// Writes during apply go through [`crate::state::Journaled`], which appends to
/// [`Backend::journal_path`] between calls to [`Backend::persist`]; `persist` removes
/// the journal once the state holds everything in it, and `load` replays a journal that
/// matches the state's lineage and serial.
pub trait Backend: Send + Debug {
    /// Where the state is, for messages: a path, or `s3://bucket/key`.
    fn describe(&self) -> String;

    /// Reads the state; `None` when there is none yet. A journal left by an interrupted
    /// apply is replayed onto it; see [`Backend::take_recovery`]. A state that cannot be
    /// used is reported and never written over by later `persist` calls.
    fn load(&self) -> Result<Option<State>, StateError>;

    /// What the last [`Backend::load`] recovered from a journal, once.
    fn take_recovery(&self) -> Option<Recovery>;

    /// Bumps the serial and writes the whole state atomically, then removes the journal.
    /// On failure the serial is restored.
    fn persist(&mut self, state: &mut State) -> Result<(), StateError>;

    /// Takes the state lock for `operation` (e.g. `apply`), retrying until `timeout` has
    /// passed (zero tries once). Fails with [`LockError::Held`] naming the holder.
    fn lock(&self, operation: &str, timeout: Duration) -> Result<Box<dyn StateLock>, LockError>;

    /// The current lock, if any.
    fn read_lock(&self) -> Result<Option<LockInfo>, LockError>;

    /// `galley force-unlock ID`: removes the lock if its ID is `id`, returning its holder.
    fn force_unlock(&self, id: &str) -> Result<LockInfo, LockError>;

    /// The local file apply appends changes to between full writes.
    fn journal_path(&self) -> PathBuf;

    /// Removes the state and its journal (`workspace delete`); nothing there is fine.
    fn delete_state(&self) -> Result<(), StateError>;

    /// How the state and its journal are encrypted ([`crate::crypt`]); `None`: plain text.
    /// The journal of [`crate::state::Journaled`] uses the same.
    fn encryption(&self) -> Option<Arc<Encryption>> {
        None
    }
}

/// A held state lock. Dropping it releases the lock if it is still ours; [`StateLock::release`]
/// does the same and reports failures.
pub trait StateLock: Send + Debug {
    /// What the lock says about us.
    fn info(&self) -> &LockInfo;

    /// False when the backend has no locking configured (S3 without `use_lockfile` or
    /// `dynamodb_table`, as in Terraform): nothing keeps two runs apart.
    fn is_held(&self) -> bool {
        true
    }

    /// Releases the lock now.
    fn release(self: Box<Self>) -> Result<(), LockError>;
}

/// The lock of a backend without locking: holds nothing.
#[derive(Debug)]
pub struct NoLock(pub LockInfo);

impl StateLock for NoLock {
    fn info(&self) -> &LockInfo {
        &self.0
    }

    fn is_held(&self) -> bool {
        false
    }

    fn release(self: Box<Self>) -> Result<(), LockError> {
        Ok(())
    }
}

impl<B: Backend + ?Sized> Backend for Box<B> {
    fn describe(&self) -> String {
        (**self).describe()
    }
    fn load(&self) -> Result<Option<State>, StateError> {
        (**self).load()
    }
    fn take_recovery(&self) -> Option<Recovery> {
        (**self).take_recovery()
    }
    fn persist(&mut self, state: &mut State) -> Result<(), StateError> {
        (**self).persist(state)
    }
    fn lock(&self, operation: &str, timeout: Duration) -> Result<Box<dyn StateLock>, LockError> {
        (**self).lock(operation, timeout)
    }
    fn read_lock(&self) -> Result<Option<LockInfo>, LockError> {
        (**self).read_lock()
    }
    fn force_unlock(&self, id: &str) -> Result<LockInfo, LockError> {
        (**self).force_unlock(id)
    }
    fn journal_path(&self) -> PathBuf {
        (**self).journal_path()
    }
    fn delete_state(&self) -> Result<(), StateError> {
        (**self).delete_state()
    }
    fn encryption(&self) -> Option<Arc<Encryption>> {
        (**self).encryption()
    }
}

/// The lineage and serial a backend last read or wrote: what a write may replace.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Version {
    /// The state's lineage.
    pub lineage: String,
    /// Its serial.
    pub serial: u64,
}

/// Checks that writing may replace `found` (what the store holds now) when the writer
/// last saw `seen` (`None`: there was no state). Refuses another lineage, and a state
/// written since it was read (a newer serial, or one appearing where there was none):
/// someone else wrote it, and replacing it would lose their changes.
pub fn check_overwrite(
    location: &str,
    seen: Option<&Version>,
    found: Option<&Version>,
) -> Result<(), StateError> {
    let Some(found) = found else {
        return Ok(());
    };
    let problem = match seen {
        None => format!(
            "a state (lineage {}, serial {}) appeared there after this run found none: someone else wrote it",
            found.lineage, found.serial
        ),
        Some(seen) if seen.lineage != found.lineage => format!(
            "it holds a different state (lineage {}, this run's is {}): the backend configuration may point at another configuration's state",
            found.lineage, seen.lineage
        ),
        Some(seen) if found.serial > seen.serial => format!(
            "it was written by someone else since this run read it (serial {} there, {} when read)",
            found.serial, seen.serial
        ),
        Some(_) => return Ok(()),
    };
    Err(StateError::Remote(format!(
        "refusing to write the state to {location}: {problem}. Nothing was written; run the command again to start from the current state"
    )))
}

/// The lineage and serial at the top of a state document, read without decoding the rest.
pub fn peek_version(bytes: &[u8]) -> Option<Version> {
    #[derive(serde::Deserialize)]
    struct Head {
        lineage: String,
        serial: u64,
    }
    let head: Head = serde_json::from_slice(bytes).ok()?;
    Some(Version {
        lineage: head.lineage,
        serial: head.serial,
    })
}

/// `name` made safe as one file name: path separators and odd characters become `_`.
pub fn file_name_for(name: &str) -> String {
    name.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.') {
                c
            } else {
                '_'
            }
        })
        .collect()
}

/// The journal of a remote state named `name` (e.g. `s3://bucket/key`), kept in the
/// working directory's `.galley/journal/`: a killed apply loses nothing, and the next
/// run on this machine replays it onto the downloaded state. The file name is `name`
/// made safe plus a hash of it, so that `a/b` and `a_b` do not share a journal.
pub fn remote_journal_path(dir: &Path, name: &str) -> PathBuf {
    let hash = uuid::Uuid::new_v5(&uuid::Uuid::NAMESPACE_URL, name.as_bytes()).simple();
    let hash = hash.to_string();
    dir.join(".galley").join("journal").join(format!(
        "{}-{}.journal",
        file_name_for(name),
        &hash[..8]
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(lineage: &str, serial: u64) -> Version {
        Version {
            lineage: lineage.into(),
            serial,
        }
    }

    #[test]
    fn overwriting_is_refused_only_for_someone_elses_state() {
        let cases = [
            (None, None, None),
            (Some(v("a", 3)), None, None),
            (Some(v("a", 3)), Some(v("a", 3)), None),
            (Some(v("a", 4)), Some(v("a", 3)), None),
            (
                Some(v("a", 3)),
                Some(v("a", 4)),
                Some("written by someone else"),
            ),
            (Some(v("a", 3)), Some(v("b", 3)), Some("different state")),
            (None, Some(v("b", 1)), Some("appeared there")),
        ];
        for (seen, found, expected) in cases {
            let r = check_overwrite("s3://b/k", seen.as_ref(), found.as_ref());
            match expected {
                None => assert!(r.is_ok(), "{seen:?} {found:?}: {r:?}"),
                Some(text) => {
                    let msg = r.unwrap_err().to_string();
                    assert!(msg.contains(text), "{msg}");
                    assert!(msg.contains("s3://b/k"), "{msg}");
                }
            }
        }
    }

    #[test]
    fn the_version_is_read_from_the_document_head() {
        let doc = br#"{"version": 4, "serial": 7, "lineage": "l-1", "resources": []}"#;
        assert_eq!(peek_version(doc), Some(v("l-1", 7)));
        assert_eq!(peek_version(b"not json"), None);
    }

    #[test]
    fn remote_journals_have_one_flat_file_name() {
        let p = remote_journal_path(Path::new("w"), "s3://bucket/env:/dev/app.tfstate");
        assert_eq!(p.parent().unwrap(), Path::new("w/.galley/journal"));
        let name = p.file_name().unwrap().to_str().unwrap();
        assert!(
            name.starts_with("s3___bucket_env__dev_app.tfstate-") && name.ends_with(".journal"),
            "{name}"
        );
        let other = remote_journal_path(Path::new("w"), "s3://bucket/env__dev/app.tfstate");
        assert_ne!(p, other, "names that sanitize alike keep apart");
    }
}
