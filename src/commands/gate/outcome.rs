//! What one stack's rehearsal came to, in the terms the reports use: test cases named by
//! repository paths and lines, plan counts, upgrade steps with what became of each, and
//! what was left behind. Built from the kitchen's reports; written by `junit`, `summary`
//! and `github`.

use std::path::Path;
use std::time::Duration;

use engine::diag::{Diagnostic, Location, SourceMap, Span};
use engine::plan::Summary;
use engine::upgrade::Upgrade;
use kitchen::file::Command;
use kitchen::gate::Role;
use kitchen::{Outcome, RunReport};

/// A failed assertion or an error, located in the repository.
#[derive(Debug, Clone, PartialEq)]
pub struct Failure {
    /// One line: the summary and, for an assertion, its `error_message`.
    pub message: String,
    /// Everything the diagnostic says (an assertion's parts with their values).
    pub detail: String,
    /// Where, with a repository-relative file.
    pub location: Option<Location>,
}

/// What a test case is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CaseKind {
    /// The base revision's apply, before the head's runs.
    Setup,
    /// A run block of a test file.
    Run,
    /// One step of an upgrade an apply run executed.
    Step,
    /// Destroying everything, and checking the simulator's world is empty.
    Teardown,
}

/// One test case of the JUnit report.
#[derive(Debug, Clone)]
pub struct Case {
    /// What it is.
    pub kind: CaseKind,
    /// The test file, repository-relative (empty for the setup and the teardown).
    pub file: String,
    /// Its name: the run's, or a step's description.
    pub name: String,
    /// How it ended.
    pub outcome: Outcome,
    /// Real time taken.
    pub wall: Duration,
    /// Simulated time taken.
    pub simulated: Option<Duration>,
    /// Where the run block is.
    pub location: Option<Location>,
    /// The counts of its plan.
    pub plan: Option<Summary>,
    /// The upgrades its plan held (runs and the setup only).
    pub upgrades: Vec<Upgrade>,
    /// Failed assertions and errors.
    pub failures: Vec<Failure>,
    /// Why it was skipped, for a skipped case.
    pub skipped: Option<String>,
}

/// How the base revision was rehearsed.
#[derive(Debug, Clone, PartialEq)]
pub enum Base {
    /// New at head: there is no base to start from.
    New,
    /// Applied first; the head's runs went on top of it.
    Applied,
    /// The base would not apply: not the head's fault. The head was rehearsed alone.
    Failed(Vec<Failure>),
}

/// One affected stack's rehearsal.
#[derive(Debug, Clone)]
pub struct StackOutcome {
    /// Its directory at head.
    pub path: String,
    /// Stack, or module run for its own tests.
    pub role: Role,
    /// Why it is affected.
    pub reasons: Vec<String>,
    /// How the base revision went.
    pub base: Base,
    /// Its test cases, in the order they ran.
    pub cases: Vec<Case>,
    /// Objects left behind (by the destroy, or still in the simulator's world).
    pub leftovers: Vec<String>,
    /// Problems outside any run (unreadable test files, ledger errors).
    pub errors: Vec<Failure>,
    /// Every run passed and nothing was left behind.
    pub passed: bool,
    /// Real time of the whole rehearsal.
    pub wall: Duration,
}

impl StackOutcome {
    /// The plan of the head's first run: what the change does to the base (or, for a new
    /// stack, everything it creates).
    pub fn plan(&self) -> Option<Summary> {
        self.cases
            .iter()
            .find(|c| c.kind == CaseKind::Run && c.plan.is_some())
            .and_then(|c| c.plan)
    }

    /// The upgrades the head's runs planned, each once.
    pub fn upgrades(&self) -> Vec<&Upgrade> {
        let mut out: Vec<&Upgrade> = Vec::new();
        for u in self
            .cases
            .iter()
            .filter(|c| c.kind == CaseKind::Run)
            .flat_map(|c| c.upgrades.iter())
        {
            if !out
                .iter()
                .any(|o| o.address == u.address && o.from == u.from && o.to == u.to)
            {
                out.push(u);
            }
        }
        out
    }

    /// Every failure, with the case it belongs to (`None`: the stack's own).
    pub fn failures(&self) -> Vec<(Option<&Case>, &Failure)> {
        let mut out: Vec<(Option<&Case>, &Failure)> =
            self.errors.iter().map(|f| (None, f)).collect();
        for c in &self.cases {
            if matches!(c.outcome, Outcome::Fail | Outcome::Error) {
                out.extend(c.failures.iter().map(|f| (Some(c), f)));
            }
        }
        out
    }
}

/// Turns the kitchen's absolute checkout paths back into repository paths.
pub struct Paths<'a> {
    /// The source map the kitchen loaded files into.
    pub sources: &'a SourceMap,
    /// The checkout roots (head, base): cut from the front of file names.
    pub roots: Vec<String>,
}

impl Paths<'_> {
    /// Checkout roots, as the kitchen names files under them (absolute, or relative to
    /// the current directory when inside it).
    pub fn roots_of(dirs: &[&Path]) -> Vec<String> {
        let mut out = Vec::new();
        for d in dirs {
            out.push(format!("{}/", d.display()));
            out.push(format!("{}/", engine::diag::display_path(d)));
        }
        out
    }

    /// A file name as the repository knows it.
    pub fn repo_path(&self, name: &str) -> String {
        for r in &self.roots {
            if let Some(rest) = name.strip_prefix(r.as_str()) {
                return rest.to_string();
            }
        }
        name.to_string()
    }

    /// The repository location of a span.
    pub fn location(&self, span: Option<Span>) -> Option<Location> {
        let mut l = self.sources.location(span?)?;
        l.file = self.repo_path(&l.file);
        Some(l)
    }

    /// A diagnostic as a failure.
    pub fn failure(&self, d: &Diagnostic) -> Failure {
        let detail = d.detail.clone().unwrap_or_default();
        // An assertion's detail ends with its error_message, after its parts.
        let last = detail
            .trim_end()
            .rsplit("\n\n")
            .next()
            .unwrap_or("")
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ");
        let message = if last.is_empty() {
            d.summary.clone()
        } else {
            format!("{}: {last}", d.summary)
        };
        Failure {
            message,
            detail: detail.trim_end().to_string(),
            location: self.location(d.span),
        }
    }

    /// The case of a run (or of the setup), followed by a case for each upgrade step
    /// an apply executed.
    pub fn run_cases(&self, file: &str, kind: CaseKind, r: &RunReport) -> Vec<Case> {
        let skipped = (r.outcome == Outcome::Skip)
            .then(|| "an earlier run errored, or the gate was interrupted".to_string());
        let mut out = vec![Case {
            kind,
            file: file.to_string(),
            name: r.name.clone(),
            outcome: r.outcome,
            wall: r.wall,
            simulated: r.simulated,
            location: self.location(r.span),
            plan: r.plan,
            upgrades: r.upgrades.clone(),
            failures: r
                .diagnostics
                .iter()
                .filter(|d| d.is_error())
                .map(|d| self.failure(d))
                .collect(),
            skipped,
        }];
        for (step, outcome, why) in step_outcomes(r) {
            out.push(Case {
                kind: CaseKind::Step,
                file: file.to_string(),
                name: format!("{} / step {}: {}", r.name, step.index, step.description),
                outcome,
                wall: Duration::ZERO,
                simulated: None,
                location: self.location(r.span),
                plan: None,
                upgrades: Vec::new(),
                failures: match (&why, outcome) {
                    (Some(w), Outcome::Fail) => vec![Failure {
                        message: format!("Upgrade step {} failed", step.index),
                        detail: w.clone(),
                        location: self.location(r.span),
                    }],
                    _ => Vec::new(),
                },
                skipped: why.filter(|_| outcome == Outcome::Skip),
            });
        }
        out
    }
}

/// What became of each upgrade step of an apply run: all passed when the apply did; the
/// one the engine names in "Upgrade step N failed" failed, the ones before it passed and
/// the ones after it were not run; when the apply failed otherwise, none is confirmed.
/// A plan run executes no steps.
pub fn step_outcomes(r: &RunReport) -> Vec<(&engine::upgrade::Step, Outcome, Option<String>)> {
    if r.command != Command::Apply || r.outcome == Outcome::Skip {
        return Vec::new();
    }
    let applied = matches!(r.outcome, Outcome::Pass | Outcome::Fail);
    let mut out = Vec::new();
    for u in &r.upgrades {
        let failed_at = r.diagnostics.iter().find_map(|d| {
            u.steps
                .iter()
                .find(|s| {
                    d.summary == format!("Upgrade step {} failed", s.index)
                        && d.detail
                            .as_deref()
                            .is_some_and(|t| t.starts_with(&s.description))
                })
                .map(|s| (s.index, d.detail.clone().unwrap_or_default()))
        });
        for s in &u.steps {
            let (outcome, why) = match (&failed_at, applied) {
                (_, true) => (Outcome::Pass, None),
                (Some((i, detail)), false) if s.index == *i => {
                    (Outcome::Fail, Some(detail.clone()))
                }
                (Some((i, _)), false) if s.index < *i => (Outcome::Pass, None),
                (Some(_), false) => (
                    Outcome::Skip,
                    Some("not run: an earlier step failed".to_string()),
                ),
                (None, false) => (
                    Outcome::Skip,
                    Some("not confirmed: the apply failed (see the run)".to_string()),
                ),
            };
            out.push((s, outcome, why));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use engine::diag::Diagnostics;
    use engine::upgrade::{Cost, Step};

    fn upgrade(steps: usize) -> Upgrade {
        Upgrade {
            address: "aws_eks_cluster.main".into(),
            kind: "eks",
            from: "1.31".into(),
            to: "1.33".into(),
            strategy: "in_place",
            steps: (1..=steps)
                .map(|i| Step {
                    index: i,
                    address: "aws_eks_cluster.main".into(),
                    action: "control_plane",
                    target: Some(format!("1.3{}", i + 1)),
                    description: format!("Update the control plane to 1.3{}", i + 1),
                    when: None,
                })
                .collect(),
            checks: Vec::new(),
            cost: Cost::default(),
            alternative: None,
        }
    }

    fn run(command: Command, outcome: Outcome, diags: Vec<Diagnostic>) -> RunReport {
        RunReport {
            name: "upgrade".into(),
            span: None,
            outcome,
            wall: Duration::ZERO,
            simulated: None,
            diagnostics: Diagnostics(diags),
            command,
            plan: None,
            upgrades: vec![upgrade(3)],
        }
    }

    fn outcomes(r: &RunReport) -> Vec<Outcome> {
        step_outcomes(r).into_iter().map(|(_, o, _)| o).collect()
    }

    #[test]
    fn steps_of_an_apply_that_went_through_all_passed_even_if_an_assertion_then_failed() {
        for o in [Outcome::Pass, Outcome::Fail] {
            assert_eq!(
                outcomes(&run(Command::Apply, o, Vec::new())),
                [Outcome::Pass; 3]
            );
        }
    }

    #[test]
    fn the_step_the_engine_names_failed_the_earlier_passed_and_the_later_did_not_run() {
        let d = Diagnostic::error("Upgrade step 2 failed").with_detail(
            "Update the control plane to 1.33: ResourceInUseException. Steps before it are done.",
        );
        assert_eq!(
            outcomes(&run(Command::Apply, Outcome::Error, vec![d])),
            [Outcome::Pass, Outcome::Fail, Outcome::Skip]
        );
    }

    #[test]
    fn steps_of_an_apply_that_failed_elsewhere_are_unconfirmed_and_a_plan_runs_none() {
        let d = Diagnostic::error("creating aws_vpc.main: capacity");
        assert_eq!(
            outcomes(&run(Command::Apply, Outcome::Error, vec![d])),
            [Outcome::Skip; 3]
        );
        assert!(outcomes(&run(Command::Plan, Outcome::Pass, Vec::new())).is_empty());
        assert!(outcomes(&run(Command::Apply, Outcome::Skip, Vec::new())).is_empty());
    }

    #[test]
    fn an_assertion_failure_reads_as_its_summary_and_error_message_on_one_line() {
        let sources = SourceMap::new();
        let paths = Paths {
            sources: &sources,
            roots: Paths::roots_of(&[Path::new("/tmp/x/head")]),
        };
        let f = paths.failure(
            &Diagnostic::error("Test assertion failed")
                .with_detail("  output.n is 5\n\nTwo web\ninstances by default.\n"),
        );
        assert_eq!(
            f.message,
            "Test assertion failed: Two web instances by default."
        );
        assert!(f.detail.starts_with("  output.n is 5"));
        assert_eq!(
            paths.repo_path("/tmp/x/head/stacks/a/t.kitchen.hcl"),
            "stacks/a/t.kitchen.hcl"
        );
        assert_eq!(paths.repo_path("elsewhere/t.hcl"), "elsewhere/t.hcl");
    }
}
