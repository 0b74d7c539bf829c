//! GitHub Actions output when `GITHUB_ACTIONS=true`: `::error file=…,line=…,col=…::`
//! workflow commands on stdout for every failure (shown on the pull request's diff),
//! `::warning` for a base that would not apply, and the summary appended to the file
//! `$GITHUB_STEP_SUMMARY` names.

use std::io::Write as _;
use std::path::Path;

use super::outcome::{Base, StackOutcome};

/// True when running as a GitHub Actions step.
pub fn enabled() -> bool {
    std::env::var("GITHUB_ACTIONS").is_ok_and(|v| v == "true")
}

/// The workflow commands for every failure and warning, one per line.
pub fn annotations(stacks: &[StackOutcome]) -> Vec<String> {
    let mut out = Vec::new();
    for s in stacks {
        if let Base::Failed(why) = &s.base {
            let message = why
                .iter()
                .map(|f| f.message.as_str())
                .collect::<Vec<_>>()
                .join("; ");
            out.push(command(
                "warning",
                &[(
                    "title",
                    &format!("galley gate: base of {} failed to apply", s.path),
                )],
                &format!("Not this change's fault; the head was rehearsed alone. {message}"),
            ));
        }
        for (case, f) in s.failures() {
            let title = match case {
                Some(c) => format!("galley gate: {} run \"{}\"", s.path, c.name),
                None => format!("galley gate: {}", s.path),
            };
            let mut props: Vec<(&str, String)> = Vec::new();
            if let Some(l) = &f.location {
                props.push(("file", l.file.clone()));
                props.push(("line", l.line.to_string()));
                props.push(("col", l.column.to_string()));
            }
            props.push(("title", title));
            let props: Vec<(&str, &str)> = props.iter().map(|(k, v)| (*k, v.as_str())).collect();
            let body = if f.detail.is_empty() {
                f.message.clone()
            } else {
                format!("{}\n\n{}", f.message, f.detail)
            };
            out.push(command("error", &props, &body));
        }
        for l in &s.leftovers {
            out.push(command(
                "error",
                &[(
                    "title",
                    &format!("galley gate: {} left something behind", s.path),
                )],
                &format!("{l}; remove it with galley kitchen sweep"),
            ));
        }
    }
    out
}

/// Appends `markdown` to the step summary file.
pub fn append_step_summary(path: &Path, markdown: &str) -> std::io::Result<()> {
    let mut f = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)?;
    f.write_all(markdown.as_bytes())?;
    f.write_all(b"\n")
}

/// `::name k=v,k=v::message`, escaped as the runner expects.
fn command(name: &str, props: &[(&str, &str)], message: &str) -> String {
    let props: Vec<String> = props
        .iter()
        .map(|(k, v)| format!("{k}={}", escape_property(v)))
        .collect();
    if props.is_empty() {
        format!("::{name}::{}", escape_data(message))
    } else {
        format!("::{name} {}::{}", props.join(","), escape_data(message))
    }
}

/// A message: `%`, CR and LF as `%25`, `%0D`, `%0A` (a newline would end the command).
fn escape_data(s: &str) -> String {
    s.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// A property value: as a message, plus `:` and `,`, which separate properties.
fn escape_property(s: &str) -> String {
    escape_data(s).replace(':', "%3A").replace(',', "%2C")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn commands_escape_what_would_end_them_early() {
        assert_eq!(
            command(
                "error",
                &[("file", "a,b:c.tf"), ("line", "5")],
                "50% done\nnext"
            ),
            "::error file=a%2Cb%3Ac.tf,line=5::50%25 done%0Anext"
        );
        assert_eq!(command("warning", &[], "x\r\ny"), "::warning::x%0D%0Ay");
    }
}
