//! Waiting for a change to reach every Route 53 name server (INSYNC).
//!
//! Polls start fast and slow down, as [`POLL_AT`]: GetChange 1, 3, 6, 10, 15,
//! 21, 28, 36, 45 and 55 s after the change (each interval 1 s longer than the
//! last), then at 61 s — just after the 60 s within which Route 53 documents
//! that changes reach all its name servers — then every 10 s. Most changes
//! propagate within a few seconds and are noticed within a second or two; a
//! slow one costs 10 calls in its first minute. (The AWS CLI waiter polls
//! every 30 s.) The first poll waits 1 s rather than asking at once: an
//! immediate GetChange is almost always PENDING, and in a fleet sharing the
//! account's request budget it would cost every instance one more call.

use super::{Route53, Route53Error};
use crate::aws::retry::Deadline;
use std::time::Duration;
use tokio::time::Instant;
use tracing::debug;

/// Seconds after the change at which GetChange is called.
pub(crate) const POLL_AT: [u64; 11] = [1, 3, 6, 10, 15, 21, 28, 36, 45, 55, 61];
/// After the last entry of [`POLL_AT`], one poll every this long.
pub(crate) const LATE_POLL_INTERVAL: Duration = Duration::from_secs(10);

/// The interval before poll `n` (0-based).
pub(crate) fn poll_interval(n: u32) -> Duration {
    let n = n as usize;
    match (
        n.checked_sub(1).and_then(|p| POLL_AT.get(p)),
        POLL_AT.get(n),
    ) {
        (_, None) => LATE_POLL_INTERVAL,
        (None, Some(first)) => Duration::from_secs(*first),
        (Some(previous), Some(at)) => Duration::from_secs(at - previous),
    }
}

/// How a wait ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Waited {
    pub polls: u32,
    pub elapsed: Duration,
}

/// Polls GetChange until INSYNC, for at most `timeout` (and never past
/// `deadline`); GetChange retries stay inside that window too.
pub(crate) async fn until_insync(
    route53: &Route53,
    change_id: &str,
    timeout: Duration,
    deadline: Deadline,
) -> Result<Waited, Route53Error> {
    let started = Instant::now();
    let wait = Deadline::after(timeout);
    let (window, limit) = if wait < deadline {
        (wait, "route53.wait_timeout")
    } else {
        (deadline, "deadline")
    };
    let mut polls = 0;
    loop {
        if !window.sleep(poll_interval(polls)).await {
            return Err(Route53Error::NotInSync {
                change_id: change_id.to_owned(),
                waited_secs: started.elapsed().as_secs(),
                limit,
            });
        }
        polls += 1;
        let info = route53.get_change(change_id, window).await?;
        debug!(change_id, polls, insync = info.insync, "GetChange");
        if info.insync {
            return Ok(Waited {
                polls,
                elapsed: started.elapsed(),
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn schedule_starts_fast_and_caps() {
        let mut t = Duration::ZERO;
        let mut times = Vec::new();
        for n in 0..12 {
            t += poll_interval(n);
            times.push(t.as_secs());
        }
        assert_eq!(times, [1, 3, 6, 10, 15, 21, 28, 36, 45, 55, 61, 71]);
        assert_eq!(times.iter().filter(|&&s| s <= 60).count(), 10);
    }
}
