//! `galley validate`: configuration errors without state or providers.

use crate::session::{Session, EXIT_ERROR, EXIT_OK};

/// Runs `validate`.
pub fn run(s: &Session, json: bool) -> i32 {
    let (config, mut diags) = engine::config::load_config(&s.dir, &s.sources);
    diags.extend(engine::walk::validate(&config));
    diags.extend(engine::walk::validate_functions(&config));
    let valid = !diags.has_errors();
    if json {
        let doc = serde_json::json!({
            "format_version": "1",
            "valid": valid,
            "error_count": diags.iter().filter(|d| d.is_error()).count(),
            "warning_count": diags.iter().filter(|d| !d.is_error()).count(),
            "diagnostics": diags.iter().map(|d| d.to_json(&s.sources)).collect::<Vec<_>>(),
        });
        println!("{}", serde_json::to_string_pretty(&doc).unwrap_or_default());
    } else {
        s.report(&diags);
        if valid {
            println!("Success! The configuration is valid.");
        }
    }
    if valid {
        EXIT_OK
    } else {
        EXIT_ERROR
    }
}
