//! Waiting for a change to reach every Route 53 name server (INSYNC).
//!
//! Polls start fast and slow down: 1 s after the change, then each interval
//! 1 s longer than the previous one, up to 10 s (GetChange at 1, 3, 6, 10, 15,
//! 21, 28, 36, 45, 55 s, then every 10 s). Most changes propagate within a few
//! seconds and are noticed within a second or two; a slow one costs at most
//! 10 calls in its first minute. The AWS CLI waiter polls every 30 s.

use super::client::{Route53, Route53Error};
use crate::retry::Deadline;
use std::time::Duration;
use tokio::time::Instant;
use tracing::debug;

pub const FIRST_POLL: Duration = Duration::from_secs(1);
pub const POLL_STEP: Duration = Duration::from_secs(1);
pub const MAX_POLL_INTERVAL: Duration = Duration::from_secs(10);

/// The interval before poll `n` (0-based).
pub fn poll_interval(n: u32) -> Duration {
    (FIRST_POLL + POLL_STEP * n).min(MAX_POLL_INTERVAL)
}

/// How a wait ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Waited {
    pub polls: u32,
    pub elapsed: Duration,
}

/// Polls GetChange until INSYNC, for at most `timeout` (and never past
/// `deadline`); GetChange retries stay inside that window too.
pub async fn until_insync(
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
        assert_eq!(times, [1, 3, 6, 10, 15, 21, 28, 36, 45, 55, 65, 75]);
        assert_eq!(times.iter().filter(|&&s| s <= 60).count(), 10);
    }
}
