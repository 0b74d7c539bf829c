//! Upgrades of managed services: where every version stands on the support calendar
//! (`check`), on top of the version [`crate::catalog`].

pub mod check;
mod scope;

pub use check::{check, Item, Report, Status};

#[cfg(test)]
mod tests;
