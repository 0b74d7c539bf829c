//! Simulator options: latency, flush interval and faults armed from the start.

use std::time::Duration;

use crate::fault::{Fault, FaultParseError};

/// How a [`crate::SimFactory`] behaves.
#[derive(Debug, Clone)]
pub struct SimOptions {
    /// Real time slept (on tokio) by every apply, read, import and data-source call, to
    /// exercise the engine's concurrency; zero by default.
    pub latency: Duration,
    /// The world file is rewritten whole at most this often while applies run (a final
    /// write happens on [`crate::SimFactory::flush`] and when the factory is dropped).
    /// Between rewrites every mutation is appended to the world's journal, so a killed
    /// process loses nothing. Zero rewrites (with fsync) after every mutation.
    pub flush_interval: Duration,
    /// Faults armed when the factory is created.
    pub faults: Vec<Fault>,
}

impl Default for SimOptions {
    fn default() -> SimOptions {
        SimOptions {
            latency: Duration::ZERO,
            flush_interval: Duration::from_millis(200),
            faults: Vec::new(),
        }
    }
}

impl SimOptions {
    /// Defaults, with faults from `GALLEY_SIM_FAULTS` and latency from
    /// `GALLEY_SIM_LATENCY_MS` when set.
    pub fn from_env() -> Result<SimOptions, FaultParseError> {
        let mut o = SimOptions::default();
        if let Ok(s) = std::env::var("GALLEY_SIM_FAULTS") {
            o.faults = Fault::parse_list(&s)?;
        }
        if let Some(ms) = std::env::var("GALLEY_SIM_LATENCY_MS")
            .ok()
            .and_then(|s| s.trim().parse::<u64>().ok())
        {
            o.latency = Duration::from_millis(ms);
        }
        Ok(o)
    }
}
