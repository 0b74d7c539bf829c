//! The local backend: state in one JSON file, replaced atomically on every write, and
//! encrypted when an [`Encryption`] is given ([`LocalBackend::with_encryption`]).

use std::borrow::Cow;
use std::cell::{Cell, RefCell};
use std::ffi::OsString;
use std::fs::{self, File, OpenOptions, Permissions};
use std::io;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use super::backend::{Backend, StateLock};
use super::document::{decode, encode_into};
use super::journal::{self, Recovery};
use super::lock::{self, LockError, LockGuard, LockInfo};
use super::model::State;
use super::StateError;
use crate::crypt::{self, CryptError, Encryption, Kind};
use crate::limits::{self, ReadError};

/// The state file's name in the working directory when none is configured.
pub const DEFAULT_STATE_FILE: &str = "galley.tfstate";

/// State kept in a local file, with the previous run's state kept in `<path>.backup`.
#[derive(Debug)]
pub struct LocalBackend {
    path: PathBuf,
    /// The previous file is copied to `.backup` once per run, before the first write.
    backed_up: bool,
    /// Set when `load` found the file unusable: writing would then destroy the only copy.
    load_failed: Cell<bool>,
    /// Reused between writes, since apply persists after every resource.
    buf: Vec<u8>,
    /// What `load` recovered from a journal left by an interrupted apply.
    recovery: RefCell<Option<Recovery>>,
    /// How the state, its backup and its journal are encrypted; `None`: plain text.
    encryption: Option<Arc<Encryption>>,
}

impl LocalBackend {
    /// A backend for the state file at `path` (conventionally [`DEFAULT_STATE_FILE`]).
    pub fn new(path: impl Into<PathBuf>) -> LocalBackend {
        LocalBackend {
            path: path.into(),
            backed_up: false,
            load_failed: Cell::new(false),
            buf: Vec::new(),
            recovery: RefCell::new(None),
            encryption: None,
        }
    }

    /// This backend with the state, its `.backup` and its journal encrypted as `encryption`
    /// says (`None`: plain text, as [`LocalBackend::new`] makes it).
    pub fn with_encryption(mut self, encryption: Option<Arc<Encryption>>) -> LocalBackend {
        self.encryption = encryption;
        self
    }

    /// A backend for [`DEFAULT_STATE_FILE`] in `dir`.
    pub fn in_dir(dir: &Path) -> LocalBackend {
        LocalBackend::new(dir.join(DEFAULT_STATE_FILE))
    }

    /// The state file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Where the state from before this run's first write is kept: `<path>.backup`.
    pub fn backup_path(&self) -> PathBuf {
        with_suffix(&self.path, ".backup")
    }

    /// Takes the state lock for `operation` (e.g. `apply`), waiting up to `timeout`.
    pub fn lock(&self, operation: &str, timeout: Duration) -> Result<LockGuard, LockError> {
        let guard = lock::acquire(&self.path, operation, timeout)?;
        // Only the lock holder writes the state: any other temporary copy is a dead run's.
        remove_stale_temporaries(&self.path);
        Ok(guard)
    }

    /// Reads the state; `None` when there is no state file yet. A file that cannot be
    /// used is reported with what to do about it, and is never modified: later
    /// [`LocalBackend::persist`] calls on this backend refuse to write over it.
    ///
    /// A journal left by an interrupted apply is replayed onto the state; what it held is
    /// then available from [`LocalBackend::take_recovery`].
    pub fn load(&self) -> Result<Option<State>, StateError> {
        let loaded = self.load_file()?;
        let had_file = loaded.is_some();
        let mut state = loaded.unwrap_or_default();
        let enc = self.encryption.as_deref();
        let recovery = journal::replay_with(&self.path, &mut state, enc).inspect_err(|_| {
            self.load_failed.set(true);
        })?;
        let replayed = recovery.is_some();
        *self.recovery.borrow_mut() = recovery;
        Ok((had_file || replayed).then_some(state))
    }

    /// What the last [`LocalBackend::load`] recovered from a journal, once.
    pub fn take_recovery(&self) -> Option<Recovery> {
        self.recovery.borrow_mut().take()
    }

    fn load_file(&self) -> Result<Option<State>, StateError> {
        let limit = match self.encryption {
            Some(_) => limits::STATE.encrypted(),
            None => limits::STATE,
        };
        let bytes = match limits::read(&self.path, limit) {
            Ok(b) => b,
            Err(e) if e.is_not_found() => return Ok(None),
            Err(ReadError::TooLarge(t)) => {
                // Never written over: it may be a state after all.
                self.load_failed.set(true);
                return Err(StateError::TooLarge(t));
            }
            Err(ReadError::Io(source)) => {
                return Err(StateError::Io {
                    action: "read the state file",
                    path: self.path.clone(),
                    source,
                })
            }
        };
        // An empty file is not "no state": it may be what is left of one, and treating it
        // as empty would let the next write replace the good backup with nothing.
        let result = if bytes.iter().all(u8::is_ascii_whitespace) {
            Err(StateError::Invalid("the file is empty".to_string()))
        } else {
            crypt::open(self.encryption.as_deref(), Kind::State, &bytes)
                .map_err(StateError::Crypt)
                .and_then(|plain| decode(&plain))
        };
        result.map(Some).map_err(|e| {
            self.load_failed.set(true);
            let advice = self.advice(&e);
            StateError::File {
                path: self.path.clone(),
                source: Box::new(e),
                advice,
            }
        })
    }

    fn advice(&self, e: &StateError) -> String {
        let backup = self.backup_path();
        let restore = if backup.exists() {
            format!(
                "restore the state from before the last run that changed it with `cp {} {}`",
                backup.display(),
                self.path.display()
            )
        } else {
            "restore it from your own backups or version control".to_string()
        };
        match e {
            // The keys set are wrong, not the file: the error says which key it needs.
            StateError::Crypt(c) if !c.is_damage() => {
                "galley has not changed the file.".to_string()
            }
            StateError::UnsupportedVersion { .. } => {
                format!("galley has not changed the file. Use the galley release that wrote it, or {restore}.")
            }
            _ => format!("galley has not changed the file. Fix it by hand, or {restore}."),
        }
    }

    /// Bumps the serial and writes the state: to a temporary file in the same directory,
    /// fsynced, renamed over the state file, then the directory fsynced, so a crash
    /// leaves either the old or the new state, never a mix. The first write of a run
    /// first copies the existing file to [`LocalBackend::backup_path`]. On failure the
    /// serial is restored.
    pub fn persist(&mut self, state: &mut State) -> Result<(), StateError> {
        if self.load_failed.get() {
            return Err(StateError::WouldOverwrite {
                path: self.path.clone(),
            });
        }
        state.serial += 1;
        let result = self.write(state);
        if result.is_err() {
            state.serial -= 1;
        }
        result
    }

    fn write(&mut self, state: &State) -> Result<(), StateError> {
        encode_into(state, &mut self.buf)?;
        let enc = self.encryption.as_deref();
        let bytes = crypt::seal(enc, Kind::State, &self.buf)?;
        let permissions = fs::metadata(&self.path).ok().map(|m| m.permissions());
        if !self.backed_up {
            match fs::read(&self.path) {
                Ok(old) => {
                    let old = backup_bytes(enc, &old)?;
                    write_atomic(&self.backup_path(), &old, permissions.clone())?
                }
                Err(e) if e.kind() == io::ErrorKind::NotFound => {}
                Err(source) => {
                    return Err(StateError::Io {
                        action: "read the state file",
                        path: self.path.clone(),
                        source,
                    })
                }
            }
            self.backed_up = true;
        }
        write_atomic(&self.path, &bytes, permissions)?;
        // The state now holds everything the journal did; its header no longer matches.
        let journal = journal::journal_path(&self.path);
        match fs::remove_file(&journal) {
            Ok(()) => Ok(()),
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(()),
            Err(source) => Err(StateError::Io {
                action: "remove the journal",
                path: journal,
                source,
            }),
        }
    }
}

impl Backend for LocalBackend {
    fn describe(&self) -> String {
        self.path.display().to_string()
    }

    fn load(&self) -> Result<Option<State>, StateError> {
        LocalBackend::load(self)
    }

    fn take_recovery(&self) -> Option<Recovery> {
        LocalBackend::take_recovery(self)
    }

    fn persist(&mut self, state: &mut State) -> Result<(), StateError> {
        LocalBackend::persist(self, state)
    }

    fn lock(&self, operation: &str, timeout: Duration) -> Result<Box<dyn StateLock>, LockError> {
        LocalBackend::lock(self, operation, timeout).map(|g| Box::new(g) as Box<dyn StateLock>)
    }

    fn read_lock(&self) -> Result<Option<LockInfo>, LockError> {
        lock::read_lock(&self.path)
    }

    fn force_unlock(&self, id: &str) -> Result<LockInfo, LockError> {
        lock::force_unlock(&self.path, id)
    }

    fn journal_path(&self) -> PathBuf {
        journal::journal_path(&self.path)
    }

    fn encryption(&self) -> Option<Arc<Encryption>> {
        self.encryption.clone()
    }

    fn delete_state(&self) -> Result<(), StateError> {
        for path in [
            self.path.clone(),
            self.backup_path(),
            journal::journal_path(&self.path),
        ] {
            match fs::remove_file(&path) {
                Ok(()) => {}
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                Err(source) => {
                    return Err(StateError::Io {
                        action: "remove",
                        path,
                        source,
                    })
                }
            }
        }
        Ok(())
    }
}

/// What the `.backup` of a state file read as `old` holds: with a key set, the state
/// encrypted with it, so that no plain-text copy outlives encrypting the state and none
/// needs a retired key; as it was when it cannot be read with the settings of this run
/// (it is then kept, not lost).
fn backup_bytes<'a>(enc: Option<&Encryption>, old: &'a [u8]) -> Result<Cow<'a, [u8]>, CryptError> {
    let Some(enc) = enc else {
        return Ok(Cow::Borrowed(old));
    };
    match crypt::open(Some(enc), Kind::State, old) {
        Ok(plain) => {
            crypt::seal(Some(enc), Kind::State, &plain).map(|b| Cow::Owned(b.into_owned()))
        }
        Err(_) => Ok(Cow::Borrowed(old)),
    }
}

/// `path` with `suffix` appended to its file name (`galley.tfstate` → `galley.tfstate.backup`).
pub(crate) fn with_suffix(path: &Path, suffix: &str) -> PathBuf {
    let mut s = OsString::from(path.as_os_str());
    s.push(suffix);
    PathBuf::from(s)
}

/// Replaces `path` with `bytes` atomically, keeping `permissions` (new files are
/// readable by the owner only, since state holds secrets in plain text).
fn write_atomic(
    path: &Path,
    bytes: &[u8],
    permissions: Option<Permissions>,
) -> Result<(), StateError> {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy())
        .unwrap_or_default();
    let tmp = dir.join(format!(
        ".{name}.{}.{}.tmp",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed)
    ));
    let result = write_then_rename(&tmp, path, &dir, bytes, permissions);
    if result.is_err() {
        let _ = fs::remove_file(&tmp);
    }
    result.map_err(|source| StateError::Io {
        action: "write",
        path: path.to_path_buf(),
        source,
    })
}

/// Removes the temporary copies of the state file at `path` and of its backup that a
/// killed run left (`.NAME.PID.N.tmp` of another process); called with the lock held, when
/// no other run writes them. Best effort: a leftover costs disk, not correctness.
fn remove_stale_temporaries(path: &Path) {
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    let Some(name) = path.file_name().map(|n| n.to_string_lossy().into_owned()) else {
        return;
    };
    let Ok(entries) = fs::read_dir(dir) else {
        return;
    };
    let backup = format!("{name}.backup");
    for e in entries.flatten() {
        let file = e.file_name();
        let file = file.to_string_lossy();
        let Some(rest) = file.strip_prefix('.').and_then(|r| r.strip_suffix(".tmp")) else {
            continue;
        };
        let mut parts = rest.rsplitn(3, '.');
        let (Some(_n), Some(pid), Some(stem)) = (parts.next(), parts.next(), parts.next()) else {
            continue;
        };
        if stem != name && stem != backup {
            continue;
        }
        let Ok(pid) = pid.parse::<u32>() else {
            continue;
        };
        if pid != std::process::id() {
            let _ = fs::remove_file(e.path());
        }
    }
}

fn write_then_rename(
    tmp: &Path,
    path: &Path,
    dir: &Path,
    bytes: &[u8],
    permissions: Option<Permissions>,
) -> io::Result<()> {
    // A workspace's first state goes into a directory of its own.
    fs::create_dir_all(dir)?;
    let mut opts = OpenOptions::new();
    opts.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(0o600);
    }
    let mut f = opts.open(tmp)?;
    crate::crash::write_all("state file (temporary copy)", &mut f, bytes)?;
    if let Some(p) = permissions {
        f.set_permissions(p)?;
    }
    f.sync_all()?;
    drop(f);
    crate::crash::point("state file (before rename)");
    fs::rename(tmp, path)?;
    sync_dir(dir)?;
    crate::crash::point("state file (renamed)");
    Ok(())
}

/// Makes the rename itself durable.
#[cfg(unix)]
fn sync_dir(dir: &Path) -> io::Result<()> {
    File::open(dir)?.sync_all()
}

#[cfg(not(unix))]
fn sync_dir(_dir: &Path) -> io::Result<()> {
    Ok(())
}

#[cfg(test)]
mod tests {
    #[test]
    fn temporary_copies_a_killed_run_left_are_removed_by_the_next_lock_holder() {
        let dir = tempfile::tempdir().unwrap();
        let dead = dir.path().join(".galley.tfstate.999999999.0.tmp");
        let dead_backup = dir.path().join(".galley.tfstate.backup.999999999.3.tmp");
        let ours = dir
            .path()
            .join(format!(".galley.tfstate.{}.7.tmp", std::process::id()));
        let other = dir.path().join(".other.999999999.0.tmp");
        for p in [&dead, &dead_backup, &ours, &other] {
            fs::write(p, "half a state").unwrap();
        }
        let b = LocalBackend::in_dir(dir.path());
        let _guard = b.lock("apply", Duration::ZERO).unwrap();
        assert!(
            !dead.exists() && !dead_backup.exists(),
            "left by a dead process"
        );
        assert!(ours.exists(), "this process's own copy is not touched");
        assert!(other.exists(), "another file's copy is not touched");
    }

    use super::*;
    use crate::state::InstanceState;
    use crate::value::Value;

    fn sample() -> State {
        let mut s = State::new();
        s.set_instance(
            &"module.m[\"a\"].aws_vpc.main".parse().unwrap(),
            "provider[\"aws\"]",
            InstanceState::new(Value::object([("pw", Value::string("x").mark())])),
        );
        s
    }

    #[test]
    fn missing_file_loads_as_no_state() {
        let dir = tempfile::tempdir().unwrap();
        assert!(LocalBackend::in_dir(dir.path()).load().unwrap().is_none());
    }

    #[test]
    fn persist_bumps_serial_and_round_trips() {
        let dir = tempfile::tempdir().unwrap();
        let mut b = LocalBackend::in_dir(dir.path());
        let mut s = sample();
        b.persist(&mut s).unwrap();
        b.persist(&mut s).unwrap();
        assert_eq!(s.serial, 2);
        let loaded = LocalBackend::in_dir(dir.path()).load().unwrap().unwrap();
        assert_eq!(loaded, s);
        assert!(dir.path().join("galley.tfstate").exists());
        let leftovers: Vec<_> = fs::read_dir(dir.path())
            .unwrap()
            .filter_map(|e| e.ok())
            .filter(|e| e.file_name().to_string_lossy().ends_with(".tmp"))
            .collect();
        assert!(leftovers.is_empty(), "temp files are renamed away");
    }

    #[test]
    fn first_write_of_a_run_backs_up_the_previous_state() {
        let dir = tempfile::tempdir().unwrap();
        let mut s = sample();
        let mut first_run = LocalBackend::in_dir(dir.path());
        first_run.persist(&mut s).unwrap();
        assert!(!first_run.backup_path().exists(), "nothing to back up yet");
        let before = fs::read(first_run.path()).unwrap();

        let mut second_run = LocalBackend::in_dir(dir.path());
        let mut s = second_run.load().unwrap().unwrap();
        second_run.persist(&mut s).unwrap();
        second_run.persist(&mut s).unwrap();
        assert_eq!(
            fs::read(second_run.backup_path()).unwrap(),
            before,
            "backup holds serial 1"
        );
        assert_eq!(s.serial, 3);
    }

    #[test]
    fn unusable_state_is_reported_and_never_modified() {
        let cases: [(&[u8], &str); 3] = [
            (b"{\"version\": 1,\n  \"serial\": oops}", "line 2, column"),
            (
                b"{\"version\": 2, \"serial\": 1, \"lineage\": \"x\"}",
                "only version 1",
            ),
            (b"", "empty"),
        ];
        for (bytes, want) in cases {
            let dir = tempfile::tempdir().unwrap();
            let mut b = LocalBackend::in_dir(dir.path());
            fs::write(b.path(), bytes).unwrap();
            let e = b.load().unwrap_err();
            let msg = e.to_string();
            assert!(msg.contains(want), "{msg}");
            assert!(
                msg.contains("galley.tfstate") && msg.contains("has not changed the file"),
                "{msg}"
            );
            let e = b.persist(&mut State::new()).unwrap_err();
            assert!(matches!(e, StateError::WouldOverwrite { .. }), "{e:?}");
            assert_eq!(fs::read(b.path()).unwrap(), bytes, "file untouched");
            assert!(!b.backup_path().exists());
        }
    }

    #[test]
    fn a_state_file_over_its_limit_is_refused_and_never_written_over() {
        let dir = tempfile::tempdir().unwrap();
        let mut b = LocalBackend::in_dir(dir.path());
        let size = crate::limits::STATE.max + 1;
        crate::limits::sparse_file(b.path(), size);
        let e = b.load().unwrap_err();
        assert!(matches!(e, StateError::TooLarge(_)), "{e:?}");
        let msg = e.to_string();
        assert!(
            msg.contains("galley.tfstate is 256.0 MiB (268435457 bytes), more than the 256 MiB limit for a state file; check that the path names a galley state file; galley has not changed it"),
            "{msg}"
        );
        let e = b.persist(&mut State::new()).unwrap_err();
        assert!(matches!(e, StateError::WouldOverwrite { .. }), "{e:?}");
        assert_eq!(
            fs::metadata(b.path()).unwrap().len(),
            size,
            "file untouched"
        );
    }

    #[test]
    fn corrupt_state_advice_names_the_backup_when_there_is_one() {
        let dir = tempfile::tempdir().unwrap();
        let b = LocalBackend::in_dir(dir.path());
        fs::write(b.path(), "{").unwrap();
        fs::write(b.backup_path(), "{}").unwrap();
        let msg = b.load().unwrap_err().to_string();
        assert!(msg.contains("galley.tfstate.backup"), "{msg}");
    }

    #[cfg(unix)]
    #[test]
    fn new_state_files_are_private_and_existing_modes_are_kept() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let mut b = LocalBackend::in_dir(dir.path());
        b.persist(&mut State::new()).unwrap();
        let mode = |p: &Path| fs::metadata(p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode(b.path()), 0o600);
        fs::set_permissions(b.path(), Permissions::from_mode(0o640)).unwrap();
        b.persist(&mut State::new()).unwrap();
        assert_eq!(mode(b.path()), 0o640);
    }

    /// A sensitive value planted in the state, to look for in the files on disk.
    const PLANTED: &str = "planted-7c1e5a9f-password";

    fn secret_state() -> State {
        let mut s = State::new();
        s.set_instance(
            &"aws_db_instance.main".parse().unwrap(),
            "provider[\"aws\"]",
            InstanceState::new(Value::object([
                ("id", Value::string("db-1")),
                ("password", Value::string(PLANTED).mark()),
            ])),
        );
        s
    }

    fn encrypted(dir: &Path, enc: Encryption) -> LocalBackend {
        LocalBackend::in_dir(dir).with_encryption(Some(Arc::new(enc)))
    }

    /// Every file in `dir`, none of which may hold [`PLANTED`].
    fn assert_no_plain_secret(dir: &Path) {
        for entry in fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            let bytes = fs::read(&path).unwrap();
            assert!(
                !bytes
                    .windows(PLANTED.len())
                    .any(|w| w == PLANTED.as_bytes()),
                "{} holds the secret in plain text",
                path.display()
            );
        }
    }

    #[test]
    fn an_encrypted_state_and_its_backup_round_trip_and_hold_no_secret_in_plain_text() {
        let dir = tempfile::tempdir().unwrap();
        let mut s = secret_state();
        encrypted(dir.path(), Encryption::new(crypt::test_key(1)))
            .persist(&mut s)
            .unwrap();
        let mut b = encrypted(dir.path(), Encryption::new(crypt::test_key(1)));
        let mut loaded = b.load().unwrap().unwrap();
        assert_eq!(loaded, s);
        b.persist(&mut loaded).unwrap();
        assert!(b.backup_path().exists());
        assert!(crypt::is_envelope(&fs::read(b.path()).unwrap()));
        assert!(crypt::is_envelope(&fs::read(b.backup_path()).unwrap()));
        assert_no_plain_secret(dir.path());
        let backup = LocalBackend::new(b.backup_path())
            .with_encryption(Some(Arc::new(Encryption::new(crypt::test_key(1)))));
        assert_eq!(
            backup.load().unwrap().unwrap(),
            s,
            "the backup holds serial 1"
        );
    }

    #[test]
    fn an_encrypted_state_without_its_key_is_a_clear_error_and_never_written_over() {
        let dir = tempfile::tempdir().unwrap();
        encrypted(dir.path(), Encryption::new(crypt::test_key(1)))
            .persist(&mut secret_state())
            .unwrap();
        let before = fs::read(dir.path().join(DEFAULT_STATE_FILE)).unwrap();
        let id = crypt::test_key(1).id().to_string();
        let mut cases = vec![
            (
                LocalBackend::in_dir(dir.path()),
                format!("galley.tfstate: the state is encrypted (with key {id}), and no key is set: set GALLEY_ENCRYPTION_KEY"),
            ),
            (
                encrypted(dir.path(), Encryption::new(crypt::test_key(2))),
                format!(
                    "galley.tfstate: the state was encrypted with key {id}, but the key set is {} (current): set GALLEY_ENCRYPTION_KEY to the key it was encrypted with or, if you are rotating keys, put the previous key in GALLEY_ENCRYPTION_KEY_OLD\ngalley has not changed the file.",
                    crypt::test_key(2).id()
                ),
            ),
        ];
        for (b, want) in &mut cases {
            let msg = b.load().unwrap_err().to_string();
            assert!(msg.starts_with("cannot use the state file "), "{msg}");
            assert!(msg.contains(want.as_str()), "{msg}\nwant: {want}");
            let e = b.persist(&mut State::new()).unwrap_err();
            assert!(matches!(e, StateError::WouldOverwrite { .. }), "{e:?}");
            assert_eq!(fs::read(b.path()).unwrap(), before, "file untouched");
        }
    }

    #[test]
    fn a_plain_text_state_is_refused_with_a_key_set_unless_the_fallback_is_on() {
        let dir = tempfile::tempdir().unwrap();
        let mut s = secret_state();
        LocalBackend::in_dir(dir.path()).persist(&mut s).unwrap();
        let mut plain = LocalBackend::in_dir(dir.path());
        plain.persist(&mut s).unwrap();
        assert!(plain.backup_path().exists(), "a plain-text backup too");

        let mut strict = encrypted(dir.path(), Encryption::new(crypt::test_key(1)));
        let msg = strict.load().unwrap_err().to_string();
        assert!(
            msg.contains(
                "galley.tfstate: the state is not encrypted, but an encryption key is set"
            ) && msg.contains("GALLEY_ENCRYPTION_FALLBACK=plaintext"),
            "{msg}"
        );
        assert!(
            strict.persist(&mut s.clone()).is_err(),
            "never written over"
        );

        let mut migrating = encrypted(
            dir.path(),
            Encryption::new(crypt::test_key(1)).with_plaintext_fallback(true),
        );
        let mut loaded = migrating.load().unwrap().unwrap();
        assert_eq!(loaded, s);
        migrating.persist(&mut loaded).unwrap();
        assert_no_plain_secret(dir.path());
        let backup = fs::read(migrating.backup_path()).unwrap();
        assert!(crypt::is_envelope(&backup), "the backup is encrypted too");
        assert_eq!(
            encrypted(dir.path(), Encryption::new(crypt::test_key(1)))
                .load()
                .unwrap()
                .unwrap(),
            loaded
        );
    }

    #[test]
    fn a_rotation_reads_with_the_old_key_and_writes_with_the_new_one() {
        let dir = tempfile::tempdir().unwrap();
        let mut s = secret_state();
        encrypted(dir.path(), Encryption::new(crypt::test_key(1)))
            .persist(&mut s)
            .unwrap();
        let mut rotating = encrypted(
            dir.path(),
            Encryption::new(crypt::test_key(2)).with_old_key(crypt::test_key(1)),
        );
        let mut loaded = rotating.load().unwrap().unwrap();
        rotating.persist(&mut loaded).unwrap();
        let msg = encrypted(dir.path(), Encryption::new(crypt::test_key(1)))
            .load()
            .unwrap_err()
            .to_string();
        assert!(
            msg.contains(&format!(
                "was encrypted with key {}",
                crypt::test_key(2).id()
            )),
            "the old key alone no longer reads it: {msg}"
        );
        let new_only = encrypted(dir.path(), Encryption::new(crypt::test_key(2)));
        assert_eq!(new_only.load().unwrap().unwrap(), loaded);
        let backup = LocalBackend::new(new_only.backup_path())
            .with_encryption(Some(Arc::new(Encryption::new(crypt::test_key(2)))));
        assert_eq!(
            backup.load().unwrap().unwrap(),
            s,
            "the backup is written with the new key too"
        );
    }

    #[test]
    fn a_modified_encrypted_state_fails_authentication_and_is_never_written_over() {
        let dir = tempfile::tempdir().unwrap();
        let enc = || Encryption::new(crypt::test_key(1));
        let mut s = secret_state();
        encrypted(dir.path(), enc()).persist(&mut s).unwrap();
        encrypted(dir.path(), enc()).persist(&mut s).unwrap();
        let path = dir.path().join(DEFAULT_STATE_FILE);
        let text = fs::read_to_string(&path).unwrap();
        let at = text.find("\"ciphertext\":\"").unwrap() + 14;
        let mut edited = text.into_bytes();
        edited[at] = if edited[at] == b'A' { b'B' } else { b'A' };
        fs::write(&path, &edited).unwrap();
        let mut b = encrypted(dir.path(), enc());
        let msg = b.load().unwrap_err().to_string();
        assert!(
            msg.contains("galley.tfstate: the state cannot be decrypted: authentication failed: the file was modified or is damaged"),
            "{msg}"
        );
        assert!(
            msg.contains("galley.tfstate.backup"),
            "restore advice: {msg}"
        );
        assert!(b.persist(&mut s).is_err());
        assert_eq!(fs::read(&path).unwrap(), edited);
    }

    #[test]
    fn backup_path_appends_a_suffix() {
        assert_eq!(
            LocalBackend::new("dir/x.tfstate").backup_path(),
            PathBuf::from("dir/x.tfstate.backup")
        );
    }
}
