//! Diagnostics: severity, message, source span and help, rendered like rustc with miette.
//!
//! Every error a user can cause carries a [`Span`] into a file registered in a
//! [`SourceMap`], so it can be shown as `file:line:column` with the source line and a
//! caret. Functions that can find several problems return them all in [`Diagnostics`].

use std::fmt;
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::sync::{Arc, RwLock};

/// Identifies a file registered in a [`SourceMap`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct FileId(pub u32);

/// A byte range in one source file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Span {
    /// The file the range is in.
    pub file: FileId,
    /// First byte.
    pub start: u32,
    /// One past the last byte.
    pub end: u32,
}

impl Span {
    /// Builds a span from a byte range.
    pub fn new(file: FileId, range: Range<usize>) -> Span {
        Span {
            file,
            start: range.start as u32,
            end: range.end as u32,
        }
    }

    /// The byte range.
    pub fn range(&self) -> Range<usize> {
        self.start as usize..self.end as usize
    }
}

/// One registered file: its name as shown to the user and its text.
#[derive(Debug)]
pub struct SourceFile {
    /// The path as shown in diagnostics (relative to the working directory when possible).
    pub name: String,
    /// The file's contents.
    pub text: Arc<str>,
    line_starts: Vec<usize>,
}

impl SourceFile {
    /// 1-based line and column (in characters) of a byte offset.
    pub fn line_col(&self, offset: usize) -> (usize, usize) {
        let line = match self.line_starts.binary_search(&offset) {
            Ok(i) => i,
            Err(i) => i - 1,
        };
        let start = self.line_starts[line];
        let end = offset.min(self.text.len());
        let col = self
            .text
            .get(start..end)
            .map(|s| s.chars().count())
            .unwrap_or(end - start);
        (line + 1, col + 1)
    }
}

/// All source files a run has read, so spans can be turned into lines and columns.
/// Cheap to clone; shared between threads.
#[derive(Debug, Clone, Default)]
pub struct SourceMap {
    files: Arc<RwLock<Vec<Arc<SourceFile>>>>,
}

impl SourceMap {
    /// An empty map.
    pub fn new() -> SourceMap {
        SourceMap::default()
    }

    /// Registers a file's text under a display name and returns its id.
    pub fn add(&self, name: impl Into<String>, text: impl Into<Arc<str>>) -> FileId {
        let text: Arc<str> = text.into();
        let mut line_starts = vec![0];
        line_starts.extend(text.match_indices('\n').map(|(i, _)| i + 1));
        let mut files = self.files.write().unwrap_or_else(|e| e.into_inner());
        files.push(Arc::new(SourceFile {
            name: name.into(),
            text,
            line_starts,
        }));
        FileId(files.len() as u32 - 1)
    }

    /// Registers a file read from `path`, shown as `display`.
    pub fn add_path(&self, path: &Path, text: impl Into<Arc<str>>) -> FileId {
        self.add(display_path(path), text)
    }

    /// The file behind an id.
    pub fn get(&self, id: FileId) -> Option<Arc<SourceFile>> {
        let files = self.files.read().unwrap_or_else(|e| e.into_inner());
        files.get(id.0 as usize).cloned()
    }

    /// The source text a span covers.
    pub fn snippet(&self, span: Span) -> String {
        self.get(span.file)
            .and_then(|f| f.text.get(span.range()).map(str::to_string))
            .unwrap_or_default()
    }

    /// `file:line:column` of a span's start.
    pub fn location(&self, span: Span) -> Option<Location> {
        let f = self.get(span.file)?;
        let (line, column) = f.line_col(span.start as usize);
        Some(Location {
            file: f.name.clone(),
            line,
            column,
        })
    }
}

/// Shows a path relative to the current directory when it is inside it.
pub fn display_path(path: &Path) -> String {
    let rel: PathBuf = std::env::current_dir()
        .ok()
        .and_then(|cwd| path.strip_prefix(cwd).ok().map(Path::to_path_buf))
        .unwrap_or_else(|| path.to_path_buf());
    let s = rel.to_string_lossy().to_string();
    s.strip_prefix("./").map(str::to_string).unwrap_or(s)
}

/// A resolved position: file name, 1-based line and column.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Location {
    /// File name as shown to the user.
    pub file: String,
    /// 1-based line.
    pub line: usize,
    /// 1-based column, in characters.
    pub column: usize,
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}:{}", self.file, self.line, self.column)
    }
}

/// How bad a diagnostic is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Severity {
    /// Worth knowing; does not stop the run.
    Warning,
    /// Stops the run.
    Error,
}

impl Severity {
    /// `"error"` or `"warning"`, as in the `--json` contract.
    pub fn as_str(&self) -> &'static str {
        match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
        }
    }
}

/// One problem found in the user's input or while running.
#[derive(Debug, Clone, PartialEq)]
pub struct Diagnostic {
    /// Error or warning.
    pub severity: Severity,
    /// One line saying what is wrong.
    pub summary: String,
    /// More explanation, shown under the source excerpt.
    pub detail: Option<String>,
    /// Where in the source, if anywhere.
    pub span: Option<Span>,
    /// How to fix it, when there is an obvious way.
    pub help: Option<String>,
}

impl Diagnostic {
    /// An error with a summary.
    pub fn error(summary: impl Into<String>) -> Diagnostic {
        Diagnostic {
            severity: Severity::Error,
            summary: summary.into(),
            detail: None,
            span: None,
            help: None,
        }
    }

    /// A warning with a summary.
    pub fn warning(summary: impl Into<String>) -> Diagnostic {
        Diagnostic {
            severity: Severity::Warning,
            ..Diagnostic::error(summary)
        }
    }

    /// Attaches a span.
    pub fn with_span(mut self, span: Option<Span>) -> Diagnostic {
        self.span = span;
        self
    }

    /// Attaches a detail line.
    pub fn with_detail(mut self, detail: impl Into<String>) -> Diagnostic {
        self.detail = Some(detail.into());
        self
    }

    /// Attaches a help line.
    pub fn with_help(mut self, help: impl Into<String>) -> Diagnostic {
        self.help = Some(help.into());
        self
    }

    /// True for errors.
    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }

    /// Renders the diagnostic like rustc: summary, `--> file:line:col`, source line, caret.
    pub fn render(&self, sources: &SourceMap) -> String {
        render(self, sources, false)
    }

    /// Like [`Diagnostic::render`], in color when `color` is set (for a terminal).
    pub fn render_color(&self, sources: &SourceMap, color: bool) -> String {
        render(self, sources, color)
    }

    /// The diagnostic as an object of the `--json` contract.
    pub fn to_json(&self, sources: &SourceMap) -> serde_json::Value {
        let mut obj = serde_json::json!({
            "severity": self.severity.as_str(),
            "summary": self.summary,
        });
        if let Some(d) = &self.detail {
            obj["detail"] = d.clone().into();
        }
        if let Some(loc) = self.span.and_then(|s| sources.location(s)) {
            obj["file"] = loc.file.into();
            obj["line"] = loc.line.into();
            obj["column"] = loc.column.into();
            if let Some(span) = self.span {
                obj["snippet"] = sources.snippet(span).into();
            }
        }
        obj
    }
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.summary)?;
        if let Some(d) = &self.detail {
            write!(f, ": {d}")?;
        }
        Ok(())
    }
}

/// An ordered collection of diagnostics from one run.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Diagnostics(pub Vec<Diagnostic>);

impl Diagnostics {
    /// No diagnostics.
    pub fn new() -> Diagnostics {
        Diagnostics(Vec::new())
    }

    /// Adds one.
    pub fn push(&mut self, d: Diagnostic) {
        self.0.push(d);
    }

    /// Adds all of another collection.
    pub fn extend(&mut self, other: impl IntoIterator<Item = Diagnostic>) {
        self.0.extend(other);
    }

    /// True if any is an error.
    pub fn has_errors(&self) -> bool {
        self.0.iter().any(Diagnostic::is_error)
    }

    /// True if there are none.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Iterates over them.
    pub fn iter(&self) -> std::slice::Iter<'_, Diagnostic> {
        self.0.iter()
    }

    /// Renders all, separated by blank lines.
    pub fn render(&self, sources: &SourceMap) -> String {
        self.render_color(sources, false)
    }

    /// Like [`Diagnostics::render`], in color when `color` is set (for a terminal).
    pub fn render_color(&self, sources: &SourceMap, color: bool) -> String {
        self.0
            .iter()
            .map(|d| d.render_color(sources, color))
            .collect::<Vec<_>>()
            .join("\n")
    }
}

impl From<Diagnostic> for Diagnostics {
    fn from(d: Diagnostic) -> Self {
        Diagnostics(vec![d])
    }
}

impl IntoIterator for Diagnostics {
    type Item = Diagnostic;
    type IntoIter = std::vec::IntoIter<Diagnostic>;
    fn into_iter(self) -> Self::IntoIter {
        self.0.into_iter()
    }
}

impl fmt::Display for Diagnostics {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for d in &self.0 {
            writeln!(f, "{}: {d}", d.severity.as_str())?;
        }
        Ok(())
    }
}

impl std::error::Error for Diagnostics {}

/// miette adapter: one diagnostic with its source, rendered by miette's graphical handler.
#[derive(Debug)]
struct MietteDiag {
    summary: String,
    severity: Severity,
    help: Option<String>,
    label: Option<String>,
    source: Option<miette::NamedSource<String>>,
    span: Option<miette::SourceSpan>,
}

impl fmt::Display for MietteDiag {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.summary)
    }
}

impl std::error::Error for MietteDiag {}

impl miette::Diagnostic for MietteDiag {
    fn severity(&self) -> Option<miette::Severity> {
        Some(match self.severity {
            Severity::Error => miette::Severity::Error,
            Severity::Warning => miette::Severity::Warning,
        })
    }
    fn help<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        self.help
            .as_ref()
            .map(|h| Box::new(h) as Box<dyn fmt::Display>)
    }
    fn source_code(&self) -> Option<&dyn miette::SourceCode> {
        self.source.as_ref().map(|s| s as &dyn miette::SourceCode)
    }
    fn labels(&self) -> Option<Box<dyn Iterator<Item = miette::LabeledSpan> + '_>> {
        let span = self.span?;
        Some(Box::new(std::iter::once(
            miette::LabeledSpan::new_with_span(self.label.clone(), span),
        )))
    }
}

fn render(d: &Diagnostic, sources: &SourceMap, color: bool) -> String {
    let file = d.span.and_then(|s| sources.get(s.file).map(|f| (s, f)));
    let (source, span) = match file {
        Some((s, f)) => {
            let len = f.text.len();
            let start = (s.start as usize).min(len);
            let end = (s.end as usize).clamp(start, len);
            (
                Some(miette::NamedSource::new(&f.name, f.text.to_string())),
                Some(miette::SourceSpan::from(start..end)),
            )
        }
        None => (None, None),
    };
    let loc = d.span.and_then(|s| sources.location(s));
    let mut summary = d.summary.clone();
    if let (Some(loc), None) = (&loc, &source) {
        summary = format!("{loc}: {summary}");
    }
    let (label, detail_after) = match (&d.detail, &span) {
        (Some(det), Some(_)) if !det.contains('\n') && det.len() <= 80 => (Some(det.clone()), None),
        (det, _) => (None, det.clone()),
    };
    let md = MietteDiag {
        summary,
        severity: d.severity,
        help: match (&detail_after, &d.help) {
            (Some(det), Some(h)) => Some(format!("{det}\n{h}")),
            (Some(det), None) => Some(det.clone()),
            (None, h) => h.clone(),
        },
        label,
        source,
        span,
    };
    let theme = if color {
        miette::GraphicalTheme::unicode()
    } else {
        miette::GraphicalTheme::unicode_nocolor()
    };
    let handler = miette::GraphicalReportHandler::new_themed(theme)
        .with_width(100)
        .with_context_lines(1);
    let mut out = String::new();
    if handler.render_report(&mut out, &md).is_err() {
        out = format!("{}: {}\n", d.severity.as_str(), d);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_and_column_are_one_based() {
        let map = SourceMap::new();
        let id = map.add("main.tf", "a = 1\nbc = é2\n");
        let loc = map.location(Span::new(id, 13..14)).unwrap();
        assert_eq!(loc.to_string(), "main.tf:2:7");
    }

    #[test]
    fn render_shows_file_line_and_caret() {
        let map = SourceMap::new();
        let id = map.add("main.tf", "x = foo(1)\n");
        let d = Diagnostic::error("Call to unknown function")
            .with_span(Some(Span::new(id, 4..7)))
            .with_detail("There is no function named \"foo\".");
        let out = d.render(&map);
        assert!(out.contains("main.tf:1:5"), "{out}");
        assert!(out.contains("x = foo(1)"), "{out}");
    }
}
