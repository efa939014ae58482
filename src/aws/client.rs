//! The signed AWS client: one endpoint, its transport, signing (AWS3-HTTPS
//! or SigV4, with the `auto` fallback from AWS3-HTTPS to SigV4), clock-skew
//! correction, credential refresh, the retry policy of `retry.rs` (the
//! adaptive limiter of `pacer.rs` on throttling, backoff on server errors,
//! clock resync on expired signatures, one credential refresh on
//! `ExpiredToken`) and counters. It knows requests and
//! answers, not what they mean: Route 53's operations are `crate::route53`.

use crate::aws::clock::Clock;
use crate::aws::credentials::{CredentialError, CredentialSource, Credentials};
use crate::aws::http::{
    self, BodyError, ROUTE53_BODY_CAP, ROUTE53_REQUEST_TIMEOUT, SetupError, TlsClient,
};
use crate::aws::pacer::Pacer;
use crate::aws::retry::{self, Action, Backoff, Deadline, IAM_SETTLE_DELAYS, ROUTE53_BACKOFF};
use aws_sign::sign::{self, Scheme, SignableRequest};
use aws_sign::timestamp::Timestamp;
use reqwest::{Client, Method};
use std::fmt;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use std::time::Duration;
use tracing::{debug, info, warn};

/// The name of the operation a request performs, for messages and logs
/// (`ChangeResourceRecordSets`, `request`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Operation(pub &'static str);

impl fmt::Display for Operation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.0)
    }
}

/// The body of an error answer: its code, message and request id.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct AwsError {
    /// The error code (`Throttling`, `InvalidChangeBatch`...), when the body has one.
    pub code: Option<String>,
    /// The message, or the start of a body that is not an AWS error document.
    pub message: String,
    /// The request id AWS gives for support cases.
    pub request_id: Option<String>,
}

/// How a service's error bodies are read (Route 53: `crate::route53::xml::parse_error`).
pub(crate) type ErrorParser = fn(&str) -> AwsError;

/// How requests are signed: a fixed scheme, or AWS3-HTTPS first with a
/// fallback to SigV4 when the endpoint refuses it (`auto`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SigningMode {
    /// AWS3-HTTPS first; SigV4 when Route 53 refuses it (remembered).
    Auto,
    /// Always this scheme.
    Fixed(Scheme),
}

/// One failed attempt, as the retry policy sees it.
#[derive(Debug, Clone)]
pub(crate) struct Failure {
    /// `None` for a transport failure (no answer).
    pub status: Option<u16>,
    pub error: AwsError,
    /// The answer's `Date`, for clock resync.
    pub server_date: Option<Timestamp>,
    /// The answer's body (`request` prints it).
    pub body: String,
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (&self.error.code, self.status) {
            (Some(code), Some(status)) => {
                write!(f, "{code}: {} (HTTP {status})", self.error.message)?
            }
            (None, Some(status)) => write!(f, "HTTP {status}: {}", self.error.message)?,
            (_, None) => f.write_str(&self.error.message)?,
        }
        if let Some(id) = &self.error.request_id {
            write!(f, ", request id {id}")?;
        }
        Ok(())
    }
}

/// Why a call failed. The messages name Route 53, the service this
/// program calls (a `request` to another service says the same).
#[derive(Debug, thiserror::Error)]
pub(crate) enum CallError {
    #[error("Route 53 {op} failed: {failure}")]
    Refused {
        op: Operation,
        failure: Box<Failure>,
    },
    #[error(
        "Route 53 {op} refused both signing schemes: AWS3-HTTPS got {aws3}; SigV4 got {sigv4}. Check the credentials"
    )]
    BothSchemesRefused {
        op: Operation,
        aws3: Box<Failure>,
        sigv4: Box<Failure>,
    },
    #[error("gave up on Route 53 {op} after {attempts} attempts in {elapsed_secs}s: {last}")]
    GaveUp {
        op: Operation,
        attempts: u32,
        elapsed_secs: u64,
        last: Box<Failure>,
    },
    #[error("Route 53 {op} answered with something this program cannot read: {reason}")]
    Malformed { op: Operation, reason: String },
    #[error("Route 53 {op}: the certificate of {endpoint} is not trusted: {reason}")]
    Untrusted {
        op: Operation,
        endpoint: String,
        reason: String,
        problem: TrustProblem,
    },
    #[error(
        "Route 53 {op}: the certificate of {endpoint} was still \"not valid yet\" after {attempts} attempts in {elapsed_secs}s: {reason}"
    )]
    NotValidYet {
        op: Operation,
        endpoint: String,
        reason: String,
        attempts: u32,
        elapsed_secs: u64,
    },
    #[error(transparent)]
    Credentials(#[from] CredentialError),
    #[error(transparent)]
    Setup(#[from] SetupError),
}

impl CallError {
    /// The AWS error code behind this error, if there is one.
    pub(crate) fn code(&self) -> Option<&str> {
        match self {
            CallError::Refused { failure, .. } => failure.error.code.as_deref(),
            CallError::BothSchemesRefused { sigv4, .. } => sigv4.error.code.as_deref(),
            _ => None,
        }
    }
}

/// A successful answer.
#[derive(Debug)]
pub(crate) struct Answer {
    pub status: u16,
    pub body: String,
}

/// Counters for the summary line and metrics.
#[derive(Debug, Default)]
pub(crate) struct Counters {
    /// HTTP requests sent (retries and refused ones included).
    pub calls: AtomicU32,
    /// Backoff sleeps taken.
    pub retries: AtomicU32,
    /// Answers that said the account's request budget was spent.
    pub throttled: AtomicU32,
}

/// Where requests go and what they are signed for.
#[derive(Debug, Clone)]
pub(crate) struct Endpoint {
    pub url: reqwest::Url,
    pub region: String,
    pub service: String,
}

/// Why AWS3-HTTPS must not be used for `url`, or `None` on a direct
/// connection (an AWS endpoint over https, or a loopback endpoint) with the
/// system's CAs only. AWS3-HTTPS signs only the `Date` header: whoever reads
/// one request (a proxy, a TLS-inspecting middlebox whose CA is in
/// `ca_bundle`) can replay its headers for any Route 53 call for minutes.
/// SigV4 binds the signature to the method, path, query and body.
pub(crate) fn aws3_https_unsafe(url: &reqwest::Url, extra_ca: bool) -> Option<&'static str> {
    if http::via_proxy(url) {
        Some("Route 53 traffic goes through a proxy (HTTPS_PROXY/HTTP_PROXY/ALL_PROXY)")
    } else if extra_ca {
        Some("route53.ca_bundle trusts extra CAs (a TLS-inspecting proxy can read the requests)")
    } else if http::is_loopback_host(url) || (url.scheme() == "https" && is_aws_host(url)) {
        None
    } else {
        Some("the endpoint is not an AWS endpoint over https")
    }
}

fn is_aws_host(url: &reqwest::Url) -> bool {
    let host = url.host_str().unwrap_or_default().to_ascii_lowercase();
    host.ends_with(".amazonaws.com") || host.ends_with(".amazonaws.com.cn")
}

/// The scheme a client for `url` starts with: `signing` when fixed (with a
/// warning when AWS3-HTTPS is not safe there); for `auto`, what an earlier
/// boot `remembered`, else AWS3-HTTPS on a direct connection and SigV4 from
/// the first request otherwise (logged once, at info).
pub(crate) fn starting_scheme(
    signing: SigningMode,
    remembered: Option<Scheme>,
    url: &reqwest::Url,
    extra_ca: bool,
) -> Scheme {
    let unsafe_reason = aws3_https_unsafe(url, extra_ca);
    match (signing, unsafe_reason) {
        (SigningMode::Fixed(Scheme::Aws3Https), Some(reason)) => {
            warn!(
                "route53.signing = \"aws3-https\" although {reason}: AWS3-HTTPS signs only the Date header, so a captured request authorizes any Route 53 call for minutes; \"auto\" would sign with SigV4 here"
            );
            Scheme::Aws3Https
        }
        (SigningMode::Fixed(scheme), _) => scheme,
        (SigningMode::Auto, Some(reason)) => {
            info!(
                "signing with SigV4: {reason}, and AWS3-HTTPS signs only the Date header (a captured request would authorize any Route 53 call for minutes)"
            );
            Scheme::SigV4
        }
        (SigningMode::Auto, None) => remembered.unwrap_or(Scheme::Aws3Https),
    }
}

/// What an [`AwsClient`] is built from: plain values, no config types.
#[derive(Debug, Clone)]
pub(crate) struct ClientSettings {
    /// Where requests go and what they are signed for.
    pub endpoint: Endpoint,
    /// Fixed, or `auto` (AWS3-HTTPS with a fallback to SigV4).
    pub signing: SigningMode,
    /// Where `auto` starts (see [`starting_scheme`]).
    pub initial_scheme: Scheme,
    /// How the service's error bodies are read.
    pub parse_error: ErrorParser,
}

/// The signed client for one endpoint and one run: Route 53 (through
/// `crate::route53::Route53`), or any AWS API signed with SigV4
/// (`ec2-dns-updater request --service ec2`).
#[derive(Debug)]
pub(crate) struct AwsClient {
    http: TlsClient,
    /// The endpoint without a trailing slash.
    base: String,
    /// The endpoint's path without a trailing slash (`/prefix`, or empty):
    /// requests go to `prefix + path`, and that full path is what is signed,
    /// as the AWS SDKs do with an endpoint URL that has a path.
    path_prefix: String,
    host_header: String,
    region: String,
    service: String,
    mode: SigningMode,
    scheme: Mutex<Scheme>,
    switched_to_sigv4: AtomicBool,
    clock: Clock,
    skew_logged: AtomicBool,
    credentials: CredentialSource,
    parse_error: ErrorParser,
    /// Slows every request down once the account throttles this client.
    pacer: Pacer,
    pub counters: Counters,
}

impl AwsClient {
    /// `settings.initial_scheme` is where `auto` starts (AWS3-HTTPS, or SigV4
    /// when a previous boot learnt that AWS3-HTTPS is refused).
    pub(crate) fn new(
        http: TlsClient,
        settings: ClientSettings,
        credentials: CredentialSource,
    ) -> Self {
        let ClientSettings {
            endpoint,
            signing: mode,
            initial_scheme,
            parse_error,
        } = settings;
        let url = &endpoint.url;
        let host = url.host_str().unwrap_or_default();
        let host_header = match url.port() {
            Some(port) => format!("{host}:{port}"),
            None => host.to_owned(),
        };
        let scheme = match mode {
            SigningMode::Fixed(s) => s,
            SigningMode::Auto => initial_scheme,
        };
        AwsClient {
            http,
            base: url.as_str().trim_end_matches('/').to_owned(),
            path_prefix: url.path().trim_end_matches('/').to_owned(),
            host_header,
            region: endpoint.region,
            service: endpoint.service,
            mode,
            scheme: Mutex::new(scheme),
            switched_to_sigv4: AtomicBool::new(false),
            clock: Clock::new(),
            skew_logged: AtomicBool::new(false),
            credentials,
            parse_error,
            pacer: Pacer::default(),
            counters: Counters::default(),
        }
    }

    /// The scheme requests are signed with now.
    pub(crate) fn scheme(&self) -> Scheme {
        *self.scheme.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// True when `auto` moved to SigV4 during this run and SigV4 then worked.
    pub(crate) fn switched_to_sigv4(&self) -> bool {
        self.switched_to_sigv4.load(Ordering::Relaxed)
    }

    pub(crate) fn calls(&self) -> u32 {
        self.counters.calls.load(Ordering::Relaxed)
    }

    pub(crate) fn retries(&self) -> u32 {
        self.counters.retries.load(Ordering::Relaxed)
    }

    pub(crate) fn throttled(&self) -> u32 {
        self.counters.throttled.load(Ordering::Relaxed)
    }

    /// True when the account throttled this client recently (`pacer.rs`).
    pub(crate) fn congested(&self) -> bool {
        self.pacer.congested(tokio::time::Instant::now())
    }

    /// Sends a signed request, applying the retry policy.
    /// `path_and_query` starts with `/`.
    pub(crate) async fn send(
        &self,
        op: Operation,
        method: Method,
        path_and_query: &str,
        body: Option<&str>,
        deadline: Deadline,
    ) -> Result<Answer, CallError> {
        let started = tokio::time::Instant::now();
        let mut backoff = Backoff::new(ROUTE53_BACKOFF);
        let mut attempts = 0;
        let mut resynced = false;
        let mut refreshed = false;
        let mut refused_aws3: Option<Failure> = None;
        // Retries taken for a refusal that may settle after an IAM change.
        let mut iam_waits = 0;
        // Built while the run read IMDS; ready by now, or soon.
        let http = self.http.get().await?;
        loop {
            // Once throttled, every request of the run waits its turn.
            let pace = self.pacer.delay(tokio::time::Instant::now());
            if !pace.is_zero() {
                debug!(%op, wait_ms = pace.as_millis() as u64, "pacing after throttling");
                deadline.sleep(pace).await;
            }
            let credentials = self.credentials.get(deadline, self.clock.now()).await?;
            let scheme = self.scheme();
            attempts += 1;
            // `not_valid_yet`: this attempt met a certificate that starts in the future.
            let (failure, not_valid_yet) = match self
                .send_once(
                    &Call {
                        http,
                        op,
                        method: &method,
                        path_and_query,
                        body,
                    },
                    scheme,
                    &credentials,
                    deadline,
                )
                .await
            {
                Ok(answer) => {
                    self.pacer.succeeded(tokio::time::Instant::now());
                    if refused_aws3.is_some() {
                        self.switched_to_sigv4.store(true, Ordering::Relaxed);
                    }
                    return Ok(answer);
                }
                Err(Attempt::Malformed(reason)) => {
                    return Err(CallError::Malformed { op, reason });
                }
                Err(Attempt::Untrusted(reason, problem)) => {
                    return Err(CallError::Untrusted {
                        op,
                        endpoint: self.base.clone(),
                        reason,
                        problem,
                    });
                }
                Err(Attempt::NotValidYet(f)) => (f, true),
                Err(Attempt::Failed(f)) => (f, false),
            };
            let action = retry::route53_action(
                failure.status,
                failure.error.code.as_deref(),
                &failure.error.message,
            );
            debug!(%op, ?action, failure = %failure, "Route 53 call failed");
            match action {
                Action::SlowDown | Action::Backoff => {
                    let (delay, what) = if action == Action::SlowDown {
                        self.counters.throttled.fetch_add(1, Ordering::Relaxed);
                        let delay = self.pacer.throttled(tokio::time::Instant::now());
                        (delay, "Route 53 throttled the account; slowing down")
                    } else {
                        (backoff.next_delay(), "Route 53 call failed, retrying")
                    };
                    if deadline.expired() {
                        return Err(self.gave_up(op, attempts, started, failure, not_valid_yet));
                    }
                    self.counters.retries.fetch_add(1, Ordering::Relaxed);
                    warn!(
                        %op,
                        attempt = attempts,
                        sleep_ms = delay.as_millis() as u64,
                        error = %failure,
                        "{what}"
                    );
                    if !deadline.sleep(delay).await {
                        return Err(self.gave_up(op, attempts, started, failure, not_valid_yet));
                    }
                }
                Action::ResyncClock if !resynced && failure.server_date.is_some() => {
                    resynced = true;
                    let server = failure.server_date.expect("checked above");
                    let offset = self.clock.resync(server);
                    if !self.skew_logged.swap(true, Ordering::Relaxed) {
                        warn!(
                            offset_secs = offset,
                            server_time = %server,
                            "the system clock is {} s {} Route 53's; signing with Route 53's time for the rest of this run",
                            offset.unsigned_abs(),
                            if offset > 0 { "behind" } else { "ahead of" }
                        );
                    }
                }
                Action::RefreshCredentials if !refreshed => {
                    refreshed = true;
                    warn!(%op, "Route 53 says the credentials expired; fetching fresh ones");
                    self.credentials.invalidate().await;
                }
                Action::SchemeRefused
                    if scheme == Scheme::Aws3Https
                        && self.mode == SigningMode::Auto
                        && refused_aws3.is_none() =>
                {
                    warn!(
                        %op,
                        error = %failure,
                        "Route 53 refused AWS3-HTTPS; re-sending with SigV4 and keeping SigV4 (set route53.signing = \"sigv4\" to skip the first attempt)"
                    );
                    *self.scheme.lock().unwrap_or_else(|p| p.into_inner()) = Scheme::SigV4;
                    refused_aws3 = Some(failure);
                }
                Action::SettleIam | Action::SchemeRefused
                    if retry::settles_after_iam_change(failure.error.code.as_deref())
                        && iam_waits < IAM_SETTLE_DELAYS.len()
                        && deadline.remaining() > IAM_SETTLE_DELAYS[iam_waits] =>
                {
                    let most = IAM_SETTLE_DELAYS[iam_waits].as_millis() as u64;
                    let delay = Duration::from_millis(fastrand::u64(most / 2..=most));
                    iam_waits += 1;
                    self.counters.retries.fetch_add(1, Ordering::Relaxed);
                    warn!(
                        %op,
                        attempt = attempts,
                        sleep_ms = delay.as_millis() as u64,
                        error = %failure,
                        "Route 53 refused the credentials; IAM changes take a few seconds to propagate, retrying ({iam_waits} of {})",
                        IAM_SETTLE_DELAYS.len()
                    );
                    deadline.sleep(delay).await;
                }
                _ => {
                    return Err(match refused_aws3 {
                        Some(aws3) if action == Action::SchemeRefused => {
                            CallError::BothSchemesRefused {
                                op,
                                aws3: Box::new(aws3),
                                sigv4: Box::new(failure),
                            }
                        }
                        _ => CallError::Refused {
                            op,
                            failure: Box::new(failure),
                        },
                    });
                }
            }
        }
    }

    fn gave_up(
        &self,
        op: Operation,
        attempts: u32,
        started: tokio::time::Instant,
        last: Failure,
        not_valid_yet: bool,
    ) -> CallError {
        if not_valid_yet {
            return CallError::NotValidYet {
                op,
                endpoint: self.base.clone(),
                reason: last.error.message,
                attempts,
                elapsed_secs: started.elapsed().as_secs(),
            };
        }
        CallError::GaveUp {
            op,
            attempts,
            elapsed_secs: started.elapsed().as_secs(),
            last: Box::new(last),
        }
    }

    /// One attempt of `call`, signed with `scheme`.
    async fn send_once(
        &self,
        call: &Call<'_>,
        scheme: Scheme,
        credentials: &Credentials,
        deadline: Deadline,
    ) -> Result<Answer, Attempt> {
        let &Call {
            http,
            op,
            method,
            path_and_query,
            body,
        } = call;
        let (path, query) = path_and_query
            .split_once('?')
            .unwrap_or((path_and_query, ""));
        let content_type: &[(&str, &str)] = match body {
            Some(_) if self.service == "route53" => &[("Content-Type", "text/xml")],
            // Query APIs (EC2, STS) take a form body.
            Some(_) => &[(
                "Content-Type",
                "application/x-www-form-urlencoded; charset=utf-8",
            )],
            None => &[],
        };
        let payload = body.unwrap_or("").as_bytes();
        let full_path = format!("{}{path}", self.path_prefix);
        let signable = SignableRequest {
            method: method.as_str(),
            host: &self.host_header,
            path: &full_path,
            query,
            headers: content_type,
            body: payload,
        };
        let added = sign::sign(
            scheme,
            &signable,
            credentials,
            self.clock.now(),
            &self.region,
            &self.service,
        );

        let timeout = deadline.cap(ROUTE53_REQUEST_TIMEOUT);
        let mut request = http
            .request(method.clone(), format!("{}{}", self.base, path_and_query))
            .timeout(timeout);
        for (name, value) in content_type {
            request = request.header(*name, *value);
        }
        for header in &added {
            request = if header.sensitive {
                let value = http::sensitive_header(&header.value).map_err(|_| {
                    Attempt::Malformed(
                        "a credential holds characters not allowed in a header".into(),
                    )
                })?;
                request.header(header.name, value)
            } else {
                request.header(header.name, &header.value)
            };
        }
        if let Some(b) = body {
            request = request.body(b.to_owned());
        }

        self.counters.calls.fetch_add(1, Ordering::Relaxed);
        debug!(%op, scheme = scheme.name(), "sending");
        let response = match request.send().await {
            Ok(r) => r,
            Err(e) => {
                return Err(match certificate_problem(&e) {
                    Some(CertificateProblem::Untrusted(reason, problem)) => {
                        Attempt::Untrusted(reason, problem)
                    }
                    Some(CertificateProblem::NotValidYet(reason)) => {
                        Attempt::NotValidYet(Failure {
                            status: None,
                            error: AwsError {
                                message: format!(
                                    "the certificate is not valid yet ({reason}): the system clock may be behind"
                                ),
                                ..AwsError::default()
                            },
                            server_date: None,
                            body: String::new(),
                        })
                    }
                    None => Attempt::Failed(transport_failure(&e)),
                });
            }
        };
        let status = response.status().as_u16();
        let server_date = response
            .headers()
            .get(reqwest::header::DATE)
            .and_then(|v| v.to_str().ok())
            .and_then(Timestamp::parse_http_date);
        let bytes = match http::read_body(response, ROUTE53_BODY_CAP).await {
            Ok(b) => b,
            Err(e @ BodyError::TooLarge { .. }) => return Err(Attempt::Malformed(e.to_string())),
            Err(BodyError::Transport(message)) => {
                return Err(Attempt::Failed(Failure {
                    status: None,
                    error: AwsError {
                        message,
                        ..AwsError::default()
                    },
                    server_date,
                    body: String::new(),
                }));
            }
        };
        let text = String::from_utf8_lossy(&bytes).into_owned();
        if (200..300).contains(&status) {
            return Ok(Answer { status, body: text });
        }
        Err(Attempt::Failed(Failure {
            status: Some(status),
            error: (self.parse_error)(&text),
            server_date,
            body: text,
        }))
    }
}

/// One request as the caller described it.
struct Call<'a> {
    http: &'a Client,
    op: Operation,
    method: &'a Method,
    /// Starts with `/`.
    path_and_query: &'a str,
    body: Option<&'a str>,
}

enum Attempt {
    Failed(Failure),
    Malformed(String),
    /// The endpoint's certificate is not trusted: retrying cannot help.
    Untrusted(String, TrustProblem),
    /// The endpoint's certificate starts in the future by this system's
    /// clock: retried, the clock may be stepped forward by time sync.
    NotValidYet(Failure),
}

/// Why a certificate was refused (for the hint).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum TrustProblem {
    /// Unknown issuer, bad signature, wrong name or purpose, revoked, no
    /// certificate: a TLS-inspecting proxy or a private endpoint whose CA is
    /// not in `route53.ca_bundle` (or a wrong endpoint).
    Untrusted,
    /// Expired by this system's clock. Not retried: a real AWS endpoint's
    /// certificate is renewed long before it expires, so either a proxy or
    /// private endpoint serves an expired one, or the clock is months ahead,
    /// which time sync at boot does not cause and a retry would not fix.
    Expired,
}

/// What the TLS layer said about the endpoint's certificate.
#[derive(Debug, PartialEq, Eq)]
enum CertificateProblem {
    Untrusted(String, TrustProblem),
    /// Not valid yet: the clock is behind (before time sync), a temporary state.
    NotValidYet(String),
}

/// The certificate problem behind a failed request, from anywhere in the
/// error chain. rustls errors travel inside `std::io::Error`s, and without a
/// proxy hyper-rustls wraps that one in another; `io::Error::source()` skips
/// the error it wraps (it returns that error's own source), so each
/// `io::Error` is opened with `get_ref()` instead.
fn certificate_problem(e: &(dyn std::error::Error + 'static)) -> Option<CertificateProblem> {
    use rustls::CertificateError as C;
    let mut current: Option<&(dyn std::error::Error + 'static)> = Some(e);
    while let Some(err) = current {
        if let Some(tls) = err.downcast_ref::<rustls::Error>() {
            let reason = tls.to_string();
            return match tls {
                rustls::Error::InvalidCertificate(
                    C::NotValidYet | C::NotValidYetContext { .. },
                ) => Some(CertificateProblem::NotValidYet(reason)),
                rustls::Error::InvalidCertificate(C::Expired | C::ExpiredContext { .. }) => {
                    Some(CertificateProblem::Untrusted(reason, TrustProblem::Expired))
                }
                rustls::Error::InvalidCertificate(_) | rustls::Error::NoCertificatesPresented => {
                    Some(CertificateProblem::Untrusted(
                        reason,
                        TrustProblem::Untrusted,
                    ))
                }
                // Alerts, protocol errors: a transport failure like any other.
                _ => None,
            };
        }
        current = match err
            .downcast_ref::<std::io::Error>()
            .and_then(|io| io.get_ref())
        {
            Some(inner) => Some(inner as &(dyn std::error::Error + 'static)),
            None => err.source(),
        };
    }
    None
}

fn transport_failure(e: &reqwest::Error) -> Failure {
    let kind = if e.is_timeout() {
        "timed out"
    } else if e.is_connect() {
        "could not connect"
    } else {
        "transport error"
    };
    Failure {
        status: None,
        error: AwsError {
            code: None,
            message: format!("{kind}: {}", http::error_chain(e)),
            request_id: None,
        },
        server_date: None,
        body: String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rustls::CertificateError;
    use std::io;

    /// hyper-rustls wraps the handshake's `io::Error` (which holds the rustls
    /// error) in another `io::Error`; a wrapper error sits above both.
    #[derive(Debug, thiserror::Error)]
    #[error("client error (Connect)")]
    struct Connect(#[source] Box<dyn std::error::Error + Send + Sync>);

    fn nested(tls: rustls::Error) -> Connect {
        let handshake = io::Error::new(io::ErrorKind::InvalidData, tls);
        Connect(Box::new(io::Error::other(handshake)))
    }

    #[test]
    fn finds_the_certificate_error_inside_nested_io_errors() {
        let unknown = nested(rustls::Error::InvalidCertificate(
            CertificateError::UnknownIssuer,
        ));
        assert!(matches!(
            certificate_problem(&unknown),
            Some(CertificateProblem::Untrusted(_, TrustProblem::Untrusted))
        ));
        for e in [
            CertificateError::BadSignature,
            CertificateError::NotValidForName,
        ] {
            assert!(matches!(
                certificate_problem(&nested(rustls::Error::InvalidCertificate(e))),
                Some(CertificateProblem::Untrusted(_, TrustProblem::Untrusted))
            ));
        }
        assert!(matches!(
            certificate_problem(&nested(rustls::Error::InvalidCertificate(
                CertificateError::Expired
            ))),
            Some(CertificateProblem::Untrusted(_, TrustProblem::Expired))
        ));
        assert!(matches!(
            certificate_problem(&nested(rustls::Error::InvalidCertificate(
                CertificateError::NotValidYet
            ))),
            Some(CertificateProblem::NotValidYet(_))
        ));
        // Other TLS failures and plain I/O errors are transport errors.
        assert_eq!(
            certificate_problem(&nested(rustls::Error::HandshakeNotComplete)),
            None
        );
        let refused = Connect(Box::new(io::Error::from(io::ErrorKind::ConnectionRefused)));
        assert_eq!(certificate_problem(&refused), None);
    }
}
