//! galley's test kitchen: runs test files (`*.kitchen.hcl`, `*.tftest.hcl`) against a
//! fresh environment whose every object carries the run's tag, and destroys it whatever
//! happens; what a destroy cannot remove goes to a ledger that [`sweep`] empties.

pub mod assert;
pub mod faults;
pub mod file;
pub mod gate;
pub mod ledger;
pub mod runid;
pub mod runner;
pub mod scope;
pub mod signal;
pub mod sweep;
pub mod tagging;
pub mod teardown;
pub mod vars;

pub use runner::{kitchen_dir, run, FileReport, Outcome, Report, Reporter, RunReport, Settings};
pub use signal::Interrupt;
pub use sweep::{sweep, SweepReport, SweepSettings};
pub use tagging::{Tagging, RUN_TAG};
