//! galley's embedded simulator of AWS and OpenStack resource types.
//!
//! [`SimFactory`] serves the provider names `aws`, `openstack` and `terraform`. Each
//! configured provider works on one *world*: the simulated objects of one provider
//! name and region, kept in memory and persisted as `<provider>--<region>.json` in the
//! factory's directory. Resource types are data ([`registry::ResourceType`] tables in
//! `types/`); the generic [`plan`](mod@plan) and [`apply`](mod@apply) code enforces
//! their rules with the real services' error codes.
//!
//! Values exchanged with the engine are shaped by the schemas: nested blocks are
//! objects (`Single`), lists of objects (`List`) or sets of objects (`Set`); absent
//! attributes are null and absent list or set blocks empty.

pub mod apply;
pub mod clock;
pub mod factory;
pub mod fault;
pub mod ids;
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
pub use fault::{Fault, FaultParseError};
pub use options::SimOptions;
pub use provider::SimProvider;
