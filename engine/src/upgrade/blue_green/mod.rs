//! EKS blue/green upgrades: a second cluster at the target version beside the live one,
//! workloads deployed to it, traffic shifted through weighted DNS records step by step
//! with a bake time and a health gate, the old side removed only after the last step.
//!
//! The configuration describes one cluster and a `blue_green` block
//! ([`crate::config::BlueGreen`]); [`members`] finds what belongs to the cluster's side,
//! [`transform`] derives the configuration of each moment of the upgrade, and
//! [`plan`] turns it into the steps and checks of the `upgrades` contract.

pub mod execute;
pub mod layout;
pub mod members;
pub mod plan;
pub mod transform;

#[cfg(test)]
mod tests;

pub use execute::{destroying, record, Executor, Finished, Hooks, STOPPED};
pub use layout::{advance, derive, layouts, migrating, steady, Layout, STATE_KEY};
pub use members::{members, Members};
pub use transform::{copy_name, copy_provider, transform, Phase, Side};
