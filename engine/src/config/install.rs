//! Where a git module call's module is on disk, for the loader: from the lock file
//! (`plan`, `apply`, `validate`: offline once installed) or resolved, fetched and recorded
//! (`galley init`, `galley init -upgrade`).

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Component, Path, PathBuf};

use super::ModuleCall;
use crate::diag::Diagnostic;
use crate::modules::{
    Constraints, FetchError, GitSource, LockEntry, LockError, LockFile, ModuleCache, Version,
    LOCK_FILE,
};

/// How the loader obtains git modules.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Install {
    /// Only what the lock file records, from `.galley/modules` (fetched again only when
    /// the checkout is missing); a call without a lock entry is an error.
    Locked,
    /// Resolve refs and versions, fetch, and record them in the lock file (`galley init`);
    /// with `upgrade`, existing entries are ignored and written again.
    Resolve {
        /// `-upgrade`: move every pin.
        upgrade: bool,
    },
}

/// Installs the git modules of one load of a configuration.
pub(crate) struct Installer {
    cache: ModuleCache,
    lock: LockFile,
    mode: Install,
    used: BTreeSet<String>,
    /// The `version` each source was asked for, and by which call: one pin per source.
    constraints: BTreeMap<String, (Option<String>, String)>,
}

impl Installer {
    /// For the configuration in `root`: its lock file and `root/.galley/modules`. A lock
    /// file that cannot be read is an error diagnostic (and an empty lock).
    pub(crate) fn new(root: &Path, mode: Install) -> (Installer, Option<Diagnostic>) {
        let (lock, diag) = match LockFile::read(root) {
            Ok(l) => (l, None),
            Err(e) => (
                LockFile::default(),
                Some(Diagnostic::error("Invalid module lock file").with_detail(e.to_string())),
            ),
        };
        let installer = Installer {
            cache: ModuleCache::new(root.join(".galley").join("modules")),
            lock,
            mode,
            used: BTreeSet::new(),
            constraints: BTreeMap::new(),
        };
        (installer, diag)
    }

    /// The directory holding the module `call` names by the git source `source`.
    pub(crate) fn module_dir(
        &mut self,
        call: &ModuleCall,
        source: &GitSource,
    ) -> Result<PathBuf, Diagnostic> {
        let fail = |summary: &str, detail: String| {
            Diagnostic::error(summary)
                .with_span(call.source_span.or(call.span))
                .with_detail(format!("module \"{}\": {detail}", call.name))
        };
        let fetch = |e: FetchError| fail("Failed to install module", e.to_string());
        let locked = |e: LockError| fail("Module does not match the lock file", e.to_string());
        let constraints = match &call.version {
            Some(v) => Some(
                Constraints::parse(v)
                    .map_err(|e| fail("Invalid module version constraint", e.to_string()))?,
            ),
            None => None,
        };
        let key = source.to_string();
        if let Some((version, other)) = self.constraints.get(&key) {
            if *version != call.version {
                let show = |v: &Option<String>| {
                    v.as_ref()
                        .map_or_else(|| "no version".to_string(), |v| format!("version {v:?}"))
                };
                return Err(fail(
                    "Conflicting module version constraints",
                    format!(
                        "{key} is called with {} here and with {} by module \"{other}\". The lock file pins one commit per source: give every call of it the same version constraint, or pin them apart with `?ref=`.",
                        show(&call.version),
                        show(version)
                    ),
                ));
            }
        } else {
            self.constraints
                .insert(key.clone(), (call.version.clone(), call.name.clone()));
        }
        self.used.insert(key.clone());
        let upgrade = match self.mode {
            Install::Locked => None,
            Install::Resolve { upgrade } => Some(upgrade),
        };
        if upgrade != Some(true) {
            if let Some(entry) = self.lock.modules.get(&key) {
                if let Some(c) = &constraints {
                    entry.check_version(&key, c).map_err(locked)?;
                }
                if upgrade == Some(false) && constraints.is_none() {
                    // `galley init`: a tag moved or a branch advanced since the lock.
                    let resolved = self.cache.resolve(source).map_err(fetch)?;
                    entry.check_commit(&key, &resolved).map_err(locked)?;
                }
                let version = entry.version.as_deref().and_then(Version::parse);
                let installed = self
                    .cache
                    .install_locked(source, &entry.commit, version)
                    .map_err(fetch)?;
                entry.check_hash(&key, &installed).map_err(locked)?;
                return Ok(installed.dir);
            }
            if upgrade.is_none() {
                return Err(fail(
                    "Module not installed",
                    format!(
                        "{key} is not in {LOCK_FILE}. Run `galley init` to fetch it and record its commit."
                    ),
                ));
            }
        }
        let installed = match &constraints {
            Some(c) => self.cache.install_version(source, c),
            None => self.cache.install(source),
        }
        .map_err(fetch)?;
        self.lock.modules.insert(
            key,
            LockEntry::from_installed(&installed, None, constraints.as_ref()),
        );
        Ok(installed.dir)
    }

    /// Checks that `child`, the directory a local module source of the module in `dir`
    /// names, stays inside the git checkout `dir` belongs to (if it belongs to one): a
    /// fetched module can reach its own repository's files, not the cache or the caller's.
    pub(crate) fn confine(&self, dir: &Path, child: &Path) -> Result<(), String> {
        let clean = |p: &Path| -> PathBuf {
            p.components()
                .filter(|c| !matches!(c, Component::CurDir))
                .collect()
        };
        let (root, dir, child) = (clean(self.cache.root()), clean(dir), clean(child));
        let Ok(inside) = dir.strip_prefix(&root) else {
            return Ok(());
        };
        let Some(Component::Normal(key)) = inside.components().next() else {
            return Ok(());
        };
        let checkout = root.join(key);
        if child.starts_with(&checkout) {
            Ok(())
        } else {
            Err(format!(
                "it leaves the git repository the calling module was fetched from (resolves to {}). A module fetched from git can call modules of its own repository by relative path; call others by their git address.",
                crate::diag::display_path(&child)
            ))
        }
    }

    /// The lock file as this load leaves it: entries of sources no call uses any more are
    /// dropped when resolving.
    pub(crate) fn into_lock(mut self) -> LockFile {
        if self.mode != Install::Locked {
            let used = self.used;
            self.lock.modules.retain(|k, _| used.contains(k));
        }
        self.lock
    }
}
