//! `run_with_setup`: the setup configuration is applied first and the file's runs plan
//! against its state; a setup that fails skips the runs and still leaves nothing behind.

use std::path::Path;
use std::sync::Arc;

use engine::diag::SourceMap;
use engine::provider::ProviderFactory;
use kitchen::runner::{run_with_setup, Setup};
use kitchen::{Interrupt, Outcome, Reporter, RunReport, Settings};

struct Quiet;

impl Reporter for Quiet {
    fn file_started(&self, _: &Path) {}
    fn run_finished(&self, _: &RunReport) {}
    fn teardown_started(&self, _: &Path) {}
    fn note(&self, _: &str) {}
}

fn vpc(name: &str, extra: &str) -> String {
    format!(
        "provider \"aws\" {{\n  region = \"eu-west-1\"\n}}\n{extra}\nresource \"aws_vpc\" \"main\" {{\n  cidr_block = \"10.0.0.0/16\"\n  tags       = {{ Name = \"{name}\" }}\n}}\n"
    )
}

const TEST: &str = "run \"change\" {\n  assert {\n    condition     = aws_vpc.main.tags[\"Name\"] == \"head\"\n    error_message = \"renamed\"\n  }\n}\n";

async fn rehearse(root: &Path, base: &str) -> (kitchen::Report, Arc<sim::SimFactory>) {
    for (dir, text) in [("base", base), ("head", &vpc("head", ""))] {
        std::fs::create_dir_all(root.join(dir)).unwrap();
        std::fs::write(root.join(dir).join("main.tf"), text).unwrap();
    }
    std::fs::write(root.join("head/t.kitchen.hcl"), TEST).unwrap();
    let sim = Arc::new(sim::SimFactory::new(
        root.join("sim"),
        sim::SimOptions::default(),
    ));
    let settings = Settings {
        dir: root.join("head"),
        factories: vec![sim.clone() as Arc<dyn ProviderFactory>],
        sim: Some(sim.clone()),
        real: false,
        keep_on_failure: false,
        interrupt: Interrupt::new(),
    };
    let setup = Setup {
        dir: root.join("base"),
        name: "base".into(),
    };
    let report = run_with_setup(&settings, Some(&setup), &SourceMap::new(), &Quiet).await;
    (report, sim)
}

#[tokio::test]
async fn the_runs_change_what_the_setup_applied_instead_of_creating_it() {
    let tmp = tempfile::tempdir().unwrap();
    let (report, sim) = rehearse(tmp.path(), &vpc("base", "")).await;
    assert!(report.success(), "{report:?}");
    let f = &report.files[0];
    let setup = f.setup.as_ref().expect("a setup report");
    assert_eq!(setup.outcome, Outcome::Pass);
    assert_eq!(setup.plan.map(|p| (p.add, p.change)), Some((1, 0)));
    let run = &f.runs[0];
    assert_eq!(run.outcome, Outcome::Pass, "{run:?}");
    assert_eq!(
        run.plan.map(|p| (p.add, p.change, p.destroy)),
        Some((0, 1, 0)),
        "the head's plan updates the base's VPC in place"
    );
    assert_eq!(f.teardown.destroyed, 1);
    assert_eq!(sim.inventory().unwrap(), Vec::new());
}

#[tokio::test]
async fn a_setup_that_fails_skips_the_runs_and_leaves_nothing_behind() {
    let tmp = tempfile::tempdir().unwrap();
    let broken = vpc("base", "variable \"needed\" {\n  type = string\n}\n");
    let (report, sim) = rehearse(tmp.path(), &broken).await;
    assert!(report.setup_failed());
    assert!(!report.success());
    let f = &report.files[0];
    let setup = f.setup.as_ref().expect("a setup report");
    assert_eq!(setup.outcome, Outcome::Error);
    assert!(
        setup
            .diagnostics
            .iter()
            .any(|d| d.summary == "No value for required variable"),
        "{setup:?}"
    );
    assert_eq!(f.runs[0].outcome, Outcome::Skip);
    assert_eq!(sim.inventory().unwrap(), Vec::new());
}
