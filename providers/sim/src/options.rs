//! Simulator options: latency, flush interval, the virtual clock's start day and faults
//! armed from the start.

use std::time::Duration;

use chrono::NaiveDate;

use crate::fault::{Fault, FaultParseError};

/// Why the environment's simulator settings could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum OptionsError {
    /// `GALLEY_SIM_FAULTS` is malformed.
    #[error(transparent)]
    Faults(#[from] FaultParseError),
    /// The fault file named by `GALLEY_SIM_FAULT_FILE` cannot be read; the diagnostics,
    /// rendered.
    #[error("invalid GALLEY_SIM_FAULT_FILE:\n{0}")]
    FaultFile(String),
    /// `GALLEY_TODAY` is not a `YYYY-MM-DD` date.
    #[error("invalid GALLEY_TODAY `{0}`: expected a date as YYYY-MM-DD")]
    Today(String),
}

/// The environment variable naming a fault file every simulator of the process arms
/// (the CLI's `--faults FILE` sets it, so simulators made deep inside commands see it too).
pub const FAULT_FILE_VAR: &str = "GALLEY_SIM_FAULT_FILE";

/// How a [`crate::SimFactory`] behaves.
#[derive(Debug, Clone)]
pub struct SimOptions {
    /// Real time slept (on tokio) by every apply, read, import and data-source call, to
    /// exercise the engine's concurrency; zero by default.
    pub latency: Duration,
    /// Sleep each operation's simulated duration (an EKS cluster's ten minutes) on tokio's
    /// clock too. With a paused clock (`tokio::time::pause`) the virtual time an apply
    /// takes is then its makespan under the latency model; off by default.
    pub timed: bool,
    /// The world file is rewritten whole at most this often while applies run (a final
    /// write happens on [`crate::SimFactory::flush`] and when the factory is dropped).
    /// Between rewrites every mutation is appended to the world's journal, so a killed
    /// process loses nothing. Zero rewrites (with fsync) after every mutation.
    pub flush_interval: Duration,
    /// Faults armed when the factory is created.
    pub faults: Vec<Fault>,
    /// The virtual clock's start day (None: the real today).
    pub today: Option<NaiveDate>,
}

impl Default for SimOptions {
    fn default() -> SimOptions {
        SimOptions {
            latency: Duration::ZERO,
            timed: false,
            flush_interval: Duration::from_millis(200),
            faults: Vec::new(),
            today: None,
        }
    }
}

impl SimOptions {
    /// Defaults, with faults from the fault file `GALLEY_SIM_FAULT_FILE` (what `--faults`
    /// sets) then from `GALLEY_SIM_FAULTS`, latency from `GALLEY_SIM_LATENCY_MS` and the
    /// start day from `GALLEY_TODAY` when set.
    pub fn from_env() -> Result<SimOptions, OptionsError> {
        let mut o = SimOptions::default();
        if let Some(path) = std::env::var_os(FAULT_FILE_VAR) {
            let sources = engine::diag::SourceMap::new();
            o.faults = crate::fault_file::load(std::path::Path::new(&path), &sources)
                .map_err(|d| OptionsError::FaultFile(d.render(&sources)))?;
        }
        if let Ok(s) = std::env::var("GALLEY_SIM_FAULTS") {
            o.faults.extend(Fault::parse_list(&s)?);
        }
        if let Some(ms) = std::env::var("GALLEY_SIM_LATENCY_MS")
            .ok()
            .and_then(|s| s.trim().parse::<u64>().ok())
        {
            o.latency = Duration::from_millis(ms);
        }
        if let Ok(s) = std::env::var("GALLEY_TODAY") {
            o.today = Some(parse_today(&s)?);
        }
        Ok(o)
    }
}

/// Reads a `GALLEY_TODAY` value.
pub fn parse_today(s: &str) -> Result<NaiveDate, OptionsError> {
    NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d").map_err(|_| OptionsError::Today(s.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn galley_today_must_be_a_date() {
        assert_eq!(
            parse_today("2026-02-01").unwrap(),
            NaiveDate::from_ymd_opt(2026, 2, 1).unwrap()
        );
        assert!(matches!(
            parse_today("01/02/2026"),
            Err(OptionsError::Today(_))
        ));
    }
}
