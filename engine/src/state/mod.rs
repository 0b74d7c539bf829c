//! The state document and its local backend with locking.

pub mod model;
pub use model::{InstanceState, OutputState, ResourceState, State};
