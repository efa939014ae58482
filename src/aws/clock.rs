//! The clock requests are signed with: the system clock plus an offset learnt
//! from Route 53 when it refuses a request as expired.
//!
//! Before time sync at boot the instance clock can be hours off; Route 53
//! refuses signatures more than 5 minutes from its own time, and every answer
//! carries a `Date` header. [`Clock::resync`] adopts that time for the rest of
//! the run.

use aws_sign::timestamp::Timestamp;
use std::sync::atomic::{AtomicI64, Ordering};

#[derive(Debug, Default)]
pub(crate) struct Clock {
    offset_secs: AtomicI64,
}

impl Clock {
    pub(crate) fn new() -> Self {
        Clock::default()
    }

    /// The corrected current time.
    pub(crate) fn now(&self) -> Timestamp {
        Timestamp::now().offset_by(self.offset())
    }

    /// Seconds added to the system clock (server time − local time).
    pub(crate) fn offset(&self) -> i64 {
        self.offset_secs.load(Ordering::Relaxed)
    }

    /// Adopts `server_time` as now; returns the new offset in seconds.
    pub(crate) fn resync(&self, server_time: Timestamp) -> i64 {
        let offset = server_time.seconds_since(Timestamp::now());
        self.offset_secs.store(offset, Ordering::Relaxed);
        offset
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn adopts_the_server_time() {
        let clock = Clock::new();
        assert!(clock.now().seconds_since(Timestamp::now()).abs() <= 1);
        let server = Timestamp::now().offset_by(-3600);
        let offset = clock.resync(server);
        assert!((offset + 3600).abs() <= 1, "{offset}");
        assert!(clock.now().seconds_since(server).abs() <= 1);
    }
}
