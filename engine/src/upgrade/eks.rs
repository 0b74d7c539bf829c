//! The EKS in-place planner: one control-plane update per minor version, each followed by
//! the add-on updates that version needs and a rollout of every managed node group,
//! because EKS refuses the next control-plane update until every managed node group
//! matches the control plane (FACTS.md, UpdateClusterVersion).

use chrono::NaiveDate;

use super::manifest_files::ManifestFiles;
use super::steps::{action, check, CheckResult, Cost, Outcome, Step, Upgrade};
use crate::catalog::{self, KubeVersion, Support};

/// Minutes of a control-plane update (EKS: "about 10 minutes"; the simulator's figure).
const CONTROL_PLANE_MINUTES: u32 = 10;
/// Minutes to replace one batch of `max_unavailable` nodes (drain, launch, join).
const NODE_BATCH_MINUTES: u32 = 5;
/// Minutes of an add-on update.
const ADDON_MINUTES: u32 = 2;

/// A managed node group of the cluster.
#[derive(Debug, Clone, PartialEq)]
pub struct NodeGroup {
    /// Its address.
    pub address: String,
    /// Its version now (`None`: at the control plane's).
    pub current: Option<String>,
    /// Its version in the configuration (`None`: follows the control plane).
    pub desired: Option<String>,
    /// Nodes (`scaling_config.desired_size`).
    pub nodes: u32,
    /// Nodes replaced at a time (`update_config.max_unavailable`, default 1).
    pub max_unavailable: u32,
    /// Its instance type (the first of `instance_types`), for the addresses a node takes.
    pub instance_type: Option<String>,
    /// Free addresses in its subnets now (`None`: unknown).
    pub free_addresses: Option<u32>,
}

/// An EKS add-on of the cluster.
#[derive(Debug, Clone, PartialEq)]
pub struct Addon {
    /// Its address.
    pub address: String,
    /// `coredns`, `kube-proxy`, `vpc-cni`, ...
    pub name: String,
    /// Its version now.
    pub current: Option<String>,
    /// Its version in the configuration (`None`: EKS's default for the version).
    pub desired: Option<String>,
}

/// A Kubernetes object the cluster serves (a `kubernetes_manifest`).
#[derive(Debug, Clone, PartialEq)]
pub struct Manifest {
    /// Its address.
    pub address: String,
    /// `apiVersion`, e.g. `batch/v1beta1`.
    pub api_version: String,
    /// `kind`.
    pub kind: String,
    /// Pods it runs (`spec.replicas` of a Deployment or StatefulSet; 0 for other kinds).
    pub replicas: u32,
}

/// What the planner needs to know of a cluster.
#[derive(Debug, Clone, PartialEq)]
pub struct Cluster {
    /// The cluster's address.
    pub address: String,
    /// Its Kubernetes version now.
    pub from: String,
    /// Its version in the configuration.
    pub to: String,
    /// Its managed node groups.
    pub node_groups: Vec<NodeGroup>,
    /// Its add-ons.
    pub addons: Vec<Addon>,
    /// Manifests applied to it.
    pub manifests: Vec<Manifest>,
    /// Objects of the YAML files the configuration names for it (`kubernetes_manifests`).
    pub files: ManifestFiles,
    /// Free addresses in the cluster's subnets now (`None`: unknown).
    pub free_addresses: Option<u32>,
    /// EKS clusters in the plan served by the same provider configuration (same account
    /// and Region), this one included.
    pub clusters_in_region: u32,
}

/// Plans the in-place upgrade of `c` as of `today`.
pub fn plan_in_place(c: &Cluster, today: NaiveDate) -> Upgrade {
    let mut up = Upgrade {
        address: c.address.clone(),
        kind: "eks",
        from: c.from.clone(),
        to: c.to.clone(),
        strategy: "in_place",
        steps: Vec::new(),
        checks: Vec::new(),
        cost: Cost::default(),
        alternative: None,
    };
    let Some(path) = path_check(c, &mut up) else {
        return up;
    };
    support_check(c, today, &mut up);
    skew_check(c, &mut up);
    addon_check(c, &mut up);
    removed_api_check(c, &mut up);
    address_check(c, &mut up);

    let from = KubeVersion::parse(&c.from).expect("checked by path_check");
    let mut nodes: Vec<KubeVersion> = c
        .node_groups
        .iter()
        .map(|g| {
            g.current
                .as_deref()
                .and_then(KubeVersion::parse)
                .unwrap_or(from)
        })
        .collect();
    let mut addons: Vec<Option<String>> = c.addons.iter().map(|a| a.current.clone()).collect();
    let mut push = |up: &mut Upgrade,
                    address: &str,
                    act: &'static str,
                    target: String,
                    description: String| {
        let index = up.steps.len() + 1;
        up.steps.push(Step {
            index,
            address: address.to_string(),
            action: act,
            target: Some(target),
            description,
            when: None,
        });
    };
    // Node groups behind the control plane first: EKS refuses the first update otherwise.
    for (i, g) in c.node_groups.iter().enumerate() {
        if nodes[i] < from && desired_of(g).is_none_or(|d| d >= from) {
            rollout(&mut up, &mut push, g, from);
            nodes[i] = from;
        }
    }
    for minor in path {
        up.cost.control_plane_updates += 1;
        up.cost.minutes += CONTROL_PLANE_MINUTES;
        push(
            &mut up,
            &c.address,
            action::CONTROL_PLANE,
            minor.to_string(),
            format!(
                "update the control plane of {} to {minor} (about {CONTROL_PLANE_MINUTES} minutes; cannot be paused, rolls back by itself if its health checks fail)",
                c.address
            ),
        );
        let last = minor.to_string() == c.to;
        let next = (!last).then(|| minor.next());
        for (i, a) in c.addons.iter().enumerate() {
            let Some(target) = addon_target(a, minor, next, addons[i].as_deref()) else {
                continue;
            };
            up.cost.minutes += ADDON_MINUTES;
            push(
                &mut up,
                &a.address,
                action::ADDON,
                target.clone(),
                format!("update add-on {} to {target}", a.name),
            );
            addons[i] = Some(target);
        }
        for (i, g) in c.node_groups.iter().enumerate() {
            if nodes[i] < minor && desired_of(g).is_none_or(|d| d >= minor) {
                rollout(&mut up, &mut push, g, minor);
                nodes[i] = minor;
            }
        }
    }
    up.alternative = Some(("blue_green", blue_green_cost(c)));
    up
}

/// Minutes to create a cluster (EKS: 10 to 15).
const CREATE_CLUSTER_MINUTES: u32 = 15;
/// Traffic shifted in this many weight steps, each baked this long.
const SHIFT_STEPS: u32 = 4;
const BAKE_MINUTES: u32 = 10;

/// The same upgrade as a second cluster at the target version: created once, its node
/// groups created once (every pod moves once, whatever the number of minor versions),
/// traffic shifted in steps with a bake time each.
fn blue_green_cost(c: &Cluster) -> Cost {
    let nodes: u32 = c
        .node_groups
        .iter()
        .map(|g| g.nodes.div_ceil(g.max_unavailable.max(1)).max(1) * NODE_BATCH_MINUTES)
        .max()
        .unwrap_or(0);
    Cost {
        control_plane_updates: 0,
        node_rollouts: c.node_groups.len() as u32,
        minutes: CREATE_CLUSTER_MINUTES + nodes + SHIFT_STEPS * BAKE_MINUTES,
        downtime_minutes: 0,
    }
}

/// The node group's configured version, parsed.
fn desired_of(g: &NodeGroup) -> Option<KubeVersion> {
    g.desired.as_deref().and_then(KubeVersion::parse)
}

/// Adds the rollout of `g` to `v`.
fn rollout(
    up: &mut Upgrade,
    push: &mut impl FnMut(&mut Upgrade, &str, &'static str, String, String),
    g: &NodeGroup,
    v: KubeVersion,
) {
    let per = g.max_unavailable.max(1);
    let batches = g.nodes.div_ceil(per).max(1);
    up.cost.node_rollouts += 1;
    up.cost.minutes += batches * NODE_BATCH_MINUTES;
    push(
        up,
        &g.address,
        action::NODE_GROUP,
        v.to_string(),
        format!(
            "roll node group {} to {v}: {} node(s), {per} at a time ({batches} batch(es), about {} minutes); every pod on it is rescheduled once",
            g.address,
            g.nodes,
            batches * NODE_BATCH_MINUTES
        ),
    );
}

/// The version add-on `a` must move to once the control plane is at `minor` (`next`: the
/// minor after it on the path, `None` at the last): when its current version no longer
/// suits `minor`; when it suits `minor` but not `next`, already now to `minor`'s newer
/// line, because add-ons move one minor version at a time (FACTS.md; CoreDNS 1.12 on
/// 1.34 goes to 1.13 there, not straight to 1.14 on 1.35); at the last minor, when the
/// configuration asks for another version.
fn addon_target(
    a: &Addon,
    minor: KubeVersion,
    next: Option<KubeVersion>,
    current: Option<&str>,
) -> Option<String> {
    let compat = catalog::eks().addon(&a.name)?;
    let k = minor.to_string();
    if next.is_none() {
        if let Some(d) = &a.desired {
            return (current != Some(d.as_str())).then(|| d.clone());
        }
    }
    let latest = compat.for_kubernetes(&k).and_then(|l| l.latest.clone());
    let Some(cur) = current.filter(|v| compat.is_compatible(v, &k)) else {
        return latest;
    };
    let stranded = next.is_some_and(|n| {
        let n = n.to_string();
        compat.for_kubernetes(&n).is_some() && !compat.is_compatible(cur, &n)
    });
    let newer_line = |l: &String| KubeVersion::parse(l) > KubeVersion::parse(cur);
    if stranded && compat.one_minor_at_a_time {
        return latest.filter(newer_line);
    }
    None
}

pub(super) fn fail(up: &mut Upgrade, name: &'static str, message: String) {
    up.checks.push(CheckResult {
        name,
        status: Outcome::Fail,
        message,
    });
}

pub(super) fn report(up: &mut Upgrade, name: &'static str, status: Outcome, message: String) {
    up.checks.push(CheckResult {
        name,
        status,
        message,
    });
}

/// The minors the control plane goes through, or `None` (with a failed check) when EKS
/// offers no path.
fn path_check(c: &Cluster, up: &mut Upgrade) -> Option<Vec<KubeVersion>> {
    let (Some(from), Some(to)) = (KubeVersion::parse(&c.from), KubeVersion::parse(&c.to)) else {
        fail(
            up,
            check::CONTROL_PLANE_PATH,
            format!("cannot read versions {:?} -> {:?}", c.from, c.to),
        );
        return None;
    };
    if to < from {
        fail(
            up,
            check::CONTROL_PLANE_PATH,
            format!("EKS never downgrades a control plane: {from} -> {to} is refused; to go back, build a new cluster at {to} and move traffic to it"),
        );
        return None;
    }
    let mut path = Vec::new();
    let mut v = from;
    while v < to {
        v = v.next();
        if catalog::eks().version(&v.to_string()).is_none() {
            fail(
                up,
                check::CONTROL_PLANE_PATH,
                format!("EKS has no Kubernetes {v} on the way from {from} to {to}"),
            );
            return None;
        }
        path.push(v);
    }
    let hops: Vec<String> = std::iter::once(from)
        .chain(path.iter().copied())
        .map(|v| v.to_string())
        .collect();
    report(
        up,
        check::CONTROL_PLANE_PATH,
        Outcome::Pass,
        format!(
            "{}: {} control-plane update(s), one minor version each",
            hops.join(" -> "),
            path.len()
        ),
    );
    Some(path)
}

pub(super) fn support_check(c: &Cluster, today: NaiveDate, up: &mut Upgrade) {
    let Some(entry) = catalog::eks().version(&c.to) else {
        return;
    };
    match entry.support_on(today) {
        Support::Standard => report(
            up,
            check::END_OF_SUPPORT,
            Outcome::Pass,
            format!(
                "{} is in standard support until {}",
                c.to,
                entry.end_of_standard.map(|d| d.to_string()).unwrap_or_else(|| "(not announced)".into())
            ),
        ),
        Support::Extended => report(
            up,
            check::END_OF_SUPPORT,
            Outcome::Warn,
            format!(
                "{} is already in extended support (6 times the hourly price) until {}; consider a newer target",
                c.to,
                entry.end_of_extended.map(|d| d.to_string()).unwrap_or_default()
            ),
        ),
        Support::Ended => fail(up, check::END_OF_SUPPORT, format!("{} is past the end of extended support on {today}: EKS does not offer it", c.to)),
        Support::NotReleased => fail(up, check::END_OF_SUPPORT, format!("EKS does not offer {} yet on {today}", c.to)),
    }
}

/// Nodes never newer than the control plane, never further behind than the skew policy
/// allows, and at the control plane's minor before each of its updates: EKS refuses
/// `UpdateClusterVersion` while a managed node group is not (FACTS.md), so a group pinned
/// below the target may stay at most one minor behind it.
fn skew_check(c: &Cluster, up: &mut Upgrade) {
    let (Some(from), Some(to)) = (KubeVersion::parse(&c.from), KubeVersion::parse(&c.to)) else {
        return;
    };
    let skew = &catalog::eks().skew;
    let mut problems = Vec::new();
    let mut behind = Vec::new();
    for g in &c.node_groups {
        if let Some(cur) = g.current.as_deref().and_then(KubeVersion::parse) {
            if cur > from {
                problems.push(format!(
                    "{} runs {cur}, newer than the control plane's {from}",
                    g.address
                ));
                continue;
            }
        }
        let Some(d) = desired_of(g) else { continue };
        // The first control-plane update EKS would refuse: the one leaving the first minor
        // the group does not reach.
        let blocked = d.next().max(from);
        if d > to {
            problems.push(format!(
                "{} would run {d}, newer than the control plane's {to}",
                g.address
            ));
        } else if !skew.kubelet_allowed(to, d) {
            problems.push(format!(
                "{} would stay at {d}, more than {} minor versions behind {to}",
                g.address,
                skew.max_lag(d)
            ));
        } else if blocked < to {
            problems.push(format!(
                "{} stays at {d}: EKS refuses to update the control plane from {blocked} to {} until every managed node group is at {blocked}; let it follow the control plane (no version) or set it to {to}",
                g.address,
                blocked.next()
            ));
        } else if d < to {
            behind.push(format!(
                "{} stays at {d}; EKS refuses the next control-plane update until it matches",
                g.address
            ));
        }
    }
    if !problems.is_empty() {
        fail(up, check::VERSION_SKEW, problems.join("; "));
    } else if !behind.is_empty() {
        report(up, check::VERSION_SKEW, Outcome::Warn, behind.join("; "));
    } else {
        report(
            up,
            check::VERSION_SKEW,
            Outcome::Pass,
            format!("every node group follows the control plane to {to}"),
        );
    }
}

pub(super) fn addon_check(c: &Cluster, up: &mut Upgrade) {
    let mut problems = Vec::new();
    for a in &c.addons {
        let (Some(compat), Some(d)) = (catalog::eks().addon(&a.name), &a.desired) else {
            continue;
        };
        if !compat.is_compatible(d, &c.to) {
            let lines = compat
                .for_kubernetes(&c.to)
                .map(|l| l.lines.join(", "))
                .unwrap_or_else(|| "none".into());
            problems.push(format!(
                "{} {d} does not run on Kubernetes {} (compatible: {lines})",
                a.name, c.to
            ));
        }
    }
    if problems.is_empty() {
        report(
            up,
            check::ADDON_COMPATIBILITY,
            Outcome::Pass,
            format!("every add-on has a version for {}", c.to),
        );
    } else {
        fail(up, check::ADDON_COMPATIBILITY, problems.join("; "));
    }
}

/// Addresses a node takes from its subnet when it starts: its own, plus the VPC CNI's
/// warm pool of one interface's worth (pods then take theirs from that pool).
pub(super) fn addresses_per_node(instance_type: Option<&str>) -> u32 {
    1 + instance_type
        .and_then(catalog::instance)
        .map(|t| t.warm_pool())
        .unwrap_or(0)
}

/// EKS needs free addresses in the cluster's subnets for a control-plane update, and a
/// rolling node-group update launches new nodes before it drains old ones.
fn address_check(c: &Cluster, up: &mut Upgrade) {
    let mut problems = Vec::new();
    let mut unknown = Vec::new();
    let need = catalog::eks().free_ips_for_upgrade;
    match c.free_addresses {
        Some(free) if free < need => problems.push(format!(
            "the control-plane update needs {need} free addresses in the cluster's subnets; {free} are free"
        )),
        Some(_) => {}
        None => unknown.push(c.address.clone()),
    }
    for g in &c.node_groups {
        let surge = g.max_unavailable.max(1) * addresses_per_node(g.instance_type.as_deref());
        match g.free_addresses {
            Some(free) if free < surge => problems.push(format!(
                "{} launches {} new node(s) at a time, needing {surge} addresses; its subnets have {free} free",
                g.address,
                g.max_unavailable.max(1)
            )),
            Some(_) => {}
            None => unknown.push(g.address.clone()),
        }
    }
    if !problems.is_empty() {
        fail(up, check::SUBNET_IP_CAPACITY, problems.join("; "));
    } else if !unknown.is_empty() {
        report(
            up,
            check::SUBNET_IP_CAPACITY,
            Outcome::Warn,
            format!("free addresses unknown for {} (their subnets are not in this configuration's state)", unknown.join(", ")),
        );
    } else {
        report(
            up,
            check::SUBNET_IP_CAPACITY,
            Outcome::Pass,
            "the subnets have the addresses the upgrade needs".into(),
        );
    }
}

/// Manifests applied to the cluster must not use an API the upgrade removes; objects of
/// the cluster's YAML files must be served at every minor version on the way (EKS upgrade
/// insights flag both before an upgrade, FACTS.md). Files are judged at each minor because
/// they are applied again after the upgrade, whatever their API was removed by.
pub(super) fn removed_api_check(c: &Cluster, up: &mut Upgrade) {
    let eks = catalog::eks();
    let removed = eks.removed_between(&c.from, &c.to);
    let mut problems = Vec::new();
    for m in &c.manifests {
        if let Some(r) = removed
            .iter()
            .find(|r| r.group_version == m.api_version && r.kinds.contains(&m.kind))
        {
            problems.push(format!(
                "{} uses {} {}, removed in {}; use {}",
                m.address,
                m.api_version,
                m.kind,
                r.removed_in,
                r.replacement.as_deref().unwrap_or("no replacement")
            ));
        }
    }
    let minors: Vec<KubeVersion> = match (KubeVersion::parse(&c.from), KubeVersion::parse(&c.to)) {
        (Some(from), Some(to)) => std::iter::successors(Some(from.next()), |v| Some(v.next()))
            .take_while(|v| *v <= to)
            .collect(),
        _ => Vec::new(),
    };
    for o in &c.files.objects {
        let gone = minors.iter().find_map(|v| {
            eks.removed_api(&o.api_version, &o.kind, &v.to_string())
                .map(|r| (v, r))
        });
        if let Some((v, r)) = gone {
            problems.push(format!(
                "{} uses {} {}, which Kubernetes {v} no longer serves (removed in {}); use {}",
                o.location(),
                o.api_version,
                o.kind,
                r.removed_in,
                r.replacement.as_deref().unwrap_or("no replacement")
            ));
        }
    }
    problems.extend(c.files.errors.iter().map(|e| e.to_string()));
    if problems.is_empty() {
        report(
            up,
            check::REMOVED_APIS,
            Outcome::Pass,
            format!(
                "no manifest uses an API removed between {} and {}",
                c.from, c.to
            ),
        );
    } else {
        fail(up, check::REMOVED_APIS, problems.join("; "));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    fn group(name: &str, current: Option<&str>, desired: Option<&str>) -> NodeGroup {
        NodeGroup {
            address: format!("aws_eks_node_group.{name}"),
            current: current.map(str::to_string),
            desired: desired.map(str::to_string),
            nodes: 6,
            max_unavailable: 2,
            instance_type: Some("m5.large".into()),
            free_addresses: Some(1000),
        }
    }

    fn cluster(from: &str, to: &str, node_groups: Vec<NodeGroup>) -> Cluster {
        Cluster {
            address: "aws_eks_cluster.main".into(),
            from: from.into(),
            to: to.into(),
            node_groups,
            addons: Vec::new(),
            manifests: Vec::new(),
            files: ManifestFiles::default(),
            free_addresses: Some(1000),
            clusters_in_region: 1,
        }
    }

    /// `action:target` of every step, e.g. `control_plane:1.30 node_group:1.30`.
    fn seq(up: &Upgrade) -> String {
        up.steps
            .iter()
            .map(|s| {
                let who = s.address.rsplit('.').next().unwrap_or_default();
                format!(
                    "{}:{}:{}",
                    s.action,
                    who,
                    s.target.as_deref().unwrap_or("-")
                )
            })
            .collect::<Vec<_>>()
            .join(" ")
    }

    fn status(up: &Upgrade, name: &str) -> Outcome {
        up.checks
            .iter()
            .find(|c| c.name == name)
            .unwrap_or_else(|| panic!("no {name} check in {:#?}", up.checks))
            .status
    }

    #[test]
    fn one_control_plane_update_and_one_node_rollout_per_minor_version() {
        let today = day("2026-02-01");
        let table = [
            // FACTS.md: 1.29 -> 1.32 is CP 1.30, nodes 1.30, CP 1.31, nodes 1.31, CP 1.32, nodes 1.32.
            (
                "1.29",
                "1.32",
                vec![group("a", None, None)],
                "control_plane:main:1.30 node_group:a:1.30 control_plane:main:1.31 node_group:a:1.31 control_plane:main:1.32 node_group:a:1.32",
            ),
            // A node group already behind is rolled first: EKS refuses the update otherwise.
            (
                "1.31",
                "1.32",
                vec![group("a", Some("1.30"), None)],
                "node_group:a:1.31 control_plane:main:1.32 node_group:a:1.32",
            ),
            // Every group follows, in order.
            (
                "1.33",
                "1.34",
                vec![group("a", None, None), group("b", None, Some("1.34"))],
                "control_plane:main:1.34 node_group:a:1.34 node_group:b:1.34",
            ),
            // A group pinned one minor below the target stays there (within the skew
            // policy; EKS refuses the next update until it matches).
            (
                "1.30",
                "1.31",
                vec![group("a", None, Some("1.30"))],
                "control_plane:main:1.31",
            ),
            // Without node groups, only the control plane moves.
            ("1.32", "1.35", vec![], "control_plane:main:1.33 control_plane:main:1.34 control_plane:main:1.35"),
        ];
        for (from, to, groups, want) in table {
            let up = plan_in_place(&cluster(from, to, groups), today);
            assert_eq!(seq(&up), want, "{from} -> {to}");
            assert_eq!(status(&up, check::CONTROL_PLANE_PATH), Outcome::Pass);
            let indexes: Vec<usize> = up.steps.iter().map(|s| s.index).collect();
            assert_eq!(indexes, (1..=up.steps.len()).collect::<Vec<_>>());
        }
    }

    #[test]
    fn impossible_paths_are_refused_with_a_clear_message() {
        let today = day("2026-02-01");
        let down = plan_in_place(&cluster("1.32", "1.30", vec![]), today);
        assert!(down.steps.is_empty());
        let c = down.failures().next().unwrap();
        assert_eq!(c.name, check::CONTROL_PLANE_PATH);
        assert!(c.message.contains("never downgrades"), "{}", c.message);

        let beyond = plan_in_place(&cluster("1.35", "1.38", vec![]), today);
        assert!(beyond.steps.is_empty());
        assert!(beyond
            .failures()
            .next()
            .unwrap()
            .message
            .contains("no Kubernetes 1.37"));

        let newer_nodes = plan_in_place(
            &cluster("1.31", "1.32", vec![group("a", None, Some("1.33"))]),
            today,
        );
        assert_eq!(status(&newer_nodes, check::VERSION_SKEW), Outcome::Fail);

        let pinned = plan_in_place(
            &cluster("1.30", "1.31", vec![group("a", None, Some("1.30"))]),
            today,
        );
        assert_eq!(status(&pinned, check::VERSION_SKEW), Outcome::Warn);
        // Pinned two minors below: EKS refuses the second control-plane update.
        let stuck = plan_in_place(
            &cluster("1.30", "1.32", vec![group("a", None, Some("1.30"))]),
            today,
        );
        assert_eq!(status(&stuck, check::VERSION_SKEW), Outcome::Fail);
        let too_far = plan_in_place(
            &cluster("1.29", "1.33", vec![group("a", None, Some("1.29"))]),
            today,
        );
        assert_eq!(
            status(&too_far, check::VERSION_SKEW),
            Outcome::Fail,
            "4 minors behind"
        );
    }

    #[test]
    fn add_ons_move_when_the_new_version_needs_them() {
        let mut c = cluster("1.32", "1.34", vec![group("a", None, None)]);
        c.addons = vec![
            Addon {
                address: "aws_eks_addon.coredns".into(),
                name: "coredns".into(),
                current: Some("v1.11.4-eksbuild.24".into()),
                desired: Some("v1.13.2-eksbuild.11".into()),
            },
            Addon {
                address: "aws_eks_addon.kube_proxy".into(),
                name: "kube-proxy".into(),
                current: Some("v1.32.9-eksbuild.2".into()),
                desired: None,
            },
        ];
        let up = plan_in_place(&c, day("2026-02-01"));
        assert_eq!(
            seq(&up),
            "control_plane:main:1.33 addon:coredns:v1.12.4-eksbuild.1 addon:kube_proxy:v1.33.5-eksbuild.2 node_group:a:1.33 \
             control_plane:main:1.34 addon:coredns:v1.13.2-eksbuild.11 addon:kube_proxy:v1.34.1-eksbuild.2 node_group:a:1.34"
        );
        assert_eq!(status(&up, check::ADDON_COMPATIBILITY), Outcome::Pass);

        c.addons[0].desired = Some("v1.11.4-eksbuild.24".into());
        let up = plan_in_place(&c, day("2026-02-01"));
        let f = up.failures().next().unwrap();
        assert_eq!(f.name, check::ADDON_COMPATIBILITY);
        assert!(
            f.message
                .contains("coredns v1.11.4-eksbuild.24 does not run on Kubernetes 1.34"),
            "{}",
            f.message
        );
    }

    #[test]
    fn removed_apis_and_end_of_support_are_checked() {
        let mut c = cluster("1.24", "1.26", vec![]);
        c.manifests = vec![
            Manifest {
                address: "kubernetes_manifest.jobs".into(),
                api_version: "batch/v1beta1".into(),
                kind: "CronJob".into(),
                replicas: 0,
            },
            Manifest {
                address: "kubernetes_manifest.web".into(),
                api_version: "apps/v1".into(),
                kind: "Deployment".into(),
                replicas: 0,
            },
        ];
        let up = plan_in_place(&c, day("2024-01-01"));
        let f = up
            .failures()
            .find(|f| f.name == check::REMOVED_APIS)
            .unwrap();
        assert!(f.message.contains("kubernetes_manifest.jobs uses batch/v1beta1 CronJob, removed in 1.25; use batch/v1"), "{}", f.message);
        assert!(!f.message.contains("kubernetes_manifest.web"));

        assert_eq!(
            status(
                &plan_in_place(&cluster("1.28", "1.29", vec![]), day("2026-02-01")),
                check::END_OF_SUPPORT
            ),
            Outcome::Warn
        );
        assert_eq!(
            status(
                &plan_in_place(&cluster("1.27", "1.28", vec![]), day("2026-02-01")),
                check::END_OF_SUPPORT
            ),
            Outcome::Fail
        );
        assert_eq!(
            status(
                &plan_in_place(&cluster("1.33", "1.34", vec![]), day("2026-02-01")),
                check::END_OF_SUPPORT
            ),
            Outcome::Pass
        );
    }

    #[test]
    fn the_cost_counts_every_rollout() {
        // 6 nodes, 2 at a time: 3 batches of 5 minutes per rollout.
        let up = plan_in_place(
            &cluster("1.29", "1.32", vec![group("a", None, None)]),
            day("2026-02-01"),
        );
        assert_eq!(
            up.cost,
            Cost {
                control_plane_updates: 3,
                node_rollouts: 3,
                minutes: 3 * 10 + 3 * 15,
                downtime_minutes: 0,
            }
        );
        // Blue/green: one new cluster, each group created once, 4 shifts baked 10 minutes.
        assert_eq!(
            up.alternative,
            Some((
                "blue_green",
                Cost {
                    control_plane_updates: 0,
                    node_rollouts: 1,
                    minutes: 15 + 15 + 40,
                    downtime_minutes: 0,
                }
            ))
        );
        let j = up.to_json();
        assert_eq!(j["alternative"]["strategy"], "blue_green");
        assert_eq!(j["strategy"], "in_place");
        assert_eq!(j["steps"][0]["action"], "control_plane");
        assert_eq!(j["steps"][0]["target"], "1.30");
        assert_eq!(j["checks"][0]["status"], "pass");
    }
}

#[cfg(test)]
mod address_tests {
    use super::*;

    #[test]
    fn a_rollout_that_does_not_fit_in_the_subnets_fails_with_the_numbers() {
        let g = NodeGroup {
            address: "aws_eks_node_group.a".into(),
            current: None,
            desired: None,
            nodes: 6,
            max_unavailable: 2,
            instance_type: Some("m5.large".into()),
            free_addresses: Some(20),
        };
        let c = Cluster {
            address: "aws_eks_cluster.main".into(),
            from: "1.33".into(),
            to: "1.34".into(),
            node_groups: vec![g],
            addons: vec![],
            manifests: vec![],
            files: ManifestFiles::default(),
            free_addresses: Some(3),
            clusters_in_region: 1,
        };
        let up = plan_in_place(&c, NaiveDate::from_ymd_opt(2026, 2, 1).unwrap());
        let f = up
            .failures()
            .find(|f| f.name == check::SUBNET_IP_CAPACITY)
            .unwrap();
        // m5.large: 10 addresses per interface, so 2 x (1 + 10) = 22 for two new nodes.
        assert!(
            f.message
                .contains("needing 22 addresses; its subnets have 20 free"),
            "{}",
            f.message
        );
        assert!(
            f.message
                .contains("needs 5 free addresses in the cluster's subnets; 3 are free"),
            "{}",
            f.message
        );
    }
}
