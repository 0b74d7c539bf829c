//! Consistency of the catalog data and behaviour of its lookups.

use std::cmp::Ordering;

use chrono::NaiveDate;

use super::*;

fn day(s: &str) -> NaiveDate {
    serde_date::parse(s).unwrap()
}

#[test]
fn the_compiled_catalog_parses() {
    parse(DATA).unwrap();
}

#[test]
fn eks_dates_are_ordered_and_versions_consecutive() {
    let eks = eks();
    for v in &eks.versions {
        if let (Some(r), Some(s), Some(e)) = (v.release, v.end_of_standard, v.end_of_extended) {
            assert!(r < s && s < e, "{}: dates out of order", v.version);
        }
        assert!(
            v.kube().is_some(),
            "{} is not a Kubernetes version",
            v.version
        );
    }
    for pair in eks.versions.windows(2) {
        let (a, b) = (pair[0].kube().unwrap(), pair[1].kube().unwrap());
        assert_eq!(a.next(), b, "gap or disorder between {a} and {b}");
    }
}

#[test]
fn every_addon_kubernetes_version_exists_and_latest_builds_match_their_lines() {
    let eks = eks();
    for addon in &eks.addons.list {
        for line in &addon.compat {
            assert!(
                eks.version(&line.kubernetes).is_some(),
                "{} lists Kubernetes {} which the catalog lacks",
                addon.name,
                line.kubernetes
            );
            if let Some(latest) = &line.latest {
                assert!(
                    addon.is_compatible(latest, &line.kubernetes),
                    "{} {latest} is not in its own lines for {}",
                    addon.name,
                    line.kubernetes
                );
            }
        }
    }
}

#[test]
fn removed_apis_name_known_versions() {
    for r in &eks().removed_apis.list {
        assert!(KubeVersion::parse(&r.removed_in).is_some(), "{r:?}");
        assert!(!r.kinds.is_empty(), "{r:?}");
    }
}

#[test]
fn every_aurora_upgrade_target_exists_and_is_newer() {
    for (engine, c) in &get().aurora {
        for v in &c.versions {
            assert!(
                c.major_of(&v.version).is_some(),
                "{engine} {}: no major",
                v.version
            );
            for t in &v.upgrade_targets {
                assert!(
                    c.version(t).is_some(),
                    "{engine} {} -> {t}: unknown target",
                    v.version
                );
                assert_eq!(
                    compare_versions(t, &v.version),
                    Ordering::Greater,
                    "{engine} {} -> {t}: not an upgrade",
                    v.version
                );
            }
        }
        for m in &c.majors {
            assert!(m.family.starts_with(&c.family_prefix), "{}", m.family);
            if let (Some(s), Some(e)) = (m.end_of_standard, m.end_of_extended) {
                assert!(s < e, "{engine} {}: dates out of order", m.major);
            }
        }
    }
}

#[test]
fn every_msk_upgrade_target_exists_is_newer_and_keeps_the_metadata_mode() {
    let msk = msk();
    for v in &msk.versions {
        if let (Some(r), Some(e)) = (v.release, v.end_of_support) {
            assert!(r < e, "{}: dates out of order", v.version);
        }
        for t in &v.upgrade_targets {
            let target = msk
                .version(t)
                .unwrap_or_else(|| panic!("{} -> {t}: unknown", v.version));
            assert_eq!(
                compare_versions(t, &v.version),
                Ordering::Greater,
                "{} -> {t}",
                v.version
            );
            assert_eq!(target.metadata, v.metadata, "{} -> {t}", v.version);
        }
    }
}

#[test]
fn every_elasticache_upgrade_target_exists_and_never_goes_down() {
    let ec = elasticache();
    for v in &ec.versions {
        for t in &v.upgrade_targets {
            assert!(ec.version(t.engine, &t.version).is_some(), "{t:?}");
            if t.engine == v.engine {
                assert_eq!(compare_versions(&t.version, &v.version), Ordering::Greater);
            }
        }
    }
}

#[test]
fn max_pods_follows_the_eni_formula_table() {
    let cases = [
        ("t3.medium", 17),
        ("t3.large", 35),
        ("m5.large", 29),
        ("c5.large", 29),
        ("r5.xlarge", 58),
        ("m5.2xlarge", 58),
        ("c5.4xlarge", 234),
    ];
    for (t, want) in cases {
        assert_eq!(max_pods(t), Some(want), "{t}");
    }
    assert_eq!(max_pods("banana.large"), None);
}

#[test]
fn support_status_follows_the_dates() {
    let v = eks().version("1.31").unwrap();
    assert_eq!(v.support_on(day("2024-09-25")), Support::NotReleased);
    assert_eq!(v.support_on(day("2025-11-26")), Support::Standard);
    assert_eq!(v.support_on(day("2025-11-27")), Support::Extended);
    assert_eq!(v.support_on(day("2026-11-27")), Support::Ended);
    let creatable: Vec<_> = eks()
        .creatable_on(day("2026-02-01"))
        .iter()
        .map(|v| v.version.as_str())
        .collect();
    assert_eq!(
        creatable,
        ["1.29", "1.30", "1.31", "1.32", "1.33", "1.34", "1.35"]
    );
}

#[test]
fn skew_allows_three_minors_behind_but_two_for_old_kubelets_and_never_ahead() {
    let skew = &eks().skew;
    let k = |s| KubeVersion::parse(s).unwrap();
    assert!(skew.kubelet_allowed(k("1.32"), k("1.29")));
    assert!(!skew.kubelet_allowed(k("1.33"), k("1.29")));
    assert!(skew.kubelet_allowed(k("1.26"), k("1.24")));
    assert!(!skew.kubelet_allowed(k("1.27"), k("1.24")));
    assert!(!skew.kubelet_allowed(k("1.30"), k("1.31")));
}

#[test]
fn addon_compatibility_follows_the_lines() {
    let coredns = eks().addon("coredns").unwrap();
    assert!(coredns.is_compatible("v1.11.4-eksbuild.24", "1.32"));
    assert!(!coredns.is_compatible("v1.11.4-eksbuild.24", "1.33"));
    let kube_proxy = eks().addon("kube-proxy").unwrap();
    assert!(kube_proxy.is_compatible("v1.33.5-eksbuild.2", "1.33"));
    assert!(!kube_proxy.is_compatible("v1.33.5-eksbuild.2", "1.34"));
}

#[test]
fn removed_apis_between_versions() {
    let removed = eks().removed_between("1.24", "1.26");
    assert!(removed.iter().any(|r| r.group_version == "policy/v1beta1"));
    assert!(removed.iter().all(|r| r.removed_in != "1.22"));
    assert!(eks()
        .removed_api("batch/v1beta1", "CronJob", "1.25")
        .is_some());
    assert!(eks()
        .removed_api("batch/v1beta1", "CronJob", "1.24")
        .is_none());
}

#[test]
fn aurora_lookups() {
    let pg = aurora("aurora-postgresql").unwrap();
    assert!(pg.is_major_upgrade("15.10", "16.6"));
    assert!(!pg.is_major_upgrade("16.6", "16.8"));
    assert_eq!(pg.family("16.6"), Some("aurora-postgresql16"));
    assert!(pg.upgrade_targets("16.6").iter().any(|t| t == "17.4"));
    assert!(!pg.upgrade_targets("16.8").iter().any(|t| t == "16.6"));
    assert!(aurora("oracle").is_none());
}
