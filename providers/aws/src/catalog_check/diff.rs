//! Comparing what AWS offers with what galley's catalog says, without calling anything:
//! each function takes what a service answered and returns the differences.

use std::collections::{BTreeMap, BTreeSet};

use chrono::NaiveDate;
use engine::catalog::{self, addon_line, compare_versions, AuroraCatalog};

/// One way the catalog and AWS disagree.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Difference {
    /// `eks-addon`, `msk`, `aurora-postgresql`, `aurora-mysql`.
    pub service: String,
    /// What it is about: `coredns on Kubernetes 1.33`, `3.9.x`, `16.6`.
    pub subject: String,
    /// What differs, and what it means for plans.
    pub detail: String,
}

fn diff(service: &str, subject: impl Into<String>, detail: impl Into<String>) -> Difference {
    Difference {
        service: service.to_string(),
        subject: subject.into(),
        detail: detail.into(),
    }
}

fn newest<'a>(versions: impl IntoIterator<Item = &'a String>) -> Option<&'a String> {
    versions
        .into_iter()
        .max_by(|a, b| compare_versions(a.trim_start_matches('v'), b.trim_start_matches('v')))
}

/// The add-on `addon` on Kubernetes `kubernetes`: `offered` is every version
/// `DescribeAddonVersions` lists as compatible with it.
pub fn addon(addon: &str, kubernetes: &str, offered: &[String]) -> Vec<Difference> {
    const S: &str = "eks-addon";
    let subject = format!("{addon} on Kubernetes {kubernetes}");
    let Some(line) = catalog::eks()
        .addon(addon)
        .and_then(|a| a.for_kubernetes(kubernetes))
    else {
        return if offered.is_empty() {
            Vec::new()
        } else {
            vec![diff(
                S,
                subject,
                "AWS offers it; the catalog has no versions for it (galley refuses them at plan time)",
            )]
        };
    };
    let mut out = Vec::new();
    let aws_lines: BTreeSet<String> = offered.iter().filter_map(|v| addon_line(v)).collect();
    let ours: BTreeSet<String> = line.lines.iter().cloned().collect();
    for l in aws_lines.difference(&ours) {
        out.push(diff(
            S,
            &subject,
            format!("AWS offers line {l}, the catalog does not list it (galley would refuse it)"),
        ));
    }
    for l in ours.difference(&aws_lines) {
        out.push(diff(
            S,
            &subject,
            format!("the catalog lists line {l}, AWS offers no version of it (EKS would refuse what galley plans)"),
        ));
    }
    if let Some(latest) = &line.latest {
        if !offered.contains(latest) {
            out.push(diff(
                S,
                &subject,
                format!("the catalog's latest build {latest} is not offered by AWS"),
            ));
        } else if let Some(top) = newest(offered).filter(|top| {
            compare_versions(top.trim_start_matches('v'), latest.trim_start_matches('v')).is_gt()
        }) {
            out.push(diff(
                S,
                &subject,
                format!("AWS offers {top}, newer than the catalog's latest build {latest}"),
            ));
        }
    }
    out
}

/// MSK: `listed` is `ListKafkaVersions` as `(version, status)`.
pub fn kafka(listed: &[(String, String)], today: NaiveDate) -> Vec<Difference> {
    const S: &str = "msk";
    let mut out = Vec::new();
    let cat = catalog::msk();
    for (v, status) in listed {
        if status == "ACTIVE" && cat.version(v).is_none() {
            out.push(diff(
                S,
                v,
                "AWS offers it, the catalog does not know it (galley refuses it at plan time)",
            ));
        }
    }
    for k in &cat.versions {
        if !k.supported_on(today) {
            continue;
        }
        match listed.iter().find(|(v, _)| *v == k.version) {
            None => out.push(diff(
                S,
                &k.version,
                format!("the catalog says it is supported on {today}; AWS does not list it"),
            )),
            Some((_, status)) if status != "ACTIVE" => out.push(diff(
                S,
                &k.version,
                format!("the catalog says it is supported on {today}; AWS says {status}"),
            )),
            Some(_) => {}
        }
    }
    out
}

/// Aurora `engine`: `offered` is `DescribeDBEngineVersions` as version → its
/// `ValidUpgradeTarget`s.
pub fn aurora(
    engine: &str,
    offered: &BTreeMap<String, Vec<String>>,
    today: NaiveDate,
) -> Vec<Difference> {
    let Some(cat) = catalog::aurora(engine) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for (v, targets) in offered {
        let Some(ours) = cat.version(v) else {
            out.push(diff(
                engine,
                v,
                "AWS offers it, the catalog does not know it (galley refuses it at plan time)",
            ));
            continue;
        };
        let theirs: BTreeSet<&String> = targets.iter().collect();
        let mine: BTreeSet<&String> = ours.upgrade_targets.iter().collect();
        let missing: Vec<&str> = theirs.difference(&mine).map(|s| s.as_str()).collect();
        let extra: Vec<&str> = mine.difference(&theirs).map(|s| s.as_str()).collect();
        if !missing.is_empty() {
            out.push(diff(
                engine,
                v,
                format!(
                    "AWS also upgrades it to {} (the catalog's upgrade paths miss them)",
                    missing.join(", ")
                ),
            ));
        }
        if !extra.is_empty() {
            out.push(diff(
                engine,
                v,
                format!(
                    "the catalog upgrades it to {}, AWS does not (galley would plan a step RDS refuses)",
                    extra.join(", ")
                ),
            ));
        }
    }
    for v in &cat.versions {
        if still_offered(cat, &v.version, today) && !offered.contains_key(&v.version) {
            out.push(diff(
                engine,
                &v.version,
                "the catalog offers it, AWS does not list it",
            ));
        }
    }
    out
}

/// Whether the catalog says RDS still offers `version` on `today` (its major not past
/// RDS Extended Support).
fn still_offered(cat: &AuroraCatalog, version: &str, today: NaiveDate) -> bool {
    cat.major_of(version)
        .is_some_and(|m| m.end_of_extended.is_none_or(|end| today <= end))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 6, 1).unwrap()
    }

    #[test]
    fn addon_lines_and_builds_are_compared_both_ways() {
        let compat = catalog::eks().addon("kube-proxy").unwrap();
        let line = compat
            .compat
            .iter()
            .find(|l| l.latest.is_some())
            .expect("a line with a known build");
        let k = &line.kubernetes;
        let latest = line.latest.clone().unwrap();
        assert_eq!(
            addon("kube-proxy", k, std::slice::from_ref(&latest)),
            vec![]
        );
        // AWS has a newer build than the catalog knows.
        let newer = format!("{latest}9");
        let d = addon("kube-proxy", k, &[latest.clone(), newer.clone()]);
        assert_eq!(d.len(), 1, "{d:?}");
        assert!(d[0].detail.contains("newer than the catalog's"), "{d:?}");
        // AWS offers nothing of the catalog's line: both the line and the build differ.
        let d = addon("kube-proxy", k, &["v9.99.0-eksbuild.1".to_string()]);
        assert!(
            d.iter().any(|d| d.detail.contains("AWS offers line 9.99")),
            "{d:?}"
        );
        assert!(
            d.iter().any(|d| d.detail.contains("AWS offers no version")),
            "{d:?}"
        );
        assert!(
            d.iter().any(|d| d.detail.contains("is not offered")),
            "{d:?}"
        );
    }

    #[test]
    fn kafka_versions_are_compared_with_their_support() {
        let today = day();
        let listed: Vec<(String, String)> = catalog::msk()
            .versions
            .iter()
            .map(|v| {
                let status = if v.supported_on(today) {
                    "ACTIVE"
                } else {
                    "DEPRECATED"
                };
                (v.version.clone(), status.to_string())
            })
            .collect();
        assert_eq!(kafka(&listed, today), vec![]);
        let mut more = listed.clone();
        more.push(("9.9.x".to_string(), "ACTIVE".to_string()));
        let d = kafka(&more, today);
        assert_eq!(d.len(), 1, "{d:?}");
        assert_eq!(d[0].subject, "9.9.x");
        let supported = listed
            .iter()
            .position(|(_, s)| s == "ACTIVE")
            .expect("a supported version");
        let mut fewer = listed.clone();
        fewer[supported].1 = "DEPRECATED".to_string();
        let d = kafka(&fewer, today);
        assert!(d[0].detail.contains("AWS says DEPRECATED"), "{d:?}");
    }

    #[test]
    fn aurora_versions_and_upgrade_targets_are_compared() {
        let today = day();
        let cat = catalog::aurora("aurora-postgresql").unwrap();
        let offered: BTreeMap<String, Vec<String>> = cat
            .versions
            .iter()
            .filter(|v| still_offered(cat, &v.version, today))
            .map(|v| (v.version.clone(), v.upgrade_targets.clone()))
            .collect();
        assert_eq!(aurora("aurora-postgresql", &offered, today), vec![]);
        let mut changed = offered.clone();
        let (first, targets) = changed.iter_mut().next().unwrap();
        let first = first.clone();
        let dropped = targets.pop();
        targets.push("99.1".to_string());
        changed.insert("99.1".to_string(), vec![]);
        let d = aurora("aurora-postgresql", &changed, today);
        assert!(
            d.iter()
                .any(|d| d.subject == "99.1" && d.detail.contains("does not know")),
            "{d:?}"
        );
        assert!(
            d.iter()
                .any(|d| d.subject == first && d.detail.contains("also upgrades it to 99.1")),
            "{d:?}"
        );
        if let Some(dropped) = dropped {
            assert!(
                d.iter()
                    .any(|d| d.subject == first && d.detail.contains(&dropped)),
                "{d:?}"
            );
        }
    }
}
