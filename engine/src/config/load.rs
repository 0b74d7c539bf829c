//! Reads the `.tf` files of a directory (and its local child modules) into the model.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use hcl_edit::expr::{Expression, TraversalOperator};
use hcl_edit::structure::{Block, Structure};
use hcl_edit::Span as _;

use super::*;
use crate::addr::Mode;
use crate::diag::{Diagnostic, Diagnostics, SourceMap};
use crate::modules::{LockFile, ModuleSource};
use install::Installer;

/// Most nesting of module calls accepted, to stop runaway recursion.
const MAX_MODULE_DEPTH: usize = 32;

/// Loads the module in `dir` and, recursively, every local module it calls.
/// Returns whatever could be loaded plus every problem found. A module call whose source
/// is not a local path is an error: plan and apply need the whole configuration.
pub fn load_config(dir: &Path, sources: &SourceMap) -> (Config, Diagnostics) {
    load_config_with(dir, sources, RemoteModules::Error)
}

/// Like [`load_config`], choosing how module calls with registry, git or other remote
/// sources (which galley does not install) are reported. Such calls have no child in
/// [`Config::children`] either way.
pub fn load_config_with(
    dir: &Path,
    sources: &SourceMap,
    remote: RemoteModules,
) -> (Config, Diagnostics) {
    let (config, diags, _) = load_installing(dir, sources, remote, Install::Locked);
    (config, diags)
}

/// `galley init`: loads the configuration, resolving every git module call's ref or
/// `version` (all of them again with `upgrade`), fetching it into `.galley/modules`; returns
/// the lock file to write (entries no call uses dropped).
pub fn install_modules(
    dir: &Path,
    sources: &SourceMap,
    upgrade: bool,
) -> (Config, Diagnostics, LockFile) {
    load_installing(
        dir,
        sources,
        RemoteModules::Error,
        Install::Resolve { upgrade },
    )
}

fn load_installing(
    dir: &Path,
    sources: &SourceMap,
    remote: RemoteModules,
    install: Install,
) -> (Config, Diagnostics, LockFile) {
    let mut diags = Diagnostics::new();
    let mut stack = Vec::new();
    let (mut installer, problem) = Installer::new(dir, install);
    diags.extend(problem);
    let config = load_tree(dir, sources, remote, &mut installer, &mut diags, &mut stack);
    (config, diags, installer.into_lock())
}

fn load_tree(
    dir: &Path,
    sources: &SourceMap,
    remote: RemoteModules,
    installer: &mut Installer,
    diags: &mut Diagnostics,
    stack: &mut Vec<PathBuf>,
) -> Config {
    let (module, d) = load_module(dir, sources);
    diags.extend(d);
    let canonical = dir.canonicalize().unwrap_or_else(|_| dir.to_path_buf());
    if let (false, Some(backend)) = (stack.is_empty(), &module.backend) {
        diags.push(
            Diagnostic::warning("Backend configuration ignored")
                .with_span(backend.span)
                .with_detail("Any selected backend applies to the entire configuration, so galley reads backend blocks only in the root module.\n\nThis is a warning rather than an error because it's sometimes convenient to temporarily call a root module as a child module for testing purposes, but this backend configuration block will have no effect.".to_string()),
        );
    }
    stack.push(canonical);
    let mut children = BTreeMap::new();
    for call in module.module_calls.values() {
        let child_dir = match ModuleSource::parse(&call.source) {
            Ok(ModuleSource::Local(_)) => {
                let child = join_clean(dir, &call.source);
                if let Err(why) = installer.confine(dir, &child) {
                    diags.push(
                        Diagnostic::error("Module source outside its repository")
                            .with_span(call.source_span.or(call.span))
                            .with_detail(format!("module \"{}\": {why}", call.name)),
                    );
                    continue;
                }
                child
            }
            Ok(ModuleSource::Git(git)) => match installer.module_dir(call, &git) {
                Ok(d) => d,
                Err(mut d) => {
                    if remote == RemoteModules::Warn {
                        d.severity = crate::diag::Severity::Warning;
                    }
                    diags.push(d);
                    continue;
                }
            },
            Ok(ModuleSource::Registry(_)) => {
                diags.push(not_installed(call, remote));
                continue;
            }
            Err(e) => {
                diags.push(
                    Diagnostic::error("Invalid module source")
                        .with_span(call.source_span)
                        .with_detail(format!("module \"{}\": {e}", call.name)),
                );
                continue;
            }
        };
        let canonical = child_dir
            .canonicalize()
            .unwrap_or_else(|_| child_dir.clone());
        if !child_dir.is_dir() {
            diags.push(
                Diagnostic::error("Unreadable module directory")
                    .with_span(call.source_span)
                    .with_detail(format!(
                        "The directory {} does not exist.",
                        crate::diag::display_path(&child_dir)
                    )),
            );
            continue;
        }
        if stack.contains(&canonical) || stack.len() > MAX_MODULE_DEPTH {
            diags.push(
                Diagnostic::error("Module call cycle")
                    .with_span(call.span)
                    .with_detail(format!(
                    "Module \"{}\" calls {}, which is already being loaded by one of its callers.",
                    call.name, call.source
                )),
            );
            continue;
        }
        let before = diags.0.len();
        let child = load_tree(&child_dir, sources, remote, installer, diags, stack);
        // A child that did not load cleanly may lack variables it really declares.
        if !diags.0[before..].iter().any(Diagnostic::is_error) {
            check_inputs(call, &child.module, diags);
            check_expansion(call, &child.module, diags);
        }
        children.insert(call.name.clone(), child);
    }
    stack.pop();
    Config { module, children }
}

/// As in Terraform, a module with its own `provider` blocks cannot be called with
/// `count`, `for_each` or `depends_on`: its providers would have no single instance to
/// live in.
fn check_expansion(call: &ModuleCall, child: &Module, diags: &mut Diagnostics) {
    let Some(meta) = call
        .count
        .iter()
        .chain(call.for_each.iter())
        .chain(call.depends_on.iter())
        .next()
    else {
        return;
    };
    if !child.providers.is_empty() {
        diags.push(
            Diagnostic::error("Module is incompatible with count, for_each, and depends_on")
                .with_span(meta.span().or(call.span))
                .with_detail(format!(
                    "The module at module.{} is a legacy module which contains its own local provider configurations, and so calls to it may not use the count, for_each, or depends_on arguments.\n\nIf you also control the module \"{}\", consider updating this module to instead expect provider configurations to be passed by its caller.",
                    call.name, call.source
                )),
        );
    }
}

/// A module call must set every variable of its child that has no default, and nothing
/// the child does not declare.
fn check_inputs(call: &ModuleCall, child: &Module, diags: &mut Diagnostics) {
    for (name, e) in &call.inputs {
        if !child.variables.contains_key(name) {
            diags.push(
                Diagnostic::error("Unsupported argument")
                    .with_span(e.span().or(call.span))
                    .with_detail(format!(
                        "An argument named \"{name}\" is not expected here: module \"{}\" declares no variable \"{name}\".",
                        call.name
                    )),
            );
        }
    }
    for v in child.variables.values() {
        if v.default.is_none() && !call.inputs.contains_key(&v.name) {
            diags.push(
                Diagnostic::error("Missing required argument")
                    .with_span(call.span)
                    .with_detail(format!(
                        "The argument \"{}\" is required by module \"{}\", but no definition was found.",
                        v.name, call.name
                    )),
            );
        }
    }
}

/// The diagnostic for a module call galley cannot load, naming the call and its source.
fn not_installed(call: &ModuleCall, remote: RemoteModules) -> Diagnostic {
    let d = match remote {
        RemoteModules::Error => Diagnostic::error("Module not installed"),
        RemoteModules::Warn => Diagnostic::warning("Module not installed"),
    };
    let consequence = match remote {
        RemoteModules::Error => "so this configuration cannot be planned or applied",
        RemoteModules::Warn => "so its inputs and outputs are not checked",
    };
    d.with_span(call.source_span).with_detail(format!(
        "Module \"{}\" has source {:?}, a registry address; galley loads local paths (\"./dir\") and git sources (\"git::URL//dir?ref=TAG\", \"github.com/org/repo\"), not registry modules, {consequence}.",
        call.name, call.source
    ))
}

/// `dir` joined with a relative module source, `.` and `dir/..` pairs removed lexically,
/// so a child's directory (and its `path.module`) reads `modules/net` as in Terraform.
fn join_clean(dir: &Path, source: &str) -> PathBuf {
    use std::path::Component;
    let mut out = PathBuf::new();
    for c in dir.components().chain(Path::new(source).components()) {
        match c {
            Component::CurDir => {}
            Component::ParentDir
                if matches!(out.components().next_back(), Some(Component::Normal(_))) =>
            {
                out.pop();
            }
            other => out.push(other.as_os_str()),
        }
    }
    if out.as_os_str().is_empty() {
        out.push(".");
    }
    out
}

/// Loads the `.tf` files of one directory, without its children.
pub fn load_module(dir: &Path, sources: &SourceMap) -> (Module, Diagnostics) {
    let mut diags = Diagnostics::new();
    let mut module = Module {
        dir: dir.to_path_buf(),
        ..Module::default()
    };
    let mut paths: Vec<PathBuf> = match std::fs::read_dir(dir) {
        Ok(rd) => rd
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|e| e == "tf") && p.is_file())
            .collect(),
        Err(e) => {
            diags.push(Diagnostic::error(format!(
                "Cannot read directory {}: {e}",
                crate::diag::display_path(dir)
            )));
            return (module, diags);
        }
    };
    paths.sort();
    for path in paths {
        let bytes = match crate::limits::read(&path, crate::limits::CONFIG) {
            Ok(b) => b,
            Err(e) => {
                diags.push(unreadable(&path, e));
                continue;
            }
        };
        let text = match String::from_utf8(bytes) {
            Ok(t) => t,
            Err(e) => {
                let lossy = String::from_utf8_lossy(e.as_bytes()).to_string();
                let at = e.utf8_error().valid_up_to();
                // The span covers the replacement character shown for the bad bytes.
                let end = at + lossy[at..].chars().next().map_or(0, char::len_utf8);
                let file = sources.add_path(&path, lossy);
                diags.push(
                    Diagnostic::error("Invalid UTF-8")
                        .with_span(Some(Span::new(file, at..end)))
                        .with_detail("Configuration files must be UTF-8 encoded."),
                );
                continue;
            }
        };
        let file = sources.add_path(&path, text.as_str());
        module.files.push(file);
        match hcl_edit::parser::parse_body(&text) {
            Ok(body) => {
                let mut l = Loader {
                    file,
                    text: &text,
                    diags: &mut diags,
                };
                l.top_level(body, &mut module);
            }
            Err(e) => diags.push(parse_error(file, &text, &e)),
        }
    }
    super::kubernetes_manifests::check_clusters(&module, &mut diags);
    (module, diags)
}

/// Reads only the `backend` block of the module in `dir`, for commands that need the state
/// before (or without) the configuration: `output`, `state`, `force-unlock`. Files that do
/// not parse are errors (where the state is cannot be known); everything outside
/// `terraform` blocks is left to [`load_module`].
pub fn load_backend(dir: &Path, sources: &SourceMap) -> (Option<BackendBlock>, Diagnostics) {
    let mut diags = Diagnostics::new();
    let mut module = Module::default();
    let Ok(rd) = std::fs::read_dir(dir) else {
        // The full load reports an unreadable directory; without one, the state is local.
        return (None, diags);
    };
    let mut paths: Vec<PathBuf> = rd
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e == "tf") && p.is_file())
        .collect();
    paths.sort();
    for path in paths {
        let text = match crate::limits::read_to_string(&path, crate::limits::CONFIG) {
            Ok(text) => text,
            Err(e @ crate::limits::ReadError::TooLarge(_)) => {
                // Whether it holds the backend block cannot be known.
                diags.push(unreadable(&path, e));
                continue;
            }
            Err(_) => continue,
        };
        // Only files that say `backend` can hold one; the others are not parsed twice.
        if !text.contains("backend") {
            continue;
        }
        let file = sources.add_path(&path, text.as_str());
        match hcl_edit::parser::parse_body(&text) {
            Ok(body) => {
                let mut l = Loader {
                    file,
                    text: &text,
                    diags: &mut diags,
                };
                for s in body.into_iter() {
                    if let Structure::Block(b) = s {
                        if b.ident.as_str() == "terraform" {
                            l.terraform(b, &mut module);
                        }
                    }
                }
            }
            Err(e) => diags.push(parse_error(file, &text, &e)),
        }
    }
    (module.backend, diags)
}

/// The error for a configuration file that cannot be read, or is too large to.
fn unreadable(path: &Path, e: crate::limits::ReadError) -> Diagnostic {
    match e {
        crate::limits::ReadError::TooLarge(t) => {
            Diagnostic::error("Configuration file too large").with_detail(t.to_string())
        }
        crate::limits::ReadError::Io(e) => Diagnostic::error(format!(
            "Cannot read {}: {e}",
            crate::diag::display_path(path)
        )),
    }
}

/// Turns an hcl-edit parse error into a diagnostic at its location.
pub fn parse_error(file: FileId, text: &str, e: &hcl_edit::parser::Error) -> Diagnostic {
    let loc = e.location();
    let offset = offset_of(text, loc.line(), loc.column());
    let end = text[offset..]
        .chars()
        .next()
        .map(|c| offset + c.len_utf8())
        .unwrap_or(offset);
    Diagnostic::error("Invalid syntax")
        .with_span(Some(Span::new(file, offset..end)))
        .with_detail(e.message().to_string())
}

/// Byte offset of a 1-based line and column (in characters).
fn offset_of(text: &str, line: usize, column: usize) -> usize {
    let mut start = 0;
    for _ in 1..line {
        match text[start..].find('\n') {
            Some(i) => start += i + 1,
            None => return text.len(),
        }
    }
    let rest = &text[start..];
    let line_end = rest.find('\n').unwrap_or(rest.len());
    rest[..line_end]
        .char_indices()
        .nth(column.saturating_sub(1))
        .map(|(i, _)| start + i)
        .unwrap_or(start + line_end)
}

/// Reads the blocks of one file into a module (the `kubernetes_manifests` block is read
/// in its own module, through the same helpers).
pub(super) struct Loader<'a> {
    file: FileId,
    pub(super) text: &'a str,
    pub(super) diags: &'a mut Diagnostics,
}

impl Loader<'_> {
    pub(super) fn span(&self, s: Option<std::ops::Range<usize>>) -> Option<Span> {
        s.map(|r| Span::new(self.file, r))
    }

    pub(super) fn header(&self, b: &Block) -> Option<Span> {
        let start = b.ident.span()?.start;
        let end = b
            .labels
            .last()
            .and_then(|l| l.span())
            .or_else(|| b.ident.span())?
            .end;
        self.span(Some(start..end))
    }

    fn expr(&self, e: Expression) -> Expr {
        Expr {
            file: self.file,
            expr: e,
        }
    }

    pub(super) fn err(&mut self, summary: &str, span: Option<Span>, detail: String) {
        self.diags.push(
            Diagnostic::error(summary)
                .with_span(span)
                .with_detail(detail),
        );
    }

    pub(super) fn labels(&mut self, b: &Block, n: usize) -> Option<Vec<String>> {
        if b.labels.len() != n {
            let what = b.ident.as_str().to_string();
            let span = self.header(b);
            self.err(
                "Wrong number of block labels",
                span,
                format!(
                    "A {what} block needs {n} label{}, found {}.",
                    if n == 1 { "" } else { "s" },
                    b.labels.len()
                ),
            );
            return None;
        }
        Some(b.labels.iter().map(|l| l.as_str().to_string()).collect())
    }

    fn top_level(&mut self, body: hcl_edit::structure::Body, m: &mut Module) {
        for s in body.into_iter() {
            match s {
                Structure::Attribute(a) => {
                    let span = self.span(a.key.span());
                    self.err(
                        "Unexpected attribute",
                        span,
                        format!(
                            "An argument named \"{}\" is not expected here.",
                            a.key.as_str()
                        ),
                    );
                }
                Structure::Block(b) => self.block(b, m),
            }
        }
    }

    fn block(&mut self, b: Block, m: &mut Module) {
        match b.ident.as_str() {
            "terraform" => self.terraform(b, m),
            "variable" => self.variable(b, m),
            "locals" => self.locals(b, m),
            "output" => self.output(b, m),
            "resource" => self.resource(b, m, Mode::Managed),
            "data" => self.resource(b, m, Mode::Data),
            "module" => self.module_call(b, m),
            "provider" => self.provider(b, m),
            "moved" => self.moved(b, m),
            "import" => self.import(b, m),
            "blue_green" => self.blue_green(b, m),
            "kubernetes_manifests" => self.kubernetes_manifests(b, m),
            "check" | "removed" => {}
            other => {
                let span = self.span(b.ident.span());
                self.err(
                    "Unsupported block type",
                    span,
                    format!("Blocks of type \"{other}\" are not expected here."),
                );
            }
        }
    }

    fn terraform(&mut self, b: Block, m: &mut Module) {
        if let Some(a) = b.body.get_attribute("required_version") {
            m.required_version = literal_string(&a.value);
        }
        for s in b.body.into_iter() {
            if let Structure::Block(inner) = s {
                if inner.ident.as_str() == "backend" {
                    let previous = m.backend.take();
                    let read = self.backend(inner, previous.as_ref());
                    m.backend = previous.or(read);
                }
            }
        }
    }

    fn variable(&mut self, b: Block, m: &mut Module) {
        let Some(labels) = self.labels(&b, 1) else {
            return;
        };
        let name = labels[0].clone();
        let span = self.header(&b);
        let mut v = Variable {
            name: name.clone(),
            span,
            ty: crate::types::Type::Any,
            type_expr: None,
            default: None,
            description: None,
            sensitive: false,
            nullable: true,
            validations: Vec::new(),
        };
        for s in b.body.into_iter() {
            match s {
                Structure::Attribute(a) => match a.key.as_str() {
                    "type" => {
                        v.ty = self.parse_type(&a.value);
                        v.type_expr = Some(self.expr(a.value));
                    }
                    "default" => v.default = Some(self.expr(a.value)),
                    "description" => v.description = literal_string(&a.value),
                    "sensitive" => v.sensitive = self.literal_bool(&a.value),
                    "nullable" => v.nullable = self.literal_bool(&a.value),
                    "ephemeral" => {}
                    other => self.unexpected_arg(other, a.key.span()),
                },
                Structure::Block(vb) if vb.ident.as_str() == "validation" => {
                    if let Some(c) = self.check(vb) {
                        v.validations.push(c);
                    }
                }
                Structure::Block(other) => self.unexpected_block(&other),
            }
        }
        if let Some(prev) = m.variables.get(&name) {
            self.duplicate("variable", &name, span, prev.span);
            return;
        }
        m.variables.insert(name, v);
    }

    fn parse_type(&mut self, e: &Expression) -> crate::types::Type {
        match crate::types::parse_type(e) {
            Ok(t) => t,
            Err(err) => {
                let span = self.span(err.span.clone().or_else(|| e.span()));
                self.err(&err.summary, span, err.detail);
                crate::types::Type::Any
            }
        }
    }

    fn check(&mut self, b: Block) -> Option<Check> {
        let span = self.span(b.span());
        let mut condition = None;
        let mut error_message = None;
        for s in b.body.into_iter() {
            match s {
                Structure::Attribute(a) => match a.key.as_str() {
                    "condition" => condition = Some(self.expr(a.value)),
                    "error_message" => error_message = Some(self.expr(a.value)),
                    other => self.unexpected_arg(other, a.key.span()),
                },
                Structure::Block(other) => self.unexpected_block(&other),
            }
        }
        match (condition, error_message) {
            (Some(condition), Some(error_message)) => Some(Check {
                condition,
                error_message,
                span,
            }),
            _ => {
                self.err(
                    "Missing required argument",
                    span,
                    "A condition block needs both \"condition\" and \"error_message\".".into(),
                );
                None
            }
        }
    }

    fn locals(&mut self, b: Block, m: &mut Module) {
        for s in b.body.into_iter() {
            match s {
                Structure::Attribute(a) => {
                    let name = a.key.as_str().to_string();
                    let span = self.span(a.key.span());
                    if let Some(prev) = m.locals.get(&name) {
                        self.duplicate("local value", &name, span, prev.span);
                        continue;
                    }
                    let expr = self.expr(a.value);
                    m.locals.insert(name.clone(), Local { name, expr, span });
                }
                Structure::Block(other) => self.unexpected_block(&other),
            }
        }
    }

    fn output(&mut self, b: Block, m: &mut Module) {
        let Some(labels) = self.labels(&b, 1) else {
            return;
        };
        let name = labels[0].clone();
        let span = self.header(&b);
        let mut value = None;
        let mut o = Output {
            name: name.clone(),
            value: self.expr(Expression::null()),
            sensitive: false,
            description: None,
            depends_on: Vec::new(),
            preconditions: Vec::new(),
            span,
        };
        for s in b.body.into_iter() {
            match s {
                Structure::Attribute(a) => match a.key.as_str() {
                    "value" => value = Some(self.expr(a.value)),
                    "sensitive" => o.sensitive = self.literal_bool(&a.value),
                    "description" => o.description = literal_string(&a.value),
                    "depends_on" => o.depends_on = self.expr_list(a.value),
                    "ephemeral" => {}
                    other => self.unexpected_arg(other, a.key.span()),
                },
                Structure::Block(pb) if pb.ident.as_str() == "precondition" => {
                    if let Some(c) = self.check(pb) {
                        o.preconditions.push(c);
                    }
                }
                Structure::Block(other) => self.unexpected_block(&other),
            }
        }
        match value {
            Some(v) => o.value = v,
            None => {
                self.err(
                    "Missing required argument",
                    span,
                    "The argument \"value\" is required for an output.".into(),
                );
                return;
            }
        }
        if let Some(prev) = m.outputs.get(&name) {
            self.duplicate("output", &name, span, prev.span);
            return;
        }
        m.outputs.insert(name, o);
    }

    fn resource(&mut self, b: Block, m: &mut Module, mode: Mode) {
        let Some(labels) = self.labels(&b, 2) else {
            return;
        };
        let span = self.header(&b);
        let addr = Resource {
            mode,
            type_name: labels[0].clone(),
            name: labels[1].clone(),
        };
        let implied = ProviderRef {
            name: implied_provider(&addr.type_name),
            alias: None,
        };
        let mut r = ResourceBlock {
            addr: addr.clone(),
            span,
            provider: implied,
            count: None,
            for_each: None,
            depends_on: Vec::new(),
            lifecycle: Lifecycle::default(),
            body: Body {
                file: self.file,
                body: hcl_edit::structure::Body::new(),
            },
        };
        let mut rest = hcl_edit::structure::Body::new();
        let mut provisioner = None;
        for s in b.body.into_iter() {
            match s {
                Structure::Attribute(a) => match a.key.as_str() {
                    "count" => r.count = Some(self.expr(a.value)),
                    "for_each" => r.for_each = Some(self.expr(a.value)),
                    "depends_on" => r.depends_on = self.expr_list(a.value),
                    "provider" => {
                        if let Some(p) = self.provider_ref(&a.value) {
                            r.provider = p;
                        }
                    }
                    _ => rest.push(a),
                },
                Structure::Block(lb) if lb.ident.as_str() == "lifecycle" => {
                    r.lifecycle = self.lifecycle(lb);
                }
                Structure::Block(pb)
                    if mode == Mode::Managed
                        && matches!(pb.ident.as_str(), "provisioner" | "connection") =>
                {
                    // Meta-blocks, not resource arguments: keep them out of the body a
                    // provider schema checks.
                    if provisioner.is_none() {
                        provisioner = self.span(pb.ident.span());
                    }
                }
                Structure::Block(other) => rest.push(other),
            }
        }
        if r.count.is_some() && r.for_each.is_some() {
            self.err(
                "Invalid combination of \"count\" and \"for_each\"",
                span,
                "The \"count\" and \"for_each\" meta-arguments are mutually-exclusive, only one should be used."
                    .into(),
            );
        }
        r.body.body = rest;
        if provisioner.is_some() {
            self.diags.push(
                Diagnostic::warning("Provisioners are not run")
                    .with_span(provisioner)
                    .with_detail(format!(
                        "galley does not run provisioners; those of {addr} are ignored."
                    )),
            );
        }
        if let Some(prev) = m.resources.get(&addr) {
            let kind = if mode == Mode::Data {
                "data"
            } else {
                "resource"
            };
            let prev_span = prev.span;
            self.err(
                &format!("Duplicate {kind} \"{}\" configuration", addr.type_name),
                span,
                format!(
                    "A {kind} named \"{}\" was already declared at {}. Resource names must be unique per type in each module.",
                    addr.name,
                    self.where_(prev_span)
                ),
            );
            return;
        }
        m.resources.insert(addr, r);
    }

    pub(super) fn where_(&self, span: Option<Span>) -> String {
        // The location is resolved when rendering; here the byte offset is enough to say "earlier".
        match span {
            Some(s) if s.file == self.file => {
                let line = self.text[..(s.start as usize).min(self.text.len())]
                    .matches('\n')
                    .count()
                    + 1;
                format!("line {line} of this file")
            }
            Some(_) => "another file of this module".to_string(),
            None => "another place".to_string(),
        }
    }

    fn lifecycle(&mut self, b: Block) -> Lifecycle {
        let mut l = Lifecycle::default();
        for s in b.body.into_iter() {
            match s {
                Structure::Attribute(a) => match a.key.as_str() {
                    "create_before_destroy" => {
                        l.create_before_destroy = self.literal_bool(&a.value)
                    }
                    "prevent_destroy" => l.prevent_destroy = self.literal_bool(&a.value),
                    "ignore_changes" => l.ignore_changes = self.ignore_changes(&a.value),
                    "replace_triggered_by" => l.replace_triggered_by = self.expr_list(a.value),
                    other => self.unexpected_arg(other, a.key.span()),
                },
                Structure::Block(cb) if cb.ident.as_str() == "precondition" => {
                    if let Some(c) = self.check(cb) {
                        l.preconditions.push(c);
                    }
                }
                Structure::Block(cb) if cb.ident.as_str() == "postcondition" => {
                    if let Some(c) = self.check(cb) {
                        l.postconditions.push(c);
                    }
                }
                Structure::Block(other) => self.unexpected_block(&other),
            }
        }
        l
    }

    fn ignore_changes(&mut self, e: &Expression) -> IgnoreChanges {
        if let Expression::Variable(v) = e {
            if v.as_str() == "all" {
                return IgnoreChanges::All;
            }
        }
        let Expression::Array(items) = e else {
            let span = self.span(e.span());
            self.err(
                "Invalid ignore_changes",
                span,
                "Expected a list of attribute names, or the keyword all.".into(),
            );
            return IgnoreChanges::None;
        };
        let mut paths = Vec::new();
        for item in items.iter() {
            match static_path(item) {
                Some(p) => paths.push(p),
                None => {
                    let span = self.span(item.span());
                    self.err(
                        "Invalid ignore_changes",
                        span,
                        "Each item must be an attribute name, optionally followed by attribute names or literal keys.".into(),
                    );
                }
            }
        }
        IgnoreChanges::Paths(paths)
    }

    fn module_call(&mut self, b: Block, m: &mut Module) {
        let Some(labels) = self.labels(&b, 1) else {
            return;
        };
        let name = labels[0].clone();
        let span = self.header(&b);
        let mut call = ModuleCall {
            name: name.clone(),
            source: String::new(),
            source_span: None,
            version: None,
            count: None,
            for_each: None,
            depends_on: Vec::new(),
            providers: BTreeMap::new(),
            inputs: BTreeMap::new(),
            span,
        };
        let mut has_source = false;
        for s in b.body.into_iter() {
            match s {
                Structure::Attribute(a) => match a.key.as_str() {
                    "source" => {
                        call.source_span = self.span(a.value.span());
                        match literal_string(&a.value) {
                            Some(src) => {
                                call.source = src;
                                has_source = true;
                            }
                            None => {
                                let sp = call.source_span;
                                self.err(
                                    "Invalid module source",
                                    sp,
                                    "The module source must be a literal string.".into(),
                                );
                                return;
                            }
                        }
                    }
                    "version" => {
                        let sp = self.span(a.value.span());
                        match literal_string(&a.value) {
                            Some(v) => call.version = Some(v),
                            None => self.err(
                                "Invalid module version",
                                sp,
                                "The module version must be a literal string, like \"~> 1.2\"."
                                    .into(),
                            ),
                        }
                    }
                    "count" => call.count = Some(self.expr(a.value)),
                    "for_each" => call.for_each = Some(self.expr(a.value)),
                    "depends_on" => call.depends_on = self.expr_list(a.value),
                    "providers" => call.providers = self.providers_map(&a.value),
                    other => {
                        call.inputs.insert(other.to_string(), self.expr(a.value));
                    }
                },
                Structure::Block(other) => self.unexpected_block(&other),
            }
        }
        if !has_source {
            self.err(
                "Missing required argument",
                span,
                "The argument \"source\" is required in a module block.".into(),
            );
            return;
        }
        if let Some(prev) = m.module_calls.get(&name) {
            self.duplicate("module call", &name, span, prev.span);
            return;
        }
        m.module_calls.insert(name, call);
    }

    fn providers_map(&mut self, e: &Expression) -> BTreeMap<String, ProviderRef> {
        let mut out = BTreeMap::new();
        let Expression::Object(obj) = e else {
            let span = self.span(e.span());
            self.err(
                "Invalid providers",
                span,
                "Expected a map of provider configurations.".into(),
            );
            return out;
        };
        for (k, v) in obj.iter() {
            let key = match k {
                hcl_edit::expr::ObjectKey::Ident(i) => Some(i.as_str().to_string()),
                hcl_edit::expr::ObjectKey::Expression(e) => static_path(e).map(|p| p.join(".")),
            };
            if let (Some(key), Some(r)) = (key, self.provider_ref(v.expr())) {
                out.insert(key, r);
            }
        }
        out
    }

    fn provider(&mut self, b: Block, m: &mut Module) {
        let Some(labels) = self.labels(&b, 1) else {
            return;
        };
        let span = self.header(&b);
        let alias = b
            .body
            .get_attribute("alias")
            .and_then(|a| literal_string(&a.value));
        let mut rest = hcl_edit::structure::Body::new();
        for s in b.body.into_iter() {
            match s {
                Structure::Attribute(a) if a.key.as_str() == "alias" => {}
                Structure::Attribute(a) if a.key.as_str() == "version" => {}
                other => rest.push(other),
            }
        }
        let reference = ProviderRef {
            name: labels[0].clone(),
            alias,
        };
        if let Some(prev) = m.providers.iter().find(|p| p.reference == reference) {
            let prev = prev.span;
            self.duplicate("provider configuration", &reference.to_string(), span, prev);
            return;
        }
        m.providers.push(ProviderBlock {
            reference,
            body: Body {
                file: self.file,
                body: rest,
            },
            span,
        });
    }

    fn moved(&mut self, b: Block, m: &mut Module) {
        let span = self.header(&b);
        let from = b
            .body
            .get_attribute("from")
            .and_then(|a| self.source_text(&a.value));
        let to = b
            .body
            .get_attribute("to")
            .and_then(|a| self.source_text(&a.value));
        match (from, to) {
            (Some(from), Some(to)) => m.moved.push(Moved { from, to, span }),
            _ => self.err(
                "Missing required argument",
                span,
                "A moved block needs both \"from\" and \"to\".".into(),
            ),
        }
    }

    fn import(&mut self, b: Block, m: &mut Module) {
        let span = self.span(b.span());
        let to_attr = b.body.get_attribute("to");
        let to_span = to_attr.and_then(|a| self.span(a.value.span()));
        let to = to_attr.and_then(|a| self.source_text(&a.value));
        let id = b
            .body
            .get_attribute("id")
            .map(|a| self.expr(a.value.clone()));
        match (to, id) {
            (Some(to), Some(id)) => m.imports.push(Import {
                to,
                id,
                span,
                to_span,
            }),
            _ => self.err(
                "Missing required argument",
                span,
                "An import block needs both \"to\" and \"id\".".into(),
            ),
        }
    }

    fn blue_green(&mut self, b: Block, m: &mut Module) {
        let span = self.header(&b);
        let Some(labels) = self.labels(&b, 1) else {
            return;
        };
        let name = labels[0].clone();
        if m.blue_greens.contains_key(&name) {
            self.err(
                "Duplicate blue_green block",
                span,
                format!("A blue_green block named \"{name}\" was already declared in this module."),
            );
            return;
        }
        let (mut cluster, mut record, mut steps, mut bake, mut shared, mut health) =
            (None, None, None, None, Vec::new(), Vec::new());
        for s in b.body.into_iter() {
            match s {
                Structure::Attribute(a) => match a.key.as_str() {
                    "cluster" => cluster = self.named(&a.value, "cluster"),
                    "record" => record = self.named(&a.value, "record"),
                    "shared" => match &a.value {
                        Expression::Array(items) => {
                            shared = items
                                .iter()
                                .filter_map(|e| self.named(e, "shared"))
                                .collect()
                        }
                        other => self.invalid(other, "shared", "a list of resources"),
                    },
                    "steps" => steps = self.steps(&a.value),
                    "bake" => {
                        bake = literal_string(&a.value).and_then(|t| parse_duration(&t));
                        if bake.is_none() {
                            self.invalid(
                                &a.value,
                                "bake",
                                "a duration such as \"10m\" or \"1h30m\"",
                            );
                        }
                    }
                    other => self.unexpected_arg(other, a.key.span()),
                },
                Structure::Block(blk) if blk.ident.as_str() == "health" => {
                    health.extend(self.check(blk))
                }
                Structure::Block(other) => self.unexpected_block(&other),
            }
        }
        let (Some(cluster), Some(record)) = (cluster, record) else {
            self.err(
                "Missing required argument",
                span,
                "A blue_green block needs \"cluster\" (an aws_eks_cluster) and \"record\" (its weighted aws_route53_record).".into(),
            );
            return;
        };
        m.blue_greens.insert(
            name.clone(),
            BlueGreen {
                name,
                cluster,
                record,
                steps: steps.unwrap_or_else(|| blue_green::DEFAULT_STEPS.to_vec()),
                bake: bake.unwrap_or(blue_green::DEFAULT_BAKE),
                shared,
                health,
                span,
            },
        );
    }

    /// A reference to a managed resource of this module (`aws_eks_cluster.main`).
    fn named(&mut self, e: &Expression, what: &str) -> Option<Named> {
        match static_path(e).as_deref() {
            Some([ty, name]) if !ty.starts_with("data") && !ty.starts_with("module") => {
                Some(Named {
                    resource: Resource {
                        mode: Mode::Managed,
                        type_name: ty.clone(),
                        name: name.clone(),
                    },
                    span: self.span(e.span()),
                })
            }
            _ => {
                self.invalid(
                    e,
                    what,
                    "a resource of this module, such as aws_eks_cluster.main",
                );
                None
            }
        }
    }

    /// `steps = [10, 50, 100]`: literal whole percentages.
    fn steps(&mut self, e: &Expression) -> Option<Vec<u8>> {
        let values: Option<Vec<u8>> = match e {
            Expression::Array(items) => items
                .iter()
                .map(|i| match i {
                    Expression::Number(n) => n.value().as_u64().and_then(|v| u8::try_from(v).ok()),
                    _ => None,
                })
                .collect(),
            _ => None,
        };
        let problem = match &values {
            None => Some("a list of whole percentages such as [10, 50, 100]".to_string()),
            Some(v) => blue_green::steps_problem(v),
        };
        match problem {
            Some(p) => {
                self.invalid(e, "steps", &p);
                None
            }
            None => values,
        }
    }

    fn invalid(&mut self, e: &Expression, what: &str, expected: &str) {
        self.invalid_argument("blue_green", e, what, expected);
    }

    /// `Invalid BLOCK argument` at `e`: `"what" = <its text>: expected …`.
    pub(super) fn invalid_argument(
        &mut self,
        block: &str,
        e: &Expression,
        what: &str,
        expected: &str,
    ) {
        let span = self.span(e.span());
        let text = e
            .span()
            .and_then(|r| self.text.get(r))
            .unwrap_or("")
            .trim()
            .to_string();
        self.err(
            &format!("Invalid {block} argument"),
            span,
            format!("\"{what}\" = {text}: expected {expected}."),
        );
    }

    /// The source text of an expression with whitespace removed (for addresses).
    fn source_text(&self, e: &Expression) -> Option<String> {
        let r = e.span()?;
        Some(
            self.text
                .get(r)?
                .chars()
                .filter(|c| !c.is_whitespace())
                .collect(),
        )
    }

    fn provider_ref(&mut self, e: &Expression) -> Option<ProviderRef> {
        match static_path(e).as_deref() {
            Some([name]) => Some(ProviderRef {
                name: name.clone(),
                alias: None,
            }),
            Some([name, alias]) => Some(ProviderRef {
                name: name.clone(),
                alias: Some(alias.clone()),
            }),
            _ => {
                let span = self.span(e.span());
                self.err(
                    "Invalid provider reference",
                    span,
                    "Expected a provider name, optionally followed by an alias: aws or aws.west."
                        .into(),
                );
                None
            }
        }
    }

    fn expr_list(&mut self, e: Expression) -> Vec<Expr> {
        match e {
            Expression::Array(items) => items.into_iter().map(|i| self.expr(i)).collect(),
            other => {
                let span = self.span(other.span());
                self.err(
                    "Invalid list",
                    span,
                    "Expected a list of references: [a.b, c.d].".into(),
                );
                Vec::new()
            }
        }
    }

    fn literal_bool(&mut self, e: &Expression) -> bool {
        match e {
            Expression::Bool(b) => *b.value(),
            other => {
                let span = self.span(other.span());
                self.err(
                    "Invalid value",
                    span,
                    "A literal true or false is required here.".into(),
                );
                false
            }
        }
    }

    pub(super) fn unexpected_arg(&mut self, name: &str, span: Option<std::ops::Range<usize>>) {
        let span = self.span(span);
        self.err(
            "Unsupported argument",
            span,
            format!("An argument named \"{name}\" is not expected here."),
        );
    }

    pub(super) fn unexpected_block(&mut self, b: &Block) {
        let span = self.span(b.ident.span());
        self.err(
            "Unsupported block type",
            span,
            format!(
                "Blocks of type \"{}\" are not expected here.",
                b.ident.as_str()
            ),
        );
    }

    fn duplicate(&mut self, what: &str, name: &str, span: Option<Span>, prev: Option<Span>) {
        let detail = format!(
            "A {what} named \"{name}\" was already declared at {}. Names must be unique within a module.",
            self.where_(prev)
        );
        self.err(&format!("Duplicate {what}"), span, detail);
    }
}

/// The provider a resource type belongs to: the type name up to its first underscore.
pub(crate) fn implied_provider(type_name: &str) -> String {
    type_name.split('_').next().unwrap_or(type_name).to_string()
}

/// A string literal's value (also a template made only of literal text).
pub(crate) fn literal_string(e: &Expression) -> Option<String> {
    match e {
        Expression::String(s) => Some(s.value().clone()),
        Expression::StringTemplate(t) => {
            let mut out = String::new();
            for el in t.iter() {
                out.push_str(el.as_literal()?.value());
            }
            Some(out)
        }
        _ => None,
    }
}

/// `a.b["c"][0]` as `["a", "b", "c", "0"]`, when made only of names and literal keys.
pub(crate) fn static_path(e: &Expression) -> Option<Vec<String>> {
    match e {
        Expression::Variable(v) => Some(vec![v.as_str().to_string()]),
        Expression::Traversal(t) => {
            let mut path = static_path(&t.expr)?;
            for op in &t.operators {
                match op.value() {
                    TraversalOperator::GetAttr(i) => path.push(i.as_str().to_string()),
                    TraversalOperator::Index(Expression::String(s)) => path.push(s.value().clone()),
                    TraversalOperator::Index(Expression::Number(n)) => {
                        path.push(n.value().to_string())
                    }
                    TraversalOperator::LegacyIndex(i) => path.push(i.value().to_string()),
                    _ => return None,
                }
            }
            Some(path)
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn load(files: &[(&str, &str)]) -> (Config, Diagnostics, SourceMap) {
        let dir = tempfile::tempdir().unwrap();
        for (name, text) in files {
            let p = dir.path().join(name);
            std::fs::create_dir_all(p.parent().unwrap()).unwrap();
            std::fs::write(p, text).unwrap();
        }
        let sources = SourceMap::new();
        let (c, d) = load_config(dir.path(), &sources);
        (c, d, sources)
    }

    #[test]
    fn a_configuration_file_over_its_limit_is_an_error_naming_it() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("a.tf"), "locals {\n  a = 1\n}\n").unwrap();
        crate::limits::sparse_file(&dir.path().join("big.tf"), crate::limits::CONFIG.max + 1);
        let sources = SourceMap::new();
        let (c, d) = load_config(dir.path(), &sources);
        let errors: Vec<_> = d.iter().filter(|d| d.is_error()).collect();
        assert_eq!(errors.len(), 1, "{}", d.render(&sources));
        assert_eq!(errors[0].summary, "Configuration file too large");
        let detail = errors[0].detail.clone().unwrap_or_default();
        assert!(
            detail.contains("big.tf is 64.0 MiB (67108865 bytes), more than the 64 MiB limit for a configuration file; split it into several files"),
            "{detail}"
        );
        assert_eq!(c.module.files.len(), 1, "the other file is read");
        // Reading only the backend block refuses it too: it could hold the block.
        let (_, d) = load_backend(dir.path(), &sources);
        assert!(d.has_errors());
        assert!(d.render(&sources).contains("big.tf is 64.0 MiB"));
    }

    #[test]
    fn loads_every_block_kind() {
        let (c, d, _) = load(&[
            (
                "main.tf",
                r#"
terraform { required_version = ">= 1.0" }
provider "aws" { region = "eu-west-1" }
provider "aws" {
  alias  = "west"
  region = "us-west-2"
}
variable "n" {
  type    = number
  default = 2
  validation {
    condition     = var.n > 0
    error_message = "n must be positive."
  }
}
locals { a = 1 }
resource "aws_vpc" "main" {
  cidr_block = "10.0.0.0/16"
  provider   = aws.west
  count      = var.n
  lifecycle {
    create_before_destroy = true
    ignore_changes        = [tags]
  }
}
data "aws_region" "r" {}
module "net" {
  source = "./net"
  cidr   = "10.0.0.0/16"
}
output "id" { value = aws_vpc.main[0].id }
moved {
  from = aws_vpc.old
  to   = aws_vpc.main
}
"#,
            ),
            (
                "net/main.tf",
                "variable \"cidr\" {}\noutput \"x\" { value = var.cidr }\n",
            ),
        ]);
        assert!(d.is_empty(), "{d}");
        let m = &c.module;
        assert_eq!(m.providers.len(), 2);
        assert_eq!(m.variables["n"].validations.len(), 1);
        let vpc = m
            .resources
            .values()
            .find(|r| r.addr.name == "main")
            .unwrap();
        assert_eq!(vpc.provider.to_string(), "aws.west");
        assert!(vpc.lifecycle.create_before_destroy);
        assert_eq!(
            vpc.lifecycle.ignore_changes,
            IgnoreChanges::Paths(vec![vec!["tags".into()]])
        );
        assert!(vpc.body.body.has_attribute("cidr_block"));
        assert!(!vpc.body.body.has_attribute("count"));
        assert_eq!(m.moved[0].from, "aws_vpc.old");
        assert!(c.children["net"].module.outputs.contains_key("x"));
    }

    #[test]
    fn child_directories_are_joined_without_dot_segments() {
        for (dir, source, want) in [
            (".", "./child", "child"),
            (".", "./a/../b", "b"),
            ("child", "../other", "other"),
            (".", "../up", "../up"),
            ("/r", "./m/./n", "/r/m/n"),
            (".", ".", "."),
        ] {
            assert_eq!(
                join_clean(Path::new(dir), source),
                PathBuf::from(want),
                "{dir} + {source}"
            );
        }
    }

    #[test]
    fn remote_module_source_is_an_error_or_a_warning_as_asked() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("main.tf"),
            "module \"db\" {\n  source  = \"example-org/db/cloud\"\n  version = \"1.2.0\"\n}\n",
        )
        .unwrap();
        for (remote, error) in [(RemoteModules::Error, true), (RemoteModules::Warn, false)] {
            let (c, d) = load_config_with(dir.path(), &SourceMap::new(), remote);
            assert_eq!(d.0.len(), 1, "{d}");
            assert_eq!(d.has_errors(), error);
            let detail = d.0[0].detail.clone().unwrap_or_default();
            assert!(detail.contains("\"db\"") && detail.contains("example-org/db/cloud"));
            assert!(c.children.is_empty());
            assert!(c.module.module_calls.contains_key("db"));
        }
    }

    #[test]
    fn duplicate_resource_is_an_error_with_span() {
        let (_, d, sources) = load(&[(
            "main.tf",
            "resource \"aws_vpc\" \"a\" {}\nresource \"aws_vpc\" \"a\" {}\n",
        )]);
        assert_eq!(d.0.len(), 1);
        let loc = sources.location(d.0[0].span.unwrap()).unwrap();
        assert_eq!((loc.line, loc.column), (2, 1));
    }

    #[test]
    fn syntax_error_points_at_file_line_column() {
        let (_, d, sources) = load(&[("main.tf", "resource \"a\" \"b\" {\n  x = \n}\n")]);
        assert!(d.has_errors());
        let loc = sources.location(d.0[0].span.unwrap()).unwrap();
        assert_eq!(loc.file.rsplit('/').next().unwrap(), "main.tf");
        assert_eq!(loc.line, 2);
    }

    #[test]
    fn module_cycle_is_reported() {
        let (_, d, _) = load(&[
            ("main.tf", "module \"a\" { source = \"./a\" }\n"),
            ("a/main.tf", "module \"b\" { source = \"../a\" }\n"),
        ]);
        assert!(d.iter().any(|x| x.summary == "Module call cycle"), "{d}");
    }
}
