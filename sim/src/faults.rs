//! Injected failures: a FIFO queue of [`Fault`]s. A request takes the first
//! queued fault whose target matches it, which uses up one of its `count`;
//! the fault then shapes the answer instead of the normal processing (nothing
//! is applied), except [`FaultKind::Delay`], after which the request is
//! processed normally.
//!
//! Matching: [`FaultTarget::Imds`] matches every IMDS request;
//! [`FaultTarget::Route53`] every Route 53 API operation (not `GET /date`, not
//! the `/_sim/` control API, not unknown paths); [`FaultTarget::Route53Op`]
//! one operation.
//!
//! # Text syntax (command line, `POST /_sim/fault`)
//! `TARGET:KIND[:COUNT]`, COUNT defaulting to 1:
//! - TARGET: `imds`, `route53`, or `route53.<Operation>` (e.g.
//!   `route53.ChangeResourceRecordSets`; case-insensitive);
//! - KIND: an HTTP status (`500`, `503`, ...), `throttling`,
//!   `throttling-exception`, `prior-request-not-complete`, `hang`,
//!   `delay=SECS` (decimal seconds, e.g. `delay=1.5`), `malformed`,
//!   `oversized`, `expired-token`, `access-denied`.
//!
//! Examples: `route53:throttling:3`, `route53.ChangeResourceRecordSets:500:2`,
//! `imds:hang:1`, `route53.GetChange:delay=2.5`.
//!
//! # JSON (`POST /_sim/fault`)
//! `{"target":"route53","count":3,"kind":"throttling"}`,
//! `{"target":{"route53_op":"GetChange"},"kind":{"status":503}}`,
//! `{"target":"imds","kind":{"delay":1500}}` (delay in milliseconds).

use crate::log::lock;
use crate::route53::operation::Operation;
use serde::{Deserialize, Serialize};
use std::collections::VecDeque;
use std::str::FromStr;
use std::sync::Mutex;
use std::time::Duration;
use thiserror::Error;

/// One queued failure.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Fault {
    pub target: FaultTarget,
    /// How many matching requests it affects.
    #[serde(default = "one")]
    pub count: u32,
    pub kind: FaultKind,
}

fn one() -> u32 {
    1
}

/// Which requests a fault applies to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FaultTarget {
    Imds,
    Route53,
    Route53Op(Operation),
}

/// What the affected request gets.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FaultKind {
    /// This HTTP status. Route 53: an XML ErrorResponse (500 InternalFailure,
    /// 503 ServiceUnavailable, other codes named after the status).
    Status(u16),
    /// Route 53: 400 `Throttling` "Rate exceeded". IMDS: 429.
    Throttling,
    /// Route 53: 400 `ThrottlingException` "Rate exceeded". IMDS: 429.
    ThrottlingException,
    /// Route 53: 400 `PriorRequestNotComplete`. IMDS: 503.
    PriorRequestNotComplete,
    /// Accept the request and never answer.
    Hang,
    /// Wait, then answer normally. JSON: milliseconds.
    Delay(#[serde(with = "millis")] Duration),
    /// 200 with a truncated XML (Route 53) or JSON / garbage (IMDS) body.
    Malformed,
    /// 200 with a streamed body of [`OVERSIZED_BYTES`].
    Oversized,
    /// Route 53: 403 `ExpiredToken`. IMDS: 401 (the session token is refused).
    ExpiredToken,
    /// Route 53: carry the request out, then answer 500 `InternalFailure`, as
    /// when the answer to an applied change is lost on the way. IMDS: 500.
    LoseAnswer,
    /// Route 53: 403 `AccessDenied` (a permission granted a moment ago that
    /// IAM has not propagated yet). IMDS: 403.
    AccessDenied,
}

/// Size of an [`FaultKind::Oversized`] body: 48 MiB.
pub const OVERSIZED_BYTES: u64 = 48 * 1024 * 1024;

impl Fault {
    /// A fault affecting `count` requests.
    pub fn new(target: FaultTarget, kind: FaultKind, count: u32) -> Self {
        Fault {
            target,
            count,
            kind,
        }
    }

    /// Whether a request to `service` naming `operation` is affected.
    pub(crate) fn matches(&self, imds: bool, operation: Option<Operation>) -> bool {
        match self.target {
            FaultTarget::Imds => imds,
            FaultTarget::Route53 => !imds && operation.is_some(),
            FaultTarget::Route53Op(op) => !imds && operation == Some(op),
        }
    }
}

/// Why a fault spec does not parse.
#[derive(Debug, Error, PartialEq, Eq)]
pub enum FaultSpecError {
    #[error("fault {0:?}: expected TARGET:KIND[:COUNT], e.g. route53:throttling:3")]
    Shape(String),
    #[error("fault target {0:?}: expected imds, route53 or route53.<Operation>")]
    Target(String),
    #[error(
        "fault kind {0:?}: expected a status, throttling, throttling-exception, \
         prior-request-not-complete, hang, delay=SECS, malformed, oversized, expired-token or access-denied"
    )]
    Kind(String),
    #[error("fault count {0:?}: expected a whole number of at least 1")]
    Count(String),
}

impl FromStr for Fault {
    type Err = FaultSpecError;

    fn from_str(spec: &str) -> Result<Self, Self::Err> {
        let parts: Vec<&str> = spec.trim().split(':').collect();
        let (target, kind, count) = match parts.as_slice() {
            [t, k] => (*t, *k, None),
            [t, k, c] => (*t, *k, Some(*c)),
            _ => return Err(FaultSpecError::Shape(spec.to_owned())),
        };
        let target = parse_target(target)?;
        let kind = parse_kind(kind)?;
        let count = match count {
            None => 1,
            Some(c) => c
                .parse::<u32>()
                .ok()
                .filter(|n| *n >= 1)
                .ok_or_else(|| FaultSpecError::Count(c.to_owned()))?,
        };
        Ok(Fault {
            target,
            count,
            kind,
        })
    }
}

fn parse_target(text: &str) -> Result<FaultTarget, FaultSpecError> {
    let lower = text.to_ascii_lowercase();
    match lower.as_str() {
        "imds" => Ok(FaultTarget::Imds),
        "route53" => Ok(FaultTarget::Route53),
        _ => lower
            .strip_prefix("route53.")
            .and_then(Operation::from_name)
            .map(FaultTarget::Route53Op)
            .ok_or_else(|| FaultSpecError::Target(text.to_owned())),
    }
}

fn parse_kind(text: &str) -> Result<FaultKind, FaultSpecError> {
    let lower = text.to_ascii_lowercase();
    let kind = match lower.as_str() {
        "throttling" => FaultKind::Throttling,
        "throttling-exception" => FaultKind::ThrottlingException,
        "prior-request-not-complete" => FaultKind::PriorRequestNotComplete,
        "hang" => FaultKind::Hang,
        "malformed" => FaultKind::Malformed,
        "oversized" => FaultKind::Oversized,
        "expired-token" => FaultKind::ExpiredToken,
        "lose-answer" => FaultKind::LoseAnswer,
        "access-denied" => FaultKind::AccessDenied,
        other => {
            if let Some(secs) = other.strip_prefix("delay=") {
                let secs: f64 = secs
                    .parse()
                    .map_err(|_| FaultSpecError::Kind(text.to_owned()))?;
                Duration::try_from_secs_f64(secs)
                    .map(FaultKind::Delay)
                    .map_err(|_| FaultSpecError::Kind(text.to_owned()))?
            } else {
                match other.parse::<u16>() {
                    Ok(status) if (100..=599).contains(&status) => FaultKind::Status(status),
                    _ => return Err(FaultSpecError::Kind(text.to_owned())),
                }
            }
        }
    };
    Ok(kind)
}

/// The queue, shared by both services.
#[derive(Debug, Default)]
pub(crate) struct FaultQueue {
    queue: Mutex<VecDeque<Fault>>,
}

impl FaultQueue {
    pub(crate) fn push(&self, fault: Fault) {
        if fault.count > 0 {
            lock(&self.queue).push_back(fault);
        }
    }

    /// Takes one use of the first fault matching the request.
    pub(crate) fn take(&self, imds: bool, operation: Option<Operation>) -> Option<FaultKind> {
        let mut queue = lock(&self.queue);
        let index = queue.iter().position(|f| f.matches(imds, operation))?;
        let fault = &mut queue[index];
        let kind = fault.kind;
        fault.count -= 1;
        if fault.count == 0 {
            queue.remove(index);
        }
        Some(kind)
    }

    pub(crate) fn pending(&self) -> Vec<Fault> {
        lock(&self.queue).iter().cloned().collect()
    }
}

mod millis {
    use serde::{Deserialize, Deserializer, Serializer};
    use std::time::Duration;

    pub(super) fn serialize<S: Serializer>(d: &Duration, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_u64(u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
    }

    pub(super) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Duration, D::Error> {
        u64::deserialize(d).map(Duration::from_millis)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_documented_examples() {
        assert_eq!(
            "route53:throttling:3".parse::<Fault>().unwrap(),
            Fault::new(FaultTarget::Route53, FaultKind::Throttling, 3)
        );
        assert_eq!(
            "route53.ChangeResourceRecordSets:500:2"
                .parse::<Fault>()
                .unwrap(),
            Fault::new(
                FaultTarget::Route53Op(Operation::ChangeResourceRecordSets),
                FaultKind::Status(500),
                2
            )
        );
        assert_eq!(
            "imds:hang:1".parse::<Fault>().unwrap(),
            Fault::new(FaultTarget::Imds, FaultKind::Hang, 1)
        );
        assert_eq!(
            "route53.getchange:delay=2.5".parse::<Fault>().unwrap(),
            Fault::new(
                FaultTarget::Route53Op(Operation::GetChange),
                FaultKind::Delay(Duration::from_millis(2500)),
                1
            )
        );
        for bad in [
            "",
            "route53",
            "dns:500",
            "route53.Nope:500",
            "route53:700",
            "route53:delay=-1",
            "route53:hang:0",
            "route53:hang:x",
            "a:b:c:d",
        ] {
            assert!(bad.parse::<Fault>().is_err(), "{bad:?}");
        }
    }

    #[test]
    fn json_round_trip() {
        let fault = Fault::new(
            FaultTarget::Route53Op(Operation::GetChange),
            FaultKind::Delay(Duration::from_millis(1500)),
            2,
        );
        let json = serde_json::to_string(&fault).unwrap();
        assert_eq!(
            json,
            r#"{"target":{"route53_op":"GetChange"},"count":2,"kind":{"delay":1500}}"#
        );
        assert_eq!(serde_json::from_str::<Fault>(&json).unwrap(), fault);
        let short: Fault =
            serde_json::from_str(r#"{"target":"route53","kind":"throttling"}"#).unwrap();
        assert_eq!(short.count, 1);
    }

    #[test]
    fn queue_matches_in_order_and_counts_down() {
        let queue = FaultQueue::default();
        queue.push(Fault::new(
            FaultTarget::Route53Op(Operation::GetChange),
            FaultKind::Hang,
            1,
        ));
        queue.push(Fault::new(FaultTarget::Route53, FaultKind::Throttling, 2));
        queue.push(Fault::new(FaultTarget::Imds, FaultKind::Status(500), 0));
        assert_eq!(queue.take(true, None), None);
        assert_eq!(
            queue.take(false, Some(Operation::ChangeResourceRecordSets)),
            Some(FaultKind::Throttling)
        );
        assert_eq!(
            queue.take(false, Some(Operation::GetChange)),
            Some(FaultKind::Hang)
        );
        assert_eq!(
            queue.take(false, Some(Operation::GetChange)),
            Some(FaultKind::Throttling)
        );
        assert_eq!(queue.take(false, None), None);
        assert_eq!(queue.take(false, Some(Operation::GetChange)), None);
        assert!(queue.pending().is_empty());
    }
}
