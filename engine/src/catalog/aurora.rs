//! Aurora PostgreSQL and MySQL: major versions with support dates and parameter-group
//! families, minor versions with their valid upgrade targets.

use chrono::NaiveDate;
use serde::Deserialize;

use super::serde_date;

/// One major version.
#[derive(Debug, Clone, Deserialize)]
pub struct AuroraMajor {
    /// `16` (PostgreSQL) or `3` (Aurora MySQL 3).
    pub major: String,
    /// Its DB cluster parameter group family, `aurora-postgresql16`.
    pub family: String,
    /// Last day of standard support.
    #[serde(deserialize_with = "serde_date::optional")]
    pub end_of_standard: Option<NaiveDate>,
    /// Last day of RDS Extended Support (None: not known).
    #[serde(deserialize_with = "serde_date::optional")]
    pub end_of_extended: Option<NaiveDate>,
}

/// One engine version.
#[derive(Debug, Clone, Deserialize)]
pub struct AuroraVersion {
    /// `16.6`, `8.0.mysql_aurora.3.08.2`.
    pub version: String,
    /// Its major version.
    pub major: String,
    /// `ValidUpgradeTarget`: versions it may be upgraded to in place.
    pub upgrade_targets: Vec<String>,
}

/// One Aurora engine.
#[derive(Debug, Clone, Deserialize)]
pub struct AuroraCatalog {
    /// Where the data comes from.
    pub source: String,
    /// Parameter group families start with this.
    pub family_prefix: String,
    /// Major versions.
    pub majors: Vec<AuroraMajor>,
    /// Versions, oldest first.
    pub versions: Vec<AuroraVersion>,
}

impl AuroraCatalog {
    /// The version `version`.
    pub fn version(&self, version: &str) -> Option<&AuroraVersion> {
        self.versions.iter().find(|v| v.version == version)
    }

    /// The major version `version` belongs to.
    pub fn major_of(&self, version: &str) -> Option<&AuroraMajor> {
        let v = self.version(version)?;
        self.majors.iter().find(|m| m.major == v.major)
    }

    /// Valid upgrade targets of `version` (empty when unknown).
    pub fn upgrade_targets(&self, version: &str) -> &[String] {
        self.version(version)
            .map(|v| v.upgrade_targets.as_slice())
            .unwrap_or(&[])
    }

    /// True when going from `from` to `to` changes the major version.
    pub fn is_major_upgrade(&self, from: &str, to: &str) -> bool {
        match (self.version(from), self.version(to)) {
            (Some(a), Some(b)) => a.major != b.major,
            _ => false,
        }
    }

    /// The parameter group family of `version` (`aurora-postgresql16` for `16.6`).
    pub fn family(&self, version: &str) -> Option<&str> {
        self.major_of(version).map(|m| m.family.as_str())
    }
}
