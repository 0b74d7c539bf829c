//! EKS updates: what an update changes, its progress, and DescribeUpdate / ListUpdates.

use serde_json::{json, Map, Value};

use super::{cluster, merge, Cluster};
use crate::fake::errors::ApiError;
use crate::fake::progress::{Countdown, Seen};
use crate::fake::request::Request;
use crate::fake::wire::{self, Json, Reply};
use crate::fake::World;

/// What an update belongs to (DescribeUpdate must name it with `nodegroupName`/`addonName`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Scope {
    /// The control plane.
    Cluster,
    /// A node group.
    Nodegroup(String),
    /// An add-on.
    Addon(String),
}

/// The change an update makes when it completes.
#[derive(Debug, Clone)]
pub enum Effect {
    /// The control plane moves to this version.
    ClusterVersion(String),
    /// Merged into the cluster's configuration.
    ClusterConfig(Map<String, Value>),
    /// The node group moves to this version and AMI release.
    NodegroupVersion {
        /// Kubernetes version.
        version: String,
        /// AMI release.
        release: String,
    },
    /// Node group scaling, labels, update config: whole values replacing the old ones.
    NodegroupConfig(Map<String, Value>),
    /// The add-on moves to this version, with this configuration merged.
    AddonVersion {
        /// Add-on version.
        version: String,
        /// `serviceAccountRoleArn`, `configurationValues`.
        spec: Map<String, Value>,
    },
}

/// One update.
#[derive(Debug, Clone)]
pub struct Update {
    /// A UUID.
    pub id: String,
    /// What it updates.
    pub scope: Scope,
    /// `VersionUpdate`, `ConfigUpdate`, ...
    pub kind: &'static str,
    /// `(type, value)` pairs, as EKS lists them.
    pub params: Vec<(&'static str, String)>,
    /// Epoch seconds.
    pub created_at: Value,
    /// None once complete.
    pub remaining: Option<Countdown>,
    /// Applied on completion.
    pub effect: Effect,
}

impl Update {
    /// A new in-progress update.
    pub fn new(
        scope: Scope,
        kind: &'static str,
        params: Vec<(&'static str, String)>,
        effect: Effect,
        polls: u32,
    ) -> Update {
        Update {
            id: wire::uuid(),
            scope,
            kind,
            params,
            created_at: wire::epoch_now(),
            remaining: Some(Countdown::new(polls)),
            effect,
        }
    }

    /// True while `InProgress`.
    pub fn in_progress(&self) -> bool {
        self.remaining.is_some()
    }

    /// Records one observation; true when the update completes at this one.
    pub fn tick(&mut self) -> bool {
        let done = self.remaining.as_mut().is_some_and(Countdown::tick);
        if done {
            self.remaining = None;
        }
        done
    }

    /// The `Update` shape.
    pub fn to_json(&self) -> Value {
        let params: Vec<Value> = self
            .params
            .iter()
            .map(|(t, v)| json!({ "type": t, "value": v }))
            .collect();
        json!({
            "id": self.id,
            "status": if self.in_progress() { "InProgress" } else { "Successful" },
            "type": self.kind,
            "params": params,
            "createdAt": self.created_at,
            "errors": [],
        })
    }
}

/// Makes a completed update's change.
pub fn apply(cluster: &mut Cluster, scope: &Scope, effect: Effect) {
    let now = wire::epoch_now();
    match (effect, scope) {
        (Effect::ClusterVersion(version), _) => cluster.version = version,
        (Effect::ClusterConfig(patch), _) => merge(&mut cluster.spec, &patch),
        (Effect::NodegroupVersion { version, release }, Scope::Nodegroup(name)) => {
            if let Some(ng) = cluster.nodegroups.get_mut(name) {
                ng.version = version;
                ng.release_version = release;
                ng.modified_at = now;
            }
        }
        (Effect::NodegroupConfig(patch), Scope::Nodegroup(name)) => {
            if let Some(ng) = cluster.nodegroups.get_mut(name) {
                // The patch holds whole new values (labels with removals applied): replace.
                for (key, value) in patch {
                    ng.spec.insert(key, value);
                }
                ng.modified_at = now;
            }
        }
        (Effect::AddonVersion { version, spec }, Scope::Addon(name)) => {
            if let Some(addon) = cluster.addons.get_mut(name) {
                addon.version = version;
                merge(&mut addon.spec, &spec);
                addon.modified_at = now;
            }
        }
        // Effects are built with their scope; a mismatch is a fake bug with nothing to apply.
        _ => {}
    }
}

/// The scope a DescribeUpdate / ListUpdates request names.
fn requested_scope(request: &Request) -> Scope {
    match (request.query("nodegroupName"), request.query("addonName")) {
        (Some(ng), _) => Scope::Nodegroup(ng),
        (None, Some(addon)) => Scope::Addon(addon),
        (None, None) => Scope::Cluster,
    }
}

/// DescribeUpdate: `GET /clusters/{name}/updates/{id}` (`?nodegroupName=`/`?addonName=`).
pub fn describe(world: &mut World, request: &Request, name: &str, id: &str) -> Reply {
    let scope = requested_scope(request);
    let cluster = cluster(world, name)?;
    let Some(update) = cluster.updates.iter().find(|u| u.id == id) else {
        return Err(ApiError::resource_not_found(format!(
            "No update found for ID: {id}."
        )));
    };
    if update.scope != scope {
        // EKS looks updates up under the resource named in the query.
        return Err(ApiError::resource_not_found(format!(
            "No update found for ID: {id} on {}.",
            describe_scope(&scope)
        )));
    }
    cluster.observe_update(id);
    let update = cluster
        .updates
        .iter()
        .find(|u| u.id == id)
        .map(Update::to_json)
        .unwrap_or(Value::Null);
    Ok(Json(json!({ "update": update })))
}

/// ListUpdates: `GET /clusters/{name}/updates` (`?nodegroupName=`/`?addonName=`).
pub fn list(world: &mut World, request: &Request, name: &str) -> Reply {
    let scope = requested_scope(request);
    let cluster = cluster(world, name)?;
    let exists = match &scope {
        Scope::Cluster => true,
        Scope::Nodegroup(ng) => cluster.nodegroups.contains_key(ng),
        Scope::Addon(addon) => cluster.addons.contains_key(addon),
    };
    if !exists {
        return Err(ApiError::resource_not_found(format!(
            "No {} found.",
            describe_scope(&scope)
        )));
    }
    let ids: Vec<&str> = cluster
        .updates
        .iter()
        .filter(|u| u.scope == scope)
        .map(|u| u.id.as_str())
        .collect();
    Ok(Json(json!({ "updateIds": ids })))
}

fn describe_scope(scope: &Scope) -> String {
    match scope {
        Scope::Cluster => "the cluster".to_string(),
        Scope::Nodegroup(name) => format!("node group {name}"),
        Scope::Addon(name) => format!("add-on {name}"),
    }
}

/// Observes a node group or add-on and answers not found when its deletion completed.
pub fn observe_member(
    cluster: &mut Cluster,
    scope: &Scope,
    missing: ApiError,
) -> Result<(), ApiError> {
    match cluster.observe(scope) {
        Seen::Present => Ok(()),
        Seen::Gone => Err(missing),
    }
}
