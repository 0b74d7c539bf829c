//! EKS clusters: CreateCluster, DescribeCluster, ListClusters, DeleteCluster,
//! UpdateClusterVersion and UpdateClusterConfig, with EKS's version rules.

use engine::catalog::{self, KubeVersion, Support};
use serde_json::{json, Map, Value};

use super::updates::{Effect, Scope, Update};
use super::{cluster, tags_of, Cluster};
use crate::fake::errors::ApiError;
use crate::fake::progress::{Countdown, Phase, Seen};
use crate::fake::request::Request;
use crate::fake::wire::{self, str_field, Json, Reply, ACCOUNT};
use crate::fake::World;

/// Request fields EKS echoes back in the cluster as given.
const ECHOED: &[&str] = &[
    "roleArn",
    "logging",
    "encryptionConfig",
    "outpostConfig",
    "accessConfig",
    "upgradePolicy",
    "zonalShiftConfig",
    "remoteNetworkConfig",
    "computeConfig",
    "storageConfig",
    "deletionProtection",
    "controlPlaneScalingConfig",
    "kubeApiServerConfig",
    "kubeSchedulerConfig",
    "kubeControllerManagerConfig",
];

/// CreateCluster: `POST /clusters`.
pub fn create(world: &mut World, request: &Request) -> Reply {
    let body = request.json()?;
    let name = str_field(&body, "name")
        .filter(|n| valid_name(n))
        .ok_or_else(|| {
            ApiError::invalid_parameter(
                "The cluster name must be 1-100 characters: letters, digits, hyphens and \
                 underscores, starting with a letter or digit.",
            )
        })?
        .to_string();
    if world.eks.clusters.contains_key(&name) {
        return Err(ApiError::resource_in_use(format!(
            "Cluster already exists with name: {name}"
        )));
    }
    if str_field(&body, "roleArn").is_none() {
        return Err(ApiError::invalid_parameter("roleArn is required."));
    }
    let vpc = body
        .get("resourcesVpcConfig")
        .and_then(Value::as_object)
        .cloned()
        .unwrap_or_default();
    let subnets = vpc
        .get("subnetIds")
        .and_then(Value::as_array)
        .map_or(0, Vec::len);
    if subnets < 2 {
        return Err(ApiError::invalid_parameter(
            "Subnets specified must be in at least two different AZs",
        ));
    }
    let version = match str_field(&body, "version") {
        Some(v) => creatable_version(v, world)?,
        None => default_version(world)?,
    };
    let mut spec = Map::new();
    for key in ECHOED {
        if let Some(value) = body.get(*key) {
            spec.insert(key.to_string(), value.clone());
        }
    }
    spec.insert("resourcesVpcConfig".into(), vpc_response(&vpc));
    spec.insert(
        "kubernetesNetworkConfig".into(),
        network_response(body.get("kubernetesNetworkConfig")),
    );
    spec.entry("upgradePolicy")
        .or_insert_with(|| json!({ "supportType": "EXTENDED" }));
    spec.entry("accessConfig")
        .or_insert_with(|| json!({ "authenticationMode": "CONFIG_MAP" }));
    spec.entry("logging").or_insert_with(|| {
        json!({ "clusterLogging": [{
            "types": ["api", "audit", "authenticator", "controllerManager", "scheduler"],
            "enabled": false,
        }] })
    });
    let region = request.region.clone();
    let cluster = Cluster {
        arn: format!("arn:aws:eks:{region}:{ACCOUNT}:cluster/{name}"),
        name: name.clone(),
        region,
        version,
        created_at: wire::epoch_now(),
        phase: Phase::Creating(Countdown::new(world.polls)),
        spec,
        tags: tags_of(&body),
        nodegroups: Default::default(),
        addons: Default::default(),
        updates: Vec::new(),
    };
    let answer = to_json(&cluster);
    world.eks.clusters.insert(name, cluster);
    Ok(Json(json!({ "cluster": answer })))
}

/// DescribeCluster: `GET /clusters/{name}`.
pub fn describe(world: &mut World, name: &str) -> Reply {
    let found = cluster(world, name)?;
    if found.observe(&Scope::Cluster) == Seen::Gone {
        world.eks.clusters.remove(name);
        return Err(ApiError::resource_not_found(format!(
            "No cluster found for name: {name}."
        )));
    }
    Ok(Json(json!({ "cluster": to_json(found) })))
}

/// ListClusters: `GET /clusters` (one page).
pub fn list(world: &mut World) -> Reply {
    let names: Vec<&str> = world.eks.clusters.keys().map(String::as_str).collect();
    Ok(Json(json!({ "clusters": names })))
}

/// DeleteCluster: `DELETE /clusters/{name}`; refused while node groups exist.
pub fn delete(world: &mut World, name: &str) -> Reply {
    let polls = world.polls;
    let cluster = cluster(world, name)?;
    if !cluster.nodegroups.is_empty() {
        let names: Vec<&str> = cluster.nodegroups.keys().map(String::as_str).collect();
        return Err(ApiError::resource_in_use(format!(
            "Cluster has nodegroups attached: {}",
            names.join(", ")
        )));
    }
    if cluster.spec.get("deletionProtection") == Some(&Value::Bool(true)) {
        return Err(ApiError::invalid_request(
            "Cannot delete cluster with deletion protection enabled.",
        ));
    }
    if !matches!(cluster.phase, Phase::Deleting(_)) {
        cluster.phase = Phase::Deleting(Countdown::new(polls));
        // Add-ons go with the cluster.
        cluster.addons.clear();
    }
    Ok(Json(json!({ "cluster": to_json(cluster) })))
}

/// UpdateClusterVersion: `POST /clusters/{name}/updates`. One minor version up, from
/// `ACTIVE`, with no other update in progress and every node group at the cluster's version.
pub fn update_version(world: &mut World, request: &Request, name: &str) -> Reply {
    let body = request.json()?;
    let polls = world.polls;
    let cluster = cluster(world, name)?;
    let target = str_field(&body, "version")
        .ok_or_else(|| ApiError::invalid_parameter("version is required."))?
        .to_string();
    if cluster.status() != "ACTIVE" {
        return Err(ApiError::resource_in_use(format!(
            "Cluster {name} is in {} state; an update needs ACTIVE.",
            cluster.status()
        )));
    }
    if cluster.updates.iter().any(Update::in_progress) {
        return Err(ApiError::resource_in_use(format!(
            "An update is already in progress for cluster {name}."
        )));
    }
    let current = KubeVersion::parse(&cluster.version);
    let next = current.map(KubeVersion::next);
    if KubeVersion::parse(&target) != next || catalog::eks().version(&target).is_none() {
        return Err(ApiError::invalid_parameter(format!(
            "Unsupported Kubernetes minor version update from {} to {target}",
            cluster.version
        )));
    }
    let skew = &catalog::eks().skew;
    if skew.node_groups_must_match_to_update_control_plane {
        let behind: Vec<&str> = cluster
            .nodegroups
            .values()
            .filter(|ng| KubeVersion::parse(&ng.version) != current)
            .map(|ng| ng.name.as_str())
            .collect();
        if !behind.is_empty() {
            return Err(ApiError::invalid_request(format!(
                "Nodegroups {} must be updated to match cluster version {} before updating \
                 cluster version",
                behind.join(", "),
                cluster.version
            )));
        }
    }
    let update = Update::new(
        Scope::Cluster,
        "VersionUpdate",
        vec![
            ("Version", target.clone()),
            ("PlatformVersion", "eks.1".to_string()),
        ],
        Effect::ClusterVersion(target),
        polls,
    );
    let answer = update.to_json();
    cluster.updates.push(update);
    Ok(Json(json!({ "update": answer })))
}

/// UpdateClusterConfig: `POST /clusters/{name}/update-config`.
pub fn update_config(world: &mut World, request: &Request, name: &str) -> Reply {
    let body = request.json()?;
    let polls = world.polls;
    let cluster = cluster(world, name)?;
    if cluster.status() != "ACTIVE" {
        return Err(ApiError::resource_in_use(format!(
            "Cluster {name} is in {} state; an update needs ACTIVE.",
            cluster.status()
        )));
    }
    if cluster.updates.iter().any(Update::in_progress) {
        return Err(ApiError::resource_in_use(format!(
            "An update is already in progress for cluster {name}."
        )));
    }
    let mut patch = Map::new();
    for (key, value) in &body {
        if key != "clientRequestToken" {
            patch.insert(key.clone(), value.clone());
        }
    }
    if patch.is_empty() {
        return Err(ApiError::invalid_parameter(
            "The update must change at least one setting.",
        ));
    }
    let kind = config_update_type(&patch);
    let params = patch
        .iter()
        .map(|(k, v)| (param_type(k), v.to_string()))
        .collect();
    let update = Update::new(
        Scope::Cluster,
        kind,
        params,
        Effect::ClusterConfig(patch),
        polls,
    );
    let answer = update.to_json();
    cluster.updates.push(update);
    Ok(Json(json!({ "update": answer })))
}

/// The `Cluster` shape.
pub fn to_json(cluster: &Cluster) -> Value {
    let mut out = Map::new();
    out.insert("name".into(), json!(cluster.name));
    out.insert("arn".into(), json!(cluster.arn));
    out.insert("createdAt".into(), cluster.created_at.clone());
    out.insert("version".into(), json!(cluster.version));
    out.insert("status".into(), json!(cluster.status()));
    out.insert("platformVersion".into(), json!("eks.1"));
    out.insert("tags".into(), Value::Object(cluster.tags.clone()));
    out.insert("health".into(), json!({ "issues": [] }));
    for (key, value) in &cluster.spec {
        out.insert(key.clone(), value.clone());
    }
    if !matches!(cluster.phase, Phase::Creating(_)) {
        // EKS fills these in once the control plane exists.
        let id = &cluster.name;
        out.insert(
            "endpoint".into(),
            json!(format!(
                "https://{}.gr7.{}.eks.amazonaws.com",
                hex_id(id),
                cluster.region
            )),
        );
        out.insert(
            "certificateAuthority".into(),
            json!({ "data": "LS0tLS1CRUdJTiBDRVJUSUZJQ0FURS0tLS0tCmZha2UKLS0tLS1FTkQgQ0VSVElGSUNBVEUtLS0tLQo=" }),
        );
        out.insert(
            "identity".into(),
            json!({ "oidc": { "issuer": format!(
                "https://oidc.eks.{}.amazonaws.com/id/{}",
                cluster.region,
                hex_id(id)
            ) } }),
        );
    }
    Value::Object(out)
}

/// A stable 32-character upper-case hex id derived from the name, as EKS ids look.
fn hex_id(name: &str) -> String {
    uuid::Uuid::new_v5(&uuid::Uuid::NAMESPACE_URL, name.as_bytes())
        .simple()
        .to_string()
        .to_uppercase()
}

fn valid_name(name: &str) -> bool {
    let mut chars = name.chars();
    (1..=100).contains(&name.len())
        && chars.next().is_some_and(|c| c.is_ascii_alphanumeric())
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
}

/// `version` when a new cluster may use it on the fake's today.
fn creatable_version(version: &str, world: &World) -> Result<String, ApiError> {
    let found = catalog::eks()
        .versions
        .iter()
        .find(|v| v.version == version);
    match found.map(|v| v.support_on(world.today)) {
        Some(Support::Standard | Support::Extended) => Ok(version.to_string()),
        _ => Err(ApiError::invalid_parameter(format!(
            "unsupported Kubernetes version {version}"
        ))),
    }
}

/// EKS's default for a new cluster: the newest version in standard support.
fn default_version(world: &World) -> Result<String, ApiError> {
    catalog::eks()
        .versions
        .iter()
        .rfind(|v| v.support_on(world.today) == Support::Standard)
        .map(|v| v.version.clone())
        .ok_or_else(|| ApiError::invalid_parameter("no Kubernetes version is available"))
}

/// `VpcConfigResponse` from a `VpcConfigRequest`, with EKS's defaults.
fn vpc_response(request: &Map<String, Value>) -> Value {
    let mut out = request.clone();
    out.entry("securityGroupIds").or_insert_with(|| json!([]));
    out.entry("endpointPublicAccess").or_insert(json!(true));
    out.entry("endpointPrivateAccess").or_insert(json!(false));
    out.entry("publicAccessCidrs")
        .or_insert_with(|| json!(["0.0.0.0/0"]));
    out.insert(
        "clusterSecurityGroupId".into(),
        json!(format!("sg-{}", &wire::uuid().replace('-', "")[..17])),
    );
    out.entry("vpcId")
        .or_insert_with(|| json!(format!("vpc-{}", &wire::uuid().replace('-', "")[..17])));
    Value::Object(out)
}

fn network_response(request: Option<&Value>) -> Value {
    let mut out = request
        .and_then(Value::as_object)
        .cloned()
        .unwrap_or_default();
    out.entry("serviceIpv4Cidr")
        .or_insert_with(|| json!("10.100.0.0/16"));
    out.entry("ipFamily").or_insert_with(|| json!("ipv4"));
    Value::Object(out)
}

/// The `UpdateType` EKS reports for a config change.
fn config_update_type(patch: &Map<String, Value>) -> &'static str {
    let only = |key: &str| patch.len() == 1 && patch.contains_key(key);
    if only("logging") {
        "LoggingUpdate"
    } else if only("resourcesVpcConfig") {
        let vpc = patch["resourcesVpcConfig"].as_object();
        if vpc.is_some_and(|v| v.contains_key("subnetIds") || v.contains_key("securityGroupIds")) {
            "VpcConfigUpdate"
        } else {
            "EndpointAccessUpdate"
        }
    } else if only("upgradePolicy") {
        "UpgradePolicyUpdate"
    } else if only("accessConfig") {
        "AccessConfigUpdate"
    } else if only("deletionProtection") {
        "DeletionProtectionUpdate"
    } else if only("zonalShiftConfig") {
        "ZonalShiftConfigUpdate"
    } else {
        "ConfigUpdate"
    }
}

/// The `UpdateParamType` naming a changed field.
fn param_type(key: &str) -> &'static str {
    match key {
        "logging" => "ClusterLogging",
        "resourcesVpcConfig" => "Subnets",
        "upgradePolicy" => "UpgradePolicy",
        "accessConfig" => "AuthenticationMode",
        "deletionProtection" => "DeletionProtection",
        "zonalShiftConfig" => "ZonalShiftConfig",
        "computeConfig" => "ComputeConfig",
        "storageConfig" => "StorageConfig",
        "kubernetesNetworkConfig" => "KubernetesNetworkConfig",
        "remoteNetworkConfig" => "RemoteNetworkConfig",
        _ => "ConfigurationValues",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cluster_names_follow_eks_rules() {
        for (name, ok) in [
            ("prod", true),
            ("a-b_c1", true),
            ("-x", false),
            ("", false),
            ("a.b", false),
        ] {
            assert_eq!(valid_name(name), ok, "{name}");
        }
    }

    #[test]
    fn config_updates_are_typed_by_what_they_change() {
        let patch = |v: Value| v.as_object().unwrap().clone();
        assert_eq!(
            config_update_type(&patch(json!({ "logging": {} }))),
            "LoggingUpdate"
        );
        assert_eq!(
            config_update_type(&patch(
                json!({ "resourcesVpcConfig": { "endpointPrivateAccess": true } })
            )),
            "EndpointAccessUpdate"
        );
        assert_eq!(
            config_update_type(&patch(json!({ "logging": {}, "upgradePolicy": {} }))),
            "ConfigUpdate"
        );
    }
}
