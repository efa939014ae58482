//! The simulated Route 53 REST API (2013-04-01).
//!
//! Every API request goes through, in order: routing → the fault queue →
//! authentication → the account rate limit → the `deny` list → the
//! operation. Every answer carries `Date` (the simulated clock) and
//! `x-amzn-RequestId`. `GET /date` is unauthenticated; `/_sim/` goes to the
//! control API; `POST /` (after the path prefix, if any) goes to the STS and
//! EC2 Query APIs ([`crate::query`]), which share this listener, its TLS,
//! its clock and its keys.

pub(crate) mod auth;
pub(crate) mod error;
pub(crate) mod operation;
pub(crate) mod ops;
pub(crate) mod xml;
pub(crate) mod zone;

use crate::config::Route53Config;
use crate::faults::{FaultKind, OVERSIZED_BYTES};
use crate::http::{BodyError, Outcome, SimBody, read_body, request_id, response, set_header};
use crate::log::{RequestLog, Service, lock};
use crate::ratelimit::RateLimiter;
use crate::state::State;
use error::ApiError;
use http::request::Parts;
use http::{Request, Response};
use hyper::body::Incoming;
use operation::{Operation, Route};
use std::collections::{BTreeMap, HashMap, VecDeque};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use zone::Zone;

/// A change batch Route 53 accepted, as GetChange and
/// [`crate::Sim::changes`] see it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SubmittedChange {
    /// Without the `/change/` prefix, e.g. `C0123456789ABCDEFGHIJ`.
    pub id: String,
    pub zone_id: String,
    /// `SubmittedAt` as answered: the simulated clock, RFC 3339 with milliseconds.
    pub submitted_at: String,
    /// When the batch was applied.
    pub at: Instant,
    /// How long after `at` GetChange starts answering INSYNC
    /// ([`crate::Propagation::Never`]: never); drawn per change with a
    /// spread ([`crate::Route53Config::propagation_max`]).
    pub propagation: Duration,
    pub comment: Option<String>,
    /// The batch's changes, in order.
    pub records: Vec<ChangedRecord>,
}

impl SubmittedChange {
    /// When GetChange starts answering INSYNC; `None`: never.
    pub fn insync_at(&self) -> Option<Instant> {
        if self.propagation == crate::Propagation::Never {
            return None;
        }
        self.at.checked_add(self.propagation)
    }

    /// Whether GetChange answers INSYNC at `now`.
    pub fn is_insync_at(&self, now: Instant) -> bool {
        self.insync_at().is_some_and(|t| now >= t)
    }
}

/// One `<Change>` of a [`SubmittedChange`].
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct ChangedRecord {
    /// `CREATE`, `DELETE` or `UPSERT`.
    pub action: String,
    /// Normalised: lowercase, with the trailing dot.
    pub name: String,
    #[serde(rename = "type")]
    pub rtype: String,
}

/// The zones and the changes made to them.
#[derive(Debug)]
pub(crate) struct Store {
    pub(crate) zones: BTreeMap<String, Zone>,
    pub(crate) changes: HashMap<String, SubmittedChange>,
    /// Draws each change's propagation under a spread; seeded from
    /// [`crate::SimConfig::seed`] and used under this lock, so the n-th
    /// change accepted gets the n-th draw.
    pub(crate) rng: fastrand::Rng,
}

impl Store {
    /// The propagation of the next change accepted: `min`, or a uniform
    /// draw in `[min, max]` with a spread.
    pub(crate) fn draw_propagation(&mut self, min: Duration, max: Option<Duration>) -> Duration {
        let Some(max) = max.filter(|max| *max > min) else {
            return min;
        };
        // Validation keeps both below u64::MAX nanoseconds.
        let nanos = |d: Duration| u64::try_from(d.as_nanos()).unwrap_or(u64::MAX);
        Duration::from_nanos(self.rng.u64(nanos(min)..=nanos(max)))
    }
}

#[derive(Debug)]
pub(crate) struct Route53State {
    pub(crate) store: Mutex<Store>,
    pub(crate) limiter: Option<RateLimiter>,
    /// Signatures received (newest [`MAX_SIGNATURES_KEPT`]), only so tests
    /// can check that clients never log them. Never logged here.
    pub(crate) signatures: Mutex<VecDeque<String>>,
}

/// How many received signatures [`Route53State::signatures`] keeps.
pub(crate) const MAX_SIGNATURES_KEPT: usize = 10_000;

impl Route53State {
    pub(crate) fn new(config: &Route53Config, seed: u64) -> Self {
        let zones = config
            .zones
            .iter()
            .map(|z| {
                (
                    z.id.clone(),
                    Zone::new(&z.id, &z.name, z.private, &z.records),
                )
            })
            .collect();
        Route53State {
            store: Mutex::new(Store {
                zones,
                changes: HashMap::new(),
                rng: fastrand::Rng::with_seed(seed),
            }),
            limiter: config.rate_limit.as_ref().map(RateLimiter::new),
            signatures: Mutex::new(VecDeque::new()),
        }
    }
}

impl Route53State {
    /// Every change accepted, oldest first.
    pub(crate) fn changes(&self) -> Vec<SubmittedChange> {
        let mut all: Vec<SubmittedChange> = lock(&self.store).changes.values().cloned().collect();
        all.sort_by(|a, b| a.at.cmp(&b.at).then_with(|| a.id.cmp(&b.id)));
        all
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn store(seed: u64) -> Store {
        Store {
            zones: BTreeMap::new(),
            changes: HashMap::new(),
            rng: fastrand::Rng::with_seed(seed),
        }
    }

    #[test]
    fn propagation_draws_stay_in_range_spread_out_and_follow_the_seed() {
        let (min, max) = (Duration::from_secs(5), Duration::from_secs(60));
        let mut s = store(1);
        let draws: Vec<Duration> = (0..2000)
            .map(|_| s.draw_propagation(min, Some(max)))
            .collect();
        assert!(draws.iter().all(|d| (min..=max).contains(d)));
        // Uniform: every fifth of the range gets a share (400 expected each).
        for k in 0..5 {
            let lo = min + (max - min) * k / 5;
            let hi = min + (max - min) * (k + 1) / 5;
            let n = draws.iter().filter(|d| (lo..hi).contains(*d)).count();
            assert!((300..=500).contains(&n), "fifth {k}: {n}");
        }
        let mut again = store(1);
        let repeat: Vec<Duration> = (0..2000)
            .map(|_| again.draw_propagation(min, Some(max)))
            .collect();
        assert_eq!(draws, repeat);
        let mut other = store(2);
        assert_ne!(
            draws[..10],
            [0; 10].map(|_| other.draw_propagation(min, Some(max)))
        );
        // No spread (or an empty one): the minimum, and no draw is used.
        let mut s = store(1);
        assert_eq!(s.draw_propagation(min, None), min);
        assert_eq!(s.draw_propagation(min, Some(min)), min);
        assert_eq!(
            s.draw_propagation(crate::Propagation::Never, None),
            crate::Propagation::Never
        );
        assert_eq!(s.draw_propagation(min, Some(max)), draws[0]);
    }
}

/// Serves one request to the Route 53 listener.
pub(crate) async fn handle(state: Arc<State>, req: Request<Incoming>) -> Response<SimBody> {
    let at = Instant::now();
    let (parts, body) = req.into_parts();
    let path = parts.uri.path().to_owned();
    // Routed without the configured prefix; the signature covers the full path.
    let prefix = state.config.route53.path_prefix.trim_end_matches('/');
    let routed = match path.strip_prefix(prefix) {
        Some(rest) if rest.starts_with('/') => rest,
        _ if path.starts_with("/_sim/") => path.as_str(),
        _ => "/",
    };
    let route = operation::route(parts.method.as_str(), routed);
    if let Route::Control(rest) = route {
        return crate::control::handle(&state, &parts, rest, body).await;
    }
    let rid = request_id();
    if parts.method == http::Method::POST && routed == "/" {
        return query_api(&state, &parts, body, &rid, at).await;
    }
    let mut entry = RequestLog {
        service: Service::Route53,
        method: parts.method.as_str().to_owned(),
        path: path.clone(),
        query: parts.uri.query().unwrap_or_default().to_owned(),
        operation: match route {
            Route::Op(op, _) => Some(op),
            _ => None,
        },
        action: None,
        scheme: None,
        status: 0,
        error_code: None,
        had_security_token: parts.headers.contains_key("x-amz-security-token"),
        at,
    };
    let body = read_body(&parts.headers, body).await;
    let outcome = process(&state, &parts, route, body, &mut entry, &rid).await;
    let mut resp = match outcome {
        Outcome::Hang => {
            tracing::debug!(path = %entry.path, "route53: hanging");
            state.recorder.record(entry);
            return std::future::pending().await;
        }
        Outcome::Answer(resp) => resp,
    };
    entry.error_code = resp
        .extensions()
        .get::<ErrorCode>()
        .map(|code| code.0.clone());
    let headers = resp.headers_mut();
    set_header(headers, "date", &state.clock.now().http_date());
    set_header(headers, "x-amzn-requestid", &rid);
    tracing::debug!(
        method = %entry.method,
        path = %entry.path,
        status = resp.status().as_u16(),
        code = entry.error_code.as_deref().unwrap_or("-"),
        "route53"
    );
    entry.status = resp.status().as_u16();
    state.recorder.record(entry);
    resp
}

/// `POST /`: the STS and EC2 Query APIs (see [`crate::query`]).
async fn query_api(
    state: &State,
    parts: &Parts,
    body: Incoming,
    rid: &str,
    at: Instant,
) -> Response<SimBody> {
    let mut entry = RequestLog {
        service: Service::Sts,
        method: parts.method.as_str().to_owned(),
        path: parts.uri.path().to_owned(),
        query: parts.uri.query().unwrap_or_default().to_owned(),
        operation: None,
        action: None,
        scheme: None,
        status: 0,
        error_code: None,
        had_security_token: parts.headers.contains_key("x-amz-security-token"),
        at,
    };
    let mut resp = match read_body(&parts.headers, body).await {
        Ok(body) => crate::query::handle(state, parts, &body, &mut entry, rid),
        Err(_) => {
            entry.error_code = Some("RequestEntityTooLarge".to_owned());
            response(413, "text/plain", SimBody::full("request body too large"))
        }
    };
    let headers = resp.headers_mut();
    set_header(headers, "date", &state.clock.now().http_date());
    set_header(headers, "x-amzn-requestid", rid);
    entry.status = resp.status().as_u16();
    tracing::debug!(
        action = entry.action.as_deref().unwrap_or("-"),
        status = entry.status,
        code = entry.error_code.as_deref().unwrap_or("-"),
        "query api"
    );
    state.recorder.record(entry);
    resp
}

/// Marks a response as an AWS error with this code (for the log).
#[derive(Debug, Clone)]
struct ErrorCode(String);

fn error_answer(err: &ApiError, rid: &str) -> Response<SimBody> {
    let mut resp = response(err.status, "text/xml", SimBody::full(err.body(rid)));
    resp.extensions_mut().insert(ErrorCode(err.code.clone()));
    resp
}

fn xml_answer(body: String) -> Response<SimBody> {
    response(200, "text/xml", SimBody::full(body))
}

async fn process(
    state: &State,
    parts: &Parts,
    route: Route<'_>,
    body: Result<bytes::Bytes, BodyError>,
    entry: &mut RequestLog,
    rid: &str,
) -> Outcome {
    let (op, id) = match route {
        Route::Op(op, id) => (op, id),
        Route::Date => {
            let date = state.clock.now().http_date();
            return Outcome::Answer(response(200, "text/plain", SimBody::full(date)));
        }
        Route::MethodNotAllowed => {
            return Outcome::Answer(error_answer(
                &ApiError::new(
                    405,
                    "MethodNotAllowed",
                    format!(
                        "The method {} is not allowed for this resource",
                        parts.method
                    ),
                ),
                rid,
            ));
        }
        Route::NotFound | Route::Control(_) => {
            return Outcome::Answer(error_answer(
                &ApiError::new(
                    404,
                    "UnknownOperationException",
                    "The requested resource does not exist: check the path and the API version 2013-04-01",
                ),
                rid,
            ));
        }
    };
    let mut lose_answer = false;
    if let Some(kind) = state.faults.take(false, Some(op)) {
        state.recorder.count(|s| s.faults_served += 1);
        match kind {
            FaultKind::Delay(d) => tokio::time::sleep(d).await,
            FaultKind::LoseAnswer => lose_answer = true,
            other => return fault_answer(other, rid),
        }
    }
    let body = match body {
        Ok(body) => body,
        Err(BodyError::TooLarge) => {
            return Outcome::Answer(error_answer(
                &ApiError::new(
                    413,
                    "RequestEntityTooLarge",
                    format!(
                        "The request body is larger than {} bytes",
                        crate::http::MAX_REQUEST_BODY
                    ),
                ),
                rid,
            ));
        }
        Err(BodyError::Read) => {
            return Outcome::Answer(error_answer(
                &ApiError::malformed_input("The request body could not be read"),
                rid,
            ));
        }
    };
    let config = &state.config.route53;
    let query = parts.uri.query().unwrap_or_default();
    let signed = auth::SignedRequest {
        method: parts.method.as_str(),
        path: parts.uri.path(),
        query,
        headers: &parts.headers,
        body: &body,
    };
    let policy = auth::Policy {
        aws3: config.aws3,
        sigv4: config.sigv4,
        region: &config.region,
        service: "route53",
    };
    if let Some(signature) = auth::presented_signature(&parts.headers) {
        let mut kept = lock(&state.route53.signatures);
        if kept.len() >= MAX_SIGNATURES_KEPT {
            kept.pop_front();
        }
        kept.push_back(signature);
    }
    let verdict = auth::authenticate(&signed, &policy, &state.keys, state.clock.now());
    entry.scheme = verdict.scheme;
    let principal = match verdict.result {
        Ok(p) => p,
        Err(e) => return Outcome::Answer(error_answer(&e, rid)),
    };
    if let Some(limiter) = &state.route53.limiter
        && !limiter.allow_request()
    {
        state.recorder.count(|s| s.throttled += 1);
        return Outcome::Answer(error_answer(&ApiError::throttling(), rid));
    }
    if config.deny.contains(&op) {
        return Outcome::Answer(error_answer(&access_denied(state, &principal, op, id), rid));
    }
    if matches!(
        op,
        Operation::ListResourceRecordSets | Operation::ChangeResourceRecordSets
    ) {
        let arn = principal.arn();
        let limited = config
            .zone_access
            .iter()
            .filter(|a| a.principal == arn)
            .collect::<Vec<_>>();
        if !limited.is_empty() && !limited.iter().any(|a| a.zones.iter().any(|z| z == id)) {
            return Outcome::Answer(error_answer(&access_denied(state, &principal, op, id), rid));
        }
    }
    let result = match op {
        Operation::ListResourceRecordSets => ops::list_resource_record_sets(state, id, query),
        Operation::ChangeResourceRecordSets => ops::change_resource_record_sets(state, id, &body),
        Operation::GetChange => ops::get_change(state, id),
        Operation::ListHostedZonesByName => ops::list_hosted_zones_by_name(state, query),
    };
    if lose_answer {
        return fault_answer(FaultKind::Status(500), rid);
    }
    Outcome::Answer(match result {
        Ok(xml) => xml_answer(xml),
        Err(e) => error_answer(&e, rid),
    })
}

fn access_denied(state: &State, principal: &auth::Principal, op: Operation, id: &str) -> ApiError {
    let instance = lock(&state.imds.metadata).instance_id().to_owned();
    let user = principal.caller_arn(&instance);
    let resource = match op {
        Operation::ListResourceRecordSets | Operation::ChangeResourceRecordSets => {
            format!(" on resource: arn:aws:route53:::hostedzone/{id}")
        }
        Operation::GetChange => format!(" on resource: arn:aws:route53:::change/{id}"),
        Operation::ListHostedZonesByName => String::new(),
    };
    let op = op.name();
    ApiError::new(
        403,
        "AccessDenied",
        format!(
            "User: {user} is not authorized to perform: route53:{op}{resource} because no identity-based policy allows the route53:{op} action"
        ),
    )
}

fn fault_answer(kind: FaultKind, rid: &str) -> Outcome {
    let err = match kind {
        FaultKind::Hang => return Outcome::Hang,
        FaultKind::Malformed => return Outcome::Answer(xml_answer(xml::truncated_response())),
        FaultKind::Oversized => {
            return Outcome::Answer(response(
                200,
                "text/xml",
                SimBody::oversized(
                    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<ListResourceRecordSetsResponse>",
                    OVERSIZED_BYTES,
                ),
            ));
        }
        FaultKind::Status(500) => {
            ApiError::new(500, "InternalFailure", "An internal error occurred.")
        }
        FaultKind::Status(503) => ApiError::new(503, "ServiceUnavailable", "Service Unavailable"),
        FaultKind::Status(status) if status >= 500 => {
            ApiError::new(status, "InternalFailure", "An internal error occurred.")
        }
        FaultKind::Status(status) => ApiError::new(
            status,
            "SimulatedFault",
            format!("Injected fault: HTTP {status}"),
        ),
        FaultKind::Throttling => ApiError::throttling(),
        FaultKind::ThrottlingException => {
            ApiError::new(400, "ThrottlingException", "Rate exceeded")
        }
        FaultKind::PriorRequestNotComplete => ApiError::new(
            400,
            "PriorRequestNotComplete",
            "The request was rejected because Route 53 was still processing a prior request.",
        ),
        FaultKind::ExpiredToken => ApiError::expired_token(),
        FaultKind::AccessDenied => ApiError::new(
            403,
            "AccessDenied",
            "User is not authorized to perform this action (injected fault)",
        ),
        // Handled by the caller.
        FaultKind::Delay(_) | FaultKind::LoseAnswer => {
            ApiError::new(500, "InternalFailure", "An internal error occurred.")
        }
    };
    Outcome::Answer(error_answer(&err, rid))
}
