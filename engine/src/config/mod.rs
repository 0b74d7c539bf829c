//! The configuration model: every `.tf` file of a module directory, typed, with spans.
//!
//! Expressions stay as hcl-edit syntax trees ([`Expr`]) tagged with their file, so the
//! evaluator can point every error at `file:line:column`.

mod backend;
mod blue_green;
mod install;
mod kubernetes_manifests;
mod load;

use std::collections::BTreeMap;
use std::path::PathBuf;

use hcl_edit::Span as _;

use crate::addr::Resource;
use crate::diag::{FileId, Span};

pub use backend::BackendBlock;
pub use blue_green::{parse_duration, BlueGreen, Named};
pub use install::Install;
pub use kubernetes_manifests::{KubernetesManifests, ManifestPath};
pub use load::{
    install_modules, load_backend, load_config, load_config_with, load_module, parse_error,
};

/// How the loader reports a module call whose source is not a local path (a registry
/// address, git or http URL): galley does not install such modules.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RemoteModules {
    /// An error: commands that plan or apply need every module.
    Error,
    /// A warning: commands that only check or draw the configuration go on without it.
    Warn,
}

/// An hcl-edit expression together with the file it was read from.
#[derive(Debug, Clone)]
pub struct Expr {
    /// The file.
    pub file: FileId,
    /// The syntax tree.
    pub expr: hcl_edit::expr::Expression,
}

impl Expr {
    /// Where the expression is.
    pub fn span(&self) -> Option<Span> {
        self.expr.span().map(|r| Span::new(self.file, r))
    }
}

/// A block body kept as syntax (a resource's arguments and nested blocks), with its file.
#[derive(Debug, Clone)]
pub struct Body {
    /// The file.
    pub file: FileId,
    /// The syntax tree, meta-arguments removed.
    pub body: hcl_edit::structure::Body,
}

/// A `condition` / `error_message` pair: `validation`, `precondition`, `postcondition`.
#[derive(Debug, Clone)]
pub struct Check {
    /// Must be true.
    pub condition: Expr,
    /// Shown when it is not.
    pub error_message: Expr,
    /// The block.
    pub span: Option<Span>,
}

/// A `variable` block.
#[derive(Debug, Clone)]
pub struct Variable {
    /// Its name.
    pub name: String,
    /// The block's label.
    pub span: Option<Span>,
    /// The `type` constraint, parsed (`any` when absent).
    pub ty: crate::types::Type,
    /// The `type` expression as written.
    pub type_expr: Option<Expr>,
    /// The `default`.
    pub default: Option<Expr>,
    /// `description`.
    pub description: Option<String>,
    /// `sensitive = true`.
    pub sensitive: bool,
    /// `nullable` (default true).
    pub nullable: bool,
    /// `validation` blocks.
    pub validations: Vec<Check>,
}

/// One `name = expr` inside a `locals` block.
#[derive(Debug, Clone)]
pub struct Local {
    /// Its name.
    pub name: String,
    /// Its value.
    pub expr: Expr,
    /// The attribute.
    pub span: Option<Span>,
}

/// An `output` block.
#[derive(Debug, Clone)]
pub struct Output {
    /// Its name.
    pub name: String,
    /// `value`.
    pub value: Expr,
    /// `sensitive = true`.
    pub sensitive: bool,
    /// `description`.
    pub description: Option<String>,
    /// `depends_on`.
    pub depends_on: Vec<Expr>,
    /// `precondition` blocks.
    pub preconditions: Vec<Check>,
    /// The block's label.
    pub span: Option<Span>,
}

/// `ignore_changes`: nothing, everything, or some attribute paths.
#[derive(Debug, Clone, Default, PartialEq)]
pub enum IgnoreChanges {
    /// Track every attribute.
    #[default]
    None,
    /// `ignore_changes = all`.
    All,
    /// Attribute paths (first segment is the attribute name).
    Paths(Vec<Vec<String>>),
}

/// A resource's `lifecycle` block.
#[derive(Debug, Clone, Default)]
pub struct Lifecycle {
    /// Create the replacement before destroying the old object.
    pub create_before_destroy: bool,
    /// Refuse any plan that destroys this resource.
    pub prevent_destroy: bool,
    /// Attributes whose configuration changes are ignored.
    pub ignore_changes: IgnoreChanges,
    /// References whose change replaces this resource.
    pub replace_triggered_by: Vec<Expr>,
    /// Checked before planning a change.
    pub preconditions: Vec<Check>,
    /// Checked after apply (and at plan, when known).
    pub postconditions: Vec<Check>,
}

/// `provider = aws.west`: a provider name and optional alias.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ProviderRef {
    /// Local name, e.g. `aws`.
    pub name: String,
    /// Alias, e.g. `west`.
    pub alias: Option<String>,
}

impl std::fmt::Display for ProviderRef {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.alias {
            Some(a) => write!(f, "{}.{a}", self.name),
            None => f.write_str(&self.name),
        }
    }
}

/// A `resource` or `data` block.
#[derive(Debug, Clone)]
pub struct ResourceBlock {
    /// Mode, type and name.
    pub addr: Resource,
    /// The block header (`resource "t" "n"`).
    pub span: Option<Span>,
    /// The provider serving it: explicit `provider`, or implied by the type's prefix.
    pub provider: ProviderRef,
    /// `count`.
    pub count: Option<Expr>,
    /// `for_each`.
    pub for_each: Option<Expr>,
    /// `depends_on`.
    pub depends_on: Vec<Expr>,
    /// `lifecycle`.
    pub lifecycle: Lifecycle,
    /// Everything else.
    pub body: Body,
}

/// A `module` block.
#[derive(Debug, Clone)]
pub struct ModuleCall {
    /// Its name.
    pub name: String,
    /// `source`.
    pub source: String,
    /// The `source` attribute.
    pub source_span: Option<Span>,
    /// `version`: a constraint choosing among a git source's tags (`~> 1.2`).
    pub version: Option<String>,
    /// `count`.
    pub count: Option<Expr>,
    /// `for_each`.
    pub for_each: Option<Expr>,
    /// `depends_on`.
    pub depends_on: Vec<Expr>,
    /// `providers = { aws = aws.west }`: child name to parent provider.
    pub providers: BTreeMap<String, ProviderRef>,
    /// Input variables.
    pub inputs: BTreeMap<String, Expr>,
    /// The block header.
    pub span: Option<Span>,
}

/// A `provider` block.
#[derive(Debug, Clone)]
pub struct ProviderBlock {
    /// Name and alias.
    pub reference: ProviderRef,
    /// Its arguments.
    pub body: Body,
    /// The block header.
    pub span: Option<Span>,
}

/// A `moved` block.
#[derive(Debug, Clone)]
pub struct Moved {
    /// The old address, as written.
    pub from: String,
    /// The new address, as written.
    pub to: String,
    /// The block.
    pub span: Option<Span>,
}

/// An `import` block.
#[derive(Debug, Clone)]
pub struct Import {
    /// The resource address to import into, as written.
    pub to: String,
    /// The object's id.
    pub id: Expr,
    /// The block.
    pub span: Option<Span>,
    /// The `to` expression.
    pub to_span: Option<Span>,
}

impl Import {
    /// The import `galley import ADDR ID` asks for: `id` as a string literal of `file`
    /// (the command line, registered as a source so errors can show it).
    pub fn literal(to: &str, id: &str, file: FileId) -> Import {
        Import {
            to: to.to_string(),
            id: Expr {
                file,
                expr: hcl_edit::expr::Expression::from(id),
            },
            span: None,
            to_span: None,
        }
    }
}

/// One module: the `.tf` files of one directory.
#[derive(Debug, Clone, Default)]
pub struct Module {
    /// The directory.
    pub dir: PathBuf,
    /// The files read.
    pub files: Vec<FileId>,
    /// `terraform { required_version }`.
    pub required_version: Option<String>,
    /// `terraform { backend "<type>" { ... } }`, when valid.
    pub backend: Option<BackendBlock>,
    /// `variable` blocks by name.
    pub variables: BTreeMap<String, Variable>,
    /// Locals by name.
    pub locals: BTreeMap<String, Local>,
    /// Outputs by name.
    pub outputs: BTreeMap<String, Output>,
    /// Resources and data sources.
    pub resources: BTreeMap<Resource, ResourceBlock>,
    /// Module calls by name.
    pub module_calls: BTreeMap<String, ModuleCall>,
    /// Provider configurations.
    pub providers: Vec<ProviderBlock>,
    /// `moved` blocks.
    pub moved: Vec<Moved>,
    /// `import` blocks.
    pub imports: Vec<Import>,
    /// `blue_green` blocks by name.
    pub blue_greens: BTreeMap<String, BlueGreen>,
    /// `kubernetes_manifests` blocks by name.
    pub kubernetes_manifests: BTreeMap<String, KubernetesManifests>,
}

/// A module and its loaded children: the whole configuration tree.
#[derive(Debug, Clone, Default)]
pub struct Config {
    /// This module.
    pub module: Module,
    /// Children by module call name.
    pub children: BTreeMap<String, Config>,
}

impl Config {
    /// The module at a static path (call names from the root).
    pub fn descendant(&self, path: &[String]) -> Option<&Config> {
        let mut c = self;
        for name in path {
            c = c.children.get(name)?;
        }
        Some(c)
    }

    /// The module at a static path, to change.
    pub fn descendant_mut(&mut self, path: &[String]) -> Option<&mut Config> {
        let mut c = self;
        for name in path {
            c = c.children.get_mut(name)?;
        }
        Some(c)
    }

    /// Visits every module with its static path, parents first.
    pub fn walk<'a>(&'a self, f: &mut dyn FnMut(&[String], &'a Config)) {
        fn go<'a>(c: &'a Config, path: &mut Vec<String>, f: &mut dyn FnMut(&[String], &'a Config)) {
            f(path, c);
            for (name, child) in &c.children {
                path.push(name.clone());
                go(child, path, f);
                path.pop();
            }
        }
        go(self, &mut Vec::new(), f);
    }
}
