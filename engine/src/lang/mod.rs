//! Expression evaluation against a scope, and the standard function library.

mod body;
mod eval;
pub mod funcs;
pub mod refs;
mod template;
#[cfg(test)]
mod tests;

pub use eval::{eval, eval_with, Evaluator, Scope};
pub use refs::{body_refs, expr_refs, Reference};
