//! The instance metadata service: an IMDSv2 session (IMDSv1 fallback) and
//! metadata reads that wait out a boot where IMDS is not reachable yet.
//!
//! Session: `PUT /latest/api/token` with `X-aws-ec2-metadata-token-ttl-seconds`;
//! every GET then sends `X-aws-ec2-metadata-token`. A 401 means the token
//! expired: get a new one. When the PUT is refused (403/404/405) or times out
//! after connecting (a container one hop too far away), plain IMDSv1 GETs are
//! used instead, unless `imds.v1_fallback = false`. The token is renewed a
//! minute before its TTL runs out. See `retry.rs` for the whole policy.

use crate::aws::http::{self, BodyError, IMDS_BODY_CAP, IMDS_REQUEST_TIMEOUT};
use crate::aws::retry::{Backoff, Deadline, IMDS_BACKOFF};
use aws_sign::secret::Secret;
use reqwest::{Client, StatusCode};
use std::sync::Mutex;
use std::time::Duration;
use tokio::time::Instant;
use tracing::{debug, info, warn};

pub(crate) const TOKEN_HEADER: &str = "X-aws-ec2-metadata-token";
pub(crate) const TOKEN_TTL_HEADER: &str = "X-aws-ec2-metadata-token-ttl-seconds";
/// The longest token IMDS issues (6 hours).
pub(crate) const TOKEN_TTL: Duration = Duration::from_secs(21_600);
/// A token is renewed this long before it expires.
const TOKEN_RENEW_MARGIN: Duration = Duration::from_secs(60);
/// How long the token PUT may take before IMDSv1 is tried (SDKs use 1 s).
pub(crate) const TOKEN_PUT_TIMEOUT: Duration = Duration::from_secs(2);
/// New tokens fetched in a row after 401 answers before giving up.
const MAX_UNAUTHORIZED: u32 = 2;

#[derive(Debug, thiserror::Error)]
pub enum ImdsError {
    #[error(
        "the instance metadata service at {endpoint} did not answer within {waited}s (last error: {last}); is this an EC2 instance with the metadata endpoint enabled?"
    )]
    Unreachable {
        endpoint: String,
        waited: u64,
        last: String,
    },
    #[error("IMDS refused {path} (HTTP {status}){hint}")]
    Refused {
        path: String,
        status: u16,
        hint: &'static str,
    },
    #[error("IMDS requires IMDSv2 session tokens, but {why}")]
    TokensRequired { why: String },
    #[error("IMDS answered {path} with a body this program cannot use: {reason}")]
    BadBody { path: String, reason: String },
}

/// Why IMDSv1 is in use.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum V1Reason {
    PutRefused(u16),
    PutTimedOut,
}

#[derive(Debug, Clone)]
enum Session {
    None,
    Token { token: Secret, renew_at: Instant },
    V1(V1Reason),
}

/// A failed attempt, before the retry policy has looked at it.
enum Failure {
    Transient(String),
    Unauthorized,
    Fatal(ImdsError),
}

/// An IMDS client for one run.
#[derive(Debug)]
pub(crate) struct Imds {
    http: Client,
    base: String,
    v1_fallback: bool,
    wait_timeout: Duration,
    session: Mutex<Session>,
}

impl Imds {
    /// `endpoint` is the base URL (`http://169.254.169.254`); a path prefix is kept.
    pub(crate) fn new(
        http: Client,
        endpoint: &reqwest::Url,
        v1_fallback: bool,
        wait_timeout: Duration,
    ) -> Self {
        Imds {
            http,
            base: endpoint.as_str().trim_end_matches('/').to_owned(),
            v1_fallback,
            wait_timeout,
            session: Mutex::new(Session::None),
        }
    }

    /// Reads `/latest/<path>` (e.g. `meta-data/public-hostname`); `None` when
    /// IMDS answers 404 or an empty body. Waits out unreachable IMDS for up to
    /// `imds.wait_timeout` (and never past `deadline`).
    pub(crate) async fn get(
        &self,
        path: &str,
        deadline: Deadline,
    ) -> Result<Option<String>, ImdsError> {
        let window = Deadline::after(self.wait_timeout).min(deadline);
        let started = Instant::now();
        let mut backoff = Backoff::new(IMDS_BACKOFF);
        let mut unauthorized = 0;
        loop {
            let failure = match self.try_get(path, window).await {
                Ok(value) => return Ok(value),
                Err(f) => f,
            };
            match failure {
                Failure::Fatal(e) => return Err(e),
                Failure::Unauthorized => {
                    unauthorized += 1;
                    let reason = self.reset_session();
                    if unauthorized > MAX_UNAUTHORIZED {
                        return Err(ImdsError::TokensRequired {
                            why: match reason {
                                Some(V1Reason::PutTimedOut) => "the token request (PUT /latest/api/token) timed out. In a container this is the metadata hop limit: set the instance's HttpPutResponseHopLimit to 2 (aws ec2 modify-instance-metadata-options --http-put-response-hop-limit 2)".to_owned(),
                                Some(V1Reason::PutRefused(s)) => format!("the token request was refused with HTTP {s}; check the instance's metadata options (HttpTokens, HttpEndpoint)"),
                                None => "new tokens keep being rejected (HTTP 401)".to_owned(),
                            },
                        });
                    }
                    debug!(path, "IMDS answered 401: getting a new token");
                }
                Failure::Transient(last) => {
                    let delay = backoff.next_delay();
                    let unreachable = |last| ImdsError::Unreachable {
                        endpoint: self.base.clone(),
                        waited: started.elapsed().as_secs(),
                        last,
                    };
                    if window.expired() {
                        return Err(unreachable(last));
                    }
                    warn!(
                        path,
                        attempt = backoff.attempts(),
                        sleep_ms = delay.as_millis() as u64,
                        error = %last,
                        "IMDS not answering yet, retrying"
                    );
                    if !window.sleep(delay).await {
                        return Err(unreachable(last));
                    }
                }
            }
        }
    }

    /// Forgets the session; returns why IMDSv1 was in use, if it was.
    fn reset_session(&self) -> Option<V1Reason> {
        let mut session = self.session.lock().unwrap_or_else(|p| p.into_inner());
        let reason = match &*session {
            Session::V1(r) => Some(*r),
            _ => None,
        };
        *session = Session::None;
        reason
    }

    async fn try_get(&self, path: &str, window: Deadline) -> Result<Option<String>, Failure> {
        let session = self.session(window).await?;
        let url = format!("{}/latest/{}", self.base, path);
        let mut request = self
            .http
            .get(&url)
            .timeout(window.cap(IMDS_REQUEST_TIMEOUT));
        if let Session::Token { token, .. } = &session {
            let value = http::sensitive_header(token.expose()).map_err(|_| {
                Failure::Fatal(bad_body(
                    "api/token",
                    "the token is not a valid header value",
                ))
            })?;
            request = request.header(TOKEN_HEADER, value);
        }
        let response = request
            .send()
            .await
            .map_err(|e| Failure::Transient(http::error_chain(&e)))?;
        let status = response.status();
        match status {
            StatusCode::OK => {
                let text = read_text(response, path).await?;
                let text = text.trim();
                Ok((!text.is_empty()).then(|| text.to_owned()))
            }
            StatusCode::NOT_FOUND => Ok(None),
            StatusCode::UNAUTHORIZED => Err(Failure::Unauthorized),
            s if s.is_server_error() => Err(Failure::Transient(format!("HTTP {}", s.as_u16()))),
            StatusCode::FORBIDDEN => Err(Failure::Fatal(ImdsError::Refused {
                path: path.to_owned(),
                status: 403,
                hint: ": instance metadata access is disabled or restricted on this instance (check its metadata options)",
            })),
            s => Err(Failure::Fatal(ImdsError::Refused {
                path: path.to_owned(),
                status: s.as_u16(),
                hint: "",
            })),
        }
    }

    /// The current session, opening one when there is none or the token is old.
    async fn session(&self, window: Deadline) -> Result<Session, Failure> {
        {
            let session = self.session.lock().unwrap_or_else(|p| p.into_inner());
            match &*session {
                Session::Token { renew_at, .. } if Instant::now() < *renew_at => {
                    return Ok(session.clone());
                }
                Session::V1(_) => return Ok(session.clone()),
                _ => {}
            }
        }
        let opened = self.open_session(window).await?;
        *self.session.lock().unwrap_or_else(|p| p.into_inner()) = opened.clone();
        Ok(opened)
    }

    async fn open_session(&self, window: Deadline) -> Result<Session, Failure> {
        let url = format!("{}/latest/api/token", self.base);
        let timeout = window.cap(TOKEN_PUT_TIMEOUT);
        let sent = self
            .http
            .put(&url)
            .header(TOKEN_TTL_HEADER, TOKEN_TTL.as_secs().to_string())
            .timeout(timeout)
            .send()
            .await;
        let response = match sent {
            Ok(r) => r,
            Err(e) if e.is_connect() => return Err(Failure::Transient(http::error_chain(&e))),
            // Only a PUT given its full time says anything about the hop limit.
            Err(e) if e.is_timeout() && timeout == TOKEN_PUT_TIMEOUT => {
                return self.fall_back(V1Reason::PutTimedOut);
            }
            Err(e) => return Err(Failure::Transient(http::error_chain(&e))),
        };
        match response.status().as_u16() {
            200 => {
                let token = read_text(response, "api/token").await?;
                let token = token.trim();
                if token.is_empty() {
                    return Err(Failure::Fatal(bad_body("api/token", "empty token")));
                }
                debug!("IMDSv2 session opened");
                Ok(Session::Token {
                    token: Secret::new(token),
                    renew_at: Instant::now() + TOKEN_TTL - TOKEN_RENEW_MARGIN,
                })
            }
            s @ 403..=405 => self.fall_back(V1Reason::PutRefused(s)),
            s if s >= 500 => Err(Failure::Transient(format!("token request: HTTP {s}"))),
            s => Err(Failure::Fatal(ImdsError::Refused {
                path: "api/token".into(),
                status: s,
                hint: "",
            })),
        }
    }

    fn fall_back(&self, reason: V1Reason) -> Result<Session, Failure> {
        let why = match reason {
            V1Reason::PutRefused(s) => format!("the token request was refused (HTTP {s})"),
            V1Reason::PutTimedOut => format!(
                "the token request timed out after {}s (a metadata hop limit of 1 does this to containers)",
                TOKEN_PUT_TIMEOUT.as_secs()
            ),
        };
        if !self.v1_fallback {
            return Err(match reason {
                // IMDS may still be starting: keep trying the PUT until the wait ends.
                V1Reason::PutTimedOut => {
                    Failure::Transient(format!("{why}; imds.v1_fallback = false"))
                }
                V1Reason::PutRefused(status) => Failure::Fatal(ImdsError::Refused {
                    path: "api/token".into(),
                    status,
                    hint: ": IMDSv2 is not available and imds.v1_fallback = false",
                }),
            });
        }
        info!("{why}: using IMDSv1");
        Ok(Session::V1(reason))
    }
}

async fn read_text(response: reqwest::Response, path: &str) -> Result<String, Failure> {
    let bytes = http::read_body(response, IMDS_BODY_CAP)
        .await
        .map_err(|e| match e {
            BodyError::TooLarge { .. } => Failure::Fatal(bad_body(path, &e.to_string())),
            BodyError::Transport(t) => Failure::Transient(t),
        })?;
    String::from_utf8(bytes).map_err(|_| Failure::Fatal(bad_body(path, "not UTF-8 text")))
}

fn bad_body(path: &str, reason: &str) -> ImdsError {
    ImdsError::BadBody {
        path: path.to_owned(),
        reason: reason.to_owned(),
    }
}

/// What one TCP connection attempt to an IMDS address showed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Reach {
    /// It accepted the connection.
    Answers,
    /// It failed at once, by route (`ENETUNREACH`, `EHOSTUNREACH`: no
    /// address of that family) or refused: nothing there.
    Unroutable(String),
    /// No answer in time, or another error: says nothing about the stack.
    Unknown(String),
}

/// How long a probe connection may take; IMDS on the instance connects in
/// well under a millisecond.
pub(crate) const PROBE_TIMEOUT: Duration = Duration::from_secs(1);

/// Opens (and closes) one TCP connection to `endpoint`'s host and port.
pub(crate) async fn probe(endpoint: &reqwest::Url) -> Reach {
    let addrs = match endpoint.socket_addrs(|| Some(80)) {
        Ok(a) if !a.is_empty() => a,
        Ok(_) => return Reach::Unknown("no address".into()),
        Err(e) => return Reach::Unknown(e.to_string()),
    };
    match tokio::time::timeout(PROBE_TIMEOUT, tokio::net::TcpStream::connect(&addrs[..])).await {
        Ok(Ok(_)) => Reach::Answers,
        Ok(Err(e)) if fails_by_route(&e) => Reach::Unroutable(e.to_string()),
        Ok(Err(e)) => Reach::Unknown(e.to_string()),
        Err(_) => Reach::Unknown(format!("no answer in {}s", PROBE_TIMEOUT.as_secs())),
    }
}

/// A connection error that comes back at once and means "not here": no
/// route to the network or host (no address of that family), or refused.
fn fails_by_route(e: &std::io::Error) -> bool {
    use std::io::ErrorKind as K;
    matches!(
        e.kind(),
        K::NetworkUnreachable | K::HostUnreachable | K::ConnectionRefused | K::AddrNotAvailable
    )
}
