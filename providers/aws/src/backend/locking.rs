//! Remote locks: the lock document in Terraform's shape, and taking, waiting for and
//! releasing a lock kept by a [`Locker`] (an S3 lock object or a DynamoDB item).

use std::fmt::Debug;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use engine::state::{LockError, LockInfo, StateLock};
use serde::{Deserialize, Serialize};

/// A lock as Terraform writes it (`statemgr.LockInfo`), so either tool can read the other's.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
struct TfLock {
    #[serde(rename = "ID")]
    id: String,
    operation: String,
    /// Free text; galley puts `pid <n>` there so a crashed run on this host is recognised.
    info: String,
    who: String,
    version: String,
    created: String,
    path: String,
}

/// The lock document for `info`, guarding the state at `path` (`bucket/key`).
pub(crate) fn encode(info: &LockInfo, path: &str) -> Vec<u8> {
    let tf = TfLock {
        id: info.id.clone(),
        operation: info.operation.clone(),
        info: format!("pid {}", info.pid),
        who: info.who.clone(),
        version: info.version.clone(),
        created: info.created.clone(),
        path: path.to_string(),
    };
    serde_json::to_vec(&tf).unwrap_or_default()
}

/// Reads a lock document written by galley or Terraform; `None` if it is not one.
pub(crate) fn decode(bytes: &[u8]) -> Option<LockInfo> {
    let tf: TfLock = serde_json::from_slice(bytes).ok()?;
    if tf.id.is_empty() {
        return None;
    }
    let host = tf
        .who
        .rsplit_once('@')
        .map(|(_, h)| h.to_string())
        .unwrap_or_default();
    let pid = tf
        .info
        .strip_prefix("pid ")
        .and_then(|p| p.parse().ok())
        .unwrap_or(0);
    Some(LockInfo {
        id: tf.id,
        operation: tf.operation,
        who: tf.who,
        pid,
        host,
        created: tf.created,
        version: tf.version,
    })
}

/// Where a remote lock is kept, with its three operations.
pub(crate) trait Locker: Send + Sync + Debug {
    /// For messages: `s3://bucket/key.tflock`, or the DynamoDB table and item.
    fn location(&self) -> PathBuf;
    /// Creates the lock unless one exists: `Ok(false)` when it does.
    fn create(&self, info: &LockInfo) -> Result<bool, LockError>;
    /// The lock held now, if any.
    fn read(&self) -> Result<Option<LockInfo>, LockError>;
    /// Removes the lock (whoever holds it; callers check the ID first).
    fn remove(&self) -> Result<(), LockError>;
}

/// Takes the lock for `operation`, retrying until `timeout` has passed (zero tries once).
pub(crate) fn acquire(
    locker: Arc<dyn Locker>,
    operation: &str,
    timeout: Duration,
) -> Result<Box<dyn StateLock>, LockError> {
    let info = LockInfo::new(operation);
    let deadline = Instant::now() + timeout;
    let mut wait = Duration::from_millis(100);
    loop {
        if locker.create(&info)? {
            return Ok(Box::new(RemoteLock {
                locker,
                info,
                released: false,
            }));
        }
        let now = Instant::now();
        if now >= deadline {
            return match locker.read()? {
                Some(held) => Err(LockError::Held {
                    path: locker.location(),
                    stale: held.is_stale(),
                    info: Box::new(held),
                }),
                // Released between our attempt and the read: one more try.
                None if locker.create(&info)? => Ok(Box::new(RemoteLock {
                    locker,
                    info,
                    released: false,
                })),
                None => Err(LockError::Io {
                    action: "create",
                    path: locker.location(),
                    source: std::io::Error::other("the lock keeps appearing and disappearing"),
                }),
            };
        }
        std::thread::sleep(wait.min(deadline - now));
        wait = (wait * 2).min(Duration::from_secs(2));
    }
}

/// Two locks taken together, as Terraform does when `use_lockfile` and `dynamodb_table`
/// are both set (while moving from DynamoDB locking to lock files): either one held
/// keeps others out, so old and new Terraform and galley runs exclude each other.
#[derive(Debug)]
pub(crate) struct Both(pub Arc<dyn Locker>, pub Arc<dyn Locker>);

impl Locker for Both {
    fn location(&self) -> PathBuf {
        let (a, b) = (self.0.location(), self.1.location());
        PathBuf::from(format!("{} and {}", a.display(), b.display()))
    }

    fn create(&self, info: &LockInfo) -> Result<bool, LockError> {
        if !self.0.create(info)? {
            return Ok(false);
        }
        match self.1.create(info) {
            Ok(true) => Ok(true),
            other => {
                // Give the first back so a failed attempt holds nothing.
                let _ = self.0.remove();
                other
            }
        }
    }

    fn read(&self) -> Result<Option<LockInfo>, LockError> {
        match self.0.read()? {
            Some(info) => Ok(Some(info)),
            None => self.1.read(),
        }
    }

    fn remove(&self) -> Result<(), LockError> {
        let first = self.0.remove();
        self.1.remove()?;
        first
    }
}

/// Removes the lock if its ID is `id`, returning who held it.
pub(crate) fn remove_if_id(locker: &dyn Locker, id: &str) -> Result<LockInfo, LockError> {
    let held = locker.read()?.ok_or_else(|| LockError::NotLocked {
        path: locker.location(),
    })?;
    if held.id != id {
        return Err(LockError::IdMismatch {
            path: locker.location(),
            given: id.to_string(),
            found: held.id,
        });
    }
    locker.remove()?;
    Ok(held)
}

/// A held remote lock; dropping it releases it if it is still ours.
#[derive(Debug)]
struct RemoteLock {
    locker: Arc<dyn Locker>,
    info: LockInfo,
    released: bool,
}

impl StateLock for RemoteLock {
    fn info(&self) -> &LockInfo {
        &self.info
    }

    fn release(mut self: Box<Self>) -> Result<(), LockError> {
        self.released = true;
        remove_if_id(self.locker.as_ref(), &self.info.id).map(|_| ())
    }
}

impl Drop for RemoteLock {
    fn drop(&mut self) {
        if !self.released {
            // If someone force-unlocked us the lock is theirs now: leave it.
            let _ = remove_if_id(self.locker.as_ref(), &self.info.id);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Mutex;

    #[test]
    fn the_lock_document_has_terraforms_fields_and_reads_back() {
        let info = LockInfo::new("apply");
        let bytes = encode(&info, "bucket/app.tfstate");
        let j: serde_json::Value = serde_json::from_slice(&bytes).unwrap();
        for field in [
            "ID",
            "Operation",
            "Info",
            "Who",
            "Version",
            "Created",
            "Path",
        ] {
            assert!(j.get(field).is_some(), "{field} missing in {j}");
        }
        assert_eq!(j["Path"], "bucket/app.tfstate");
        assert_eq!(decode(&bytes).unwrap(), info);
    }

    #[test]
    fn a_terraform_lock_is_read_without_a_pid() {
        let bytes = br#"{"ID":"abc","Operation":"OperationTypeApply","Info":"","Who":"ann@box","Version":"1.15.5","Created":"2025-01-01T00:00:00Z","Path":"b/k"}"#;
        let info = decode(bytes).unwrap();
        assert_eq!((info.pid, info.host.as_str()), (0, "box"));
        assert_eq!(info.is_stale(), None);
        assert!(decode(b"{}").is_none());
    }

    /// A lock kept in memory.
    #[derive(Debug, Default)]
    struct Memory(Mutex<Option<LockInfo>>);

    impl Locker for Memory {
        fn location(&self) -> PathBuf {
            PathBuf::from("mem://lock")
        }
        fn create(&self, info: &LockInfo) -> Result<bool, LockError> {
            let mut held = self.0.lock().unwrap();
            if held.is_some() {
                return Ok(false);
            }
            *held = Some(info.clone());
            Ok(true)
        }
        fn read(&self) -> Result<Option<LockInfo>, LockError> {
            Ok(self.0.lock().unwrap().clone())
        }
        fn remove(&self) -> Result<(), LockError> {
            *self.0.lock().unwrap() = None;
            Ok(())
        }
    }

    #[test]
    fn a_second_taker_is_told_who_holds_it_and_gets_it_once_released() {
        let mem: Arc<dyn Locker> = Arc::new(Memory::default());
        let first = acquire(mem.clone(), "apply", Duration::ZERO).unwrap();
        match acquire(mem.clone(), "plan", Duration::ZERO).unwrap_err() {
            LockError::Held { info, path, .. } => {
                assert_eq!(info.id, first.info().id);
                assert_eq!(path, PathBuf::from("mem://lock"));
            }
            other => panic!("{other:?}"),
        }
        let id = first.info().id.clone();
        let e = remove_if_id(mem.as_ref(), "wrong").unwrap_err();
        assert!(matches!(e, LockError::IdMismatch { .. }), "{e:?}");
        first.release().unwrap();
        assert!(mem.read().unwrap().is_none());
        let second = acquire(mem.clone(), "plan", Duration::ZERO).unwrap();
        assert_ne!(second.info().id, id);
        drop(second);
        assert!(mem.read().unwrap().is_none(), "dropping releases");
    }

    #[test]
    fn both_locks_are_taken_and_either_keeps_others_out() {
        let (a, b): (Arc<dyn Locker>, Arc<dyn Locker>) =
            (Arc::new(Memory::default()), Arc::new(Memory::default()));
        let both: Arc<dyn Locker> = Arc::new(Both(a.clone(), b.clone()));
        let held = acquire(both.clone(), "apply", Duration::ZERO).unwrap();
        assert_eq!(a.read().unwrap().unwrap().id, held.info().id);
        assert_eq!(b.read().unwrap().unwrap().id, held.info().id);
        held.release().unwrap();
        assert!(a.read().unwrap().is_none() && b.read().unwrap().is_none());

        // An older run holding only the DynamoDB lock: nothing is left taken.
        let old = acquire(b.clone(), "apply", Duration::ZERO).unwrap();
        let e = acquire(both.clone(), "plan", Duration::ZERO).unwrap_err();
        assert!(matches!(e, LockError::Held { .. }), "{e:?}");
        assert!(a.read().unwrap().is_none(), "the lock file was given back");
        drop(old);
    }

    #[test]
    fn a_waiting_taker_gets_the_lock_when_it_is_released() {
        let mem: Arc<dyn Locker> = Arc::new(Memory::default());
        let first = acquire(mem.clone(), "apply", Duration::ZERO).unwrap();
        let other = mem.clone();
        let waiter = std::thread::spawn(move || {
            acquire(other, "plan", Duration::from_secs(10)).map(|l| l.info().operation.clone())
        });
        std::thread::sleep(Duration::from_millis(150));
        first.release().unwrap();
        assert_eq!(waiter.join().unwrap().unwrap(), "plan");
    }
}
