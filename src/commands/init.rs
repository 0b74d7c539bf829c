//! `galley init`: checks that the configuration and its local modules load, creates `.galley/`.

use crate::session::{Session, EXIT_ERROR, EXIT_OK};

/// Runs `init`.
pub fn run(s: &Session) -> i32 {
    let Ok(config) = s.load_config() else {
        return EXIT_ERROR;
    };
    if let Err(e) = std::fs::create_dir_all(s.dir.join(".galley")) {
        eprintln!("Error: cannot create .galley/: {e}");
        return EXIT_ERROR;
    }
    let mut modules = 0;
    config.walk(&mut |p, _| {
        if !p.is_empty() {
            modules += 1;
        }
    });
    println!("Initializing modules... {modules} local module call(s) resolved.");
    println!("galley has been successfully initialized!");
    EXIT_OK
}
