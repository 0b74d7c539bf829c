//! The steps and checks of an EKS blue/green upgrade: create the new side at the target
//! version, deploy the workloads to it, shift traffic step by step (each baked and
//! gated), then destroy the old side; with the rollback that runs when a gate fails.

use std::time::Duration;

use chrono::NaiveDate;

use super::transform::Side;
use crate::catalog::{self, KubeVersion};
use crate::upgrade::eks::{self, Cluster};
use crate::upgrade::steps::{action, check, when, Cost, Outcome, Step, Upgrade};

/// Minutes to create a cluster (EKS: 10 to 15).
const CREATE_CLUSTER_MINUTES: u32 = 15;
/// Minutes for new nodes to launch and join.
const CREATE_NODES_MINUTES: u32 = 5;
/// Minutes for workloads to become ready.
const DEPLOY_MINUTES: u32 = 5;

/// What the planner needs to know of the `blue_green` block and the sides.
#[derive(Debug, Clone, PartialEq)]
pub struct Spec {
    /// The block's name.
    pub name: String,
    /// The side serving traffic now.
    pub live: Side,
    /// The address of the new side's cluster (`aws_eks_cluster.main-green`).
    pub new_cluster: String,
    /// The live record's address.
    pub record: String,
    /// The new side's record address.
    pub new_record: String,
    /// Percent of traffic on the new side after each shift.
    pub steps: Vec<u8>,
    /// Bake time per shift.
    pub bake: Duration,
    /// Conditions of the health gate.
    pub health_checks: usize,
    /// Resource blocks copied for the new side besides the cluster, its node groups, add-ons
    /// and manifests (load balancers, target groups, listeners…).
    pub copies: usize,
}

/// Plans the blue/green upgrade of `c` as of `today`.
pub fn plan(c: &Cluster, spec: &Spec, today: NaiveDate) -> Upgrade {
    let mut up = Upgrade {
        address: c.address.clone(),
        kind: "eks",
        from: c.from.clone(),
        to: c.to.clone(),
        strategy: "blue_green",
        steps: Vec::new(),
        checks: Vec::new(),
        cost: Cost::default(),
        alternative: Some(("in_place", eks::plan_in_place(c, today).cost)),
    };
    if !path_check(c, &mut up) {
        return up;
    }
    eks::support_check(c, today, &mut up);
    eks::report(
        &mut up,
        check::VERSION_SKEW,
        Outcome::Pass,
        format!(
            "the new side's node groups are created at {}, the control plane's version",
            c.to
        ),
    );
    eks::addon_check(c, &mut up);
    eks::removed_api_check(c, &mut up);
    capacity_check(c, &mut up);
    quotas_check(c, &mut up);

    let (old, new) = (spec.live.as_str(), spec.live.other().as_str());
    let nodes: u32 = c.node_groups.iter().map(|g| g.nodes).sum();
    let pods: u32 = c.manifests.iter().map(|m| m.replicas).sum();
    let bake_minutes = u32::try_from(spec.bake.as_secs().div_ceil(60)).unwrap_or(u32::MAX);
    let push = |up: &mut Upgrade,
                address: &str,
                act: &'static str,
                target: Option<String>,
                minutes: u32,
                description: String,
                cond: Option<&'static str>| {
        up.cost.minutes = up.cost.minutes.saturating_add(minutes);
        let index = up.steps.len() + 1;
        up.steps.push(Step {
            index,
            address: address.to_string(),
            action: act,
            target,
            description,
            when: cond,
        });
    };
    push(
        &mut up,
        &spec.new_cluster,
        action::CREATE_GREEN,
        Some(c.to.clone()),
        CREATE_CLUSTER_MINUTES + CREATE_NODES_MINUTES,
        format!(
            "create the {new} side at {}: {} beside {}, with {} node group(s) ({nodes} node(s)), {} add-on(s) and {} other copied resource(s) (about {} minutes); {} keeps serving",
            c.to,
            spec.new_cluster,
            c.address,
            c.node_groups.len(),
            c.addons.len(),
            spec.copies,
            CREATE_CLUSTER_MINUTES + CREATE_NODES_MINUTES,
            c.address,
        ),
        None,
    );
    up.cost.node_rollouts = c.node_groups.len() as u32;
    push(
        &mut up,
        &spec.new_cluster,
        action::DEPLOY_WORKLOADS,
        None,
        DEPLOY_MINUTES,
        format!(
            "deploy {} manifest(s) ({pods} pod(s)) to {} and wait until they are ready; every pod moves once; the health gate must hold before any traffic moves",
            c.manifests.len(),
            spec.new_cluster
        ),
        None,
    );
    for &p in &spec.steps {
        push(
            &mut up,
            &spec.new_record,
            action::SHIFT_TRAFFIC,
            Some(p.to_string()),
            0,
            format!(
                "shift traffic: {} weight {}, {} weight {p} ({p}% to the {new} side; clients follow within the record's TTL)",
                spec.record,
                100 - p,
                spec.new_record
            ),
            None,
        );
        push(
            &mut up,
            &spec.new_record,
            action::BAKE,
            None,
            bake_minutes,
            format!(
                "bake {bake_minutes} minute(s), then check the health gate ({} condition(s){})",
                spec.health_checks,
                if spec.health_checks == 0 {
                    ": none declared, so nothing is checked; declare health blocks for error rate and ready capacity"
                } else {
                    ""
                }
            ),
            None,
        );
    }
    push(
        &mut up,
        &c.address,
        action::DECOMMISSION_BLUE,
        None,
        CREATE_CLUSTER_MINUTES,
        format!(
            "destroy the {old} side: {} and what was copied from it, and {}; the {new} side takes their addresses",
            c.address, spec.record
        ),
        None,
    );
    push(
        &mut up,
        &spec.record,
        action::ROLLBACK_TRAFFIC,
        Some("0".into()),
        0,
        format!(
            "put all traffic back on the {old} side ({} weight 100, {} weight 0) and stop; the {new} side stays for inspection, the next apply shifts again from the first step, and setting the version back abandons the upgrade",
            spec.record, spec.new_record
        ),
        Some(when::HEALTH_GATE_FAILS),
    );
    up
}

/// A new cluster can be created at any offered version; going down is possible too
/// (that is how a bad upgrade is undone), but worth a warning.
fn path_check(c: &Cluster, up: &mut Upgrade) -> bool {
    let (Some(from), Some(to)) = (KubeVersion::parse(&c.from), KubeVersion::parse(&c.to)) else {
        eks::fail(
            up,
            check::CONTROL_PLANE_PATH,
            format!("cannot read versions {:?} -> {:?}", c.from, c.to),
        );
        return false;
    };
    if catalog::eks().version(&c.to).is_none() {
        eks::fail(
            up,
            check::CONTROL_PLANE_PATH,
            format!("EKS has no Kubernetes {to}"),
        );
        return false;
    }
    let (status, message) = if to < from {
        (Outcome::Warn, format!("{from} -> {to} goes down: the new side is created at {to} and the workloads must run there"))
    } else {
        (Outcome::Pass, format!("{from} -> {to} in one step: the new side's control plane is created at {to}, no intermediate versions"))
    };
    eks::report(up, check::CONTROL_PLANE_PATH, status, message);
    true
}

/// Both sides run at once in the same subnets: the new side's nodes (each its own
/// address and the VPC CNI warm pool), its pods (one address each) and its control plane's
/// network interfaces must fit in what is free while the old side still runs.
fn capacity_check(c: &Cluster, up: &mut Upgrade) {
    let node_addresses: u32 = c
        .node_groups
        .iter()
        .map(|g| g.nodes * eks::addresses_per_node(g.instance_type.as_deref()))
        .sum();
    let pods: u32 = c.manifests.iter().map(|m| m.replicas).sum();
    let control_plane = catalog::eks().free_ips_for_upgrade;
    let need = node_addresses + pods + control_plane;
    let detail = format!(
        "the new side needs {need} addresses ({node_addresses} for {} node(s) with their warm pools, {pods} for pods, {control_plane} for the control plane)",
        c.node_groups.iter().map(|g| g.nodes).sum::<u32>()
    );
    match c.free_addresses {
        Some(free) if free < need => eks::fail(
            up,
            check::SUBNET_IP_CAPACITY,
            format!(
                "both clusters at once do not fit in the subnets: {detail} while the old side still runs, but {free} are free. Use larger nodes (fewer of them), add or widen subnets, or upgrade in place"
            ),
        ),
        Some(free) => eks::report(
            up,
            check::SUBNET_IP_CAPACITY,
            Outcome::Pass,
            format!("{detail}; {free} are free"),
        ),
        None => eks::report(
            up,
            check::SUBNET_IP_CAPACITY,
            Outcome::Warn,
            format!("{detail}; free addresses unknown (the subnets are not in this configuration's state)"),
        ),
    }
}

/// The new side is a second cluster with its own node groups: it must fit in EKS's
/// service quotas beside the old one (catalog defaults; an account may have raised them).
/// The EC2 vCPU quota is the account's own and is only reported.
fn quotas_check(c: &Cluster, up: &mut Upgrade) {
    let q = &catalog::eks().quotas;
    let mut problems = Vec::new();
    let clusters = c.clusters_in_region.max(1) + 1;
    if clusters > q.clusters_per_region {
        problems.push(format!(
            "{clusters} clusters in the Region with the new side, over the default quota of {}",
            q.clusters_per_region
        ));
    }
    if c.node_groups.len() as u32 > q.managed_node_groups_per_cluster {
        problems.push(format!(
            "{} managed node groups, over the default quota of {} per cluster",
            c.node_groups.len(),
            q.managed_node_groups_per_cluster
        ));
    }
    for g in c
        .node_groups
        .iter()
        .filter(|g| g.nodes > q.nodes_per_managed_node_group)
    {
        problems.push(format!(
            "{} has {} nodes, over the default quota of {} per managed node group",
            g.address, g.nodes, q.nodes_per_managed_node_group
        ));
    }
    let vcpus: u32 = c
        .node_groups
        .iter()
        .map(|g| {
            g.nodes
                * g.instance_type
                    .as_deref()
                    .and_then(catalog::instance)
                    .map_or(0, |t| t.vcpus)
        })
        .sum();
    let vcpu_note = format!(
        "the new side adds {vcpus} On-Demand vCPUs beside the old side's; the account's EC2 quota (Running On-Demand Standard instances, L-1216C47A) is not known to galley"
    );
    if problems.is_empty() {
        eks::report(
            up,
            check::QUOTAS,
            Outcome::Pass,
            format!(
                "{clusters} cluster(s) in the Region with the new side (quota {}), node groups within their quotas; {vcpu_note}",
                q.clusters_per_region
            ),
        );
    } else {
        eks::fail(
            up,
            check::QUOTAS,
            format!(
                "{}. Ask AWS to raise the quota ({}) or upgrade in place; {vcpu_note}",
                problems.join("; "),
                q.source
            ),
        );
    }
}
