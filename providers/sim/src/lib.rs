//! galley's embedded simulator of AWS and OpenStack resource types.
//!
//! [`SimFactory`] serves the provider names `aws`, `kubernetes`, `openstack` and
//! `terraform`; `kubernetes` objects live inside simulated EKS clusters ([`kube`]). Each
//! configured provider works on one *world*: the simulated objects of one provider
//! name and region, kept in memory and persisted as `<provider>--<region>.json` in the
//! factory's directory. Resource types are data ([`registry::ResourceType`] tables in
//! `types/`); the generic [`plan`](mod@plan) and [`apply`](mod@apply) code enforces
//! their rules with the real services' error codes.
//!
//! Values exchanged with the engine are shaped by the schemas: nested blocks are
//! objects (`Single`), lists of objects (`List`) or sets of objects (`Set`); absent
//! attributes are null and absent list or set blocks empty. Tuples and objects are
//! accepted where the schema says list, set or map, and returned converted.
//!
//! What the engine can rely on:
//! - `plan` builds `planned` from `config` and `prior` (`proposed` is only a fallback
//!   when `config` is null); a null `proposed` and `config` plan a destroy (null).
//!   `requires_replace` holds attribute paths, list-block items as
//!   `["network", "0", "uuid"]`; when it is non-empty, `planned` is the replacement's
//!   create plan (computed attributes unknown).
//! - `apply` never returns unknowns; a configurable attribute still unknown at apply
//!   is an `Internal` error. Sensitive marks are dropped: re-mark from the schema.
//! - Rule failures are `ProviderError::Api` with the service's code
//!   (`InvalidSubnet.Range`, `DependencyViolation`, `InvalidInput`, ...).
//! - Deleting an object that is already gone succeeds; `read` returns `None` for it.
//! - Some computed attributes change without the object changing
//!   (`aws_subnet.available_ip_address_count`); they refresh on `read` only.
//!
//! Test hooks: [`SimFactory::inject`], a fault file ([`fault_file`], `GALLEY_SIM_FAULT_FILE`)
//! or `GALLEY_SIM_FAULTS` (see [`fault`]),
//! `GALLEY_SIM_LATENCY_MS` and `GALLEY_TODAY` (the virtual clock's start day) ([`SimOptions::from_env`]), [`SimFactory::virtual_elapsed`],
//! [`SimFactory::advance_clock`], [`SimFactory::object_count`] and
//! [`SimFactory::traffic_shares`] and [`SimFactory::ready_capacity`]; [`makespan`] times an
//! apply under the latency model.

pub mod apply;
pub mod clock;
pub mod factory;
pub mod fault;
pub mod fault_file;
pub mod ids;
pub mod kube;
pub mod makespan;
pub mod net;
pub mod options;
pub mod plan;
pub mod provider;
pub mod registry;
pub mod shape;
mod types;
pub mod world;

pub use clock::SimClock;
pub use factory::{SimFactory, WorldObject};
pub use fault::{Fault, FaultId, FaultKind, FaultParseError, FaultTarget, Operation};
pub use options::{OptionsError, SimOptions, FAULT_FILE_VAR};
pub use provider::SimProvider;
/// Compute hosts per OpenStack availability zone (see `openstack_compute_instance_v2`).
pub use types::OPENSTACK_HOSTS_PER_ZONE;
