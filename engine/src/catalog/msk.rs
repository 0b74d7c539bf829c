//! MSK (Apache Kafka): versions, end of support, metadata mode and compatible upgrades.

use chrono::NaiveDate;
use serde::Deserialize;

use super::serde_date;

/// How the cluster keeps its metadata; chosen at creation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum MetadataMode {
    /// Apache ZooKeeper.
    Zookeeper,
    /// KRaft (from 3.7.x; the only mode of 4.0.x).
    Kraft,
}

/// One Kafka version as MSK offers it.
#[derive(Debug, Clone, Deserialize)]
pub struct KafkaVersion {
    /// `3.8.x`, `3.8.x.kraft`, `2.8.2.tiered`.
    pub version: String,
    /// MSK release date.
    #[serde(deserialize_with = "serde_date::optional")]
    pub release: Option<NaiveDate>,
    /// End of support (None: none announced).
    #[serde(deserialize_with = "serde_date::optional")]
    pub end_of_support: Option<NaiveDate>,
    /// Metadata mode.
    pub metadata: MetadataMode,
    /// What `GetCompatibleKafkaVersions` returns for it.
    pub upgrade_targets: Vec<String>,
}

impl KafkaVersion {
    /// True when a new cluster may use it on `today`.
    pub fn supported_on(&self, today: NaiveDate) -> bool {
        self.release.is_none_or(|r| r <= today) && self.end_of_support.is_none_or(|e| today <= e)
    }
}

/// The MSK version table.
#[derive(Debug, Clone, Deserialize)]
pub struct MskCatalog {
    /// Where the data comes from.
    pub source: String,
    /// Versions, oldest first.
    pub versions: Vec<KafkaVersion>,
}

impl MskCatalog {
    /// The version `version`.
    pub fn version(&self, version: &str) -> Option<&KafkaVersion> {
        self.versions.iter().find(|v| v.version == version)
    }

    /// Versions `version` may be upgraded to in place (empty when unknown).
    pub fn upgrade_targets(&self, version: &str) -> &[String] {
        self.version(version)
            .map(|v| v.upgrade_targets.as_slice())
            .unwrap_or(&[])
    }
}
