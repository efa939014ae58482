//! The two HTTP clients, built in one place, and bounded body reads.
//!
//! - Route 53: HTTPS through `HTTPS_PROXY`/`NO_PROXY` like the AWS CLI (the
//!   environment variables, upper or lower case), extra CAs from
//!   `route53.ca_bundle`, rustls with the ring provider (no OpenSSL); one
//!   per run ([`TlsClient`]), built while IMDS is read.
//! - IMDS: plain HTTP, never through a proxy (a proxy cannot reach the
//!   instance's link-local metadata service, and IMDS refuses forwarded PUTs).

use reqwest::{Certificate, Client, Response};
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::Duration;

pub(crate) const USER_AGENT: &str = concat!("ec2-dns-updater/", env!("CARGO_PKG_VERSION"));

pub(crate) const ROUTE53_CONNECT_TIMEOUT: Duration = Duration::from_secs(5);
/// One Route 53 call, connection included; a hung call is retried.
pub(crate) const ROUTE53_REQUEST_TIMEOUT: Duration = Duration::from_secs(15);
/// Route 53 answers are a few KiB; anything over this is refused.
pub(crate) const ROUTE53_BODY_CAP: usize = 1 << 20;

/// IMDS is on the instance's own hypervisor: anything slower is not coming.
pub(crate) const IMDS_CONNECT_TIMEOUT: Duration = Duration::from_secs(1);
pub(crate) const IMDS_REQUEST_TIMEOUT: Duration = Duration::from_secs(2);
/// Metadata items and the credentials document are well under this.
pub(crate) const IMDS_BODY_CAP: usize = 64 << 10;

#[derive(Debug, thiserror::Error)]
pub(crate) enum SetupError {
    #[error("cannot read route53.ca_bundle {path}: {source}")]
    CaBundleRead {
        path: String,
        source: std::io::Error,
    },
    #[error("route53.ca_bundle {path} holds no usable PEM certificate: {message}")]
    CaBundleInvalid { path: String, message: String },
    #[error("cannot set up the HTTP client: {0}")]
    Client(String),
}

#[derive(Debug, thiserror::Error)]
pub(crate) enum BodyError {
    #[error("the response is larger than {cap} bytes")]
    TooLarge { cap: usize },
    #[error("the response broke off: {0}")]
    Transport(String),
}

fn install_crypto_provider() {
    // Fails only when a provider is already installed, which is fine.
    let _ = rustls::crypto::ring::default_provider().install_default();
}

/// Where distributions keep the one file that holds every trusted CA,
/// locally added ones included (`update-ca-certificates`, `update-ca-trust`
/// regenerate it): Debian and Ubuntu, Amazon Linux / RHEL / Fedora, SUSE,
/// Alpine.
const SYSTEM_CA_BUNDLES: [&str; 4] = [
    "/etc/ssl/certs/ca-certificates.crt",
    "/etc/pki/tls/certs/ca-bundle.crt",
    "/etc/ssl/ca-bundle.pem",
    "/etc/ssl/cert.pem",
];

/// The system's trusted CAs from its one bundle file (`SSL_CERT_FILE` when
/// set), so a run reads one file instead of every file of `/etc/ssl/certs`
/// as well (~290 on Debian; a few milliseconds of a ten-millisecond run).
/// `None` (the platform's own loading) when `SSL_CERT_DIR` alone is set, or
/// no bundle is found or readable.
fn system_bundle() -> Option<Vec<Certificate>> {
    let file = match (
        std::env::var_os("SSL_CERT_FILE"),
        std::env::var_os("SSL_CERT_DIR"),
    ) {
        (Some(file), _) => std::path::PathBuf::from(file),
        (None, Some(_)) => return None,
        (None, None) => SYSTEM_CA_BUNDLES
            .iter()
            .map(Path::new)
            .find(|p| p.is_file())?
            .to_owned(),
    };
    let pem = std::fs::read(file).ok()?;
    let certs = Certificate::from_pem_bundle(&pem).ok()?;
    (!certs.is_empty()).then_some(certs)
}

/// `route53.ca_bundle`'s certificates: read and checked before any call.
fn read_ca_bundle(path: &Path) -> Result<Vec<Certificate>, SetupError> {
    let shown = path.display().to_string();
    let pem = std::fs::read(path).map_err(|source| SetupError::CaBundleRead {
        path: shown.clone(),
        source,
    })?;
    let certs = Certificate::from_pem_bundle(&pem).map_err(|e| SetupError::CaBundleInvalid {
        path: shown.clone(),
        message: e.to_string(),
    })?;
    if certs.is_empty() {
        return Err(SetupError::CaBundleInvalid {
            path: shown,
            message: "no certificate found".into(),
        });
    }
    Ok(certs)
}

/// The slow part: the system's trust roots and rustls's configuration.
fn build_route53_client(extra: Option<Vec<Certificate>>) -> Result<Client, SetupError> {
    install_crypto_provider();
    let mut builder = Client::builder()
        .user_agent(USER_AGENT)
        .connect_timeout(ROUTE53_CONNECT_TIMEOUT)
        .timeout(ROUTE53_REQUEST_TIMEOUT)
        .redirect(reqwest::redirect::Policy::none())
        .pool_idle_timeout(Duration::from_secs(30));
    if let Some(certs) = extra {
        builder = builder.tls_certs_merge(certs);
    }
    if let Some(system) = system_bundle() {
        builder = builder.tls_certs_only(system);
    }
    builder
        .build()
        .map_err(|e| SetupError::Client(error_chain(&e)))
}

/// The HTTPS client every signed client of a run shares (Route 53, STS,
/// EC2). Building its TLS state (the trust roots, rustls's configuration)
/// takes a few milliseconds of a run that takes ten, so [`TlsClient::start`]
/// builds it on a blocking thread while the run reads IMDS; the first AWS
/// request waits for it only if it is not done yet. Clones share one client
/// and one connection pool.
#[derive(Debug, Clone)]
pub(crate) struct TlsClient(Arc<TlsState>);

#[derive(Debug)]
struct TlsState {
    building: Mutex<Option<tokio::task::JoinHandle<Result<Client, SetupError>>>>,
    client: tokio::sync::OnceCell<Client>,
}

impl TlsClient {
    /// Reads and checks `ca_bundle` now (a bad one is a config error before
    /// any call), and starts building the rest in the background (or builds
    /// it here, outside a Tokio runtime).
    pub(crate) fn start(ca_bundle: Option<&Path>) -> Result<Self, SetupError> {
        let extra = ca_bundle.map(read_ca_bundle).transpose()?;
        if tokio::runtime::Handle::try_current().is_err() {
            return Ok(TlsClient::built(build_route53_client(extra)?));
        }
        let task = tokio::task::spawn_blocking(move || build_route53_client(extra));
        Ok(TlsClient(Arc::new(TlsState {
            building: Mutex::new(Some(task)),
            client: tokio::sync::OnceCell::new(),
        })))
    }

    /// A client built already.
    pub(crate) fn built(client: Client) -> Self {
        TlsClient(Arc::new(TlsState {
            building: Mutex::new(None),
            client: tokio::sync::OnceCell::new_with(Some(client)),
        }))
    }

    /// The client, once built.
    pub(crate) async fn get(&self) -> Result<&Client, SetupError> {
        self.0
            .client
            .get_or_try_init(|| async {
                let task = self
                    .0
                    .building
                    .lock()
                    .unwrap_or_else(|p| p.into_inner())
                    .take();
                match task {
                    Some(task) => task
                        .await
                        .map_err(|e| SetupError::Client(format!("the TLS setup stopped: {e}")))?,
                    // An earlier attempt took the task and failed (its caller
                    // got the error and the run is ending).
                    None => Err(SetupError::Client("the TLS setup failed".into())),
                }
            })
            .await
    }
}

/// The client for IMDS calls: no proxy, short timeouts, and no trust roots:
/// IMDS is plain HTTP, and loading the system's CA files costs a few
/// milliseconds of a run that takes ten.
pub(crate) fn imds_client() -> Result<Client, SetupError> {
    install_crypto_provider();
    Client::builder()
        .user_agent(USER_AGENT)
        .no_proxy()
        .tls_certs_only([])
        .connect_timeout(IMDS_CONNECT_TIMEOUT)
        .timeout(IMDS_REQUEST_TIMEOUT)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .map_err(|e| SetupError::Client(error_chain(&e)))
}

/// Reads a response body, refusing more than `cap` bytes.
pub(crate) async fn read_body(mut response: Response, cap: usize) -> Result<Vec<u8>, BodyError> {
    if response
        .content_length()
        .is_some_and(|len| len > cap as u64)
    {
        return Err(BodyError::TooLarge { cap });
    }
    let mut body = Vec::new();
    while let Some(chunk) = response
        .chunk()
        .await
        .map_err(|e| BodyError::Transport(error_chain(&e)))?
    {
        if body.len() + chunk.len() > cap {
            return Err(BodyError::TooLarge { cap });
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

/// A transport error as one line: what failed and the innermost cause
/// ("connection refused", "operation timed out"), without the request URL's
/// noise repeated.
pub(crate) fn error_chain(err: &(dyn std::error::Error + 'static)) -> String {
    let mut parts: Vec<String> = Vec::new();
    let mut current: Option<&(dyn std::error::Error + 'static)> = Some(err);
    while let Some(e) = current {
        let text = e.to_string();
        if !parts.iter().any(|p| p.contains(&text)) {
            parts.push(text);
        }
        current = e.source();
    }
    parts.join(": ")
}

/// True when requests to `url` go through a proxy: `HTTPS_PROXY`/`HTTP_PROXY`/
/// `ALL_PROXY` (upper or lower case) apply to its scheme and `NO_PROXY` does not
/// exempt its host. The same matcher, read the same way, as the Route 53
/// client's (reqwest's system proxy), so the answer is what the client does.
pub(crate) fn via_proxy(url: &reqwest::Url) -> bool {
    let Ok(uri) = url.as_str().parse::<http::Uri>() else {
        return false;
    };
    hyper_util::client::proxy::matcher::Matcher::from_system()
        .intercept(&uri)
        .is_some()
}

/// `localhost`, `127.0.0.0/8` or `::1`: the only hosts plain http may carry
/// signed requests to (tests, the simulator).
pub(crate) fn is_loopback_host(url: &reqwest::Url) -> bool {
    match url.host() {
        Some(url::Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        None => false,
    }
}

/// Marks a header value as sensitive so reqwest and hyper never print it.
pub(crate) fn sensitive_header(
    value: &str,
) -> Result<reqwest::header::HeaderValue, reqwest::header::InvalidHeaderValue> {
    let mut v = reqwest::header::HeaderValue::from_str(value)?;
    v.set_sensitive(true);
    Ok(v)
}
