//! `galley upgrade check`: where every managed-service version stands on its support calendar.

use chrono::NaiveDate;

use crate::cli::{FailOn, UpgradeCatalogArgs, UpgradeCheckArgs, UpgradePlanArgs};
use crate::session::{Session, EXIT_ERROR, EXIT_OK};
use engine::upgrade::Status;

/// Runs `upgrade check`.
pub fn check(s: &Session, args: &UpgradeCheckArgs) -> i32 {
    let Some(as_of) = as_of(args.as_of.as_deref()) else {
        return EXIT_ERROR;
    };
    let Ok(config) = s.load_config() else {
        return EXIT_ERROR;
    };
    let options = if args.var_options.is_empty() {
        let vars = args.vars.iter().cloned().map(engine::vars::CliVar::Var);
        let files = args
            .var_files
            .iter()
            .cloned()
            .map(engine::vars::CliVar::File);
        vars.chain(files).collect()
    } else {
        args.var_options.clone()
    };
    let Ok(vars) = s.root_vars_from(&config, options) else {
        return EXIT_ERROR;
    };
    let report = engine::upgrade::check(&config, &vars, as_of);
    if args.json {
        println!(
            "{}",
            serde_json::to_string_pretty(&report.to_json()).unwrap_or_default()
        );
    } else {
        print!("{}", report.render());
    }
    let threshold = match args.fail_on {
        None => return EXIT_OK,
        Some(FailOn::Extended) => Status::ExtendedSupport,
        Some(FailOn::Unsupported) => Status::Unsupported,
    };
    let failing: Vec<&str> = report
        .items
        .iter()
        .filter(|i| i.status >= threshold)
        .map(|i| i.address.as_str())
        .collect();
    if failing.is_empty() {
        return EXIT_OK;
    }
    eprintln!(
        "\nError: {} version(s) at or past {} on {}: {}",
        failing.len(),
        threshold.as_str(),
        as_of,
        failing.join(", ")
    );
    EXIT_ERROR
}

/// `--as-of`, else `GALLEY_TODAY`, else today (UTC). Reports a malformed date.
pub fn as_of(flag: Option<&str>) -> Option<NaiveDate> {
    let (text, from) = match (flag, std::env::var("GALLEY_TODAY").ok()) {
        (Some(f), _) => (f.to_string(), "--as-of"),
        (None, Some(env)) => (env, "GALLEY_TODAY"),
        (None, None) => return Some(chrono::Utc::now().date_naive()),
    };
    match NaiveDate::parse_from_str(text.trim(), "%Y-%m-%d") {
        Ok(d) => Some(d),
        Err(_) => {
            eprintln!("Error: invalid {from} {text:?}: expected a date as YYYY-MM-DD");
            None
        }
    }
}

/// Runs `upgrade plan`: plans as `galley plan` does (reading state, refreshing) and shows
/// only the upgrades. Exits 1 when a check fails and is not overridden.
pub fn plan(s: &Session, args: &UpgradePlanArgs) -> i32 {
    let Ok(backend) = s.backend(args.flags.state.as_deref()) else {
        return EXIT_ERROR;
    };
    let Ok(state) = s.load_state(backend.as_ref()) else {
        return EXIT_ERROR;
    };
    let Ok(super::plan::Planned { plan, .. }) =
        super::plan::make_plan(s, &args.flags, false, state)
    else {
        return EXIT_ERROR;
    };
    if args.json {
        let ups: Vec<serde_json::Value> = plan.upgrades.iter().map(|u| u.to_json()).collect();
        println!(
            "{}",
            serde_json::to_string_pretty(&serde_json::json!({ "upgrades": ups }))
                .unwrap_or_default()
        );
    } else if plan.upgrades.is_empty() {
        println!("No upgrades: no EKS, Aurora, MSK or ElastiCache version changes in this plan.");
    } else {
        for u in &plan.upgrades {
            print!("{}", u.render());
        }
    }
    if super::plan::failed_checks(&plan, &args.flags) {
        EXIT_ERROR
    } else {
        EXIT_OK
    }
}

/// Runs `upgrade catalog`: asks AWS (standard credential chain, `AWS_ENDPOINT_URL_*`)
/// what it offers and prints where the catalog differs. Exits 0 when nothing differs,
/// 2 when something does, 1 when AWS cannot be reached at all.
pub fn catalog(args: &UpgradeCatalogArgs) -> i32 {
    let Some(today) = as_of(args.as_of.as_deref()) else {
        return EXIT_ERROR;
    };
    let block = match &args.region {
        Some(r) => engine::value::Value::object([("region", engine::value::Value::string(r))]),
        None => engine::value::Value::object(Vec::<(String, engine::value::Value)>::new()),
    };
    let settings = match aws::settings::Settings::from_block(&block) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("Error: {e}");
            return EXIT_ERROR;
        }
    };
    let report =
        match super::plan::runtime().block_on(aws::catalog_check::cross_check(&settings, today)) {
            Ok(r) => r,
            Err(e) => {
                eprintln!("Error: {e}");
                return EXIT_ERROR;
            }
        };
    if args.json {
        println!(
            "{}",
            serde_json::to_string_pretty(&report.to_json()).unwrap_or_default()
        );
    } else {
        print!("{}", report.render());
    }
    if report.differences.is_empty() {
        EXIT_OK
    } else {
        2
    }
}
