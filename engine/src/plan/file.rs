//! Saved plan files (`plan -out FILE`): JSON that keeps unknowns and sensitive marks,
//! with what binds the plan to its configuration and state, and a checksum of the whole.
//!
//! The checksum is the SHA-256 of the document without its `checksum` member, as
//! serde_json writes it; it is the document's last member. It catches a plan edited or
//! damaged after galley wrote it; it is no signature (anyone can compute it again).
//!
//! With an [`Encryption`] key ([`Plan::to_file_with`]), the whole file is encrypted
//! ([`crate::crypt`]): the plan holds the prior state and the values of sensitive
//! attributes. AES-GCM's tag then also authenticates it.

use std::collections::BTreeMap;
use std::path::Path;

use serde_json::{json, Value as J};

use super::binding::{sha256_hex, ConfigDigest};
use super::{Action, OutputChange, Plan, ResourceChange};
use crate::crypt::{self, CryptError, Encryption, Kind};
use crate::diag::Diagnostics;
use crate::limits::{self, ReadError};
use crate::value::Value;

/// The format version written into plan files.
const FORMAT: &str = "galley-plan-2";

/// Formats of plan files written by earlier galleys, which this one refuses.
const OLD_FORMATS: &[&str] = &["galley-plan-1"];

/// Why a plan file cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum PlanFileError {
    /// Not a plan file this galley can read.
    #[error("invalid plan file: {0}")]
    Invalid(String),
    /// Written by an earlier galley, in a format this one no longer reads.
    #[error("the plan file has format {found}, written by an earlier galley; this galley reads only {FORMAT} plan files. Run galley plan -out again")]
    OldFormat {
        /// The format found.
        found: String,
    },
    /// The content does not match its checksum.
    #[error("the plan file was modified after galley wrote it (checksum mismatch); run galley plan -out again")]
    Modified,
    /// The file cannot be read.
    #[error("cannot read plan file {path}: {source}")]
    Read {
        /// The file, as shown.
        path: String,
        /// Why.
        source: std::io::Error,
    },
    /// The file is larger than a plan file can be.
    #[error("{0}")]
    TooLarge(limits::TooLarge),
    /// An encrypted plan that cannot be decrypted with the keys set, a plain-text one
    /// read with a key set, or a plan that cannot be encrypted.
    #[error("{0}")]
    Crypt(#[from] CryptError),
    /// One of the other errors, in the named file.
    #[error("{path}: {source}")]
    In {
        /// The file, as shown.
        path: String,
        /// What is wrong with it.
        source: Box<PlanFileError>,
    },
}

fn invalid(message: impl Into<String>) -> PlanFileError {
    PlanFileError::Invalid(message.into())
}

fn enc(v: &Value) -> J {
    match v {
        Value::Null => J::Null,
        Value::Bool(b) => J::Bool(*b),
        Value::Number(_) => v.to_json(),
        Value::String(s) => J::String(s.clone()),
        Value::List(i) => json!({"l": i.iter().map(enc).collect::<Vec<_>>()}),
        Value::Set(i) => json!({"S": i.iter().map(enc).collect::<Vec<_>>()}),
        Value::Tuple(i) => json!({"t": i.iter().map(enc).collect::<Vec<_>>()}),
        Value::Map(m) => {
            json!({"m": m.iter().map(|(k, v)| (k.clone(), enc(v))).collect::<serde_json::Map<_, _>>()})
        }
        Value::Object(m) => {
            json!({"o": m.iter().map(|(k, v)| (k.clone(), enc(v))).collect::<serde_json::Map<_, _>>()})
        }
        Value::Unknown => json!({"u": true}),
        Value::Sensitive(inner) => json!({"s": enc(inner)}),
    }
}

fn dec(j: &J) -> Result<Value, PlanFileError> {
    let bad = || invalid(format!("unexpected value {j}"));
    Ok(match j {
        J::Null => Value::Null,
        J::Bool(b) => Value::Bool(*b),
        J::Number(n) => Value::Number(n.as_f64().ok_or_else(bad)?),
        J::String(s) => Value::String(s.clone()),
        J::Array(_) => return Err(bad()),
        J::Object(o) => {
            let (tag, inner) = o.iter().next().ok_or_else(bad)?;
            let seq = |x: &J| -> Result<Vec<Value>, PlanFileError> {
                x.as_array().ok_or_else(bad)?.iter().map(dec).collect()
            };
            let map = |x: &J| -> Result<crate::value::ValueMap, PlanFileError> {
                x.as_object()
                    .ok_or_else(bad)?
                    .iter()
                    .map(|(k, v)| Ok((k.clone(), dec(v)?)))
                    .collect()
            };
            match tag.as_str() {
                "l" => Value::List(seq(inner)?),
                "S" => Value::Set(seq(inner)?),
                "t" => Value::Tuple(seq(inner)?),
                "m" => Value::Map(map(inner)?),
                "o" => Value::Object(map(inner)?),
                "u" => Value::Unknown,
                "s" => dec(inner)?.mark(),
                _ => return Err(bad()),
            }
        }
    })
}

fn opt(v: &Option<Value>) -> J {
    v.as_ref().map(enc).unwrap_or(J::Null)
}

fn dec_opt(j: Option<&J>) -> Result<Option<Value>, PlanFileError> {
    match j {
        None | Some(J::Null) => Ok(None),
        Some(j) => dec(j).map(Some),
    }
}

impl Plan {
    /// Serializes the plan for `apply PLANFILE`.
    pub fn to_file(&self) -> Vec<u8> {
        let doc = json!({
            "format": FORMAT,
            "state_serial": self.state_serial,
            "state_lineage": self.state_lineage,
            "state_sha256": self.state_digest,
            "configuration": self.configuration.0,
            "destroy": self.destroy,
            "variables": self.variables.iter().map(|(k, v)| (k.clone(), enc(v))).collect::<serde_json::Map<_, _>>(),
            "changes": self.changes.iter().map(|c| json!({
                "address": c.addr.to_string(),
                "action": c.action.as_str(),
                "provider": c.provider,
                "before": opt(&c.before),
                "after": opt(&c.after),
                "replace_paths": c.replace_paths,
                "create_before_destroy": c.create_before_destroy,
                "reason": c.reason,
                "moved_from": c.moved_from.as_ref().map(|m| m.to_string()),
                "importing": c.importing,
                "deposed": c.deposed,
            })).collect::<Vec<_>>(),
            "outputs": self.outputs.iter().map(|(k, o)| (k.clone(), json!({
                "action": o.action.as_str(), "before": opt(&o.before), "after": opt(&o.after), "sensitive": o.sensitive,
            }))).collect::<serde_json::Map<_, _>>(),
            // The refreshed state the plan was made from, in the state file's format.
            "prior_state": self.prior_state.as_ref()
                .and_then(|s| crate::state::encode(s).ok())
                .and_then(|b| serde_json::from_slice::<J>(&b).ok()),
        });
        let mut bytes = serde_json::to_vec(&doc).unwrap_or_default();
        // The checksum goes in as the last member: `…}` becomes `…,"checksum":"…"}`.
        let sum = sha256_hex(&bytes);
        if bytes.pop() == Some(b'}') {
            bytes.extend_from_slice(format!(",\"checksum\":\"{sum}\"}}").as_bytes());
        }
        bytes
    }

    /// The plan file as [`Plan::to_file`] makes it, encrypted when `enc` has a key to
    /// write with.
    pub fn to_file_with(&self, enc: Option<&Encryption>) -> Result<Vec<u8>, PlanFileError> {
        let plain = self.to_file();
        Ok(crypt::seal(enc, Kind::Plan, &plain)?.into_owned())
    }

    /// Reads the plan file at `path` (at most [`limits::PLAN`] bytes) with
    /// [`Plan::from_file`]; every error names the file.
    pub fn read_file(path: &Path) -> Result<Plan, PlanFileError> {
        Plan::read_file_with(path, None)
    }

    /// [`Plan::read_file`] of a plan file that may be encrypted as `enc` says.
    pub fn read_file_with(path: &Path, enc: Option<&Encryption>) -> Result<Plan, PlanFileError> {
        let shown = crate::diag::display_path(path);
        let limit = match enc {
            Some(_) => limits::PLAN.encrypted(),
            None => limits::PLAN,
        };
        let bytes = limits::read(path, limit).map_err(|e| match e {
            ReadError::TooLarge(t) => PlanFileError::TooLarge(t),
            ReadError::Io(source) => PlanFileError::Read {
                path: shown.clone(),
                source,
            },
        })?;
        Plan::from_file_with(&bytes, enc).map_err(|e| PlanFileError::In {
            path: shown,
            source: Box::new(e),
        })
    }

    /// Reads a plan written by [`Plan::to_file`], refusing one whose checksum does not
    /// match its content, and an encrypted one (which needs [`Plan::from_file_with`]).
    pub fn from_file(bytes: &[u8]) -> Result<Plan, PlanFileError> {
        Plan::from_file_with(bytes, None)
    }

    /// [`Plan::from_file`] of a plan that may be encrypted as `enc` says: decrypted when it
    /// is encrypted; when it is not, read only if `enc` allows plain-text files.
    pub fn from_file_with(bytes: &[u8], enc: Option<&Encryption>) -> Result<Plan, PlanFileError> {
        let plain = crypt::open(enc, Kind::Plan, bytes)?;
        Plan::from_plain_file(&plain)
    }

    fn from_plain_file(bytes: &[u8]) -> Result<Plan, PlanFileError> {
        let mut doc: J = serde_json::from_slice(bytes)
            .map_err(|e| invalid(format!("not a galley plan ({e})")))?;
        match doc.get("format").and_then(J::as_str) {
            Some(FORMAT) => {}
            Some(old) if OLD_FORMATS.contains(&old) => {
                return Err(PlanFileError::OldFormat {
                    found: old.to_string(),
                })
            }
            _ => {
                return Err(invalid(format!(
                    "unsupported format {}; expected {FORMAT}",
                    doc["format"]
                )))
            }
        }
        verify_checksum(&mut doc)?;
        let s = |k: &str| doc[k].as_str().unwrap_or_default().to_string();
        let mut changes = Vec::new();
        for c in doc["changes"]
            .as_array()
            .ok_or_else(|| invalid("missing changes"))?
        {
            let addr = c["address"]
                .as_str()
                .unwrap_or_default()
                .parse()
                .map_err(|e| invalid(format!("{e}")))?;
            changes.push(ResourceChange {
                addr,
                action: Action::parse(c["action"].as_str().unwrap_or_default())
                    .ok_or_else(|| invalid("bad action"))?,
                provider: c["provider"].as_str().unwrap_or_default().to_string(),
                before: dec_opt(c.get("before"))?,
                after: dec_opt(c.get("after"))?,
                replace_paths: serde_json::from_value(c["replace_paths"].clone())
                    .unwrap_or_default(),
                create_before_destroy: c["create_before_destroy"].as_bool().unwrap_or(false),
                reason: c["reason"].as_str().map(str::to_string),
                moved_from: c["moved_from"].as_str().and_then(|m| m.parse().ok()),
                importing: c["importing"].as_str().map(str::to_string),
                deposed: c["deposed"].as_str().map(str::to_string),
            });
        }
        let mut outputs = BTreeMap::new();
        if let Some(o) = doc["outputs"].as_object() {
            for (k, v) in o {
                outputs.insert(
                    k.clone(),
                    OutputChange {
                        action: Action::parse(v["action"].as_str().unwrap_or_default())
                            .unwrap_or(Action::NoOp),
                        before: dec_opt(v.get("before"))?,
                        after: dec_opt(v.get("after"))?,
                        sensitive: v["sensitive"].as_bool().unwrap_or(false),
                    },
                );
            }
        }
        let mut variables = BTreeMap::new();
        if let Some(o) = doc["variables"].as_object() {
            for (k, v) in o {
                variables.insert(k.clone(), dec(v)?);
            }
        }
        let mut configuration = BTreeMap::new();
        for (path, sum) in doc["configuration"]
            .as_object()
            .ok_or_else(|| invalid("missing configuration"))?
        {
            let sum = sum
                .as_str()
                .ok_or_else(|| invalid(format!("bad digest of {path}")))?;
            configuration.insert(path.clone(), sum.to_string());
        }
        Ok(Plan {
            changes,
            outputs,
            state_serial: doc["state_serial"].as_u64().unwrap_or(0),
            state_lineage: s("state_lineage"),
            variables,
            diagnostics: Diagnostics::new(),
            destroy: doc["destroy"].as_bool().unwrap_or(false),
            upgrades: Vec::new(),
            prior_state: match doc.get("prior_state") {
                None | Some(J::Null) => None,
                Some(v) => Some(
                    serde_json::to_vec(v)
                        .ok()
                        .and_then(|b| crate::state::decode(&b).ok())
                        .ok_or_else(|| invalid("its prior state is damaged"))?,
                ),
            },
            configuration: ConfigDigest(configuration),
            state_digest: doc["state_sha256"]
                .as_str()
                .ok_or_else(|| invalid("missing state_sha256"))?
                .to_string(),
        })
    }
}

/// Takes the `checksum` member out of `doc` and checks it against the rest.
fn verify_checksum(doc: &mut J) -> Result<(), PlanFileError> {
    let Some(members) = doc.as_object_mut() else {
        return Err(invalid("not a JSON object"));
    };
    let Some(J::String(sum)) = members.shift_remove("checksum") else {
        return Err(PlanFileError::Modified);
    };
    let rest = serde_json::to_vec(doc).map_err(|e| invalid(e.to_string()))?;
    if sha256_hex(&rest) == sum {
        Ok(())
    } else {
        Err(PlanFileError::Modified)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plan_file_round_trips_unknowns_and_marks() {
        let v = Value::object([
            ("a", Value::Unknown),
            ("b", Value::string("x").mark()),
            ("c", Value::List(vec![Value::Number(1.5)])),
        ]);
        assert_eq!(dec(&enc(&v)).unwrap(), v);
        assert!(Plan::from_file(b"{}").is_err());
    }

    #[test]
    fn plan_file_keeps_moves_and_imports() {
        let c = ResourceChange {
            addr: "terraform_data.new".parse().unwrap(),
            action: Action::NoOp,
            provider: String::new(),
            before: None,
            after: None,
            replace_paths: Vec::new(),
            create_before_destroy: false,
            reason: None,
            moved_from: Some("module.a.terraform_data.old[0]".parse().unwrap()),
            importing: Some("id-1".into()),
            deposed: Some("0a1b2c3d".into()),
        };
        let mut state = crate::state::State::new();
        state.set_instance(
            &"terraform_data.x".parse().unwrap(),
            "provider[\"terraform\"]",
            crate::state::InstanceState::new(crate::value::Value::object([(
                "id",
                crate::value::Value::string("x-1"),
            )])),
        );
        let plan = Plan {
            changes: vec![c.clone()],
            prior_state: Some(state.clone()),
            ..Plan::default()
        };
        let back = Plan::from_file(&plan.to_file()).expect("reads back");
        assert_eq!(back.changes, vec![c]);
        assert_eq!(back.prior_state, Some(state), "apply starts from it");
    }

    /// A plan with a bit of everything a plan file keeps.
    fn sample() -> Plan {
        let mut state = crate::state::State::new();
        state.serial = 4;
        state.set_instance(
            &"terraform_data.x".parse().unwrap(),
            "provider[\"terraform\"]",
            crate::state::InstanceState::new(Value::object([("id", Value::string("x-1"))])),
        );
        Plan {
            changes: vec![ResourceChange {
                addr: "terraform_data.x".parse().unwrap(),
                action: Action::Update,
                provider: "provider[\"terraform\"]".into(),
                before: Some(Value::object([("id", Value::string("x-1"))])),
                after: Some(Value::object([("id", Value::Unknown)])),
                replace_paths: Vec::new(),
                create_before_destroy: false,
                reason: None,
                moved_from: None,
                importing: None,
                deposed: None,
            }],
            outputs: [(
                "o".to_string(),
                OutputChange {
                    action: Action::Create,
                    before: None,
                    after: Some(Value::string("v").mark()),
                    sensitive: true,
                },
            )]
            .into(),
            state_serial: 4,
            state_lineage: state.lineage.clone(),
            variables: [("n".to_string(), Value::Number(1.5))].into(),
            state_digest: super::super::state_digest(&state),
            configuration: ConfigDigest(
                [
                    ("main.tf".to_string(), sha256_hex(b"a")),
                    ("modules/net/main.tf".to_string(), sha256_hex(b"b")),
                ]
                .into(),
            ),
            prior_state: Some(state),
            ..Plan::default()
        }
    }

    #[test]
    fn a_plan_file_round_trips_with_its_configuration_and_state_digests() {
        let plan = sample();
        let bytes = plan.to_file();
        let text = String::from_utf8(bytes.clone()).unwrap();
        assert!(text.starts_with("{\"format\":\"galley-plan-2\""), "{text}");
        assert!(text.contains(",\"checksum\":\""), "last member: {text}");
        let back = Plan::from_file(&bytes).expect("reads back");
        assert_eq!(back.changes, plan.changes);
        assert_eq!(back.outputs, plan.outputs);
        assert_eq!(back.variables, plan.variables);
        assert_eq!(back.state_serial, 4);
        assert_eq!(back.state_lineage, plan.state_lineage);
        assert_eq!(back.state_digest, plan.state_digest);
        assert_eq!(back.configuration, plan.configuration);
        assert_eq!(back.prior_state, plan.prior_state);
        assert_eq!(back.to_file(), bytes, "written again the same");
        // The checksum is of the content, not of its layout.
        let doc: J = serde_json::from_slice(&bytes).unwrap();
        let pretty = serde_json::to_vec_pretty(&doc).unwrap();
        assert!(Plan::from_file(&pretty).is_ok());
    }

    #[test]
    fn a_plan_file_edited_after_it_was_written_is_refused() {
        let bytes = sample().to_file();
        let text = String::from_utf8(bytes).unwrap();
        let at = text.find("\"prior_state\"").unwrap();
        let id = at + text[at..].find("x-1").unwrap();
        // One byte inside the prior state; still valid JSON and a valid state.
        let mut edited = text.clone().into_bytes();
        edited[id + 2] = b'2';
        assert!(serde_json::from_slice::<J>(&edited).is_ok());
        let e = Plan::from_file(&edited).unwrap_err();
        assert!(matches!(e, PlanFileError::Modified), "{e:?}");
        assert_eq!(
            e.to_string(),
            "the plan file was modified after galley wrote it (checksum mismatch); run galley plan -out again"
        );
        // A change, the serial, a configuration digest, the checksum itself.
        for (from, to) in [
            ("\"update\"", "\"delete\""),
            ("\"state_serial\":4", "\"state_serial\":5"),
            ("\"main.tf\":\"c", "\"main.tf\":\"d"),
            ("\"checksum\":\"", "\"checksum\":\"0"),
        ] {
            assert!(text.contains(from), "{from} in {text}");
            let edited = text.replacen(from, to, 1);
            assert!(
                matches!(
                    Plan::from_file(edited.as_bytes()),
                    Err(PlanFileError::Modified)
                ),
                "{from} -> {to}"
            );
        }
        let mut doc: J = serde_json::from_str(&text).unwrap();
        doc.as_object_mut().unwrap().shift_remove("checksum");
        assert!(matches!(
            Plan::from_file(&serde_json::to_vec(&doc).unwrap()),
            Err(PlanFileError::Modified)
        ));
    }

    #[test]
    fn a_plan_file_of_an_earlier_galley_is_refused_with_what_to_do() {
        let old = r#"{"format":"galley-plan-1","state_serial":1,"state_lineage":"l","destroy":false,"variables":{},"changes":[],"outputs":{},"prior_state":null}"#;
        let e = Plan::from_file(old.as_bytes()).unwrap_err();
        assert!(matches!(e, PlanFileError::OldFormat { .. }), "{e:?}");
        assert_eq!(
            e.to_string(),
            "the plan file has format galley-plan-1, written by an earlier galley; this galley reads only galley-plan-2 plan files. Run galley plan -out again"
        );
        let e = Plan::from_file(br#"{"format":"galley-plan-9"}"#).unwrap_err();
        assert!(
            e.to_string()
                .contains("unsupported format \"galley-plan-9\"; expected galley-plan-2"),
            "{e}"
        );
    }

    #[test]
    fn reading_a_plan_file_names_it_in_every_error() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("tfplan");
        let e = Plan::read_file(&path).unwrap_err();
        assert!(matches!(e, PlanFileError::Read { .. }), "{e:?}");
        assert!(e.to_string().starts_with("cannot read plan file "), "{e}");
        assert!(e.to_string().contains("tfplan"), "{e}");

        std::fs::write(&path, b"{}").unwrap();
        let e = Plan::read_file(&path).unwrap_err();
        assert!(
            e.to_string().ends_with(
                "tfplan: invalid plan file: unsupported format null; expected galley-plan-2"
            ),
            "{e}"
        );

        std::fs::write(&path, sample().to_file()).unwrap();
        assert_eq!(Plan::read_file(&path).unwrap().changes, sample().changes);
    }

    #[test]
    fn an_encrypted_plan_file_round_trips_and_hides_its_sensitive_values() {
        const PLANTED: &str = "planted-5e8a1c3d-secret";
        let mut plan = sample();
        if let Some(o) = plan.outputs.get_mut("o") {
            o.after = Some(Value::string(PLANTED).mark());
        }
        let enc = Encryption::new(crate::crypt::test_key(1));
        let bytes = plan.to_file_with(Some(&enc)).unwrap();
        assert!(crate::crypt::is_envelope(&bytes));
        assert!(
            !bytes
                .windows(PLANTED.len())
                .any(|w| w == PLANTED.as_bytes()),
            "no secret in plain text"
        );
        assert!(
            !bytes.windows(3).any(|w| w == b"x-1"),
            "nor the prior state"
        );
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("tfplan");
        std::fs::write(&path, &bytes).unwrap();
        let back = Plan::read_file_with(&path, Some(&enc)).unwrap();
        assert_eq!(back.outputs, plan.outputs);
        assert_eq!(back.changes, plan.changes);
        assert_eq!(back.prior_state, plan.prior_state);
        assert_eq!(back.to_file(), plan.to_file());

        let id = crate::crypt::test_key(1).id().to_string();
        let e = Plan::read_file(&path).unwrap_err().to_string();
        assert!(
            e.ends_with(&format!("tfplan: the plan is encrypted (with key {id}), and no key is set: set GALLEY_ENCRYPTION_KEY (or GALLEY_ENCRYPTION_KEY_FILE) to the key it was encrypted with")),
            "{e}"
        );
        let other = Encryption::new(crate::crypt::test_key(2));
        let e = Plan::read_file_with(&path, Some(&other))
            .unwrap_err()
            .to_string();
        assert!(
            e.contains(&format!("tfplan: the plan was encrypted with key {id}")),
            "{e}"
        );
        let rotating =
            Encryption::new(crate::crypt::test_key(2)).with_old_key(crate::crypt::test_key(1));
        assert!(Plan::read_file_with(&path, Some(&rotating)).is_ok());
    }

    #[test]
    fn a_plain_text_plan_with_a_key_set_and_a_modified_encrypted_one_are_refused() {
        let enc = Encryption::new(crate::crypt::test_key(1));
        let plain = sample().to_file();
        let e = Plan::from_file_with(&plain, Some(&enc)).unwrap_err();
        assert!(
            matches!(e, PlanFileError::Crypt(CryptError::Plaintext { .. })),
            "{e:?}"
        );
        let fallback = Encryption::new(crate::crypt::test_key(1)).with_plaintext_fallback(true);
        assert!(Plan::from_file_with(&plain, Some(&fallback)).is_ok());

        let sealed = String::from_utf8(sample().to_file_with(Some(&enc)).unwrap()).unwrap();
        let at = sealed.find("\"ciphertext\":\"").unwrap() + 20;
        let mut edited = sealed.into_bytes();
        edited[at] = if edited[at] == b'A' { b'B' } else { b'A' };
        let e = Plan::from_file_with(&edited, Some(&enc)).unwrap_err();
        assert_eq!(
            e.to_string(),
            "the plan cannot be decrypted: authentication failed: the file was modified or is damaged"
        );
        // An encrypted state is not a plan.
        let state = crate::crypt::seal(Some(&enc), Kind::State, b"{}").unwrap();
        let e = Plan::from_file_with(&state, Some(&enc)).unwrap_err();
        assert_eq!(
            e.to_string(),
            "this is an encrypted galley state, not a plan"
        );
    }

    #[test]
    fn a_plan_file_over_its_limit_is_refused_before_it_is_read() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("huge.plan");
        crate::limits::sparse_file(&path, limits::PLAN.max + 1);
        let e = Plan::read_file(&path).unwrap_err();
        assert!(matches!(e, PlanFileError::TooLarge(_)), "{e:?}");
        let msg = e.to_string();
        assert!(
            msg.contains("huge.plan is 512.0 MiB (536870913 bytes), more than the 512 MiB limit for a plan file; check that it is a plan file written by galley plan -out"),
            "{msg}"
        );
    }
}
