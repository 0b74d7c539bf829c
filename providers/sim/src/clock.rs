//! The virtual clock: simulated operation time is added up instead of slept.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use chrono::{NaiveDate, NaiveDateTime};

/// Total simulated time of the operations a factory's providers performed.
///
/// Each create, update or delete advances the clock by the duration the real service
/// would take (a VPC 2 s, an instance 30 s), so a test can assert that a rollout
/// "took" 15 minutes while it ran in milliseconds. Operations running in parallel all
/// add up: the clock measures work, not wall-clock span.
///
/// The clock also has a date: it starts at midnight (UTC) of a start day, `GALLEY_TODAY`
/// or the real today, and [`SimClock::now`] is that plus the elapsed time. Support dates of
/// the version catalog are judged against it, so tests are reproducible.
#[derive(Debug)]
pub struct SimClock {
    start: NaiveDateTime,
    nanos: AtomicU64,
}

impl Default for SimClock {
    fn default() -> SimClock {
        SimClock::starting(chrono::Utc::now().date_naive())
    }
}

impl SimClock {
    /// A clock at zero, starting today.
    pub fn new() -> SimClock {
        SimClock::default()
    }

    /// A clock at zero, starting at midnight of `day`.
    pub fn starting(day: NaiveDate) -> SimClock {
        SimClock {
            start: day.and_time(chrono::NaiveTime::MIN),
            nanos: AtomicU64::new(0),
        }
    }

    /// The simulated date and time: start plus elapsed.
    pub fn now(&self) -> NaiveDateTime {
        let elapsed = chrono::Duration::from_std(self.elapsed()).unwrap_or(chrono::Duration::MAX);
        self.start
            .checked_add_signed(elapsed)
            .unwrap_or(NaiveDateTime::MAX)
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

    #[test]
    fn now_is_the_start_day_plus_elapsed_time() {
        let day = NaiveDate::from_ymd_opt(2026, 2, 1).unwrap();
        let c = SimClock::starting(day);
        c.advance(Duration::from_secs(25 * 3600));
        assert_eq!(c.now().to_string(), "2026-02-02 01:00:00");
    }
}
