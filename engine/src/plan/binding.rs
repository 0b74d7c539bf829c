//! What binds a saved plan to the configuration and the state it was made from, so that
//! `apply PLANFILE` refuses a plan whose configuration or state changed since.

use std::collections::BTreeMap;
use std::fmt;
use std::path::Path;

use sha2::{Digest, Sha256};

use super::Plan;
use crate::config::Config;
use crate::diag::SourceMap;
use crate::state::State;

/// The source files of a configuration (root module and the local modules it calls),
/// each by its path relative to the root module's directory (`main.tf`,
/// `modules/net/main.tf`, with `/`), with the SHA-256 of its text in hex.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ConfigDigest(pub BTreeMap<String, String>);

impl ConfigDigest {
    /// The digest of a loaded configuration; `sources` holds the text of its files.
    pub fn of(config: &Config, sources: &SourceMap) -> ConfigDigest {
        let mut files = BTreeMap::new();
        add_module(config, &[], sources, &mut files);
        ConfigDigest(files)
    }

    /// The first file, in path order, that is not the same in `now`.
    pub fn first_difference(&self, now: &ConfigDigest) -> Option<(String, Difference)> {
        let mut paths: Vec<&String> = self.0.keys().chain(now.0.keys()).collect();
        paths.sort();
        paths.dedup();
        paths
            .into_iter()
            .find_map(|p| match (self.0.get(p), now.0.get(p)) {
                (Some(a), Some(b)) if a == b => None,
                (Some(_), Some(_)) => Some((p.clone(), Difference::Changed)),
                (None, _) => Some((p.clone(), Difference::Added)),
                (Some(_), None) => Some((p.clone(), Difference::Removed)),
            })
    }
}

/// Adds the files of `config`'s module, whose directory is `dir` (path parts relative to
/// the root module), and of its children.
fn add_module(
    config: &Config,
    dir: &[String],
    sources: &SourceMap,
    files: &mut BTreeMap<String, String>,
) {
    for id in &config.module.files {
        let Some(file) = sources.get(*id) else {
            continue;
        };
        let name = Path::new(&file.name)
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| file.name.clone());
        let mut path = dir.to_vec();
        path.push(name);
        files.insert(path.join("/"), sha256_hex(file.text.as_bytes()));
    }
    for (name, child) in &config.children {
        let Some(call) = config.module.module_calls.get(name) else {
            continue;
        };
        add_module(child, &join(dir, &call.source), sources, files);
    }
}

/// `dir` followed by a relative module source, `.` and `x/..` removed.
fn join(dir: &[String], source: &str) -> Vec<String> {
    let mut out = dir.to_vec();
    for part in source.split('/') {
        match part {
            "" | "." => {}
            ".." if out.last().is_some_and(|p| p != "..") => {
                out.pop();
            }
            other => out.push(other.to_string()),
        }
    }
    out
}

/// How a configuration file differs from when the plan was made.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Difference {
    /// Its content changed.
    Changed,
    /// It is new.
    Added,
    /// It is gone.
    Removed,
}

impl fmt::Display for Difference {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Difference::Changed => "changed",
            Difference::Added => "was added",
            Difference::Removed => "was removed",
        })
    }
}

/// Why a saved plan cannot be applied to the configuration or state of now.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PlanMismatch {
    /// A configuration file differs.
    #[error("Saved plan does not match the configuration: {file} {how} since the plan was made. Run galley plan -out again.")]
    Configuration {
        /// The file, relative to the root module.
        file: String,
        /// How it differs.
        how: Difference,
    },
    /// The state's content differs although its serial and lineage do not.
    #[error("Saved plan does not match the state: its content changed since the plan was made, although its serial ({serial}) did not (was it edited by hand?). Run galley plan -out again.")]
    State {
        /// The serial both have.
        serial: u64,
    },
}

/// The SHA-256 (hex) of a state's content; empty if it cannot be encoded.
pub fn state_digest(state: &State) -> String {
    crate::state::encode(state)
        .map(|b| sha256_hex(&b))
        .unwrap_or_default()
}

/// SHA-256 in lower-case hex.
pub(crate) fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

impl Plan {
    /// Checks that `config` (loaded now, its text in `sources`) is the configuration the
    /// plan was made from, naming the first file that differs.
    pub fn check_configuration(
        &self,
        config: &Config,
        sources: &SourceMap,
    ) -> Result<(), PlanMismatch> {
        match self
            .configuration
            .first_difference(&ConfigDigest::of(config, sources))
        {
            Some((file, how)) => Err(PlanMismatch::Configuration { file, how }),
            None => Ok(()),
        }
    }

    /// Checks that `state` (loaded now) has the content of the state the plan was made
    /// against. Callers check the serial and lineage first, which say more when they differ.
    pub fn check_state(&self, state: &State) -> Result<(), PlanMismatch> {
        if state_digest(state) == self.state_digest {
            Ok(())
        } else {
            Err(PlanMismatch::State {
                serial: state.serial,
            })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn load(dir: &Path) -> (Config, SourceMap) {
        let sources = SourceMap::new();
        let (config, diags) = crate::config::load_config(dir, &sources);
        assert!(!diags.has_errors(), "{}", diags.render(&sources));
        (config, sources)
    }

    fn write(dir: &Path, path: &str, text: &str) {
        let path = dir.join(path);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }

    #[test]
    fn the_digest_keys_root_and_module_files_by_path_from_the_root() {
        let dir = tempfile::tempdir().unwrap();
        write(
            dir.path(),
            "main.tf",
            "module \"net\" {\n  source = \"./modules/net\"\n}\n",
        );
        write(dir.path(), "modules/net/main.tf", "locals {\n  a = 1\n}\n");
        let (config, sources) = load(dir.path());
        let digest = ConfigDigest::of(&config, &sources);
        let paths: Vec<&str> = digest.0.keys().map(String::as_str).collect();
        assert_eq!(paths, ["main.tf", "modules/net/main.tf"]);
        assert_eq!(
            digest.0["modules/net/main.tf"],
            sha256_hex(b"locals {\n  a = 1\n}\n")
        );
    }

    #[test]
    fn a_plan_names_the_first_configuration_file_that_differs() {
        let dir = tempfile::tempdir().unwrap();
        write(
            dir.path(),
            "main.tf",
            "module \"net\" {\n  source = \"./net\"\n}\n",
        );
        write(dir.path(), "net/main.tf", "locals {\n  a = 1\n}\n");
        let (config, sources) = load(dir.path());
        let plan = Plan {
            configuration: ConfigDigest::of(&config, &sources),
            ..Plan::default()
        };
        assert_eq!(plan.check_configuration(&config, &sources), Ok(()));

        write(dir.path(), "net/main.tf", "locals {\n  a = 2\n}\n");
        let (config, sources) = load(dir.path());
        let e = plan.check_configuration(&config, &sources).unwrap_err();
        assert_eq!(
            e.to_string(),
            "Saved plan does not match the configuration: net/main.tf changed since the plan was made. Run galley plan -out again."
        );

        write(dir.path(), "net/main.tf", "locals {\n  a = 1\n}\n");
        write(dir.path(), "extra.tf", "");
        let (config, sources) = load(dir.path());
        let e = plan.check_configuration(&config, &sources).unwrap_err();
        assert_eq!(
            e,
            PlanMismatch::Configuration {
                file: "extra.tf".into(),
                how: Difference::Added
            }
        );

        std::fs::remove_file(dir.path().join("extra.tf")).unwrap();
        write(dir.path(), "main.tf", "");
        let (config, sources) = load(dir.path());
        let e = plan.check_configuration(&config, &sources).unwrap_err();
        assert_eq!(
            e,
            PlanMismatch::Configuration {
                file: "main.tf".into(),
                how: Difference::Changed
            }
        );
        assert!(e.to_string().contains("main.tf changed"), "{e}");
        let now = ConfigDigest::of(&config, &sources);
        assert_eq!(
            plan.configuration.first_difference(&now),
            Some(("main.tf".to_string(), Difference::Changed)),
            "the first in path order, before net/main.tf which is gone"
        );
        assert_eq!(
            now.first_difference(&plan.configuration),
            Some(("main.tf".to_string(), Difference::Changed))
        );
        let only_net = ConfigDigest(
            [(
                "net/main.tf".to_string(),
                plan.configuration.0["net/main.tf"].clone(),
            )]
            .into(),
        );
        assert_eq!(
            plan.configuration.first_difference(&only_net),
            Some(("main.tf".to_string(), Difference::Removed))
        );
    }

    #[test]
    fn module_sources_are_joined_lexically() {
        let root: Vec<String> = Vec::new();
        assert_eq!(join(&root, "./modules/net"), ["modules", "net"]);
        assert_eq!(join(&root, "../shared"), ["..", "shared"]);
        assert_eq!(
            join(&["a".to_string(), "b".to_string()], "../c"),
            ["a", "c"]
        );
        assert_eq!(join(&["a".to_string()], "."), ["a"]);
    }

    #[test]
    fn a_state_edited_without_a_new_serial_no_longer_matches_the_plan() {
        let mut state = State::new();
        let plan = Plan {
            state_serial: state.serial,
            state_lineage: state.lineage.clone(),
            state_digest: state_digest(&state),
            ..Plan::default()
        };
        assert_eq!(plan.check_state(&state), Ok(()));
        state.set_instance(
            &"terraform_data.x".parse().unwrap(),
            "provider[\"terraform\"]",
            crate::state::InstanceState::new(crate::value::Value::object([(
                "id",
                crate::value::Value::string("x-1"),
            )])),
        );
        let e = plan.check_state(&state).unwrap_err();
        assert_eq!(e, PlanMismatch::State { serial: 0 });
        assert!(e.to_string().contains("its serial (0) did not"), "{e}");
    }
}
