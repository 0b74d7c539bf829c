//! `galley fmt`: canonical formatting of HCL, byte-identical to `terraform fmt`.
//!
//! The pipeline is `lexer` (hclsyntax-compatible tokens) → `tidy` (Terraform's rewrites of
//! labels, interpolation-only values and legacy type names) → `format` (hclwrite's layout of
//! spaces). Whole files are validated with hcl-edit first, so an invalid file is reported with
//! its location and never rewritten. `files` applies all this to files and directories.

mod files;
mod format;
#[cfg(test)]
mod golden_tests;
mod lexer;
mod tidy;

use std::path::PathBuf;

pub use files::{run, run_in, FmtOptions, FmtOutcome};

/// Why a file could not be formatted.
#[derive(Debug, thiserror::Error)]
pub enum FmtError {
    /// The input is not valid HCL native syntax; nothing was written.
    #[error("{}:{line}:{column}: {message}", path.display())]
    Syntax {
        /// The file, or an empty path for [`format_source`].
        path: PathBuf,
        /// Byte offset of the error in the input.
        offset: usize,
        /// 1-based line.
        line: usize,
        /// 1-based column.
        column: usize,
        message: String,
    },
    /// A path given on the command line does not exist.
    #[error("No file or directory at {}", .0.display())]
    NotFound(PathBuf),
    /// A file given on the command line does not have a supported extension.
    #[error(
        "Only .tf, .tfvars, .tftest.hcl, .tfmock.hcl and .kitchen.hcl files can be processed \
         with galley fmt: {}",
        .0.display()
    )]
    Unsupported(PathBuf),
    /// Reading or writing a file failed.
    #[error("{action} {}: {source}", path.display())]
    Io {
        action: &'static str,
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

impl FmtError {
    fn with_path(self, file: PathBuf) -> Self {
        match self {
            FmtError::Syntax {
                offset,
                line,
                column,
                message,
                ..
            } => FmtError::Syntax {
                path: file,
                offset,
                line,
                column,
                message,
            },
            other => other,
        }
    }
}

/// Formats HCL source the way `terraform fmt` does. Fails, without formatting, when `src` is
/// not valid HCL native syntax.
pub fn format_source(src: &str) -> Result<String, FmtError> {
    validate(src)?;
    let lexed = lexer::lex(src);
    let mut tokens = tidy::tidy(format::writer_tokens(src, &lexed)).map_err(|r| {
        let offset = lexed.get(r.token).map_or(0, |t| t.start);
        syntax_error(
            src,
            offset,
            format!("attribute {:?} was already defined in this block", r.name),
        )
    })?;
    format::format(&mut tokens);
    Ok(format::write(&tokens))
}

fn validate(src: &str) -> Result<(), FmtError> {
    let body = src.strip_prefix('\u{feff}').unwrap_or(src);
    if let Err(err) = hcl_edit::parser::parse_body(body) {
        let loc = err.location();
        let bom = src.len() - body.len();
        return Err(FmtError::Syntax {
            path: PathBuf::new(),
            offset: loc.offset() + bom,
            line: loc.line(),
            column: loc.column(),
            message: err.message().to_string(),
        });
    }
    // hcl-edit is more lenient than hclsyntax in a few places, where Terraform would refuse
    // the file: characters hclsyntax cannot scan, and `x.0.1` (a fractional number where a
    // legacy index belongs).
    let tokens = lexer::lex(src);
    let bad = tokens.iter().enumerate().find_map(|(i, t)| {
        use lexer::TokenKind as K;
        match t.kind {
            K::Invalid | K::QuotedNewline => Some((t.start, "invalid character")),
            K::NumberLit
                if i > 0
                    && tokens[i - 1].kind == K::Dot
                    && src.get(t.start..t.end).is_some_and(|n| n.contains('.')) =>
            {
                Some((
                    t.start,
                    "invalid legacy index syntax; use [0][1] instead of .0.1",
                ))
            }
            _ => None,
        }
    });
    if let Some((offset, message)) = bad {
        return Err(syntax_error(src, offset, message.to_string()));
    }
    if let Some(open) = lexer::first_unbalanced(&tokens) {
        let what = src.get(open.start..open.end).unwrap_or_default();
        return Err(syntax_error(
            src,
            open.start,
            format!("`{}` is not closed", what.trim_end()),
        ));
    }
    Ok(())
}

fn syntax_error(src: &str, offset: usize, message: String) -> FmtError {
    let (line, column) = line_column(src, offset);
    FmtError::Syntax {
        path: PathBuf::new(),
        offset,
        line,
        column,
        message,
    }
}

fn line_column(src: &str, offset: usize) -> (usize, usize) {
    let before = src.get(..offset).unwrap_or(src);
    let line = before.matches('\n').count() + 1;
    let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    (line, column)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn format_source_aligns_and_indents() {
        let out = format_source(
            "resource aws_vpc main {\ncidr_block=\"10.0.0.0/16\"\ntags={Name=\"x\"}\n}\n",
        );
        assert_eq!(
            out.ok().as_deref(),
            Some("resource \"aws_vpc\" \"main\" {\n  cidr_block = \"10.0.0.0/16\"\n  tags       = { Name = \"x\" }\n}\n")
        );
    }

    #[test]
    fn syntax_error_reports_its_location() {
        match format_source("a = 1\nb = {\n") {
            Err(FmtError::Syntax { line, .. }) => assert!(line >= 2),
            other => panic!("expected a syntax error, got {other:?}"),
        }
    }

    #[test]
    fn chained_legacy_index_is_a_syntax_error() {
        assert!(matches!(
            format_source("a = x.1.2\n"),
            Err(FmtError::Syntax { column: 7, .. })
        ));
    }

    #[test]
    fn invalid_characters_are_syntax_errors() {
        assert!(matches!(
            format_source("a = 1\n@\n"),
            Err(FmtError::Syntax { line: 2, .. })
        ));
    }
}
