//! ElastiCache: Redis OSS and Valkey engine versions and in-place upgrade targets.

use serde::Deserialize;

/// The cache engine.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum CacheEngine {
    /// Redis OSS.
    Redis,
    /// Valkey.
    Valkey,
}

impl CacheEngine {
    /// Reads `redis` or `valkey` as Terraform's `engine` spells them.
    pub fn parse(s: &str) -> Option<CacheEngine> {
        match s {
            "redis" => Some(CacheEngine::Redis),
            "valkey" => Some(CacheEngine::Valkey),
            _ => None,
        }
    }

    /// `redis` or `valkey`, as Terraform's `engine` spells them.
    pub fn as_str(self) -> &'static str {
        match self {
            CacheEngine::Redis => "redis",
            CacheEngine::Valkey => "valkey",
        }
    }
}

/// An (engine, version) pair.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct CacheTarget {
    /// Engine.
    pub engine: CacheEngine,
    /// Version, `7.1`.
    pub version: String,
}

/// One supported engine version.
#[derive(Debug, Clone, Deserialize)]
pub struct CacheVersion {
    /// Engine.
    pub engine: CacheEngine,
    /// Version, `7.1`.
    pub version: String,
    /// In-place upgrade targets (Redis OSS may move to Valkey).
    pub upgrade_targets: Vec<CacheTarget>,
}

/// The ElastiCache version table.
#[derive(Debug, Clone, Deserialize)]
pub struct ElastiCacheCatalog {
    /// Where the data comes from.
    pub source: String,
    /// Versions.
    pub versions: Vec<CacheVersion>,
}

impl ElastiCacheCatalog {
    /// The supported version `version` of `engine`.
    pub fn version(&self, engine: CacheEngine, version: &str) -> Option<&CacheVersion> {
        self.versions
            .iter()
            .find(|v| v.engine == engine && v.version == version)
    }

    /// True when (`engine`, `from`) may be upgraded in place to (`to_engine`, `to`).
    pub fn can_upgrade(
        &self,
        engine: CacheEngine,
        from: &str,
        to_engine: CacheEngine,
        to: &str,
    ) -> bool {
        self.version(engine, from).is_some_and(|v| {
            v.upgrade_targets
                .iter()
                .any(|t| t.engine == to_engine && t.version == to)
        })
    }
}
