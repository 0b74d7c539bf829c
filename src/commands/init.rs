//! `galley init`: fetches the git modules the configuration calls into `.galley/modules`,
//! pins each to its commit and content hash in `.galley.lock.hcl` (`-upgrade` moves the
//! pins), and checks that the configuration and its modules load.

use crate::cli::InitArgs;
use crate::session::{Session, EXIT_ERROR, EXIT_OK};

/// Runs `init`.
pub fn run(s: &Session, args: &InitArgs) -> i32 {
    if let Err(e) = std::fs::create_dir_all(s.dir.join(".galley")) {
        eprintln!("Error: cannot create .galley/: {e}");
        return EXIT_ERROR;
    }
    let (config, diags, lock) = engine::config::install_modules(&s.dir, &s.sources, args.upgrade);
    s.report(&diags);
    if diags.has_errors() {
        return EXIT_ERROR;
    }
    if !lock.modules.is_empty() || s.dir.join(engine::modules::LOCK_FILE).exists() {
        if let Err(e) = lock.write(&s.dir) {
            eprintln!("Error: cannot write {}: {e}", engine::modules::LOCK_FILE);
            return EXIT_ERROR;
        }
    }
    let mut modules = 0;
    config.walk(&mut |p, _| {
        if !p.is_empty() {
            modules += 1;
        }
    });
    println!(
        "Initializing modules... {modules} module call(s) resolved, {} pinned in {}.",
        lock.modules.len(),
        engine::modules::LOCK_FILE
    );
    println!("galley has been successfully initialized!");
    EXIT_OK
}
