//! The pull-request gate's building blocks: which stacks a change between two revisions
//! affects, and a checkout of a stack's configuration straight from git objects.

pub mod affected;
pub mod checkout;
pub mod snapshot;

pub use affected::{
    affected, dir_of, stack_dirs, tree, Affected, AffectedStack, GateError, Reason, Role,
};
pub use checkout::checkout;
pub use snapshot::Snapshot;
