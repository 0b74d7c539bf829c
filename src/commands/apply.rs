//! `galley apply` and `galley destroy`: plan (or load a saved plan), confirm, execute.

use std::io::{BufRead, IsTerminal, Write};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use engine::plan::{Plan, Summary};
use engine::walk::{JournalSink, Options, StateSink, Walk, WalkMode};

use engine::upgrade::blue_green;

use super::plan::{make_plan, runtime};
use crate::cli::ApplyArgs;
use crate::progress::Progress;
use crate::session::{interactive, Session, EXIT_ABORTED, EXIT_ERROR, EXIT_INTERRUPTED, EXIT_OK};

/// Runs `apply` (or `destroy` when `destroy` is set).
pub fn run(s: &Session, args: &ApplyArgs, destroy: bool) -> i32 {
    let Ok(backend) = s.backend(args.flags.state.as_deref()) else {
        return EXIT_ERROR;
    };
    let Ok(_lock) = s.lock(
        backend.as_ref(),
        if destroy { "destroy" } else { "apply" },
        &args.flags.lock_timeout,
    ) else {
        return EXIT_ERROR;
    };
    let Ok(mut state) = s.load_state(backend.as_ref()) else {
        return EXIT_ERROR;
    };
    let Ok(config) = s.load_config() else {
        return EXIT_ERROR;
    };
    let Ok(mut layouts) = blue_green::layouts(&config, &state).map_err(|d| s.report(&d)) else {
        return EXIT_ERROR;
    };
    let written = Arc::new(config);
    // A decommission under way is finished before anything else: planning the moment
    // before it would bring back what it already destroyed.
    if !destroy
        && layouts
            .iter()
            .any(|l| blue_green::destroying(&state, &l.key()).is_some())
    {
        if args.plan_file.is_some() || !args.flags.targets.is_empty() {
            eprintln!("Error: a blue/green upgrade was stopped while destroying one of its sides\n\n  Run galley apply without a plan file or -target to finish it first.");
            return EXIT_ERROR;
        }
        println!(
            "A blue/green upgrade was stopped while destroying one of its sides; going on with it."
        );
        let Ok(vars) = s.root_vars(&written, &args.flags) else {
            return EXIT_ERROR;
        };
        let stop = Arc::new(AtomicBool::new(false));
        listen_for_interrupts(stop.clone());
        return continue_blue_green(
            s,
            args,
            &written,
            &mut layouts,
            (state, vars, stop),
            (Summary::default(), std::time::Instant::now()),
        );
    }
    let plan = match &args.plan_file {
        Some(path) => {
            let Ok(encryption) = s.encryption() else {
                return EXIT_ERROR;
            };
            let mut plan = match Plan::read_file_with(&s.dir.join(path), encryption.as_deref()) {
                Ok(p) => p,
                Err(e) => {
                    eprintln!("Error: {e}");
                    return EXIT_ERROR;
                }
            };
            if let Err(e) = plan.check_configuration(&written, &s.sources) {
                eprintln!("Error: {e}");
                return EXIT_ERROR;
            }
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
            if let Err(e) = plan.check_state(&state) {
                eprintln!("Error: {e}");
                return EXIT_ERROR;
            }
            start_blue_green(&plan, &mut layouts);
            // A plan of the written configuration made while migrating, deleting the new
            // side: the upgrade is given up, with the providers of the moment state is at.
            let abandoned = abandoned_by(&plan, &layouts);
            if !abandoned.is_empty() {
                if s.check_saved_plan_vars(&written, &args.flags, &plan.variables)
                    .is_err()
                {
                    return EXIT_ERROR;
                }
                say_abandoned(&layouts, &abandoned);
                return abandon(
                    s,
                    args,
                    &written,
                    &mut layouts,
                    state,
                    &abandoned,
                    plan.variables,
                );
            }
            // Upgrade steps are derived from the changes, not stored.
            let Some(today) = super::upgrade::as_of(None) else {
                return EXIT_ERROR;
            };
            let config = blue_green::derive(&written, &layouts);
            plan.upgrades = engine::upgrade::upgrades(&plan, &config, &layouts, today);
            plan
        }
        None => {
            let Ok(planned) = make_plan(s, &args.flags, destroy, state.clone()) else {
                return EXIT_ERROR;
            };
            let plan = planned.plan;
            layouts = planned.layouts;
            if !planned.abandoned.is_empty() {
                say_abandoned(&layouts, &planned.abandoned);
                if !args.auto_approve && !confirm(destroy) {
                    eprintln!("\nApply cancelled.");
                    return EXIT_ERROR;
                }
                return abandon(
                    s,
                    args,
                    &written,
                    &mut layouts,
                    state,
                    &planned.abandoned,
                    plan.variables,
                );
            }
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
            let migrating =
                !destroy && layouts.iter().any(|l| l.phase != blue_green::Phase::Steady);
            if !plan.has_changes() && !migrating {
                return save_refreshed(backend, &state, &plan);
            }
            if !args.auto_approve && !confirm(destroy) {
                eprintln!("\nApply cancelled.");
                return EXIT_ERROR;
            }
            plan
        }
    };
    // The configuration walks see (suffixes of a green live side, copies while migrating).
    let config = blue_green::derive(&written, &layouts);
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
    let stop = opts.stop.clone();
    let mut plan = plan;
    // Apply starts from the state the plan saw (refreshed, moves applied), as Terraform
    // does; saved plan files carry it too.
    let mut state = plan.prior_state.take().unwrap_or(state);
    // The backend that read the state writes it: the same object, lock and journal.
    let sink = JournalSink::new(backend);
    let migrating = !destroy && layouts.iter().any(|l| l.phase != blue_green::Phase::Steady);
    if migrating {
        // Written before anything is created, so a killed apply resumes the migration.
        for l in layouts
            .iter()
            .filter(|l| l.phase != blue_green::Phase::Steady)
        {
            blue_green::record(&mut state, l, None);
        }
        if let Err(e) = sink.changed(&state) {
            eprintln!(
                "Error: cannot record the blue/green upgrade in state: {e}\n\nNothing was changed."
            );
            return EXIT_ERROR;
        }
    }
    let vars = plan.variables.clone();
    let summary = plan.summary();
    let progress = Arc::new(Progress::new(
        (summary.add + summary.change + summary.destroy) as u64,
        std::io::stderr().is_terminal() && !std::env::var("TERM").is_ok_and(|t| t == "dumb"),
    ));
    let started = std::time::Instant::now();
    listen_for_interrupts(stop.clone());
    let (mut final_state, diags) = if plan.has_changes() {
        let walk = match Walk::new(
            config,
            s.factories(),
            vars.clone(),
            state,
            opts,
            WalkMode::Apply,
        ) {
            Ok(w) => w.with_observer(progress.clone()),
            Err(d) => {
                s.report(&d);
                return EXIT_ERROR;
            }
        };
        runtime().block_on(walk.apply(plan, sink.clone()))
    } else {
        (state, engine::diag::Diagnostics::new())
    };
    progress.finish();
    if stop.load(Ordering::SeqCst) {
        let (not_started, rest): (Vec<_>, Vec<_>) = diags
            .into_iter()
            .partition(|d| d.summary == engine::walk::INTERRUPTED);
        s.report(&engine::diag::Diagnostics(rest));
        let _ = s.flush_simulator();
        eprintln!(
            "\n{} interrupted: {} operation(s) were not started. Every change that completed is in the state; run galley {} again to carry on.",
            if destroy { "Destroy" } else { "Apply" },
            not_started.len(),
            if destroy { "destroy" } else { "apply" },
        );
        return EXIT_INTERRUPTED;
    }
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
        // Nothing is left to migrate.
        if final_state.extra.remove(blue_green::STATE_KEY).is_some() {
            if let Err(e) = sink.changed(&final_state) {
                eprintln!("Error: cannot write state: {e}");
                return EXIT_ERROR;
            }
        }
        println!(
            "\nDestroy complete! Resources: {} destroyed. ({})",
            summary.destroy,
            timing(started.elapsed(), s.simulated_elapsed())
        );
        return EXIT_OK;
    }
    if migrating {
        let total = (summary, started);
        return continue_blue_green(
            s,
            args,
            &written,
            &mut layouts,
            (final_state, vars, stop),
            total,
        );
    }
    applied(s, &summary, started, &final_state);
    EXIT_OK
}

/// Saves the state a no-change plan saw when it differs from the state loaded: objects
/// an interrupted apply created without recording them, found and adopted, and objects
/// the refresh found gone (deleted by an apply killed before recording it) — as
/// Terraform saves a refresh on apply.
fn save_refreshed(
    backend: Box<dyn engine::state::Backend>,
    loaded: &engine::state::State,
    plan: &Plan,
) -> i32 {
    let Some(prior) = &plan.prior_state else {
        return EXIT_OK;
    };
    if prior.resources == loaded.resources
        && prior.unconfirmed_creates() == loaded.unconfirmed_creates()
    {
        return EXIT_OK;
    }
    match JournalSink::new(backend).changed(prior) {
        Ok(()) => EXIT_OK,
        Err(e) => {
            eprintln!("Error: cannot write the refreshed state: {e}");
            EXIT_ERROR
        }
    }
}

/// From now until the process ends, on Ctrl-C or SIGTERM: sets `stop` (the walk starts
/// nothing new; running operations finish and are saved); on a second one, exits at
/// once — the journal keeps every change that completed. A thread of its own, so the
/// handler outlives the walk's runtime (a caught signal must never go unanswered).
fn listen_for_interrupts(stop: Arc<AtomicBool>) {
    std::thread::spawn(move || {
        if let Ok(rt) = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
        {
            rt.block_on(stop_on_interrupt(stop));
        }
    });
}

async fn stop_on_interrupt(stop: Arc<AtomicBool>) {
    // One listener for both: a second signal right after the first is not lost.
    let mut signals = kitchen::signal::Signals::new();
    signals.next().await;
    stop.store(true, Ordering::SeqCst);
    eprintln!("\nInterrupt received: galley starts no new operations, waits for the running ones and saves the state. Interrupt again to abort at once (the journal keeps every change that completed).");
    signals.next().await;
    eprintln!("\nAborted. Run galley apply again: the state and its journal hold every change that completed; operations that were running may need galley plan to show where they stand.");
    std::process::exit(EXIT_ABORTED);
}

/// Carries migrating blue/green upgrades on to the end (shifts, bakes, gates,
/// decommission) after `summary`'s changes were applied; an interrupt (`stop`) ends it
/// after the step under way, with exit code 4.
fn continue_blue_green(
    s: &Session,
    args: &ApplyArgs,
    written: &Arc<engine::config::Config>,
    layouts: &mut [blue_green::Layout],
    (state, vars, stop): (
        engine::state::State,
        std::collections::BTreeMap<String, engine::value::Value>,
        Arc<AtomicBool>,
    ),
    (summary, started): (Summary, std::time::Instant),
) -> i32 {
    let Ok(backend) = s.backend(args.flags.state.as_deref()) else {
        return EXIT_ERROR;
    };
    let executor = blue_green::Executor {
        config: written,
        factories: s.factories(),
        vars,
        parallelism: args.flags.parallelism,
        sink: JournalSink::new(backend),
        hooks: &CliHooks(s, stop.clone()),
        stop: stop.clone(),
    };
    let done = runtime().block_on(executor.finish(layouts, state));
    if stop.load(Ordering::SeqCst) {
        let rest: Vec<_> = done
            .diagnostics
            .into_iter()
            .filter(|d| d.summary != engine::walk::INTERRUPTED && d.summary != blue_green::STOPPED)
            .collect();
        s.report(&engine::diag::Diagnostics(rest));
        let _ = s.flush_simulator();
        eprintln!("\nApply interrupted: the blue/green upgrade stopped after the step under way. The state records where it stands; run galley apply again to carry on.");
        return EXIT_INTERRUPTED;
    }
    s.report(&done.diagnostics);
    let flushed = s.flush_simulator();
    let mut total = summary;
    total += done.summary;
    if done.diagnostics.has_errors() {
        eprintln!("\nApply failed; the state records every change that completed and where the blue/green upgrade stands. Fix the errors and run apply again.");
        return EXIT_ERROR;
    }
    if flushed.is_err() {
        return EXIT_ERROR;
    }
    applied(s, &total, started, &done.state);
    EXIT_OK
}

/// Bakes on the simulator advance its virtual clock; against real clouds they wait, until
/// an interrupt (the flag) ends the wait.
struct CliHooks<'a>(&'a Session, Arc<AtomicBool>);

impl blue_green::Hooks for CliHooks<'_> {
    fn wait(&self, d: std::time::Duration) {
        if self.0.sim {
            return self.0.wait(d);
        }
        let until = std::time::Instant::now() + d;
        while !self.1.load(Ordering::SeqCst) {
            let left = until.saturating_duration_since(std::time::Instant::now());
            if left.is_zero() {
                return;
            }
            self.0.wait(left.min(std::time::Duration::from_millis(200)));
        }
    }

    fn say(&self, line: &str) {
        println!("{line}");
    }
}

/// Prints `Apply complete!` with the counts and the outputs.
fn applied(
    s: &Session,
    summary: &Summary,
    started: std::time::Instant,
    final_state: &engine::state::State,
) {
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
    let outputs = engine::state::ops::outputs_text(final_state);
    if !outputs.is_empty() {
        println!("\nOutputs:\n\n{}", outputs.trim_end());
    }
}

/// Asks for "yes" on stdin, as Terraform does, whether or not stdin is a terminal (a
/// pipe can answer). Closed stdin cannot approve.
fn confirm(destroy: bool) -> bool {
    eprint!(
        "\nDo you really want to {}?\n  Only 'yes' will be accepted to approve.\n\n  Enter a value: ",
        if destroy { "destroy all resources" } else { "perform these actions" }
    );
    let _ = std::io::stderr().flush();
    let mut line = String::new();
    match std::io::stdin().lock().read_line(&mut line) {
        Ok(0) | Err(_) if !interactive() => {
            eprintln!(
                "\nError: no input to confirm on; pass -auto-approve to apply without confirmation."
            );
            false
        }
        _ => line.trim() == "yes",
    }
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

/// The migrating layouts whose new cluster `plan` deletes.
fn abandoned_by(plan: &Plan, layouts: &[blue_green::Layout]) -> Vec<usize> {
    if plan.destroy {
        return Vec::new();
    }
    (0..layouts.len())
        .filter(|&i| {
            layouts[i].phase != blue_green::Phase::Steady
                && layouts[i].plans_new_cluster(plan, engine::plan::Action::Delete)
        })
        .collect()
}

fn say_abandoned(layouts: &[blue_green::Layout], abandoned: &[usize]) {
    for &i in abandoned {
        let l = &layouts[i];
        println!(
            "{}: the configuration no longer upgrades {} (the {} side's version); apply destroys the {} side ({} resource(s)) and leaves all traffic on the {} side.",
            l.label(),
            l.abs(&l.bg.cluster.resource),
            l.live.as_str(),
            l.live.other().as_str(),
            l.members.resources.len() + 1,
            l.live.as_str(),
        );
    }
}

/// Gives up the migrations of `abandoned`: records it, then lets the executor destroy
/// their new sides and apply the configuration as written.
fn abandon(
    s: &Session,
    args: &ApplyArgs,
    written: &Arc<engine::config::Config>,
    layouts: &mut [blue_green::Layout],
    mut state: engine::state::State,
    abandoned: &[usize],
    vars: std::collections::BTreeMap<String, engine::value::Value>,
) -> i32 {
    for &i in abandoned {
        let side = Some(layouts[i].live.other());
        blue_green::record(&mut state, &layouts[i], side);
    }
    let stop = Arc::new(AtomicBool::new(false));
    listen_for_interrupts(stop.clone());
    continue_blue_green(
        s,
        args,
        written,
        layouts,
        (state, vars, stop),
        (Summary::default(), std::time::Instant::now()),
    )
}

/// Marks the layouts a plan starts migrating: the plan creates their new side's cluster.
fn start_blue_green(plan: &Plan, layouts: &mut [blue_green::Layout]) {
    if plan.destroy {
        return;
    }
    for l in layouts
        .iter_mut()
        .filter(|l| l.phase == blue_green::Phase::Steady)
    {
        if l.plans_new_cluster(plan, engine::plan::Action::Create) {
            l.phase = blue_green::Phase::Migrating { new_weight: 0 };
        }
    }
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
