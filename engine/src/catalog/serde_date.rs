//! Dates in the catalog: `YYYY-MM-DD` strings read into `chrono::NaiveDate`.

use chrono::NaiveDate;
use serde::{Deserialize, Deserializer};

/// Reads an optional `YYYY-MM-DD` (null: not known or not applicable).
pub fn optional<'de, D: Deserializer<'de>>(d: D) -> Result<Option<NaiveDate>, D::Error> {
    let s: Option<String> = Option::deserialize(d)?;
    s.map(|s| parse(&s).map_err(serde::de::Error::custom))
        .transpose()
}

/// Parses `YYYY-MM-DD`.
pub fn parse(s: &str) -> Result<NaiveDate, String> {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").map_err(|e| format!("invalid date {s:?}: {e}"))
}
