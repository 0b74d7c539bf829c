//! Test files (`*.kitchen.hcl` and Terraform's `*.tftest.hcl`) parsed into runs, spans kept.

use std::path::{Path, PathBuf};

use engine::config::{Body, Expr, ProviderBlock, ProviderRef};
use engine::diag::{Diagnostic, Diagnostics, FileId, SourceMap, Span};
use hcl_edit::expr::Expression;
use hcl_edit::structure::{Attribute, Block, Structure};

/// What a run does with the configuration.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Command {
    /// Plan only; assertions see planned values.
    Plan,
    /// Plan and apply (the default, as in `terraform test`).
    Apply,
}

/// An `assert { condition, error_message }` block.
#[derive(Debug, Clone)]
pub struct Assert {
    /// Must be true after the run.
    pub condition: Expr,
    /// Shown when it is not.
    pub error_message: Expr,
}

/// One entry of `expect_failures`: a checkable object such as `var.name`, `output.x`
/// or `aws_vpc.main`, as written.
#[derive(Debug, Clone)]
pub struct ExpectedFailure {
    /// The address, as written.
    pub addr: String,
    /// Where it is written.
    pub span: Option<Span>,
}

/// A `run "name" {}` block.
#[derive(Debug, Clone)]
pub struct Run {
    /// The label.
    pub name: String,
    /// The block header.
    pub span: Option<Span>,
    /// `command = plan | apply`.
    pub command: Command,
    /// `variables { name = expr }`, in file order.
    pub variables: Vec<(String, Expr)>,
    /// `module { source = "..." }`: run another configuration instead of the one under test.
    pub module_source: Option<String>,
    /// The assertions, in order.
    pub asserts: Vec<Assert>,
    /// `expect_failures = [...]`.
    pub expect_failures: Vec<ExpectedFailure>,
    /// `fault` blocks: simulator faults armed for this run only.
    pub faults: Vec<sim::Fault>,
}

/// A whole test file.
#[derive(Debug, Clone)]
pub struct TestFile {
    /// Where it was read from.
    pub path: PathBuf,
    /// Its id in the source map.
    pub file: FileId,
    /// File-level `variables {}`, seen by every run.
    pub variables: Vec<(String, Expr)>,
    /// File-level `provider` blocks; they replace the configuration's blocks of the same
    /// name and alias, as in `terraform test`.
    pub providers: Vec<ProviderBlock>,
    /// File-level `fault` blocks: simulator faults armed afresh for every run.
    pub faults: Vec<sim::Fault>,
    /// The runs, in order.
    pub runs: Vec<Run>,
}

/// True for the file names the kitchen runs.
pub fn is_test_file(name: &str) -> bool {
    name.ends_with(".kitchen.hcl") || name.ends_with(".tftest.hcl")
}

/// The test files of `dir` and of its `tests/` directory (as `terraform test` looks),
/// sorted by path.
pub fn discover(dir: &Path) -> std::io::Result<Vec<PathBuf>> {
    let mut out = Vec::new();
    for d in [dir.to_path_buf(), dir.join("tests")] {
        let entries = match std::fs::read_dir(&d) {
            Ok(e) => e,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound && d != dir => continue,
            Err(e) => return Err(e),
        };
        for e in entries {
            let e = e?;
            let is_file = e.file_type().map(|t| t.is_file()).unwrap_or(false);
            if is_file && e.file_name().to_str().is_some_and(is_test_file) {
                out.push(e.path());
            }
        }
    }
    out.sort();
    Ok(out)
}

/// Reads and parses one test file; errors are diagnostics at `file:line:col`.
pub fn load(path: &Path, sources: &SourceMap) -> Result<TestFile, Diagnostics> {
    let text = std::fs::read_to_string(path).map_err(|e| {
        Diagnostics::from(Diagnostic::error(format!(
            "Cannot read test file {}: {e}",
            engine::diag::display_path(path)
        )))
    })?;
    let file = sources.add_path(path, text.as_str());
    parse(path, file, &text)
}

/// Parses the text of a test file already registered as `file`.
pub fn parse(path: &Path, file: FileId, text: &str) -> Result<TestFile, Diagnostics> {
    let body = hcl_edit::parser::parse_body(text)
        .map_err(|e| Diagnostics::from(engine::config::parse_error(file, text, &e)))?;
    let mut p = Parser {
        file,
        diags: Diagnostics::new(),
    };
    let mut out = TestFile {
        path: path.to_path_buf(),
        file,
        variables: Vec::new(),
        providers: Vec::new(),
        faults: Vec::new(),
        runs: Vec::new(),
    };
    for s in body.into_iter() {
        match s {
            Structure::Block(b) => match b.ident.as_str() {
                "variables" => out.variables.extend(p.variables(&b)),
                "fault" => out.faults.extend(p.fault(&b)),
                "provider" => {
                    if let Some(pb) = p.provider(b) {
                        out.providers.push(pb);
                    }
                }
                "run" => {
                    if let Some(r) = p.run(&b) {
                        if out.runs.iter().any(|x| x.name == r.name) {
                            p.error(
                                r.span,
                                "Duplicate run block",
                                format!("A run named {:?} was already declared. Run names must be unique within a file.", r.name),
                            );
                        } else {
                            out.runs.push(r);
                        }
                    }
                }
                other => {
                    let span = p.span(&b.ident);
                    p.error(
                        span,
                        "Unsupported block type",
                        format!("Blocks of type {other:?} are not expected in a test file; the kitchen reads variables, provider, fault and run blocks."),
                    );
                }
            },
            Structure::Attribute(a) => {
                let span = p.span(&a.key);
                p.error(
                    span,
                    "Unsupported argument",
                    format!(
                        "An argument named {:?} is not expected at the top of a test file.",
                        a.key.as_str()
                    ),
                );
            }
        }
    }
    if p.diags.has_errors() {
        return Err(p.diags);
    }
    Ok(out)
}

struct Parser {
    file: FileId,
    diags: Diagnostics,
}

impl Parser {
    fn span(&self, node: &impl hcl_edit::Span) -> Option<Span> {
        node.span().map(|r| Span::new(self.file, r))
    }

    fn error(&mut self, span: Option<Span>, summary: &str, detail: String) {
        self.diags.push(
            Diagnostic::error(summary)
                .with_span(span)
                .with_detail(detail),
        );
    }

    fn expr(&self, e: &Expression) -> Expr {
        Expr {
            file: self.file,
            expr: e.clone(),
        }
    }

    fn variables(&mut self, b: &Block) -> Vec<(String, Expr)> {
        let mut out = Vec::new();
        for s in b.body.iter() {
            match s {
                Structure::Attribute(a) => {
                    out.push((a.key.as_str().to_string(), self.expr(&a.value)))
                }
                Structure::Block(inner) => {
                    let span = self.span(&inner.ident);
                    self.error(
                        span,
                        "Unsupported block type",
                        "A variables block holds only name = value arguments.".into(),
                    );
                }
            }
        }
        out
    }

    fn provider(&mut self, b: Block) -> Option<ProviderBlock> {
        let span = self.span(&b.ident);
        let Some(name) = b.labels.first().map(|l| l.as_str().to_string()) else {
            self.error(
                span,
                "Missing name for provider",
                "A provider block needs one label: the provider's local name.".into(),
            );
            return None;
        };
        let alias = b.body.get_attribute("alias").and_then(|a| match &a.value {
            Expression::String(s) => Some(s.value().clone()),
            _ => None,
        });
        let mut rest = hcl_edit::structure::Body::new();
        for s in b.body.into_iter() {
            match &s {
                Structure::Attribute(a) if matches!(a.key.as_str(), "alias" | "version") => {}
                _ => rest.push(s),
            }
        }
        Some(ProviderBlock {
            reference: ProviderRef { name, alias },
            body: Body {
                file: self.file,
                body: rest,
            },
            span,
        })
    }

    fn run(&mut self, b: &Block) -> Option<Run> {
        let span = self.span(&b.ident);
        let Some(name) = b.labels.first().map(|l| l.as_str().to_string()) else {
            self.error(
                span,
                "Missing name for run block",
                "A run block needs one label: its name.".into(),
            );
            return None;
        };
        let mut run = Run {
            name,
            span: b.labels.first().and_then(|l| self.span(l)).or(span),
            command: Command::Apply,
            variables: Vec::new(),
            module_source: None,
            asserts: Vec::new(),
            expect_failures: Vec::new(),
            faults: Vec::new(),
        };
        for s in b.body.iter() {
            match s {
                Structure::Attribute(a) => self.run_attribute(a, &mut run),
                Structure::Block(inner) => match inner.ident.as_str() {
                    "variables" => run.variables.extend(self.variables(inner)),
                    "assert" => {
                        if let Some(a) = self.assert(inner) {
                            run.asserts.push(a);
                        }
                    }
                    "module" => run.module_source = self.module_source(inner),
                    "fault" => run.faults.extend(self.fault(inner)),
                    other => {
                        let span = self.span(&inner.ident);
                        self.error(
                            span,
                            "Unsupported block type",
                            format!("Blocks of type {other:?} are not supported in a run block by the kitchen; it reads variables, module, assert and fault blocks."),
                        );
                    }
                },
            }
        }
        Some(run)
    }

    fn run_attribute(&mut self, a: &Attribute, run: &mut Run) {
        let span = self.span(&a.value);
        match a.key.as_str() {
            "command" => {
                let word = match &a.value {
                    Expression::Variable(v) => Some(v.as_str().to_string()),
                    Expression::String(s) => Some(s.value().clone()),
                    _ => None,
                };
                match word.as_deref() {
                    Some("plan") => run.command = Command::Plan,
                    Some("apply") => run.command = Command::Apply,
                    _ => self.error(
                        span,
                        "Invalid command",
                        "The command must be plan or apply.".into(),
                    ),
                }
            }
            "expect_failures" => match &a.value {
                Expression::Array(items) => {
                    for item in items.iter() {
                        let text = checkable_text(item);
                        match text {
                            Some(addr) => run.expect_failures.push(ExpectedFailure {
                                addr,
                                span: self.span(item),
                            }),
                            None => {
                                let span = self.span(item);
                                self.error(
                                    span,
                                    "Invalid expect_failures entry",
                                    "Each entry must be a reference to a checkable object: a variable, output, resource or data source.".into(),
                                );
                            }
                        }
                    }
                }
                _ => self.error(
                    span,
                    "Invalid expect_failures",
                    "expect_failures must be a list of references.".into(),
                ),
            },
            other => {
                let span = self.span(&a.key);
                self.error(
                    span,
                    "Unsupported argument",
                    format!("An argument named {other:?} is not expected in a run block; the kitchen reads command and expect_failures."),
                );
            }
        }
    }

    fn assert(&mut self, b: &Block) -> Option<Assert> {
        let span = self.span(&b.ident);
        let condition = b.body.get_attribute("condition");
        let message = b.body.get_attribute("error_message");
        match (condition, message) {
            (Some(c), Some(m)) => Some(Assert {
                condition: self.expr(&c.value),
                error_message: self.expr(&m.value),
            }),
            _ => {
                self.error(
                    span,
                    "Missing required argument",
                    "An assert block needs both condition and error_message.".into(),
                );
                None
            }
        }
    }

    /// A `fault "kind" {}` block, read as fault files are.
    fn fault(&mut self, b: &Block) -> Option<sim::Fault> {
        sim::fault_file::parse_block(self.file, b)
            .map_err(|d| self.diags.extend(d))
            .ok()
    }

    fn module_source(&mut self, b: &Block) -> Option<String> {
        let span = self.span(&b.ident);
        match b.body.get_attribute("source").map(|a| &a.value) {
            Some(Expression::String(s)) => Some(s.value().clone()),
            _ => {
                self.error(
                    span,
                    "Missing required argument",
                    "A module block in a run needs source = \"<local path>\".".into(),
                );
                None
            }
        }
    }
}

/// `var.name`, `output.x`, `aws_vpc.main`, `data.t.n`: the static text of a reference.
fn checkable_text(e: &Expression) -> Option<String> {
    match e {
        Expression::Traversal(t) => {
            let Expression::Variable(root) = &t.expr else {
                return None;
            };
            let mut out = root.as_str().to_string();
            for op in t.operators.iter() {
                match op.value() {
                    hcl_edit::expr::TraversalOperator::GetAttr(id) => {
                        out.push('.');
                        out.push_str(id.as_str());
                    }
                    _ => return None,
                }
            }
            Some(out)
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse_text(text: &str) -> (Result<TestFile, Diagnostics>, SourceMap) {
        let sources = SourceMap::new();
        let file = sources.add("t.kitchen.hcl", text);
        (parse(Path::new("t.kitchen.hcl"), file, text), sources)
    }

    #[test]
    fn runs_keep_their_order_command_variables_asserts_and_expected_failures() {
        let (f, _) = parse_text(
            r#"
variables { name = "a" }
provider "aws" { region = "eu-west-1" }
run "first" {
  command = plan
  variables { name = "b" }
  assert {
    condition     = output.o == "b"
    error_message = "wrong"
  }
}
run "second" {
  expect_failures = [var.name, aws_vpc.main]
  module { source = "./other" }
}
"#,
        );
        let f = f.expect("parses");
        assert_eq!(f.variables.len(), 1);
        assert_eq!(f.providers[0].reference.name, "aws");
        let names: Vec<_> = f.runs.iter().map(|r| r.name.as_str()).collect();
        assert_eq!(names, ["first", "second"]);
        assert_eq!(f.runs[0].command, Command::Plan);
        assert_eq!(f.runs[0].variables[0].0, "name");
        assert_eq!(f.runs[0].asserts.len(), 1);
        assert_eq!(f.runs[1].command, Command::Apply);
        let expected: Vec<_> = f.runs[1]
            .expect_failures
            .iter()
            .map(|e| e.addr.as_str())
            .collect();
        assert_eq!(expected, ["var.name", "aws_vpc.main"]);
        assert_eq!(f.runs[1].module_source.as_deref(), Some("./other"));
    }

    #[test]
    fn mistakes_are_reported_with_line_and_column() {
        let cases = [
            (
                "run \"x\" {\n  command = destroy\n}\n",
                "Invalid command",
                2,
            ),
            (
                "run \"x\" {\n  assert {\n    condition = true\n  }\n}\n",
                "Missing required argument",
                2,
            ),
            ("resource \"a\" \"b\" {}\n", "Unsupported block type", 1),
            ("run \"x\" {}\nrun \"x\" {}\n", "Duplicate run block", 2),
            ("run \"x\" {\n  bogus = 1\n}\n", "Unsupported argument", 2),
            ("run \"x\" {\n  command = = plan\n}\n", "Invalid syntax", 2),
        ];
        for (text, summary, line) in cases {
            let (r, sources) = parse_text(text);
            let diags = r.expect_err(text);
            let d = diags.iter().next().expect("a diagnostic");
            assert_eq!(d.summary, summary, "{text}");
            let loc = sources.location(d.span.expect("span")).expect("location");
            assert_eq!(loc.line, line, "{text}");
        }
    }

    #[test]
    fn fault_blocks_belong_to_the_file_or_to_one_run() {
        let (f, _) = parse_text(
            r#"
fault "throttle" {
  resource = "*"
  count    = 2
}
run "first" {}
run "second" {
  fault "capacity" {
    resource  = "aws_subnet.a"
    operation = "create"
  }
}
"#,
        );
        let f = f.expect("parses");
        let kinds = |faults: &[sim::Fault]| -> Vec<&str> {
            faults.iter().map(|x| x.kind.as_str()).collect()
        };
        assert_eq!(kinds(&f.faults), ["throttle"]);
        assert_eq!(f.faults[0].count, 2);
        assert!(f.runs[0].faults.is_empty());
        assert_eq!(kinds(&f.runs[1].faults), ["capacity"]);
        assert_eq!(f.runs[1].faults[0].operation, sim::Operation::Create);
    }

    #[test]
    fn a_bad_fault_block_is_reported_at_its_place() {
        let (r, sources) = parse_text(
            "run \"x\" {\n  fault \"explode\" {\n    resource = \"*\"\n    count = \"two\"\n  }\n}\n",
        );
        let diags = r.expect_err("bad fault");
        let found: Vec<(String, String)> = diags
            .iter()
            .map(|d| {
                let span = d.span.expect("span");
                (
                    sources.location(span).expect("location").to_string(),
                    sources.snippet(span),
                )
            })
            .collect();
        assert_eq!(
            found,
            [
                ("t.kitchen.hcl:2:9".to_string(), "\"explode\"".to_string()),
                ("t.kitchen.hcl:4:13".to_string(), "\"two\"".to_string()),
            ]
        );
    }

    #[test]
    fn discover_finds_kitchen_and_tftest_files_in_the_dir_and_tests() {
        let tmp = tempfile::tempdir().expect("tempdir");
        std::fs::create_dir(tmp.path().join("tests")).expect("mkdir");
        for f in [
            "b.kitchen.hcl",
            "a.tftest.hcl",
            "main.tf",
            "tests/c.tftest.hcl",
        ] {
            std::fs::write(tmp.path().join(f), "").expect("write");
        }
        let found: Vec<String> = discover(tmp.path())
            .expect("lists")
            .iter()
            .map(|p| {
                p.strip_prefix(tmp.path())
                    .expect("inside")
                    .display()
                    .to_string()
            })
            .collect();
        assert_eq!(
            found,
            ["a.tftest.hcl", "b.kitchen.hcl", "tests/c.tftest.hcl"]
        );
    }
}
