//! The simulated instance metadata service.
//!
//! - `PUT /latest/api/token` with `X-aws-ec2-metadata-token-ttl-seconds: N`
//!   (1..=21600, else 400) → 200 and a token; 403 when `X-Forwarded-For` is
//!   present (IMDS refuses proxied PUTs); [`PutBehaviour`] can make it hang or
//!   answer another status.
//! - `GET /latest/meta-data/<path>` → text/plain. A valid token is served; an
//!   invalid or expired one gets 401; none gets 401 when tokens are required
//!   ([`TokenMode::Required`]), else is served (IMDSv1). Unknown paths: 404.
//! - Fleet members answer under `/i/<n>/latest/...` (see `metadata`).
//! - Lifecycle notices, 404 while there is none: `spot/instance-action`
//!   (`{"action": "terminate", "time": "2026-11-29T08:22:00Z"}`) and
//!   `autoscaling/target-lifecycle-state` (`InService`, `Terminated`, ...);
//!   set by [`crate::config::ImdsConfig::spot_action`] and
//!   [`crate::config::ImdsConfig::lifecycle_state`] at start, by
//!   [`crate::Sim::set_spot_action`] / [`crate::Sim::set_lifecycle_state`]
//!   (fleet members: [`crate::Sim::set_fleet_metadata`]) or the control API
//!   later.
//!
//! Before routing, in this order: `hang_all`, `delay`, the fault queue,
//! `fail_first` (500).

pub(crate) mod metadata;
pub(crate) mod role;
pub(crate) mod tokens;

use crate::config::{ImdsConfig, PutBehaviour, TokenMode};
use crate::faults::{FaultKind, OVERSIZED_BYTES};
use crate::http::{Outcome, SimBody, header_str, read_body, response, set_header};
use crate::log::{RequestLog, Service, lock};
use crate::state::State;
use http::request::Parts;
use http::{Request, Response};
use hyper::body::Incoming;
use metadata::{Lookup, Metadata};
use role::RoleIssuer;
use std::collections::HashMap;
use std::sync::Arc;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Instant;
use tokens::TokenStore;

const TOKEN_HEADER: &str = "x-aws-ec2-metadata-token";
const TTL_HEADER: &str = "x-aws-ec2-metadata-token-ttl-seconds";

/// What IMDS keeps between requests.
#[derive(Debug)]
pub(crate) struct ImdsState {
    pub(crate) tokens: TokenStore,
    /// The main instance (fleet members are computed per request).
    pub(crate) metadata: Mutex<Metadata>,
    /// Fleet members whose metadata was changed at run time (the others are
    /// computed per request).
    pub(crate) fleet_changed: Mutex<HashMap<u32, Metadata>>,
    pub(crate) role: RoleIssuer,
    failures_left: AtomicU32,
}

impl ImdsState {
    pub(crate) fn new(config: &ImdsConfig) -> Self {
        ImdsState {
            tokens: TokenStore::default(),
            metadata: Mutex::new(Metadata::for_instance(config)),
            fleet_changed: Mutex::new(HashMap::new()),
            role: RoleIssuer::new(config),
            failures_left: AtomicU32::new(config.fail_first),
        }
    }

    /// Takes one of the `fail_first` failures, if any are left.
    fn take_failure(&self) -> bool {
        self.failures_left
            .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |n| n.checked_sub(1))
            .is_ok()
    }
}

/// Serves one IMDS request.
pub(crate) async fn handle(state: Arc<State>, req: Request<Incoming>) -> Response<SimBody> {
    let at = Instant::now();
    let (parts, body) = req.into_parts();
    let mut entry = RequestLog {
        service: Service::Imds,
        method: parts.method.as_str().to_owned(),
        path: parts.uri.path().to_owned(),
        query: parts.uri.query().unwrap_or_default().to_owned(),
        operation: None,
        action: None,
        scheme: None,
        status: 0,
        error_code: None,
        had_security_token: parts.headers.contains_key(TOKEN_HEADER),
        at,
    };
    // The body means nothing to IMDS, but is read (capped) so the connection
    // stays usable.
    let body_ok = read_body(&parts.headers, body).await.is_ok();
    match process(&state, &parts, body_ok).await {
        Outcome::Hang => {
            tracing::debug!(path = %entry.path, "imds: hanging");
            state.recorder.record(entry);
            std::future::pending().await
        }
        Outcome::Answer(mut resp) => {
            let headers = resp.headers_mut();
            set_header(headers, "server", "EC2ws");
            set_header(headers, "date", &state.clock.now().http_date());
            entry.status = resp.status().as_u16();
            tracing::debug!(method = %entry.method, path = %entry.path, status = entry.status, "imds");
            state.recorder.record(entry);
            resp
        }
    }
}

fn text(status: u16, body: impl Into<bytes::Bytes>) -> Response<SimBody> {
    response(status, "text/plain", SimBody::full(body))
}

/// An error page in IMDS's style.
fn error_page(status: u16) -> Response<SimBody> {
    let reason = http::StatusCode::from_u16(status)
        .ok()
        .and_then(|s| s.canonical_reason())
        .unwrap_or("Error");
    let body = format!(
        "<?xml version=\"1.0\" encoding=\"iso-8859-1\"?>\n<!DOCTYPE html PUBLIC \"-//W3C//DTD XHTML 1.0 Transitional//EN\"\n\t\"http://www.w3.org/TR/xhtml1/DTD/xhtml1-transitional.dtd\">\n<html xmlns=\"http://www.w3.org/1999/xhtml\" xml:lang=\"en\" lang=\"en\">\n <head>\n  <title>{status} - {reason}</title>\n </head>\n <body>\n  <h1>{status} - {reason}</h1>\n </body>\n</html>\n"
    );
    response(status, "text/html", SimBody::full(body))
}

/// Splits `/i/<n>/rest` into (n, rest); (0, path) for the main instance;
/// `None` for a fleet index out of range.
fn split_fleet(path: &str, fleet: u32) -> Option<(u32, &str)> {
    let Some(rest) = path.strip_prefix("/i/") else {
        return Some((0, path));
    };
    let digits = rest.split('/').next().unwrap_or_default();
    let n: u32 = digits.parse().ok()?;
    if n == 0 || n > fleet {
        return None;
    }
    Some((n, &path["/i/".len() + digits.len()..]))
}

async fn process(state: &State, parts: &Parts, body_ok: bool) -> Outcome {
    let config = &state.config.imds;
    if config.hang_all {
        state.recorder.count(|s| s.faults_served += 1);
        return Outcome::Hang;
    }
    if !config.delay.is_zero() {
        tokio::time::sleep(config.delay).await;
    }
    let path = parts.uri.path();
    if let Some(kind) = state.faults.take(true, None) {
        state.recorder.count(|s| s.faults_served += 1);
        match kind {
            FaultKind::Delay(d) => tokio::time::sleep(d).await,
            other => return fault_answer(other, path),
        }
    }
    if state.imds.take_failure() {
        state.recorder.count(|s| s.faults_served += 1);
        return Outcome::Answer(error_page(500));
    }
    if !body_ok {
        return Outcome::Answer(error_page(413));
    }
    let Some((instance, rest)) = split_fleet(path, config.fleet) else {
        return Outcome::Answer(error_page(404));
    };
    let method = parts.method.as_str();
    if rest == "/latest/api/token" {
        return if method == "PUT" {
            put_token(state, parts, instance)
        } else {
            Outcome::Answer(error_page(405))
        };
    }
    let Some(meta_path) = rest
        .strip_prefix("/latest/meta-data/")
        .or_else(|| (rest == "/latest/meta-data").then_some(""))
    else {
        return Outcome::Answer(error_page(404));
    };
    if method != "GET" && method != "HEAD" {
        return Outcome::Answer(error_page(405));
    }
    match header_str(&parts.headers, TOKEN_HEADER) {
        Some(token) => {
            if !state.imds.tokens.is_valid(token, instance) {
                return Outcome::Answer(error_page(401));
            }
        }
        None if parts.headers.contains_key(TOKEN_HEADER) => {
            return Outcome::Answer(error_page(401));
        }
        None => {
            if config.tokens == TokenMode::Required {
                return Outcome::Answer(error_page(401));
            }
        }
    }
    Outcome::Answer(get_metadata(state, instance, meta_path))
}

fn put_token(state: &State, parts: &Parts, instance: u32) -> Outcome {
    match state.config.imds.token_put {
        PutBehaviour::Hang => return Outcome::Hang,
        PutBehaviour::Status(status) => return Outcome::Answer(error_page(status)),
        PutBehaviour::Answer => {}
    }
    if parts.headers.contains_key("x-forwarded-for") {
        return Outcome::Answer(error_page(403));
    }
    let Some(ttl) = tokens::parse_ttl(header_str(&parts.headers, TTL_HEADER)) else {
        return Outcome::Answer(error_page(400));
    };
    let token = state.imds.tokens.issue(instance, ttl);
    state.recorder.count(|s| s.imds_tokens_issued += 1);
    let mut resp = text(200, token);
    set_header(resp.headers_mut(), TTL_HEADER, &ttl.to_string());
    Outcome::Answer(resp)
}

fn get_metadata(state: &State, instance: u32, path: &str) -> Response<SimBody> {
    let role = state.imds.role.role();
    let lookup = if instance == 0 {
        lock(&state.imds.metadata).lookup(path, role)
    } else if let Some(changed) = lock(&state.imds.fleet_changed).get(&instance) {
        changed.lookup(path, role)
    } else {
        Metadata::for_fleet(&state.config.imds, instance).lookup(path, role)
    };
    let now = state.clock.now();
    match lookup {
        Lookup::Value(v) | Lookup::Listing(v) => text(200, v),
        Lookup::RoleCredentials => {
            state.recorder.count(|s| s.credentials_served += 1);
            text(200, state.imds.role.document(&state.keys, now))
        }
        Lookup::IamInfo => text(200, state.imds.role.info_document(now)),
        Lookup::NotFound => error_page(404),
    }
}

fn fault_answer(kind: FaultKind, path: &str) -> Outcome {
    let resp = match kind {
        FaultKind::Hang => return Outcome::Hang,
        FaultKind::Status(status) => error_page(status),
        FaultKind::Throttling | FaultKind::ThrottlingException => error_page(429),
        FaultKind::PriorRequestNotComplete => error_page(503),
        FaultKind::ExpiredToken => error_page(401),
        FaultKind::AccessDenied => error_page(403),
        FaultKind::Malformed => {
            if path.contains("security-credentials/") {
                text(
                    200,
                    "{\n  \"Code\" : \"Success\",\n  \"LastUpdated\" : \"2026-",
                )
            } else {
                text(200, &b"\xff\xfe\x00<html><body>garbled \x07 metadata"[..])
            }
        }
        FaultKind::Oversized => response(
            200,
            "text/plain",
            SimBody::oversized("ec2-", OVERSIZED_BYTES),
        ),
        FaultKind::LoseAnswer => error_page(500),
        // Handled before this is called.
        FaultKind::Delay(_) => error_page(500),
    };
    Outcome::Answer(resp)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fleet_prefix() {
        assert_eq!(
            split_fleet("/latest/meta-data/x", 0),
            Some((0, "/latest/meta-data/x"))
        );
        assert_eq!(
            split_fleet("/i/7/latest/meta-data/x", 10),
            Some((7, "/latest/meta-data/x"))
        );
        assert_eq!(split_fleet("/i/7", 10), Some((7, "")));
        assert_eq!(split_fleet("/i/11/latest/api/token", 10), None);
        assert_eq!(split_fleet("/i/0/latest/api/token", 10), None);
        assert_eq!(split_fleet("/i/x/latest", 10), None);
        assert_eq!(split_fleet("/i/1/latest", 0), None);
    }

    #[test]
    fn failures_count_down() {
        let state = ImdsState::new(&ImdsConfig {
            fail_first: 2,
            ..Default::default()
        });
        assert!(state.take_failure());
        assert!(state.take_failure());
        assert!(!state.take_failure());
    }
}
