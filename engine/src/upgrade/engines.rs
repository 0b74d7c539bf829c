//! Planners for managed engines upgraded in place along their service's valid paths:
//! Aurora (`engine_minor` / `engine_major`), MSK (`kafka_version`) and ElastiCache
//! (`engine_version`), one step per hop of the shortest path of valid targets.

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
    /// An MSK Apache Kafka version upgrade, rolling broker by broker.
    pub const KAFKA_VERSION: &str = "kafka_version";
    /// An ElastiCache engine version upgrade, in place.
    pub const ENGINE_VERSION: &str = "engine_version";
}

/// Check names of these planners.
pub mod check {
    /// The cluster parameter group's family suits every major version on the way.
    pub const PARAMETER_GROUP_FAMILY: &str = "parameter_group_family";
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

fn push(up: &mut Upgrade, act: &'static str, target: &str, minutes: u32, description: String) {
    up.cost.minutes += minutes;
    up.steps.push(Step {
        index: up.steps.len() + 1,
        address: up.address.clone(),
        action: act,
        target: Some(target.to_string()),
        description,
        when: None,
    });
}

/// An Aurora cluster: `engine` is `aurora-postgresql` or `aurora-mysql`;
/// `parameter_group_family` is the family of its custom cluster parameter group (`None`
/// for the default group, which RDS switches itself).
pub fn aurora(
    address: &str,
    engine: &str,
    from: &str,
    to: &str,
    allow_major: bool,
    parameter_group_family: Option<&str>,
    today: NaiveDate,
) -> Upgrade {
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
    for hop in &hops {
        if cat.is_major_upgrade(&prev, hop) {
            majors.push(hop.clone());
            push(
                &mut up,
                action::ENGINE_MAJOR,
                hop,
                30,
                format!("upgrade {address} to {engine} {hop} in place: a major version, with downtime (about 30 minutes)"),
            );
        } else {
            push(
                &mut up,
                action::ENGINE_MINOR,
                hop,
                10,
                format!("upgrade {address} to {engine} {hop} in place: a minor version (about 10 minutes)"),
            );
        }
        prev = hop.clone();
    }
    if !majors.is_empty() && !allow_major {
        up.checks.push(result(
            check::UPGRADE_PATH,
            Outcome::Fail,
            "a major version upgrade needs allow_major_version_upgrade = true".into(),
        ));
    }
    let wanted = cat.family(to).unwrap_or_default();
    match parameter_group_family {
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
            action::KAFKA_VERSION,
            hop,
            10 * brokers.max(1),
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
            action::ENGINE_VERSION,
            hop,
            5 * nodes.max(1),
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
