//! Client-side encryption of state files, their journals and saved plans: AES-256-GCM
//! with a key from the environment, as OpenTofu's state encryption offers.
//!
//! [`Encryption::from_env`] reads the settings:
//!
//! - `GALLEY_ENCRYPTION_KEY`: the key, 32 random bytes in base64
//!   (`head -c 32 /dev/urandom | base64`); or `GALLEY_ENCRYPTION_KEY_FILE`: a file holding
//!   that text, or the 32 bytes themselves. Every file galley writes is encrypted with it.
//! - `GALLEY_ENCRYPTION_KEY_OLD` / `GALLEY_ENCRYPTION_KEY_OLD_FILE`: the previous key, for a
//!   rotation: files encrypted with it are still read, and written again with the new key.
//!   Set alone (no new key), it turns encryption off: files are read with it and written in
//!   plain text.
//! - `GALLEY_ENCRYPTION_FALLBACK=plaintext`: files that are not encrypted are read too (to
//!   encrypt an existing state). Without it, a key set and a plain-text file is an error,
//!   so that nobody can slip in a plain-text state of their own making.
//!
//! A whole file (state, plan) becomes a JSON envelope, its first member always
//! `galley_encrypted` ([`is_envelope`]):
//!
//! ```text
//! {"galley_encrypted":1,"kind":"state","algorithm":"AES-256-GCM","key_id":"<16 hex>","nonce":"<base64>","ciphertext":"<base64>"}
//! ```
//!
//! A journal is encrypted one line at a time (`{"k":"<key id>","e":"<base64 nonce,
//! ciphertext and tag>"}`), so a record is still appended with one write and a torn last
//! line is still dropped. Each encryption takes a random 96-bit nonce. The associated data
//! names the kind of file (`galley state`, `galley plan`; a journal line adds its state's
//! lineage and serial and its line number), so one file, or line, cannot be passed off as
//! another. The key id is the first 16 hex digits of the key's SHA-256: it tells which key
//! a file needs without saying anything about the key.

use std::borrow::Cow;
use std::fmt;
use std::path::Path;

use aws_lc_rs::aead::{Aad, Nonce, RandomizedNonceKey, AES_256_GCM, NONCE_LEN};
use base64::engine::general_purpose::{STANDARD, STANDARD_PAD_INDIFFERENT};
use base64::Engine;
use sha2::{Digest, Sha256};

use crate::limits::{self, Limit, ReadError};

/// The key, as base64 text.
pub const KEY_VAR: &str = "GALLEY_ENCRYPTION_KEY";
/// A file holding the key (base64 text, or the 32 bytes).
pub const KEY_FILE_VAR: &str = "GALLEY_ENCRYPTION_KEY_FILE";
/// The previous key, as base64 text: read with, never written with.
pub const OLD_KEY_VAR: &str = "GALLEY_ENCRYPTION_KEY_OLD";
/// A file holding the previous key.
pub const OLD_KEY_FILE_VAR: &str = "GALLEY_ENCRYPTION_KEY_OLD_FILE";
/// `plaintext`: files that are not encrypted are read too.
pub const FALLBACK_VAR: &str = "GALLEY_ENCRYPTION_FALLBACK";

/// The cipher, as the envelope names it.
pub const ALGORITHM: &str = "AES-256-GCM";
/// The envelope format this galley writes and reads.
pub const ENVELOPE_VERSION: u64 = 1;
/// Bytes in a key.
pub const KEY_LEN: usize = 32;

/// How to make a key, for messages.
const MAKE_KEY: &str =
    "a key is 32 random bytes in base64: make one with `head -c 32 /dev/urandom | base64`";

/// A key file is a line of base64 or 32 bytes; anything much larger is not a key file.
const KEY_FILE: Limit = Limit {
    max: 4096,
    what: "key file",
    advice: "a key file holds 32 bytes, or their base64 text; check the path",
};

/// The kind of file encrypted, which its associated data names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// A state file (and its `.backup`).
    State,
    /// A saved plan (`plan -out`).
    Plan,
    /// A line of an apply journal.
    Journal,
}

impl Kind {
    /// The name in the envelope and in messages: `state`.
    pub fn name(self) -> &'static str {
        match self {
            Kind::State => "state",
            Kind::Plan => "plan",
            Kind::Journal => "journal",
        }
    }

    fn parse(name: &str) -> Option<Kind> {
        [Kind::State, Kind::Plan, Kind::Journal]
            .into_iter()
            .find(|k| k.name() == name)
    }

    fn aad(self) -> &'static str {
        match self {
            Kind::State => "galley state",
            Kind::Plan => "galley plan",
            Kind::Journal => "galley journal",
        }
    }
}

/// Why a file cannot be encrypted or decrypted, or the settings cannot be used. Messages
/// say what to do; none ever holds key material.
#[derive(Debug, thiserror::Error)]
pub enum CryptError {
    /// A key that is not 32 bytes of base64.
    #[error("{source_name} is not a usable key: {why}; {MAKE_KEY}")]
    BadKey {
        /// Where the key came from: `GALLEY_ENCRYPTION_KEY`, or the file of `..._FILE`.
        source_name: String,
        /// What is wrong with it (never the key itself).
        why: String,
    },
    /// The encryption settings contradict each other or have a value galley does not know.
    #[error("{0}")]
    Settings(String),
    /// A key file that cannot be read.
    #[error("cannot read the key file {path} (named by {var}): {why}")]
    KeyFile {
        /// The variable that names it.
        var: &'static str,
        /// The file, as shown.
        path: String,
        /// Why.
        why: String,
    },
    /// An encrypted file, and no key set.
    #[error("the {kind} is encrypted (with key {key_id}), and no key is set: set {KEY_VAR} (or {KEY_FILE_VAR}) to the key it was encrypted with")]
    NoKey {
        /// `state`, `plan` or `journal`.
        kind: &'static str,
        /// The id of the key it was encrypted with.
        key_id: String,
    },
    /// An encrypted file, and none of the keys set is the one it was encrypted with.
    #[error("the {kind} was encrypted with key {key_id}, but {}: set {KEY_VAR} to the key it was encrypted with or, if you are rotating keys, put the previous key in {OLD_KEY_VAR}", match tried.as_slice() {
        [one] => format!("the key set is {one}"),
        many => format!("the keys set are {}", many.join(" and ")),
    })]
    WrongKey {
        /// `state`, `plan` or `journal`.
        kind: &'static str,
        /// The id of the key it was encrypted with.
        key_id: String,
        /// The ids of the keys set, each with its role: `3c4d… (current)`.
        tried: Vec<String>,
    },
    /// The key matches, and the content does not: it was changed after it was encrypted.
    #[error("the {kind} cannot be decrypted: authentication failed: the file was modified or is damaged")]
    Tampered {
        /// `state`, `plan` or `journal`.
        kind: &'static str,
    },
    /// A file that is not encrypted, read with a key set and no plain-text fallback.
    #[error("the {kind} is not encrypted, but an encryption key is set ({KEY_VAR} or {KEY_FILE_VAR}): galley reads only encrypted files then, so that nobody can slip in a plain-text one. To encrypt an existing plain-text file, set {FALLBACK_VAR}=plaintext for one run (`galley state rekey` encrypts the state)")]
    Plaintext {
        /// `state`, `plan` or `journal`.
        kind: &'static str,
    },
    /// An encrypted file of another kind (a plan where the state should be...).
    #[error("this is an encrypted galley {found}, not a {expected}")]
    WrongKind {
        /// The kind expected here.
        expected: &'static str,
        /// The kind the envelope says.
        found: &'static str,
    },
    /// An envelope galley cannot read: damaged, or of another version or algorithm.
    #[error("the encrypted {kind} is damaged or not one galley wrote: {why}")]
    Malformed {
        /// `state`, `plan` or `journal`.
        kind: &'static str,
        /// What is wrong.
        why: String,
    },
    /// Encryption itself failed (the system's random number generator).
    #[error("cannot encrypt the {kind}: the cipher failed (no random numbers?)")]
    Seal {
        /// `state`, `plan` or `journal`.
        kind: &'static str,
    },
}

impl CryptError {
    /// Whether the file itself is at fault (damaged, modified, of another kind), rather
    /// than the keys set.
    pub fn is_damage(&self) -> bool {
        matches!(
            self,
            CryptError::Tampered { .. }
                | CryptError::Malformed { .. }
                | CryptError::WrongKind { .. }
        )
    }
}

/// An AES-256 key and its id.
pub struct Key {
    id: String,
    cipher: RandomizedNonceKey,
}

impl fmt::Debug for Key {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Key").field("id", &self.id).finish()
    }
}

impl Key {
    /// A key from its 32 bytes; `source_name` says where they came from, for messages.
    pub fn from_bytes(bytes: &[u8], source_name: &str) -> Result<Key, CryptError> {
        let bad = |why: String| CryptError::BadKey {
            source_name: source_name.to_string(),
            why,
        };
        if bytes.len() != KEY_LEN {
            return Err(bad(format!("it is {} bytes, not {KEY_LEN}", bytes.len())));
        }
        let cipher = RandomizedNonceKey::new(&AES_256_GCM, bytes)
            .map_err(|_| bad("the cipher refused it".to_string()))?;
        let id = Sha256::digest(bytes)
            .iter()
            .take(8)
            .map(|b| format!("{b:02x}"))
            .collect();
        Ok(Key { id, cipher })
    }

    /// A key from its base64 text (white space around it is ignored).
    pub fn from_base64(text: &str, source_name: &str) -> Result<Key, CryptError> {
        let text = text.trim();
        if text.is_empty() {
            return Err(CryptError::BadKey {
                source_name: source_name.to_string(),
                why: "it is empty".to_string(),
            });
        }
        // The decoder's error would quote a character of the key: say only that it failed.
        let bytes = STANDARD_PAD_INDIFFERENT
            .decode(text)
            .map_err(|_| CryptError::BadKey {
                source_name: source_name.to_string(),
                why: "it is not base64".to_string(),
            })?;
        Key::from_bytes(&bytes, source_name)
    }

    /// The key read from the file at `path`: base64 text, or exactly 32 bytes.
    pub fn from_file(path: &Path, var: &'static str) -> Result<Key, CryptError> {
        let shown = crate::diag::display_path(path);
        let bytes = limits::read(path, KEY_FILE).map_err(|e| CryptError::KeyFile {
            var,
            path: shown.clone(),
            why: match e {
                ReadError::TooLarge(t) => t.why(),
                ReadError::Io(e) => e.to_string(),
            },
        })?;
        let source_name = format!("the key file {shown} (named by {var})");
        if bytes.len() == KEY_LEN {
            // 32 bytes of base64 text decode to 24: 32 bytes are the key itself.
            return Key::from_bytes(&bytes, &source_name);
        }
        match std::str::from_utf8(&bytes) {
            Ok(text) => Key::from_base64(text, &source_name),
            Err(_) => Err(CryptError::BadKey {
                source_name,
                why: format!("it is {} bytes and not base64 text", bytes.len()),
            }),
        }
    }

    /// The key's id: the first 16 hex digits of its SHA-256.
    pub fn id(&self) -> &str {
        &self.id
    }

    /// Encrypts `plain` with a new random nonce: returns the nonce, and the ciphertext
    /// followed by the tag.
    fn seal(&self, kind: Kind, aad: &[u8], plain: &[u8]) -> Result<(Vec<u8>, Vec<u8>), CryptError> {
        let mut data = plain.to_vec();
        let nonce = self
            .cipher
            .seal_in_place_append_tag(Aad::from(aad), &mut data)
            .map_err(|_| CryptError::Seal { kind: kind.name() })?;
        Ok((nonce.as_ref().to_vec(), data))
    }

    /// Decrypts and authenticates `data` (ciphertext and tag).
    fn open(
        &self,
        kind: Kind,
        aad: &[u8],
        nonce: &[u8],
        mut data: Vec<u8>,
    ) -> Result<Vec<u8>, CryptError> {
        let nonce: [u8; NONCE_LEN] = nonce.try_into().map_err(|_| CryptError::Malformed {
            kind: kind.name(),
            why: format!("its nonce is {} bytes, not {NONCE_LEN}", nonce.len()),
        })?;
        let plain_len = self
            .cipher
            .open_in_place(Nonce::from(&nonce), Aad::from(aad), &mut data)
            .map_err(|_| CryptError::Tampered { kind: kind.name() })?
            .len();
        data.truncate(plain_len);
        Ok(data)
    }
}

/// The encryption settings of a run: the key files are written with, the previous key
/// files may still be read with, and whether plain-text files are read.
#[derive(Debug)]
pub struct Encryption {
    key: Option<Key>,
    old: Option<Key>,
    fallback_plaintext: bool,
}

impl Encryption {
    /// Encrypts every file with `key`, and reads only files encrypted with it.
    pub fn new(key: Key) -> Encryption {
        Encryption {
            key: Some(key),
            old: None,
            fallback_plaintext: false,
        }
    }

    /// Turns encryption off: reads files encrypted with `old` (and plain-text ones),
    /// writes plain text.
    pub fn decrypt_only(old: Key) -> Encryption {
        Encryption {
            key: None,
            old: Some(old),
            fallback_plaintext: true,
        }
    }

    /// Also reads files encrypted with `old` (a key rotation).
    pub fn with_old_key(mut self, old: Key) -> Encryption {
        self.old = Some(old);
        self
    }

    /// With `on`, also reads files that are not encrypted (to encrypt an existing state).
    pub fn with_plaintext_fallback(mut self, on: bool) -> Encryption {
        self.fallback_plaintext = on || self.key.is_none();
        self
    }

    /// The settings from the environment variables this module names, read with `get`
    /// (`|k| std::env::var(k).ok()`); `None` when neither key is set: files are plain text.
    pub fn from_env(
        get: impl Fn(&str) -> Option<String>,
    ) -> Result<Option<Encryption>, CryptError> {
        let key = key_from_env(&get, KEY_VAR, KEY_FILE_VAR, false)?;
        let old = key_from_env(&get, OLD_KEY_VAR, OLD_KEY_FILE_VAR, true)?;
        let fallback = match get(FALLBACK_VAR).as_deref().map(str::trim) {
            None | Some("") => false,
            Some("plaintext") => true,
            Some(other) => {
                return Err(CryptError::Settings(format!(
                    "{FALLBACK_VAR} is {other:?}; the only value it takes is `plaintext` (read files that are not encrypted)"
                )))
            }
        };
        Ok(match (key, old) {
            (None, None) => None,
            (Some(key), old) => {
                let mut e = Encryption::new(key).with_plaintext_fallback(fallback);
                e.old = old;
                Some(e)
            }
            (None, Some(old)) => Some(Encryption::decrypt_only(old)),
        })
    }

    /// The id of the key files are written with; `None` when they are written in plain text.
    pub fn key_id(&self) -> Option<&str> {
        self.key.as_ref().map(Key::id)
    }

    /// The key to decrypt with, for a file encrypted with key `id`.
    fn key_for(&self, kind: Kind, id: &str) -> Result<&Key, CryptError> {
        [self.key.as_ref(), self.old.as_ref()]
            .into_iter()
            .flatten()
            .find(|k| k.id == id)
            .ok_or_else(|| CryptError::WrongKey {
                kind: kind.name(),
                key_id: id.to_string(),
                tried: [(&self.key, "current"), (&self.old, "previous")]
                    .into_iter()
                    .filter_map(|(k, role)| Some(format!("{} ({role})", k.as_ref()?.id)))
                    .collect(),
            })
    }

    /// Whether a plain-text file of `kind` may be read; an error saying why not otherwise.
    fn allow_plaintext(&self, kind: Kind) -> Result<(), CryptError> {
        if self.fallback_plaintext {
            Ok(())
        } else {
            Err(CryptError::Plaintext { kind: kind.name() })
        }
    }

    /// One journal line: `plain` encrypted with `aad`, as `{"k":"<key id>","e":"<base64>"}`
    /// appended to `out`. Without a key to write with, `plain` itself.
    pub(crate) fn seal_line(
        &self,
        aad: &str,
        plain: &[u8],
        out: &mut Vec<u8>,
    ) -> Result<(), CryptError> {
        let Some(key) = &self.key else {
            out.extend_from_slice(plain);
            return Ok(());
        };
        let (mut nonce, data) = key.seal(Kind::Journal, aad.as_bytes(), plain)?;
        nonce.extend_from_slice(&data);
        out.extend_from_slice(b"{\"k\":\"");
        out.extend_from_slice(key.id.as_bytes());
        out.extend_from_slice(b"\",\"e\":\"");
        out.extend_from_slice(STANDARD.encode(&nonce).as_bytes());
        out.extend_from_slice(b"\"}");
        Ok(())
    }
}

/// Reads one key setting: the variable `var` or the file named by `file_var`.
fn key_from_env(
    get: &impl Fn(&str) -> Option<String>,
    var: &'static str,
    file_var: &'static str,
    empty_is_unset: bool,
) -> Result<Option<Key>, CryptError> {
    // An empty new key is an error (a secret missing in CI must not mean plain text); an
    // empty old key is how one clears it.
    let present = |v: Option<String>| match v {
        Some(s) if s.trim().is_empty() && empty_is_unset => None,
        other => other,
    };
    match (present(get(var)), present(get(file_var))) {
        (Some(_), Some(_)) => Err(CryptError::Settings(format!(
            "both {var} and {file_var} are set; set only one of them"
        ))),
        (Some(text), None) => Key::from_base64(&text, var).map(Some),
        (None, Some(path)) if path.trim().is_empty() => Err(CryptError::Settings(format!(
            "{file_var} is set but empty; set it to the path of the key file, or unset it"
        ))),
        (None, Some(path)) => Key::from_file(Path::new(&path), file_var).map(Some),
        (None, None) => Ok(None),
    }
}

/// The envelope of an encrypted state or plan.
#[derive(serde::Serialize, serde::Deserialize)]
struct Envelope<'a> {
    galley_encrypted: u64,
    #[serde(borrow)]
    kind: Cow<'a, str>,
    #[serde(borrow)]
    algorithm: Cow<'a, str>,
    #[serde(borrow)]
    key_id: Cow<'a, str>,
    #[serde(borrow)]
    nonce: Cow<'a, str>,
    #[serde(borrow)]
    ciphertext: Cow<'a, str>,
}

/// Whether `bytes` are an encrypted file: a JSON object whose first member is
/// `galley_encrypted` (galley writes it first; a state or plan never has it).
pub fn is_envelope(bytes: &[u8]) -> bool {
    let rest = bytes.trim_ascii_start();
    let Some(rest) = rest.strip_prefix(b"{") else {
        return false;
    };
    rest.trim_ascii_start().starts_with(b"\"galley_encrypted\"")
}

/// `plain` (a whole state or plan) as it is to be written: an envelope when `enc` has a
/// key to write with, else unchanged.
pub fn seal<'a>(
    enc: Option<&Encryption>,
    kind: Kind,
    plain: &'a [u8],
) -> Result<Cow<'a, [u8]>, CryptError> {
    let Some(key) = enc.and_then(|e| e.key.as_ref()) else {
        return Ok(Cow::Borrowed(plain));
    };
    let (nonce, data) = key.seal(kind, kind.aad().as_bytes(), plain)?;
    let envelope = Envelope {
        galley_encrypted: ENVELOPE_VERSION,
        kind: kind.name().into(),
        algorithm: ALGORITHM.into(),
        key_id: key.id.as_str().into(),
        nonce: STANDARD.encode(nonce).into(),
        ciphertext: STANDARD.encode(data).into(),
    };
    serde_json::to_vec(&envelope)
        .map(Cow::Owned)
        .map_err(|_| CryptError::Seal { kind: kind.name() })
}

/// The plain content of a file of `kind` read as `bytes`: decrypted when it is an
/// envelope, as it is when it is not and that is allowed (no key set, or the plain-text
/// fallback on).
pub fn open<'a>(
    enc: Option<&Encryption>,
    kind: Kind,
    bytes: &'a [u8],
) -> Result<Cow<'a, [u8]>, CryptError> {
    if !is_envelope(bytes) {
        if let Some(enc) = enc {
            enc.allow_plaintext(kind)?;
        }
        return Ok(Cow::Borrowed(bytes));
    }
    let malformed = |why: String| CryptError::Malformed {
        kind: kind.name(),
        why: shortened(why),
    };
    let envelope: Envelope = serde_json::from_slice(bytes).map_err(|e| malformed(e.to_string()))?;
    if envelope.galley_encrypted != ENVELOPE_VERSION {
        return Err(malformed(format!(
            "its format version is {}, and this galley reads version {ENVELOPE_VERSION}; use the galley release that wrote it",
            envelope.galley_encrypted
        )));
    }
    if envelope.algorithm != ALGORITHM {
        return Err(malformed(format!(
            "its algorithm is {:?}; this galley decrypts only {ALGORITHM}",
            envelope.algorithm
        )));
    }
    match Kind::parse(&envelope.kind) {
        Some(k) if k == kind => {}
        Some(other) => {
            return Err(CryptError::WrongKind {
                expected: kind.name(),
                found: other.name(),
            })
        }
        None => {
            return Err(malformed(
                "its kind is not state, plan or journal".to_string(),
            ))
        }
    }
    if !is_key_id(&envelope.key_id) {
        return Err(malformed("its key id is not 16 hex digits".to_string()));
    }
    let Some(enc) = enc.filter(|e| e.key.is_some() || e.old.is_some()) else {
        return Err(CryptError::NoKey {
            kind: kind.name(),
            key_id: envelope.key_id.into_owned(),
        });
    };
    let key = enc.key_for(kind, &envelope.key_id)?;
    let nonce = STANDARD
        .decode(envelope.nonce.as_bytes())
        .map_err(|e| malformed(format!("its nonce is not base64 ({e})")))?;
    let data = STANDARD
        .decode(envelope.ciphertext.as_bytes())
        .map_err(|e| malformed(format!("its ciphertext is not base64 ({e})")))?;
    key.open(kind, kind.aad().as_bytes(), &nonce, data)
        .map(Cow::Owned)
}

/// Whether `id` looks like a key id: 16 lower-case hex digits. Checked before an id read
/// from a file goes into a message.
fn is_key_id(id: &str) -> bool {
    id.len() == 16 && id.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

/// `why` cut to a length fit for a message: parse errors can quote a whole member of a
/// damaged file.
fn shortened(mut why: String) -> String {
    const MAX: usize = 200;
    if why.len() > MAX {
        let mut cut = MAX;
        while !why.is_char_boundary(cut) {
            cut -= 1;
        }
        why.truncate(cut);
        why.push('…');
    }
    why
}

/// One journal line's content: decrypted when it is `{"k": ..., "e": ...}`, as it is when
/// it is plain text and that is allowed. `aad` is what the writer bound it to.
pub(crate) fn open_line<'a>(
    enc: Option<&Encryption>,
    aad: &str,
    line: &'a str,
) -> Result<Cow<'a, [u8]>, CryptError> {
    #[derive(serde::Deserialize)]
    struct Sealed<'a> {
        k: &'a str,
        e: &'a str,
    }
    let kind = Kind::Journal;
    if !line.trim_start().starts_with("{\"k\":") {
        if let Some(enc) = enc {
            enc.allow_plaintext(kind)?;
        }
        return Ok(Cow::Borrowed(line.as_bytes()));
    }
    let sealed: Sealed = serde_json::from_str(line).map_err(|e| CryptError::Malformed {
        kind: kind.name(),
        why: shortened(e.to_string()),
    })?;
    if !is_key_id(sealed.k) {
        return Err(CryptError::Malformed {
            kind: kind.name(),
            why: "its key id is not 16 hex digits".to_string(),
        });
    }
    let Some(enc) = enc.filter(|e| e.key.is_some() || e.old.is_some()) else {
        return Err(CryptError::NoKey {
            kind: kind.name(),
            key_id: sealed.k.to_string(),
        });
    };
    let key = enc.key_for(kind, sealed.k)?;
    let mut data = STANDARD
        .decode(sealed.e.as_bytes())
        .map_err(|e| CryptError::Malformed {
            kind: kind.name(),
            why: format!("not base64 ({e})"),
        })?;
    if data.len() < NONCE_LEN {
        return Err(CryptError::Malformed {
            kind: kind.name(),
            why: "too short to hold a nonce".to_string(),
        });
    }
    let rest = data.split_off(NONCE_LEN);
    key.open(kind, aad.as_bytes(), &data, rest).map(Cow::Owned)
}

/// A key made of `seed` repeated, for tests.
#[cfg(test)]
pub(crate) fn test_key(seed: u8) -> Key {
    Key::from_bytes(&[seed; KEY_LEN], "a test key").expect("32 bytes make a key")
}

#[cfg(test)]
mod tests;
