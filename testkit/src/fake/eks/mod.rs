//! The EKS fake: clusters, node groups, add-ons, updates and tags, routed by path.

mod addons;
mod clusters;
mod nodegroups;
mod tags;
mod updates;

use std::collections::BTreeMap;

use serde_json::{Map, Value};

use super::progress::{Phase, Seen};
use super::request::Request;
use super::wire::Reply;
use super::World;

pub use updates::{Scope, Update};

/// Every EKS cluster the fake holds, by name.
#[derive(Debug, Default)]
pub struct Eks {
    /// Clusters by name.
    pub clusters: BTreeMap<String, Cluster>,
}

/// One EKS cluster with its node groups, add-ons and updates.
#[derive(Debug)]
pub struct Cluster {
    /// Name.
    pub name: String,
    /// `arn:aws:eks:<region>:123456789012:cluster/<name>`.
    pub arn: String,
    /// The region it was created in.
    pub region: String,
    /// Kubernetes version, `1.31`.
    pub version: String,
    /// Creation time, epoch seconds.
    pub created_at: Value,
    /// Lifecycle.
    pub phase: Phase,
    /// The configuration as EKS echoes it (`roleArn`, `resourcesVpcConfig`, `logging`, ...).
    pub spec: Map<String, Value>,
    /// Tags.
    pub tags: Map<String, Value>,
    /// Node groups by name.
    pub nodegroups: BTreeMap<String, Nodegroup>,
    /// Add-ons by name.
    pub addons: BTreeMap<String, Addon>,
    /// Every update of the cluster and of its node groups and add-ons.
    pub updates: Vec<Update>,
}

/// A managed node group.
#[derive(Debug)]
pub struct Nodegroup {
    /// Name.
    pub name: String,
    /// `arn:aws:eks:<region>:123456789012:nodegroup/<cluster>/<name>/<uuid>`.
    pub arn: String,
    /// Kubernetes version of its kubelets.
    pub version: String,
    /// AMI release, `1.31.7-20250505`.
    pub release_version: String,
    /// Creation time.
    pub created_at: Value,
    /// Last change.
    pub modified_at: Value,
    /// Lifecycle.
    pub phase: Phase,
    /// Echoed configuration (`scalingConfig`, `instanceTypes`, `subnets`, ...).
    pub spec: Map<String, Value>,
    /// Tags.
    pub tags: Map<String, Value>,
}

/// An EKS add-on.
#[derive(Debug)]
pub struct Addon {
    /// `kube-proxy`, `coredns`, `vpc-cni`.
    pub name: String,
    /// `arn:aws:eks:<region>:123456789012:addon/<cluster>/<name>/<uuid>`.
    pub arn: String,
    /// `v1.31.13-eksbuild.2`.
    pub version: String,
    /// Creation time.
    pub created_at: Value,
    /// Last change.
    pub modified_at: Value,
    /// Lifecycle.
    pub phase: Phase,
    /// Echoed configuration (`serviceAccountRoleArn`, `configurationValues`).
    pub spec: Map<String, Value>,
    /// Tags.
    pub tags: Map<String, Value>,
}

/// Routes an EKS request; `None` when no operation has that method and path.
pub fn handle(world: &mut World, request: &Request) -> Option<Reply> {
    let path = request.path();
    let reply = match (request.method.as_str(), path.as_slice()) {
        ("POST", ["clusters"]) => clusters::create(world, request),
        ("GET", ["clusters"]) => clusters::list(world),
        ("GET", ["clusters", name]) => clusters::describe(world, name),
        ("DELETE", ["clusters", name]) => clusters::delete(world, name),
        ("POST", ["clusters", name, "updates"]) => clusters::update_version(world, request, name),
        ("POST", ["clusters", name, "update-config"]) => {
            clusters::update_config(world, request, name)
        }
        ("GET", ["clusters", name, "updates"]) => updates::list(world, request, name),
        ("GET", ["clusters", name, "updates", id]) => updates::describe(world, request, name, id),
        ("POST", ["clusters", name, "node-groups"]) => nodegroups::create(world, request, name),
        ("GET", ["clusters", name, "node-groups"]) => nodegroups::list(world, name),
        ("GET", ["clusters", name, "node-groups", ng]) => nodegroups::describe(world, name, ng),
        ("DELETE", ["clusters", name, "node-groups", ng]) => nodegroups::delete(world, name, ng),
        ("POST", ["clusters", name, "node-groups", ng, "update-version"]) => {
            nodegroups::update_version(world, request, name, ng)
        }
        ("POST", ["clusters", name, "node-groups", ng, "update-config"]) => {
            nodegroups::update_config(world, request, name, ng)
        }
        ("GET", ["addons", "supported-versions"]) => addons::versions(request),
        ("POST", ["clusters", name, "addons"]) => addons::create(world, request, name),
        ("GET", ["clusters", name, "addons"]) => addons::list(world, name),
        ("GET", ["clusters", name, "addons", addon]) => addons::describe(world, name, addon),
        ("DELETE", ["clusters", name, "addons", addon]) => addons::delete(world, name, addon),
        ("POST", ["clusters", name, "addons", addon, "update"]) => {
            addons::update(world, request, name, addon)
        }
        ("POST", ["tags", arn]) => tags::tag(world, request, arn),
        ("DELETE", ["tags", arn]) => tags::untag(world, request, arn),
        ("GET", ["tags", arn]) => tags::list(world, arn),
        _ => return None,
    };
    Some(reply)
}

/// The cluster `name`, or EKS's not-found error.
fn cluster<'a>(world: &'a mut World, name: &str) -> Result<&'a mut Cluster, super::ApiError> {
    world.eks.clusters.get_mut(name).ok_or_else(|| {
        super::ApiError::resource_not_found(format!("No cluster found for name: {name}."))
    })
}

impl Cluster {
    /// `CREATING`, `ACTIVE`, `UPDATING` (an update of the cluster itself in progress) or
    /// `DELETING`.
    pub fn status(&self) -> &'static str {
        match self.phase {
            Phase::Creating(_) => "CREATING",
            Phase::Deleting(_) => "DELETING",
            Phase::Active if self.updating(&Scope::Cluster) => "UPDATING",
            Phase::Active => "ACTIVE",
        }
    }

    /// True when an update of `scope` is in progress.
    pub fn updating(&self, scope: &Scope) -> bool {
        self.updates
            .iter()
            .any(|u| &u.scope == scope && u.in_progress())
    }

    /// Records one observation of the resources in `scope` (the cluster, a node group or an
    /// add-on) and of their in-progress updates; `Gone` when the resource's deletion completed
    /// (the caller has already removed it, except for the cluster itself).
    pub fn observe(&mut self, scope: &Scope) -> Seen {
        let seen = match scope {
            Scope::Cluster => self.phase.observe(),
            Scope::Nodegroup(name) => match self.nodegroups.get_mut(name) {
                Some(ng) => ng.phase.observe(),
                None => Seen::Gone,
            },
            Scope::Addon(name) => match self.addons.get_mut(name) {
                Some(addon) => addon.phase.observe(),
                None => Seen::Gone,
            },
        };
        if seen == Seen::Gone {
            match scope {
                Scope::Cluster => {}
                Scope::Nodegroup(name) => {
                    self.nodegroups.remove(name);
                }
                Scope::Addon(name) => {
                    self.addons.remove(name);
                }
            }
            return Seen::Gone;
        }
        let ids: Vec<String> = self
            .updates
            .iter()
            .filter(|u| &u.scope == scope && u.in_progress())
            .map(|u| u.id.clone())
            .collect();
        for id in ids {
            self.observe_update(&id);
        }
        Seen::Present
    }

    /// Records one observation of the update `id`, applying it when it completes.
    pub fn observe_update(&mut self, id: &str) {
        let Some(index) = self.updates.iter().position(|u| u.id == id) else {
            return;
        };
        if self.updates[index].tick() {
            let effect = self.updates[index].effect.clone();
            let scope = self.updates[index].scope.clone();
            updates::apply(self, &scope, effect);
        }
    }
}

/// Merges `patch` into `target`, object fields recursively (as EKS applies a config update).
fn merge(target: &mut Map<String, Value>, patch: &Map<String, Value>) {
    for (key, value) in patch {
        match (target.get_mut(key), value) {
            (Some(Value::Object(old)), Value::Object(new)) => merge(old, new),
            _ => {
                target.insert(key.clone(), value.clone());
            }
        }
    }
}

/// The `tags` object of a request body (empty when absent).
fn tags_of(body: &Map<String, Value>) -> Map<String, Value> {
    body.get("tags")
        .and_then(Value::as_object)
        .cloned()
        .unwrap_or_default()
}
