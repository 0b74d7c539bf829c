//! The apply journal: changes appended to `<state>.journal` between full writes of the state,
//! so that saving after every resource costs the size of the change, not of the whole state.
//!
//! The file is JSON lines. The first line names the state it extends:
//! `{"journal": 1, "lineage": "<uuid>", "serial": 7}`; it applies only to the state file with
//! that lineage and serial. Then, for each provider call, an intent before it, the new objects
//! after it, and an end marker:
//!
//! ```text
//! {"intent": "create", "address": "aws_vpc.main", "provider": "provider[\"aws\"]", "token": "<uuid>"}
//! {"set": "aws_vpc.main", "resource": {"mode": "managed", "type": "aws_vpc", ..., "instances": [...]}}
//! {"done": "aws_vpc.main"}
//! ```
//!
//! Loading the state replays a matching journal ([`replay`]); an intent without its `done`
//! means galley was stopped while a provider was changing that object, which the user is
//! told about. A create's intent carries the idempotency token the provider was given; an
//! open one is kept in the state ([`State::unconfirmed_creates`]) until a plan has asked the
//! provider whether that create made an object (`Provider::find_created`) and adopted it.
//! Every full write of the state removes the journal (the state then holds everything in
//! it). Records are written with one `write` call each and not fsynced: a
//! killed process loses nothing; a power cut can lose records since the last full write.
//!
//! When the backend encrypts its state ([`Backend::encryption`]), every line, the header
//! too, is encrypted on its own ([`crate::crypt`]): `{"k":"<key id>","e":"<base64>"}`. The
//! header's associated data is `galley journal header`; a record's names the lineage and
//! serial of the header and its line number (`galley journal <lineage> <serial> <n>`), so
//! records cannot be reordered or moved into another journal.

use std::fs::{self, File, OpenOptions};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde_json::Value as J;

use super::backend::Backend;
use super::document::{apply_instance_record, encode_instance_record};
use super::local::with_suffix;
#[cfg(test)]
use super::local::LocalBackend;
use super::model::State;
use super::StateError;
use crate::addr::ResourceInstance;
use crate::crypt::{self, CryptError, Encryption};
use crate::limits::{self, ReadError};

/// The journal format version this galley writes and reads.
pub const JOURNAL_VERSION: u64 = 1;

/// Full writes happen at most every this many records, or as many as the state has
/// instances, whichever is more: the cost of full writes stays linear in the apply's size.
const MIN_RECORDS_BETWEEN_WRITES: usize = 1000;

/// The journal file that belongs to the state file at `state_path`.
pub fn journal_path(state_path: &Path) -> PathBuf {
    with_suffix(state_path, ".journal")
}

/// What replaying a journal found.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Recovery {
    /// Objects recorded in the journal and not yet in the state file.
    pub replayed: usize,
    /// Provider calls that started and never ended. The object may or may not have
    /// changed in the real world; creates among them are also in
    /// [`State::unconfirmed_creates`].
    pub interrupted: Vec<Intent>,
}

/// A provider call about to change one object, as the journal records it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Intent {
    /// `create`, `update` or `delete`.
    #[serde(rename = "intent")]
    pub action: String,
    /// The instance's address.
    pub address: String,
    /// The provider configuration that manages it, as state records it (`provider["aws"]`).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub provider: String,
    /// For a create: the idempotency token the provider was given, by which it can find
    /// what the call made.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub token: Option<String>,
}

impl Intent {
    /// An intent to `action` the object at `address`, managed by `provider`.
    pub fn new(action: &str, address: &ResourceInstance, provider: &str) -> Intent {
        Intent {
            action: action.to_string(),
            address: address.to_string(),
            provider: provider.to_string(),
            token: None,
        }
    }
}

/// The associated data of a journal's header line when it is encrypted.
const HEADER_AAD: &str = "galley journal header";

/// The associated data of line `n` (1-based) of the journal whose header names `lineage`
/// and `serial`, when it is encrypted.
fn record_aad(lineage: &str, serial: u64, n: usize) -> String {
    format!("galley journal {lineage} {serial} {n}")
}

/// Applies the journal next to `state_path` to `state` (read from that file, or a new state
/// when there is none). `Ok(None)` when there is no journal, or it belongs to another
/// version of the state (one written after it, which already holds its records).
pub fn replay(state_path: &Path, state: &mut State) -> Result<Option<Recovery>, StateError> {
    replay_with(state_path, state, None)
}

/// [`replay`] of a journal encrypted as `enc` says (`None`: plain text).
pub fn replay_with(
    state_path: &Path,
    state: &mut State,
    enc: Option<&Encryption>,
) -> Result<Option<Recovery>, StateError> {
    replay_file_with(&journal_path(state_path), state, enc)
}

/// Applies the journal at `path` to `state`, as [`replay`] does; for backends whose
/// journal is not next to a state file (remote state).
pub fn replay_file(path: &Path, state: &mut State) -> Result<Option<Recovery>, StateError> {
    replay_file_with(path, state, None)
}

/// [`replay_file`] of a journal encrypted as `enc` says (`None`: plain text).
pub fn replay_file_with(
    path: &Path,
    state: &mut State,
    enc: Option<&Encryption>,
) -> Result<Option<Recovery>, StateError> {
    let path = path.to_path_buf();
    let limit = match enc {
        Some(_) => limits::JOURNAL.encrypted(),
        None => limits::JOURNAL,
    };
    let text = match limits::read(&path, limit) {
        Ok(b) => String::from_utf8_lossy(&b).into_owned(),
        Err(e) if e.is_not_found() => return Ok(None),
        Err(ReadError::TooLarge(t)) => return Err(StateError::TooLarge(t)),
        Err(ReadError::Io(source)) => {
            return Err(StateError::Io {
                action: "read the journal",
                path,
                source,
            })
        }
    };
    let corrupt = |line: usize, why: String| {
        StateError::Invalid(format!(
            "the journal {} is damaged at line {line}: {why}. galley has not changed it; move it away to use the state file as it is",
            path.display()
        ))
    };
    // A line's content, decrypted when it is encrypted.
    let read_line = |n: usize, aad: &str, line: &str| -> Result<J, StateError> {
        let plain = crypt::open_line(enc, aad, line).map_err(|e| match e {
            e if e.is_damage() => corrupt(n, e.to_string()),
            e => key_error(&path, e),
        })?;
        serde_json::from_slice(&plain).map_err(|e| corrupt(n, e.to_string()))
    };
    let mut lines = text.split_inclusive('\n').enumerate().peekable();
    let Some((_, first)) = lines.next() else {
        return Ok(None);
    };
    if !first.ends_with('\n') {
        // Stopped while writing the header: nothing was recorded.
        return Ok(None);
    }
    let header = read_line(1, HEADER_AAD, first)?;
    if header.get("journal").and_then(J::as_u64) != Some(JOURNAL_VERSION) {
        return Err(corrupt(
            1,
            format!("expected a journal version {JOURNAL_VERSION} header"),
        ));
    }
    let lineage = header.get("lineage").and_then(J::as_str).unwrap_or("");
    let serial = header.get("serial").and_then(J::as_u64);
    let header_serial = serial.unwrap_or(0);
    let fresh = state.serial == 0 && state.is_empty();
    if fresh && serial == Some(0) {
        // No state file was written before the journal started.
        state.lineage = lineage.to_string();
    } else if lineage != state.lineage || serial != Some(state.serial) {
        return Ok(None);
    }
    let mut recovery = Recovery::default();
    let mut open: Vec<Intent> = Vec::new();
    while let Some((n, line)) = lines.next() {
        let last = lines.peek().is_none();
        if last && !line.ends_with('\n') {
            // Stopped while writing this record; its intent stays open and is reported.
            break;
        }
        let record = read_line(n + 1, &record_aad(lineage, header_serial, n + 1), line)?;
        if record.get("intent").is_some() {
            let intent: Intent =
                serde_json::from_value(record).map_err(|e| corrupt(n + 1, e.to_string()))?;
            open.push(intent);
        } else if let Some(addr) = record.get("done").and_then(J::as_str) {
            if let Some(i) = open.iter().position(|o| o.address == addr) {
                open.remove(i);
            }
        } else if record.get("set").is_some() {
            apply_instance_record(state, &record).map_err(|e| corrupt(n + 1, e.to_string()))?;
            recovery.replayed += 1;
        } else {
            return Err(corrupt(n + 1, "unknown record".to_string()));
        }
    }
    for intent in &open {
        if intent.action == "create" && intent.token.is_some() {
            state.add_unconfirmed_create(intent.clone());
        }
    }
    recovery.interrupted = open;
    Ok(Some(recovery))
}

/// A journal that cannot be read with the keys set: the error names it; the advice is
/// the key's, not a repair.
fn key_error(path: &Path, e: CryptError) -> StateError {
    StateError::File {
        path: path.to_path_buf(),
        source: Box::new(StateError::Crypt(e)),
        advice: "galley has not changed it.".to_string(),
    }
}

/// A backend written through a journal: [`Journaled::record`] appends the change of
/// one instance; the whole state is written now and then, and by [`Journaled::checkpoint`].
#[derive(Debug)]
pub struct Journaled {
    backend: Box<dyn Backend>,
    path: PathBuf,
    file: Option<File>,
    /// Records since the last full write.
    records: usize,
    /// Serial of the state file on disk (`None` until the first call tells).
    serial: Option<u64>,
    /// Instances in the state at the last full write (counting them costs a walk of the state).
    written_instances: usize,
    buf: Vec<u8>,
    /// The backend's encryption, which its journal shares.
    encryption: Option<Arc<Encryption>>,
    /// The lineage and serial the journal's header names, for the records' associated data.
    header: (String, u64),
    /// An encrypted line as written: `buf` encrypted, and a newline.
    line: Vec<u8>,
}

impl Journaled {
    /// Journals writes to `backend`'s state (a [`LocalBackend`](super::LocalBackend) or a
    /// `Box<dyn Backend>`).
    pub fn new(backend: impl Backend + 'static) -> Journaled {
        let path = backend.journal_path();
        let encryption = backend.encryption();
        Journaled {
            backend: Box::new(backend),
            path,
            file: None,
            records: 0,
            serial: None,
            written_instances: 0,
            buf: Vec::new(),
            encryption,
            header: (String::new(), 0),
            line: Vec::new(),
        }
    }

    /// Notes that a provider is about to carry out `intent`.
    pub fn intent(&mut self, state: &State, intent: &Intent) -> Result<(), StateError> {
        self.buf.clear();
        serde_json::to_writer(&mut self.buf, intent)
            .map_err(|e| StateError::Invalid(e.to_string()))?;
        self.append(state)
    }

    /// Notes that the provider call for `addr` ended (whether or not it changed anything).
    pub fn done(&mut self, state: &State, addr: &ResourceInstance) -> Result<(), StateError> {
        self.buf.clear();
        serde_json::to_writer(
            &mut self.buf,
            &serde_json::json!({"done": addr.to_string()}),
        )
        .map_err(|e| StateError::Invalid(e.to_string()))?;
        self.append(state)
    }

    /// Records what `state` now holds for `addr`. Writes the whole state instead once the
    /// journal has grown as large as the state.
    pub fn record(&mut self, state: &State, addr: &ResourceInstance) -> Result<(), StateError> {
        if self.records >= MIN_RECORDS_BETWEEN_WRITES.max(self.written_instances) {
            return self.checkpoint(state);
        }
        self.buf.clear();
        encode_instance_record(state, addr, &mut self.buf)?;
        self.append(state)
    }

    /// Writes the whole state (atomically, with a new serial) and removes the journal.
    pub fn checkpoint(&mut self, state: &State) -> Result<(), StateError> {
        let mut copy = state.clone();
        copy.serial = self.serial.unwrap_or(state.serial);
        self.backend.persist(&mut copy)?;
        self.serial = Some(copy.serial);
        self.written_instances = copy.instance_count();
        // The backend removed the journal: the state file now holds everything in it.
        self.file = None;
        self.records = 0;
        Ok(())
    }

    /// The serial of the state file as last written (or as given by the first state seen).
    pub fn serial(&self) -> Option<u64> {
        self.serial
    }

    /// Appends `self.buf` as one line, starting the journal first if needed.
    fn append(&mut self, state: &State) -> Result<(), StateError> {
        if self.serial.is_none() {
            self.serial = Some(state.serial);
        }
        if self.file.is_none() {
            self.start(state)?;
        }
        let line: &[u8] = match self.encryption.as_deref() {
            Some(enc) if enc.key_id().is_some() => {
                // The header is line 1.
                let (lineage, serial) = &self.header;
                let aad = record_aad(lineage, *serial, self.records + 2);
                seal_line(Some(enc), &aad, &self.buf, &mut self.line)?;
                &self.line
            }
            _ => {
                self.buf.push(b'\n');
                &self.buf
            }
        };
        let Some(file) = self.file.as_mut() else {
            return Err(StateError::Invalid(
                "the journal was not started".to_string(),
            ));
        };
        crate::crash::write_all("state journal record", file, line).map_err(|source| {
            StateError::Io {
                action: "append to the journal",
                path: self.path.clone(),
                source,
            }
        })?;
        self.records += 1;
        Ok(())
    }

    /// Creates the journal with its header. A journal left by an interrupted run was
    /// replayed into `state` when it was loaded; it is folded into the state file first.
    fn start(&mut self, state: &State) -> Result<(), StateError> {
        if self.path.exists() {
            self.checkpoint(state)?;
        }
        let io_err = |source| StateError::Io {
            action: "create the journal",
            path: self.path.clone(),
            source,
        };
        // A remote backend's journal lives under `.galley/`, which may not exist yet.
        if let Some(dir) = self.path.parent() {
            fs::create_dir_all(dir).map_err(io_err)?;
        }
        let mut opts = OpenOptions::new();
        opts.write(true).create(true).truncate(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            opts.mode(0o600);
        }
        let mut file = opts.open(&self.path).map_err(io_err)?;
        let serial = self.serial.unwrap_or(state.serial);
        let header = serde_json::json!({
            "journal": JOURNAL_VERSION,
            "lineage": state.lineage,
            "serial": serial,
        });
        let mut line = Vec::new();
        seal_line(
            self.encryption.as_deref(),
            HEADER_AAD,
            header.to_string().as_bytes(),
            &mut line,
        )?;
        crate::crash::write_all("state journal header", &mut file, &line).map_err(io_err)?;
        self.file = Some(file);
        self.header = (state.lineage.clone(), serial);
        Ok(())
    }
}

/// Sets `out` to the journal line holding `record`: encrypted when `enc` has a key to write
/// with, and a newline.
fn seal_line(
    enc: Option<&Encryption>,
    aad: &str,
    record: &[u8],
    out: &mut Vec<u8>,
) -> Result<(), StateError> {
    out.clear();
    match enc {
        Some(enc) => enc.seal_line(aad, record, out)?,
        None => out.extend_from_slice(record),
    }
    out.push(b'\n');
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::state::InstanceState;
    use crate::value::Value;

    fn addr(s: &str) -> ResourceInstance {
        s.parse().unwrap()
    }

    fn set(state: &mut State, a: &str, id: &str) {
        state.set_instance(
            &addr(a),
            "provider[\"aws\"]",
            InstanceState::new(Value::object([
                ("id", Value::string(id)),
                ("secret", Value::string("s").mark()),
            ])),
        );
    }

    /// A journal for a state already written once, as an apply starts with.
    fn started(dir: &Path) -> (Journaled, State) {
        let mut backend = LocalBackend::in_dir(dir);
        let mut state = State::new();
        set(&mut state, "aws_vpc.old", "vpc-0");
        backend.persist(&mut state).unwrap();
        (Journaled::new(LocalBackend::in_dir(dir)), state)
    }

    fn load(dir: &Path) -> (State, Option<Recovery>) {
        let b = LocalBackend::in_dir(dir);
        let s = b.load().unwrap().unwrap();
        (s, b.take_recovery())
    }

    #[test]
    fn records_survive_a_process_that_never_wrote_the_state_again() {
        let dir = tempfile::tempdir().unwrap();
        let (mut j, mut state) = started(dir.path());
        let a = addr("module.net[\"a\"].aws_subnet.s[2]");
        j.intent(&state, &Intent::new("create", &a, "provider[\"aws\"]"))
            .unwrap();
        set(&mut state, "module.net[\"a\"].aws_subnet.s[2]", "subnet-1");
        j.record(&state, &a).unwrap();
        j.done(&state, &a).unwrap();
        let old = addr("aws_vpc.old");
        j.intent(&state, &Intent::new("delete", &old, "provider[\"aws\"]"))
            .unwrap();
        state.remove_instance(&old);
        j.record(&state, &old).unwrap();
        j.done(&state, &old).unwrap();
        drop(j); // killed: no checkpoint

        let (loaded, recovery) = load(dir.path());
        assert_eq!(
            loaded.resources, state.resources,
            "sensitive marks included"
        );
        assert_eq!(loaded.serial, 1, "replay does not write");
        let r = recovery.unwrap();
        assert_eq!(r.replayed, 2);
        assert!(r.interrupted.is_empty());
    }

    #[test]
    fn an_intent_without_its_end_is_reported_as_interrupted() {
        let dir = tempfile::tempdir().unwrap();
        let (mut j, state) = started(dir.path());
        let intent = Intent {
            token: Some("t-1".to_string()),
            ..Intent::new("create", &addr("aws_vpc.new"), "provider[\"aws\"]")
        };
        j.intent(&state, &intent).unwrap();
        j.intent(
            &state,
            &Intent::new("update", &addr("aws_vpc.old"), "provider[\"aws\"]"),
        )
        .unwrap();
        drop(j);
        let (loaded, recovery) = load(dir.path());
        assert_eq!(recovery.unwrap().interrupted.len(), 2);
        assert_eq!(
            loaded.unconfirmed_creates(),
            vec![intent],
            "a create whose outcome is unknown is kept in state until a plan looks for it"
        );
    }

    #[test]
    fn a_torn_last_line_is_dropped_and_its_intent_stays_open() {
        let dir = tempfile::tempdir().unwrap();
        let (mut j, mut state) = started(dir.path());
        let a = addr("aws_vpc.new");
        j.intent(&state, &Intent::new("create", &a, "provider[\"aws\"]"))
            .unwrap();
        set(&mut state, "aws_vpc.new", "vpc-9");
        j.record(&state, &a).unwrap();
        drop(j);
        let path = journal_path(&dir.path().join("galley.tfstate"));
        let text = fs::read_to_string(&path).unwrap();
        fs::write(&path, &text[..text.len() - 10]).unwrap();
        let (loaded, recovery) = load(dir.path());
        assert!(
            loaded.instance(&a).is_none(),
            "half a record is not applied"
        );
        assert_eq!(recovery.unwrap().interrupted.len(), 1);
    }

    #[test]
    fn a_journal_for_another_serial_is_ignored() {
        let dir = tempfile::tempdir().unwrap();
        let (mut j, mut state) = started(dir.path());
        let a = addr("aws_vpc.new");
        set(&mut state, "aws_vpc.new", "vpc-9");
        j.record(&state, &a).unwrap();
        drop(j);
        // Another writer moved the state on without removing the journal.
        let path = journal_path(&dir.path().join("galley.tfstate"));
        let saved = fs::read(&path).unwrap();
        let mut b = LocalBackend::in_dir(dir.path());
        let mut s = b.load().unwrap().unwrap();
        b.persist(&mut s).unwrap();
        assert!(!path.exists(), "a full write removes the journal");
        fs::write(&path, saved).unwrap();
        let (loaded, recovery) = load(dir.path());
        assert_eq!(loaded.serial, 2);
        assert!(recovery.is_none());
        assert!(
            loaded.instance(&a).is_some(),
            "the full write kept the replayed record"
        );
    }

    #[test]
    fn a_damaged_journal_is_an_error_and_blocks_writes() {
        let dir = tempfile::tempdir().unwrap();
        let (mut j, mut state) = started(dir.path());
        set(&mut state, "aws_vpc.new", "vpc-9");
        j.record(&state, &addr("aws_vpc.new")).unwrap();
        j.done(&state, &addr("aws_vpc.new")).unwrap();
        drop(j);
        let path = journal_path(&dir.path().join("galley.tfstate"));
        let text = fs::read_to_string(&path)
            .unwrap()
            .replacen("{\"set\"", "{\"set", 1);
        fs::write(&path, &text).unwrap();
        let mut b = LocalBackend::in_dir(dir.path());
        let err = b.load().unwrap_err().to_string();
        assert!(err.contains("damaged at line 2"), "{err}");
        assert!(err.contains("move it away"), "{err}");
        let mut s = state.clone();
        assert!(b.persist(&mut s).is_err(), "never written over");
        assert_eq!(fs::read_to_string(&path).unwrap(), text);
    }

    #[test]
    fn a_journal_over_its_limit_is_an_error_and_blocks_writes() {
        let dir = tempfile::tempdir().unwrap();
        let path = journal_path(&dir.path().join("galley.tfstate"));
        crate::limits::sparse_file(&path, crate::limits::JOURNAL.max + 1);
        let mut b = LocalBackend::in_dir(dir.path());
        let err = b.load().unwrap_err();
        assert!(matches!(err, StateError::TooLarge(_)), "{err:?}");
        let msg = err.to_string();
        assert!(
            msg.contains("galley.tfstate.journal is 512.0 MiB (536870913 bytes), more than the 512 MiB limit for a state journal; galley has not changed it"),
            "{msg}"
        );
        assert!(b.persist(&mut State::new()).is_err(), "never written over");
    }

    #[test]
    fn a_new_run_folds_a_leftover_journal_into_the_state_before_starting_its_own() {
        let dir = tempfile::tempdir().unwrap();
        let (mut j, mut state) = started(dir.path());
        set(&mut state, "aws_vpc.first", "vpc-1");
        j.record(&state, &addr("aws_vpc.first")).unwrap();
        drop(j);
        let (mut state, _) = load(dir.path());
        let mut j = Journaled::new(LocalBackend::in_dir(dir.path()));
        set(&mut state, "aws_vpc.second", "vpc-2");
        j.record(&state, &addr("aws_vpc.second")).unwrap();
        drop(j);
        let (loaded, _) = load(dir.path());
        assert!(loaded.instance(&addr("aws_vpc.first")).is_some());
        assert!(loaded.instance(&addr("aws_vpc.second")).is_some());
    }

    #[test]
    fn a_first_apply_journals_before_any_state_file_exists() {
        let dir = tempfile::tempdir().unwrap();
        let mut j = Journaled::new(LocalBackend::in_dir(dir.path()));
        let mut state = State::new();
        set(&mut state, "aws_vpc.a", "vpc-1");
        j.record(&state, &addr("aws_vpc.a")).unwrap();
        drop(j);
        let (loaded, _) = load(dir.path());
        assert_eq!(loaded.lineage, state.lineage);
        assert!(loaded.instance(&addr("aws_vpc.a")).is_some());
    }

    #[test]
    fn the_whole_state_is_written_once_the_journal_outgrows_it() {
        let dir = tempfile::tempdir().unwrap();
        let (mut j, mut state) = started(dir.path());
        for i in 0..=MIN_RECORDS_BETWEEN_WRITES {
            let a = format!("aws_vpc.v[{i}]");
            set(&mut state, &a, "x");
            j.record(&state, &addr(&a)).unwrap();
        }
        assert_eq!(j.serial(), Some(2), "one full write");
        let path = journal_path(&dir.path().join("galley.tfstate"));
        assert!(!path.exists(), "the full write replaced the journal");
        let on_disk = LocalBackend::in_dir(dir.path()).load().unwrap().unwrap();
        assert_eq!(
            on_disk.instance_count(),
            MIN_RECORDS_BETWEEN_WRITES + 2,
            "and aws_vpc.old"
        );
    }

    const PLANTED: &str = "planted-0b7d4e2c-token";

    fn key(seed: u8) -> Option<Arc<Encryption>> {
        Some(Arc::new(Encryption::new(crate::crypt::test_key(seed))))
    }

    fn backend(dir: &Path, enc: &Option<Arc<Encryption>>) -> LocalBackend {
        LocalBackend::in_dir(dir).with_encryption(enc.clone())
    }

    /// As an apply killed after one create and during a second leaves things, encrypted
    /// as `enc` says: the state file (serial 1), and a journal with a header and five
    /// records, the last an intent without its end.
    fn killed(dir: &Path, enc: &Option<Arc<Encryption>>) -> State {
        let mut state = State::new();
        set(&mut state, "aws_vpc.old", "vpc-0");
        backend(dir, enc).persist(&mut state).unwrap();
        let mut j = Journaled::new(backend(dir, enc));
        let a = addr("aws_db_instance.a");
        j.intent(&state, &Intent::new("create", &a, "provider[\"aws\"]"))
            .unwrap();
        state.set_instance(
            &a,
            "provider[\"aws\"]",
            InstanceState::new(Value::object([
                ("id", Value::string("db-1")),
                ("password", Value::string(PLANTED).mark()),
            ])),
        );
        j.record(&state, &a).unwrap();
        j.done(&state, &a).unwrap();
        let b = addr("aws_vpc.b");
        j.intent(&state, &Intent::new("create", &b, "provider[\"aws\"]"))
            .unwrap();
        drop(j);
        state
    }

    fn lines(dir: &Path) -> Vec<String> {
        let path = journal_path(&dir.join("galley.tfstate"));
        fs::read_to_string(path)
            .unwrap()
            .split_inclusive('\n')
            .map(str::to_string)
            .collect()
    }

    fn write_lines(dir: &Path, lines: &[String]) {
        fs::write(journal_path(&dir.join("galley.tfstate")), lines.concat()).unwrap();
    }

    #[test]
    fn an_encrypted_journal_replays_after_a_kill_and_hides_its_records() {
        let dir = tempfile::tempdir().unwrap();
        let enc = key(1);
        let state = killed(dir.path(), &enc);
        let journal = lines(dir.path());
        assert_eq!(journal.len(), 5);
        for line in &journal {
            assert!(
                line.starts_with("{\"k\":\"") && line.ends_with("\"}\n"),
                "{line}"
            );
            assert!(
                !line.contains(PLANTED) && !line.contains("aws_db_instance"),
                "{line}"
            );
            assert!(!line.contains("lineage"), "{line}");
        }
        let b = backend(dir.path(), &enc);
        let loaded = b.load().unwrap().unwrap();
        assert_eq!(
            loaded.resources, state.resources,
            "sensitive marks included"
        );
        let r = b.take_recovery().unwrap();
        assert_eq!(r.replayed, 1);
        assert_eq!(r.interrupted.len(), 1, "the second create was under way");
        assert_eq!(r.interrupted[0].address, "aws_vpc.b");
    }

    #[test]
    fn a_torn_last_encrypted_line_is_dropped() {
        let dir = tempfile::tempdir().unwrap();
        let enc = key(1);
        killed(dir.path(), &enc);
        let mut journal = lines(dir.path());
        // Killed in the middle of writing the record of the first create.
        journal.truncate(3);
        let torn = journal[2].len() - 10;
        journal[2].truncate(torn);
        write_lines(dir.path(), &journal);
        let b = backend(dir.path(), &enc);
        let loaded = b.load().unwrap().unwrap();
        assert!(loaded.instance(&addr("aws_db_instance.a")).is_none());
        let r = b.take_recovery().unwrap();
        assert_eq!(r.replayed, 0);
        assert_eq!(r.interrupted.len(), 1, "its intent stays open");
    }

    #[test]
    fn encrypted_journal_lines_cannot_be_reordered_or_modified() {
        let dir = tempfile::tempdir().unwrap();
        let enc = key(1);
        killed(dir.path(), &enc);
        let journal = lines(dir.path());
        let mut swapped = journal.clone();
        swapped.swap(2, 3);
        let mut edited = journal.clone();
        edited[2] = edited[2].replacen("\"e\":\"", "\"e\":\"AAAA", 1);
        for (lines, n) in [(swapped, 3), (edited, 3)] {
            write_lines(dir.path(), &lines);
            let mut b = backend(dir.path(), &enc);
            let msg = b.load().unwrap_err().to_string();
            assert!(
                msg.contains(&format!("is damaged at line {n}: the journal cannot be decrypted: authentication failed: the file was modified or is damaged")),
                "{msg}"
            );
            assert!(b.persist(&mut State::new()).is_err(), "never written over");
        }
    }

    #[test]
    fn an_encrypted_journal_needs_its_key_and_a_plain_one_the_fallback() {
        let dir = tempfile::tempdir().unwrap();
        // A first apply: no state file yet, only the journal.
        let mut j = Journaled::new(backend(dir.path(), &key(1)));
        let mut state = State::new();
        set(&mut state, "aws_vpc.a", "vpc-1");
        j.record(&state, &addr("aws_vpc.a")).unwrap();
        drop(j);
        let msg = LocalBackend::in_dir(dir.path())
            .load()
            .unwrap_err()
            .to_string();
        assert!(
            msg.starts_with("cannot use the state file ")
                && msg.contains(&format!(
                    "galley.tfstate.journal: the journal is encrypted (with key {}), and no key is set",
                    crate::crypt::test_key(1).id()
                ))
                && msg.ends_with("galley has not changed it."),
            "{msg}"
        );
        let msg = backend(dir.path(), &key(2)).load().unwrap_err().to_string();
        assert!(msg.contains("the journal was encrypted with key"), "{msg}");

        let dir = tempfile::tempdir().unwrap();
        let mut j = Journaled::new(LocalBackend::in_dir(dir.path()));
        j.record(&state, &addr("aws_vpc.a")).unwrap();
        drop(j);
        let msg = backend(dir.path(), &key(1)).load().unwrap_err().to_string();
        assert!(msg.contains("the journal is not encrypted"), "{msg}");
        let fallback = Some(Arc::new(
            Encryption::new(crate::crypt::test_key(1)).with_plaintext_fallback(true),
        ));
        let mut b = backend(dir.path(), &fallback);
        let mut loaded = b.load().unwrap().unwrap();
        assert!(loaded.instance(&addr("aws_vpc.a")).is_some());
        b.persist(&mut loaded).unwrap();
        assert!(
            !journal_path(b.path()).exists(),
            "folded into the encrypted state"
        );
        assert!(crate::crypt::is_envelope(&fs::read(b.path()).unwrap()));
    }

    #[test]
    fn an_encrypted_journal_left_by_the_old_key_is_replayed_during_a_rotation() {
        let dir = tempfile::tempdir().unwrap();
        let state = killed(dir.path(), &key(1));
        let rotating = Some(Arc::new(
            Encryption::new(crate::crypt::test_key(2)).with_old_key(crate::crypt::test_key(1)),
        ));
        let loaded = backend(dir.path(), &rotating).load().unwrap().unwrap();
        assert_eq!(loaded.resources, state.resources);
        // The next apply folds it into a state written with the new key.
        let mut j = Journaled::new(backend(dir.path(), &rotating));
        j.record(&loaded, &addr("aws_vpc.old")).unwrap();
        drop(j);
        let id = crate::crypt::test_key(2).id().to_string();
        for line in lines(dir.path()) {
            assert!(line.starts_with(&format!("{{\"k\":\"{id}\"")), "{line}");
        }
        let loaded = backend(dir.path(), &key(2)).load().unwrap().unwrap();
        assert_eq!(loaded.resources, state.resources);
    }

    #[test]
    fn deposed_objects_are_journaled_with_their_instance() {
        let dir = tempfile::tempdir().unwrap();
        let (mut j, mut state) = started(dir.path());
        let a = addr("aws_vpc.old");
        let key = state.depose_instance(&a).unwrap();
        set(&mut state, "aws_vpc.old", "vpc-new");
        j.record(&state, &a).unwrap();
        drop(j);
        let (loaded, _) = load(dir.path());
        assert_eq!(loaded.resources, state.resources);
        let res = loaded.resource(&a.abs_resource()).unwrap();
        assert!(res.deposed.contains_key(&(a.key.clone(), key)));
    }
}
