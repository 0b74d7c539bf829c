//! Which stacks a change between two revisions affects.
//!
//! A *configuration* is a directory with `.tf` (or `.tf.json`) files. One that another
//! configuration calls as a local module (`source = "./..."` or `"../..."`, or a test
//! file's `run { module { source } }`) is a *module*; the others are *stacks*. Both the
//! call graph and the roles are read at the head revision, from git objects.
//!
//! A stack is affected when one of its `.tf` files changed, when it calls a changed
//! module (transitively), or when one of its test files (`*.kitchen.hcl`,
//! `*.tftest.hcl`, beside it or under `tests/`) changed. A module runs too when it is
//! reached so and has test files of its own.
//!
//! Renames are found by content similarity: a stack moved from `a` to `b` is the
//! affected stack `b`, whose base configuration is read from `a`. A stack whose
//! directory has no configuration left at head is *deleted*: there is nothing to
//! rehearse at head, and a fresh kitchen that applied its base would only destroy it
//! again, so it is reported and not run.

use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::fmt;

use git2::{Delta, DiffFindOptions, Repository};

use super::snapshot::{file_name, parent, Snapshot};

/// What stops the gate from finding the affected stacks.
#[derive(Debug, thiserror::Error)]
pub enum GateError {
    /// A revision did not resolve to a commit or tree.
    #[error("cannot resolve revision {rev:?}: {source}")]
    Revision {
        /// The revision as given.
        rev: String,
        /// What git said.
        source: git2::Error,
    },
    /// Reading the repository failed.
    #[error("cannot read the repository: {0}")]
    Git(#[from] git2::Error),
}

/// Whether a directory is run as a stack or is a module run for its own tests.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Role {
    /// No configuration calls it.
    Stack,
    /// Other configurations call it; it runs only for its own test files.
    Module,
}

/// Why a stack is affected.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum Reason {
    /// One of its `.tf` files was added, changed, removed or renamed.
    Changed(String),
    /// It calls, maybe through other modules, this changed module directory.
    UsesModule(String),
    /// This test file of it changed.
    Tests(String),
    /// Its configuration was in this directory at the base revision.
    RenamedFrom(String),
}

impl fmt::Display for Reason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Reason::Changed(p) => write!(f, "{p} changed"),
            Reason::UsesModule(m) => write!(f, "uses changed module {}", shown(m)),
            Reason::Tests(p) => write!(f, "test file {p} changed"),
            Reason::RenamedFrom(d) => write!(f, "renamed from {}", shown(d)),
        }
    }
}

/// One directory the gate must rehearse.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AffectedStack {
    /// Its directory at head, `/`-separated from the repository root (`.` for the root).
    pub path: String,
    /// A stack, or a module run for its own test files.
    pub role: Role,
    /// Where its configuration was at base: `None` for a new stack.
    pub base_path: Option<String>,
    /// Why it is affected, sorted.
    pub reasons: Vec<Reason>,
}

/// The stacks a change affects.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Affected {
    /// To rehearse, sorted by path.
    pub stacks: Vec<AffectedStack>,
    /// Stacks that have no configuration left at head (sorted); nothing to rehearse.
    pub deleted: Vec<String>,
    /// Files that could not be read or parsed, module sources outside the repository.
    pub warnings: Vec<String>,
}

/// Finds the stacks affected between revisions `base` and `head` of `repo` (any
/// revision git understands: a branch, `HEAD~1`, `origin/main`, a commit id).
pub fn affected(repo: &Repository, base: &str, head: &str) -> Result<Affected, GateError> {
    let base_tree = tree(repo, base)?;
    let head_tree = tree(repo, head)?;
    let mut warnings = Vec::new();
    let base_snap = Snapshot::of(&base_tree)?;
    let head_snap = Snapshot::of(&head_tree)?;
    let at_base = Layout::read(repo, &base_snap, &mut Vec::new());
    let at_head = Layout::read(repo, &head_snap, &mut warnings);

    let mut diff = repo.diff_tree_to_tree(Some(&base_tree), Some(&head_tree), None)?;
    diff.find_similar(Some(DiffFindOptions::new().renames(true)))?;

    let mut reasons: BTreeMap<String, BTreeSet<Reason>> = BTreeMap::new();
    let mut changed_configs: BTreeSet<String> = BTreeSet::new();
    let mut renamed_from: BTreeMap<String, String> = BTreeMap::new();
    let mut touch = |dir: &str, why: Reason, changed: bool| {
        if at_head.configs.contains(dir) {
            reasons.entry(dir.to_string()).or_default().insert(why);
            if changed {
                changed_configs.insert(dir.to_string());
            }
        }
    };
    for delta in diff.deltas() {
        let new = delta.new_file().path().and_then(|p| p.to_str());
        let old = delta.old_file().path().and_then(|p| p.to_str());
        // The paths this change touches: a deleted file's old path, an added or changed
        // file's new one, and both ends of a rename.
        let paths: Vec<&str> = match delta.status() {
            Delta::Deleted => old.into_iter().collect(),
            Delta::Renamed => new.into_iter().chain(old).collect(),
            _ => new.into_iter().collect(),
        };
        for p in paths {
            if is_config_file(p) {
                touch(parent(p), Reason::Changed(p.to_string()), true);
            } else if crate::file::is_test_file(file_name(p)) {
                touch(test_owner(p), Reason::Tests(p.to_string()), false);
            }
        }
        if let (Delta::Renamed, Some(old), Some(new)) = (delta.status(), old, new) {
            let (from, to) = (parent(old), parent(new));
            if is_config_file(new) && from != to && !at_base.configs.contains(to) {
                renamed_from.insert(to.to_string(), from.to_string());
            }
        }
    }

    // Every caller of a changed configuration, transitively, is affected by it.
    let callers = at_head.callers();
    for changed in &changed_configs {
        let mut queue: VecDeque<&str> = VecDeque::from([changed.as_str()]);
        let mut seen: BTreeSet<&str> = BTreeSet::new();
        while let Some(dir) = queue.pop_front() {
            for caller in callers.get(dir).into_iter().flatten() {
                if seen.insert(caller) {
                    reasons
                        .entry(caller.to_string())
                        .or_default()
                        .insert(Reason::UsesModule(changed.clone()));
                    queue.push_back(caller);
                }
            }
        }
    }

    let mut out = Affected {
        warnings,
        ..Affected::default()
    };
    for (dir, why) in reasons {
        let role = at_head.role(&dir);
        if role == Role::Module && !at_head.tests.contains_key(&dir) {
            continue;
        }
        let mut why: Vec<Reason> = why.into_iter().collect();
        let base_path = if at_base.configs.contains(&dir) {
            Some(dir.clone())
        } else {
            renamed_from.get(&dir).cloned().inspect(|from| {
                why.push(Reason::RenamedFrom(from.clone()));
            })
        };
        why.sort();
        out.stacks.push(AffectedStack {
            path: shown(&dir),
            role,
            base_path: base_path.map(|p| shown(&p)),
            reasons: why,
        });
    }
    let moved: BTreeSet<&String> = renamed_from.values().collect();
    out.deleted = at_base
        .configs
        .iter()
        .filter(|d| {
            !at_head.configs.contains(*d) && at_base.role(d) == Role::Stack && !moved.contains(d)
        })
        .map(|d| shown(d))
        .collect();
    Ok(out)
}

/// The directory as shown to people and given to `--stack`: `.` for the root.
fn shown(dir: &str) -> String {
    if dir.is_empty() {
        ".".to_string()
    } else {
        dir.to_string()
    }
}

/// The repository-relative directory a `--stack` argument names (`.` is the root).
pub fn dir_of(stack: &str) -> String {
    let s = stack.trim_matches('/');
    match s.strip_prefix("./").unwrap_or(s) {
        "." => String::new(),
        rest => rest.to_string(),
    }
}

/// The directories a checkout of stack `dir` needs at a revision: the stack and every
/// local module it calls, transitively (test helper modules included).
pub fn stack_dirs(repo: &Repository, snap: &Snapshot, dir: &str) -> Vec<String> {
    let layout = Layout::read(repo, snap, &mut Vec::new());
    let mut out: BTreeSet<String> = BTreeSet::from([dir.to_string()]);
    let mut queue: VecDeque<String> = VecDeque::from([dir.to_string()]);
    while let Some(d) = queue.pop_front() {
        for callee in layout.calls.get(&d).into_iter().flatten() {
            if out.insert(callee.clone()) {
                queue.push_back(callee.clone());
            }
        }
    }
    out.into_iter().collect()
}

/// The tree of revision `rev`.
pub fn tree<'r>(repo: &'r Repository, rev: &str) -> Result<git2::Tree<'r>, GateError> {
    repo.revparse_single(rev)
        .and_then(|o| o.peel_to_tree())
        .map_err(|source| GateError::Revision {
            rev: rev.to_string(),
            source,
        })
}

/// A file that makes its directory a configuration.
fn is_config_file(path: &str) -> bool {
    path.ends_with(".tf") || path.ends_with(".tf.json")
}

/// The configuration a test file belongs to: its directory, or the parent of `tests/`.
fn test_owner(path: &str) -> &str {
    let dir = parent(path);
    if file_name(dir) == "tests" {
        parent(dir)
    } else {
        dir
    }
}

/// The configurations of one revision and who calls whom.
struct Layout {
    /// Directories with `.tf` files.
    configs: BTreeSet<String>,
    /// Caller to the local modules it calls.
    calls: BTreeMap<String, BTreeSet<String>>,
    /// Configuration to its test files.
    tests: BTreeMap<String, Vec<String>>,
}

impl Layout {
    fn read(repo: &Repository, snap: &Snapshot, warnings: &mut Vec<String>) -> Layout {
        let configs: BTreeSet<String> = snap
            .files
            .keys()
            .filter(|p| is_config_file(p))
            .map(|p| parent(p).to_string())
            .collect();
        let mut tests: BTreeMap<String, Vec<String>> = BTreeMap::new();
        let mut calls: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
        for path in snap.files.keys() {
            let is_test = crate::file::is_test_file(file_name(path));
            if !is_config_file(path) && !is_test {
                continue;
            }
            let owner = if is_test {
                test_owner(path)
            } else {
                parent(path)
            };
            if is_test {
                if !configs.contains(owner) {
                    continue;
                }
                tests
                    .entry(owner.to_string())
                    .or_default()
                    .push(path.clone());
            }
            let Some(text) = snap.text(repo, path) else {
                warnings.push(format!("{path}: cannot read the file as UTF-8 text"));
                continue;
            };
            let sources = match module_sources(path, &text, is_test) {
                Ok(s) => s,
                Err(e) => {
                    warnings.push(format!("{path}: cannot find its module calls: {e}"));
                    continue;
                }
            };
            for source in sources {
                match resolve(owner, &source) {
                    Some(dir) if configs.contains(&dir) && dir != owner => {
                        calls.entry(owner.to_string()).or_default().insert(dir);
                    }
                    Some(_) => {}
                    None => warnings.push(format!(
                        "{path}: module source {source:?} is outside the repository"
                    )),
                }
            }
        }
        Layout {
            configs,
            calls,
            tests,
        }
    }

    /// Callee to its callers.
    fn callers(&self) -> BTreeMap<&str, BTreeSet<&str>> {
        let mut out: BTreeMap<&str, BTreeSet<&str>> = BTreeMap::new();
        for (caller, callees) in &self.calls {
            for callee in callees {
                out.entry(callee.as_str())
                    .or_default()
                    .insert(caller.as_str());
            }
        }
        out
    }

    fn role(&self, dir: &str) -> Role {
        if self.calls.values().any(|c| c.contains(dir)) {
            Role::Module
        } else {
            Role::Stack
        }
    }
}

/// The local module sources (`./x`, `../x`) a file calls: `module` blocks in a `.tf`
/// file, `{"module": {...}}` in a `.tf.json` file, `run { module { source } }` in a test file.
fn module_sources(path: &str, text: &str, is_test: bool) -> Result<Vec<String>, String> {
    let mut out = Vec::new();
    if path.ends_with(".tf.json") {
        let v: serde_json::Value = serde_json::from_str(text).map_err(|e| e.to_string())?;
        let blocks = match v.get("module") {
            Some(serde_json::Value::Object(m)) => m.values().cloned().collect(),
            Some(serde_json::Value::Array(a)) => a.clone(),
            _ => Vec::new(),
        };
        for b in blocks {
            let objects = match b {
                serde_json::Value::Array(a) => a,
                other => vec![other],
            };
            for o in objects {
                if let Some(s) = o.get("source").and_then(|s| s.as_str()) {
                    out.push(s.to_string());
                }
            }
        }
    } else {
        let body = hcl_edit::parser::parse_body(text).map_err(|e| e.message().to_string())?;
        for b in body.blocks() {
            let module_blocks: Vec<&hcl_edit::structure::Block> = match (is_test, b.ident.as_str())
            {
                (false, "module") => vec![b],
                (true, "run") => b.body.get_blocks("module").collect(),
                _ => Vec::new(),
            };
            for m in module_blocks {
                if let Some(hcl_edit::expr::Expression::String(s)) =
                    m.body.get_attribute("source").map(|a| &a.value)
                {
                    out.push(s.value().clone());
                }
            }
        }
    }
    out.retain(|s| s.starts_with("./") || s.starts_with("../"));
    Ok(out)
}

/// The repository directory `source` names from directory `from`; `None` when it
/// climbs out of the repository.
fn resolve(from: &str, source: &str) -> Option<String> {
    let mut parts: Vec<&str> = from.split('/').filter(|p| !p.is_empty()).collect();
    for p in source.split('/') {
        match p {
            "" | "." => {}
            ".." => {
                parts.pop()?;
            }
            other => parts.push(other),
        }
    }
    Some(parts.join("/"))
}

#[cfg(test)]
mod tests;
