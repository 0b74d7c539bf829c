//! EKS and Kubernetes: versions and support dates, the version-skew rule, add-on
//! compatibility and the APIs each Kubernetes version removed.

use std::fmt;

use chrono::NaiveDate;
use serde::Deserialize;

use super::serde_date;

/// A Kubernetes minor version, `1.31`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct KubeVersion {
    /// Always 1 so far.
    pub major: u32,
    /// The minor number.
    pub minor: u32,
}

impl KubeVersion {
    /// Reads `1.31`, also `v1.31`, `1.31.4` or `v1.31.13-eksbuild.2` (the minor is what counts).
    pub fn parse(s: &str) -> Option<KubeVersion> {
        let mut parts = s.trim().trim_start_matches('v').split(['.', '-']);
        let major = parts.next()?.parse().ok()?;
        let minor = parts.next()?.parse().ok()?;
        Some(KubeVersion { major, minor })
    }

    /// How many minor versions `self` is behind `newer` (0 when not behind).
    pub fn minors_behind(self, newer: KubeVersion) -> u32 {
        if self.major != newer.major {
            // Kubernetes 2.x does not exist; treat a major change as far apart.
            return if self < newer { u32::MAX } else { 0 };
        }
        newer.minor.saturating_sub(self.minor)
    }

    /// The next minor version.
    pub fn next(self) -> KubeVersion {
        KubeVersion {
            major: self.major,
            minor: self.minor + 1,
        }
    }
}

impl fmt::Display for KubeVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}", self.major, self.minor)
    }
}

/// Where a version stands on a given day.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Support {
    /// EKS does not offer it yet (or its release date is not known).
    NotReleased,
    /// In standard support.
    Standard,
    /// Past standard support, in extended support (extra cost).
    Extended,
    /// Past the end of extended support: cannot be chosen; EKS upgrades such clusters.
    Ended,
}

/// One EKS Kubernetes version and its support dates.
#[derive(Debug, Clone, Deserialize)]
pub struct EksVersion {
    /// `1.31`.
    pub version: String,
    /// EKS release date (None: not known, treated as not released).
    #[serde(deserialize_with = "serde_date::optional")]
    pub release: Option<NaiveDate>,
    /// Last day of standard support.
    #[serde(deserialize_with = "serde_date::optional")]
    pub end_of_standard: Option<NaiveDate>,
    /// Last day of extended support.
    #[serde(deserialize_with = "serde_date::optional")]
    pub end_of_extended: Option<NaiveDate>,
}

impl EksVersion {
    /// The version as a number pair.
    pub fn kube(&self) -> Option<KubeVersion> {
        KubeVersion::parse(&self.version)
    }

    /// Its support status on `today`. End dates are the last day of a period.
    pub fn support_on(&self, today: NaiveDate) -> Support {
        match (self.release, self.end_of_standard, self.end_of_extended) {
            (Some(r), _, _) if today < r => Support::NotReleased,
            (None, _, _) => Support::NotReleased,
            (_, Some(s), _) if today <= s => Support::Standard,
            (_, _, Some(e)) if today <= e => Support::Extended,
            (_, None, _) => Support::Standard,
            _ => Support::Ended,
        }
    }
}

/// The version-skew policy between control plane and kubelets, and EKS's stricter rules.
#[derive(Debug, Clone, Deserialize)]
pub struct Skew {
    /// Where the rule comes from.
    pub source: String,
    /// Minor versions a kubelet may be behind the API server.
    pub kubelet_max_minor_lag: u32,
    /// The smaller lag allowed for old kubelets.
    pub kubelet_max_minor_lag_before: OldKubeletLag,
    /// `UpdateClusterVersion` refuses while any managed node group is not at the control
    /// plane's minor version.
    pub node_groups_must_match_to_update_control_plane: bool,
    /// `CreateNodegroup` creates node groups only at the control plane's version.
    pub node_group_created_at_control_plane_version: bool,
}

/// Kubelets below `kubelet_below` may lag only `lag` minor versions.
#[derive(Debug, Clone, Deserialize)]
pub struct OldKubeletLag {
    /// First version of the larger lag, `1.25`.
    pub kubelet_below: String,
    /// The lag for older kubelets.
    pub lag: u32,
}

impl Skew {
    /// How many minor versions a kubelet at `kubelet` may be behind the API server.
    pub fn max_lag(&self, kubelet: KubeVersion) -> u32 {
        match KubeVersion::parse(&self.kubelet_max_minor_lag_before.kubelet_below) {
            Some(below) if kubelet < below => self.kubelet_max_minor_lag_before.lag,
            _ => self.kubelet_max_minor_lag,
        }
    }

    /// True when a kubelet at `kubelet` may talk to an API server at `control_plane`:
    /// never newer, at most [`Skew::max_lag`] behind.
    pub fn kubelet_allowed(&self, control_plane: KubeVersion, kubelet: KubeVersion) -> bool {
        kubelet <= control_plane && kubelet.minors_behind(control_plane) <= self.max_lag(kubelet)
    }
}

/// Add-on versions compatible with one Kubernetes version.
#[derive(Debug, Clone, Deserialize)]
pub struct AddonLine {
    /// Kubernetes version, `1.33`.
    pub kubernetes: String,
    /// Compatible add-on minor lines, `["1.12"]`.
    pub lines: Vec<String>,
    /// The latest build the docs list for it, when known.
    pub latest: Option<String>,
}

/// One EKS add-on and its compatibility table.
#[derive(Debug, Clone, Deserialize)]
pub struct AddonCompat {
    /// `kube-proxy`, `coredns`, `vpc-cni`.
    pub name: String,
    /// Updates move one minor version at a time.
    pub one_minor_at_a_time: bool,
    /// What the docs say about its versioning.
    pub note: String,
    /// Per Kubernetes version.
    pub compat: Vec<AddonLine>,
}

impl AddonCompat {
    /// The entry for Kubernetes version `kubernetes`.
    pub fn for_kubernetes(&self, kubernetes: &str) -> Option<&AddonLine> {
        let k = KubeVersion::parse(kubernetes)?;
        self.compat
            .iter()
            .find(|l| KubeVersion::parse(&l.kubernetes) == Some(k))
    }

    /// True when `addon_version` (`v1.11.4-eksbuild.24`) runs on Kubernetes `kubernetes`.
    pub fn is_compatible(&self, addon_version: &str, kubernetes: &str) -> bool {
        let Some(line) = addon_line(addon_version) else {
            return false;
        };
        self.for_kubernetes(kubernetes)
            .is_some_and(|l| l.lines.contains(&line))
    }

    /// The Kubernetes versions this add-on has versions for.
    pub fn kubernetes_versions(&self) -> impl Iterator<Item = &str> {
        self.compat.iter().map(|l| l.kubernetes.as_str())
    }
}

/// The minor line of an add-on version: `v1.11.4-eksbuild.24` -> `1.11`.
pub fn addon_line(addon_version: &str) -> Option<String> {
    KubeVersion::parse(addon_version).map(|k| k.to_string())
}

/// A Kubernetes API removed in some version.
#[derive(Debug, Clone, Deserialize)]
pub struct RemovedApi {
    /// The first version that no longer serves it.
    pub removed_in: String,
    /// `policy/v1beta1`.
    pub group_version: String,
    /// The kinds affected.
    pub kinds: Vec<String>,
    /// What to use instead (None: nothing, as for PodSecurityPolicy).
    pub replacement: Option<String>,
}

/// Cluster-hour prices.
#[derive(Debug, Clone, Deserialize)]
pub struct Prices {
    /// In standard support, USD.
    pub standard: f64,
    /// In extended support, USD.
    pub extended: f64,
}

/// A list with its source.
#[derive(Debug, Clone, Deserialize)]
pub struct Sourced<T> {
    /// Where the data comes from.
    pub source: String,
    /// The entries.
    pub list: Vec<T>,
}

/// EKS's default service quotas (adjustable; an account may have more).
#[derive(Debug, Clone, Deserialize)]
pub struct EksQuotas {
    /// Where the values come from.
    pub source: String,
    /// Clusters per account and Region.
    pub clusters_per_region: u32,
    /// Managed node groups per cluster.
    pub managed_node_groups_per_cluster: u32,
    /// Nodes per managed node group.
    pub nodes_per_managed_node_group: u32,
}

/// Everything EKS.
#[derive(Debug, Clone, Deserialize)]
pub struct EksCatalog {
    /// Where the versions come from.
    pub source: String,
    /// Length of standard support.
    pub standard_support_months: u32,
    /// Length of extended support.
    pub extended_support_months: u32,
    /// Price per cluster-hour.
    pub price_per_cluster_hour: Prices,
    /// Free addresses EKS needs in the cluster's subnets to update the control plane.
    pub free_ips_for_upgrade: u32,
    /// EKS's default service quotas.
    pub quotas: EksQuotas,
    /// Versions, oldest first.
    pub versions: Vec<EksVersion>,
    /// The skew rule.
    pub skew: Skew,
    /// Add-ons.
    pub addons: Sourced<AddonCompat>,
    /// Removed APIs.
    pub removed_apis: Sourced<RemovedApi>,
}

impl EksCatalog {
    /// The version `version` (`1.31`; `1.31.4` finds it too).
    pub fn version(&self, version: &str) -> Option<&EksVersion> {
        let k = KubeVersion::parse(version)?;
        self.versions.iter().find(|v| v.kube() == Some(k))
    }

    /// The next minor version after `version`, if EKS has it.
    pub fn next(&self, version: &str) -> Option<&EksVersion> {
        let k = KubeVersion::parse(version)?;
        self.version(&k.next().to_string())
    }

    /// Versions a new cluster may use on `today`: in standard or extended support.
    pub fn creatable_on(&self, today: NaiveDate) -> Vec<&EksVersion> {
        self.versions
            .iter()
            .filter(|v| matches!(v.support_on(today), Support::Standard | Support::Extended))
            .collect()
    }

    /// The add-on `name`.
    pub fn addon(&self, name: &str) -> Option<&AddonCompat> {
        self.addons.list.iter().find(|a| a.name == name)
    }

    /// APIs removed by versions after `from` up to and including `to`: what an upgrade
    /// from `from` to `to` breaks.
    pub fn removed_between(&self, from: &str, to: &str) -> Vec<&RemovedApi> {
        let (Some(from), Some(to)) = (KubeVersion::parse(from), KubeVersion::parse(to)) else {
            return Vec::new();
        };
        self.removed_apis
            .list
            .iter()
            .filter(|r| KubeVersion::parse(&r.removed_in).is_some_and(|v| from < v && v <= to))
            .collect()
    }

    /// The removal entry when `group_version`/`kind` is no longer served at `version`.
    pub fn removed_api(
        &self,
        group_version: &str,
        kind: &str,
        version: &str,
    ) -> Option<&RemovedApi> {
        let at = KubeVersion::parse(version)?;
        self.removed_apis.list.iter().find(|r| {
            r.group_version == group_version
                && r.kinds.iter().any(|k| k == kind)
                && KubeVersion::parse(&r.removed_in).is_some_and(|v| v <= at)
        })
    }
}
