//! The virtual clock: simulated operation time is added up instead of slept.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

/// Total simulated time of the operations a factory's providers performed.
///
/// Each create, update or delete advances the clock by the duration the real service
/// would take (a VPC 2 s, an instance 30 s), so a test can assert that a rollout
/// "took" 15 minutes while it ran in milliseconds. Operations running in parallel all
/// add up: the clock measures work, not wall-clock span.
#[derive(Debug, Default)]
pub struct SimClock {
    nanos: AtomicU64,
}

impl SimClock {
    /// A clock at zero.
    pub fn new() -> SimClock {
        SimClock::default()
    }

    /// Adds `d` to the simulated elapsed time.
    pub fn advance(&self, d: Duration) {
        let n = u64::try_from(d.as_nanos()).unwrap_or(u64::MAX);
        self.nanos.fetch_add(n, Ordering::Relaxed);
    }

    /// Simulated time elapsed so far.
    pub fn elapsed(&self) -> Duration {
        Duration::from_nanos(self.nanos.load(Ordering::Relaxed))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clock_adds_up_advances() {
        let c = SimClock::new();
        c.advance(Duration::from_secs(2));
        c.advance(Duration::from_millis(500));
        assert_eq!(c.elapsed(), Duration::from_millis(2500));
    }
}
