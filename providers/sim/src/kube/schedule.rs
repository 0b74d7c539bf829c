//! Nodes, pods bin-packed onto them, and the pod addresses the VPC CNI takes from their subnets.
//!
//! Nodes: each node group of the cluster runs `desired_size` nodes of its instance
//! type, spread over its sorted subnets in turn (as the node group's address rule
//! counts them). Allocatable resources follow the EKS AMI's bootstrap reservation:
//! kube-reserved memory `11 MiB x max pods + 255 MiB` plus a `100Mi` eviction threshold;
//! kube-reserved CPU 6% of the first core, 1% of the second, 0.5% of the next two and
//! 0.25% of the rest. Max pods per node come from the ENI table.
//!
//! Pods: Deployments and StatefulSets run `spec.replicas` (default 1) pods, each
//! requesting the sum of its containers' `resources.requests` (a container with only
//! limits requests its limits, as the API server defaults it; init containers count
//! when larger). Pods go first fit onto the nodes in a fixed order: workloads in the
//! order they were created (Kubernetes never moves a running pod to make room for a
//! newer one), workloads created at the same moment largest request first, then by id;
//! a StatefulSet stops at its first pod that does not fit (`OrderedReady`). A pod that
//! fits no node is Pending, with the scheduler's message.
//!
//! Addresses: each placed pod takes one address of its node's subnet, on top of the
//! node's primary address and warm pool. Pods of every cluster in the world draw from
//! the same subnets in the same order; a pod that finds none left is not ready.

use std::collections::BTreeMap;

use engine::catalog;
use engine::value::Value;

use super::quantity::{cpu_millis, memory_bytes};
use super::{cluster_of, Coordinates, MANIFEST};
use crate::shape::{attr, str_attr};
use crate::types::{node_group_instance_type, node_group_size, pod_capacity, NODE_GROUP};
use crate::world::World;

const MIB: u64 = 1 << 20;

/// Memory below which the kubelet evicts pods: not allocatable (`evictionHard`).
const EVICTION_MIB: u64 = 100;

/// One node of a cluster.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Node {
    /// The node group's id.
    pub group: String,
    /// The subnet it runs in.
    pub subnet: String,
    /// CPU pods can request, in millicores.
    pub cpu_millis: u64,
    /// Memory pods can request, in bytes.
    pub memory_bytes: u64,
    /// Pods it can run (ENI table).
    pub max_pods: u64,
}

/// CPU the kubelet and container runtime keep on a node of `vcpus` cores, in millicores.
pub fn reserved_cpu_millis(vcpus: u64) -> u64 {
    // Per-core shares in thousandths of a millicore: 6%, 1%, 0.5%, 0.5%, then 0.25%.
    let thousandths: u64 = (1..=vcpus)
        .map(|core| match core {
            1 => 60_000,
            2 => 10_000,
            3 | 4 => 5_000,
            _ => 2_500,
        })
        .sum();
    thousandths.div_ceil(1000)
}

/// Memory the kubelet keeps on a node that runs at most `max_pods` pods, in MiB
/// (kube-reserved plus the eviction threshold).
pub fn reserved_memory_mib(max_pods: u64) -> u64 {
    11 * max_pods + 255 + EVICTION_MIB
}

/// The nodes of `cluster`: its node groups in id order, each group's nodes over its
/// sorted subnets in turn.
pub fn nodes(world: &World, cluster: &str) -> Vec<Node> {
    let mut out = Vec::new();
    for (id, ng) in world.of_type(NODE_GROUP) {
        if str_attr(ng, "cluster_name") != Some(cluster) {
            continue;
        }
        let Some(t) = catalog::instance(&node_group_instance_type(ng)) else {
            continue;
        };
        let mut subnets: Vec<&str> = attr(ng, "subnet_ids")
            .as_seq()
            .unwrap_or(&[])
            .iter()
            .filter_map(Value::as_str)
            .collect();
        subnets.sort_unstable();
        if subnets.is_empty() {
            continue;
        }
        let max_pods = u64::from(t.max_pods());
        let vcpus = u64::from(t.vcpus);
        for i in 0..node_group_size(ng) {
            out.push(Node {
                group: id.to_string(),
                subnet: subnets[(i % subnets.len() as u64) as usize].to_string(),
                cpu_millis: (vcpus * 1000).saturating_sub(reserved_cpu_millis(vcpus)),
                memory_bytes: (t.memory_mib.saturating_sub(reserved_memory_mib(max_pods))) * MIB,
                max_pods,
            });
        }
    }
    out
}

/// A Deployment or StatefulSet as the scheduler sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Workload {
    /// The object's id.
    pub id: String,
    /// Its coordinates.
    pub coords: Coordinates,
    /// Pods wanted.
    pub replicas: u64,
    /// CPU each pod requests, in millicores.
    pub cpu_millis: u64,
    /// Memory each pod requests, in bytes.
    pub memory_bytes: u64,
    /// The pod template's labels (what Services select).
    pub labels: BTreeMap<String, String>,
    /// `metadata.creationTimestamp`; empty for an object not created yet.
    pub created: String,
    /// Pods start one after the other (a StatefulSet): none after one that is pending.
    pub ordered: bool,
}

/// True for the kinds that run pods here.
pub fn is_workload(kind: &str) -> bool {
    matches!(kind, "Deployment" | "StatefulSet")
}

/// The workload an object describes; `None` for other kinds or unknown values.
/// Quantities that do not parse count as zero (the type's rules refuse them first).
pub fn workload(id: &str, obj: &Value) -> Option<Workload> {
    let manifest = attr(obj, "manifest");
    let coords = Coordinates::of(manifest)?;
    if !is_workload(&coords.kind) {
        return None;
    }
    let spec = attr(manifest, "spec");
    let replicas = match attr(spec, "replicas") {
        Value::Null => 1,
        v => v.as_f64().filter(|n| *n >= 0.0)? as u64,
    };
    let template = attr(spec, "template");
    let pod = attr(template, "spec");
    let (cpu, memory) = pod_requests(pod);
    let labels = attr(attr(template, "metadata"), "labels")
        .as_map()
        .map(|m| {
            m.iter()
                .filter_map(|(k, v)| Some((k.clone(), v.as_str()?.to_string())))
                .collect()
        })
        .unwrap_or_default();
    let created = str_attr(attr(attr(obj, "object"), "metadata"), "creationTimestamp")
        .unwrap_or_default()
        .to_string();
    Some(Workload {
        id: id.to_string(),
        ordered: coords.kind == "StatefulSet"
            && str_attr(spec, "podManagementPolicy") != Some("Parallel"),
        coords,
        replicas,
        cpu_millis: cpu,
        memory_bytes: memory,
        labels,
        created,
    })
}

/// What one pod requests: (millicores, bytes).
fn pod_requests(pod: &Value) -> (u64, u64) {
    let sum = |list: &str| -> Vec<(u64, u64)> {
        attr(pod, list)
            .as_seq()
            .unwrap_or(&[])
            .iter()
            .map(|c| {
                let resources = attr(c, "resources");
                let get = |name: &str| match attr(attr(resources, "requests"), name) {
                    Value::Null => attr(attr(resources, "limits"), name),
                    v => v,
                };
                (
                    cpu_millis(get("cpu")).unwrap_or(0),
                    memory_bytes(get("memory")).unwrap_or(0),
                )
            })
            .collect()
    };
    let main = sum("containers")
        .into_iter()
        .fold((0, 0), |(c, m), (dc, dm)| (c + dc, m + dm));
    let init = sum("initContainers")
        .into_iter()
        .fold((0, 0), |(c, m), (dc, dm)| (c.max(dc), m.max(dm)));
    (main.0.max(init.0), main.1.max(init.1))
}

/// A change to the world not made yet, for judging it: an object put in or taken out.
#[derive(Debug, Clone, Copy)]
pub enum Overlay<'a> {
    /// The world as it is.
    None,
    /// The object `id` as `value` (created or updated).
    Put(&'a str, &'a Value),
    /// Without the object `id`.
    Remove(&'a str),
}

/// The world's Kubernetes objects with the overlay applied, by id.
pub fn objects<'a>(world: &'a World, overlay: Overlay<'a>) -> BTreeMap<&'a str, &'a Value> {
    let mut out: BTreeMap<&str, &Value> = world.of_type(MANIFEST).collect();
    match overlay {
        Overlay::None => {}
        Overlay::Put(id, v) => {
            out.insert(id, v);
        }
        Overlay::Remove(id) => {
            out.remove(id);
        }
    }
    out
}

/// Where the pods of one workload are.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Pods {
    /// Pods wanted.
    pub replicas: u64,
    /// Pods placed on a node, by the node's subnet.
    pub placed: BTreeMap<String, u64>,
    /// Placed pods holding an address: the ready ones.
    pub ready: u64,
    /// Pods no node could take.
    pub pending: u64,
    /// Placed pods whose subnet had no address left.
    pub without_address: u64,
    /// Why pods are pending, as the scheduler says it.
    pub pending_reason: Option<String>,
    /// Subnets of the cluster's nodes, sorted.
    pub subnets: Vec<String>,
}

/// Every workload's pods in one world, and the addresses pods take per subnet.
#[derive(Debug, Clone, Default)]
pub struct Layout {
    /// By workload id.
    pub workloads: BTreeMap<String, Pods>,
    /// The workloads themselves, by id.
    pub specs: BTreeMap<String, Workload>,
    /// Addresses pods hold, by subnet.
    pub used: BTreeMap<String, u64>,
}

impl Layout {
    /// Placed pods in the subnet, holding an address or not.
    pub fn placed_in(&self, subnet: &str) -> u64 {
        self.workloads
            .values()
            .map(|p| p.placed.get(subnet).copied().unwrap_or(0))
            .sum()
    }
}

/// The order pods are placed and given addresses in: oldest workload first; among
/// those created at the same moment the largest request first; then by id.
fn order_key(w: &Workload) -> (bool, &str, std::cmp::Reverse<(u64, u64)>, &str) {
    (
        w.created.is_empty(),
        w.created.as_str(),
        std::cmp::Reverse((w.cpu_millis, w.memory_bytes)),
        w.id.as_str(),
    )
}

/// Places every workload's pods and gives them addresses.
pub fn layout(world: &World, overlay: Overlay) -> Layout {
    let mut specs: Vec<Workload> = objects(world, overlay)
        .into_iter()
        .filter_map(|(id, o)| {
            let mut w = workload(id, o)?;
            // An update being judged keeps its place: the stored object's creation time.
            if w.created.is_empty() {
                if let Some(stored) = world.get(MANIFEST, id).and_then(|s| workload(id, s)) {
                    w.created = stored.created;
                }
            }
            Some(w)
        })
        .collect();
    specs.sort_by(|a, b| order_key(a).cmp(&order_key(b)));
    let mut by_cluster: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
    for (i, w) in specs.iter().enumerate() {
        if let Some(c) = cluster_of(&w.id) {
            by_cluster.entry(c).or_default().push(i);
        }
    }
    // Node of each pod, per workload, in placement order.
    let mut node_of: Vec<Vec<Option<String>>> = vec![Vec::new(); specs.len()];
    let mut out = Layout::default();
    for (cluster, members) in &by_cluster {
        let nodes = nodes(world, cluster);
        let mut subnets: Vec<String> = nodes.iter().map(|n| n.subnet.clone()).collect();
        subnets.sort();
        subnets.dedup();
        let mut free: Vec<(u64, u64, u64)> = nodes
            .iter()
            .map(|n| (n.cpu_millis, n.memory_bytes, n.max_pods))
            .collect();
        for &i in members {
            let w = &specs[i];
            let mut pods = Pods {
                replicas: w.replicas,
                subnets: subnets.clone(),
                ..Pods::default()
            };
            for _ in 0..w.replicas {
                let fit = free
                    .iter()
                    .position(|&(c, m, p)| p > 0 && c >= w.cpu_millis && m >= w.memory_bytes);
                match fit {
                    Some(n) => {
                        let f = &mut free[n];
                        *f = (f.0 - w.cpu_millis, f.1 - w.memory_bytes, f.2 - 1);
                        *pods.placed.entry(nodes[n].subnet.clone()).or_insert(0) += 1;
                        node_of[i].push(Some(nodes[n].subnet.clone()));
                    }
                    None => {
                        if pods.pending_reason.is_none() {
                            pods.pending_reason = Some(unschedulable(&free, w));
                        }
                        if w.ordered {
                            // Later ordinals are not even created.
                            pods.pending = w.replicas - node_of[i].len() as u64;
                            break;
                        }
                        pods.pending += 1;
                    }
                }
            }
            out.workloads.insert(w.id.clone(), pods);
        }
    }
    // Addresses, in the same order across clusters.
    let mut left: BTreeMap<String, u64> = BTreeMap::new();
    for (i, w) in specs.iter().enumerate() {
        let Some(pods) = out.workloads.get_mut(&w.id) else {
            continue;
        };
        for subnet in node_of[i].iter().flatten() {
            let cap = left
                .entry(subnet.clone())
                .or_insert_with(|| pod_capacity(world, subnet));
            if *cap > 0 {
                *cap -= 1;
                pods.ready += 1;
                *out.used.entry(subnet.clone()).or_insert(0) += 1;
            } else {
                pods.without_address += 1;
            }
        }
    }
    out.specs = specs.into_iter().map(|w| (w.id.clone(), w)).collect();
    out
}

/// The scheduler's message for a pod no node takes: `0/3 nodes are available: 3 Insufficient cpu.`
fn unschedulable(free: &[(u64, u64, u64)], w: &Workload) -> String {
    if free.is_empty() {
        return "0/0 nodes are available: no nodes available to schedule pods.".to_string();
    }
    let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
    for &(c, m, p) in free {
        if p == 0 {
            *counts.entry("Too many pods").or_default() += 1;
        }
        if c < w.cpu_millis {
            *counts.entry("Insufficient cpu").or_default() += 1;
        }
        if m < w.memory_bytes {
            *counts.entry("Insufficient memory").or_default() += 1;
        }
    }
    let mut reasons: Vec<String> = counts.iter().map(|(r, n)| format!("{n} {r}")).collect();
    reasons.sort();
    format!(
        "0/{} nodes are available: {}.",
        free.len(),
        reasons.join(", ")
    )
}

/// Addresses pods hold in `subnet`.
pub fn pod_addresses(world: &World, subnet: &str) -> u64 {
    if world.of_type(MANIFEST).next().is_none() {
        return 0;
    }
    layout(world, Overlay::None)
        .used
        .get(subnet)
        .copied()
        .unwrap_or(0)
}

/// A workload whose placed pods need more addresses than their subnets have free.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Shortfall {
    /// The subnets that run short, sorted.
    pub subnets: Vec<String>,
    /// Addresses the workload's pods need there.
    pub needed: u64,
    /// Addresses free there for them.
    pub free: u64,
}

/// Whether the object `id` as `obj` finds an address for every pod placed on a node:
/// in each subnet, its pods against the addresses the rest of the world leaves free.
pub fn address_shortfall(world: &World, id: &str, obj: &Value) -> Option<Shortfall> {
    let after = layout(world, Overlay::Put(id, obj));
    let mine = after.workloads.get(id)?;
    let others = layout(world, Overlay::Remove(id));
    let mut short = Shortfall {
        subnets: Vec::new(),
        needed: 0,
        free: 0,
    };
    for (subnet, &need) in &mine.placed {
        let used = others.used.get(subnet).copied().unwrap_or(0);
        let free = pod_capacity(world, subnet).saturating_sub(used);
        if need > free {
            short.subnets.push(subnet.clone());
            short.needed += need;
            short.free += free;
        }
    }
    (!short.subnets.is_empty()).then_some(short)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reservations_follow_the_eks_bootstrap_formula() {
        assert_eq!(reserved_cpu_millis(2), 70);
        assert_eq!(reserved_cpu_millis(4), 80);
        assert_eq!(reserved_cpu_millis(8), 90);
        // m5.large: 29 pods -> 574 MiB kube-reserved + 100 MiB eviction.
        assert_eq!(reserved_memory_mib(29), 674);
    }

    #[test]
    fn scheduler_message_counts_each_reason_per_node() {
        let w = Workload {
            id: "c:x".into(),
            coords: Coordinates {
                api_version: "apps/v1".into(),
                kind: "Deployment".into(),
                namespace: "default".into(),
                name: "x".into(),
            },
            replicas: 1,
            cpu_millis: 500,
            memory_bytes: 1 << 30,
            labels: BTreeMap::new(),
            created: String::new(),
            ordered: false,
        };
        let free = [(100, 2 << 30, 3), (1000, 1 << 20, 3), (1000, 2 << 30, 0)];
        assert_eq!(
            unschedulable(&free, &w),
            "0/3 nodes are available: 1 Insufficient cpu, 1 Insufficient memory, 1 Too many pods."
        );
        assert!(unschedulable(&[], &w).contains("no nodes available"));
    }

    #[test]
    fn limits_stand_in_for_missing_requests_and_init_containers_count_when_larger() {
        let pod = Value::object([
            (
                "containers",
                Value::List(vec![
                    Value::object([(
                        "resources",
                        Value::object([(
                            "requests",
                            Value::object([("cpu", Value::string("250m"))]),
                        )]),
                    )]),
                    Value::object([(
                        "resources",
                        Value::object([(
                            "limits",
                            Value::object([
                                ("cpu", Value::string("250m")),
                                ("memory", Value::string("64Mi")),
                            ]),
                        )]),
                    )]),
                ]),
            ),
            (
                "initContainers",
                Value::List(vec![Value::object([(
                    "resources",
                    Value::object([("requests", Value::object([("cpu", Value::string("1"))]))]),
                )])]),
            ),
        ]);
        assert_eq!(pod_requests(&pod), (1000, 64 << 20));
    }
}
