//! The retry policy, written as a table, with jittered backoff and deadlines.
//!
//! | service  | what happened                                                   | action |
//! |----------|-----------------------------------------------------------------|--------|
//! | IMDS     | connection refused / unreachable / reset, timeout               | back off, retry until `imds.wait_timeout` |
//! | IMDS     | 401 on a GET                                                    | new session token, retry (twice) |
//! | IMDS     | 5xx                                                             | back off, retry until `imds.wait_timeout` |
//! | IMDS     | token PUT answered 403/404/405 or timed out                     | IMDSv1, unless `imds.v1_fallback = false` |
//! | IMDS     | 400, 403, 404 on a GET                                          | no retry: clear error (404 = item absent) |
//! | Route 53 | `Throttling`, `ThrottlingException`, HTTP 429                 | slow down: the adaptive limiter (`pacer.rs`) waits 5–10 s, longer on each throttle up to 30–60 s, and paces the rest of the run |
//! | Route 53 | `PriorRequestNotComplete`, `ServiceUnavailable`, `InternalFailure` | back off (they come with HTTP 400: the code decides, not the status) |
//! | Route 53 | any 5xx, connection error, timeout                              | back off |
//! | Route 53 | TLS certificate not trusted (unknown issuer, bad signature, wrong name) or expired | no retry: exit 78 (`route53/client.rs`) |
//! | Route 53 | TLS certificate not valid yet (clock behind before time sync)  | back off until the deadline, then exit 75 with a hint about the clock |
//! | Route 53 | `RequestExpired`, `SignatureDoesNotMatch` "Signature expired" / "Signature not yet current" | take the clock from the answer's `Date`, re-sign, retry once |
//! | Route 53 | `ExpiredToken`                                                  | refresh credentials, retry once |
//! | Route 53 | `IncompleteSignature`, `InvalidClientTokenId`, `MissingAuthenticationToken`, `SignatureDoesNotMatch` | signing = "auto" and AWS3-HTTPS: re-send once with SigV4; otherwise no retry (InvalidClientTokenId: as AccessDenied, next row) |
//! | Route 53 | `AccessDenied`, `InvalidClientTokenId` (with the final scheme) | settle: a new role, policy or key takes seconds to reach every IAM endpoint, so retry twice within 8 s (1–2 s, then 3–6 s) if the deadline allows; then no retry (exit 77) |
//! | Route 53 | `InvalidChangeBatch`, `InvalidInput`, `MalformedInput`, `InvalidDomainName`, `NoSuchHostedZone`, `NoSuchChange`, anything else | no retry |
//!
//! Backoff is exponential with full jitter (each sleep uniform in
//! `[0, min(cap, base·2^n)]`), and every wait is cut short by the run's
//! deadline: when it passes, the run ends with the last error (exit 75).
//! The table above is [`ROUTE53_ERROR_CODES`] plus `route53_action`'s status
//! rules: a unit test below checks that every code in one is in the other with
//! the same action, and a test in `tests/it/docs.rs` checks the README's copy.

use std::time::Duration;
use tokio::time::Instant;

/// What to do about a failed Route 53 call.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// The account's request budget is spent: wait as the pacer says
    /// (`pacer.rs`), and keep the rest of the run slower.
    SlowDown,
    /// Sleep (jittered, growing) and send again.
    Backoff,
    /// Our clock is off: adopt the server's `Date`, re-sign, send again once.
    ResyncClock,
    /// Credentials expired: fetch fresh ones, send again once.
    RefreshCredentials,
    /// The signature scheme was not accepted (or the credentials are bad).
    SchemeRefused,
    /// AWS refused the credentials or the permission, which right after an
    /// IAM change is often temporary: retry a bounded few times
    /// (`IAM_SETTLE_DELAYS`), then fail.
    SettleIam,
    /// Give up: retrying cannot help.
    Fail,
}

/// Route 53 error codes and what each one means for a retry.
pub const ROUTE53_ERROR_CODES: &[(&str, Action)] = &[
    ("Throttling", Action::SlowDown),
    ("ThrottlingException", Action::SlowDown),
    ("PriorRequestNotComplete", Action::Backoff),
    ("ServiceUnavailable", Action::Backoff),
    ("InternalFailure", Action::Backoff),
    ("RequestExpired", Action::ResyncClock),
    ("ExpiredToken", Action::RefreshCredentials),
    ("IncompleteSignature", Action::SchemeRefused),
    ("InvalidClientTokenId", Action::SchemeRefused),
    ("MissingAuthenticationToken", Action::SchemeRefused),
    ("SignatureDoesNotMatch", Action::SchemeRefused),
    ("AccessDenied", Action::SettleIam),
    ("InvalidChangeBatch", Action::Fail),
    ("InvalidInput", Action::Fail),
    ("MalformedInput", Action::Fail),
    ("InvalidDomainName", Action::Fail),
    ("NoSuchHostedZone", Action::Fail),
    ("NoSuchChange", Action::Fail),
];

/// The sleeps (upper bounds; each is jittered down to half) before the
/// retries of [`Action::SettleIam`]: two retries within 8 s. IAM is
/// eventually consistent: a role, policy or key created a moment ago can be
/// refused for a few seconds. More would only delay the exit 77 of a
/// permission that is really missing.
pub(crate) const IAM_SETTLE_DELAYS: [Duration; 2] =
    [Duration::from_secs(2), Duration::from_secs(6)];

/// Codes that settle after an IAM change: `AccessDenied` (a permission just
/// granted) and `InvalidClientTokenId` (a key just created; with `auto` and
/// AWS3-HTTPS it first means "try SigV4").
pub(crate) fn settles_after_iam_change(code: Option<&str>) -> bool {
    matches!(code, Some("AccessDenied" | "InvalidClientTokenId"))
}

/// Classifies a Route 53 answer by its error code first, then its status.
/// `code` is `None` for transport failures and for bodies without a code.
pub(crate) fn route53_action(status: Option<u16>, code: Option<&str>, message: &str) -> Action {
    if let Some(code) = code {
        if code == "SignatureDoesNotMatch"
            && (message.contains("Signature expired")
                || message.contains("Signature not yet current"))
        {
            return Action::ResyncClock;
        }
        if let Some((_, action)) = ROUTE53_ERROR_CODES.iter().find(|(c, _)| *c == code) {
            return *action;
        }
    }
    match status {
        None => Action::Backoff,
        Some(429) => Action::SlowDown,
        Some(s) if s >= 500 => Action::Backoff,
        Some(_) => Action::Fail,
    }
}

/// Exponential backoff with full jitter.
#[derive(Debug)]
pub(crate) struct Backoff {
    base: Duration,
    cap: Duration,
    attempt: u32,
    rng: fastrand::Rng,
}

/// Route 53: 0.5 s growing to a 20 s cap per sleep (botocore's cap), so a
/// throttled fleet spreads its retries instead of retrying in step.
pub(crate) const ROUTE53_BACKOFF: (Duration, Duration) =
    (Duration::from_millis(500), Duration::from_secs(20));
/// IMDS: 100 ms growing to 2 s, so a service that comes up a few seconds into
/// boot is noticed quickly.
pub(crate) const IMDS_BACKOFF: (Duration, Duration) =
    (Duration::from_millis(100), Duration::from_secs(2));

impl Backoff {
    pub(crate) fn new((base, cap): (Duration, Duration)) -> Self {
        Backoff {
            base,
            cap,
            attempt: 0,
            rng: fastrand::Rng::new(),
        }
    }

    /// Same, with a seeded random source (tests).
    #[cfg(test)]
    pub(crate) fn with_seed((base, cap): (Duration, Duration), seed: u64) -> Self {
        Backoff {
            base,
            cap,
            attempt: 0,
            rng: fastrand::Rng::with_seed(seed),
        }
    }

    /// How many sleeps have been handed out.
    pub(crate) fn attempts(&self) -> u32 {
        self.attempt
    }

    /// The next sleep: uniform in `[0, min(cap, base·2^n)]`.
    pub(crate) fn next_delay(&mut self) -> Duration {
        let ceiling = self
            .base
            .saturating_mul(1u32 << self.attempt.min(20))
            .min(self.cap);
        self.attempt += 1;
        let ms = ceiling.as_millis() as u64;
        Duration::from_millis(self.rng.u64(0..=ms))
    }
}

/// A point in time after which a phase (or the run) gives up.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct Deadline(Instant);

impl Deadline {
    pub(crate) fn after(d: Duration) -> Self {
        // Settings are bounded (`duration::MAX`); saturate rather than panic anyway.
        let now = Instant::now();
        Deadline(
            now.checked_add(d)
                .unwrap_or_else(|| now + Duration::from_secs(100 * 365 * 86_400)),
        )
    }

    pub(crate) fn remaining(&self) -> Duration {
        self.0.saturating_duration_since(Instant::now())
    }

    pub(crate) fn expired(&self) -> bool {
        self.remaining().is_zero()
    }

    /// A request timeout cut to what is left (at least 100 ms), so a hung
    /// server cannot hold a wait past its deadline.
    pub(crate) fn cap(&self, timeout: Duration) -> Duration {
        timeout.min(self.remaining().max(Duration::from_millis(100)))
    }

    /// The earlier of the two.
    pub(crate) fn min(self, other: Deadline) -> Deadline {
        std::cmp::min(self, other)
    }

    /// Sleeps for `d`, cut short at the deadline. Returns `false` when the
    /// deadline has passed (the caller gives up instead of retrying).
    pub(crate) async fn sleep(&self, d: Duration) -> bool {
        if self.expired() {
            return false;
        }
        tokio::time::sleep(d.min(self.remaining())).await;
        !self.expired() || d.is_zero()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn throttling_is_retried_by_code_not_status() {
        assert_eq!(
            route53_action(Some(400), Some("Throttling"), "Rate exceeded"),
            Action::SlowDown
        );
        assert_eq!(
            route53_action(Some(400), Some("ThrottlingException"), ""),
            Action::SlowDown
        );
        assert_eq!(
            route53_action(Some(400), Some("PriorRequestNotComplete"), ""),
            Action::Backoff
        );
        assert_eq!(
            route53_action(Some(400), Some("InvalidChangeBatch"), ""),
            Action::Fail
        );
        assert_eq!(route53_action(Some(400), None, ""), Action::Fail);
        assert_eq!(route53_action(Some(503), None, ""), Action::Backoff);
        assert_eq!(route53_action(Some(429), None, ""), Action::SlowDown);
        assert_eq!(
            route53_action(None, None, "connection refused"),
            Action::Backoff
        );
        assert_eq!(
            route53_action(Some(403), Some("AccessDenied"), ""),
            Action::SettleIam
        );
        assert!(settles_after_iam_change(Some("InvalidClientTokenId")));
        assert!(!settles_after_iam_change(Some("SignatureDoesNotMatch")));
        let total: Duration = IAM_SETTLE_DELAYS.iter().sum();
        assert!(total <= Duration::from_secs(10), "{total:?}");
        assert_eq!(
            route53_action(Some(404), Some("NoSuchHostedZone"), ""),
            Action::Fail
        );
    }

    #[test]
    fn clock_problems_are_told_apart_from_bad_signatures() {
        assert_eq!(
            route53_action(
                Some(403),
                Some("SignatureDoesNotMatch"),
                "Signature expired: 20261123T100000Z is now earlier than 20261123T105500Z (20261123T110000Z - 5 min.)"
            ),
            Action::ResyncClock
        );
        assert_eq!(
            route53_action(Some(403), Some("RequestExpired"), ""),
            Action::ResyncClock
        );
        assert_eq!(
            route53_action(
                Some(403),
                Some("SignatureDoesNotMatch"),
                "The request signature we calculated does not match"
            ),
            Action::SchemeRefused
        );
        assert_eq!(
            route53_action(Some(403), Some("ExpiredToken"), ""),
            Action::RefreshCredentials
        );
    }

    #[test]
    fn backoff_grows_with_full_jitter_and_a_cap() {
        let mut b = Backoff::with_seed(ROUTE53_BACKOFF, 7);
        let mut max_seen = Duration::ZERO;
        for n in 0..40 {
            let d = b.next_delay();
            let ceiling =
                Duration::from_millis(500 * (1u64 << n.min(20))).min(Duration::from_secs(20));
            assert!(d <= ceiling, "sleep {n}: {d:?} > {ceiling:?}");
            max_seen = max_seen.max(d);
        }
        assert!(
            max_seen > Duration::from_secs(10),
            "the cap is reached: {max_seen:?}"
        );
        assert_eq!(b.attempts(), 40);
        // Jitter: two fleets members with different seeds do not sleep in step.
        let mut a = Backoff::with_seed(ROUTE53_BACKOFF, 1);
        let mut c = Backoff::with_seed(ROUTE53_BACKOFF, 2);
        let same = (0..10).filter(|_| a.next_delay() == c.next_delay()).count();
        assert!(same < 3);
    }

    /// The module's doc table and [`ROUTE53_ERROR_CODES`] say the same thing.
    #[test]
    fn doc_table_matches_the_code_table() {
        // (codes named in the "what happened" cell, the "action" cell)
        let rows: Vec<(Vec<&str>, &str)> = include_str!("retry.rs")
            .lines()
            .filter_map(|l| l.strip_prefix("//! | Route 53 |"))
            .map(|rest| {
                let (what, action) = rest.split_once('|').expect("three cells");
                let codes = what.split('`').skip(1).step_by(2).collect();
                (codes, action)
            })
            .collect();
        assert!(rows.len() >= 5, "the table is there: {rows:?}");
        let agrees = |action: Action, cell: &str| match action {
            Action::SlowDown => cell.trim().starts_with("slow down"),
            Action::Backoff => cell.trim().starts_with("back off"),
            Action::ResyncClock => cell.contains("re-sign"),
            Action::RefreshCredentials => cell.trim().starts_with("refresh credentials"),
            Action::SchemeRefused => cell.contains("re-send once with SigV4"),
            Action::SettleIam => cell.trim().starts_with("settle"),
            Action::Fail => cell.trim().starts_with("no retry"),
        };
        for (code, action) in ROUTE53_ERROR_CODES {
            let mentions: Vec<&&str> = rows
                .iter()
                .filter(|(codes, _)| codes.contains(code))
                .map(|(_, a)| a)
                .collect();
            assert!(!mentions.is_empty(), "the doc table lacks {code}");
            // A code may also have a row for one of its messages
            // (`SignatureDoesNotMatch` "Signature expired").
            assert!(
                mentions.iter().any(|a| agrees(*action, a)),
                "{code}: the doc table says {mentions:?}, the code says {action:?}"
            );
        }
        for (codes, _) in &rows {
            for code in codes {
                assert!(
                    ROUTE53_ERROR_CODES.iter().any(|(c, _)| c == code),
                    "the doc table names {code}, which ROUTE53_ERROR_CODES lacks"
                );
            }
        }
    }

    #[tokio::test(start_paused = true)]
    async fn deadline_cuts_sleeps_short() {
        let d = Deadline::after(Duration::from_secs(5));
        let start = Instant::now();
        assert!(d.sleep(Duration::from_secs(2)).await);
        assert!(!d.sleep(Duration::from_secs(60)).await);
        assert_eq!(start.elapsed(), Duration::from_secs(5));
        assert!(!d.sleep(Duration::from_secs(1)).await);
    }
}
