//! Conforming values to a schema: the engine's helpers, shared with the real providers.

pub use engine::provider::shape::*;
