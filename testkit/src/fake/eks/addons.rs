//! EKS add-ons: versions offered per Kubernetes version (from the engine's catalog), create,
//! describe, list, update and delete.

use std::cmp::Ordering;
use std::collections::BTreeMap;

use engine::catalog::{self, addon_line, compare_versions, AddonCompat, KubeVersion};
use serde_json::{json, Map, Value};

use super::updates::{observe_member, Effect, Scope, Update};
use super::{cluster, tags_of, Addon, Cluster};
use crate::fake::errors::ApiError;
use crate::fake::progress::{Countdown, Phase};
use crate::fake::request::Request;
use crate::fake::wire::{self, str_field, Json, Reply, ACCOUNT};
use crate::fake::World;

/// Request fields echoed in the add-on as given.
const ECHOED: &[&str] = &[
    "serviceAccountRoleArn",
    "configurationValues",
    "podIdentityAssociations",
    "namespaceConfig",
];

/// One add-on version the fake offers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Offer {
    /// `v1.31.13-eksbuild.2`.
    pub version: String,
    /// Kubernetes versions it runs on, each with whether it is the default there.
    pub clusters: Vec<(String, bool)>,
}

/// The versions of `addon` the fake offers, newest first: per Kubernetes version the
/// catalog's latest build, or `v<line>.0-eksbuild.1` for a line without a known build.
pub fn offers(addon: &AddonCompat) -> Vec<Offer> {
    // Default per Kubernetes version: the latest known build, else the newest line's stand-in.
    let mut defaults: BTreeMap<String, String> = BTreeMap::new();
    let mut versions: Vec<String> = Vec::new();
    for entry in &addon.compat {
        let mut builds: Vec<String> = entry
            .lines
            .iter()
            .map(|line| match &entry.latest {
                Some(latest) if addon_line(latest).as_deref() == Some(line.as_str()) => {
                    latest.clone()
                }
                _ => format!("v{line}.0-eksbuild.1"),
            })
            .collect();
        builds.sort_by(|a, b| compare_versions(b, a));
        let default = entry.latest.clone().or_else(|| builds.first().cloned());
        if let Some(default) = default {
            defaults.insert(entry.kubernetes.clone(), default);
        }
        versions.extend(builds);
    }
    versions.sort_by(|a, b| compare_versions(b, a));
    versions.dedup();
    versions
        .into_iter()
        .map(|version| {
            let clusters = addon
                .kubernetes_versions()
                .filter(|k| addon.is_compatible(&version, k))
                .map(|k| (k.to_string(), defaults.get(k) == Some(&version)))
                .collect();
            Offer { version, clusters }
        })
        .collect()
}

/// The default version of `addon` on Kubernetes `kubernetes`.
fn default_version(addon: &AddonCompat, kubernetes: &str) -> Option<String> {
    let k = KubeVersion::parse(kubernetes)?;
    offers(addon).into_iter().find_map(|o| {
        o.clusters
            .iter()
            .any(|(c, default)| *default && KubeVersion::parse(c) == Some(k))
            .then_some(o.version)
    })
}

/// True when `version` is an offered version of `addon` compatible with `kubernetes`.
fn offered_for(addon: &AddonCompat, version: &str, kubernetes: &str) -> bool {
    let k = KubeVersion::parse(kubernetes);
    offers(addon)
        .iter()
        .any(|o| o.version == version && o.clusters.iter().any(|(c, _)| KubeVersion::parse(c) == k))
}

fn offered_list(addon: &AddonCompat, kubernetes: &str) -> String {
    let k = KubeVersion::parse(kubernetes);
    offers(addon)
        .into_iter()
        .filter(|o| o.clusters.iter().any(|(c, _)| KubeVersion::parse(c) == k))
        .map(|o| o.version)
        .collect::<Vec<_>>()
        .join(", ")
}

/// DescribeAddonVersions: `GET /addons/supported-versions` (`?kubernetesVersion=`,
/// `?addonName=`; one page).
pub fn versions(request: &Request) -> Reply {
    let kubernetes = request.query("kubernetesVersion");
    let wanted = request.query("addonName");
    let k = kubernetes.as_deref().and_then(KubeVersion::parse);
    let mut addons = Vec::new();
    for addon in &catalog::eks().addons.list {
        if wanted.as_ref().is_some_and(|w| w != &addon.name) {
            continue;
        }
        let versions: Vec<Value> = offers(addon)
            .into_iter()
            .filter_map(|offer| {
                let compat: Vec<Value> = offer
                    .clusters
                    .iter()
                    .filter(|(c, _)| k.is_none() || KubeVersion::parse(c) == k)
                    .map(|(c, default)| {
                        json!({
                            "clusterVersion": c,
                            "platformVersions": ["*"],
                            "defaultVersion": default,
                        })
                    })
                    .collect();
                (!compat.is_empty()).then(|| {
                    json!({
                        "addonVersion": offer.version,
                        "architecture": ["amd64", "arm64"],
                        "computeTypes": ["ec2"],
                        "compatibilities": compat,
                        "requiresConfiguration": false,
                        "requiresIamPermissions": addon.name == "vpc-cni",
                    })
                })
            })
            .collect();
        if versions.is_empty() {
            continue;
        }
        addons.push(json!({
            "addonName": addon.name,
            "type": "networking",
            "addonVersions": versions,
            "publisher": "eks",
            "owner": "aws",
        }));
    }
    Ok(Json(json!({ "addons": addons })))
}

/// CreateAddon: `POST /clusters/{name}/addons`.
pub fn create(world: &mut World, request: &Request, name: &str) -> Reply {
    let body = request.json()?;
    let polls = world.polls;
    let cluster = cluster(world, name)?;
    let addon_name = str_field(&body, "addonName")
        .ok_or_else(|| ApiError::invalid_parameter("addonName is required."))?
        .to_string();
    let compat = catalog::eks().addon(&addon_name).ok_or_else(|| {
        ApiError::invalid_parameter(format!("Addon {addon_name} specified is not supported"))
    })?;
    if cluster.status() != "ACTIVE" {
        return Err(ApiError::invalid_request(format!(
            "Cluster '{name}' is not in ACTIVE status"
        )));
    }
    if cluster.addons.contains_key(&addon_name) {
        return Err(ApiError::resource_in_use(format!(
            "Addon already exists with name {addon_name} and cluster name {name}"
        )));
    }
    let version = match str_field(&body, "addonVersion") {
        Some(v) if offered_for(compat, v, &cluster.version) => v.to_string(),
        Some(v) => return Err(not_offered(compat, v, &cluster.version)),
        None => default_version(compat, &cluster.version).ok_or_else(|| {
            ApiError::invalid_parameter(format!(
                "Addon {addon_name} has no version for Kubernetes {}",
                cluster.version
            ))
        })?,
    };
    let mut spec = Map::new();
    for key in ECHOED {
        if let Some(value) = body.get(*key) {
            spec.insert(key.to_string(), value.clone());
        }
    }
    let now = wire::epoch_now();
    let addon = Addon {
        arn: format!(
            "arn:aws:eks:{}:{ACCOUNT}:addon/{name}/{addon_name}/{}",
            cluster.region,
            wire::uuid()
        ),
        name: addon_name.clone(),
        version,
        created_at: now.clone(),
        modified_at: now,
        phase: Phase::Creating(Countdown::new(polls)),
        spec,
        tags: tags_of(&body),
    };
    let answer = to_json(cluster, &addon);
    cluster.addons.insert(addon_name, addon);
    Ok(Json(json!({ "addon": answer })))
}

/// DescribeAddon: `GET /clusters/{name}/addons/{addon}`.
pub fn describe(world: &mut World, name: &str, addon: &str) -> Reply {
    let cluster = cluster(world, name)?;
    if !cluster.addons.contains_key(addon) {
        return Err(not_found(addon));
    }
    observe_member(cluster, &Scope::Addon(addon.to_string()), not_found(addon))?;
    let found = cluster.addons.get(addon).ok_or_else(|| not_found(addon))?;
    Ok(Json(json!({ "addon": to_json(cluster, found) })))
}

/// ListAddons: `GET /clusters/{name}/addons` (one page).
pub fn list(world: &mut World, name: &str) -> Reply {
    let cluster = cluster(world, name)?;
    let names: Vec<&str> = cluster.addons.keys().map(String::as_str).collect();
    Ok(Json(json!({ "addons": names })))
}

/// DeleteAddon: `DELETE /clusters/{name}/addons/{addon}`.
pub fn delete(world: &mut World, name: &str, addon: &str) -> Reply {
    let polls = world.polls;
    let cluster = cluster(world, name)?;
    let found = cluster
        .addons
        .get_mut(addon)
        .ok_or_else(|| not_found(addon))?;
    if !matches!(found.phase, Phase::Deleting(_)) {
        found.phase = Phase::Deleting(Countdown::new(polls));
    }
    let found = &cluster.addons[addon];
    Ok(Json(json!({ "addon": to_json(cluster, found) })))
}

/// UpdateAddon: `POST /clusters/{name}/addons/{addon}/update`. Only to a version offered for
/// the cluster's Kubernetes version, never down, one minor line at a time.
pub fn update(world: &mut World, request: &Request, name: &str, addon: &str) -> Reply {
    let body = request.json()?;
    let polls = world.polls;
    let cluster = cluster(world, name)?;
    let scope = Scope::Addon(addon.to_string());
    let found = cluster.addons.get(addon).ok_or_else(|| not_found(addon))?;
    if found.phase != Phase::Active || cluster.updating(&scope) {
        return Err(ApiError::resource_in_use(format!(
            "Addon {addon} is not in ACTIVE state or has an update in progress"
        )));
    }
    let compat = catalog::eks()
        .addon(addon)
        .ok_or_else(|| ApiError::invalid_parameter(format!("Addon {addon} is not supported")))?;
    let target = match str_field(&body, "addonVersion") {
        Some(v) => v.to_string(),
        None => found.version.clone(),
    };
    if target != found.version {
        if !offered_for(compat, &target, &cluster.version) {
            return Err(not_offered(compat, &target, &cluster.version));
        }
        if compare_versions(&target, &found.version) == Ordering::Less {
            return Err(ApiError::invalid_parameter(format!(
                "Updating addon {addon} from {} to the older {target} is not supported",
                found.version
            )));
        }
        let lines = (
            KubeVersion::parse(&found.version),
            KubeVersion::parse(&target),
        );
        if let (Some(from), Some(to)) = lines {
            if compat.one_minor_at_a_time && from.minors_behind(to) > 1 {
                return Err(ApiError::invalid_parameter(format!(
                    "Addon {addon} can be updated one minor version at a time: {} to {target} \
                     skips versions",
                    found.version
                )));
            }
        }
    }
    let mut spec = Map::new();
    let mut params = vec![("AddonVersion", target.clone())];
    for (key, param) in [
        ("serviceAccountRoleArn", "ServiceAccountRoleArn"),
        ("configurationValues", "ConfigurationValues"),
        ("podIdentityAssociations", "PodIdentityAssociations"),
    ] {
        if let Some(value) = body.get(key) {
            spec.insert(key.to_string(), value.clone());
            let text = value
                .as_str()
                .map_or_else(|| value.to_string(), str::to_string);
            params.push((param, text));
        }
    }
    if let Some(resolve) = str_field(&body, "resolveConflicts") {
        params.push(("ResolveConflicts", resolve.to_string()));
    }
    let update = Update::new(
        scope,
        "AddonUpdate",
        params,
        Effect::AddonVersion {
            version: target,
            spec,
        },
        polls,
    );
    let answer = update.to_json();
    cluster.updates.push(update);
    Ok(Json(json!({ "update": answer })))
}

/// The `Addon` shape.
pub fn to_json(cluster: &Cluster, addon: &Addon) -> Value {
    let status = match addon.phase {
        Phase::Creating(_) => "CREATING",
        Phase::Deleting(_) => "DELETING",
        Phase::Active if cluster.updating(&Scope::Addon(addon.name.clone())) => "UPDATING",
        Phase::Active => "ACTIVE",
    };
    let mut out = addon.spec.clone();
    out.insert("addonName".into(), json!(addon.name));
    out.insert("clusterName".into(), json!(cluster.name));
    out.insert("status".into(), json!(status));
    out.insert("addonVersion".into(), json!(addon.version));
    out.insert("health".into(), json!({ "issues": [] }));
    out.insert("addonArn".into(), json!(addon.arn));
    out.insert("createdAt".into(), addon.created_at.clone());
    out.insert("modifiedAt".into(), addon.modified_at.clone());
    out.insert("tags".into(), Value::Object(addon.tags.clone()));
    Value::Object(out)
}

fn not_found(addon: &str) -> ApiError {
    ApiError::resource_not_found(format!("No addon: {addon} found in cluster"))
}

fn not_offered(addon: &AddonCompat, version: &str, kubernetes: &str) -> ApiError {
    ApiError::invalid_parameter(format!(
        "Addon version {version} of {} is not supported on Kubernetes {kubernetes}; \
         supported: {}",
        addon.name,
        offered_list(addon, kubernetes)
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn compat(name: &str) -> &'static AddonCompat {
        catalog::eks().addon(name).unwrap()
    }

    #[test]
    fn the_catalogs_latest_build_is_the_default() {
        assert_eq!(
            default_version(compat("kube-proxy"), "1.31").as_deref(),
            Some("v1.31.13-eksbuild.2")
        );
        assert_eq!(
            default_version(compat("coredns"), "1.33").as_deref(),
            Some("v1.12.4-eksbuild.1")
        );
    }

    #[test]
    fn a_line_without_a_known_build_gets_a_stand_in() {
        assert!(offered_for(
            compat("kube-proxy"),
            "v1.29.0-eksbuild.1",
            "1.29"
        ));
    }

    #[test]
    fn versions_are_offered_only_for_compatible_kubernetes() {
        let kube_proxy = compat("kube-proxy");
        assert!(offered_for(kube_proxy, "v1.31.13-eksbuild.2", "1.31"));
        assert!(!offered_for(kube_proxy, "v1.31.13-eksbuild.2", "1.32"));
        assert!(!offered_for(kube_proxy, "v1.31.99-eksbuild.1", "1.31"));
        // CoreDNS 1.11 builds run on 1.29 to 1.32.
        assert!(offered_for(
            compat("coredns"),
            "v1.11.4-eksbuild.24",
            "1.29"
        ));
    }
}
