//! `galley plan`: compute and show a plan; `-out`, `--json`, `-detailed-exitcode`.

use std::sync::Arc;

use engine::addr::{ResourceInstance, Target};
use engine::plan::Plan;
use engine::upgrade::blue_green;
use engine::walk::{Options, Walk, WalkMode};

use crate::cli::{PlanArgs, PlanFlags};
use crate::session::{Reported, Session, EXIT_CHANGES, EXIT_ERROR, EXIT_OK};

/// Loads everything and computes a plan (state lock held by the caller, if needed).
pub fn make_plan(
    s: &Session,
    flags: &PlanFlags,
    destroy: bool,
    state: engine::state::State,
) -> Result<Planned, Reported> {
    let config = s.load_config()?;
    let vars = s.root_vars(&config, flags)?;
    let mut targets = Vec::new();
    for t in &flags.targets {
        match t.parse::<Target>() {
            Ok(t) => targets.push(t),
            Err(e) => {
                eprintln!("Error: invalid -target: {e}");
                return Err(Reported);
            }
        }
    }
    let mut replace = Vec::new();
    for r in &flags.replace {
        match r.parse::<ResourceInstance>() {
            Ok(r) => replace.push(r),
            Err(e) => {
                eprintln!("Error: invalid -replace: {e}");
                return Err(Reported);
            }
        }
    }
    let opts = Options {
        refresh: flags.refresh,
        targets,
        replace,
        parallelism: flags.parallelism,
        ..Options::default()
    };
    let mode = if destroy {
        WalkMode::PlanDestroy
    } else {
        WalkMode::Plan
    };
    let today = super::upgrade::as_of(None).ok_or(Reported)?;
    let mut layouts = blue_green::layouts(&config, &state).map_err(|d| {
        s.report(&d);
        Reported
    })?;
    let config = Arc::new(config);
    let plan_with = |layouts: &[blue_green::Layout], state: engine::state::State| {
        let derived = blue_green::derive(&config, layouts);
        let walk = Walk::new(
            derived.clone(),
            s.factories(),
            vars.clone(),
            state,
            opts.clone(),
            mode,
        )
        .map_err(|d| {
            s.report(&d);
            Reported
        })?;
        match runtime().block_on(walk.plan()) {
            Ok(mut plan) => {
                plan.upgrades = engine::upgrade::upgrades(&plan, &derived, layouts, today);
                plan.configuration = engine::plan::ConfigDigest::of(&config, &s.sources);
                Ok(plan)
            }
            Err(d) => {
                s.report(&d);
                Err(Reported)
            }
        }
    };
    if destroy {
        // Everything goes, both sides included: the moment state records has every
        // provider configuration they need.
        let plan = plan_with(&layouts, state)?;
        s.report(&plan.diagnostics);
        return Ok(Planned {
            plan,
            layouts,
            abandoned: Vec::new(),
        });
    }
    // First the configuration as written, one side only: it says which clusters the
    // user upgrades now. A version change of a cluster upgraded blue/green is not an
    // update of it: it starts a migration, planned again with the new side beside it.
    if let Some(l) = layouts
        .iter()
        .find(|l| blue_green::destroying(&state, &l.key()).is_some())
    {
        eprintln!(
            "Error: {} stopped while destroying one of its sides\n\n  An apply was interrupted in the middle of it. Run galley apply (without -target or a plan file) to finish it, then plan again.",
            l.named()
        );
        return Err(Reported);
    }
    let first = plan_with(&blue_green::steady(&layouts), state.clone())?;
    if !opts.targets.is_empty()
        && (blue_green::migrating(&layouts)
            || layouts.iter().any(|l| l.upgraded_by(&first.upgrades)))
    {
        // A targeted plan cannot tell a version set back from a cluster left out of the
        // targets, nor carry a migration through: it would start, abandon or upgrade in
        // place what the user did not ask for.
        let l = layouts
            .iter()
            .find(|l| l.phase != blue_green::Phase::Steady || l.upgraded_by(&first.upgrades))
            .expect("checked");
        eprintln!(
            "Error: -target cannot be used with the blue/green upgrade of {} ({})\n\n  Plan and apply without -target while a blue/green upgrade starts or is under way.",
            l.abs(&l.bg.cluster.resource),
            l.named()
        );
        return Err(Reported);
    }
    let abandoned = blue_green::advance(&mut layouts, &first.upgrades);
    if !abandoned.is_empty() || !blue_green::migrating(&layouts) {
        // Given up: the written configuration's plan is the truth (the new side's
        // resources go, the live side stays).
        s.report(&first.diagnostics);
        return Ok(Planned {
            plan: first,
            layouts,
            abandoned,
        });
    }
    let upgrades = first.upgrades;
    let mut second = plan_with(&layouts, state)?;
    s.report(&second.diagnostics);
    second.upgrades = upgrades;
    Ok(Planned {
        plan: second,
        layouts,
        abandoned,
    })
}

/// A plan, with where each `blue_green` block stands for it.
pub struct Planned {
    /// The plan.
    pub plan: Plan,
    /// Each block's layout at the moment the plan leads to.
    pub layouts: Vec<blue_green::Layout>,
    /// Indexes in `layouts` of migrations the configuration no longer asks for.
    pub abandoned: Vec<usize>,
}

/// The tokio runtime commands run on.
pub fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("tokio runtime")
}

/// Runs `plan`.
pub fn run(s: &Session, args: &PlanArgs) -> i32 {
    let Ok(backend) = s.backend(args.flags.state.as_deref()) else {
        return EXIT_ERROR;
    };
    let Ok(_lock) = s.lock(backend.as_ref(), "plan", &args.flags.lock_timeout) else {
        return EXIT_ERROR;
    };
    let Ok(state) = s.load_state(backend.as_ref()) else {
        return EXIT_ERROR;
    };
    let plan = match make_plan(s, &args.flags, args.destroy, state) {
        Ok(p) => {
            for &i in p.abandoned.iter().filter(|_| !args.json) {
                let l = &p.layouts[i];
                println!(
                    "{}: the configuration no longer upgrades {}; apply gives the upgrade up and destroys the {} side.\n",
                    l.label(),
                    l.abs(&l.bg.cluster.resource),
                    l.live.other().as_str()
                );
            }
            for (i, l) in p.layouts.iter().enumerate() {
                let blue_green::Phase::Migrating { new_weight } = l.phase else {
                    continue;
                };
                if p.abandoned.contains(&i) {
                    continue;
                }
                let starting = l.plans_new_cluster(&p.plan, engine::plan::Action::Create);
                if !starting && !args.json {
                    println!(
                        "{}: upgrade under way, {new_weight}% of traffic on the {} side; galley apply goes on with the remaining traffic steps.\n",
                        l.label(),
                        l.live.other().as_str()
                    );
                }
            }
            p.plan
        }
        Err(Reported) => {
            if args.json {
                println!(
                    "{}",
                    serde_json::json!({"format_version": "1", "resource_changes": [], "upgrades": [], "diagnostics": [{"severity": "error", "summary": "planning failed; see stderr"}]})
                );
            }
            return EXIT_ERROR;
        }
    };
    if args.json {
        println!(
            "{}",
            serde_json::to_string_pretty(&plan.to_json(&s.sources)).unwrap_or_default()
        );
    } else {
        print!(
            "{}",
            crate::style::paint_plan(
                &engine::plan::render_plan(&plan),
                crate::style::stdout_color()
            )
        );
    }
    if failed_checks(&plan, &args.flags) {
        // No plan file: a plan that fails its checks must not be applied.
        return EXIT_ERROR;
    }
    if let Some(out) = &args.out {
        let Ok(encryption) = s.encryption() else {
            return EXIT_ERROR;
        };
        let bytes = match plan.to_file_with(encryption.as_deref()) {
            Ok(b) => b,
            Err(e) => {
                eprintln!("Error: cannot write plan file {}: {e}", out.display());
                return EXIT_ERROR;
            }
        };
        if let Err(e) = engine::private_file::write_private(&s.dir.join(out), &bytes) {
            eprintln!("Error: cannot write plan file {}: {e}", out.display());
            return EXIT_ERROR;
        }
        if !args.json {
            println!("\nSaved the plan to: {}\n\nTo perform exactly these actions, run:\n    galley apply {}", out.display(), out.display());
        }
    }
    if args.detailed_exitcode && plan.has_changes() {
        EXIT_CHANGES
    } else {
        EXIT_OK
    }
}

/// Reports every failed upgrade check not overridden with `--override-check`; true when
/// there was one (the plan must then not go on).
pub fn failed_checks(plan: &Plan, flags: &PlanFlags) -> bool {
    let mut failed = false;
    for u in &plan.upgrades {
        for c in u.failures() {
            if flags.override_checks.iter().any(|o| o == c.name) {
                eprintln!(
                    "Warning: upgrade check {} of {} failed and is overridden: {}",
                    c.name, u.address, c.message
                );
                continue;
            }
            failed = true;
            eprintln!(
                "Error: upgrade check {} failed for {} ({} -> {})\n\n  {}\n\n  Fix the configuration, or pass --override-check {} to go on anyway.",
                c.name, u.address, u.from, u.to, c.message, c.name
            );
        }
    }
    failed
}
