//! `galley workspace list|show|new|select|delete`: named states of one configuration, as
//! Terraform's workspaces (local `galley.tfstate.d/<name>/`, S3 `<workspace_key_prefix>/<name>/<key>`).

use engine::state::State;

use crate::cli::WorkspaceCommand;
use crate::session::{Session, EXIT_ERROR, EXIT_OK};
use aws::backend::DEFAULT_WORKSPACE;

/// Runs a `workspace` subcommand.
pub fn run(s: &Session, cmd: &WorkspaceCommand) -> i32 {
    let result = match cmd {
        WorkspaceCommand::Show => {
            println!("{}", s.workspace());
            Ok(())
        }
        WorkspaceCommand::List => list(s),
        WorkspaceCommand::New { name } => new(s, name),
        WorkspaceCommand::Select { name, or_create } => select(s, name, *or_create),
        WorkspaceCommand::Delete { name, force } => delete(s, name, *force),
    };
    match result {
        Ok(()) => EXIT_OK,
        Err(message) => {
            if !message.is_empty() {
                eprintln!("Error: {message}");
            }
            EXIT_ERROR
        }
    }
}

/// An empty message: the error was printed already.
type Failed = String;

fn list(s: &Session) -> Result<(), Failed> {
    let current = s.workspace();
    for name in s.workspaces().map_err(|_| String::new())? {
        let mark = if name == current { "*" } else { " " };
        println!("{mark} {name}");
    }
    Ok(())
}

/// Terraform's rule: a name that is one URL path segment.
fn check_name(name: &str) -> Result<(), Failed> {
    let safe = !name.is_empty()
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | '~'))
        && name != "."
        && name != "..";
    if safe {
        Ok(())
    } else {
        Err(format!(
            "the workspace name {name:?} is not allowed. The name must contain only URL safe\ncharacters, contain no path separators, and not be an empty string."
        ))
    }
}

/// Refuses to switch while `GALLEY_WORKSPACE`/`TF_WORKSPACE` chooses the workspace: the
/// file would be written and silently ignored.
fn check_not_overridden() -> Result<(), Failed> {
    for var in ["GALLEY_WORKSPACE", "TF_WORKSPACE"] {
        if std::env::var(var).is_ok_and(|v| !v.trim().is_empty()) {
            return Err(format!(
                "the selected workspace is set by the {var} environment variable; unset it to select a workspace with this command."
            ));
        }
    }
    Ok(())
}

fn exists(s: &Session, name: &str) -> Result<bool, Failed> {
    Ok(s.workspaces()
        .map_err(|_| String::new())?
        .iter()
        .any(|w| w == name))
}

fn record(s: &Session, name: &str) -> Result<(), Failed> {
    let file = s.environment_file();
    let write = || -> std::io::Result<()> {
        if let Some(dir) = file.parent() {
            std::fs::create_dir_all(dir)?;
        }
        std::fs::write(&file, format!("{name}\n"))
    };
    write().map_err(|e| format!("cannot record the workspace in {}: {e}", file.display()))
}

fn new(s: &Session, name: &str) -> Result<(), Failed> {
    check_name(name)?;
    check_not_overridden()?;
    if exists(s, name)? {
        return Err(format!("workspace {name:?} already exists"));
    }
    // An empty state marks the workspace in the backend, so `list` finds it.
    let mut backend = s.backend_of(name).map_err(|_| String::new())?;
    backend
        .persist(&mut State::new())
        .map_err(|e| format!("creating workspace {name:?}: {e}"))?;
    record(s, name)?;
    println!(
        "Created and switched to workspace {name:?}!\n\nYou're now on a new, empty workspace. Workspaces isolate their state,\nso if you run \"galley plan\" galley will not see any existing state\nfor this configuration."
    );
    Ok(())
}

fn select(s: &Session, name: &str, or_create: bool) -> Result<(), Failed> {
    check_name(name)?;
    check_not_overridden()?;
    if !exists(s, name)? {
        if or_create {
            return new(s, name);
        }
        return Err(format!(
            "workspace {name:?} doesn't exist.\n\nYou can create this workspace with the \"new\" subcommand\nor include the \"-or-create\" flag with the \"select\" subcommand."
        ));
    }
    record(s, name)?;
    println!("Switched to workspace {name:?}.");
    Ok(())
}

fn delete(s: &Session, name: &str, force: bool) -> Result<(), Failed> {
    check_name(name)?;
    if name == s.workspace() {
        return Err(format!(
            "workspace {name:?} is your active workspace.\n\nYou cannot delete the currently active workspace. Please switch\nto another workspace and try again."
        ));
    }
    if name == DEFAULT_WORKSPACE {
        return Err("cannot delete the default workspace".to_string());
    }
    if !exists(s, name)? {
        return Err(format!("workspace {name:?} doesn't exist."));
    }
    let backend = s.backend_of(name).map_err(|_| String::new())?;
    let lock = s
        .lock(backend.as_ref(), "workspace delete", "0s")
        .map_err(|_| String::new())?;
    let state = s.load_state(backend.as_ref()).map_err(|_| String::new())?;
    let tracked: Vec<String> = state
        .instances()
        .map(|(addr, _)| format!("  - {addr}"))
        .collect();
    if !tracked.is_empty() && !force {
        return Err(format!(
            "workspace is not empty\n\nWorkspace {name:?} is currently tracking the following resource instances:\n{}\n\nDeleting this workspace would cause galley to lose track of any\nassociated remote objects, which would then require you to delete them\nmanually outside of galley. You should destroy these objects with\ngalley before deleting the workspace.\n\nIf you want to delete this workspace anyway, and have galley forget\nabout these managed objects, use the -force option to disable this safety\ncheck.",
            tracked.join("\n")
        ));
    }
    backend
        .delete_state()
        .map_err(|e| format!("deleting workspace {name:?}: {e}"))?;
    // The lock went with the state for local workspaces; releasing it is best effort.
    let _ = lock.release();
    if let Some(dir) = s.local_workspace_dir(name) {
        let _ = std::fs::remove_dir_all(&dir);
    }
    if !tracked.is_empty() {
        eprintln!(
            "Warning: workspace {name:?} was not empty; the {} instance(s) it tracked are no longer managed by galley and still exist.",
            tracked.len()
        );
    }
    println!("Deleted workspace {name:?}!");
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn workspace_names_are_one_url_segment() {
        for ok in ["dev", "prod-eu_1", "v1.2", "a~b"] {
            assert!(check_name(ok).is_ok(), "{ok}");
        }
        for bad in ["", "a/b", "a b", "..", "é", "a\\b", "x?y"] {
            let e = check_name(bad).unwrap_err();
            assert!(e.contains("URL safe"), "{bad}: {e}");
        }
    }
}
