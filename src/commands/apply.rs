//! `galley apply` and `galley destroy`: plan (or load a saved plan), confirm, execute.

use std::io::{BufRead, IsTerminal, Write};
use std::sync::Arc;

use engine::plan::Plan;
use engine::walk::{JournalSink, Options, Walk, WalkMode};

use engine::upgrade::blue_green;

use super::plan::{make_plan, runtime};
use crate::cli::ApplyArgs;
use crate::progress::Progress;
use crate::session::{interactive, Session, EXIT_ERROR, EXIT_OK};

/// Runs `apply` (or `destroy` when `destroy` is set).
pub fn run(s: &Session, args: &ApplyArgs, destroy: bool) -> i32 {
    let backend = s.backend(args.flags.state.as_deref());
    let Ok(_lock) = s.lock(
        &backend,
        if destroy { "destroy" } else { "apply" },
        &args.flags.lock_timeout,
    ) else {
        return EXIT_ERROR;
    };
    let Ok(mut state) = s.load_state(&backend) else {
        return EXIT_ERROR;
    };
    let Ok(config) = s.load_config() else {
        return EXIT_ERROR;
    };
    let Ok(layouts) = blue_green::layouts(&config, &state).map_err(|d| s.report(&d)) else {
        return EXIT_ERROR;
    };
    // The configuration walks see (suffixes of a green live side, copies while migrating).
    let config = blue_green::derive(&Arc::new(config), &layouts);
    let plan = match &args.plan_file {
        Some(path) => {
            let bytes = match std::fs::read(s.dir.join(path)) {
                Ok(b) => b,
                Err(e) => {
                    eprintln!("Error: cannot read plan file {}: {e}", path.display());
                    return EXIT_ERROR;
                }
            };
            let mut plan = match Plan::from_file(&bytes) {
                Ok(p) => p,
                Err(e) => {
                    eprintln!("Error: {}: {e}", path.display());
                    return EXIT_ERROR;
                }
            };
            if state.serial == 0 && state.is_empty() {
                // No state yet: the plan was made against an empty state too; keep its lineage.
                state.lineage = plan.state_lineage.clone();
            }
            if plan.state_serial != state.serial
                || (!plan.state_lineage.is_empty() && plan.state_lineage != state.lineage)
            {
                eprintln!(
                    "Error: Saved plan is stale\n\nThe plan {} was created against state serial {}, but the state is now at serial {}. Run galley plan again to make a new plan.",
                    path.display(), plan.state_serial, state.serial
                );
                return EXIT_ERROR;
            }
            // Upgrade steps are derived from the changes, not stored.
            let Some(today) = super::upgrade::as_of(None) else {
                return EXIT_ERROR;
            };
            plan.upgrades = engine::upgrade::upgrades(&plan, &config, &layouts, today);
            plan
        }
        None => {
            let Ok(plan) = make_plan(s, &args.flags, destroy, state.clone()) else {
                return EXIT_ERROR;
            };
            print!(
                "{}",
                crate::style::paint_plan(
                    &engine::plan::render_plan(&plan),
                    crate::style::stdout_color()
                )
            );
            if super::plan::failed_checks(&plan, &args.flags) {
                return EXIT_ERROR;
            }
            if !plan.has_changes() {
                return EXIT_OK;
            }
            if !args.auto_approve && !confirm(destroy) {
                eprintln!("\nApply cancelled.");
                return EXIT_ERROR;
            }
            plan
        }
    };
    if refuse_blue_green(&plan, &layouts) {
        return EXIT_ERROR;
    }
    if args.plan_file.is_some()
        && s.check_saved_plan_vars(&config, &args.flags, &plan.variables)
            .is_err()
    {
        return EXIT_ERROR;
    }
    let opts = Options {
        refresh: false,
        parallelism: args.flags.parallelism,
        ..Options::default()
    };
    let mut plan = plan;
    // Apply starts from the state the plan saw (refreshed, moves applied), as Terraform
    // does; saved plan files carry it too.
    let state = plan.prior_state.take().unwrap_or(state);
    let vars = plan.variables.clone();
    let summary = plan.summary();
    let progress = Arc::new(Progress::new(
        (summary.add + summary.change + summary.destroy) as u64,
        std::io::stderr().is_terminal() && !std::env::var("TERM").is_ok_and(|t| t == "dumb"),
    ));
    let walk = match Walk::new(config, s.factories(), vars, state, opts, WalkMode::Apply) {
        Ok(w) => w.with_observer(progress.clone()),
        Err(d) => {
            s.report(&d);
            return EXIT_ERROR;
        }
    };
    let sink = JournalSink::new(s.backend(args.flags.state.as_deref()));
    let started = std::time::Instant::now();
    let (final_state, diags) = runtime().block_on(walk.apply(plan, sink.clone()));
    progress.finish();
    s.report(&diags);
    let flushed = s.flush_simulator();
    if diags.has_errors() {
        eprintln!("\nApply failed; the state records every change that completed. Fix the errors and run apply again.");
        return EXIT_ERROR;
    }
    if flushed.is_err() {
        return EXIT_ERROR;
    }
    if destroy {
        println!(
            "\nDestroy complete! Resources: {} destroyed. ({})",
            summary.destroy,
            timing(started.elapsed(), s.simulated_elapsed())
        );
    } else {
        let imported = if summary.import > 0 {
            format!("{} imported, ", summary.import)
        } else {
            String::new()
        };
        println!(
            "\nApply complete! Resources: {imported}{} added, {} changed, {} destroyed. ({})",
            summary.add,
            summary.change,
            summary.destroy,
            timing(started.elapsed(), s.simulated_elapsed())
        );
        let outputs = engine::state::ops::outputs_text(&final_state);
        if !outputs.is_empty() {
            println!("\nOutputs:\n\n{}", outputs.trim_end());
        }
    }
    EXIT_OK
}

fn confirm(destroy: bool) -> bool {
    if !interactive() {
        eprintln!(
            "\nError: no terminal to confirm on; pass -auto-approve to apply without confirmation."
        );
        return false;
    }
    eprint!(
        "\nDo you really want to {}?\n  Only 'yes' will be accepted to approve.\n\n  Enter a value: ",
        if destroy { "destroy all resources" } else { "perform these actions" }
    );
    let _ = std::io::stderr().flush();
    let mut line = String::new();
    let _ = std::io::stdin().lock().read_line(&mut line);
    line.trim() == "yes"
}

/// `0.02s`, or `0.02s wall, 1h 10m 5s simulated` when the simulator's clock moved: the
/// time the same operations would take in the real cloud.
fn timing(wall: std::time::Duration, simulated: Option<std::time::Duration>) -> String {
    let wall = format!("{:.2}s", wall.as_secs_f64());
    match simulated.map(|d| d.as_secs()).filter(|s| *s > 0) {
        Some(secs) => {
            let (h, m, s) = (secs / 3600, secs / 60 % 60, secs % 60);
            let sim = match (h, m) {
                (0, 0) => format!("{s}s"),
                (0, _) => format!("{m}m {s}s"),
                _ => format!("{h}h {m}m {s}s"),
            };
            format!("{wall} wall, {sim} simulated")
        }
        None => wall,
    }
}

/// Blue/green upgrades are planned (steps, checks, the derived new side) but not yet
/// executed: rather than creating the new side and stopping there, apply refuses and
/// says so. True when it refused.
fn refuse_blue_green(plan: &Plan, layouts: &[blue_green::Layout]) -> bool {
    let migrating = layouts.iter().find(|l| {
        l.phase != blue_green::Phase::Steady
            || l.upgraded_by(&plan.upgrades)
            || plan.changes.iter().any(|c| {
                c.addr.module.is_root() && c.addr.resource == l.copy_of(&l.bg.cluster.resource)
            })
    });
    if let Some(l) = migrating {
        eprintln!(
            "Error: blue/green upgrade of {} (blue_green \"{}\") cannot be applied yet\n\n  galley plans blue/green upgrades (galley upgrade plan shows the steps and checks) but this version does not execute them. Remove the blue_green block to upgrade in place, or review the plan and wait for blue/green execution.",
            l.bg.cluster.resource, l.bg.name
        );
        return true;
    }
    false
}

#[cfg(test)]
mod tests {
    use super::timing;
    use std::time::Duration;

    #[test]
    fn simulated_time_is_shown_next_to_wall_time_when_the_clock_moved() {
        let wall = Duration::from_millis(20);
        assert_eq!(timing(wall, None), "0.02s");
        assert_eq!(timing(wall, Some(Duration::ZERO)), "0.02s");
        assert_eq!(
            timing(wall, Some(Duration::from_secs(600))),
            "0.02s wall, 10m 0s simulated"
        );
        assert_eq!(
            timing(wall, Some(Duration::from_secs(3 * 3600 + 65))),
            "0.02s wall, 3h 1m 5s simulated"
        );
    }
}
