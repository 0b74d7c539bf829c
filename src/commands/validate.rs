//! `galley validate`: configuration errors without state or providers.
//!
//! Module calls with registry or git sources are warnings (galley installs only local
//! modules); resources are checked against a provider schema only where galley serves
//! that provider (`terraform` always, `aws` and `openstack` with `--sim`), so a
//! configuration for other providers validates everything but its resource arguments.

use std::collections::BTreeMap;

use engine::config::RemoteModules;
use engine::provider::ProviderSchema;

use crate::session::{Session, EXIT_ERROR, EXIT_OK};

/// Runs `validate`.
pub fn run(s: &Session, json: bool) -> i32 {
    let (config, mut diags) =
        engine::config::load_config_with(&s.dir, &s.sources, RemoteModules::Warn);
    diags.extend(engine::walk::validate(&config));
    diags.extend(engine::walk::validate_functions(&config));
    diags.extend(engine::check::check(&config, &schemas(s)));
    let diags = engine::check::dedup(diags);
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

/// The schema of every provider this run can serve, by name.
fn schemas(s: &Session) -> BTreeMap<String, ProviderSchema> {
    let mut out = BTreeMap::new();
    for f in s.factories() {
        for name in f.names() {
            if let Some(schema) = f.schema(&name) {
                out.entry(name).or_insert(schema);
            }
        }
    }
    out
}
