//! The simulated clock: the real clock shifted by a skew that tests can
//! change while the simulator runs (AWS's clock, as the instance sees it).

use aws_sign::Timestamp;
use std::sync::atomic::{AtomicI64, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// Skews beyond a century are clamped: nothing useful lies there, and the
/// date arithmetic stays far from overflow.
const MAX_SKEW_SECS: i64 = 100 * 366 * 86_400;

#[derive(Debug, Default)]
pub(crate) struct Clock {
    skew_secs: AtomicI64,
}

impl Clock {
    pub(crate) fn new(skew_secs: i64) -> Self {
        Clock {
            skew_secs: AtomicI64::new(skew_secs.clamp(-MAX_SKEW_SECS, MAX_SKEW_SECS)),
        }
    }

    pub(crate) fn set_skew(&self, secs: i64) {
        self.skew_secs
            .store(secs.clamp(-MAX_SKEW_SECS, MAX_SKEW_SECS), Ordering::Relaxed);
    }

    pub(crate) fn skew(&self) -> i64 {
        self.skew_secs.load(Ordering::Relaxed)
    }

    /// Simulated now, whole seconds.
    pub(crate) fn now(&self) -> Timestamp {
        Timestamp::now().offset_by(self.skew())
    }

    /// Simulated now as `2026-11-23T09:00:00.123Z` (Route 53's `SubmittedAt`).
    pub(crate) fn rfc3339_millis(&self) -> String {
        let now = SystemTime::now();
        let millis = now
            .duration_since(UNIX_EPOCH)
            .unwrap_or(Duration::ZERO)
            .subsec_millis();
        let secs = Timestamp::from_system_time(now).offset_by(self.skew());
        let text = secs.rfc3339();
        format!("{}.{millis:03}Z", text.trim_end_matches('Z'))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn skew_shifts_the_clock() {
        let clock = Clock::new(3600);
        let delta = clock.now().seconds_since(Timestamp::now());
        assert!((3599..=3601).contains(&delta), "{delta}");
        clock.set_skew(-60);
        let delta = clock.now().seconds_since(Timestamp::now());
        assert!((-61..=-59).contains(&delta), "{delta}");
        clock.set_skew(i64::MAX);
        assert_eq!(clock.skew(), MAX_SKEW_SECS);
        let text = clock.rfc3339_millis();
        assert_eq!(text.len(), "2026-11-23T09:00:00.123Z".len(), "{text}");
        assert!(Timestamp::parse_rfc3339(&text).is_some());
    }
}
