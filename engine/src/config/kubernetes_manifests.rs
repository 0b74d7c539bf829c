//! The `kubernetes_manifests` block: directories of Kubernetes YAML that are applied to an
//! EKS cluster outside this configuration (by `kubectl`, Argo CD, Flux), named so that an
//! upgrade of the cluster checks them for removed APIs like `kubernetes_manifest` resources.
//!
//! ```hcl
//! kubernetes_manifests "app" {
//!   cluster = aws_eks_cluster.main   # the cluster the files are applied to
//!   paths   = ["k8s/", "base.yaml"]   # directories (read recursively) or files, relative
//!                                    # to this module's directory
//! }
//! ```
//!
//! A block of its own rather than an argument of `blue_green`: the files matter to every
//! upgrade of the cluster, in place or blue/green, and one cluster may have several sets.

use hcl_edit::expr::Expression;
use hcl_edit::structure::{Block, Structure};
use hcl_edit::Span as _;

use super::load::{literal_string, static_path, Loader};
use super::{Module, Named};
use crate::addr::{Mode, Resource};
use crate::diag::{Diagnostic, Diagnostics, Span};

/// The resource type a `kubernetes_manifests` block's `cluster` names.
pub const CLUSTER_TYPE: &str = "aws_eks_cluster";

/// One path of a `kubernetes_manifests` block, with where it was written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ManifestPath {
    /// As written, relative to the module's directory.
    pub path: String,
    /// The string in the block.
    pub span: Option<Span>,
}

/// One `kubernetes_manifests` block.
#[derive(Debug, Clone)]
pub struct KubernetesManifests {
    /// Its label.
    pub name: String,
    /// The `aws_eks_cluster` the files are applied to.
    pub cluster: Named,
    /// Directories (read recursively for `*.yaml` and `*.yml`) and files.
    pub paths: Vec<ManifestPath>,
    /// The block's header.
    pub span: Option<Span>,
}

impl Loader<'_> {
    /// Reads a `kubernetes_manifests` block into `m`.
    pub(super) fn kubernetes_manifests(&mut self, b: Block, m: &mut Module) {
        let span = self.header(&b);
        let Some(labels) = self.labels(&b, 1) else {
            return;
        };
        let name = labels[0].clone();
        if m.kubernetes_manifests.contains_key(&name) {
            self.err(
                "Duplicate kubernetes_manifests block",
                span,
                format!("A kubernetes_manifests block named \"{name}\" was already declared in this module."),
            );
            return;
        }
        let (mut cluster, mut paths) = (None, None);
        for s in b.body.into_iter() {
            match s {
                Structure::Attribute(a) => match a.key.as_str() {
                    "cluster" => cluster = self.manifests_cluster(&a.value),
                    "paths" => paths = self.manifest_paths(&a.value),
                    other => self.unexpected_arg(other, a.key.span()),
                },
                Structure::Block(other) => self.unexpected_block(&other),
            }
        }
        let (Some(cluster), Some(paths)) = (cluster, paths) else {
            self.err(
                "Missing required argument",
                span,
                "A kubernetes_manifests block needs \"cluster\" (an aws_eks_cluster) and \"paths\" (directories of Kubernetes YAML).".into(),
            );
            return;
        };
        m.kubernetes_manifests.insert(
            name.clone(),
            KubernetesManifests {
                name,
                cluster,
                paths,
                span,
            },
        );
    }

    /// `cluster = aws_eks_cluster.main`.
    fn manifests_cluster(&mut self, e: &Expression) -> Option<Named> {
        match static_path(e).as_deref() {
            Some([ty, name]) if ty == CLUSTER_TYPE => Some(Named {
                resource: Resource {
                    mode: Mode::Managed,
                    type_name: ty.clone(),
                    name: name.clone(),
                },
                span: self.span(e.span()),
            }),
            _ => {
                self.invalid_manifests_arg(
                    e,
                    "cluster",
                    "an aws_eks_cluster of this module, such as aws_eks_cluster.main",
                );
                None
            }
        }
    }

    /// `paths = ["k8s/"]`: literal strings, because the files are read while planning,
    /// before anything is evaluated.
    fn manifest_paths(&mut self, e: &Expression) -> Option<Vec<ManifestPath>> {
        let paths: Option<Vec<ManifestPath>> = match e {
            Expression::Array(items) => items
                .iter()
                .map(|i| {
                    literal_string(i)
                        .filter(|p| !p.trim().is_empty())
                        .map(|path| ManifestPath {
                            path,
                            span: self.span(i.span()),
                        })
                })
                .collect(),
            _ => None,
        };
        match paths {
            Some(p) if !p.is_empty() => Some(p),
            _ => {
                self.invalid_manifests_arg(
                    e,
                    "paths",
                    "a non-empty list of literal paths relative to this module, such as [\"k8s/\"]",
                );
                None
            }
        }
    }

    fn invalid_manifests_arg(&mut self, e: &Expression, what: &str, expected: &str) {
        self.invalid_argument("kubernetes_manifests", e, what, expected);
    }
}

/// Every `kubernetes_manifests` block must name a cluster the module declares (checked once
/// all of the module's files are read: the cluster may be in another file).
pub(super) fn check_clusters(m: &Module, diags: &mut Diagnostics) {
    for km in m.kubernetes_manifests.values() {
        // A path that is not there yet is only a warning: CI may generate the files
        // before the plan. The removed_apis check fails on it when a version changes.
        for p in km.paths.iter().filter(|p| !m.dir.join(&p.path).exists()) {
            diags.push(
                Diagnostic::warning("Manifest path not found")
                    .with_span(p.span.or(km.span))
                    .with_detail(format!(
                        "kubernetes_manifests \"{}\": {} does not exist (relative to {}). The removed_apis check of an upgrade of {} fails until it does.",
                        km.name,
                        p.path,
                        crate::diag::display_path(&m.dir),
                        km.cluster.resource
                    )),
            );
        }
        if !m.resources.contains_key(&km.cluster.resource) {
            diags.push(
                Diagnostic::error("Reference to undeclared resource")
                    .with_span(km.cluster.span.or(km.span))
                    .with_detail(format!(
                        "kubernetes_manifests \"{}\" names {}, which this module does not declare.",
                        km.name, km.cluster.resource
                    )),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::config::load_config;
    use crate::diag::SourceMap;

    /// Loads `main.tf`: the module's blocks, and each error as its text and line.
    fn load(main: &str) -> (Vec<super::KubernetesManifests>, Vec<(String, usize)>) {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("main.tf"), main).unwrap();
        let sources = SourceMap::new();
        let (c, d) = load_config(dir.path(), &sources);
        let errors = d
            .iter()
            .filter(|x| x.is_error())
            .map(|x| {
                let line = x
                    .span
                    .and_then(|s| sources.location(s))
                    .map_or(0, |l| l.line);
                (
                    format!("{}: {}", x.summary, x.detail.clone().unwrap_or_default()),
                    line,
                )
            })
            .collect();
        (
            c.module.kubernetes_manifests.into_values().collect(),
            errors,
        )
    }

    const CLUSTER: &str = "resource \"aws_eks_cluster\" \"main\" {\n  name = \"c\"\n}\n";

    #[test]
    fn a_block_names_its_cluster_and_paths() {
        let (blocks, errors) = load(&format!(
            "{CLUSTER}kubernetes_manifests \"app\" {{\n  cluster = aws_eks_cluster.main\n  paths   = [\"k8s/\", \"extra.yaml\"]\n}}\n"
        ));
        assert_eq!(errors, []);
        assert_eq!(blocks.len(), 1);
        let b = &blocks[0];
        assert_eq!(b.name, "app");
        assert_eq!(b.cluster.resource.to_string(), "aws_eks_cluster.main");
        let paths: Vec<&str> = b.paths.iter().map(|p| p.path.as_str()).collect();
        assert_eq!(paths, ["k8s/", "extra.yaml"]);
        assert!(b.paths[0].span.is_some());
    }

    #[test]
    fn a_path_that_does_not_exist_is_a_warning_at_its_line() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("k8s")).unwrap();
        let main = format!(
            "{CLUSTER}kubernetes_manifests \"app\" {{\n  cluster = aws_eks_cluster.main\n  paths   = [\"k8s/\",\n    \"generated/\"]\n}}\n"
        );
        std::fs::write(dir.path().join("main.tf"), main).unwrap();
        let sources = SourceMap::new();
        let (_, d) = load_config(dir.path(), &sources);
        assert!(!d.has_errors(), "{}", d.render(&sources));
        let warnings: Vec<(String, usize)> = d
            .iter()
            .map(|x| {
                let line = x
                    .span
                    .and_then(|s| sources.location(s))
                    .map_or(0, |l| l.line);
                (x.detail.clone().unwrap_or_default(), line)
            })
            .collect();
        assert_eq!(warnings.len(), 1, "{warnings:?}");
        assert!(
            warnings[0].0.contains("generated/ does not exist"),
            "{warnings:?}"
        );
        assert_eq!(warnings[0].1, 7, "the path's own line");
    }

    #[test]
    fn mistakes_are_errors_at_their_line() {
        let table = [
            // (block body, error text, line)
            (
                "cluster = aws_eks_node_group.main\n  paths = [\"k8s\"]",
                "\"cluster\" = aws_eks_node_group.main: expected an aws_eks_cluster",
                5,
            ),
            (
                "cluster = aws_eks_cluster.main\n  paths = \"k8s\"",
                "\"paths\" = \"k8s\": expected a non-empty list",
                6,
            ),
            (
                "cluster = aws_eks_cluster.main\n  paths = []",
                "expected a non-empty list",
                6,
            ),
            (
                "cluster = aws_eks_cluster.main\n  paths = [var.dir]",
                "literal paths",
                6,
            ),
            ("cluster = aws_eks_cluster.main", "needs \"cluster\"", 4),
            (
                "cluster = aws_eks_cluster.other\n  paths = [\"k8s\"]",
                "names aws_eks_cluster.other, which this module does not declare",
                5,
            ),
            (
                "cluster = aws_eks_cluster.main\n  paths = [\"k8s\"]\n  recurse = true",
                "An argument named \"recurse\" is not expected here",
                7,
            ),
        ];
        for (body, want, line) in table {
            let (_, errors) = load(&format!(
                "{CLUSTER}kubernetes_manifests \"app\" {{\n  {body}\n}}\n"
            ));
            assert!(
                errors
                    .iter()
                    .any(|(text, l)| text.contains(want) && *l == line),
                "{body}: want {want:?} at line {line}, got {errors:?}"
            );
        }
    }

    #[test]
    fn a_second_block_of_the_same_name_is_an_error() {
        let block = "kubernetes_manifests \"app\" {\n  cluster = aws_eks_cluster.main\n  paths = [\"k8s\"]\n}\n";
        let (_, errors) = load(&format!("{CLUSTER}{block}{block}"));
        assert!(
            errors.iter().any(
                |(text, line)| text.contains("Duplicate kubernetes_manifests block") && *line == 8
            ),
            "{errors:?}"
        );
    }
}
