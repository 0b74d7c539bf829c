//! Color on terminals: decided once per stream, off with `NO_COLOR` (https://no-color.org)
//! or `TERM=dumb`, never in pipes or files.

use std::io::IsTerminal;

/// Whether text for this stream may be colored.
fn allowed(is_terminal: bool) -> bool {
    let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
    let dumb = std::env::var("TERM").is_ok_and(|t| t == "dumb");
    is_terminal && !no_color && !dumb
}

/// Whether stderr (diagnostics, progress) may be colored.
pub fn stderr_color() -> bool {
    allowed(std::io::stderr().is_terminal())
}

/// Whether stdout (plans) may be colored.
pub fn stdout_color() -> bool {
    allowed(std::io::stdout().is_terminal())
}

const GREEN: &str = "\x1b[32m";
const RED: &str = "\x1b[31m";
const YELLOW: &str = "\x1b[33m";
const CYAN: &str = "\x1b[36m";
const BOLD: &str = "\x1b[1m";
const RESET: &str = "\x1b[0m";

/// Colors a rendered plan like Terraform does: the action symbol at the start of each
/// line (`+` create, `-` destroy, `~` update, `-/+` and `+/-` replace, `<=` read) and the
/// `# address will be ...` headings. Unchanged when `color` is off.
pub fn paint_plan(text: &str, color: bool) -> String {
    if !color {
        return text.to_string();
    }
    let mut out = String::with_capacity(text.len() + text.len() / 8);
    for line in text.split_inclusive('\n') {
        let body = line.trim_start();
        let indent = &line[..line.len() - body.len()];
        let symbol = ["-/+ ", "+/- ", "<= ", "+ ", "- ", "~ "]
            .into_iter()
            .find(|s| body.starts_with(s));
        match symbol {
            Some(sym) => {
                let c = match sym.trim() {
                    "+" => GREEN,
                    "-" => RED,
                    "~" => YELLOW,
                    "<=" => CYAN,
                    _ => YELLOW,
                };
                out.push_str(indent);
                out.push_str(c);
                out.push_str(sym.trim_end());
                out.push_str(RESET);
                out.push(' ');
                out.push_str(&body[sym.len()..]);
            }
            None if body.starts_with("# ") => {
                out.push_str(indent);
                out.push_str(BOLD);
                out.push_str(body.trim_end_matches('\n'));
                out.push_str(RESET);
                if line.ends_with('\n') {
                    out.push('\n');
                }
            }
            None => out.push_str(line),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plan_symbols_and_headings_are_colored_only_when_asked() {
        let plan = "  # aws_vpc.a will be created\n  + resource \"aws_vpc\" \"a\" {\n      ~ x = 1 -> 2\n    }\n";
        assert_eq!(paint_plan(plan, false), plan);
        let painted = paint_plan(plan, true);
        assert!(painted.contains("  \x1b[1m# aws_vpc.a will be created\x1b[0m\n"));
        assert!(painted.contains("  \x1b[32m+\x1b[0m resource"));
        assert!(painted.contains("      \x1b[33m~\x1b[0m x = 1 -> 2"));
        assert!(painted.ends_with("    }\n"));
    }

    #[test]
    fn replace_symbols_are_matched_before_their_parts() {
        let painted = paint_plan("-/+ resource \"a\" \"b\" {\n", true);
        assert!(
            painted.starts_with("\x1b[33m-/+\x1b[0m resource"),
            "{painted:?}"
        );
    }
}
