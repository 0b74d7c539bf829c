//! Expression evaluation against a scope, and the standard function library.

pub mod funcs;
