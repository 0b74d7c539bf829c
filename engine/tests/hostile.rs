//! Hostile input: property-based and mutation tests over every file format galley reads
//! (`.tf` configuration, `.tfvars` and `.tfvars.json`, state documents, the apply journal,
//! lock files and saved plans), and the encrypted forms of state, journal and plan.
//!
//! Each format gets random bytes, truncations and byte mutations (flip, insert, delete)
//! of a valid file made by the engine itself, deep nesting and huge strings. The
//! properties: the reader never panics, returns within [`DEADLINE`] (on a thread with a
//! 2 MiB stack, so unbounded recursion shows up as a crash), reports problems as values,
//! and, for configuration and variables files, gives every error a location that lies
//! inside the file, on character boundaries, and renders. A plan file whose content was
//! changed is refused (its checksum); each mutated plan is also read with its checksum
//! made again ([`resealed`]), so the mutations reach the plan's decoder too. Files over
//! their size limit ([`engine::limits`]), and endless ones, are refused with an error
//! naming the limit. An encrypted file that was changed is refused: whatever a mutated
//! envelope is read as, it is the original content or an error.
//!
//! CI runs a bounded number of cases per property (see [`config`]). The long run:
//!
//! ```text
//! PROPTEST_CASES=20000 cargo test -p galley-engine --release --test hostile
//! ```

use std::path::PathBuf;
use std::sync::{mpsc, Arc};
use std::time::Duration;

use engine::addr::ResourceInstance;
use engine::config::load_config;
use engine::crypt::{Encryption, Key};
use engine::diag::{Diagnostics, SourceMap};
use engine::plan::{Action, ConfigDigest, Plan, PlanFileError, ResourceChange};
use engine::state::{
    self, InstanceState, Intent, Journaled, LocalBackend, LockInfo, State, StateError,
};
use engine::value::Value;
use engine::vars::{self, CliVar};
use proptest::prelude::*;
use proptest::test_runner::FileFailurePersistence;

/// How long one read may take before it counts as a hang (generous: debug builds and a
/// loaded CI machine).
const DEADLINE: Duration = Duration::from_secs(30);

/// Stack of the thread a read runs on: that of a spawned Rust thread (tokio workers too).
const STACK: usize = 2 << 20;

/// Cases per property: `ci_cases` unless `PROPTEST_CASES` is set.
fn config(ci_cases: u32) -> ProptestConfig {
    let mut c = ProptestConfig::default();
    if std::env::var_os("PROPTEST_CASES").is_none() {
        c.cases = ci_cases;
    }
    // Failing inputs are kept as named regression tests below, not in files in the tree.
    c.failure_persistence = Some(Box::new(FileFailurePersistence::Off));
    c
}

/// Runs `f` on its own thread and waits at most [`DEADLINE`]; a panic in `f` is
/// re-raised here, a hang fails the test.
fn bounded<T: Send + 'static>(what: &str, f: impl FnOnce() -> T + Send + 'static) -> T {
    let (tx, rx) = mpsc::channel();
    let handle = std::thread::Builder::new()
        .stack_size(STACK)
        .spawn(move || {
            let _ = tx.send(f());
        })
        .expect("spawn a reader thread");
    match rx.recv_timeout(DEADLINE) {
        Ok(v) => {
            let _ = handle.join();
            v
        }
        Err(mpsc::RecvTimeoutError::Timeout) => {
            panic!("{what} did not return within {DEADLINE:?}")
        }
        Err(mpsc::RecvTimeoutError::Disconnected) => match handle.join() {
            Err(payload) => std::panic::resume_unwind(payload),
            Ok(()) => panic!("{what} ended without a result"),
        },
    }
}

// ---------------------------------------------------------------------------------------
// Valid fixtures, made by the engine's own writers where it has them.

const MODULE_TF: &str = r#"terraform {
  required_version = ">= 1.0"
}

variable "names" {
  type    = list(string)
  default = ["a", "b"]
}

locals {
  tags = { for n in var.names : n => upper(n) }
  msg  = "hello ${var.names[0]}%{ if true }!%{ endif }"
}

resource "terraform_data" "x" {
  count = length(var.names)
  input = [local.tags, 1 + 2 * 3, (4 - 1) / 2, !false, -1]

  lifecycle {
    create_before_destroy = true
  }
}

output "ids" {
  value = terraform_data.x[*].id
}
"#;

const TFVARS: &str = r#"region = "eu-west-1"
count  = 3
tags   = { team = "infra", cost = 1.5 }
list   = ["a", ["b", null], true]
heredoc = <<EOT
line one
EOT
"#;

const TFVARS_JSON: &str =
    r#"{"region": "eu-west-1", "count": 3, "tags": {"team": "infra"}, "list": [1, [2, null]]}"#;

fn sample_state() -> State {
    let mut s = State::new();
    s.lineage = "4f0c2b1e-lineage".to_string();
    s.serial = 7;
    s.set_instance(
        &"terraform_data.x[0]".parse().expect("address"),
        "provider[\"terraform\"]",
        InstanceState::new(Value::object([
            ("id", Value::string("x-1")),
            ("secret", Value::string("s").mark()),
            (
                "nested",
                // The state format keeps no list/tuple distinction: it reads back a tuple.
                Value::Tuple(vec![Value::Number(1.5), Value::Bool(true), Value::Null]),
            ),
        ])),
    );
    s.set_instance(
        &"module.m.aws_instance.web[\"a\"]".parse().expect("address"),
        "provider[\"aws\"].west",
        InstanceState::new(Value::object([("id", Value::string("i-123"))])),
    );
    s
}

fn state_bytes() -> Vec<u8> {
    state::encode(&sample_state()).expect("encode the sample state")
}

fn plan_bytes() -> Vec<u8> {
    let change = ResourceChange {
        addr: "terraform_data.x[0]".parse().expect("address"),
        action: Action::Update,
        provider: "provider[\"terraform\"]".to_string(),
        before: Some(Value::object([("id", Value::string("x-1"))])),
        after: Some(Value::object([
            ("id", Value::Unknown),
            ("pw", Value::string("p").mark()),
        ])),
        replace_paths: Vec::new(),
        create_before_destroy: false,
        reason: None,
        moved_from: None,
        importing: None,
        deposed: None,
    };
    let plan = Plan {
        changes: vec![change],
        state_serial: 7,
        state_lineage: "4f0c2b1e-lineage".to_string(),
        variables: [("names".to_string(), Value::List(vec![Value::string("a")]))].into(),
        prior_state: Some(sample_state()),
        configuration: ConfigDigest(
            [(
                "main.tf".to_string(),
                "ca978112ca1bbdcafac231b39a23dc4da786eff8147c4e72b9807785afee48bb".to_string(),
            )]
            .into(),
        ),
        state_digest: engine::plan::state_digest(&sample_state()),
        ..Plan::default()
    };
    plan.to_file()
}

fn lock_bytes() -> Vec<u8> {
    serde_json::to_vec(&LockInfo::new("apply")).expect("encode a lock")
}

/// A journal as an interrupted apply leaves it: header, intent, record, done, intent.
fn journal_bytes() -> Vec<u8> {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("galley.tfstate");
    let mut state = State::new();
    let a: ResourceInstance = "terraform_data.x[0]".parse().expect("address");
    let b: ResourceInstance = "terraform_data.y".parse().expect("address");
    let provider = "provider[\"terraform\"]";
    let mut j = Journaled::new(LocalBackend::new(&path));
    let create = Intent {
        token: Some("3f1e0c52-1f4e-4c47-9a8e-0d5c8b7a6e21".to_string()),
        ..Intent::new("create", &a, provider)
    };
    j.intent(&state, &create).expect("intent");
    state.set_instance(
        &a,
        "provider[\"terraform\"]",
        InstanceState::new(Value::object([("id", Value::string("x-1"))])),
    );
    j.record(&state, &a).expect("record");
    j.done(&state, &a).expect("done");
    j.intent(&state, &Intent::new("delete", &b, provider))
        .expect("intent");
    std::fs::read(state::journal::journal_path(&path)).expect("the journal was written")
}

/// The encryption of the encrypted fixtures: a fixed key, no plain-text fallback.
fn encryption() -> Arc<Encryption> {
    let key = Key::from_bytes(&[7; 32], "the test key").expect("a key");
    Arc::new(Encryption::new(key))
}

/// The sample state as an encrypted state file.
fn encrypted_state_bytes() -> Vec<u8> {
    engine::crypt::seal(
        Some(&encryption()),
        engine::crypt::Kind::State,
        &state_bytes(),
    )
    .expect("encrypt the sample state")
    .into_owned()
}

/// The sample plan as an encrypted plan file.
fn encrypted_plan_bytes() -> Vec<u8> {
    let plan = Plan::from_file(&plan_bytes()).expect("the sample plan");
    plan.to_file_with(Some(&encryption()))
        .expect("encrypt the sample plan")
}

/// A journal as [`journal_bytes`] makes it, every line encrypted.
fn encrypted_journal_bytes() -> Vec<u8> {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("galley.tfstate");
    let mut state = State::new();
    let a: ResourceInstance = "terraform_data.x[0]".parse().expect("address");
    let backend = LocalBackend::new(&path).with_encryption(Some(encryption()));
    let mut j = Journaled::new(backend);
    j.intent(
        &state,
        &Intent::new("create", &a, "provider[\"terraform\"]"),
    )
    .expect("intent");
    state.set_instance(
        &a,
        "provider[\"terraform\"]",
        InstanceState::new(Value::object([("id", Value::string("x-1"))])),
    );
    j.record(&state, &a).expect("record");
    j.done(&state, &a).expect("done");
    std::fs::read(state::journal::journal_path(&path)).expect("the journal was written")
}

// ---------------------------------------------------------------------------------------
// Readers under test, each returning whether the input was accepted.

/// Loads a configuration whose only file is `main.tf` with `bytes`; checks every error
/// has a usable location when the file is not empty.
fn check_tf(bytes: Vec<u8>) {
    let empty = bytes.is_empty();
    bounded("load_config", move || {
        let dir = tempfile::tempdir().expect("temp dir");
        std::fs::write(dir.path().join("main.tf"), &bytes).expect("write main.tf");
        let sources = SourceMap::new();
        let (_config, diags) = load_config(dir.path(), &sources);
        check_diags(&diags, &sources, !empty);
    });
}

/// Collects variables from one `-var-file` named `name` holding `bytes`.
fn check_tfvars(name: &'static str, bytes: Vec<u8>) {
    let empty = bytes.is_empty();
    bounded("vars::collect", move || {
        let dir = tempfile::tempdir().expect("temp dir");
        std::fs::write(dir.path().join(name), &bytes).expect("write the variables file");
        let sources = SourceMap::new();
        let (_values, diags) = vars::collect(
            dir.path(),
            &[CliVar::File(PathBuf::from(name))],
            &[],
            &sources,
        );
        // A file that is not UTF-8 is refused whole (no offset is meaningful to the user
        // once the text cannot be shown), so locations are only required for text.
        let located = !empty && std::str::from_utf8(&bytes).is_ok();
        check_diags(&diags, &sources, located);
    });
}

/// Every diagnostic renders; with `located`, every error has a span inside its file, on
/// character boundaries.
fn check_diags(diags: &Diagnostics, sources: &SourceMap, located: bool) {
    let _ = diags.render(sources);
    let _ = diags.render_color(sources, true);
    for d in diags.iter() {
        let _ = d.to_json(sources);
        if let Some(span) = d.span {
            let file = sources
                .get(span.file)
                .unwrap_or_else(|| panic!("span of {:?} in an unknown file", d.summary));
            let r = span.range();
            assert!(
                r.start <= r.end && r.end <= file.text.len(),
                "span {r:?} of {:?} outside its file of {} bytes",
                d.summary,
                file.text.len()
            );
            assert!(
                file.text.is_char_boundary(r.start) && file.text.is_char_boundary(r.end),
                "span {r:?} of {:?} splits a character",
                d.summary
            );
            assert!(sources.location(span).is_some());
        } else if located && d.is_error() {
            panic!("error without a location: {} {:?}", d.summary, d.detail);
        }
    }
}

/// Decodes a state document; a JSON syntax error must say where it is.
fn check_state(bytes: Vec<u8>) {
    bounded("state::decode", move || {
        let result = state::decode(&bytes);
        if let Err(e) = &result {
            let _ = e.to_string();
            // Not JSON (serde_json skips unknown fields without a depth limit, so depth
            // alone is not an error everywhere).
            if serde_json::from_slice::<serde::de::IgnoredAny>(&bytes).is_err() {
                match e {
                    StateError::Malformed { line, column, .. } => {
                        assert!(*line >= 1 && *column <= bytes.len() + 1, "{e}")
                    }
                    other => panic!("invalid JSON reported without a location: {other}"),
                }
            }
        }
    });
}

/// Loads a state file and a journal next to it through the local backend.
fn check_local(state: Option<Vec<u8>>, journal: Vec<u8>) {
    bounded("LocalBackend::load", move || {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("galley.tfstate");
        if let Some(s) = state {
            std::fs::write(&path, s).expect("write the state");
        }
        std::fs::write(state::journal::journal_path(&path), journal).expect("write journal");
        let backend = LocalBackend::new(&path);
        if let Err(e) = backend.load() {
            let _ = e.to_string();
        }
    });
}

/// Loads an encrypted state file (and, when given, an encrypted journal next to it)
/// through the local backend with the fixtures' key: never a panic, and what is read is
/// the sample state or the journal's records, nothing else.
fn check_encrypted_local(
    state: Option<Vec<u8>>,
    journal: Option<Vec<u8>>,
) -> Result<Option<State>, String> {
    bounded("LocalBackend::load (encrypted)", move || {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("galley.tfstate");
        if let Some(s) = state {
            std::fs::write(&path, s).expect("write the state");
        }
        if let Some(j) = journal {
            std::fs::write(state::journal::journal_path(&path), j).expect("write journal");
        }
        let backend = LocalBackend::new(&path).with_encryption(Some(encryption()));
        backend.load().map_err(|e| e.to_string())
    })
}

fn check_lock(bytes: Vec<u8>) {
    bounded("read_lock", move || {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("galley.tfstate");
        std::fs::write(state::lock_path(&path), bytes).expect("write the lock");
        if let Err(e) = state::read_lock(&path) {
            let _ = e.to_string();
        }
        // force-unlock reads the same file; a wrong ID must never remove it.
        let _ = state::force_unlock(&path, "not-the-id");
    });
}

/// Reads a plan file as it is, and with its checksum made again when it is a JSON object.
fn check_plan(bytes: Vec<u8>) {
    bounded("Plan::from_file", move || {
        let sealed = resealed(&bytes);
        for bytes in std::iter::once(bytes).chain(sealed) {
            if let Err(e) = Plan::from_file(&bytes) {
                let _ = e.to_string();
            }
        }
    });
}

/// `bytes` with the checksum galley writes for their content, when they are a JSON
/// object: the SHA-256 of the document without its `checksum` member, as serde_json
/// writes it, added as its last member (see `engine/src/plan/file.rs`).
fn resealed(bytes: &[u8]) -> Option<Vec<u8>> {
    use sha2::Digest;
    let mut doc: serde_json::Value = serde_json::from_slice(bytes).ok()?;
    doc.as_object_mut()?.shift_remove("checksum");
    let mut out = serde_json::to_vec(&doc).ok()?;
    let sum: String = sha2::Sha256::digest(&out)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    out.pop();
    out.extend_from_slice(format!(",\"checksum\":\"{sum}\"}}").as_bytes());
    Some(out)
}

// ---------------------------------------------------------------------------------------
// Strategies.

/// One edit of a byte string.
#[derive(Debug, Clone)]
enum Edit {
    Flip(prop::sample::Index, u8),
    Insert(prop::sample::Index, u8),
    Delete(prop::sample::Index),
    /// Copies a slice of the file to another place (duplicated keys, brackets...).
    Splice(
        prop::sample::Index,
        prop::sample::Index,
        prop::sample::Index,
    ),
}

fn edit() -> impl Strategy<Value = Edit> {
    // Bytes that matter to the grammars are more likely than others.
    let byte = prop_oneof![
        any::<u8>(),
        prop::sample::select(b"{}[]()\"'=:,.\\$%<>\n#/*-+!?\0 ".to_vec()),
    ];
    prop_oneof![
        (
            any::<prop::sample::Index>(),
            any::<u8>().prop_map(|b| 1u8 << (b % 8))
        )
            .prop_map(|(i, m)| Edit::Flip(i, m)),
        (any::<prop::sample::Index>(), byte).prop_map(|(i, b)| Edit::Insert(i, b)),
        any::<prop::sample::Index>().prop_map(Edit::Delete),
        any::<(
            prop::sample::Index,
            prop::sample::Index,
            prop::sample::Index
        )>()
        .prop_map(|(a, b, c)| Edit::Splice(a, b, c)),
    ]
}

fn apply_edits(mut bytes: Vec<u8>, edits: &[Edit]) -> Vec<u8> {
    for e in edits {
        let n = bytes.len();
        match e {
            Edit::Flip(i, m) if n > 0 => bytes[i.index(n)] ^= m,
            Edit::Insert(i, b) => bytes.insert(i.index(n + 1), *b),
            Edit::Delete(i) if n > 0 => {
                bytes.remove(i.index(n));
            }
            Edit::Splice(a, b, at) if n > 0 => {
                let (x, y) = (a.index(n), b.index(n));
                let piece = bytes[x.min(y)..x.max(y)].to_vec();
                let at = at.index(n + 1);
                bytes.splice(at..at, piece);
            }
            _ => {}
        }
    }
    bytes
}

/// Random bytes, truncations and mutations of `valid`.
fn hostile(valid: Vec<u8>) -> impl Strategy<Value = Vec<u8>> {
    let cut = valid.clone();
    let mutated = valid.clone();
    prop_oneof![
        prop::collection::vec(any::<u8>(), 0..512),
        any::<prop::sample::Index>().prop_map(move |i| cut[..i.index(cut.len() + 1)].to_vec()),
        prop::collection::vec(edit(), 1..8).prop_map(move |es| apply_edits(mutated.clone(), &es)),
    ]
}

// ---------------------------------------------------------------------------------------
// Properties.

proptest! {
    #![proptest_config(config(128))]

    #[test]
    fn tf_files_never_panic(bytes in hostile(MODULE_TF.as_bytes().to_vec())) {
        check_tf(bytes);
    }

    #[test]
    fn tfvars_files_never_panic(bytes in hostile(TFVARS.as_bytes().to_vec())) {
        check_tfvars("x.tfvars", bytes);
    }

    #[test]
    fn tfvars_json_files_never_panic(bytes in hostile(TFVARS_JSON.as_bytes().to_vec())) {
        check_tfvars("x.tfvars.json", bytes);
    }

    #[test]
    fn state_documents_never_panic(bytes in hostile(state_bytes())) {
        check_state(bytes);
    }

    #[test]
    fn plan_files_never_panic(bytes in hostile(plan_bytes())) {
        check_plan(bytes);
    }

    #[test]
    fn edited_plan_files_are_refused_unless_their_content_is_unchanged(
        edits in prop::collection::vec(edit(), 1..8),
    ) {
        let valid = plan_bytes();
        let edited = apply_edits(valid.clone(), &edits);
        let read = bounded("Plan::from_file", {
            let edited = edited.clone();
            move || Plan::from_file(&edited).map(|_| ()).map_err(|e| e.to_string())
        });
        if read.is_ok() {
            // Only layout changed (white space, a key repeated with its value...).
            let doc = |b: &[u8]| serde_json::from_slice::<serde_json::Value>(b).ok();
            prop_assert_eq!(doc(&edited), doc(&valid));
        }
    }

    #[test]
    fn mutated_encrypted_states_are_refused_or_read_unchanged(
        bytes in hostile(encrypted_state_bytes()),
    ) {
        if let Ok(read) = check_encrypted_local(Some(bytes), None) {
            prop_assert_eq!(read, Some(sample_state()));
        }
    }

    #[test]
    fn mutated_encrypted_plans_are_refused_or_read_unchanged(
        bytes in hostile(encrypted_plan_bytes()),
    ) {
        let read = bounded("Plan::from_file_with", move || {
            Plan::from_file_with(&bytes, Some(&encryption()))
                .map(|p| p.to_file())
                .map_err(|e| e.to_string())
        });
        if let Ok(plain) = read {
            prop_assert_eq!(plain, plan_bytes());
        }
    }

    #[test]
    fn mutated_encrypted_journals_are_refused_or_replay_only_their_records(
        journal in hostile(encrypted_journal_bytes()),
    ) {
        // The journal's header names serial 0: it was started before any state file.
        if let Ok(Some(read)) = check_encrypted_local(None, Some(journal)) {
            // Only the one record the journal holds can be in it, or nothing.
            prop_assert!(read.instance_count() <= 1, "{read:?}");
            if let Some(i) = read.instance(&"terraform_data.x[0]".parse().expect("address")) {
                prop_assert_eq!(&i.attributes, &Value::object([("id", Value::string("x-1"))]));
            }
        }
    }

    #[test]
    fn journals_never_panic(
        journal in hostile(journal_bytes()),
        with_state in any::<bool>(),
    ) {
        check_local(with_state.then(state_bytes), journal);
    }
}

proptest! {
    // A corrupt lock is read again three times, 30 ms apart (a holder may be writing it):
    // fewer cases keep CI quick.
    #![proptest_config(config(24))]

    #[test]
    fn lock_files_never_panic(bytes in hostile(lock_bytes())) {
        check_lock(bytes);
    }
}

// ---------------------------------------------------------------------------------------
// Deep nesting and huge inputs, each format.

const DEEP: usize = 10_000;
const HUGE: usize = 8 << 20;

fn nested(open: &str, inner: &str, close: &str, depth: usize) -> String {
    let mut s = String::with_capacity((open.len() + close.len()) * depth + inner.len());
    for _ in 0..depth {
        s.push_str(open);
    }
    s.push_str(inner);
    for _ in 0..depth {
        s.push_str(close);
    }
    s
}

fn deep_hcl_values() -> Vec<String> {
    let mut out = Vec::new();
    for depth in [64, 200, DEEP] {
        out.push(nested("[", "1", "]", depth));
        out.push(nested("{a = ", "1", "}", depth));
        out.push(nested("(", "1", ")", depth));
        out.push(nested("-", "1", "", depth));
        out.push(nested("!", "true", "", depth));
        out.push(nested("f(", "1", ")", depth));
        out.push(nested("\"${", "1", "}\"", depth));
        out.push(nested("true ? ", "1", " : 2", depth));
        out.push(format!("1{}", " + 1".repeat(depth)));
        out.push(format!("a{}", ".b[0]".repeat(depth)));
        // Unclosed, as a truncated file leaves them.
        out.push("[".repeat(depth));
        out.push("{".repeat(depth));
    }
    out
}

#[test]
fn deeply_nested_tf_expressions_and_blocks_are_errors_not_crashes() {
    for value in deep_hcl_values() {
        check_tf(format!("locals {{\n  v = {value}\n}}\n").into_bytes());
    }
    for depth in [64, 200, DEEP] {
        check_tf(nested("resource \"a\" \"b\" {\n", "", "}\n", 1).into_bytes());
        check_tf(nested("b {\n", "x = 1\n", "}\n", depth).into_bytes());
        check_tf(
            format!(
                "resource \"terraform_data\" \"x\" {{\n{}}}\n",
                nested(
                    "dynamic \"d\" {\nfor_each = []\ncontent {\n",
                    "",
                    "}\n}\n",
                    depth
                )
            )
            .into_bytes(),
        );
    }
}

#[test]
fn deeply_nested_tfvars_are_errors_not_crashes() {
    for value in deep_hcl_values() {
        check_tfvars("x.tfvars", format!("v = {value}\n").into_bytes());
    }
    for depth in [64, 200, DEEP] {
        check_tfvars(
            "x.tfvars.json",
            format!("{{\"v\": {}}}", nested("[", "1", "]", depth)).into_bytes(),
        );
        check_tfvars(
            "x.tfvars.json",
            format!("{{\"v\": {}}}", nested("{\"a\":", "1", "}", depth)).into_bytes(),
        );
    }
}

/// A state, plan, journal or lock with a value nested `depth` deep where the writer
/// puts attributes.
fn deep_json(depth: usize) -> [String; 2] {
    [
        nested("[", "1", "]", depth),
        nested("{\"o\":", "1", "}", depth),
    ]
}

#[test]
fn deeply_nested_json_documents_are_errors_not_crashes() {
    let state = String::from_utf8(state_bytes()).expect("utf-8");
    let plan = String::from_utf8(plan_bytes()).expect("utf-8");
    let journal = String::from_utf8(journal_bytes()).expect("utf-8");
    for depth in [64, 127, 200, DEEP] {
        for deep in deep_json(depth) {
            check_state(state.replace("\"x-1\"", &deep).into_bytes());
            check_state(deep.clone().into_bytes());
            check_plan(plan.replace("\"x-1\"", &deep).into_bytes());
            check_plan(plan.replace("\"a\"", &deep).into_bytes());
            check_plan(deep.clone().into_bytes());
            check_local(
                Some(state_bytes()),
                journal.replace("\"x-1\"", &deep).into_bytes(),
            );
            check_lock(deep.clone().into_bytes());
        }
    }
}

#[test]
fn huge_strings_are_read_or_refused_without_crashing() {
    let huge = "x".repeat(HUGE);
    check_tf(format!("locals {{\n  v = \"{huge}\"\n}}\n").into_bytes());
    check_tf(format!("locals {{\n  v = <<EOT\n{huge}\nEOT\n}}\n").into_bytes());
    check_tf(format!("# {huge}\n").into_bytes());
    check_tf(format!("locals {{\n  {huge} = 1\n}}\n").into_bytes());
    check_tf(format!("locals {{\n  v = \"{huge}").into_bytes());
    check_tfvars("x.tfvars", format!("v = \"{huge}\"\n").into_bytes());
    check_tfvars("x.tfvars", format!("v = \"{huge}").into_bytes());
    check_tfvars(
        "x.tfvars.json",
        format!("{{\"v\": \"{huge}\"}}").into_bytes(),
    );
    check_tfvars("x.tfvars.json", format!("{{\"{huge}\": 1}}").into_bytes());
    let quoted = format!("\"{huge}\"");
    let state = String::from_utf8(state_bytes()).expect("utf-8");
    check_state(state.replace("\"x-1\"", &quoted).into_bytes());
    check_state(state.replace("\"x-1\"", &format!("\"{huge}")).into_bytes());
    let plan = String::from_utf8(plan_bytes()).expect("utf-8");
    check_plan(plan.replace("\"x-1\"", &quoted).into_bytes());
    let journal = String::from_utf8(journal_bytes()).expect("utf-8");
    check_local(
        Some(state_bytes()),
        journal.replace("\"x-1\"", &quoted).into_bytes(),
    );
    check_lock(format!("{{\"id\": {quoted}}}").into_bytes());
}

#[test]
fn every_truncation_of_each_fixture_is_handled() {
    let tf = MODULE_TF.as_bytes();
    for n in 0..=tf.len() {
        check_tf(tf[..n].to_vec());
    }
    let tfvars = TFVARS.as_bytes();
    for n in 0..=tfvars.len() {
        check_tfvars("x.tfvars", tfvars[..n].to_vec());
    }
    let json = TFVARS_JSON.as_bytes();
    for n in 0..=json.len() {
        check_tfvars("x.tfvars.json", json[..n].to_vec());
    }
    let state = state_bytes();
    for n in 0..=state.len() {
        check_state(state[..n].to_vec());
    }
    let plan = plan_bytes();
    for n in (0..=plan.len()).step_by(3) {
        check_plan(plan[..n].to_vec());
    }
}

#[test]
fn the_fixtures_are_valid() {
    // Otherwise the mutations above start from garbage and prove little.
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::write(dir.path().join("main.tf"), MODULE_TF).expect("write");
    let sources = SourceMap::new();
    let (_c, diags) = load_config(dir.path(), &sources);
    assert!(!diags.has_errors(), "{}", diags.render(&sources));
    for (name, text) in [("x.tfvars", TFVARS), ("x.tfvars.json", TFVARS_JSON)] {
        std::fs::write(dir.path().join(name), text).expect("write");
        let sources = SourceMap::new();
        let (values, diags) = vars::collect(
            dir.path(),
            &[CliVar::File(PathBuf::from(name))],
            &[],
            &sources,
        );
        assert!(!diags.has_errors(), "{}", diags.render(&sources));
        assert!(values.contains_key("region"), "{name}");
    }
    assert_eq!(
        state::decode(&state_bytes()).expect("state"),
        sample_state()
    );
    let plan = Plan::from_file(&plan_bytes()).expect("plan");
    assert_eq!(plan.changes.len(), 1);
    assert_eq!(plan.prior_state, Some(sample_state()));
    assert_eq!(plan.configuration.0.len(), 1);
    assert_eq!(
        resealed(&plan_bytes()),
        Some(plan_bytes()),
        "resealed() makes the checksum galley makes"
    );
    let edited = String::from_utf8(plan_bytes()).expect("utf-8").replacen(
        "\"state_serial\":7",
        "\"state_serial\":8",
        1,
    );
    assert!(
        matches!(
            Plan::from_file(edited.as_bytes()),
            Err(PlanFileError::Modified)
        ),
        "an edited plan is refused"
    );
    let sealed = resealed(edited.as_bytes()).expect("a JSON object");
    assert_eq!(Plan::from_file(&sealed).expect("resealed").state_serial, 8);
    let lock: LockInfo = serde_json::from_slice(&lock_bytes()).expect("lock");
    assert_eq!(lock.operation, "apply");
    let state_path = dir.path().join("galley.tfstate");
    std::fs::write(state::journal::journal_path(&state_path), journal_bytes()).expect("write");
    let backend = LocalBackend::new(&state_path);
    let loaded = backend.load().expect("journal replays").expect("a state");
    assert_eq!(loaded.instance_count(), 1);
    let recovery = backend.take_recovery().expect("a recovery");
    assert_eq!(recovery.replayed, 1);
    assert_eq!(recovery.interrupted.len(), 1, "the delete never finished");

    // The encrypted fixtures read back, and only with the key.
    let read = check_encrypted_local(Some(encrypted_state_bytes()), None).expect("encrypted state");
    assert_eq!(read, Some(sample_state()));
    let plan =
        Plan::from_file_with(&encrypted_plan_bytes(), Some(&encryption())).expect("encrypted plan");
    assert_eq!(plan.to_file(), plan_bytes());
    assert!(Plan::from_file(&encrypted_plan_bytes()).is_err());
    let journal_dir = tempfile::tempdir().expect("temp dir");
    let path = journal_dir.path().join("galley.tfstate");
    std::fs::write(
        state::journal::journal_path(&path),
        encrypted_journal_bytes(),
    )
    .expect("write");
    let loaded = LocalBackend::new(&path)
        .with_encryption(Some(encryption()))
        .load()
        .expect("encrypted journal replays")
        .expect("a state");
    assert_eq!(loaded.instance_count(), 1);
}

// ---------------------------------------------------------------------------------------
// Files over their size limit, and endless ones.

/// A file of `size` bytes that takes no disk space (sparse).
fn sparse(path: &std::path::Path, size: u64) {
    std::fs::File::create(path)
        .and_then(|f| f.set_len(size))
        .expect("create a sparse file");
}

/// The details of every diagnostic, unwrapped.
fn details(diags: &Diagnostics) -> String {
    diags
        .iter()
        .filter_map(|d| d.detail.clone())
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn files_over_their_size_limit_are_refused_naming_the_limit() {
    use engine::limits;
    let dir = tempfile::tempdir().expect("temp dir");
    let d = dir.path();
    let sources = SourceMap::new();

    sparse(&d.join("main.tf"), limits::CONFIG.max + 1);
    let (_, diags) = load_config(d, &sources);
    let shown = details(&diags);
    assert!(
        shown.contains("main.tf is 64.0 MiB (67108865 bytes), more than the 64 MiB limit for a configuration file"),
        "{shown}"
    );
    std::fs::remove_file(d.join("main.tf")).expect("remove");

    sparse(&d.join("x.tfvars"), limits::VARIABLES.max + 1);
    let cli = [CliVar::File(PathBuf::from("x.tfvars"))];
    let (_, diags) = vars::collect(d, &cli, &[], &sources);
    let shown = details(&diags);
    assert!(shown.contains("limit for a variables file"), "{shown}");

    let state_path = d.join("galley.tfstate");
    sparse(&state_path, limits::STATE.max + 1);
    let e = LocalBackend::new(&state_path).load().expect_err("refused");
    assert!(e.to_string().contains("limit for a state file"), "{e}");
    std::fs::remove_file(&state_path).expect("remove");

    sparse(
        &state::journal::journal_path(&state_path),
        limits::JOURNAL.max + 1,
    );
    let e = LocalBackend::new(&state_path).load().expect_err("refused");
    assert!(e.to_string().contains("limit for a state journal"), "{e}");

    sparse(&state::lock_path(&state_path), limits::LOCK.max + 1);
    let e = state::read_lock(&state_path).expect_err("refused");
    assert!(e.to_string().contains("limit for a lock file"), "{e}");

    sparse(&d.join("tfplan"), limits::PLAN.max + 1);
    let e = Plan::read_file(&d.join("tfplan")).expect_err("refused");
    assert!(e.to_string().contains("limit for a plan file"), "{e}");
}

/// A file whose length says nothing of how much it holds (a device, a FIFO) is read up to
/// its limit, not forever.
#[cfg(unix)]
#[test]
fn endless_files_are_refused_after_their_limit() {
    let dir = tempfile::tempdir().expect("temp dir");
    let state_path = dir.path().join("galley.tfstate");
    std::os::unix::fs::symlink("/dev/zero", state::lock_path(&state_path)).expect("symlink");
    let e = bounded("read_lock", move || {
        state::read_lock(&state_path)
            .expect_err("refused")
            .to_string()
    });
    assert!(
        e.contains("holds more than the 1 MiB limit for a lock file"),
        "{e}"
    );
    let shown = bounded("vars::collect", || {
        let sources = SourceMap::new();
        let cli = [CliVar::File(PathBuf::from("/dev/zero"))];
        let (_, diags) = vars::collect(std::path::Path::new("."), &cli, &[], &sources);
        details(&diags)
    });
    assert!(
        shown.contains("/dev/zero holds more than the 64 MiB limit for a variables file"),
        "{shown}"
    );
}

// ---------------------------------------------------------------------------------------
// Regressions: inputs that once failed the properties above.

/// A `.tf` file that is not UTF-8 got a one-byte span into the three-byte replacement
/// character shown for it, which split the character (found with the byte `0x80`).
#[test]
fn regression_invalid_utf8_in_a_tf_file_is_located_on_character_boundaries() {
    check_tf(vec![0x80]);
    check_tf(b"locals {\n  a = 1\n}\n\xff\xfe".to_vec());
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::write(dir.path().join("main.tf"), b"a = 1\n\xc3").expect("write");
    let sources = SourceMap::new();
    let (_c, diags) = load_config(dir.path(), &sources);
    let d = diags.iter().next().expect("a diagnostic");
    assert_eq!(d.summary, "Invalid UTF-8");
    let span = d.span.expect("a location");
    assert_eq!(span.range(), 6..9, "the replacement character");
    assert_eq!(sources.snippet(span), "\u{fffd}");
}

/// A state nested deeper than serde_json reads (`{"o":{"o":…}}` is skipped without a
/// limit, `[[[…]]]` is not) was blamed on a missing "version" field; it is now reported
/// as malformed, with where.
#[test]
fn regression_state_nested_too_deep_is_malformed_with_a_location() {
    let deep = nested("[", "1", "]", 200);
    match state::decode(deep.as_bytes()) {
        Err(StateError::Malformed { line, message, .. }) => {
            assert_eq!(line, 1);
            assert!(message.contains("recursion limit"), "{message}");
        }
        other => panic!("expected a malformed state, got {other:?}"),
    }
}
