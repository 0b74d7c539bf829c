//! `galley docs`: a module's reference as Markdown (inputs, outputs, resources, module
//! calls) and its place in the module's README, between [`BEGIN`] and [`END`] — the way
//! terraform-docs keeps README tables true to `variables.tf` and `outputs.tf`.

use std::fmt::Write as _;

use crate::config::{Expr, Module};
use crate::diag::SourceMap;

/// The line that opens the generated section of a README.
pub const BEGIN: &str = "<!-- BEGIN_GALLEY_DOCS -->";
/// The line that closes it.
pub const END: &str = "<!-- END_GALLEY_DOCS -->";

/// The reference of `module`: an inputs table (required inputs first, then by name), an
/// outputs table, the resources it manages and the modules it calls. Types and defaults
/// are shown as written.
pub fn markdown(module: &Module, sources: &SourceMap) -> String {
    let mut out = String::new();
    out.push_str("## Inputs\n\n");
    let mut inputs: Vec<_> = module.variables.values().collect();
    inputs.sort_by_key(|v| (v.default.is_some(), v.name.clone()));
    if inputs.is_empty() {
        out.push_str("No inputs.\n");
    } else {
        out.push_str("| Name | Description | Type | Default | Required |\n");
        out.push_str("|------|-------------|------|---------|:--------:|\n");
        for v in inputs {
            let mut description = text_cell(v.description.as_deref().unwrap_or(""));
            if v.sensitive {
                description.push_str(" (sensitive)");
            }
            let ty = v
                .type_expr
                .as_ref()
                .map_or_else(|| "`any`".to_string(), |e| code_cell(&source(e, sources)));
            let default = v
                .default
                .as_ref()
                .map_or_else(|| "n/a".to_string(), |e| code_cell(&source(e, sources)));
            let required = if v.default.is_some() { "no" } else { "yes" };
            let _ = writeln!(
                out,
                "| `{}` | {} | {ty} | {default} | {required} |",
                v.name,
                description.trim()
            );
        }
    }
    out.push_str("\n## Outputs\n\n");
    if module.outputs.is_empty() {
        out.push_str("No outputs.\n");
    } else {
        out.push_str("| Name | Description |\n|------|-------------|\n");
        for o in module.outputs.values() {
            let mut description = text_cell(o.description.as_deref().unwrap_or(""));
            if o.sensitive {
                description.push_str(" (sensitive)");
            }
            let _ = writeln!(out, "| `{}` | {} |", o.name, description.trim());
        }
    }
    if !module.resources.is_empty() {
        out.push_str("\n## Resources\n\n| Name | Kind |\n|------|------|\n");
        for addr in module.resources.keys() {
            let kind = match addr.mode {
                crate::addr::Mode::Managed => "resource",
                crate::addr::Mode::Data => "data source",
            };
            let _ = writeln!(out, "| `{addr}` | {kind} |");
        }
    }
    if !module.module_calls.is_empty() {
        out.push_str("\n## Modules\n\n| Name | Source | Version |\n|------|--------|---------|\n");
        for call in module.module_calls.values() {
            let version = call
                .version
                .as_deref()
                .map_or_else(|| "n/a".to_string(), code_cell);
            let _ = writeln!(
                out,
                "| `{}` | {} | {version} |",
                call.name,
                code_cell(&call.source)
            );
        }
    }
    out
}

/// Where the generated section goes in a README.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SpliceError {
    /// An end marker without a begin marker before it, or the reverse.
    #[error("the README has {found} but not {missing} after it; put both markers on lines of their own, or neither")]
    Unbalanced {
        /// The marker that is there.
        found: &'static str,
        /// The one that is not.
        missing: &'static str,
    },
}

/// `readme` with its generated section replaced by `generated`; a README without markers
/// gets them, and the section, appended.
pub fn splice(readme: &str, generated: &str) -> Result<String, SpliceError> {
    let section = format!("{BEGIN}\n{}{END}", ensure_newline(generated));
    match (readme.find(BEGIN), readme.find(END)) {
        (Some(b), Some(e)) if b < e => Ok(format!(
            "{}{section}{}",
            &readme[..b],
            &readme[e + END.len()..]
        )),
        (Some(_), _) => Err(SpliceError::Unbalanced {
            found: BEGIN,
            missing: END,
        }),
        (None, Some(_)) => Err(SpliceError::Unbalanced {
            found: END,
            missing: BEGIN,
        }),
        (None, None) if readme.trim().is_empty() => Ok(format!("{section}\n")),
        (None, None) => Ok(format!("{}\n{section}\n", ensure_newline(readme))),
    }
}

fn ensure_newline(s: &str) -> String {
    if s.is_empty() || s.ends_with('\n') {
        s.to_string()
    } else {
        format!("{s}\n")
    }
}

fn source(e: &Expr, sources: &SourceMap) -> String {
    e.span().map(|s| sources.snippet(s)).unwrap_or_default()
}

/// Prose in a table cell: newlines become `<br>`, pipes are escaped.
fn text_cell(s: &str) -> String {
    s.trim().replace('|', "\\|").replace('\n', "<br>")
}

/// Code in a table cell: one line in backticks; several lines in `<pre>`, as Markdown
/// tables cannot hold a line break.
fn code_cell(s: &str) -> String {
    let s = s.trim();
    if !s.contains('\n') && !s.contains('`') {
        return format!("`{}`", s.replace('|', "\\|"));
    }
    let escaped = s
        .replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('|', "&#124;")
        .replace('`', "&#96;");
    // Lines after the first keep the file's indentation: take off what they share.
    let lines: Vec<&str> = escaped.lines().map(str::trim_end).collect();
    let indent = lines[1..]
        .iter()
        .filter(|l| !l.trim().is_empty())
        .map(|l| l.len() - l.trim_start().len())
        .min()
        .unwrap_or(0);
    let dedented: Vec<&str> = lines
        .iter()
        .enumerate()
        .map(|(i, l)| {
            if i == 0 {
                l
            } else {
                l.get(indent..).unwrap_or(l.trim_start())
            }
        })
        .collect();
    format!("<pre>{}</pre>", dedented.join("<br>"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::load_module;

    fn module(files: &[(&str, &str)]) -> (Module, SourceMap) {
        let dir = tempfile::tempdir().unwrap();
        for (name, text) in files {
            std::fs::write(dir.path().join(name), text).unwrap();
        }
        let sources = SourceMap::new();
        let (m, d) = load_module(dir.path(), &sources);
        assert!(!d.has_errors(), "{}", d.render(&sources));
        (m, sources)
    }

    #[test]
    fn tables_show_inputs_required_first_and_outputs() {
        let (m, s) = module(&[(
            "main.tf",
            r#"
variable "zones" {
  description = "Availability zones | one subnet each."
  type        = list(string)
  default     = ["a", "b"]
}
variable "name" {
  description = "Prefix of every name."
  type        = string
}
variable "limits" {
  type = object({
    nodes = number
  })
  default = {
    nodes = 3
  }
}
variable "password" {
  type      = string
  sensitive = true
}
resource "aws_vpc" "this" {
  cidr_block = "10.0.0.0/16"
}
data "aws_region" "here" {}
module "dns" {
  source  = "git::https://example.com/dns.git"
  version = "~> 1.2"
}
output "vpc_id" {
  description = "The VPC."
  value       = aws_vpc.this.id
}
"#,
        )]);
        let md = markdown(&m, &s);
        let expected = "## Inputs

| Name | Description | Type | Default | Required |
|------|-------------|------|---------|:--------:|
| `name` | Prefix of every name. | `string` | n/a | yes |
| `password` | (sensitive) | `string` | n/a | yes |
| `limits` |  | <pre>object({<br>  nodes = number<br>})</pre> | <pre>{<br>  nodes = 3<br>}</pre> | no |
| `zones` | Availability zones \\| one subnet each. | `list(string)` | `[\"a\", \"b\"]` | no |

## Outputs

| Name | Description |
|------|-------------|
| `vpc_id` | The VPC. |

## Resources

| Name | Kind |
|------|------|
| `aws_vpc.this` | resource |
| `data.aws_region.here` | data source |

## Modules

| Name | Source | Version |
|------|--------|---------|
| `dns` | `git::https://example.com/dns.git` | `~> 1.2` |
";
        assert_eq!(md, expected);
    }

    #[test]
    fn a_module_without_inputs_or_outputs_says_so() {
        let (m, s) = module(&[("main.tf", "locals {\n  a = 1\n}\n")]);
        assert_eq!(
            markdown(&m, &s),
            "## Inputs\n\nNo inputs.\n\n## Outputs\n\nNo outputs.\n"
        );
    }

    #[test]
    fn splice_replaces_only_the_section() {
        let readme = format!("# vpc\n\nIntro.\n\n{BEGIN}\nold\n{END}\n\nFooter.\n");
        let out = splice(&readme, "new").unwrap();
        assert_eq!(
            out,
            format!("# vpc\n\nIntro.\n\n{BEGIN}\nnew\n{END}\n\nFooter.\n")
        );
        assert_eq!(splice(&out, "new").unwrap(), out, "idempotent");
    }

    #[test]
    fn splice_appends_markers_when_there_are_none() {
        assert_eq!(
            splice("# vpc", "x\n").unwrap(),
            format!("# vpc\n\n{BEGIN}\nx\n{END}\n")
        );
        assert_eq!(splice("", "x\n").unwrap(), format!("{BEGIN}\nx\n{END}\n"));
    }

    #[test]
    fn splice_refuses_a_lone_marker() {
        assert_eq!(
            splice(&format!("a\n{END}\n{BEGIN}\n"), "x"),
            Err(SpliceError::Unbalanced {
                found: BEGIN,
                missing: END
            })
        );
        assert!(matches!(
            splice(&format!("a\n{END}\n"), "x"),
            Err(SpliceError::Unbalanced { found: END, .. })
        ));
    }
}
