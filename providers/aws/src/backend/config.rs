//! The `backend "s3"` block read into what the backend needs: where the state and its
//! lock are for a workspace, and how to reach AWS.

use engine::config::BackendBlock;

use crate::settings::Settings;

/// The workspace every configuration starts in; its state is at `key` itself.
pub const DEFAULT_WORKSPACE: &str = "default";

/// Terraform's default `workspace_key_prefix`.
pub const DEFAULT_WORKSPACE_KEY_PREFIX: &str = "env:";

/// A `backend "s3"` block.
#[derive(Debug, Clone, PartialEq)]
pub struct S3Config {
    /// `bucket`.
    pub bucket: String,
    /// `key`: the default workspace's state object.
    pub key: String,
    /// `workspace_key_prefix`.
    pub workspace_key_prefix: String,
    /// `encrypt`: server-side encryption of the state (and lock) objects.
    pub encrypt: bool,
    /// `kms_key_id`: the KMS key for `encrypt` (else S3's own AES256).
    pub kms_key_id: Option<String>,
    /// `use_lockfile`: lock with a `<key>.tflock` object written conditionally.
    pub use_lockfile: bool,
    /// `dynamodb_table`: lock with an item in this table (Terraform's layout).
    pub dynamodb_table: Option<String>,
    /// How to reach AWS (region, credentials, endpoints, path style).
    pub settings: Settings,
}

/// A problem with the block, naming the argument.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("backend \"s3\": {0}")]
pub struct ConfigError(pub String);

impl S3Config {
    /// Reads a `backend "s3"` block (already checked for unknown arguments and types by the
    /// configuration loader).
    pub fn from_block(block: &BackendBlock) -> Result<S3Config, ConfigError> {
        let required = |name: &str| {
            block
                .string(name)
                .filter(|s| !s.is_empty())
                .ok_or_else(|| ConfigError(format!("\"{name}\" must be set")))
        };
        let bucket = required("bucket")?;
        let key = required("key")?;
        if key.starts_with('/') || key.ends_with('/') {
            return Err(ConfigError(format!(
                "key {key:?} must not start or end with \"/\""
            )));
        }
        let settings =
            Settings::from_block(&block.value()).map_err(|e| ConfigError(e.to_string()))?;
        Ok(S3Config {
            bucket,
            key,
            workspace_key_prefix: block
                .string("workspace_key_prefix")
                .unwrap_or_else(|| DEFAULT_WORKSPACE_KEY_PREFIX.to_string()),
            encrypt: block.bool("encrypt").unwrap_or(false),
            kms_key_id: block.string("kms_key_id").filter(|s| !s.is_empty()),
            use_lockfile: block.bool("use_lockfile").unwrap_or(false),
            dynamodb_table: block.string("dynamodb_table").filter(|s| !s.is_empty()),
            settings,
        })
    }

    /// The state object of `workspace`: `key` for the default workspace, else
    /// `<workspace_key_prefix>/<workspace>/<key>`, as in Terraform.
    pub fn state_key(&self, workspace: &str) -> String {
        if workspace == DEFAULT_WORKSPACE {
            self.key.clone()
        } else {
            format!("{}/{workspace}/{}", self.workspace_key_prefix, self.key)
        }
    }

    /// Where the non-default workspaces' states are listed from: `<prefix>/`.
    pub fn workspaces_prefix(&self) -> String {
        format!("{}/", self.workspace_key_prefix)
    }

    /// The workspace a listed object key belongs to, if it is one's state.
    pub fn workspace_of(&self, object_key: &str) -> Option<String> {
        let rest = object_key.strip_prefix(&self.workspaces_prefix())?;
        let (ws, key) = rest.split_once('/')?;
        (key == self.key && !ws.is_empty()).then(|| ws.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use engine::value::Value;
    use std::collections::BTreeMap;

    fn block(pairs: &[(&str, Value)]) -> BackendBlock {
        BackendBlock {
            kind: "s3".into(),
            attrs: pairs
                .iter()
                .map(|(k, v)| (k.to_string(), v.clone()))
                .collect(),
            attr_spans: BTreeMap::new(),
            span: None,
        }
    }

    fn config(extra: &[(&str, Value)]) -> S3Config {
        let mut pairs = vec![
            ("bucket", Value::string("b")),
            ("key", Value::string("app/galley.tfstate")),
        ];
        pairs.extend_from_slice(extra);
        S3Config::from_block(&block(&pairs)).unwrap()
    }

    #[test]
    fn workspaces_live_under_the_prefix() {
        let cases = [
            (None, "default", "app/galley.tfstate"),
            (None, "dev", "env:/dev/app/galley.tfstate"),
            (
                Some("teams/web"),
                "prod",
                "teams/web/prod/app/galley.tfstate",
            ),
            (Some("teams/web"), "default", "app/galley.tfstate"),
        ];
        for (prefix, ws, expected) in cases {
            let c = match prefix {
                Some(p) => config(&[("workspace_key_prefix", Value::string(p))]),
                None => config(&[]),
            };
            assert_eq!(c.state_key(ws), expected, "{prefix:?} {ws}");
            if ws != DEFAULT_WORKSPACE {
                assert_eq!(c.workspace_of(expected).as_deref(), Some(ws));
            }
        }
    }

    #[test]
    fn listing_ignores_objects_that_are_not_a_workspace_state() {
        let c = config(&[]);
        assert_eq!(c.workspace_of("env:/dev/other.tfstate"), None);
        assert_eq!(c.workspace_of("env:/dev/app/galley.tfstate.tflock"), None);
        assert_eq!(c.workspace_of("app/galley.tfstate"), None);
    }

    #[test]
    fn options_are_read_with_terraforms_defaults() {
        let c = config(&[]);
        assert!(!c.encrypt && !c.use_lockfile && c.dynamodb_table.is_none());
        assert_eq!(c.workspace_key_prefix, "env:");
        let c = config(&[
            ("encrypt", Value::Bool(true)),
            ("use_lockfile", Value::Bool(true)),
            ("dynamodb_table", Value::string("locks")),
            ("region", Value::string("eu-west-1")),
            ("use_path_style", Value::Bool(true)),
            (
                "endpoints",
                Value::object([("s3", Value::string("http://127.0.0.1:5000"))]),
            ),
        ]);
        assert!(c.encrypt && c.use_lockfile);
        assert_eq!(c.dynamodb_table.as_deref(), Some("locks"));
        assert_eq!(c.settings.region.as_deref(), Some("eu-west-1"));
        assert!(c.settings.use_path_style);
        assert_eq!(c.settings.endpoint("s3"), Some("http://127.0.0.1:5000"));
    }

    #[test]
    fn a_key_with_a_leading_slash_is_refused() {
        let e = S3Config::from_block(&block(&[
            ("bucket", Value::string("b")),
            ("key", Value::string("/x")),
        ]))
        .unwrap_err();
        assert!(e.to_string().contains("must not start"), "{e}");
    }
}
