//! The schemas of the resource types galley's providers serve, defined once.
//!
//! The simulator (`providers/sim`) and the real AWS provider serve the same AWS resource
//! types with the same schemas; both take them from [`aws`], so a configuration valid for
//! one is valid for the other. Behaviour (ids, defaults, rules, API calls) stays with each
//! provider.

pub mod aws;
pub mod types;
