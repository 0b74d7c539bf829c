//! The version catalog: versions, support dates, upgrade paths and limits of the managed services, as data.
//!
//! The data is `catalog.json` (each section names its sources), compiled into the binary and
//! parsed once on first use. Lookups are small typed functions:
//!
//! ```
//! use engine::catalog;
//! let v = catalog::eks().version("1.31").unwrap();
//! assert_eq!(v.release.unwrap().to_string(), "2024-09-26");
//! assert_eq!(catalog::max_pods("m5.large"), Some(29));
//! let targets = catalog::aurora("aurora-postgresql").unwrap().upgrade_targets("16.6");
//! assert!(targets.iter().any(|t| t.as_str() == "17.4"));
//! ```
//!
//! Dates are judged by the caller against its own "today" (the simulator's virtual clock,
//! `GALLEY_TODAY`), never against the system clock here.

mod aurora;
mod eks;
mod elasticache;
mod instances;
mod msk;
mod serde_date;
mod version;

use std::sync::OnceLock;

use serde::Deserialize;

pub use aurora::{AuroraCatalog, AuroraMajor, AuroraVersion};
pub use eks::{
    addon_line, AddonCompat, AddonLine, EksCatalog, EksVersion, KubeVersion, OldKubeletLag, Prices,
    RemovedApi, Skew, Sourced, Support,
};
pub use elasticache::{CacheEngine, CacheTarget, CacheVersion, ElastiCacheCatalog};
pub use instances::{InstanceCatalog, InstanceType};
pub use msk::{KafkaVersion, MetadataMode, MskCatalog};
pub use version::compare_versions;

/// The whole catalog.
#[derive(Debug, Deserialize)]
pub struct Catalog {
    /// EKS and Kubernetes.
    pub eks: EksCatalog,
    /// EC2 instance types as the VPC CNI and the scheduler see them.
    pub instance_types: InstanceCatalog,
    /// Aurora engines by name (`aurora-postgresql`, `aurora-mysql`).
    pub aurora: std::collections::BTreeMap<String, AuroraCatalog>,
    /// MSK (Apache Kafka).
    pub msk: MskCatalog,
    /// ElastiCache (Redis OSS, Valkey).
    pub elasticache: ElastiCacheCatalog,
}

const DATA: &str = include_str!("catalog.json");

/// Parses the catalog text (the compiled-in one, or another for tests).
pub fn parse(text: &str) -> Result<Catalog, serde_json::Error> {
    serde_json::from_str(text)
}

/// The catalog, parsed on first use.
pub fn get() -> &'static Catalog {
    static CATALOG: OnceLock<Catalog> = OnceLock::new();
    // The data is compiled in and checked by this module's tests: failing here is a build
    // defect, not a user error.
    CATALOG.get_or_init(|| parse(DATA).expect("engine/src/catalog/catalog.json is invalid"))
}

/// EKS versions, skew rule, add-ons and removed APIs.
pub fn eks() -> &'static EksCatalog {
    &get().eks
}

/// The Aurora engine `engine` (`aurora-postgresql`, `aurora-mysql`).
pub fn aurora(engine: &str) -> Option<&'static AuroraCatalog> {
    get().aurora.get(engine)
}

/// The Aurora engines the catalog knows (`aurora-mysql`, `aurora-postgresql`).
pub fn aurora_engines() -> impl Iterator<Item = &'static str> {
    get().aurora.keys().map(String::as_str)
}

/// Every DB cluster parameter group family of the Aurora engines in the catalog
/// (`aurora-postgresql16`).
pub fn aurora_families() -> Vec<&'static str> {
    get()
        .aurora
        .values()
        .flat_map(|c| c.majors.iter().map(|m| m.family.as_str()))
        .collect()
}

/// MSK versions.
pub fn msk() -> &'static MskCatalog {
    &get().msk
}

/// ElastiCache versions.
pub fn elasticache() -> &'static ElastiCacheCatalog {
    &get().elasticache
}

/// An instance type's network and size limits.
pub fn instance(name: &str) -> Option<&'static InstanceType> {
    get().instance_types.get(name)
}

/// Max pods per node of `instance_type` without prefix delegation (VPC CNI formula).
pub fn max_pods(instance_type: &str) -> Option<u32> {
    instance(instance_type).map(InstanceType::max_pods)
}

#[cfg(test)]
mod tests;
