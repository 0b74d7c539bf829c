//! `galley docs [DIR]`: a module's reference as Markdown; `-write` keeps it in the
//! module's README between the markers, `-check` fails when the README is out of date.

use crate::cli::DocsArgs;
use crate::session::{Session, EXIT_ERROR, EXIT_OK};
use engine::docs::{markdown, splice};

/// Runs `docs`.
pub fn run(s: &Session, args: &DocsArgs) -> i32 {
    let dir = s.dir.join(&args.dir);
    let (module, diags) = engine::config::load_module(&dir, &s.sources);
    s.report(&diags);
    if diags.has_errors() {
        return EXIT_ERROR;
    }
    let generated = markdown(&module, &s.sources);
    if !args.write && !args.check {
        print!("{generated}");
        return EXIT_OK;
    }
    let readme_path = dir.join("README.md");
    let shown = engine::diag::display_path(&readme_path);
    let readme = match std::fs::read_to_string(&readme_path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => String::new(),
        Err(e) => {
            eprintln!("Error: cannot read {shown}: {e}");
            return EXIT_ERROR;
        }
    };
    let updated = match splice(&readme, &generated) {
        Ok(u) => u,
        Err(e) => {
            eprintln!("Error: {shown}: {e}");
            return EXIT_ERROR;
        }
    };
    if args.check {
        if updated == readme {
            println!("{shown} is up to date.");
            return EXIT_OK;
        }
        eprintln!(
            "Error: {shown} is out of date: its inputs and outputs differ from the module's. Run `galley docs -write {}`.",
            args.dir.display()
        );
        return EXIT_ERROR;
    }
    if updated == readme {
        println!("{shown} is up to date.");
        return EXIT_OK;
    }
    if let Err(e) = std::fs::write(&readme_path, updated) {
        eprintln!("Error: cannot write {shown}: {e}");
        return EXIT_ERROR;
    }
    println!("Wrote the reference into {shown}.");
    EXIT_OK
}
