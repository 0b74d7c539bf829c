//! EKS managed node groups: create, describe, list, delete, and version and config updates
//! under the version-skew policy.

use engine::catalog::{self, KubeVersion};
use serde_json::{json, Map, Value};

use super::updates::{observe_member, Effect, Scope, Update};
use super::{cluster, tags_of, Cluster, Nodegroup};
use crate::fake::errors::ApiError;
use crate::fake::progress::{Countdown, Phase};
use crate::fake::request::Request;
use crate::fake::wire::{self, str_field, Json, Reply, ACCOUNT};
use crate::fake::World;

/// Request fields echoed in the node group as given.
const ECHOED: &[&str] = &[
    "scalingConfig",
    "instanceTypes",
    "subnets",
    "remoteAccess",
    "amiType",
    "nodeRole",
    "labels",
    "taints",
    "diskSize",
    "capacityType",
    "updateConfig",
    "nodeRepairConfig",
    "launchTemplate",
    "warmPoolConfig",
];

/// CreateNodegroup: `POST /clusters/{name}/node-groups`; only at the cluster's version.
pub fn create(world: &mut World, request: &Request, name: &str) -> Reply {
    let body = request.json()?;
    let polls = world.polls;
    let cluster = cluster(world, name)?;
    let ng_name = str_field(&body, "nodegroupName")
        .filter(|n| !n.is_empty())
        .ok_or_else(|| ApiError::invalid_parameter("nodegroupName is required."))?
        .to_string();
    if cluster.status() != "ACTIVE" {
        return Err(ApiError::invalid_request(format!(
            "Cluster '{name}' is not in ACTIVE status"
        )));
    }
    if cluster.nodegroups.contains_key(&ng_name) {
        return Err(ApiError::resource_in_use(format!(
            "NodeGroup already exists with name {ng_name} and cluster name {name}"
        )));
    }
    if str_field(&body, "nodeRole").is_none() {
        return Err(ApiError::invalid_parameter("nodeRole is required."));
    }
    if body
        .get("subnets")
        .and_then(Value::as_array)
        .is_none_or(Vec::is_empty)
    {
        return Err(ApiError::invalid_parameter("subnets are required."));
    }
    check_scaling(body.get("scalingConfig"))?;
    let version = match str_field(&body, "version") {
        Some(v) => v.to_string(),
        None => cluster.version.clone(),
    };
    if catalog::eks()
        .skew
        .node_group_created_at_control_plane_version
        && KubeVersion::parse(&version) != KubeVersion::parse(&cluster.version)
    {
        return Err(ApiError::invalid_parameter(format!(
            "Requested Nodegroup version {version} must match the cluster version {}",
            cluster.version
        )));
    }
    let mut spec = Map::new();
    for key in ECHOED {
        if let Some(value) = body.get(*key) {
            spec.insert(key.to_string(), value.clone());
        }
    }
    spec.entry("scalingConfig")
        .or_insert_with(|| json!({ "minSize": 1, "maxSize": 2, "desiredSize": 2 }));
    spec.entry("instanceTypes")
        .or_insert_with(|| json!(["t3.medium"]));
    spec.entry("amiType")
        .or_insert_with(|| json!("AL2023_x86_64_STANDARD"));
    spec.entry("capacityType")
        .or_insert_with(|| json!("ON_DEMAND"));
    spec.entry("diskSize").or_insert_with(|| json!(20));
    spec.entry("labels").or_insert_with(|| json!({}));
    spec.entry("updateConfig")
        .or_insert_with(|| json!({ "maxUnavailable": 1 }));
    let now = wire::epoch_now();
    let release = str_field(&body, "releaseVersion")
        .map(str::to_string)
        .unwrap_or_else(|| release_for(&version));
    let nodegroup = Nodegroup {
        arn: format!(
            "arn:aws:eks:{}:{ACCOUNT}:nodegroup/{name}/{ng_name}/{}",
            cluster.region,
            wire::uuid()
        ),
        name: ng_name.clone(),
        version,
        release_version: release,
        created_at: now.clone(),
        modified_at: now,
        phase: Phase::Creating(Countdown::new(polls)),
        spec,
        tags: tags_of(&body),
    };
    let answer = to_json(cluster, &nodegroup);
    cluster.nodegroups.insert(ng_name, nodegroup);
    Ok(Json(json!({ "nodegroup": answer })))
}

/// DescribeNodegroup: `GET /clusters/{name}/node-groups/{ng}`.
pub fn describe(world: &mut World, name: &str, ng: &str) -> Reply {
    let cluster = cluster(world, name)?;
    let scope = Scope::Nodegroup(ng.to_string());
    if !cluster.nodegroups.contains_key(ng) {
        return Err(not_found(ng));
    }
    observe_member(cluster, &scope, not_found(ng))?;
    let nodegroup = cluster.nodegroups.get(ng).ok_or_else(|| not_found(ng))?;
    Ok(Json(json!({ "nodegroup": to_json(cluster, nodegroup) })))
}

/// ListNodegroups: `GET /clusters/{name}/node-groups` (one page).
pub fn list(world: &mut World, name: &str) -> Reply {
    let cluster = cluster(world, name)?;
    let names: Vec<&str> = cluster.nodegroups.keys().map(String::as_str).collect();
    Ok(Json(json!({ "nodegroups": names })))
}

/// DeleteNodegroup: `DELETE /clusters/{name}/node-groups/{ng}`.
pub fn delete(world: &mut World, name: &str, ng: &str) -> Reply {
    let polls = world.polls;
    let cluster = cluster(world, name)?;
    let busy = cluster.updating(&Scope::Nodegroup(ng.to_string()));
    let nodegroup = cluster
        .nodegroups
        .get_mut(ng)
        .ok_or_else(|| not_found(ng))?;
    if busy || matches!(nodegroup.phase, Phase::Creating(_)) {
        return Err(ApiError::resource_in_use(format!(
            "Nodegroup {ng} is currently being created or updated"
        )));
    }
    if !matches!(nodegroup.phase, Phase::Deleting(_)) {
        nodegroup.phase = Phase::Deleting(Countdown::new(polls));
    }
    let nodegroup = &cluster.nodegroups[ng];
    Ok(Json(json!({ "nodegroup": to_json(cluster, nodegroup) })))
}

/// UpdateNodegroupVersion: `POST /clusters/{name}/node-groups/{ng}/update-version`. Never
/// newer than the control plane, never down, within the kubelet skew policy.
pub fn update_version(world: &mut World, request: &Request, name: &str, ng: &str) -> Reply {
    let body = request.json()?;
    let polls = world.polls;
    let cluster = cluster(world, name)?;
    let scope = Scope::Nodegroup(ng.to_string());
    check_updatable(cluster, ng, &scope)?;
    let nodegroup = &cluster.nodegroups[ng];
    let target = str_field(&body, "version")
        .map(str::to_string)
        .unwrap_or_else(|| nodegroup.version.clone());
    let (Some(target_k), Some(current_k), Some(control_plane)) = (
        KubeVersion::parse(&target),
        KubeVersion::parse(&nodegroup.version),
        KubeVersion::parse(&cluster.version),
    ) else {
        return Err(ApiError::invalid_parameter(format!(
            "Invalid Kubernetes version {target}"
        )));
    };
    if target_k > control_plane {
        return Err(ApiError::invalid_parameter(format!(
            "Requested Nodegroup version {target} is newer than the cluster version {}",
            cluster.version
        )));
    }
    if target_k < current_k {
        return Err(ApiError::invalid_parameter(format!(
            "Requested Nodegroup version {target} is older than the current version {}",
            nodegroup.version
        )));
    }
    if !catalog::eks().skew.kubelet_allowed(control_plane, target_k) {
        return Err(ApiError::invalid_parameter(format!(
            "Requested Nodegroup version {target} is too far behind the cluster version {} \
             (Kubernetes version skew policy)",
            cluster.version
        )));
    }
    let release = str_field(&body, "releaseVersion")
        .map(str::to_string)
        .unwrap_or_else(|| release_for(&target));
    let update = Update::new(
        scope,
        "VersionUpdate",
        vec![
            ("Version", target.clone()),
            ("ReleaseVersion", release.clone()),
        ],
        Effect::NodegroupVersion {
            version: target,
            release,
        },
        polls,
    );
    let answer = update.to_json();
    cluster.updates.push(update);
    Ok(Json(json!({ "update": answer })))
}

/// UpdateNodegroupConfig: `POST /clusters/{name}/node-groups/{ng}/update-config`.
pub fn update_config(world: &mut World, request: &Request, name: &str, ng: &str) -> Reply {
    let body = request.json()?;
    let polls = world.polls;
    let cluster = cluster(world, name)?;
    let scope = Scope::Nodegroup(ng.to_string());
    check_updatable(cluster, ng, &scope)?;
    let nodegroup = &cluster.nodegroups[ng];
    let mut patch = Map::new();
    let mut params = Vec::new();
    if let Some(scaling) = body.get("scalingConfig").and_then(Value::as_object) {
        let mut merged = nodegroup.spec["scalingConfig"]
            .as_object()
            .cloned()
            .unwrap_or_default();
        for (key, value) in scaling {
            merged.insert(key.clone(), value.clone());
            let param = match key.as_str() {
                "minSize" => "MinSize",
                "maxSize" => "MaxSize",
                _ => "DesiredSize",
            };
            params.push((param, value.to_string()));
        }
        let merged = Value::Object(merged);
        check_scaling(Some(&merged))?;
        patch.insert("scalingConfig".into(), merged);
    }
    if let Some(labels) = body.get("labels").and_then(Value::as_object) {
        let mut current = nodegroup.spec["labels"]
            .as_object()
            .cloned()
            .unwrap_or_default();
        if let Some(add) = labels.get("addOrUpdateLabels").and_then(Value::as_object) {
            for (k, v) in add {
                current.insert(k.clone(), v.clone());
            }
            params.push(("LabelsToAdd", Value::Object(add.clone()).to_string()));
        }
        if let Some(remove) = labels.get("removeLabels").and_then(Value::as_array) {
            for key in remove.iter().filter_map(Value::as_str) {
                current.remove(key);
            }
            params.push(("LabelsToRemove", Value::Array(remove.clone()).to_string()));
        }
        patch.insert("labels".into(), Value::Object(current));
    }
    for (key, param) in [
        ("updateConfig", "MaxUnavailable"),
        ("nodeRepairConfig", "NodeRepairEnabled"),
        ("taints", "TaintsToAdd"),
        ("warmPoolConfig", "WarmPoolEnabled"),
    ] {
        if let Some(value) = body.get(key) {
            patch.insert(key.into(), value.clone());
            params.push((param, value.to_string()));
        }
    }
    if patch.is_empty() {
        return Err(ApiError::invalid_parameter(
            "The update must change at least one setting.",
        ));
    }
    let update = Update::new(
        scope,
        "ConfigUpdate",
        params,
        Effect::NodegroupConfig(patch),
        polls,
    );
    let answer = update.to_json();
    cluster.updates.push(update);
    Ok(Json(json!({ "update": answer })))
}

/// The `Nodegroup` shape.
pub fn to_json(cluster: &Cluster, nodegroup: &Nodegroup) -> Value {
    let status = match nodegroup.phase {
        Phase::Creating(_) => "CREATING",
        Phase::Deleting(_) => "DELETING",
        Phase::Active if cluster.updating(&Scope::Nodegroup(nodegroup.name.clone())) => "UPDATING",
        Phase::Active => "ACTIVE",
    };
    let mut out = nodegroup.spec.clone();
    out.insert("nodegroupName".into(), json!(nodegroup.name));
    out.insert("nodegroupArn".into(), json!(nodegroup.arn));
    out.insert("clusterName".into(), json!(cluster.name));
    out.insert("version".into(), json!(nodegroup.version));
    out.insert("releaseVersion".into(), json!(nodegroup.release_version));
    out.insert("createdAt".into(), nodegroup.created_at.clone());
    out.insert("modifiedAt".into(), nodegroup.modified_at.clone());
    out.insert("status".into(), json!(status));
    out.insert("health".into(), json!({ "issues": [] }));
    out.insert(
        "resources".into(),
        json!({ "autoScalingGroups": [{ "name": format!("eks-{}-{}", nodegroup.name, &nodegroup.arn[nodegroup.arn.len() - 8..]) }] }),
    );
    out.insert("tags".into(), Value::Object(nodegroup.tags.clone()));
    Value::Object(out)
}

fn not_found(ng: &str) -> ApiError {
    ApiError::resource_not_found(format!("No node group found for name: {ng}."))
}

/// The node group exists, is `ACTIVE` with no update in progress, and the cluster is
/// `ACTIVE`.
fn check_updatable(cluster: &Cluster, ng: &str, scope: &Scope) -> Result<(), ApiError> {
    let nodegroup = cluster.nodegroups.get(ng).ok_or_else(|| not_found(ng))?;
    if nodegroup.phase != Phase::Active || cluster.updating(scope) {
        return Err(ApiError::resource_in_use(format!(
            "Nodegroup {ng} is not in ACTIVE state or has an update in progress"
        )));
    }
    if cluster.status() != "ACTIVE" {
        return Err(ApiError::resource_in_use(format!(
            "Cluster {} is {}; node groups update only while it is ACTIVE",
            cluster.name,
            cluster.status()
        )));
    }
    Ok(())
}

/// `minSize <= desiredSize <= maxSize`, `maxSize >= 1`.
fn check_scaling(scaling: Option<&Value>) -> Result<(), ApiError> {
    let Some(scaling) = scaling else {
        return Ok(());
    };
    let get = |k: &str| scaling.get(k).and_then(Value::as_i64);
    let (min, max, desired) = (get("minSize"), get("maxSize"), get("desiredSize"));
    if max.is_some_and(|m| m < 1) {
        return Err(ApiError::invalid_parameter("maxSize must be at least 1"));
    }
    if let (Some(min), Some(max)) = (min, max) {
        if min > max {
            return Err(ApiError::invalid_parameter(
                "Minimum capacity cannot be greater than maximum capacity",
            ));
        }
    }
    if let (Some(desired), Some(max)) = (desired, max) {
        if desired > max {
            return Err(ApiError::invalid_parameter(
                "Desired capacity cannot be greater than maximum capacity",
            ));
        }
    }
    if let (Some(desired), Some(min)) = (desired, min) {
        if desired < min {
            return Err(ApiError::invalid_parameter(
                "Desired capacity cannot be less than minimum capacity",
            ));
        }
    }
    Ok(())
}

/// An AMI release name for `version`, `1.31.0-20250101`.
fn release_for(version: &str) -> String {
    format!("{version}.0-20250101")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scaling_must_be_ordered() {
        let ok = json!({ "minSize": 1, "maxSize": 3, "desiredSize": 2 });
        assert!(check_scaling(Some(&ok)).is_ok());
        for bad in [
            json!({ "minSize": 3, "maxSize": 2, "desiredSize": 2 }),
            json!({ "minSize": 1, "maxSize": 2, "desiredSize": 3 }),
            json!({ "minSize": 2, "maxSize": 3, "desiredSize": 1 }),
            json!({ "minSize": 0, "maxSize": 0, "desiredSize": 0 }),
        ] {
            assert_eq!(
                check_scaling(Some(&bad)).unwrap_err().code,
                "InvalidParameterException",
                "{bad}"
            );
        }
    }
}
