//! `junit.xml`: one `<testsuite>` per stack, one `<testcase>` per run block, per upgrade
//! step an apply executed, for the base's setup apply and for the teardown; failures
//! carry the message and `file:line`. Read by Jenkins' `junit` step and GitHub's test
//! reporters.

use std::fmt::Write as _;
use std::time::Duration;

use kitchen::Outcome;

use super::outcome::{Case, CaseKind, StackOutcome};

/// The whole document.
pub fn render(stacks: &[StackOutcome]) -> String {
    let count = |f: &dyn Fn(&Case) -> bool| -> usize {
        stacks
            .iter()
            .map(|s| s.cases.iter().filter(|c| f(c)).count())
            .sum()
    };
    let total: Duration = stacks.iter().map(|s| s.wall).sum();
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    let _ = writeln!(
        out,
        "<testsuites name=\"galley gate\" tests=\"{}\" failures=\"{}\" errors=\"{}\" skipped=\"{}\" time=\"{}\">",
        count(&|_| true),
        count(&|c| c.outcome == Outcome::Fail),
        count(&|c| c.outcome == Outcome::Error),
        count(&|c| c.outcome == Outcome::Skip),
        secs(total)
    );
    for s in stacks {
        suite(&mut out, s);
    }
    out.push_str("</testsuites>\n");
    out
}

fn suite(out: &mut String, s: &StackOutcome) {
    let n = |o: Outcome| s.cases.iter().filter(|c| c.outcome == o).count();
    let _ = writeln!(
        out,
        "  <testsuite name=\"{}\" tests=\"{}\" failures=\"{}\" errors=\"{}\" skipped=\"{}\" time=\"{}\">",
        attr(&s.path),
        s.cases.len(),
        n(Outcome::Fail),
        n(Outcome::Error),
        n(Outcome::Skip),
        secs(s.wall)
    );
    if !s.reasons.is_empty() {
        let _ = writeln!(
            out,
            "    <properties>\n      <property name=\"affected\" value=\"{}\"/>\n    </properties>",
            attr(&s.reasons.join("; "))
        );
    }
    for c in &s.cases {
        case(out, s, c);
    }
    if !s.errors.is_empty() {
        let text: Vec<String> = s
            .errors
            .iter()
            .map(|f| format!("{}\n{}", f.message, f.detail))
            .collect();
        let _ = writeln!(
            out,
            "    <system-err>{}</system-err>",
            escape(&text.join("\n\n"))
        );
    }
    out.push_str("  </testsuite>\n");
}

fn case(out: &mut String, s: &StackOutcome, c: &Case) {
    // Jenkins shows `classname` as package.class: the stack, then the file.
    let classname = match (c.kind, c.file.as_str()) {
        (_, "") => s.path.clone(),
        (_, file) => file.to_string(),
    };
    let name = match c.kind {
        CaseKind::Run => format!("run \"{}\"", c.name),
        CaseKind::Setup => format!("setup: apply {}", c.name),
        CaseKind::Step | CaseKind::Teardown => c.name.clone(),
    };
    let mut attrs = format!(
        "name=\"{}\" classname=\"{}\" time=\"{}\"",
        attr(&name),
        attr(&classname),
        secs(c.wall)
    );
    if let Some(l) = &c.location {
        let _ = write!(attrs, " file=\"{}\" line=\"{}\"", attr(&l.file), l.line);
    }
    let body = match c.outcome {
        Outcome::Pass => String::new(),
        Outcome::Skip => format!(
            "      <skipped message=\"{}\"/>\n",
            attr(c.skipped.as_deref().unwrap_or("skipped"))
        ),
        Outcome::Fail | Outcome::Error => {
            let tag = if c.outcome == Outcome::Fail {
                "failure"
            } else {
                "error"
            };
            let mut body = String::new();
            let first = c
                .failures
                .first()
                .map(|f| f.message.clone())
                .unwrap_or_else(|| format!("{} {}", name, c.outcome.as_str()));
            let text: Vec<String> = c
                .failures
                .iter()
                .map(|f| {
                    let at = f
                        .location
                        .as_ref()
                        .map(|l| format!("{l}: "))
                        .unwrap_or_default();
                    format!("{at}{}\n{}", f.message, f.detail)
                })
                .collect();
            let _ = writeln!(
                body,
                "      <{tag} message=\"{}\" type=\"{}\">{}</{tag}>",
                attr(&first),
                if c.outcome == Outcome::Fail {
                    "assertion"
                } else {
                    "error"
                },
                escape(text.join("\n\n").trim_end())
            );
            body
        }
    };
    if body.is_empty() {
        let _ = writeln!(out, "    <testcase {attrs}/>");
    } else {
        let _ = write!(out, "    <testcase {attrs}>\n{body}    </testcase>\n");
    }
}

/// Seconds with millisecond precision, as JUnit's `time` attribute wants.
fn secs(d: Duration) -> String {
    format!("{:.3}", d.as_secs_f64())
}

/// Text made safe for XML element content and attribute values: the five markup
/// characters become entities, and characters XML 1.0 cannot hold at all (control
/// characters other than tab, newline and carriage return; U+FFFE, U+FFFF) become
/// U+FFFD, since not even a character reference may name them. A carriage return
/// becomes a reference, as parsers would otherwise turn it into a newline.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for ch in s.chars() {
        match ch {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\r' => out.push_str("&#13;"),
            '\n' | '\t' => out.push(ch),
            c if (c as u32) < 0x20 || c == '\u{FFFE}' || c == '\u{FFFF}' => out.push('\u{FFFD}'),
            c => out.push(c),
        }
    }
    out
}

/// [`escape`], and newlines and tabs as references: in an attribute value parsers
/// would turn them into spaces.
pub fn attr(s: &str) -> String {
    escape(s).replace('\n', "&#10;").replace('\t', "&#9;")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::commands::gate::outcome::{Base, Failure};
    use engine::diag::Location;
    use kitchen::gate::Role;

    #[test]
    fn escape_turns_markup_and_forbidden_characters_into_safe_text() {
        // (input, as element content, as attribute value)
        let table = [
            ("plain", "plain", "plain"),
            (
                "a < b && c > d",
                "a &lt; b &amp;&amp; c &gt; d",
                "a &lt; b &amp;&amp; c &gt; d",
            ),
            (
                "\"q\" 's'",
                "&quot;q&quot; &apos;s&apos;",
                "&quot;q&quot; &apos;s&apos;",
            ),
            ("line\nnext\ttab", "line\nnext\ttab", "line&#10;next&#9;tab"),
            ("cr\r\n", "cr&#13;\n", "cr&#13;&#10;"),
            (
                "bell\u{7}nul\u{0}",
                "bell\u{FFFD}nul\u{FFFD}",
                "bell\u{FFFD}nul\u{FFFD}",
            ),
            ("ünïcödé ✓", "ünïcödé ✓", "ünïcödé ✓"),
            ("&amp;", "&amp;amp;", "&amp;amp;"),
        ];
        for (input, text, attribute) in table {
            assert_eq!(escape(input), text, "{input:?}");
            assert_eq!(attr(input), attribute, "{input:?}");
        }
    }

    fn stack() -> StackOutcome {
        let case = |name: &str, outcome: Outcome, failures: Vec<Failure>| Case {
            kind: CaseKind::Run,
            file: "stacks/a/a.kitchen.hcl".into(),
            name: name.into(),
            outcome,
            wall: Duration::from_millis(1500),
            simulated: None,
            location: Some(Location {
                file: "stacks/a/a.kitchen.hcl".into(),
                line: 3,
                column: 1,
            }),
            plan: None,
            upgrades: Vec::new(),
            failures,
            skipped: (outcome == Outcome::Skip).then(|| "an earlier run errored".into()),
        };
        StackOutcome {
            path: "stacks/a".into(),
            role: Role::Stack,
            reasons: vec!["stacks/a/main.tf changed".into()],
            base: Base::Applied,
            cases: vec![
                case("create", Outcome::Pass, Vec::new()),
                case(
                    "check <size>",
                    Outcome::Fail,
                    vec![Failure {
                        message: "Test assertion failed: size must be \"big\" & <even>".into(),
                        detail: "  output.size is 3".into(),
                        location: Some(Location {
                            file: "stacks/a/a.kitchen.hcl".into(),
                            line: 9,
                            column: 17,
                        }),
                    }],
                ),
                case("later", Outcome::Skip, Vec::new()),
            ],
            leftovers: Vec::new(),
            errors: Vec::new(),
            passed: false,
            wall: Duration::from_secs(2),
        }
    }

    #[test]
    fn a_suite_per_stack_counts_its_cases_and_a_failure_carries_its_message_and_place() {
        let xml = render(&[stack()]);
        assert!(xml.contains(
            "<testsuites name=\"galley gate\" tests=\"3\" failures=\"1\" errors=\"0\" skipped=\"1\" time=\"2.000\">"
        ), "{xml}");
        assert!(
            xml.contains("<testsuite name=\"stacks/a\" tests=\"3\" failures=\"1\""),
            "{xml}"
        );
        assert!(xml.contains(
            "<testcase name=\"run &quot;create&quot;\" classname=\"stacks/a/a.kitchen.hcl\" time=\"1.500\" file=\"stacks/a/a.kitchen.hcl\" line=\"3\"/>"
        ), "{xml}");
        assert!(xml.contains(
            "<failure message=\"Test assertion failed: size must be &quot;big&quot; &amp; &lt;even&gt;\" type=\"assertion\">stacks/a/a.kitchen.hcl:9:17: Test assertion failed"
        ), "{xml}");
        assert!(
            xml.contains("<skipped message=\"an earlier run errored\"/>"),
            "{xml}"
        );
        assert!(!xml.contains("<even>"), "{xml}");
    }
}
