//! The state lock: a `<state>.lock.json` file created exclusively, naming its holder.

use std::fs::{self, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::thread;
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};

use super::local::with_suffix;
use crate::limits::{self, ReadError};

/// Who holds a lock, as written in the lock file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LockInfo {
    /// Unique lock ID (uuid), the argument to `galley force-unlock`.
    pub id: String,
    /// The command holding it, e.g. `apply`.
    pub operation: String,
    /// `user@host`.
    pub who: String,
    /// The holder's process ID; 0 when the lock does not say (one written by Terraform).
    pub pid: u32,
    /// The holder's host name.
    pub host: String,
    /// When the lock was taken (RFC 3339, UTC).
    pub created: String,
    /// The holder's galley version, e.g. `galley 0.1.0`.
    pub version: String,
}

impl LockInfo {
    /// A lock for `operation` held by this process.
    pub fn new(operation: &str) -> LockInfo {
        let host = this_host();
        let user = std::env::var("USER")
            .or_else(|_| std::env::var("USERNAME"))
            .unwrap_or_else(|_| "unknown".to_string());
        LockInfo {
            id: uuid::Uuid::new_v4().to_string(),
            operation: operation.to_string(),
            who: format!("{user}@{host}"),
            pid: std::process::id(),
            host,
            created: chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
            version: format!("galley {}", env!("CARGO_PKG_VERSION")),
        }
    }

    /// Whether the holder is gone: `Some(true)` if it ran on this host and its process no
    /// longer exists, `Some(false)` if it is still running, `None` when galley cannot tell
    /// (another host, or no `/proc`).
    pub fn is_stale(&self) -> Option<bool> {
        if self.pid == 0 || self.host != this_host() || !Path::new("/proc/self").exists() {
            return None;
        }
        Some(!Path::new("/proc").join(self.pid.to_string()).exists())
    }
}

/// This machine's host name, as locks record it.
pub fn this_host() -> String {
    hostname::get()
        .ok()
        .and_then(|h| h.into_string().ok())
        .unwrap_or_else(|| "unknown".to_string())
}

/// Why a lock could not be taken or released.
#[derive(Debug, thiserror::Error)]
pub enum LockError {
    /// Someone else holds the lock.
    #[error("{}", held_message(path, info, *stale))]
    Held {
        /// The lock file.
        path: PathBuf,
        /// Its holder (boxed: it is large and errors should be small).
        info: Box<LockInfo>,
        /// See [`LockInfo::is_stale`].
        stale: Option<bool>,
    },
    /// The lock file exists but cannot be read as a lock.
    #[error("the lock file {} is corrupt ({reason}); galley left it in place. If no galley run is using this state, delete the file by hand", path.display())]
    Corrupt {
        /// The lock file.
        path: PathBuf,
        /// What is wrong with it.
        reason: String,
    },
    /// There is no lock to release.
    #[error("the state is not locked (there is no {})", path.display())]
    NotLocked {
        /// The lock file that does not exist.
        path: PathBuf,
    },
    /// The lock belongs to someone else.
    #[error("the lock {} has ID {found}, not {given}; nothing was unlocked", path.display())]
    IdMismatch {
        /// The lock file.
        path: PathBuf,
        /// The ID asked for.
        given: String,
        /// The ID in the lock file.
        found: String,
    },
    /// A file system operation failed.
    #[error("could not {action} the lock file {}: {source}", path.display())]
    Io {
        /// What galley was doing.
        action: &'static str,
        /// The lock file.
        path: PathBuf,
        /// The underlying error.
        source: io::Error,
    },
}

fn held_message(path: &Path, info: &LockInfo, stale: Option<bool>) -> String {
    // A lock written by Terraform (remote state) names no process.
    let holder = match info.pid {
        0 => info.who.clone(),
        pid => format!("{} (pid {pid} on host {})", info.who, info.host),
    };
    let mut msg = format!(
        "the state is locked by {holder}, running \"{}\" since {}; lock ID {}, lock {}.\n",
        info.operation,
        info.created,
        info.id,
        path.display()
    );
    msg.push_str(&match stale {
        Some(true) => format!(
            "Process {} no longer exists on this host, so the lock looks stale (left by a run that crashed or was killed). \
             If no other galley run is using this state, remove it with `galley force-unlock {}`.",
            info.pid, info.id
        ),
        Some(false) => "That process is still running: wait for it to finish, or retry with a longer -lock-timeout.".to_string(),
        None => format!(
            "Wait for that run to finish, or retry with a longer -lock-timeout. If you are sure it is gone, \
             remove the lock with `galley force-unlock {}`.",
            info.id
        ),
    });
    msg
}

/// The lock file for a state file: `<state path>.lock.json`.
pub fn lock_path(state_path: &Path) -> PathBuf {
    with_suffix(state_path, ".lock.json")
}

/// A held lock; dropping it removes the lock file if it is still ours.
#[derive(Debug)]
pub struct LockGuard {
    path: PathBuf,
    info: LockInfo,
    released: bool,
}

impl LockGuard {
    /// What the lock file says about us.
    pub fn info(&self) -> &LockInfo {
        &self.info
    }

    /// The lock file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Removes the lock file now, reporting failures that dropping would ignore.
    pub fn release(mut self) -> Result<(), LockError> {
        self.released = true;
        remove_if_id(&self.path, &self.info.id).map(|_| ())
    }
}

impl super::backend::StateLock for LockGuard {
    fn info(&self) -> &LockInfo {
        &self.info
    }

    fn release(self: Box<Self>) -> Result<(), LockError> {
        LockGuard::release(*self)
    }
}

impl Drop for LockGuard {
    fn drop(&mut self) {
        if !self.released {
            // If someone force-unlocked us the file is theirs now: leave it.
            let _ = remove_if_id(&self.path, &self.info.id);
        }
    }
}

/// Takes the lock on the state at `state_path` for `operation`, retrying until `timeout`
/// has passed (a zero timeout tries once). Fails with [`LockError::Held`] naming the holder.
pub fn acquire(
    state_path: &Path,
    operation: &str,
    timeout: Duration,
) -> Result<LockGuard, LockError> {
    let path = lock_path(state_path);
    let info = LockInfo::new(operation);
    let mut body = serde_json::to_vec_pretty(&info).map_err(|e| LockError::Io {
        action: "encode",
        path: path.clone(),
        source: e.into(),
    })?;
    body.push(b'\n');
    let deadline = Instant::now() + timeout;
    let mut wait = Duration::from_millis(10);
    let mut vanished_at_deadline = false;
    loop {
        match create_exclusive(&path, &body) {
            Ok(()) => {
                return Ok(LockGuard {
                    path,
                    info,
                    released: false,
                })
            }
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => {}
            Err(source) => {
                return Err(LockError::Io {
                    action: "create",
                    path,
                    source,
                })
            }
        }
        let now = Instant::now();
        if now >= deadline {
            match read_lock_file(&path)? {
                Some(held) => {
                    return Err(LockError::Held {
                        stale: held.is_stale(),
                        info: Box::new(held),
                        path,
                    })
                }
                // Released just now: one more try, then report what we see.
                None if !vanished_at_deadline => {
                    vanished_at_deadline = true;
                    continue;
                }
                None => {
                    return Err(LockError::Io {
                        action: "create",
                        path,
                        source: io::Error::other("the lock file keeps appearing and disappearing"),
                    })
                }
            }
        }
        thread::sleep(wait.min(deadline - now));
        wait = (wait * 2).min(Duration::from_millis(250));
    }
}

/// O_CREAT|O_EXCL: only one process can create the file.
fn create_exclusive(path: &Path, body: &[u8]) -> io::Result<()> {
    let mut f = OpenOptions::new().write(true).create_new(true).open(path)?;
    let written = f.write_all(body).and_then(|_| f.sync_all());
    if let Err(e) = written {
        drop(f);
        let _ = fs::remove_file(path);
        return Err(e);
    }
    Ok(())
}

/// The current lock on the state at `state_path`, if any.
pub fn read_lock(state_path: &Path) -> Result<Option<LockInfo>, LockError> {
    read_lock_file(&lock_path(state_path))
}

fn read_lock_file(path: &Path) -> Result<Option<LockInfo>, LockError> {
    // A holder writes its file right after creating it; give a half-written one a moment.
    let mut attempts = 0;
    loop {
        let bytes = match limits::read(path, limits::LOCK) {
            Ok(b) => b,
            Err(e) if e.is_not_found() => return Ok(None),
            Err(ReadError::TooLarge(t)) => {
                return Err(LockError::Corrupt {
                    path: path.to_path_buf(),
                    reason: format!("it {}", t.why()),
                })
            }
            Err(ReadError::Io(source)) => {
                return Err(LockError::Io {
                    action: "read",
                    path: path.to_path_buf(),
                    source,
                })
            }
        };
        match serde_json::from_slice::<LockInfo>(&bytes) {
            Ok(info) => return Ok(Some(info)),
            Err(_) if attempts < 3 => {
                attempts += 1;
                thread::sleep(Duration::from_millis(30));
            }
            Err(e) => {
                return Err(LockError::Corrupt {
                    path: path.to_path_buf(),
                    reason: e.to_string(),
                })
            }
        }
    }
}

fn remove_if_id(path: &Path, id: &str) -> Result<LockInfo, LockError> {
    let info = read_lock_file(path)?.ok_or_else(|| LockError::NotLocked {
        path: path.to_path_buf(),
    })?;
    if info.id != id {
        return Err(LockError::IdMismatch {
            path: path.to_path_buf(),
            given: id.to_string(),
            found: info.id,
        });
    }
    fs::remove_file(path).map_err(|source| LockError::Io {
        action: "remove",
        path: path.to_path_buf(),
        source,
    })?;
    Ok(info)
}

/// `galley force-unlock ID`: removes the lock on the state at `state_path` if its ID is
/// `id`, returning who held it. A corrupt lock file is reported, not removed.
pub fn force_unlock(state_path: &Path, id: &str) -> Result<LockInfo, LockError> {
    remove_if_id(&lock_path(state_path), id)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::mpsc;

    fn state_in(dir: &tempfile::TempDir) -> PathBuf {
        dir.path().join("galley.tfstate")
    }

    #[test]
    fn lock_file_holds_the_holders_details_and_goes_away_on_drop() {
        let dir = tempfile::tempdir().unwrap();
        let state = state_in(&dir);
        let guard = acquire(&state, "apply", Duration::ZERO).unwrap();
        assert_eq!(guard.path(), dir.path().join("galley.tfstate.lock.json"));
        let j: serde_json::Value =
            serde_json::from_slice(&fs::read(guard.path()).unwrap()).unwrap();
        for key in [
            "id",
            "operation",
            "who",
            "pid",
            "host",
            "created",
            "version",
        ] {
            assert!(j.get(key).is_some(), "{key} missing in {j}");
        }
        assert_eq!(j["operation"], "apply");
        assert_eq!(j["pid"], std::process::id());
        assert!(chrono::DateTime::parse_from_rfc3339(j["created"].as_str().unwrap()).is_ok());
        assert_eq!(read_lock(&state).unwrap().unwrap(), *guard.info());
        drop(guard);
        assert!(read_lock(&state).unwrap().is_none());
    }

    #[test]
    fn a_held_lock_is_refused_with_pid_and_host() {
        let dir = tempfile::tempdir().unwrap();
        let state = state_in(&dir);
        let _held = acquire(&state, "apply", Duration::ZERO).unwrap();
        let other = state.clone();
        let err =
            thread::spawn(move || acquire(&other, "plan", Duration::from_millis(100)).unwrap_err())
                .join()
                .unwrap();
        let msg = err.to_string();
        assert!(
            msg.contains(&format!("pid {}", std::process::id())),
            "{msg}"
        );
        assert!(msg.contains(&format!("on host {}", this_host())), "{msg}");
        assert!(msg.contains("\"apply\""), "{msg}");
        if cfg!(target_os = "linux") {
            assert!(
                matches!(
                    err,
                    LockError::Held {
                        stale: Some(false),
                        ..
                    }
                ),
                "{err:?}"
            );
            assert!(msg.contains("still running"), "{msg}");
        }
    }

    #[test]
    fn a_waiting_acquire_gets_the_lock_once_it_is_released() {
        let dir = tempfile::tempdir().unwrap();
        let state = state_in(&dir);
        let held = acquire(&state, "apply", Duration::ZERO).unwrap();
        let (tx, rx) = mpsc::channel();
        let other = state.clone();
        let waiter = thread::spawn(move || {
            tx.send(()).unwrap();
            acquire(&other, "plan", Duration::from_secs(10)).map(|g| g.info().operation.clone())
        });
        rx.recv().unwrap();
        thread::sleep(Duration::from_millis(100));
        held.release().unwrap();
        assert_eq!(waiter.join().unwrap().unwrap(), "plan");
    }

    #[test]
    fn only_one_of_many_racing_threads_wins() {
        let dir = tempfile::tempdir().unwrap();
        let state = state_in(&dir);
        let barrier = std::sync::Arc::new(std::sync::Barrier::new(8));
        let handles: Vec<_> = (0..8)
            .map(|_| {
                let (state, barrier) = (state.clone(), barrier.clone());
                thread::spawn(move || {
                    barrier.wait();
                    // Keep winners alive until every thread has tried.
                    let r = acquire(&state, "apply", Duration::ZERO);
                    barrier.wait();
                    r.is_ok()
                })
            })
            .collect();
        let winners = handles
            .into_iter()
            .map(|h| h.join().unwrap())
            .filter(|won| *won)
            .count();
        assert_eq!(winners, 1);
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn a_lock_left_by_a_dead_process_on_this_host_is_called_stale() {
        let dir = tempfile::tempdir().unwrap();
        let state = state_in(&dir);
        let mut info = LockInfo::new("apply");
        info.pid = 999_999_999;
        fs::write(lock_path(&state), serde_json::to_vec(&info).unwrap()).unwrap();
        let err = acquire(&state, "apply", Duration::ZERO).unwrap_err();
        let msg = err.to_string();
        assert!(msg.contains("looks stale"), "{msg}");
        assert!(
            msg.contains(&format!("galley force-unlock {}", info.id)),
            "{msg}"
        );
        assert!(
            lock_path(&state).exists(),
            "stale locks are not removed automatically"
        );
    }

    #[test]
    fn a_lock_from_another_host_cannot_be_judged() {
        let mut info = LockInfo::new("apply");
        info.host = "elsewhere.invalid".into();
        assert_eq!(info.is_stale(), None);
        let msg = held_message(Path::new("x.lock.json"), &info, None);
        assert!(msg.contains("galley force-unlock"), "{msg}");
    }

    #[test]
    fn force_unlock_needs_the_matching_id() {
        let dir = tempfile::tempdir().unwrap();
        let state = state_in(&dir);
        let guard = acquire(&state, "apply", Duration::ZERO).unwrap();
        let id = guard.info().id.clone();
        std::mem::forget(guard);
        let e = force_unlock(&state, "wrong").unwrap_err();
        assert!(matches!(e, LockError::IdMismatch { .. }), "{e:?}");
        assert!(lock_path(&state).exists());
        assert_eq!(force_unlock(&state, &id).unwrap().id, id);
        assert!(!lock_path(&state).exists());
        assert!(matches!(
            force_unlock(&state, &id).unwrap_err(),
            LockError::NotLocked { .. }
        ));
    }

    #[test]
    fn a_guard_does_not_remove_someone_elses_lock() {
        let dir = tempfile::tempdir().unwrap();
        let state = state_in(&dir);
        let guard = acquire(&state, "apply", Duration::ZERO).unwrap();
        force_unlock(&state, &guard.info().id.clone()).unwrap();
        let theirs = acquire(&state, "plan", Duration::ZERO).unwrap();
        drop(guard);
        assert_eq!(read_lock(&state).unwrap().unwrap().id, theirs.info().id);
    }

    #[test]
    fn a_corrupt_lock_file_is_reported_and_kept() {
        let dir = tempfile::tempdir().unwrap();
        let state = state_in(&dir);
        fs::write(lock_path(&state), "not json").unwrap();
        let err = acquire(&state, "apply", Duration::ZERO).unwrap_err();
        assert!(matches!(err, LockError::Corrupt { .. }), "{err:?}");
        assert!(err.to_string().contains("corrupt"), "{err}");
        assert!(matches!(
            force_unlock(&state, "x").unwrap_err(),
            LockError::Corrupt { .. }
        ));
        assert_eq!(fs::read_to_string(lock_path(&state)).unwrap(), "not json");
    }

    #[test]
    fn a_lock_file_over_its_limit_is_reported_at_once_and_kept() {
        let dir = tempfile::tempdir().unwrap();
        let state = state_in(&dir);
        let lock = lock_path(&state);
        crate::limits::sparse_file(&lock, crate::limits::LOCK.max + 1);
        let err = acquire(&state, "apply", Duration::ZERO).unwrap_err();
        assert!(matches!(err, LockError::Corrupt { .. }), "{err:?}");
        let msg = err.to_string();
        assert!(
            msg.contains("is corrupt (it is 1.0 MiB (1048577 bytes), more than the 1 MiB limit for a lock file); galley left it in place. If no galley run is using this state, delete the file by hand"),
            "{msg}"
        );
        assert!(matches!(
            force_unlock(&state, "x").unwrap_err(),
            LockError::Corrupt { .. }
        ));
        assert_eq!(
            fs::metadata(&lock).unwrap().len(),
            crate::limits::LOCK.max + 1
        );
    }
}
