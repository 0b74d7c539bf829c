//! The state document, its backends and locking.
//!
//! - [`model`]: the in-memory [`State`], keyed by [`crate::addr`] types.
//! - [`document`]: the JSON file format (modelled on Terraform's v4 state).
//! - [`json`]: values to and from JSON without an intermediate tree, for speed.
//! - [`backend`]: the [`Backend`] trait every state store implements (S3 is in the AWS crate).
//! - [`local`]: the local file backend (atomic writes, `.backup`).
//! - [`journal`]: changes appended between full writes during apply, replayed on load.
//! - [`lock`]: the lock file that keeps two runs from writing one state.
//! - [`mod@rekey`]: `galley state rekey`, which writes the state again with the current key.
//! - [`ops`]: pure functions behind `galley state list|show|mv|rm` and `galley output`.

pub mod backend;
pub mod ctytype;
pub mod document;
pub mod journal;
pub mod json;
pub mod local;
pub mod lock;
pub mod model;
pub mod ops;
pub mod rekey;
pub mod render;

use std::path::PathBuf;

pub use backend::{check_overwrite, Backend, NoLock, StateLock, Version};
pub use document::{decode, encode, encode_into, STATE_VERSION, SUPPORTED_VERSIONS};
pub use journal::{Intent, Journaled, Recovery};
pub use local::{LocalBackend, DEFAULT_STATE_FILE};
pub use lock::{acquire, force_unlock, lock_path, read_lock, LockError, LockGuard, LockInfo};
pub use model::{InstanceState, OutputState, ResourceState, State};
pub use ops::OutputFormat;
pub use rekey::{rekey, rekey_loaded, Rekeyed};

/// Everything that can go wrong reading, writing or editing state.
#[derive(Debug, thiserror::Error)]
pub enum StateError {
    /// The document is not valid JSON, or does not have the shape of a state document.
    #[error("the state is not valid at line {line}, column {column}: {message}")]
    Malformed {
        /// 1-based line of the problem.
        line: usize,
        /// 1-based column of the problem.
        column: usize,
        /// What serde_json found wrong.
        message: String,
    },
    /// The document's `version` is not one this galley reads.
    #[error("the state has format version {found}, but this galley reads only version {supported}; {hint}")]
    UnsupportedVersion {
        /// The version found in the document, as written there.
        found: String,
        /// The versions this galley reads, e.g. `1`.
        supported: String,
        /// What probably happened and what to do.
        hint: String,
    },
    /// The document is well-formed JSON but its content is inconsistent.
    #[error("the state is invalid: {0}")]
    Invalid(String),
    /// A state file could not be read; wraps the reason with the file and what to do.
    #[error("cannot use the state file {}: {source}\n{advice}", path.display())]
    File {
        /// The state file.
        path: PathBuf,
        /// Why it cannot be used.
        source: Box<StateError>,
        /// What the user can do about it.
        advice: String,
    },
    /// Refused to write over a state file that failed to load in this run.
    #[error("refusing to write {}: it could not be read earlier in this run, and writing would destroy it; fix or restore it first", path.display())]
    WouldOverwrite {
        /// The state file.
        path: PathBuf,
    },
    /// A state file or journal cannot be decrypted with the keys set, is not encrypted
    /// when it must be, or cannot be encrypted ([`crate::crypt`]).
    #[error("{0}")]
    Crypt(#[from] crate::crypt::CryptError),
    /// `galley state rekey` without a key to encrypt with.
    #[error("nothing says how to encrypt the state: set {} (or {}) to the key to encrypt it with, with {} set to the key it is encrypted with now (or {}=plaintext if it is not encrypted yet); to decrypt it instead, set only {}", crate::crypt::KEY_VAR, crate::crypt::KEY_FILE_VAR, crate::crypt::OLD_KEY_VAR, crate::crypt::FALLBACK_VAR, crate::crypt::OLD_KEY_VAR)]
    NoEncryptionKey,
    /// A state file or journal is larger than galley reads ([`crate::limits`]).
    #[error("{0}")]
    TooLarge(crate::limits::TooLarge),
    /// A file system operation failed.
    #[error("could not {action} {}: {source}", path.display())]
    Io {
        /// What galley was doing, e.g. `write`.
        action: &'static str,
        /// The file involved.
        path: PathBuf,
        /// The underlying error.
        source: std::io::Error,
    },
    /// A remote backend could not read or write the state; the message names the location
    /// and what to check.
    #[error("{0}")]
    Remote(String),
    /// An address matched nothing in the state.
    #[error("no object in the state matches {address}; run `galley state list` to see what the state holds")]
    NotFound {
        /// The address as given.
        address: String,
    },
    /// A move would overwrite something already in the state.
    #[error("cannot move to {address}: it already exists in the state; remove it first with `galley state rm {address}` if it should be replaced")]
    AlreadyExists {
        /// The destination address.
        address: String,
    },
    /// A move between incompatible addresses.
    #[error("cannot move {from} to {to}: {reason}")]
    InvalidMove {
        /// The source address.
        from: String,
        /// The destination address.
        to: String,
        /// Why not.
        reason: String,
    },
    /// `galley output NAME` for an output the state does not hold.
    #[error("output {name:?} not found in the state; if you just added it to the configuration, run `galley apply` to record it")]
    OutputNotFound {
        /// The output's name.
        name: String,
    },
    /// `galley output -raw` for a value that is not a string, number or bool.
    #[error("-raw supports only strings, numbers and bools, but output {name:?} is {type_name}; use -json for complex values")]
    RawUnsupported {
        /// The output's name.
        name: String,
        /// The value's type, e.g. `object`.
        type_name: &'static str,
    },
}
