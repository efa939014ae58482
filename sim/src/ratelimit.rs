//! Route 53 rate limiting as AWS documents it since 2026-07-30: token
//! buckets shared by the whole account.
//!
//! - the account bucket: every authenticated request takes one token;
//! - the change bucket: a ChangeResourceRecordSets batch takes one token per
//!   `Change`, two per `UPSERT` ("an UPSERT counts as two changes").
//!
//! An empty bucket makes the request fail with HTTP 400 `Throttling` /
//! "Rate exceeded". The change-bucket numbers are the simulator's choice:
//! AWS's exact values were not available.

use crate::log::lock;
use serde::{Deserialize, Serialize};
use std::sync::Mutex;
use std::time::Instant;

/// Bucket sizes and refill rates.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct RateLimit {
    /// Account bucket capacity (AWS: 50).
    pub burst: u32,
    /// Account bucket refill, tokens per second (AWS: 10).
    pub refill_per_sec: f64,
    /// Change bucket capacity, in changes.
    pub change_burst: u32,
    /// Change bucket refill, changes per second.
    pub change_refill_per_sec: f64,
}

impl Default for RateLimit {
    fn default() -> Self {
        RateLimit {
            burst: 50,
            refill_per_sec: 10.0,
            change_burst: 100,
            change_refill_per_sec: 10.0,
        }
    }
}

impl RateLimit {
    pub(crate) fn validate(&self) -> Result<(), String> {
        let rates = [self.refill_per_sec, self.change_refill_per_sec];
        if rates.iter().any(|r| !r.is_finite() || *r < 0.0) {
            return Err("refill rates must be finite and not negative".to_owned());
        }
        Ok(())
    }
}

/// A classic token bucket: starts full, refills continuously.
#[derive(Debug, Clone)]
pub(crate) struct TokenBucket {
    capacity: f64,
    refill_per_sec: f64,
    tokens: f64,
    last: Instant,
}

impl TokenBucket {
    pub(crate) fn new(capacity: u32, refill_per_sec: f64, now: Instant) -> Self {
        TokenBucket {
            capacity: f64::from(capacity),
            refill_per_sec,
            tokens: f64::from(capacity),
            last: now,
        }
    }

    /// Takes `n` tokens if the bucket holds them at `now`.
    pub(crate) fn try_take(&mut self, n: u32, now: Instant) -> bool {
        let elapsed = now.saturating_duration_since(self.last).as_secs_f64();
        self.tokens = (self.tokens + elapsed * self.refill_per_sec).min(self.capacity);
        self.last = self.last.max(now);
        let n = f64::from(n);
        if self.tokens >= n {
            self.tokens -= n;
            true
        } else {
            false
        }
    }
}

/// The account's buckets.
#[derive(Debug)]
pub(crate) struct RateLimiter {
    account: Mutex<TokenBucket>,
    changes: Mutex<TokenBucket>,
}

impl RateLimiter {
    pub(crate) fn new(limit: &RateLimit) -> Self {
        let now = Instant::now();
        RateLimiter {
            account: Mutex::new(TokenBucket::new(limit.burst, limit.refill_per_sec, now)),
            changes: Mutex::new(TokenBucket::new(
                limit.change_burst,
                limit.change_refill_per_sec,
                now,
            )),
        }
    }

    /// One authenticated request.
    pub(crate) fn allow_request(&self) -> bool {
        lock(&self.account).try_take(1, Instant::now())
    }

    /// A change batch costing `cost` changes.
    pub(crate) fn allow_changes(&self, cost: u32) -> bool {
        lock(&self.changes).try_take(cost, Instant::now())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn bucket_empties_and_refills() {
        let t0 = Instant::now();
        let mut bucket = TokenBucket::new(3, 10.0, t0);
        assert!(bucket.try_take(1, t0));
        assert!(bucket.try_take(2, t0));
        assert!(!bucket.try_take(1, t0));
        // 100 ms at 10/s gives one token back.
        let t1 = t0 + Duration::from_millis(100);
        assert!(bucket.try_take(1, t1));
        assert!(!bucket.try_take(1, t1));
        // Never more than the capacity.
        let t2 = t1 + Duration::from_secs(60);
        assert!(bucket.try_take(3, t2));
        assert!(!bucket.try_take(1, t2));
    }

    #[test]
    fn too_big_a_request_never_passes_and_costs_nothing() {
        let t0 = Instant::now();
        let mut bucket = TokenBucket::new(2, 1.0, t0);
        assert!(!bucket.try_take(3, t0));
        assert!(bucket.try_take(2, t0));
    }

    #[test]
    fn zero_refill_stays_empty_and_time_going_back_is_harmless() {
        let t0 = Instant::now();
        let later = t0 + Duration::from_secs(5);
        let mut bucket = TokenBucket::new(1, 0.0, later);
        assert!(bucket.try_take(1, t0));
        assert!(!bucket.try_take(1, later + Duration::from_secs(100)));
        assert!(
            RateLimit {
                refill_per_sec: f64::NAN,
                ..Default::default()
            }
            .validate()
            .is_err()
        );
    }
}
