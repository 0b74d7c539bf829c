//! Plans: the actions that bring the world to the configuration, with attribute diffs;
//! the `--json` contract and the saved plan file.

mod binding;
mod file;
mod render;

use std::collections::BTreeMap;

use serde_json::json;

use crate::addr::ResourceInstance;
use crate::diag::{Diagnostics, SourceMap};
use crate::value::Value;

pub use binding::{state_digest, ConfigDigest, Difference, PlanMismatch};
pub use file::PlanFileError;
pub use render::render_plan;

/// What happens to one resource instance.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Action {
    /// Nothing changes.
    NoOp,
    /// A new object.
    Create,
    /// Read a data source during apply.
    Read,
    /// Change in place.
    Update,
    /// Destroy the old object and create a new one (or the reverse with create_before_destroy).
    Replace,
    /// Destroy.
    Delete,
}

impl Action {
    /// The name in the `--json` contract.
    pub fn as_str(&self) -> &'static str {
        match self {
            Action::NoOp => "no-op",
            Action::Create => "create",
            Action::Read => "read",
            Action::Update => "update",
            Action::Replace => "replace",
            Action::Delete => "delete",
        }
    }

    /// Parses the `--json` name.
    pub fn parse(s: &str) -> Option<Action> {
        Some(match s {
            "no-op" => Action::NoOp,
            "create" => Action::Create,
            "read" => Action::Read,
            "update" => Action::Update,
            "replace" => Action::Replace,
            "delete" => Action::Delete,
            _ => return None,
        })
    }
}

/// The planned change of one resource instance.
#[derive(Debug, Clone, PartialEq)]
pub struct ResourceChange {
    /// The instance.
    pub addr: ResourceInstance,
    /// What happens.
    pub action: Action,
    /// The provider configuration serving it, e.g. `provider["aws"].west`.
    pub provider: String,
    /// State before (None on create).
    pub before: Option<Value>,
    /// Planned state after (None on delete); unknown parts are [`Value::Unknown`].
    pub after: Option<Value>,
    /// Attribute paths that force the replacement.
    pub replace_paths: Vec<Vec<String>>,
    /// Create the new object before destroying the old one.
    pub create_before_destroy: bool,
    /// Why, when it is not obvious (e.g. "moved from aws_vpc.old", "requested with -replace").
    pub reason: Option<String>,
    /// Moved from this address (a `moved` block).
    pub moved_from: Option<ResourceInstance>,
    /// Adopted through an `import` block: the object's id.
    pub importing: Option<String>,
    /// The change is to a deposed object of the instance (an old object that a
    /// `create_before_destroy` replacement failed to destroy), by its deposed key.
    pub deposed: Option<String>,
}

/// The [`ResourceChange::reason`] of a replacement forced by `lifecycle.replace_triggered_by`.
pub const REPLACE_TRIGGERED: &str = "due to changes in replace_triggered_by";

/// The planned change of one root output.
#[derive(Debug, Clone, PartialEq)]
pub struct OutputChange {
    /// Create, update, delete or no-op.
    pub action: Action,
    /// Value before.
    pub before: Option<Value>,
    /// Value after (unknown parts unknown).
    pub after: Option<Value>,
    /// Declared sensitive.
    pub sensitive: bool,
}

/// A whole plan.
#[derive(Debug, Clone, Default)]
pub struct Plan {
    /// Every instance's change (no-ops included), sorted by address.
    pub changes: Vec<ResourceChange>,
    /// Root outputs.
    pub outputs: BTreeMap<String, OutputChange>,
    /// The serial of the state the plan was made against.
    pub state_serial: u64,
    /// The lineage of that state.
    pub state_lineage: String,
    /// The root variable values used, for `apply PLANFILE`.
    pub variables: BTreeMap<String, Value>,
    /// Warnings found while planning.
    pub diagnostics: Diagnostics,
    /// True for a destroy plan.
    pub destroy: bool,
    /// Managed-service version upgrades and their steps and checks
    /// ([`crate::upgrade::upgrades`]); recomputed, not kept in plan files.
    pub upgrades: Vec<crate::upgrade::Upgrade>,
    /// The state the plan was made from, as refresh found it (moves applied): what an
    /// apply of this plan must start from.
    pub prior_state: Option<crate::state::State>,
    /// The configuration the plan was made from ([`ConfigDigest::of`]), set by the caller
    /// that loaded it; `apply PLANFILE` checks it with [`Plan::check_configuration`].
    pub configuration: ConfigDigest,
    /// [`state_digest`] of the state the plan was made against, as it was loaded (before
    /// moves and refresh); `apply PLANFILE` checks it with [`Plan::check_state`].
    pub state_digest: String,
}

/// Counts of a plan's actions.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Summary {
    /// Objects adopted through `import` blocks.
    pub import: usize,
    /// Creates (replacements count here too).
    pub add: usize,
    /// Updates in place.
    pub change: usize,
    /// Deletes (replacements count here too).
    pub destroy: usize,
}

impl std::ops::AddAssign for Summary {
    /// Counts of two applies made one after the other.
    fn add_assign(&mut self, other: Summary) {
        self.import += other.import;
        self.add += other.add;
        self.change += other.change;
        self.destroy += other.destroy;
    }
}

impl Plan {
    /// How many of each action.
    pub fn summary(&self) -> Summary {
        let mut s = Summary::default();
        for c in &self.changes {
            if c.importing.is_some() {
                s.import += 1;
            }
            match c.action {
                Action::Create => s.add += 1,
                Action::Update => s.change += 1,
                Action::Delete => s.destroy += 1,
                Action::Replace => {
                    s.add += 1;
                    s.destroy += 1
                }
                Action::NoOp | Action::Read => {}
            }
        }
        s
    }

    /// True if applying would change anything (resources, their addresses, imports or outputs).
    pub fn has_changes(&self) -> bool {
        self.changes.iter().any(|c| {
            !matches!(c.action, Action::NoOp) || c.moved_from.is_some() || c.importing.is_some()
        }) || self.outputs.values().any(|o| o.action != Action::NoOp)
    }

    /// The change of one instance.
    pub fn change(&self, addr: &ResourceInstance) -> Option<&ResourceChange> {
        self.changes
            .binary_search_by(|c| (&c.addr, c.deposed.is_some()).cmp(&(addr, false)))
            .ok()
            .map(|i| &self.changes[i])
    }

    /// The `--json` document (DESIGN.md contract).
    pub fn to_json(&self, sources: &SourceMap) -> serde_json::Value {
        let changes: Vec<serde_json::Value> = self
            .changes
            .iter()
            .map(|c| {
                let mut unknown = Vec::new();
                if let Some(a) = &c.after {
                    unknown_paths(a, &mut Vec::new(), &mut unknown);
                }
                let mut obj = json!({
                    "address": c.addr.to_string(),
                    "module_address": if c.addr.module.is_root() { serde_json::Value::Null } else { c.addr.module.to_string().into() },
                    "mode": c.addr.resource.mode.as_str(),
                    "type": c.addr.resource.type_name,
                    "name": c.addr.resource.name,
                    "index": c.addr.key.to_json(),
                    "provider_name": c.provider,
                    "action": c.action.as_str(),
                    "before": c.before.as_ref().map(redacted_json),
                    "after": c.after.as_ref().map(redacted_json),
                    "after_unknown": unknown,
                });
                if !c.replace_paths.is_empty() {
                    obj["replace_paths"] = json!(c.replace_paths);
                }
                if let Some(r) = &c.reason {
                    obj["action_reason"] = r.clone().into();
                }
                if let Some(m) = &c.moved_from {
                    obj["previous_address"] = m.to_string().into();
                }
                if let Some(id) = &c.importing {
                    obj["importing"] = json!({ "id": id });
                }
                if let Some(d) = &c.deposed {
                    obj["deposed"] = d.clone().into();
                }
                obj
            })
            .collect();
        let outputs: serde_json::Map<String, serde_json::Value> = self
            .outputs
            .iter()
            .map(|(k, o)| {
                (
                    k.clone(),
                    json!({
                        "action": o.action.as_str(),
                        "sensitive": o.sensitive,
                        "after": o.after.as_ref().map(|v| if o.sensitive { serde_json::Value::Null } else { redacted_json(v) }),
                        "after_unknown": o.after.as_ref().is_some_and(Value::contains_unknown),
                    }),
                )
            })
            .collect();
        let s = self.summary();
        json!({
            "format_version": "1",
            "galley_version": env!("CARGO_PKG_VERSION"),
            "state_serial": self.state_serial,
            "resource_changes": changes,
            "output_changes": outputs,
            "upgrades": self.upgrades.iter().map(|u| u.to_json()).collect::<Vec<_>>(),
            "summary": {"add": s.add, "change": s.change, "destroy": s.destroy, "import": s.import},
            "diagnostics": self.diagnostics.iter().map(|d| d.to_json(sources)).collect::<Vec<_>>(),
        })
    }
}

/// JSON of a value with sensitive parts replaced by `"(sensitive value)"` and unknowns by null.
pub fn redacted_json(v: &Value) -> serde_json::Value {
    use serde_json::Value as J;
    match v {
        Value::Sensitive(_) => J::String("(sensitive value)".into()),
        Value::List(items) | Value::Set(items) | Value::Tuple(items) => {
            J::Array(items.iter().map(redacted_json).collect())
        }
        Value::Map(m) | Value::Object(m) => J::Object(
            m.iter()
                .map(|(k, v)| (k.clone(), redacted_json(v)))
                .collect(),
        ),
        other => other.to_json(),
    }
}

/// Dotted paths of every unknown inside a value (`"arn"`, `"tags.Name"`, `"ips.0"`).
fn unknown_paths(v: &Value, path: &mut Vec<String>, out: &mut Vec<String>) {
    match v {
        Value::Unknown => out.push(path.join(".")),
        Value::Sensitive(inner) => unknown_paths(inner, path, out),
        Value::List(items) | Value::Set(items) | Value::Tuple(items) => {
            for (i, item) in items.iter().enumerate() {
                path.push(i.to_string());
                unknown_paths(item, path, out);
                path.pop();
            }
        }
        Value::Map(m) | Value::Object(m) => {
            for (k, item) in m {
                path.push(k.clone());
                unknown_paths(item, path, out);
                path.pop();
            }
        }
        _ => {}
    }
}
