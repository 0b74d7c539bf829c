//! galley's AWS provider: the resource types the simulator has, with the same schemas
//! (`galley-schemas`), carried out through the official `aws-sdk-*` crates.
//!
//! - [`backend`]: remote state in S3 (with S3 or DynamoDB locking), as Terraform's S3 backend.
//! - [`settings`]: a block's settings → `SdkConfig` through the standard credential chain.
//! - `clients`: one SDK client per service, with per-service endpoints.
//! - `provider`: planning by schema, changes dispatched to `resources`, results settled.
//! - `resources`: one module per resource type.
//! - `wait`, `timeouts`: polling long operations within the resource's `timeouts`.
//! - `errors`: SDK errors as the engine's (throttling retried, not-found = gone).

pub mod backend;
pub mod catalog_check;
mod clients;
mod data;
mod errors;
mod factory;
mod provider;
mod resources;
pub mod settings;
mod timeouts;
mod values;
mod wait;

pub use factory::{provider_schema, AwsFactory};
pub use wait::POLL_INTERVAL_VAR;
