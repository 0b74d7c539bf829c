//! Kubernetes inside the simulated EKS clusters: manifests, scheduling, pod addresses, load balancing.
//!
//! The `kubernetes` provider is bound to one `aws_eks_cluster` by its endpoint (the
//! provider's `host`); its `kubernetes_manifest` objects live in the `aws` world of the
//! cluster's region, so that rules see node groups, subnets and target groups next to
//! them. Each object's id names its cluster: `<cluster>:apiVersion=..,kind=..,namespace=..,name=..`.
//!
//! - [`quantity`]: resource quantities (`250m`, `512Mi`).
//! - [`schedule`]: nodes, pods bin-packed onto them, pod addresses from the nodes' subnets.
//! - [`binding`]: Services and `TargetGroupBinding`s: ready pods as load-balancer targets.
//! - [`provider`]: the configured `kubernetes` provider.

pub mod binding;
pub mod provider;
pub mod quantity;
pub mod schedule;

use engine::value::Value;

use crate::shape::{attr, str_attr};
use crate::world::World;

/// The resource type holding every Kubernetes object.
pub const MANIFEST: &str = "kubernetes_manifest";

/// Where an object lives in the API: what its id is made of, less the cluster.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Coordinates {
    /// `apps/v1`, `v1`.
    pub api_version: String,
    /// `Deployment`.
    pub kind: String,
    /// Empty for cluster-scoped kinds.
    pub namespace: String,
    /// `metadata.name`.
    pub name: String,
}

impl Coordinates {
    /// The coordinates of a manifest whose apiVersion, kind and name are known; the
    /// namespace of a namespaced kind defaults to `default`.
    pub fn of(manifest: &Value) -> Option<Coordinates> {
        let meta = attr(manifest, "metadata");
        let api_version = attr(manifest, "apiVersion").as_str()?.to_string();
        let kind = attr(manifest, "kind").as_str()?.to_string();
        let name = attr(meta, "name").as_str()?.to_string();
        let namespace = match attr(meta, "namespace") {
            Value::Null => String::new(),
            v => v.as_str()?.to_string(),
        };
        let namespace = match (namespaced(&kind), namespace.is_empty()) {
            (false, _) => String::new(),
            (true, true) => "default".to_string(),
            (true, false) => namespace,
        };
        Some(Coordinates {
            api_version,
            kind,
            namespace,
            name,
        })
    }

    /// The object's id in `cluster`.
    pub fn id(&self, cluster: &str) -> String {
        format!(
            "{cluster}:apiVersion={},kind={},namespace={},name={}",
            self.api_version, self.kind, self.namespace, self.name
        )
    }

    /// `default/api`, or `api` for cluster-scoped objects: how kubectl names it.
    pub fn display_name(&self) -> String {
        if self.namespace.is_empty() {
            self.name.clone()
        } else {
            format!("{}/{}", self.namespace, self.name)
        }
    }

    /// The API group (`apps`; empty for the core group).
    pub fn group(&self) -> &str {
        self.api_version
            .rsplit_once('/')
            .map_or("", |(group, _)| group)
    }

    /// `deployments.apps`, `services`: the resource as the API server's errors name it.
    pub fn resource(&self) -> String {
        let lower = self.kind.to_ascii_lowercase();
        let plural = if let Some(stem) = lower.strip_suffix('y') {
            format!("{stem}ies")
        } else if lower.ends_with('s') {
            format!("{lower}es")
        } else {
            format!("{lower}s")
        };
        match self.group() {
            "" => plural,
            g => format!("{plural}.{g}"),
        }
    }

    /// `Deployment.apps "api"`: how validation errors name the object.
    pub fn qualified(&self) -> String {
        match self.group() {
            "" => format!("{} \"{}\"", self.kind, self.name),
            g => format!("{}.{g} \"{}\"", self.kind, self.name),
        }
    }
}

/// The cluster an object id belongs to.
pub fn cluster_of(id: &str) -> Option<&str> {
    id.split_once(":apiVersion=").map(|(c, _)| c)
}

/// False for the kinds that live outside namespaces (Namespace, ClusterRole, ...).
pub fn namespaced(kind: &str) -> bool {
    !matches!(
        kind,
        "Namespace"
            | "Node"
            | "PersistentVolume"
            | "ClusterRole"
            | "ClusterRoleBinding"
            | "CustomResourceDefinition"
            | "StorageClass"
            | "PriorityClass"
            | "IngressClass"
            | "RuntimeClass"
            | "CSIDriver"
            | "CSINode"
            | "VolumeAttachment"
            | "APIService"
            | "MutatingWebhookConfiguration"
            | "ValidatingWebhookConfiguration"
            | "ValidatingAdmissionPolicy"
            | "ValidatingAdmissionPolicyBinding"
            | "FlowSchema"
            | "PriorityLevelConfiguration"
            | "CertificateSigningRequest"
            | "IngressClassParams"
    )
}

/// The region of an EKS endpoint: `https://ABCD.gr7.eu-west-1.eks.amazonaws.com` -> `eu-west-1`.
pub fn region_of_host(host: &str) -> Option<&str> {
    let rest = host.strip_prefix("https://").unwrap_or(host);
    let rest = rest.trim_end_matches('/');
    let rest = rest.strip_suffix(".eks.amazonaws.com")?;
    let (_, region) = rest.rsplit_once('.')?;
    crate::types::is_aws_region(region).then_some(region)
}

/// The name of the cluster whose endpoint is `host`.
pub fn cluster_by_endpoint<'a>(world: &'a World, host: &str) -> Option<&'a str> {
    let want = host.trim_end_matches('/');
    world
        .of_type("aws_eks_cluster")
        .find(|(_, c)| str_attr(c, "endpoint") == Some(want))
        .map(|(id, _)| id)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn manifest(api: &str, kind: &str, ns: Option<&str>) -> Value {
        let mut meta = vec![("name", Value::string("api"))];
        if let Some(ns) = ns {
            meta.push(("namespace", Value::string(ns)));
        }
        Value::object([
            ("apiVersion", Value::string(api)),
            ("kind", Value::string(kind)),
            ("metadata", Value::object(meta)),
        ])
    }

    #[test]
    fn namespaced_kinds_default_to_the_default_namespace() {
        let c = Coordinates::of(&manifest("apps/v1", "Deployment", None)).unwrap();
        assert_eq!(c.namespace, "default");
        assert_eq!(
            c.id("blue"),
            "blue:apiVersion=apps/v1,kind=Deployment,namespace=default,name=api"
        );
        assert_eq!(cluster_of(&c.id("blue")), Some("blue"));
        let ns = Coordinates::of(&manifest("v1", "Namespace", Some("x"))).unwrap();
        assert_eq!(ns.namespace, "");
    }

    #[test]
    fn resources_are_named_like_the_api_server_names_them() {
        let c = Coordinates::of(&manifest("apps/v1", "Deployment", None)).unwrap();
        assert_eq!(c.resource(), "deployments.apps");
        assert_eq!(c.qualified(), "Deployment.apps \"api\"");
        let s = Coordinates::of(&manifest("v1", "Service", None)).unwrap();
        assert_eq!(s.resource(), "services");
        let i = Coordinates::of(&manifest("networking.k8s.io/v1", "Ingress", None)).unwrap();
        assert_eq!(i.resource(), "ingresses.networking.k8s.io");
        let p = Coordinates::of(&manifest("v1", "NetworkPolicy", None)).unwrap();
        assert_eq!(p.resource(), "networkpolicies");
    }

    #[test]
    fn the_region_comes_from_the_eks_endpoint() {
        assert_eq!(
            region_of_host("https://0A1B2C.gr7.eu-west-1.eks.amazonaws.com"),
            Some("eu-west-1")
        );
        assert_eq!(region_of_host("https://localhost:6443"), None);
        assert_eq!(
            region_of_host("https://x.gr7.nowhere.eks.amazonaws.com"),
            None
        );
    }
}
