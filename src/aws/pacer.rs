//! Client-side adaptive rate limiting: a throttled client slows down, and
//! stays slow for the rest of its run, so a fleet booting at once stops
//! hammering the account's shared Route 53 budget.
//!
//! Route 53's request buckets are per account (burst 50, refill 10/s), so a
//! boot storm of N instances needs about N × calls ÷ 10 seconds however the
//! instances behave; what they choose is how many refused requests they add
//! on top, and so how much of the budget is left for everything else in the
//! account (Terraform, external-dns, the operators' scripts). A boot cannot
//! know it is part of a storm until its first call is throttled; from then on
//! every request of the run, retries and later calls alike, goes through
//! this pacer:
//!
//! | event                                      | level   | the next request waits        |
//! |--------------------------------------------|---------|-------------------------------|
//! | `Throttling` answered at level k           | k + 1   | U[½, 1] × [`window`]`(k)`     |
//! | a request succeeded, level k > 0           | k − 1   | U[½, 1] × `window(k − 2)` (none at level 1) |
//! | no throttling for [`QUIET`]                | 0       | nothing                        |
//!
//! [`window`] doubles from [`FIRST_WINDOW`] up to [`MAX_WINDOW`]: 5–10 s after
//! the first throttle, 10–20 s, 20–40 s, then 30–60 s. Those numbers were
//! chosen with the fleet benchmark (`bench/bench.py`, section 4) and a model
//! of it: shorter windows finish a storm no sooner but send several refused
//! requests per accepted one; longer ones leave the account idle at the end
//! of a storm. Backoff for other retriable errors (5xx, connection failures)
//! is `retry::Backoff`'s and does not change the level.
//!
//! The INSYNC wait asks [`Pacer::congested`] too: a run that has been
//! throttled polls GetChange on a slower schedule (`route53/wait.rs`).

use std::sync::Mutex;
use std::time::Duration;
use tokio::time::Instant;

/// The wait after the first throttle is up to this long (and at least half).
pub(crate) const FIRST_WINDOW: Duration = Duration::from_secs(10);
/// No wait is longer than this.
pub(crate) const MAX_WINDOW: Duration = Duration::from_secs(60);
/// After this long without a throttled answer, the pacer forgets (a
/// long-running `watch`).
pub(crate) const QUIET: Duration = Duration::from_secs(300);

/// The upper bound of the wait at level `k`: [`FIRST_WINDOW`] × 2^k, at
/// most [`MAX_WINDOW`].
pub(crate) fn window(k: u32) -> Duration {
    FIRST_WINDOW
        .saturating_mul(1u32 << k.min(16))
        .min(MAX_WINDOW)
}

#[derive(Debug)]
struct State {
    level: u32,
    not_before: Option<Instant>,
    last_throttle: Option<Instant>,
    rng: fastrand::Rng,
}

/// One client's pacing state (one per signed client).
#[derive(Debug)]
pub(crate) struct Pacer {
    state: Mutex<State>,
}

impl Default for Pacer {
    fn default() -> Self {
        Pacer::with_rng(fastrand::Rng::new())
    }
}

impl Pacer {
    fn with_rng(rng: fastrand::Rng) -> Self {
        Pacer {
            state: Mutex::new(State {
                level: 0,
                not_before: None,
                last_throttle: None,
                rng,
            }),
        }
    }

    /// Same, with a seeded random source (tests).
    #[cfg(test)]
    pub(crate) fn with_seed(seed: u64) -> Self {
        Pacer::with_rng(fastrand::Rng::with_seed(seed))
    }

    fn state(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// How long the next request must wait, from `now`.
    pub(crate) fn delay(&self, now: Instant) -> Duration {
        let mut s = self.state();
        s.forget_if_quiet(now);
        s.not_before
            .map_or(Duration::ZERO, |t| t.saturating_duration_since(now))
    }

    /// A request was throttled at `now`: returns the wait before the next one.
    pub(crate) fn throttled(&self, now: Instant) -> Duration {
        let mut s = self.state();
        s.forget_if_quiet(now);
        let w = window(s.level);
        let wait = s.jittered(w);
        s.level = s.level.saturating_add(1);
        s.last_throttle = Some(now);
        s.not_before = Some(now + wait);
        wait
    }

    /// A request succeeded at `now`.
    pub(crate) fn succeeded(&self, now: Instant) {
        let mut s = self.state();
        s.forget_if_quiet(now);
        s.level = s.level.saturating_sub(1);
        s.not_before = match s.level {
            0 => None,
            k => Some(now + s.jittered(window(k - 1))),
        };
    }

    /// True when a request was throttled within the last [`QUIET`].
    pub(crate) fn congested(&self, now: Instant) -> bool {
        self.state()
            .last_throttle
            .is_some_and(|t| now.saturating_duration_since(t) < QUIET)
    }
}

impl State {
    fn forget_if_quiet(&mut self, now: Instant) {
        if self
            .last_throttle
            .is_some_and(|t| now.saturating_duration_since(t) >= QUIET)
        {
            self.level = 0;
            self.not_before = None;
            self.last_throttle = None;
        }
    }

    /// Uniform in `[w/2, w]`, to the millisecond.
    fn jittered(&mut self, w: Duration) -> Duration {
        let ms = w.as_millis() as u64;
        Duration::from_millis(self.rng.u64(ms / 2..=ms))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(secs: u64) -> Duration {
        Duration::from_secs(secs)
    }

    #[test]
    fn windows_double_up_to_the_cap() {
        let w: Vec<u64> = (0..6).map(|k| window(k).as_secs()).collect();
        assert_eq!(w, [10, 20, 40, 60, 60, 60]);
        assert_eq!(window(u32::MAX), MAX_WINDOW);
    }

    #[tokio::test(start_paused = true)]
    async fn an_unthrottled_client_never_waits() {
        let p = Pacer::with_seed(1);
        let now = Instant::now();
        for _ in 0..100 {
            p.succeeded(now);
            assert_eq!(p.delay(now), Duration::ZERO);
        }
        assert!(!p.congested(now));
    }

    #[tokio::test(start_paused = true)]
    async fn each_throttle_waits_longer_within_its_window() {
        for seed in 0..50 {
            let p = Pacer::with_seed(seed);
            let t0 = Instant::now();
            let mut now = t0;
            for k in 0..5 {
                let wait = p.throttled(now);
                let w = window(k);
                assert!(
                    wait >= w / 2 && wait <= w,
                    "seed {seed} level {k}: {wait:?}"
                );
                assert_eq!(p.delay(now), wait);
                assert!(p.congested(now));
                now += wait;
                assert_eq!(p.delay(now), Duration::ZERO);
            }
        }
    }

    #[tokio::test(start_paused = true)]
    async fn success_steps_down_one_level_and_keeps_pacing() {
        let p = Pacer::with_seed(3);
        let mut now = Instant::now();
        for _ in 0..3 {
            now += p.throttled(now);
        }
        // Level 3 → 2: the next request waits U[½,1] × window(1) = 10–20 s.
        p.succeeded(now);
        let d = p.delay(now);
        assert!(d >= s(10) && d <= s(20), "{d:?}");
        now += d;
        // Level 2 → 1: 5–10 s.
        p.succeeded(now);
        let d = p.delay(now);
        assert!(d >= s(5) && d <= s(10), "{d:?}");
        now += d;
        // Level 1 → 0: no more pacing, though the run stays "congested".
        p.succeeded(now);
        assert_eq!(p.delay(now), Duration::ZERO);
        assert!(p.congested(now));
    }

    #[tokio::test(start_paused = true)]
    async fn a_quiet_spell_forgets() {
        let p = Pacer::with_seed(4);
        let t0 = Instant::now();
        for _ in 0..4 {
            p.throttled(t0);
        }
        let later = t0 + QUIET;
        assert!(!p.congested(later));
        assert_eq!(p.delay(later), Duration::ZERO);
        // Back to the first window.
        let wait = p.throttled(later);
        assert!(wait <= FIRST_WINDOW, "{wait:?}");
    }

    #[tokio::test(start_paused = true)]
    async fn two_clients_do_not_retry_in_step() {
        let (a, b) = (Pacer::with_seed(1), Pacer::with_seed(2));
        let now = Instant::now();
        let same = (0..10)
            .filter(|_| a.throttled(now) == b.throttled(now))
            .count();
        assert!(same < 3);
    }
}
