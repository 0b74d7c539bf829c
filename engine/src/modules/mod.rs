//! Module sources beyond local paths: parsing `source` addresses (`source.rs`), fetching
//! git repositories into `.galley/modules` (`fetch.rs`), the `.galley.lock.hcl` lock file
//! (`lockfile.rs`) and `version` constraints choosing among tags (`version.rs`).
//!
//! The loader uses them through `config::install`: `plan`/`apply` load only what the lock
//! file pins (offline once fetched), `galley init [-upgrade]` resolves and pins.

pub mod fetch;
pub mod lockfile;
pub mod source;
pub mod version;

pub use fetch::{content_hash, FetchError, Installed, ModuleCache, RefKind, Resolved};
pub use lockfile::{LockEntry, LockError, LockFile, LOCK_FILE};
pub use source::{GitSource, ModuleSource, SourceError};
pub use version::{newest_matching, Constraints, Version};
