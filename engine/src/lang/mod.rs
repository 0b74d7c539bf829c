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

/// What an evaluated `error_message` says. A message built from a sensitive value is not
/// shown, as in Terraform; `None` when it is not a string.
pub fn error_message_text(v: &crate::value::Value) -> Option<String> {
    if v.contains_sensitive() {
        return Some(
            "The error message included a sensitive value, so it will not be displayed.".into(),
        );
    }
    v.as_str().map(str::to_string)
}
