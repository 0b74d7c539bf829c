//! What `aws_elasticache_replication_group` judges without calling AWS: the engine and
//! version against the catalog (`engine::catalog::elasticache`), upgrades that are not in
//! place and up, and whether a running version is the one configured.

use engine::catalog::{self, CacheEngine};
use engine::provider::shape::{attr, str_attr};
use engine::provider::ProviderError;
use engine::value::Value;

fn combination(message: String) -> ProviderError {
    ProviderError::Api {
        code: "InvalidParameterCombination".to_string(),
        message: format!("aws_elasticache_replication_group: {message}"),
    }
}

fn invalid(message: String) -> ProviderError {
    ProviderError::Api {
        code: "InvalidParameterValue".to_string(),
        message: format!("aws_elasticache_replication_group: {message}"),
    }
}

/// The catalog's version for a configured one: `6.x` is the 6.2 line.
pub fn catalog_version(v: &str) -> &str {
    if v == "6.x" {
        "6.2"
    } else {
        v
    }
}

/// True when a group running `running` runs the configured `asked` version: the same, a
/// patch of it (`7.1` runs `7.1.0`), or of its line (`6.x` runs `6.2.6`).
pub fn runs(asked: &str, running: &str) -> bool {
    if running == asked || running.starts_with(&format!("{asked}.")) {
        return true;
    }
    match asked.strip_suffix(".x") {
        Some(line) => running.starts_with(&format!("{line}.")),
        None => false,
    }
}

/// The engine an object names, when known: `Err` for an engine replication groups do not run.
fn engine_of(obj: &Value) -> Result<Option<CacheEngine>, ProviderError> {
    match str_attr(obj, "engine") {
        None => Ok(None),
        Some(e) => CacheEngine::parse(e).map(Some).ok_or_else(|| {
            invalid(format!(
                "engine {e:?} is not one replication groups run: use \"redis\" (Redis OSS) or \"valkey\""
            ))
        }),
    }
}

/// The engines the catalog has `version` for.
fn engines_with(version: &str) -> Vec<CacheEngine> {
    catalog::elasticache()
        .versions
        .iter()
        .filter(|v| v.version == version)
        .map(|v| v.engine)
        .collect()
}

/// The versions the catalog has for `engine`, for messages.
fn known_versions(engine: CacheEngine) -> String {
    catalog::elasticache()
        .versions
        .iter()
        .filter(|v| v.engine == engine)
        .map(|v| v.version.as_str())
        .collect::<Vec<_>>()
        .join(", ")
}

/// Refuses what ElastiCache would refuse: an engine other than Redis OSS or Valkey, a
/// version the catalog does not know for the engine (with the engine unknown, for any
/// engine), no `node_type` at create, a cluster count out of 1..=6, automatic failover
/// without a replica, and a version change that is not an in-place upgrade (down, or
/// Valkey back to Redis OSS). `prior` is the state of an object updated in place.
pub fn check(prior: Option<&Value>, planned: &Value) -> Result<(), ProviderError> {
    let engine = engine_of(planned)?;
    if prior.is_none() && attr(planned, "node_type").is_null() {
        return Err(invalid(
            "node_type is required to create a replication group (for example \"cache.t4g.micro\")"
                .to_string(),
        ));
    }
    let clusters = attr(planned, "num_cache_clusters").as_f64();
    if let Some(n) = clusters.filter(|n| !(1.0..=6.0).contains(n)) {
        return Err(invalid(format!(
            "num_cache_clusters must be between 1 and 6 (a primary and up to 5 replicas), got {n}"
        )));
    }
    let failover = attr(planned, "automatic_failover_enabled").as_bool() == Some(true);
    if failover && clusters.is_some_and(|n| n < 2.0) {
        return Err(combination(
            "automatic failover needs a replica: set num_cache_clusters to 2 or more".to_string(),
        ));
    }
    let Some(asked) = str_attr(planned, "engine_version") else {
        return Ok(());
    };
    let version = catalog_version(asked);
    let prior_wanted = prior.and_then(|p| {
        let e = CacheEngine::parse(str_attr(p, "engine")?)?;
        Some((e, catalog_version(str_attr(p, "engine_version")?)))
    });
    match engine {
        Some(e) if prior_wanted == Some((e, version)) => return Ok(()),
        Some(e) if catalog::elasticache().version(e, version).is_none() => {
            return Err(combination(format!(
                "engine_version {asked} is not a version of {} that ElastiCache runs (known: {})",
                e.as_str(),
                known_versions(e)
            )));
        }
        None if engines_with(version).is_empty() => {
            return Err(combination(format!(
                "engine_version {asked} is not a version ElastiCache runs for any engine (redis: {}; valkey: {})",
                known_versions(CacheEngine::Redis),
                known_versions(CacheEngine::Valkey)
            )));
        }
        _ => {}
    }
    let (Some((from, old)), Some(to)) = (prior_wanted, engine) else {
        return Ok(());
    };
    upgrade_is_in_place_and_up((from, old), (to, version))
}

/// One `ModifyReplicationGroup` takes the group from (`from`, `old`) to (`to`, `new`) only
/// along the catalog's in-place targets.
fn upgrade_is_in_place_and_up(
    (from, old): (CacheEngine, &str),
    (to, new): (CacheEngine, &str),
) -> Result<(), ProviderError> {
    if (from, old) == (to, new) || catalog::elasticache().can_upgrade(from, old, to, new) {
        return Ok(());
    }
    let why = if from == CacheEngine::Valkey && to == CacheEngine::Redis {
        "Valkey cannot be changed back to Redis OSS".to_string()
    } else if from == to && catalog::compare_versions(new, old).is_lt() {
        "ElastiCache never downgrades an engine; create a new group to go back".to_string()
    } else if catalog::elasticache().version(from, old).is_none() {
        // A version the catalog no longer lists (an imported group): only going down is known
        // to be refused.
        return Ok(());
    } else {
        match engine::upgrade::engines::elasticache_path((from, old), (to, new)) {
            Some(hops) => format!(
                "not an in-place target of {old}; upgrade one step per apply: {}",
                hops.join(" -> ")
            ),
            None => "not an in-place upgrade target".to_string(),
        }
    };
    Err(combination(format!(
        "cannot change the engine from {} {old} to {} {new}: {why}",
        from.as_str(),
        to.as_str()
    )))
}

/// What AWS reports of a group after a modification, to hold against what was asked.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct Observed {
    /// The engine (`redis`, `valkey`).
    pub engine: Option<String>,
    /// The primary's running engine version, when a member cluster reports one.
    pub version: Option<String>,
    /// The version a member cluster has pending for its maintenance window.
    pub pending_version: Option<String>,
    /// The node type.
    pub node_type: Option<String>,
    /// The node type a member cluster has pending for its maintenance window.
    pub pending_node_type: Option<String>,
    /// The version the group ran before the modification, as state last knew it.
    pub version_before: Option<String>,
}

/// What a modification asked for (`None`: not changed by it).
#[derive(Debug, Default, Clone, PartialEq)]
pub struct Asked<'a> {
    /// The engine.
    pub engine: Option<&'a str>,
    /// The engine version.
    pub version: Option<&'a str>,
    /// The node type.
    pub node_type: Option<&'a str>,
    /// Whether the change was to be applied now; otherwise a pending change is enough.
    pub immediately: bool,
}

/// Why the group does not run what `ModifyReplicationGroup` asked for, if it does not: a
/// service that reports success and changes nothing must not leave state claiming it did.
pub fn unapplied(asked: &Asked, got: &Observed) -> Option<String> {
    let mut problems = Vec::new();
    if let Some(engine) = asked.engine {
        if got.engine.as_deref() != Some(engine) {
            problems.push(format!(
                "engine {engine} was asked, the group runs {}",
                got.engine.as_deref().unwrap_or("no reported engine")
            ));
        }
    }
    if let Some(version) = asked.version {
        let running = got.version.as_deref().is_some_and(|r| runs(version, r));
        let pending = !asked.immediately
            && got
                .pending_version
                .as_deref()
                .is_some_and(|p| runs(version, p));
        if !running && !pending {
            problems.push(format!(
                "engine_version {version} was asked, the group runs {}",
                got.version.as_deref().map_or_else(
                    || format!(
                        "a version AWS does not report (DescribeCacheClusters knows no member cluster of the group; it ran {} before)",
                        got.version_before.as_deref().unwrap_or("an unknown version")
                    ),
                    str::to_string
                )
            ));
        }
    }
    if let Some(node_type) = asked.node_type {
        let pending = !asked.immediately && got.pending_node_type.as_deref() == Some(node_type);
        if got.node_type.as_deref() != Some(node_type) && !pending {
            problems.push(format!(
                "node_type {node_type} was asked, the group runs {}",
                got.node_type.as_deref().unwrap_or("no reported node type")
            ));
        }
    }
    (!problems.is_empty()).then(|| problems.join("; "))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn group(engine: Option<&str>, version: Option<&str>) -> Value {
        let s = |v: Option<&str>| v.map_or(Value::Null, Value::string);
        Value::object([
            ("id", Value::string("cache")),
            ("engine", s(engine)),
            ("engine_version", s(version)),
            ("node_type", Value::string("cache.t4g.micro")),
        ])
    }

    fn refused(prior: Option<&Value>, planned: &Value) -> String {
        match check(prior, planned) {
            Err(e) => e.to_string(),
            Ok(()) => panic!("{planned:?} over {prior:?} was accepted"),
        }
    }

    #[test]
    fn versions_run_as_patches_of_the_configured_line() {
        assert!(runs("7.1", "7.1.0"));
        assert!(runs("7.1", "7.1"));
        assert!(runs("6.x", "6.2.6"));
        assert!(runs("4.0.10", "4.0.10"));
        assert!(!runs("7.0", "7.1.0"));
        assert!(!runs("7.1", "7.10.0"));
        assert!(!runs("6.x", "7.0.7"));
    }

    #[test]
    fn versions_and_engines_the_catalog_does_not_know_are_refused() {
        let e = refused(None, &group(Some("redis"), Some("7.2")));
        assert!(e.contains("7.2 is not a version of redis"), "{e}");
        assert!(e.contains("7.1"), "the known versions are listed: {e}");
        let e = refused(None, &group(Some("memcached"), Some("1.6")));
        assert!(e.contains("\"memcached\""), "{e}");
        let e = refused(None, &group(None, Some("9.9")));
        assert!(e.contains("any engine"), "{e}");
        assert!(check(None, &group(Some("redis"), Some("6.x"))).is_ok());
        assert!(check(None, &group(Some("valkey"), Some("8.1"))).is_ok());
        // Without a known engine, a version some engine has is left to AWS.
        assert!(check(None, &group(None, Some("7.2"))).is_ok());
        assert!(check(None, &group(Some("redis"), None)).is_ok());
    }

    #[test]
    fn downgrades_and_valkey_back_to_redis_are_refused_upgrades_pass() {
        let prior = group(Some("redis"), Some("7.1"));
        let e = refused(Some(&prior), &group(Some("redis"), Some("7.0")));
        assert!(e.contains("from redis 7.1 to redis 7.0"), "{e}");
        assert!(e.contains("never downgrades"), "{e}");
        let valkey = group(Some("valkey"), Some("8.0"));
        let e = refused(Some(&valkey), &group(Some("redis"), Some("7.1")));
        assert!(e.contains("back to Redis OSS"), "{e}");
        let old = group(Some("redis"), Some("6.x"));
        assert!(check(Some(&old), &group(Some("redis"), Some("7.1"))).is_ok());
        assert!(check(Some(&prior), &group(Some("valkey"), Some("8.1"))).is_ok());
        assert!(check(Some(&prior), &prior).is_ok());
    }

    #[test]
    fn shape_rules_follow_elasticache() {
        let mut g = group(Some("redis"), Some("7.1"));
        engine::provider::shape::set_attr(&mut g, "node_type", Value::Null);
        assert!(refused(None, &g).contains("node_type is required"));
        // An update keeps the node type it has.
        assert!(check(Some(&group(Some("redis"), Some("7.1"))), &g).is_ok());
        let mut g = group(Some("redis"), Some("7.1"));
        engine::provider::shape::set_attr(&mut g, "num_cache_clusters", Value::Number(7.0));
        assert!(refused(None, &g).contains("between 1 and 6"));
        engine::provider::shape::set_attr(&mut g, "num_cache_clusters", Value::Number(1.0));
        engine::provider::shape::set_attr(&mut g, "automatic_failover_enabled", Value::Bool(true));
        assert!(refused(None, &g).contains("needs a replica"));
    }

    #[test]
    fn a_modification_aws_did_not_carry_out_is_named() {
        let asked = Asked {
            version: Some("7.1"),
            node_type: Some("cache.t4g.small"),
            immediately: true,
            ..Asked::default()
        };
        let got = Observed {
            engine: Some("redis".to_string()),
            version: Some("7.0.7".to_string()),
            node_type: Some("cache.t4g.small".to_string()),
            ..Observed::default()
        };
        let why = unapplied(&asked, &got).expect("7.0.7 is not 7.1");
        assert!(
            why.contains("engine_version 7.1 was asked, the group runs 7.0.7"),
            "{why}"
        );
        assert!(!why.contains("node_type"), "{why}");
        let unreported = Observed {
            version: None,
            version_before: Some("7.0.7".to_string()),
            ..got.clone()
        };
        let why = unapplied(&asked, &unreported).expect("an unreported version is not 7.1");
        assert!(why.contains("does not report"), "{why}");
        assert!(why.contains("it ran 7.0.7 before"), "{why}");
        let done = Observed {
            version: Some("7.1.0".to_string()),
            ..got.clone()
        };
        assert_eq!(unapplied(&asked, &done), None);
        // Not immediately: a pending change is what AWS does until the maintenance window.
        let later = Asked {
            immediately: false,
            ..asked.clone()
        };
        let pending = Observed {
            pending_version: Some("7.1.0".to_string()),
            ..got.clone()
        };
        assert_eq!(unapplied(&later, &pending), None);
        assert!(unapplied(&asked, &pending).is_some());
    }
}
