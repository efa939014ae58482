//! IMDSv2 session tokens: `PUT /latest/api/token` issues one for
//! `X-aws-ec2-metadata-token-ttl-seconds` (1..=21600) seconds, bound to the
//! instance it was issued for; GETs present it as `X-aws-ec2-metadata-token`.

use crate::http::random_base64;
use crate::log::lock;
use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// The longest token lifetime IMDS grants (6 hours).
pub(crate) const MAX_TTL_SECS: u32 = 21_600;

/// Parses the TTL header; `None` when missing or out of 1..=21600 (400).
pub(crate) fn parse_ttl(header: Option<&str>) -> Option<u32> {
    let ttl: u32 = header?.trim().parse().ok()?;
    (1..=MAX_TTL_SECS).contains(&ttl).then_some(ttl)
}

#[derive(Debug)]
struct Inner {
    /// token -> (instance, expiry)
    tokens: HashMap<String, (u32, Instant)>,
    /// Expired tokens are swept when the map reaches this size.
    sweep_at: usize,
}

#[derive(Debug)]
pub(crate) struct TokenStore {
    inner: Mutex<Inner>,
}

const FIRST_SWEEP: usize = 4096;

impl Default for TokenStore {
    fn default() -> Self {
        TokenStore {
            inner: Mutex::new(Inner {
                tokens: HashMap::new(),
                sweep_at: FIRST_SWEEP,
            }),
        }
    }
}

impl TokenStore {
    /// A new token for `instance` (0 = the main instance, n = fleet member n).
    pub(crate) fn issue(&self, instance: u32, ttl_secs: u32) -> String {
        let token = format!("AQAEA{}==", random_base64(51));
        let now = Instant::now();
        let expiry = now + Duration::from_secs(u64::from(ttl_secs));
        let mut inner = lock(&self.inner);
        if inner.tokens.len() >= inner.sweep_at {
            inner.tokens.retain(|_, (_, exp)| *exp > now);
            inner.sweep_at = (inner.tokens.len() * 2).max(FIRST_SWEEP);
        }
        inner.tokens.insert(token.clone(), (instance, expiry));
        token
    }

    /// Every token issued and not yet swept.
    pub(crate) fn all(&self) -> Vec<String> {
        lock(&self.inner).tokens.keys().cloned().collect()
    }

    /// Whether `token` was issued for `instance` and has not expired.
    pub(crate) fn is_valid(&self, token: &str, instance: u32) -> bool {
        let inner = lock(&self.inner);
        inner
            .tokens
            .get(token)
            .is_some_and(|(inst, exp)| *inst == instance && *exp > Instant::now())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ttl_bounds() {
        assert_eq!(parse_ttl(Some("21600")), Some(21_600));
        assert_eq!(parse_ttl(Some(" 1 ")), Some(1));
        for bad in [
            None,
            Some(""),
            Some("0"),
            Some("21601"),
            Some("-1"),
            Some("x"),
        ] {
            assert_eq!(parse_ttl(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn tokens_are_per_instance_and_expire() {
        let store = TokenStore::default();
        let t = store.issue(0, 60);
        assert!(store.is_valid(&t, 0));
        assert!(!store.is_valid(&t, 1));
        assert!(!store.is_valid("made-up", 0));
        let mut inner = lock(&store.inner);
        inner.tokens.get_mut(&t).unwrap().1 = Instant::now() - Duration::from_secs(1);
        drop(inner);
        assert!(!store.is_valid(&t, 0));
    }

    #[test]
    fn sweeps_expired_tokens() {
        let store = TokenStore::default();
        for _ in 0..FIRST_SWEEP {
            let t = store.issue(0, 1);
            lock(&store.inner).tokens.get_mut(&t).unwrap().1 = Instant::now();
        }
        store.issue(0, 60);
        assert_eq!(lock(&store.inner).tokens.len(), 1);
    }
}
