//! Table tests of the in-place planners over many version pairs, checked against
//! ../shared/FACTS.md and the catalog: the step sequence of each pair, EKS node rollouts
//! exactly where EKS requires them, and refusals with the check and message that explain
//! them.

use chrono::NaiveDate;

use super::eks::{self, Addon, Cluster, NodeGroup};
use super::engines::{self, check as engine_check};
use super::manifest_files::{FileObject, ManifestFiles};
use super::steps::{action, check, Outcome, Upgrade};
use crate::catalog::{CacheEngine, KubeVersion};

/// The day the tables are judged on (support dates depend on it).
fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 2, 1).expect("a date")
}

/// `action:target` of every step, the resource's name between them for EKS
/// (`control_plane:main:1.30 node_group:a:1.30`).
fn seq(up: &Upgrade) -> String {
    up.steps
        .iter()
        .map(|s| {
            let target = s.target.as_deref().unwrap_or("-");
            if up.kind == "eks" {
                let who = s.address.rsplit('.').next().unwrap_or_default();
                format!("{}:{who}:{target}", s.action)
            } else {
                format!("{}:{target}", s.action)
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// What a row expects: these steps and no failed check, or a failed check whose message
/// holds this text.
#[derive(Debug)]
enum Want {
    Steps(&'static str),
    Refused(&'static str, &'static str),
}

fn assert_row(up: &Upgrade, want: &Want, row: &str) {
    match want {
        Want::Steps(steps) => {
            assert_eq!(seq(up), *steps, "{row}");
            let failed: Vec<_> = up.failures().collect();
            assert!(failed.is_empty(), "{row}: {failed:#?}");
            let indexes: Vec<usize> = up.steps.iter().map(|s| s.index).collect();
            assert_eq!(indexes, (1..=up.steps.len()).collect::<Vec<_>>(), "{row}");
        }
        Want::Refused(name, text) => {
            let f = up
                .failures()
                .find(|c| c.name == *name)
                .unwrap_or_else(|| panic!("{row}: no failed {name} in {:#?}", up.checks));
            assert!(f.message.contains(text), "{row}: {:?}", f.message);
        }
    }
}

// ---------------------------------------------------------------------------------------
// EKS in place

fn group(name: &str, current: Option<&str>, desired: Option<&str>) -> NodeGroup {
    NodeGroup {
        address: format!("aws_eks_node_group.{name}"),
        current: current.map(str::to_string),
        desired: desired.map(str::to_string),
        nodes: 4,
        max_unavailable: 2,
        instance_type: Some("m5.large".into()),
        free_addresses: Some(1000),
    }
}

fn addon(name: &str, current: &str, desired: Option<&str>) -> Addon {
    Addon {
        address: format!("aws_eks_addon.{}", name.replace('-', "_")),
        name: name.into(),
        current: Some(current.into()),
        desired: desired.map(str::to_string),
    }
}

fn cluster(from: &str, to: &str, node_groups: Vec<NodeGroup>, addons: Vec<Addon>) -> Cluster {
    Cluster {
        address: "aws_eks_cluster.main".into(),
        from: from.into(),
        to: to.into(),
        node_groups,
        addons,
        manifests: Vec::new(),
        files: ManifestFiles::default(),
        free_addresses: Some(1000),
        clusters_in_region: 1,
    }
}

/// Replays the steps of a plan the planner accepted against EKS's rules (FACTS.md): the
/// control plane moves one minor at a time and only while every managed node group is at
/// its minor; a node group moves up, never past the control plane; add-ons move only
/// after the control plane reached the version they are updated for.
fn replay_against_eks(c: &Cluster, up: &Upgrade) {
    let from = KubeVersion::parse(&c.from).expect("from");
    let mut cp = from;
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
    let mut rollouts = 0;
    for s in &up.steps {
        let target = s.target.as_deref().expect("every EKS step has a target");
        match s.action {
            action::CONTROL_PLANE => {
                let v = KubeVersion::parse(target).expect("a version");
                assert_eq!(v, cp.next(), "one minor per update: {s:?}");
                for (g, n) in c.node_groups.iter().zip(&nodes) {
                    assert_eq!(*n, cp, "EKS refuses {s:?} while {} is at {n}", g.address);
                }
                cp = v;
            }
            action::NODE_GROUP => {
                let v = KubeVersion::parse(target).expect("a version");
                let i = c
                    .node_groups
                    .iter()
                    .position(|g| g.address == s.address)
                    .expect("a node group of the cluster");
                assert!(v <= cp, "nodes never newer than the control plane: {s:?}");
                assert!(v > nodes[i], "a rollout moves the group up: {s:?}");
                nodes[i] = v;
                rollouts += 1;
            }
            action::ADDON => {
                let a = c
                    .addons
                    .iter()
                    .find(|a| a.address == s.address)
                    .expect("an add-on of the cluster");
                let compat = crate::catalog::eks().addon(&a.name).expect("known add-on");
                assert!(
                    compat.is_compatible(target, &cp.to_string()),
                    "{target} runs on the control plane's {cp}: {s:?}"
                );
            }
            other => panic!("unexpected in-place step {other}"),
        }
    }
    assert_eq!(cp.to_string(), c.to, "the control plane reaches the target");
    assert_eq!(up.cost.node_rollouts, rollouts);
    assert_eq!(
        up.cost.control_plane_updates as usize,
        up.steps
            .iter()
            .filter(|s| s.action == action::CONTROL_PLANE)
            .count()
    );
}

/// (from, to, node groups, add-ons, expected).
type EksRow = (&'static str, &'static str, Vec<NodeGroup>, Vec<Addon>, Want);

#[test]
fn eks_in_place_steps_follow_what_eks_requires() {
    use Want::*;
    let follows = || group("a", None, None);
    let table: Vec<EksRow> = vec![
        // One minor: the control plane, then the nodes (1.29 is in extended support on
        // 2026-02-01: a warning, not a refusal).
        (
            "1.28",
            "1.29",
            vec![follows()],
            vec![],
            Steps("control_plane:main:1.29 node_group:a:1.29"),
        ),
        // Three minors: three control-plane updates, each followed by a full rollout,
        // because EKS refuses the next update until every managed node group matches.
        (
            "1.28",
            "1.31",
            vec![follows()],
            vec![],
            Steps(
                "control_plane:main:1.29 node_group:a:1.29 \
                 control_plane:main:1.30 node_group:a:1.30 \
                 control_plane:main:1.31 node_group:a:1.31",
            ),
        ),
        // FACTS.md's example, with a group following and a group pinned to the target:
        // both are rolled at every minor.
        (
            "1.29",
            "1.32",
            vec![follows(), group("b", None, Some("1.32"))],
            vec![],
            Steps(
                "control_plane:main:1.30 node_group:a:1.30 node_group:b:1.30 \
                 control_plane:main:1.31 node_group:a:1.31 node_group:b:1.31 \
                 control_plane:main:1.32 node_group:a:1.32 node_group:b:1.32",
            ),
        ),
        // A group pinned one minor behind the target stays: allowed by the skew policy,
        // and no later control-plane update is needed in this plan.
        (
            "1.30",
            "1.31",
            vec![follows(), group("b", None, Some("1.30"))],
            vec![],
            Steps("control_plane:main:1.31 node_group:a:1.31"),
        ),
        // A group already behind the control plane (after an automatic control-plane
        // upgrade) is rolled first: EKS would refuse the first update otherwise.
        (
            "1.31",
            "1.33",
            vec![group("a", Some("1.29"), None)],
            vec![],
            Steps(
                "node_group:a:1.31 control_plane:main:1.32 node_group:a:1.32 \
                 control_plane:main:1.33 node_group:a:1.33",
            ),
        ),
        // A group created in this plan (no current version) starts at the control plane's.
        (
            "1.33",
            "1.34",
            vec![group("new", None, None)],
            vec![],
            Steps("control_plane:main:1.34 node_group:new:1.34"),
        ),
        // No node groups (Fargate or self-managed only): the control plane alone.
        (
            "1.32",
            "1.35",
            vec![],
            vec![],
            Steps("control_plane:main:1.33 control_plane:main:1.34 control_plane:main:1.35"),
        ),
        // Add-ons after the control plane, one minor line at a time: CoreDNS 1.12 still
        // runs on 1.34 but not on 1.35 (1.14 only), so it goes to 1.13 on 1.34 first;
        // kube-proxy carries the cluster's minor and moves every time.
        (
            "1.33",
            "1.35",
            vec![follows()],
            vec![
                addon("coredns", "v1.12.4-eksbuild.1", None),
                addon("kube-proxy", "v1.33.5-eksbuild.2", None),
            ],
            Steps(
                "control_plane:main:1.34 addon:coredns:v1.13.2-eksbuild.11 \
                 addon:kube_proxy:v1.34.1-eksbuild.2 node_group:a:1.34 \
                 control_plane:main:1.35 addon:coredns:v1.14.3-eksbuild.3 \
                 addon:kube_proxy:v1.35.3-eksbuild.13 node_group:a:1.35",
            ),
        ),
        // The VPC CNI line runs on every supported version: not touched.
        (
            "1.32",
            "1.34",
            vec![],
            vec![addon("vpc-cni", "v1.19.2-eksbuild.1", None)],
            Steps("control_plane:main:1.33 control_plane:main:1.34"),
        ),
        // Refusals.
        (
            "1.31",
            "1.29",
            vec![follows()],
            vec![],
            Refused(
                check::CONTROL_PLANE_PATH,
                "EKS never downgrades a control plane: 1.31 -> 1.29 is refused",
            ),
        ),
        (
            "1.35",
            "1.37",
            vec![],
            vec![],
            Refused(
                check::CONTROL_PLANE_PATH,
                "EKS has no Kubernetes 1.37 on the way from 1.35 to 1.37",
            ),
        ),
        (
            "1.31",
            "latest",
            vec![],
            vec![],
            Refused(check::CONTROL_PLANE_PATH, "cannot read versions"),
        ),
        // 1.36 is in the catalog without an EKS release date.
        (
            "1.35",
            "1.36",
            vec![],
            vec![],
            Refused(check::END_OF_SUPPORT, "EKS does not offer 1.36 yet"),
        ),
        (
            "1.27",
            "1.28",
            vec![],
            vec![],
            Refused(check::END_OF_SUPPORT, "past the end of extended support"),
        ),
        // Skew: nodes never newer than the control plane...
        (
            "1.31",
            "1.32",
            vec![group("a", None, Some("1.33"))],
            vec![],
            Refused(
                check::VERSION_SKEW,
                "aws_eks_node_group.a would run 1.33, newer than the control plane's 1.32",
            ),
        ),
        (
            "1.31",
            "1.32",
            vec![group("a", Some("1.32"), None)],
            vec![],
            Refused(
                check::VERSION_SKEW,
                "aws_eks_node_group.a runs 1.32, newer than the control plane's 1.31",
            ),
        ),
        // ... at most three minors behind (two for kubelets older than 1.25) ...
        (
            "1.29",
            "1.33",
            vec![group("a", None, Some("1.29"))],
            vec![],
            Refused(check::VERSION_SKEW, "more than 3 minor versions behind 1.33"),
        ),
        (
            "1.24",
            "1.27",
            vec![group("a", None, Some("1.24"))],
            vec![],
            Refused(check::VERSION_SKEW, "more than 2 minor versions behind 1.27"),
        ),
        // ... and at the control plane's minor before each of its updates: a group pinned
        // two minors behind the target blocks the second update (within the skew policy,
        // yet EKS refuses it).
        (
            "1.30",
            "1.32",
            vec![follows(), group("b", None, Some("1.30"))],
            vec![],
            Refused(
                check::VERSION_SKEW,
                "aws_eks_node_group.b stays at 1.30: EKS refuses to update the control plane from 1.31 to 1.32 until every managed node group is at 1.31",
            ),
        ),
        // An add-on version the target does not run.
        (
            "1.33",
            "1.34",
            vec![],
            vec![addon(
                "kube-proxy",
                "v1.33.5-eksbuild.2",
                Some("v1.33.5-eksbuild.2"),
            )],
            Refused(
                check::ADDON_COMPATIBILITY,
                "kube-proxy v1.33.5-eksbuild.2 does not run on Kubernetes 1.34",
            ),
        ),
    ];
    for (from, to, groups, addons, want) in table {
        let c = cluster(from, to, groups, addons);
        let up = eks::plan_in_place(&c, today());
        let row = format!("EKS {from} -> {to}");
        assert_row(&up, &want, &row);
        if matches!(want, Want::Steps(_)) {
            replay_against_eks(&c, &up);
        }
    }
}

#[test]
fn a_refused_control_plane_path_plans_no_step() {
    for (from, to) in [("1.31", "1.29"), ("1.35", "1.37"), ("x", "1.30")] {
        let up = eks::plan_in_place(
            &cluster(from, to, vec![group("a", None, None)], vec![]),
            today(),
        );
        assert!(up.steps.is_empty(), "{from} -> {to}: {}", seq(&up));
    }
}

/// A file object for the removed-API rows.
fn object(line: usize, api_version: &str, kind: &str) -> FileObject {
    FileObject {
        file: "k8s/app.yaml".into(),
        line,
        api_version: api_version.into(),
        kind: kind.into(),
    }
}

#[test]
fn yaml_objects_are_judged_at_every_minor_on_the_way() {
    // (from, to, object, the failure's text or None when served all the way)
    let table = [
        (
            "1.24",
            "1.26",
            object(3, "batch/v1beta1", "CronJob"),
            Some("k8s/app.yaml:3 uses batch/v1beta1 CronJob, which Kubernetes 1.25 no longer serves (removed in 1.25); use batch/v1"),
        ),
        (
            "1.25",
            "1.27",
            object(9, "autoscaling/v2beta2", "HorizontalPodAutoscaler"),
            Some("k8s/app.yaml:9 uses autoscaling/v2beta2 HorizontalPodAutoscaler, which Kubernetes 1.26 no longer serves (removed in 1.26); use autoscaling/v2"),
        ),
        // Removed before the current version: the file cannot be applied at any minor on
        // the way either.
        (
            "1.28",
            "1.29",
            object(1, "extensions/v1beta1", "Deployment"),
            Some("k8s/app.yaml:1 uses extensions/v1beta1 Deployment, which Kubernetes 1.29 no longer serves (removed in 1.16); use apps/v1"),
        ),
        (
            "1.31",
            "1.33",
            object(5, "flowcontrol.apiserver.k8s.io/v1beta3", "FlowSchema"),
            Some("which Kubernetes 1.32 no longer serves (removed in 1.32); use flowcontrol.apiserver.k8s.io/v1"),
        ),
        (
            "1.24",
            "1.25",
            object(2, "policy/v1beta1", "PodSecurityPolicy"),
            Some("PodSecurityPolicy, which Kubernetes 1.25 no longer serves (removed in 1.25); use no replacement"),
        ),
        // Served all the way.
        ("1.30", "1.31", object(1, "flowcontrol.apiserver.k8s.io/v1beta3", "FlowSchema"), None),
        ("1.28", "1.34", object(1, "apps/v1", "Deployment"), None),
        ("1.28", "1.34", object(1, "extensions/v1beta1", "Ingress"), Some("removed in 1.22")),
    ];
    for (from, to, o, want) in table {
        let mut c = cluster(from, to, vec![], vec![]);
        let what = format!("{} {} {from} -> {to}", o.api_version, o.kind);
        c.files.objects.push(o);
        let up = eks::plan_in_place(&c, today());
        let removed = up
            .checks
            .iter()
            .find(|x| x.name == check::REMOVED_APIS)
            .expect("a removed_apis check");
        match want {
            Some(text) => {
                assert_eq!(removed.status, Outcome::Fail, "{what}");
                assert!(
                    removed.message.contains(text),
                    "{what}: {}",
                    removed.message
                );
            }
            None => assert_eq!(removed.status, Outcome::Pass, "{what}: {}", removed.message),
        }
    }
}

// ---------------------------------------------------------------------------------------
// Aurora

/// (engine, from, to, allow_major_version_upgrade, cluster parameter group family, expected).
type AuroraRow = (
    &'static str,
    &'static str,
    &'static str,
    bool,
    Option<&'static str>,
    Want,
);

#[test]
fn aurora_steps_follow_valid_upgrade_targets() {
    use Want::*;
    let table: Vec<AuroraRow> = vec![
        // Minor versions in place.
        ("aurora-postgresql", "15.10", "15.12", false, None, Steps("engine_minor:15.12")),
        ("aurora-postgresql", "16.6", "16.10", false, Some("aurora-postgresql16"), Steps("engine_minor:16.10")),
        ("aurora-postgresql", "13.18", "13.22", false, None, Steps("engine_minor:13.22")),
        // Major versions: allowed, with a group of the target family (or the default).
        (
            "aurora-postgresql",
            "15.10",
            "16.8",
            true,
            Some("aurora-postgresql16"),
            Steps("engine_major:16.8"),
        ),
        ("aurora-postgresql", "13.22", "17.6", true, None, Steps("engine_major:17.6")),
        ("aurora-postgresql", "14.19", "15.14", true, Some("aurora-postgresql15"), Steps("engine_major:15.14")),
        // Aurora MySQL: 2.x minor, 2 -> 3 major, 3.x minor.
        (
            "aurora-mysql",
            "5.7.mysql_aurora.2.11.5",
            "5.7.mysql_aurora.2.12.4",
            false,
            None,
            Steps("engine_minor:5.7.mysql_aurora.2.12.4"),
        ),
        (
            "aurora-mysql",
            "5.7.mysql_aurora.2.12.4",
            "8.0.mysql_aurora.3.10.0",
            true,
            Some("aurora-mysql8.0"),
            Steps("engine_major:8.0.mysql_aurora.3.10.0"),
        ),
        (
            "aurora-mysql",
            "8.0.mysql_aurora.3.04.3",
            "8.0.mysql_aurora.3.10.0",
            false,
            None,
            Steps("engine_minor:8.0.mysql_aurora.3.10.0"),
        ),
        // Refusals: no downgrade, ever.
        (
            "aurora-postgresql",
            "16.8",
            "16.6",
            true,
            None,
            Refused(engine_check::UPGRADE_PATH, "aurora-postgresql 16.8 -> 16.6: RDS never downgrades an engine"),
        ),
        (
            "aurora-mysql",
            "8.0.mysql_aurora.3.04.3",
            "5.7.mysql_aurora.2.12.4",
            true,
            None,
            Refused(engine_check::UPGRADE_PATH, "RDS never downgrades"),
        ),
        // Only valid targets: the newest 13.x cannot reach an older 17.x release.
        (
            "aurora-postgresql",
            "13.22",
            "17.4",
            true,
            None,
            Refused(engine_check::UPGRADE_PATH, "no chain of valid upgrade targets leads there (from 13.22: 14.19, 15.14, 16.10, 17.6)"),
        ),
        (
            "aurora-postgresql",
            "15.10",
            "15.11",
            false,
            None,
            Refused(engine_check::UPGRADE_PATH, "no chain of valid upgrade targets"),
        ),
        // A major version needs allow_major_version_upgrade and a group of its family.
        (
            "aurora-postgresql",
            "15.10",
            "16.8",
            false,
            None,
            Refused(engine_check::UPGRADE_PATH, "needs allow_major_version_upgrade = true"),
        ),
        (
            "aurora-postgresql",
            "15.12",
            "17.6",
            true,
            Some("aurora-postgresql15"),
            Refused(engine_check::PARAMETER_GROUP_FAMILY, "aurora-postgresql 17.6 needs a group of family aurora-postgresql17"),
        ),
        (
            "aurora-mysql",
            "5.7.mysql_aurora.2.11.5",
            "8.0.mysql_aurora.3.08.2",
            true,
            Some("aurora-mysql5.7"),
            Refused(engine_check::PARAMETER_GROUP_FAMILY, "needs a group of family aurora-mysql8.0"),
        ),
        (
            "aurora-sqlserver",
            "1",
            "2",
            true,
            None,
            Refused(engine_check::UPGRADE_PATH, "aurora-sqlserver is not an Aurora engine"),
        ),
    ];
    for (engine, from, to, allow, family, want) in table {
        let up = engines::aurora(
            "aws_rds_cluster.db",
            engine,
            from,
            to,
            allow,
            family,
            today(),
        );
        assert_row(&up, &want, &format!("{engine} {from} -> {to}"));
    }
}

#[test]
fn aurora_support_of_the_target_major_is_judged_on_the_day() {
    // Aurora PostgreSQL 13: standard support until 2026-02-28, then RDS Extended Support.
    let on = |d: &str| {
        let day = NaiveDate::parse_from_str(d, "%Y-%m-%d").unwrap();
        let up = engines::aurora(
            "aws_rds_cluster.db",
            "aurora-postgresql",
            "13.18",
            "13.22",
            false,
            None,
            day,
        );
        up.checks
            .iter()
            .find(|c| c.name == engine_check::END_OF_SUPPORT)
            .map(|c| c.status)
    };
    assert_eq!(on("2026-02-28"), Some(Outcome::Pass));
    assert_eq!(on("2026-03-01"), Some(Outcome::Warn));
    assert_eq!(on("2029-03-01"), Some(Outcome::Fail));
}

// ---------------------------------------------------------------------------------------
// MSK

#[test]
fn msk_steps_go_only_through_compatible_versions() {
    use Want::*;
    let table: Vec<(&str, &str, Want)> = vec![
        ("3.6.0", "3.8.x", Steps("kafka_version:3.8.x")),
        ("3.7.x", "3.9.x", Steps("kafka_version:3.9.x")),
        ("2.8.2.tiered", "3.7.x", Steps("kafka_version:3.7.x")),
        // 2.x versions before 2.6 go to 2.6 and later in one step (their compatible list
        // holds every later ZooKeeper version).
        ("2.2.1", "3.9.x", Steps("kafka_version:3.9.x")),
        ("3.7.x.kraft", "4.0.x.kraft", Steps("kafka_version:4.0.x.kraft")),
        ("3.8.x", "3.8.x", Steps("")),
        // No downgrade.
        (
            "3.8.x",
            "3.6.0",
            Refused(
                engine_check::KAFKA_COMPATIBILITY,
                "MSK cannot upgrade Apache Kafka 3.8.x to 3.6.0 in place (compatible with 3.8.x: 3.9.x)",
            ),
        ),
        // No change of metadata mode in place, either way.
        (
            "3.9.x",
            "4.0.x.kraft",
            Refused(engine_check::KAFKA_COMPATIBILITY, "(compatible with 3.9.x: none)"),
        ),
        (
            "3.8.x.kraft",
            "3.9.x",
            Refused(engine_check::KAFKA_COMPATIBILITY, "a change of metadata mode needs a new cluster"),
        ),
        // A version MSK never offered.
        (
            "3.6.0",
            "3.6.1",
            Refused(engine_check::KAFKA_COMPATIBILITY, "MSK cannot upgrade Apache Kafka 3.6.0 to 3.6.1"),
        ),
        // A target past its end of support (2024-09-11).
        (
            "2.6.0",
            "3.4.0",
            Refused(engine_check::END_OF_SUPPORT, "MSK no longer supports 3.4.0"),
        ),
    ];
    for (from, to, want) in table {
        let up = engines::msk("aws_msk_cluster.events", from, to, 3, today());
        assert_row(&up, &want, &format!("MSK {from} -> {to}"));
    }
}

#[test]
fn msk_takes_the_shortest_chain_when_no_direct_target_exists() {
    // The catalog's compatible lists are all direct today; the planner follows chains
    // where the service's list has none (e.g. an older GetCompatibleKafkaVersions).
    let targets = |v: &str| -> Vec<String> {
        match v {
            "2.2.1" => vec!["2.6.0".into()],
            "2.6.0" => vec!["2.8.1".into(), "3.5.1".into()],
            "3.5.1" => vec!["3.8.x".into()],
            _ => vec![],
        }
    };
    assert_eq!(
        engines::path("2.2.1", "3.8.x", targets),
        Some(vec!["2.6.0".into(), "3.5.1".into(), "3.8.x".into()])
    );
    assert_eq!(engines::path("3.8.x", "2.2.1", targets), None);
}

// ---------------------------------------------------------------------------------------
// ElastiCache

/// (from, to, expected).
type CacheRow = (
    (CacheEngine, &'static str),
    (CacheEngine, &'static str),
    Want,
);

#[test]
fn elasticache_steps_follow_valid_paths_and_may_become_valkey() {
    use CacheEngine::{Redis, Valkey};
    use Want::*;
    let table: Vec<CacheRow> = vec![
        (
            (Redis, "6.2"),
            (Redis, "7.1"),
            Steps("engine_version:redis 7.1"),
        ),
        (
            (Redis, "4.0.10"),
            (Redis, "7.0"),
            Steps("engine_version:redis 7.0"),
        ),
        // Redis OSS to Valkey in place, same endpoints.
        (
            (Redis, "7.1"),
            (Valkey, "7.2"),
            Steps("engine_version:valkey 7.2"),
        ),
        (
            (Redis, "6.0"),
            (Valkey, "8.1"),
            Steps("engine_version:valkey 8.1"),
        ),
        // The catalog lists Valkey targets from Redis OSS 5.0.6 on (the version the docs
        // name for an upgrade without downtime): 4.0.10 goes through 5.0.6.
        (
            (Redis, "4.0.10"),
            (Valkey, "8.0"),
            Steps("engine_version:redis 5.0.6 engine_version:valkey 8.0"),
        ),
        (
            (Valkey, "7.2"),
            (Valkey, "8.2"),
            Steps("engine_version:valkey 8.2"),
        ),
        // Refusals: never down, never from Valkey back to Redis OSS, no Redis OSS 7.2.
        (
            (Redis, "7.0"),
            (Redis, "6.2"),
            Refused(
                engine_check::UPGRADE_PATH,
                "ElastiCache cannot change redis 7.0 to redis 6.2 in place",
            ),
        ),
        (
            (Valkey, "8.0"),
            (Redis, "7.1"),
            Refused(
                engine_check::UPGRADE_PATH,
                "never from Valkey back to Redis OSS",
            ),
        ),
        (
            (Valkey, "8.2"),
            (Valkey, "8.0"),
            Refused(engine_check::UPGRADE_PATH, "never down"),
        ),
        (
            (Redis, "7.1"),
            (Redis, "7.2"),
            Refused(
                engine_check::UPGRADE_PATH,
                "cannot change redis 7.1 to redis 7.2",
            ),
        ),
    ];
    for (from, to, want) in table {
        let up = engines::elasticache("aws_elasticache_replication_group.c", from, to, 2);
        assert_row(&up, &want, &format!("{from:?} -> {to:?}"));
    }
}
