//! `galley graph`: the dependency graph in DOT. Modules galley cannot install are left out
//! with a warning.

use crate::session::{Session, EXIT_ERROR, EXIT_OK};

/// Runs `graph`.
pub fn run(s: &Session) -> i32 {
    let Ok(config) = s.load_config_partial() else {
        return EXIT_ERROR;
    };
    let (graph, diags) = engine::graph::Graph::build(&config);
    s.report(&diags);
    if diags.has_errors() {
        return EXIT_ERROR;
    }
    print!("{}", graph.to_dot());
    EXIT_OK
}
