//! `summary.md`: the gate's result as Markdown for a pull-request comment or a GitHub
//! step summary — affected stacks with their reasons, and per stack the plan counts,
//! upgrade steps, checks, failures with `file:line` and leftovers.

use std::fmt::Write as _;

use engine::plan::Summary;
use kitchen::gate::Role;
use kitchen::Outcome;

use super::outcome::{Base, Case, CaseKind, StackOutcome};

/// Marks the comment so a CI job can find and update its earlier one.
pub const MARKER: &str = "<!-- galley-gate -->";

/// What the summary needs besides the stacks.
pub struct Context<'a> {
    /// `--base`, as given.
    pub base: &'a str,
    /// `--head`, as given.
    pub head: &'a str,
    /// Stacks with no configuration left at head.
    pub deleted: &'a [String],
    /// The gate was interrupted.
    pub interrupted: bool,
}

/// The whole document.
pub fn render(stacks: &[StackOutcome], cx: &Context<'_>) -> String {
    let failed = stacks.iter().filter(|s| !s.passed).count();
    let mut out = String::new();
    let _ = writeln!(out, "{MARKER}");
    let verdict = if stacks.is_empty() {
        "nothing to rehearse".to_string()
    } else if failed == 0 && !cx.interrupted {
        format!("✅ {} stack(s) passed", stacks.len())
    } else {
        format!("❌ {failed} of {} stack(s) failed", stacks.len())
    };
    let _ = writeln!(out, "## galley gate: {verdict}\n");
    let _ = writeln!(
        out,
        "Rehearsed on the simulator, `{}` → `{}`.{}\n",
        code(cx.base),
        code(cx.head),
        if cx.interrupted {
            " **Interrupted**: the rehearsals were stopped and torn down."
        } else {
            ""
        }
    );
    if !stacks.is_empty() {
        out.push_str("| Stack | Result | Why affected | Plan | Upgrades | Time |\n");
        out.push_str("|---|---|---|---|---|---|\n");
        for s in stacks {
            let upgrades: Vec<String> = s
                .upgrades()
                .iter()
                .map(|u| format!("{} {} → {}", u.kind, u.from, u.to))
                .collect();
            let _ = writeln!(
                out,
                "| `{}`{} | {} | {} | {} | {} | {:.1}s |",
                code(&s.path),
                if s.role == Role::Module {
                    " (module)"
                } else {
                    ""
                },
                if s.passed { "✅ pass" } else { "❌ fail" },
                cell(&s.reasons.join("; ")),
                s.plan().map(counts).unwrap_or_else(|| "—".into()),
                if upgrades.is_empty() {
                    "—".to_string()
                } else {
                    cell(&upgrades.join(", "))
                },
                s.wall.as_secs_f64()
            );
        }
        out.push('\n');
    }
    for d in cx.deleted {
        let _ = writeln!(
            out,
            "- `{}`: deleted at head; nothing to rehearse.",
            code(d)
        );
    }
    if !cx.deleted.is_empty() {
        out.push('\n');
    }
    for s in stacks {
        stack(&mut out, s, cx);
    }
    out
}

fn stack(out: &mut String, s: &StackOutcome, cx: &Context<'_>) {
    let _ = writeln!(
        out,
        "### {} `{}`\n",
        if s.passed { "✅" } else { "❌" },
        code(&s.path)
    );
    match &s.base {
        Base::New => out.push_str("New stack: rehearsed from an empty environment.\n\n"),
        Base::Applied => {
            let _ = writeln!(
                out,
                "Rehearsed as a change: `{}` applied first, then the head's runs on top.\n",
                code(cx.base)
            );
        }
        Base::Failed(why) => {
            let _ = writeln!(
                out,
                "⚠️ **The base revision `{}` failed to apply** — not this change's fault. The head was rehearsed alone, so the change itself (an upgrade, a replacement) was **not** rehearsed.\n",
                code(cx.base)
            );
            for f in why {
                let _ = writeln!(out, "- {}", failure_line(f));
            }
            out.push('\n');
        }
    }
    out.push_str("**Runs**\n\n");
    for c in s.cases.iter().filter(|c| c.kind != CaseKind::Step) {
        let _ = writeln!(out, "- {}", case_line(c));
    }
    out.push('\n');
    let steps: Vec<&Case> = s
        .cases
        .iter()
        .filter(|c| c.kind == CaseKind::Step)
        .collect();
    let upgrades = s.upgrades();
    if !upgrades.is_empty() {
        out.push_str("**Upgrades**\n\n");
        for u in &upgrades {
            let _ = writeln!(
                out,
                "- `{}` {} {} → {} ({}), {} step(s), about {} minutes",
                code(&u.address),
                u.kind,
                u.from,
                u.to,
                u.strategy.replace('_', " "),
                u.steps.len(),
                u.cost.minutes
            );
            for c in &u.checks {
                let _ = writeln!(
                    out,
                    "  - check `{}`: {} — {}",
                    c.name,
                    c.status.as_str(),
                    cell(&c.message)
                );
            }
        }
        out.push('\n');
    }
    if !steps.is_empty() {
        out.push_str("**Upgrade steps executed**\n\n");
        for c in steps {
            let _ = writeln!(out, "- {} {}", mark(c.outcome), cell(&c.name));
        }
        out.push('\n');
    }
    let failures = s.failures();
    if !failures.is_empty() {
        out.push_str("**Failures**\n\n");
        for (c, f) in failures {
            let within = c
                .map(|c| format!(" (run \"{}\")", cell(&c.name)))
                .unwrap_or_default();
            let _ = writeln!(out, "- {}{within}", failure_line(f));
            if !f.detail.is_empty() {
                let _ = writeln!(out, "\n  ```\n{}\n  ```", indent(&fence_safe(&f.detail)));
            }
        }
        out.push('\n');
    }
    if s.leftovers.is_empty() {
        out.push_str("**Leftovers**: none — everything created was destroyed.\n\n");
    } else {
        out.push_str(
            "**Leftovers** — still there after the destroy; remove them with `galley kitchen sweep`:\n\n",
        );
        for l in &s.leftovers {
            let _ = writeln!(out, "- `{}`", code(l));
        }
        out.push('\n');
    }
}

fn case_line(c: &Case) -> String {
    let what = match c.kind {
        CaseKind::Setup => format!("setup: apply {}", cell(&c.name)),
        CaseKind::Run => format!("run `{}`", code(&c.name)),
        CaseKind::Step | CaseKind::Teardown => cell(&c.name),
    };
    let at = c
        .location
        .as_ref()
        .map(|l| format!(" ({}:{})", code(&l.file), l.line))
        .unwrap_or_default();
    let plan = c
        .plan
        .map(|p| format!(" — plan {}", counts(p)))
        .unwrap_or_default();
    let sim = c
        .simulated
        .filter(|d| !d.is_zero())
        .map(|d| format!(", {}s simulated", d.as_secs()))
        .unwrap_or_default();
    let time = if c.outcome == Outcome::Skip {
        c.skipped
            .as_deref()
            .map(|w| format!(" — skipped: {}", cell(w)))
            .unwrap_or_default()
    } else {
        format!(" — {:.2}s{sim}", c.wall.as_secs_f64())
    };
    format!("{} {what}{at}{plan}{time}", mark(c.outcome))
}

fn failure_line(f: &super::outcome::Failure) -> String {
    match &f.location {
        Some(l) => format!(
            "`{}:{}:{}` {}",
            code(&l.file),
            l.line,
            l.column,
            cell(&f.message)
        ),
        None => cell(&f.message),
    }
}

fn mark(o: Outcome) -> &'static str {
    match o {
        Outcome::Pass => "✅",
        Outcome::Fail => "❌",
        Outcome::Error => "💥",
        Outcome::Skip => "⏭️",
    }
}

/// `+2 ~1 -0` as add, change, destroy.
fn counts(p: Summary) -> String {
    format!("+{} ~{} -{}", p.add, p.change, p.destroy)
}

/// Text for one table cell or list item: one line, pipes escaped.
fn cell(s: &str) -> String {
    s.split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .replace('|', "\\|")
}

/// Text inside a code span: one line, without backticks (which would end it).
fn code(s: &str) -> String {
    cell(s).replace('`', "'")
}

/// Text inside a fenced block: a line of backticks would end the fence early.
fn fence_safe(s: &str) -> String {
    s.replace("```", "'''")
}

fn indent(s: &str) -> String {
    s.lines()
        .map(|l| format!("  {l}"))
        .collect::<Vec<_>>()
        .join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::commands::gate::outcome::Failure;
    use engine::diag::Location;
    use std::time::Duration;

    fn case(kind: CaseKind, name: &str, outcome: Outcome) -> Case {
        Case {
            kind,
            file: "stacks/a/a.kitchen.hcl".into(),
            name: name.into(),
            outcome,
            wall: Duration::from_millis(250),
            simulated: None,
            location: None,
            plan: None,
            upgrades: Vec::new(),
            failures: Vec::new(),
            skipped: None,
        }
    }

    #[test]
    fn a_failed_stack_lists_its_reasons_plan_failures_with_places_and_leftovers() {
        let mut run = case(CaseKind::Run, "web", Outcome::Fail);
        run.plan = Some(Summary {
            add: 3,
            change: 1,
            destroy: 0,
            import: 0,
        });
        run.failures = vec![Failure {
            message: "Test assertion failed: Two | web instances.".into(),
            detail: "  length(output.ips) is 5\n```".into(),
            location: Some(Location {
                file: "stacks/a/a.kitchen.hcl".into(),
                line: 5,
                column: 21,
            }),
        }];
        let s = StackOutcome {
            path: "stacks/a".into(),
            role: Role::Stack,
            reasons: vec!["stacks/a/main.tf changed".into()],
            base: Base::Applied,
            cases: vec![run],
            leftovers: vec!["aws_vpc.main (id vpc-1)".into()],
            errors: Vec::new(),
            passed: false,
            wall: Duration::from_secs(1),
        };
        let md = render(
            &[s],
            &Context {
                base: "main",
                head: "HEAD",
                deleted: &["stacks/old".to_string()],
                interrupted: false,
            },
        );
        assert!(md.starts_with(MARKER), "{md}");
        assert!(
            md.contains("## galley gate: ❌ 1 of 1 stack(s) failed"),
            "{md}"
        );
        assert!(
            md.contains(
                "| `stacks/a` | ❌ fail | stacks/a/main.tf changed | +3 ~1 -0 | — | 1.0s |"
            ),
            "{md}"
        );
        assert!(md.contains("`stacks/old`: deleted at head"), "{md}");
        assert!(
            md.contains("- `stacks/a/a.kitchen.hcl:5:21` Test assertion failed: Two \\| web instances. (run \"web\")"),
            "{md}"
        );
        assert!(
            md.contains("  length(output.ips) is 5\n  '''"),
            "the fence stays closed: {md}"
        );
        assert!(md.contains("- `aws_vpc.main (id vpc-1)`"), "{md}");
    }

    #[test]
    fn a_base_that_failed_to_apply_is_said_to_be_not_the_changes_fault() {
        let s = StackOutcome {
            path: ".".into(),
            role: Role::Stack,
            reasons: Vec::new(),
            base: Base::Failed(vec![Failure {
                message: "No value for required variable".into(),
                detail: String::new(),
                location: None,
            }]),
            cases: vec![case(CaseKind::Run, "apply", Outcome::Pass)],
            leftovers: Vec::new(),
            errors: Vec::new(),
            passed: true,
            wall: Duration::ZERO,
        };
        let md = render(
            &[s],
            &Context {
                base: "main",
                head: "HEAD",
                deleted: &[],
                interrupted: false,
            },
        );
        assert!(
            md.contains("failed to apply** — not this change's fault"),
            "{md}"
        );
        assert!(md.contains("- No value for required variable"), "{md}");
        assert!(md.contains("**Leftovers**: none"), "{md}");
    }
}
