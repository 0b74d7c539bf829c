//! Kubernetes objects in YAML files: the `apiVersion` and `kind` of every document of the
//! `*.yaml` and `*.yml` files a `kubernetes_manifests` block names, with the line each
//! document starts at, for the `removed_apis` check.
//!
//! Documents are split on `---` lines here, so that each keeps its line in the file, and
//! each is then read with `serde_norway` (already a dependency, for `yamldecode`): quoting,
//! flow style, comments and anchors are YAML's business, not a line scanner's.

use std::path::{Path, PathBuf};

use crate::limits;

/// Directory levels followed below a named directory, to stop symbolic-link loops.
const MAX_DEPTH: usize = 32;

/// One Kubernetes object of a YAML file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileObject {
    /// The file, as shown to the user (relative to the working directory when inside it).
    pub file: String,
    /// 1-based line of the document's first content line.
    pub line: usize,
    /// `apiVersion`, e.g. `extensions/v1beta1`.
    pub api_version: String,
    /// `kind`, e.g. `Deployment`.
    pub kind: String,
}

impl FileObject {
    /// `k8s/web.yaml:3`.
    pub fn location(&self) -> String {
        format!("{}:{}", self.file, self.line)
    }
}

/// Why a named path could not be read.
#[derive(Debug, Clone, thiserror::Error, PartialEq, Eq)]
pub enum ReadError {
    /// Missing, not a directory or file, or unreadable.
    #[error("cannot read {path}: {message}")]
    Io {
        /// The path as shown.
        path: String,
        /// The system's reason.
        message: String,
    },
    /// Not YAML.
    #[error("{path}:{line}:{column}: not valid YAML: {message}")]
    Yaml {
        /// The file as shown.
        path: String,
        /// 1-based line in the file.
        line: usize,
        /// 1-based column.
        column: usize,
        /// The parser's reason.
        message: String,
    },
}

/// What the YAML files named for one cluster hold.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ManifestFiles {
    /// The objects, in path order.
    pub objects: Vec<FileObject>,
    /// Every path or file that could not be read (the `removed_apis` check fails on them:
    /// what it cannot read, it cannot vouch for).
    pub errors: Vec<ReadError>,
}

/// Objects of every YAML file under `paths` (directories, read recursively, or files),
/// each relative to `base`.
pub fn read(base: &Path, paths: &[String]) -> ManifestFiles {
    let ManifestFiles {
        mut objects,
        mut errors,
    } = ManifestFiles::default();
    for p in paths {
        let root = base.join(p);
        let mut files = Vec::new();
        if let Err(e) = collect(&root, 0, &mut files) {
            errors.push(e);
            continue;
        }
        for f in files {
            let shown = crate::diag::display_path(&f);
            match limits::read_to_string(&f, limits::MANIFEST) {
                Ok(text) => match objects_of(&shown, &text) {
                    Ok(o) => objects.extend(o),
                    Err(e) => errors.push(e),
                },
                Err(limits::ReadError::TooLarge(t)) => errors.push(ReadError::Io {
                    path: shown,
                    message: format!("it {}; {}", t.why(), t.limit.advice),
                }),
                Err(e) => errors.push(ReadError::Io {
                    path: shown,
                    message: e.to_string(),
                }),
            }
        }
    }
    ManifestFiles { objects, errors }
}

/// The YAML files at `path`: itself when a file, else its `*.yaml` and `*.yml` files and
/// those of its subdirectories (hidden ones skipped: `.git` holds no manifests), sorted.
fn collect(path: &Path, depth: usize, out: &mut Vec<PathBuf>) -> Result<(), ReadError> {
    let io = |e: std::io::Error| ReadError::Io {
        path: crate::diag::display_path(path),
        message: e.to_string(),
    };
    let meta = std::fs::metadata(path).map_err(io)?;
    if meta.is_file() {
        out.push(path.to_path_buf());
        return Ok(());
    }
    if depth > MAX_DEPTH {
        return Ok(());
    }
    let mut entries: Vec<PathBuf> = std::fs::read_dir(path)
        .map_err(io)?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .collect();
    entries.sort();
    for e in entries {
        let hidden = e
            .file_name()
            .is_some_and(|n| n.to_string_lossy().starts_with('.'));
        if hidden {
            continue;
        }
        if e.is_dir() {
            collect(&e, depth + 1, out)?;
        } else if e.extension().is_some_and(|x| x == "yaml" || x == "yml") {
            out.push(e);
        }
    }
    Ok(())
}

/// The objects of one file's text, `file` naming it in errors and results. Documents
/// without a string `apiVersion` and `kind` (a Helm values file, an empty document) are
/// not Kubernetes objects and are skipped; a `List` contributes its `items`.
pub fn objects_of(file: &str, text: &str) -> Result<Vec<FileObject>, ReadError> {
    let mut out = Vec::new();
    for doc in documents(text) {
        let value: serde_norway::Value = match serde_norway::from_str(&doc.text) {
            Ok(v) => v,
            Err(e) => {
                let (line, column) = e.location().map_or((doc.first_line, 1), |l| {
                    (doc.first_line + l.line().saturating_sub(1), l.column())
                });
                return Err(ReadError::Yaml {
                    path: file.to_string(),
                    line,
                    column,
                    message: e.to_string(),
                });
            }
        };
        let Some(line) = doc.content_line else {
            continue;
        };
        let mut push = |v: &serde_norway::Value| {
            let field = |k: &str| v.get(k).and_then(|x| x.as_str()).map(str::to_string);
            if let (Some(api_version), Some(kind)) = (field("apiVersion"), field("kind")) {
                out.push(FileObject {
                    file: file.to_string(),
                    line,
                    api_version,
                    kind,
                });
            }
        };
        match value.get("items").and_then(|i| i.as_sequence()) {
            Some(items) if value.get("kind").and_then(|k| k.as_str()) == Some("List") => {
                items.iter().for_each(&mut push)
            }
            _ => push(&value),
        }
    }
    Ok(out)
}

/// One YAML document of a file.
struct Document {
    /// Its text, from `first_line` on.
    text: String,
    /// 1-based line of its text's first line.
    first_line: usize,
    /// 1-based line of its first line that is neither blank nor a comment.
    content_line: Option<usize>,
}

/// Splits a file on document markers (`---`, `...`) at column 0. Block scalars cannot hold
/// such a line (their content is indented), so a marker there always separates documents.
fn documents(text: &str) -> Vec<Document> {
    let mut out = Vec::new();
    let mut cur = Document {
        text: String::new(),
        first_line: 1,
        content_line: None,
    };
    for (i, line) in text.lines().enumerate() {
        let n = i + 1;
        let rest = ["---", "..."].iter().find_map(|m| {
            line.strip_prefix(m)
                .filter(|r| r.is_empty() || r.starts_with([' ', '\t']))
        });
        let line = match rest {
            Some(rest) => {
                out.push(std::mem::replace(
                    &mut cur,
                    Document {
                        text: String::new(),
                        first_line: n,
                        content_line: None,
                    },
                ));
                // `--- {kind: X}`: what follows the marker belongs to the new document;
                // spaces keep its columns.
                format!("   {rest}")
            }
            None => line.to_string(),
        };
        let trimmed = line.trim_start();
        if cur.content_line.is_none() && !trimmed.is_empty() && !trimmed.starts_with('#') {
            cur.content_line = Some(n);
        }
        cur.text.push_str(&line);
        cur.text.push('\n');
    }
    out.push(cur);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `line apiVersion kind` of each object.
    fn summary(text: &str) -> Vec<String> {
        objects_of("f.yaml", text)
            .unwrap()
            .iter()
            .map(|o| format!("{} {} {}", o.line, o.api_version, o.kind))
            .collect()
    }

    #[test]
    fn every_document_is_read_with_the_line_it_starts_at() {
        let text = "\
# a comment before the first document
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
---
# Source: chart/templates/cron.yaml

kind: CronJob
apiVersion: \"batch/v1beta1\"
spec:
  jobTemplate:
    spec:
      template: {}
---
--- {apiVersion: policy/v1beta1, kind: PodDisruptionBudget}
...
";
        assert_eq!(
            summary(text),
            [
                "2 apps/v1 Deployment",
                "9 batch/v1beta1 CronJob",
                "16 policy/v1beta1 PodDisruptionBudget",
            ]
        );
    }

    #[test]
    fn documents_that_are_not_kubernetes_objects_are_skipped() {
        let text = "replicas: 3\nimage:\n  tag: v1\n---\n\n---\n- a\n- b\n---\nkind: Service\n";
        assert_eq!(summary(text), Vec::<String>::new());
    }

    #[test]
    fn a_list_contributes_its_items() {
        let text = "apiVersion: v1\nkind: List\nitems:\n  - apiVersion: extensions/v1beta1\n    kind: Ingress\n  - apiVersion: v1\n    kind: Service\n";
        assert_eq!(
            summary(text),
            ["1 extensions/v1beta1 Ingress", "1 v1 Service"]
        );
    }

    #[test]
    fn a_marker_inside_a_block_scalar_does_not_split() {
        let text = "apiVersion: v1\nkind: ConfigMap\ndata:\n  script: |\n    ---\n    echo hi\n";
        assert_eq!(summary(text), ["1 v1 ConfigMap"]);
    }

    #[test]
    fn invalid_yaml_is_an_error_at_its_line_in_the_file() {
        let text = "apiVersion: v1\nkind: ConfigMap\n---\napiVersion: apps/v1\nkind: [Deployment\n";
        let e = objects_of("k8s/web.yaml", text).unwrap_err();
        let ReadError::Yaml { path, line, .. } = &e else {
            panic!("{e:?}")
        };
        assert_eq!(path, "k8s/web.yaml");
        assert!((5..=6).contains(line), "{e}");
        assert!(e.to_string().starts_with("k8s/web.yaml:"), "{e}");
    }

    #[test]
    fn a_manifest_over_its_limit_is_an_error_naming_it() {
        let dir = tempfile::tempdir().unwrap();
        crate::limits::sparse_file(
            &dir.path().join("big.yaml"),
            crate::limits::MANIFEST.max + 1,
        );
        let read = read(dir.path(), &["big.yaml".to_string()]);
        assert!(read.objects.is_empty());
        let msg = read.errors[0].to_string();
        assert!(
            msg.contains("big.yaml: it is 64.0 MiB (67108865 bytes), more than the 64 MiB limit for a manifest file; split the manifests"),
            "{msg}"
        );
    }

    #[test]
    fn directories_are_read_recursively_in_order_and_missing_paths_are_errors() {
        let dir = tempfile::tempdir().unwrap();
        let k8s = dir.path().join("k8s");
        std::fs::create_dir_all(k8s.join("jobs")).unwrap();
        std::fs::create_dir_all(k8s.join(".git")).unwrap();
        std::fs::write(
            k8s.join("web.yaml"),
            "apiVersion: apps/v1\nkind: Deployment\n",
        )
        .unwrap();
        std::fs::write(
            k8s.join("jobs/cron.yml"),
            "apiVersion: batch/v1beta1\nkind: CronJob\n",
        )
        .unwrap();
        std::fs::write(k8s.join("README.md"), "kind: not yaml to read").unwrap();
        std::fs::write(k8s.join(".git/x.yaml"), "apiVersion: v1\nkind: Secret\n").unwrap();
        std::fs::write(
            dir.path().join("one.yaml"),
            "apiVersion: v1\nkind: Service\n",
        )
        .unwrap();

        let ManifestFiles { objects, errors } = read(
            dir.path(),
            &[
                "k8s/".to_string(),
                "one.yaml".to_string(),
                "nowhere".to_string(),
            ],
        );
        let got: Vec<(String, &str)> = objects
            .iter()
            .map(|o| {
                let rel = o
                    .file
                    .rsplit_once(&*dir.path().to_string_lossy())
                    .map_or(o.file.as_str(), |(_, r)| r);
                (rel.replace('\\', "/"), o.kind.as_str())
            })
            .collect();
        assert_eq!(
            got,
            [
                ("/k8s/jobs/cron.yml".to_string(), "CronJob"),
                ("/k8s/web.yaml".to_string(), "Deployment"),
                ("/one.yaml".to_string(), "Service"),
            ]
        );
        assert_eq!(errors.len(), 1, "{errors:?}");
        let message = errors[0].to_string();
        assert!(
            message.starts_with("cannot read ") && message.contains("nowhere"),
            "{message}"
        );
    }
}
