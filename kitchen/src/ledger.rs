//! The ledger `.galley/kitchen/ledger.json`: every run that may have left something
//! behind. A run is entered before it creates anything and leaves the ledger only when
//! it destroyed everything, so even a run killed with SIGKILL can be swept.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};

/// Why an entry is in the ledger.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Status {
    /// The run has not finished (or died without cleaning up).
    Running,
    /// Destroy failed; `leftovers` lists what is left.
    Leftovers,
    /// `--keep-on-failure` kept the environment of a failed run.
    Kept,
}

/// One state a run created, with what is needed to destroy it later.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StateRecord {
    /// The state file.
    pub state: PathBuf,
    /// The configuration it was applied with.
    pub config_dir: PathBuf,
    /// The root variable values (JSON), for providers configured from variables.
    pub vars: PathBuf,
}

/// An object a destroy could not remove.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Leftover {
    /// Its address in the run's state.
    pub addr: String,
    /// The provider configuration, as the state names it.
    pub provider: String,
    /// Its id, when it has one.
    pub id: Option<String>,
}

/// One run that may have left objects behind.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Entry {
    /// The run id (also the tag value and name prefix).
    pub run_id: String,
    /// When it started, Unix seconds.
    pub started: u64,
    /// The process that ran it.
    pub pid: u32,
    /// The directory under test.
    pub dir: PathBuf,
    /// Ran against the configured providers rather than the simulator.
    pub real: bool,
    /// Why it is here.
    pub status: Status,
    /// The states it created.
    #[serde(default)]
    pub states: Vec<StateRecord>,
    /// What its destroy left, when it failed.
    #[serde(default)]
    pub leftovers: Vec<Leftover>,
}

/// Ledger file problems.
#[derive(Debug, thiserror::Error)]
pub enum LedgerError {
    /// Reading, writing or locking failed.
    #[error("kitchen ledger {path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// What failed.
        source: std::io::Error,
    },
    /// The file is not a ledger.
    #[error("kitchen ledger {path} is corrupt: {message}")]
    Corrupt {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        message: String,
    },
}

/// The ledger of one directory.
#[derive(Debug, Clone)]
pub struct Ledger {
    path: PathBuf,
}

#[derive(Debug, Default, Serialize, Deserialize)]
struct Document {
    version: u32,
    runs: Vec<Entry>,
}

impl Ledger {
    /// The ledger in `kitchen_dir` (`.galley/kitchen`).
    pub fn in_dir(kitchen_dir: &Path) -> Ledger {
        Ledger {
            path: kitchen_dir.join("ledger.json"),
        }
    }

    /// The file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Every entry.
    pub fn entries(&self) -> Result<Vec<Entry>, LedgerError> {
        Ok(self.read()?.runs)
    }

    /// Adds or replaces the entry of `e.run_id`.
    pub fn put(&self, e: Entry) -> Result<(), LedgerError> {
        self.update(|runs| {
            runs.retain(|x| x.run_id != e.run_id);
            runs.push(e);
        })
    }

    /// Changes the entry of `run_id`, if there is one.
    pub fn modify(&self, run_id: &str, f: impl FnOnce(&mut Entry)) -> Result<(), LedgerError> {
        self.update(|runs| {
            if let Some(e) = runs.iter_mut().find(|x| x.run_id == run_id) {
                f(e);
            }
        })
    }

    /// Removes the entry of `run_id`.
    pub fn remove(&self, run_id: &str) -> Result<(), LedgerError> {
        self.update(|runs| runs.retain(|x| x.run_id != run_id))
    }

    fn io(&self, source: std::io::Error) -> LedgerError {
        LedgerError::Io {
            path: self.path.clone(),
            source,
        }
    }

    fn read(&self) -> Result<Document, LedgerError> {
        match std::fs::read(&self.path) {
            Ok(bytes) => serde_json::from_slice(&bytes).map_err(|e| LedgerError::Corrupt {
                path: self.path.clone(),
                message: e.to_string(),
            }),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Document::default()),
            Err(e) => Err(self.io(e)),
        }
    }

    /// Read, change, write under a lock file, so concurrent runs do not lose entries.
    fn update(&self, f: impl FnOnce(&mut Vec<Entry>)) -> Result<(), LedgerError> {
        if let Some(dir) = self.path.parent() {
            std::fs::create_dir_all(dir).map_err(|e| self.io(e))?;
        }
        let _lock =
            FileLock::take(&self.path.with_extension("json.lock")).map_err(|e| self.io(e))?;
        let mut doc = self.read()?;
        f(&mut doc.runs);
        doc.version = 1;
        let text = serde_json::to_string_pretty(&doc).map_err(|e| LedgerError::Corrupt {
            path: self.path.clone(),
            message: e.to_string(),
        })?;
        let tmp = self.path.with_extension("json.tmp");
        std::fs::write(&tmp, text).map_err(|e| self.io(e))?;
        std::fs::rename(&tmp, &self.path).map_err(|e| self.io(e))
    }
}

/// A lock file held while it exists; a stale one (older than a minute) is taken over.
struct FileLock(PathBuf);

impl FileLock {
    fn take(path: &Path) -> std::io::Result<FileLock> {
        let start = Instant::now();
        loop {
            match std::fs::OpenOptions::new()
                .write(true)
                .create_new(true)
                .open(path)
            {
                Ok(_) => return Ok(FileLock(path.to_path_buf())),
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
                    let stale = std::fs::metadata(path)
                        .and_then(|m| m.modified())
                        .ok()
                        .and_then(|t| t.elapsed().ok())
                        .is_some_and(|age| age > Duration::from_secs(60));
                    if stale || start.elapsed() > Duration::from_secs(10) {
                        let _ = std::fs::remove_file(path);
                    }
                    std::thread::sleep(Duration::from_millis(20));
                }
                Err(e) => return Err(e),
            }
        }
    }
}

impl Drop for FileLock {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(id: &str) -> Entry {
        Entry {
            run_id: id.into(),
            started: 1,
            pid: 1,
            dir: PathBuf::from("."),
            real: false,
            status: Status::Running,
            states: Vec::new(),
            leftovers: Vec::new(),
        }
    }

    #[test]
    fn entries_are_put_modified_and_removed() {
        let tmp = tempfile::tempdir().expect("tempdir");
        let l = Ledger::in_dir(tmp.path());
        assert!(l.entries().expect("empty").is_empty());
        l.put(entry("a")).expect("put");
        l.put(entry("b")).expect("put");
        l.modify("a", |e| e.status = Status::Leftovers)
            .expect("modify");
        let all = l.entries().expect("read");
        assert_eq!(all.len(), 2);
        assert_eq!(all[0].status, Status::Leftovers);
        l.remove("a").expect("remove");
        let ids: Vec<_> = l
            .entries()
            .expect("read")
            .into_iter()
            .map(|e| e.run_id)
            .collect();
        assert_eq!(ids, ["b"]);
    }

    #[test]
    fn a_corrupt_ledger_is_an_error_not_an_empty_one() {
        let tmp = tempfile::tempdir().expect("tempdir");
        std::fs::write(tmp.path().join("ledger.json"), "nope").expect("write");
        let l = Ledger::in_dir(tmp.path());
        assert!(matches!(l.entries(), Err(LedgerError::Corrupt { .. })));
        assert!(l.put(entry("a")).is_err());
    }
}
