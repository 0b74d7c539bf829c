//! Upgrades of managed services: where every version stands on the support calendar
//! (`check`), on top of the version [`crate::catalog`].

pub mod blue_green;
pub mod check;
pub mod eks;
pub mod engines;
mod from_plan;
pub mod manifest_files;
mod scope;
pub mod steps;

pub use check::{check, Item, Report, Status};
pub use from_plan::upgrades;
pub use steps::{CheckResult, Cost, Outcome, Step, Upgrade};

#[cfg(test)]
mod table_tests;
#[cfg(test)]
mod tests;
