//! galley's engine: the language, the dependency graph, plan, apply and state.
//!
//! Pure code (parsing, evaluation, diffing) lives in `addr`, `value`, `types`, `config`,
//! `lang`, `graph` and `plan`; only `walk` (apply), `state` and providers touch the world.

pub mod addr;
pub mod catalog;
pub mod check;
pub mod config;
pub mod crash;
pub mod crypt;
pub mod diag;
pub mod docs;
pub mod fmt;
pub mod graph;
pub mod lang;
pub mod limits;
pub mod modules;
pub mod plan;
pub mod private_file;
pub mod provider;
pub mod state;
pub mod types;
pub mod upgrade;
pub mod value;
pub mod vars;
pub mod walk;
