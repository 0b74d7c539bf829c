//! Planners for managed engines upgraded along their service's valid paths: Aurora
//! (`engine_minor` / `engine_major`, or major versions through RDS blue/green deployments),
//! MSK (`kafka_version`) and ElastiCache (`engine_version`), one step per hop of the
//! shortest path of valid targets.

use std::collections::{HashMap, VecDeque};

use chrono::NaiveDate;

use super::steps::{CheckResult, Cost, Outcome, Step, Upgrade};
use crate::catalog::{self, CacheEngine};

/// Step actions of these planners.
pub mod action {
    /// An Aurora minor version upgrade, in place.
    pub const ENGINE_MINOR: &str = "engine_minor";
    /// An Aurora major version upgrade, in place (downtime).
    pub const ENGINE_MAJOR: &str = "engine_major";
    /// An Aurora major version through an RDS Blue/Green Deployment: a green copy of the
    /// cluster at the target version, kept in sync by replication while blue serves.
    pub const BLUE_GREEN_DEPLOYMENT: &str = "blue_green_deployment";
    /// The switchover of a blue/green deployment: the green cluster takes the blue one's
    /// endpoints and identifiers, with writes stopped for up to a minute.
    pub const SWITCHOVER: &str = "switchover";
    /// Delete the old (blue) cluster, which RDS keeps after a switchover.
    pub const DELETE_BLUE: &str = "delete_blue";
    /// An MSK Apache Kafka version upgrade, rolling broker by broker.
    pub const KAFKA_VERSION: &str = "kafka_version";
    /// An ElastiCache engine version upgrade, in place.
    pub const ENGINE_VERSION: &str = "engine_version";
}

/// Check names of these planners.
pub mod check {
    /// The cluster parameter group's family suits every major version on the way.
    pub const PARAMETER_GROUP_FAMILY: &str = "parameter_group_family";
    /// Aurora PostgreSQL blue/green: the blue cluster parameter group turns on logical
    /// replication.
    pub const LOGICAL_REPLICATION: &str = "logical_replication";
    /// MSK can reach the target through compatible versions.
    pub const KAFKA_COMPATIBILITY: &str = "kafka_compatibility";
    /// The service offers a path of valid in-place upgrades to the target.
    pub const UPGRADE_PATH: &str = "upgrade_path";
    /// The target version is supported on the day of the plan.
    pub const END_OF_SUPPORT: &str = "end_of_support";
}

/// The shortest path from `from` to `to` (both excluded from nothing: the result starts
/// after `from` and ends with `to`) where each hop is one of `targets(version)`.
pub fn path(from: &str, to: &str, targets: impl Fn(&str) -> Vec<String>) -> Option<Vec<String>> {
    if from == to {
        return Some(Vec::new());
    }
    let mut prev: HashMap<String, String> = HashMap::new();
    let mut queue = VecDeque::from([from.to_string()]);
    while let Some(v) = queue.pop_front() {
        for t in targets(&v) {
            if t == from || prev.contains_key(&t) {
                continue;
            }
            prev.insert(t.clone(), v.clone());
            if t == to {
                let mut out = vec![t];
                while let Some(p) = prev.get(out.last().expect("non-empty")) {
                    if p == from {
                        break;
                    }
                    out.push(p.clone());
                }
                out.reverse();
                return Some(out);
            }
            queue.push_back(t);
        }
    }
    None
}

fn result(name: &'static str, status: Outcome, message: String) -> CheckResult {
    CheckResult {
        name,
        status,
        message,
    }
}

fn new_upgrade(address: &str, kind: &'static str, from: &str, to: &str) -> Upgrade {
    Upgrade {
        address: address.to_string(),
        kind,
        from: from.to_string(),
        to: to.to_string(),
        strategy: "in_place",
        steps: Vec::new(),
        checks: Vec::new(),
        cost: Cost::default(),
        alternative: None,
    }
}

/// Appends step `(action, target)` costing `(minutes, downtime minutes)`.
fn push(
    up: &mut Upgrade,
    (act, target): (&'static str, Option<&str>),
    (minutes, downtime): (u32, u32),
    description: String,
) {
    add(&mut up.cost, minutes, downtime);
    up.steps.push(Step {
        index: up.steps.len() + 1,
        address: up.address.clone(),
        action: act,
        target: target.map(str::to_string),
        description,
        when: None,
    });
}

/// An Aurora minor version upgrade in place: the instances are patched together, so the
/// cluster is unavailable for about as long.
const MINOR_MINUTES: u32 = 10;
/// An Aurora major version upgrade in place (pg_upgrade, the MySQL 8 upgrade), all of it
/// downtime.
const MAJOR_MINUTES: u32 = 30;
/// A blue/green deployment: the green copy created, upgraded to the target and caught up
/// by replication, while blue serves.
const GREEN_MINUTES: u32 = 50;
/// A switchover: writes stop for up to a minute.
const SWITCHOVER_MINUTES: u32 = 1;
/// Deleting the old cluster and its instances.
const DELETE_BLUE_MINUTES: u32 = 5;

/// The switchover timeout RDS uses when none is configured, in seconds.
pub const DEFAULT_SWITCHOVER_TIMEOUT: u32 = 300;
/// The switchover timeouts RDS accepts, in seconds.
pub const SWITCHOVER_TIMEOUTS: std::ops::RangeInclusive<u32> = 30..=3600;
/// The Aurora PostgreSQL parameter that turns logical replication on (`1`).
pub const LOGICAL_REPLICATION_PARAMETER: &str = "rds.logical_replication";

/// An enabled `blue_green_update` block of an Aurora cluster, with what its deployments
/// depend on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuroraBlueGreen {
    /// Seconds the switchover may take before RDS rolls everything back
    /// ([`SWITCHOVER_TIMEOUTS`]).
    pub switchover_timeout: u32,
    /// The blue cluster's parameter group (`default.aurora-postgresql15` for a default
    /// one); `None` when unknown.
    pub parameter_group: Option<String>,
    /// Whether that group sets `rds.logical_replication = 1`; `None` when the plan does
    /// not know the group.
    pub logical_replication: Option<bool>,
}

/// An Aurora cluster whose engine version changes.
#[derive(Debug, Clone, PartialEq)]
pub struct Aurora<'a> {
    /// Its address.
    pub address: &'a str,
    /// `aurora-postgresql` or `aurora-mysql`.
    pub engine: &'a str,
    /// The running version.
    pub from: &'a str,
    /// The configured version.
    pub to: &'a str,
    /// `allow_major_version_upgrade`.
    pub allow_major: bool,
    /// The family of its custom cluster parameter group after the change (`None` for the
    /// default group, which RDS switches itself).
    pub parameter_group_family: Option<&'a str>,
    /// `Some` when its major versions go through RDS Blue/Green Deployments.
    pub blue_green: Option<AuroraBlueGreen>,
}

/// An Aurora cluster upgraded in place; see [`aurora_upgrade`].
pub fn aurora(
    address: &str,
    engine: &str,
    from: &str,
    to: &str,
    allow_major: bool,
    parameter_group_family: Option<&str>,
    today: NaiveDate,
) -> Upgrade {
    aurora_upgrade(
        &Aurora {
            address,
            engine,
            from,
            to,
            allow_major,
            parameter_group_family,
            blue_green: None,
        },
        today,
    )
}

/// The upgrade of an Aurora cluster, one hop at a time along the catalog's valid targets:
/// minor hops in place; major hops in place, or with [`Aurora::blue_green`] each as an RDS
/// blue/green deployment (create the green copy, switch over, delete the old cluster),
/// with the in-place cost as the alternative.
pub fn aurora_upgrade(c: &Aurora, today: NaiveDate) -> Upgrade {
    let Aurora {
        address,
        engine,
        from,
        to,
        ..
    } = *c;
    let mut up = new_upgrade(address, "aurora", from, to);
    let Some(cat) = catalog::aurora(engine) else {
        up.checks.push(result(
            check::UPGRADE_PATH,
            Outcome::Fail,
            format!("{engine} is not an Aurora engine"),
        ));
        return up;
    };
    let Some(hops) = path(from, to, |v| cat.upgrade_targets(v).to_vec()) else {
        let why = if catalog::compare_versions(to, from).is_lt() {
            "RDS never downgrades an engine".to_string()
        } else {
            format!(
                "no chain of valid upgrade targets leads there (from {from}: {})",
                cat.upgrade_targets(from).join(", ")
            )
        };
        up.checks.push(result(
            check::UPGRADE_PATH,
            Outcome::Fail,
            format!("{engine} {from} -> {to}: {why}"),
        ));
        return up;
    };
    up.checks.push(result(
        check::UPGRADE_PATH,
        Outcome::Pass,
        format!("{} -> {}", from, hops.join(" -> ")),
    ));
    let mut prev = from.to_string();
    let mut majors = Vec::new();
    let mut in_place = Cost::default();
    for hop in &hops {
        if !cat.is_major_upgrade(&prev, hop) {
            push(
                &mut up,
                (action::ENGINE_MINOR, Some(hop)),
                (MINOR_MINUTES, MINOR_MINUTES),
                format!("upgrade {address} to {engine} {hop} in place: a minor version (about {MINOR_MINUTES} minutes)"),
            );
            add(&mut in_place, MINOR_MINUTES, MINOR_MINUTES);
        } else if let Some(bg) = &c.blue_green {
            blue_green_hop(&mut up, engine, hop, bg);
            add(&mut in_place, MAJOR_MINUTES, MAJOR_MINUTES);
            majors.push(hop.clone());
        } else {
            push(
                &mut up,
                (action::ENGINE_MAJOR, Some(hop)),
                (MAJOR_MINUTES, MAJOR_MINUTES),
                format!("upgrade {address} to {engine} {hop} in place: a major version, with downtime (about {MAJOR_MINUTES} minutes)"),
            );
            add(&mut in_place, MAJOR_MINUTES, MAJOR_MINUTES);
            majors.push(hop.clone());
        }
        prev = hop.clone();
    }
    if let (Some(bg), false) = (&c.blue_green, majors.is_empty()) {
        up.strategy = "blue_green";
        up.alternative = Some(("in_place", in_place));
        if engine == "aurora-postgresql" {
            up.checks.push(logical_replication(address, bg));
        }
    }
    if !majors.is_empty() && !c.allow_major {
        up.checks.push(result(
            check::UPGRADE_PATH,
            Outcome::Fail,
            "a major version upgrade needs allow_major_version_upgrade = true".into(),
        ));
    }
    let wanted = cat.family(to).unwrap_or_default();
    match c.parameter_group_family {
        Some(f) if !majors.is_empty() && f != wanted => up.checks.push(result(
            check::PARAMETER_GROUP_FAMILY,
            Outcome::Fail,
            format!("the cluster parameter group is of family {f}; {engine} {to} needs a group of family {wanted}: create one and name it in db_cluster_parameter_group_name"),
        )),
        _ => up.checks.push(result(
            check::PARAMETER_GROUP_FAMILY,
            Outcome::Pass,
            format!("the cluster parameter group suits {wanted}"),
        )),
    }
    if let Some(m) = cat.major_of(to) {
        match (m.end_of_standard, m.end_of_extended) {
            (Some(s), e) if today > s => up.checks.push(result(
                check::END_OF_SUPPORT,
                if e.is_some_and(|e| today <= e) {
                    Outcome::Warn
                } else {
                    Outcome::Fail
                },
                format!("{engine} {} is past standard support (ended {s})", m.major),
            )),
            _ => up.checks.push(result(
                check::END_OF_SUPPORT,
                Outcome::Pass,
                format!("{engine} {} is in standard support", m.major),
            )),
        }
    }
    up
}

/// One major hop as an RDS blue/green deployment: the green copy, the switchover, and the
/// old cluster (RDS keeps it as `NAME-old1`) deleted.
fn blue_green_hop(up: &mut Upgrade, engine: &str, hop: &str, bg: &AuroraBlueGreen) {
    let address = up.address.clone();
    let replication = if engine == "aurora-postgresql" {
        "logical replication"
    } else {
        "binary log replication"
    };
    push(
        up,
        (action::BLUE_GREEN_DEPLOYMENT, Some(hop)),
        (GREEN_MINUTES, 0),
        format!("create an RDS blue/green deployment of {address}: a green copy at {engine} {hop}, kept in sync by {replication} while the blue cluster serves (about {GREEN_MINUTES} minutes, no downtime)"),
    );
    push(
        up,
        (action::SWITCHOVER, Some(hop)),
        (SWITCHOVER_MINUTES, SWITCHOVER_MINUTES),
        format!(
            "switch over to the green cluster: writes stop for up to a minute, endpoints and identifiers stay the same; if it takes more than {} s, RDS rolls everything back",
            bg.switchover_timeout
        ),
    );
    push(
        up,
        (action::DELETE_BLUE, None),
        (DELETE_BLUE_MINUTES, 0),
        format!("delete the old (blue) cluster, which RDS keeps with its instances after the switchover (about {DELETE_BLUE_MINUTES} minutes)"),
    );
}

/// Aurora PostgreSQL keeps the green copy in sync by logical replication, which the blue
/// cluster's parameter group must turn on.
fn logical_replication(address: &str, bg: &AuroraBlueGreen) -> CheckResult {
    let p = LOGICAL_REPLICATION_PARAMETER;
    match (&bg.parameter_group, bg.logical_replication) {
        (Some(g), Some(true)) => result(
            check::LOGICAL_REPLICATION,
            Outcome::Pass,
            format!("the cluster parameter group {g} sets {p} = 1"),
        ),
        (Some(g), _) if g.starts_with("default.") => result(
            check::LOGICAL_REPLICATION,
            Outcome::Fail,
            format!("{address} uses the default cluster parameter group {g}, in which {p} is 0; a blue/green deployment of Aurora PostgreSQL needs logical replication: give the cluster a custom cluster parameter group with parameter {p} = 1 (it takes effect after a reboot of the writer)"),
        ),
        (Some(g), Some(false)) => result(
            check::LOGICAL_REPLICATION,
            Outcome::Fail,
            format!("the cluster parameter group {g} of {address} does not set {p} = 1; a blue/green deployment of Aurora PostgreSQL needs logical replication: set parameter {p} = 1 in {g} and apply that first (it takes effect after a reboot of the writer), then upgrade"),
        ),
        (g, _) => result(
            check::LOGICAL_REPLICATION,
            Outcome::Warn,
            format!(
                "cannot tell whether the cluster parameter group {} sets {p} = 1, which a blue/green deployment of Aurora PostgreSQL needs",
                g.as_deref().unwrap_or("(unknown until apply)")
            ),
        ),
    }
}

fn add(cost: &mut Cost, minutes: u32, downtime: u32) {
    cost.minutes += minutes;
    cost.downtime_minutes += downtime;
}

/// An MSK cluster of `brokers` brokers.
pub fn msk(address: &str, from: &str, to: &str, brokers: u32, today: NaiveDate) -> Upgrade {
    let mut up = new_upgrade(address, "msk", from, to);
    let cat = catalog::msk();
    let Some(hops) = path(from, to, |v| cat.upgrade_targets(v).to_vec()) else {
        up.checks.push(result(
            check::KAFKA_COMPATIBILITY,
            Outcome::Fail,
            format!(
                "MSK cannot upgrade Apache Kafka {from} to {to} in place (compatible with {from}: {}); a downgrade or a change of metadata mode needs a new cluster",
                match cat.upgrade_targets(from) {
                    [] => "none".to_string(),
                    ts => ts.join(", "),
                }
            ),
        ));
        return up;
    };
    up.checks.push(result(
        check::KAFKA_COMPATIBILITY,
        Outcome::Pass,
        format!("{from} -> {}", hops.join(" -> ")),
    ));
    for hop in &hops {
        push(
            &mut up,
            (action::KAFKA_VERSION, Some(hop)),
            (10 * brokers.max(1), 0),
            format!("upgrade {address} to Apache Kafka {hop}: {brokers} broker(s) restarted one at a time (about {} minutes)", 10 * brokers.max(1)),
        );
    }
    if let Some(v) = cat.version(to) {
        let ok = v.supported_on(today);
        up.checks.push(result(
            check::END_OF_SUPPORT,
            if ok { Outcome::Pass } else { Outcome::Fail },
            if ok {
                format!("MSK supports {to}")
            } else {
                format!("MSK no longer supports {to}")
            },
        ));
    }
    up
}

/// The in-place upgrade hops from one ElastiCache engine version to another, each as
/// `engine version` (`valkey 8.0`); `None` when there is no chain of valid targets.
pub fn elasticache_path(
    (from_engine, from): (CacheEngine, &str),
    (to_engine, to): (CacheEngine, &str),
) -> Option<Vec<String>> {
    let label = |e: CacheEngine, v: &str| format!("{} {v}", e.as_str());
    let targets = |v: &str| -> Vec<String> {
        v.split_once(' ')
            .and_then(|(e, ver)| catalog::elasticache().version(CacheEngine::parse(e)?, ver))
            .map(|c| {
                c.upgrade_targets
                    .iter()
                    .map(|t| label(t.engine, &t.version))
                    .collect()
            })
            .unwrap_or_default()
    };
    path(&label(from_engine, from), &label(to_engine, to), targets)
}

/// An ElastiCache replication group of `nodes` nodes; versions may change engine
/// (Redis OSS to Valkey).
pub fn elasticache(
    address: &str,
    (from_engine, from): (CacheEngine, &str),
    (to_engine, to): (CacheEngine, &str),
    nodes: u32,
) -> Upgrade {
    let label = |e: CacheEngine, v: &str| format!("{} {v}", e.as_str());
    let mut up = new_upgrade(
        address,
        "elasticache",
        &label(from_engine, from),
        &label(to_engine, to),
    );
    let (start, goal) = (label(from_engine, from), label(to_engine, to));
    let Some(hops) = elasticache_path((from_engine, from), (to_engine, to)) else {
        up.checks.push(result(
            check::UPGRADE_PATH,
            Outcome::Fail,
            format!("ElastiCache cannot change {start} to {goal} in place (never down, never from Valkey back to Redis OSS)"),
        ));
        return up;
    };
    up.checks.push(result(
        check::UPGRADE_PATH,
        Outcome::Pass,
        format!("{start} -> {}", hops.join(" -> ")),
    ));
    for hop in &hops {
        push(
            &mut up,
            (action::ENGINE_VERSION, Some(hop)),
            (5 * nodes.max(1), 0),
            format!(
                "upgrade {address} to {hop} in place, node by node (about {} minutes)",
                5 * nodes.max(1)
            ),
        );
    }
    up
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    fn seq(up: &Upgrade) -> String {
        up.steps
            .iter()
            .map(|s| format!("{}:{}", s.action, s.target.as_deref().unwrap_or("-")))
            .collect::<Vec<_>>()
            .join(" ")
    }

    #[test]
    fn shortest_paths_follow_valid_targets_only() {
        let t = |v: &str| -> Vec<String> {
            match v {
                "1" => vec!["2".into(), "3".into()],
                "2" => vec!["4".into()],
                "3" => vec!["4".into(), "5".into()],
                _ => vec![],
            }
        };
        assert_eq!(path("1", "5", t), Some(vec!["3".into(), "5".into()]));
        assert_eq!(path("1", "2", t), Some(vec!["2".into()]));
        assert_eq!(path("1", "1", t), Some(vec![]));
        assert_eq!(path("4", "1", t), None);
    }

    #[test]
    fn aurora_minor_and_major_steps_with_their_checks() {
        let today = day("2026-02-01");
        let minor = aurora(
            "aws_rds_cluster.db",
            "aurora-postgresql",
            "15.10",
            "15.12",
            false,
            None,
            today,
        );
        assert_eq!(seq(&minor), "engine_minor:15.12");
        assert_eq!(minor.failures().count(), 0);

        let major = aurora(
            "aws_rds_cluster.db",
            "aurora-postgresql",
            "15.10",
            "16.8",
            true,
            Some("aurora-postgresql15"),
            today,
        );
        assert!(seq(&major).contains("engine_major:16."), "{}", seq(&major));
        let f: Vec<_> = major.failures().map(|c| c.name).collect();
        assert_eq!(f, [check::PARAMETER_GROUP_FAMILY]);

        let ok = aurora(
            "aws_rds_cluster.db",
            "aurora-postgresql",
            "15.10",
            "16.8",
            true,
            Some("aurora-postgresql16"),
            today,
        );
        assert_eq!(ok.failures().count(), 0, "{:?}", ok.checks);
        let not_allowed = aurora(
            "aws_rds_cluster.db",
            "aurora-postgresql",
            "15.10",
            "16.8",
            false,
            None,
            today,
        );
        assert!(not_allowed
            .failures()
            .any(|c| c.message.contains("allow_major_version_upgrade")));

        let down = aurora(
            "aws_rds_cluster.db",
            "aurora-postgresql",
            "16.8",
            "15.10",
            true,
            None,
            today,
        );
        assert!(down.steps.is_empty());
        assert!(down
            .failures()
            .next()
            .unwrap()
            .message
            .contains("never downgrades"));
    }

    /// The blue/green settings of a cluster whose blue parameter group is `group`, which
    /// sets logical replication as `logical` says (`None`: unknown to the plan).
    fn bg(group: &str, logical: Option<bool>) -> Option<AuroraBlueGreen> {
        Some(AuroraBlueGreen {
            switchover_timeout: DEFAULT_SWITCHOVER_TIMEOUT,
            parameter_group: Some(group.to_string()),
            logical_replication: logical,
        })
    }

    fn failed(up: &Upgrade) -> Vec<&'static str> {
        up.failures().map(|c| c.name).collect()
    }

    #[test]
    fn aurora_major_versions_go_blue_green_when_configured_and_minor_ones_stay_in_place() {
        const PG: &str = "aurora-postgresql";
        const MY: &str = "aurora-mysql";
        const MY2: &str = "5.7.mysql_aurora.2.12.4";
        const MY3: &str = "8.0.mysql_aurora.3.10.0";
        const BG3: &str = "blue_green_deployment:{} switchover:{} delete_blue:-";
        let bg3 = |v: &str| BG3.replace("{}", v);
        let on = || bg("orders-pg", Some(true));
        // (engine, from, to, allow major, family of the new group, blue/green,
        //  steps, strategy, failed checks)
        #[allow(clippy::type_complexity)]
        let table: [(
            &str,
            &str,
            &str,
            bool,
            Option<&str>,
            Option<AuroraBlueGreen>,
            String,
            &str,
            Vec<&str>,
        ); 11] = [
            // 13 to 16 along the catalog's targets, as one deployment.
            (
                PG,
                "13.18",
                "16.10",
                true,
                Some("aurora-postgresql16"),
                on(),
                bg3("16.10"),
                "blue_green",
                vec![],
            ),
            (
                PG,
                "15.10",
                "16.8",
                true,
                Some("aurora-postgresql16"),
                on(),
                bg3("16.8"),
                "blue_green",
                vec![],
            ),
            (
                PG,
                "16.9",
                "17.5",
                true,
                None,
                on(),
                bg3("17.5"),
                "blue_green",
                vec![],
            ),
            // Aurora MySQL 2 (MySQL 5.7) to 3 (MySQL 8.0) replicates by binary log.
            (
                MY,
                MY2,
                MY3,
                true,
                Some("aurora-mysql8.0"),
                bg("orders-my", None),
                bg3(MY3),
                "blue_green",
                vec![],
            ),
            // A minor version needs no deployment, blue_green_update or not.
            (
                PG,
                "15.10",
                "15.12",
                false,
                None,
                on(),
                "engine_minor:15.12".into(),
                "in_place",
                vec![],
            ),
            (
                MY,
                "8.0.mysql_aurora.3.04.3",
                MY3,
                false,
                None,
                on(),
                format!("engine_minor:{MY3}"),
                "in_place",
                vec![],
            ),
            // Without the block: in place.
            (
                PG,
                "15.10",
                "16.8",
                true,
                Some("aurora-postgresql16"),
                None,
                "engine_major:16.8".into(),
                "in_place",
                vec![],
            ),
            // Refusals.
            (
                PG,
                "15.10",
                "16.8",
                true,
                Some("aurora-postgresql16"),
                bg("orders-pg", Some(false)),
                bg3("16.8"),
                "blue_green",
                vec![check::LOGICAL_REPLICATION],
            ),
            (
                PG,
                "15.10",
                "16.8",
                true,
                Some("aurora-postgresql15"),
                on(),
                bg3("16.8"),
                "blue_green",
                vec![check::PARAMETER_GROUP_FAMILY],
            ),
            (
                PG,
                "15.10",
                "16.8",
                false,
                Some("aurora-postgresql16"),
                on(),
                bg3("16.8"),
                "blue_green",
                vec![check::UPGRADE_PATH],
            ),
            (
                PG,
                "16.8",
                "15.10",
                true,
                Some("aurora-postgresql15"),
                on(),
                String::new(),
                "in_place",
                vec![check::UPGRADE_PATH],
            ),
        ];
        for (engine, from, to, allow, family, blue_green, steps, strategy, fails) in table {
            let up = aurora_upgrade(
                &Aurora {
                    address: "aws_rds_cluster.orders",
                    engine,
                    from,
                    to,
                    allow_major: allow,
                    parameter_group_family: family,
                    blue_green,
                },
                day("2026-02-01"),
            );
            let case = format!("{engine} {from} -> {to}");
            assert_eq!(seq(&up), steps, "{case}");
            assert_eq!(up.strategy, strategy, "{case}");
            assert_eq!(failed(&up), fails, "{case}: {:?}", up.checks);
            assert_eq!(
                up.checks
                    .iter()
                    .any(|c| c.name == check::LOGICAL_REPLICATION),
                strategy == "blue_green" && engine == PG,
                "{case}: logical replication is checked for Aurora PostgreSQL deployments only"
            );
        }
    }

    #[test]
    fn a_blue_green_deployment_costs_more_time_and_a_minute_of_downtime_instead_of_thirty() {
        let up = aurora_upgrade(
            &Aurora {
                address: "aws_rds_cluster.orders",
                engine: "aurora-postgresql",
                from: "15.10",
                to: "16.8",
                allow_major: true,
                parameter_group_family: Some("aurora-postgresql16"),
                blue_green: Some(AuroraBlueGreen {
                    switchover_timeout: 600,
                    ..bg("orders-pg15", Some(true)).unwrap()
                }),
            },
            day("2026-02-01"),
        );
        assert_eq!((up.cost.minutes, up.cost.downtime_minutes), (56, 1));
        let (strategy, in_place) = up.alternative.unwrap();
        assert_eq!(strategy, "in_place");
        assert_eq!((in_place.minutes, in_place.downtime_minutes), (30, 30));
        assert!(up.steps[1]
            .description
            .contains("more than 600 s, RDS rolls everything back"));
        assert!(up.steps[0].description.contains("logical replication"));
        assert_eq!(
            up.steps[2].target, None,
            "deleting the old cluster moves no version"
        );
        let text = up.render();
        assert!(
            text.contains("about 56 minutes, downtime up to a minute"),
            "{text}"
        );
        assert!(text.contains("in place instead: 0 control-plane update(s), 0 node rollout(s), about 30 minutes, downtime about 30 minutes"), "{text}");
        let j = up.to_json();
        assert_eq!(j["strategy"], "blue_green");
        assert_eq!(j["cost"]["estimated_downtime_minutes"], 1);
        assert_eq!(j["alternative"]["strategy"], "in_place");
        assert_eq!(j["alternative"]["cost"]["estimated_downtime_minutes"], 30);
    }

    #[test]
    fn missing_logical_replication_names_the_group_and_the_parameter() {
        let plan = |group: &str, logical| {
            aurora_upgrade(
                &Aurora {
                    address: "aws_rds_cluster.orders",
                    engine: "aurora-postgresql",
                    from: "15.10",
                    to: "16.8",
                    allow_major: true,
                    parameter_group_family: None,
                    blue_green: bg(group, logical),
                },
                day("2026-02-01"),
            )
        };
        let check = |up: &Upgrade| {
            up.checks
                .iter()
                .find(|c| c.name == check::LOGICAL_REPLICATION)
                .cloned()
                .unwrap()
        };
        let off = check(&plan("orders-pg15", Some(false)));
        assert_eq!(off.status, Outcome::Fail);
        assert!(
            off.message.contains("orders-pg15")
                && off.message.contains("rds.logical_replication = 1"),
            "{}",
            off.message
        );
        let default = check(&plan("default.aurora-postgresql15", Some(false)));
        assert_eq!(default.status, Outcome::Fail);
        assert!(
            default
                .message
                .contains("default cluster parameter group default.aurora-postgresql15"),
            "{}",
            default.message
        );
        let unknown = check(&plan("orders-pg15", None));
        assert_eq!(unknown.status, Outcome::Warn, "{}", unknown.message);
    }

    #[test]
    fn msk_goes_through_compatible_versions_and_never_changes_metadata_mode() {
        let today = day("2026-02-01");
        let up = msk("aws_msk_cluster.events", "3.6.0", "3.8.x", 3, today);
        assert!(up.failures().next().is_none(), "{:?}", up.checks);
        assert!(seq(&up).ends_with("kafka_version:3.8.x"), "{}", seq(&up));
        assert!(up.steps.last().unwrap().description.contains("3 broker(s)"));
        let mode = msk("aws_msk_cluster.events", "3.8.x", "3.8.x.kraft", 3, today);
        assert_eq!(
            mode.failures().next().unwrap().name,
            check::KAFKA_COMPATIBILITY
        );
    }

    #[test]
    fn elasticache_moves_up_and_may_become_valkey() {
        let up = elasticache(
            "aws_elasticache_replication_group.c",
            (CacheEngine::Redis, "6.2"),
            (CacheEngine::Valkey, "8.0"),
            2,
        );
        assert!(up.failures().next().is_none(), "{:?}", up.checks);
        assert!(
            seq(&up).ends_with("engine_version:valkey 8.0"),
            "{}",
            seq(&up)
        );
        let back = elasticache(
            "aws_elasticache_replication_group.c",
            (CacheEngine::Valkey, "8.0"),
            (CacheEngine::Redis, "7.1"),
            2,
        );
        assert_eq!(back.failures().next().unwrap().name, check::UPGRADE_PATH);
    }
}
