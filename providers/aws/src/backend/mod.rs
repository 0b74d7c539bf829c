//! Remote state in S3, as Terraform's S3 backend keeps it (the `Backend` trait is the
//! engine's; this is its S3 implementation).
//!
//! - `config`: the `backend "s3"` block, and where each workspace's state is.
//! - `s3`: the backend (GetObject/PutObject with the overwrite check) and its
//!   `use_lockfile` lock object.
//! - `dynamo`: `dynamodb_table` locking and the digest item.
//! - `locking`: the lock document in Terraform's shape; taking and releasing a lock.
//! - `remote`: the clients; `worker`: the private runtime that drives them.

mod config;
mod dynamo;
mod locking;
mod remote;
mod s3;
mod worker;

pub use config::{ConfigError, S3Config, DEFAULT_WORKSPACE, DEFAULT_WORKSPACE_KEY_PREFIX};
pub use s3::S3Backend;
