//! [`Sim`]: both services running, and the handle to inspect and steer them.

use crate::config::SimConfig;
use crate::faults::Fault;
use crate::log::{RequestLog, Stats, lock};
use crate::record::RecordSet;
use crate::server::{self, Handler, Listener};
use crate::state::State;
use crate::tls;
use aws_sign::Credentials;
use std::io;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

/// A running simulator. Dropping it stops the listeners (without waiting);
/// [`Sim::shutdown`] stops them and waits.
pub struct Sim {
    state: Arc<State>,
    imds_addr: SocketAddr,
    route53_addr: SocketAddr,
    ca_pem: Option<String>,
    cancel: CancellationToken,
    tracker: TaskTracker,
}

impl std::fmt::Debug for Sim {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Sim")
            .field("imds", &self.imds_addr)
            .field("route53", &self.route53_addr)
            .field("tls", &self.ca_pem.is_some())
            .finish_non_exhaustive()
    }
}

/// The loopback form of an unspecified address, for URLs.
fn reachable(addr: SocketAddr) -> SocketAddr {
    match addr.ip() {
        IpAddr::V4(ip) if ip.is_unspecified() => {
            SocketAddr::new(Ipv4Addr::LOCALHOST.into(), addr.port())
        }
        IpAddr::V6(ip) if ip.is_unspecified() => {
            SocketAddr::new(Ipv6Addr::LOCALHOST.into(), addr.port())
        }
        _ => addr,
    }
}

impl Sim {
    /// Starts both services on `127.0.0.1`, on ports the system picks.
    pub async fn start(config: SimConfig) -> io::Result<Sim> {
        let loopback = SocketAddr::new(Ipv4Addr::LOCALHOST.into(), 0);
        Self::start_on(config, loopback, loopback).await
    }

    /// Starts IMDS on `imds` and Route 53 on `route53` (port 0 = any).
    /// Fails on an invalid configuration (`InvalidInput`) or a bind error.
    pub async fn start_on(
        config: SimConfig,
        imds: SocketAddr,
        route53: SocketAddr,
    ) -> io::Result<Sim> {
        config
            .validate()
            .map_err(|e| io::Error::new(io::ErrorKind::InvalidInput, e))?;
        let imds_bound = server::bind(imds)?;
        let route53_bound = server::bind(route53)?;
        let imds_addr = imds_bound.addr;
        let route53_addr = route53_bound.addr;
        let tls = match &config.route53.tls {
            Some(t) => Some(
                tls::generate(&t.names, t.leaf_years, route53_addr.ip())
                    .map_err(io::Error::other)?,
            ),
            None => None,
        };
        let refuse_for = config.imds.refuse_connections_for;
        let state = Arc::new(State::new(config));
        let cancel = CancellationToken::new();
        let tracker = TaskTracker::new();
        server::spawn(
            Listener {
                bound: imds_bound,
                listen_after: refuse_for,
                tls: None,
                handler: Handler::Imds,
            },
            state.clone(),
            cancel.clone(),
            tracker.clone(),
        )?;
        let (ca_pem, acceptor) = match tls {
            Some(m) => (Some(m.ca_pem), Some(m.acceptor)),
            None => (None, None),
        };
        server::spawn(
            Listener {
                bound: route53_bound,
                listen_after: Duration::ZERO,
                tls: acceptor,
                handler: Handler::Route53,
            },
            state.clone(),
            cancel.clone(),
            tracker.clone(),
        )?;
        let sim = Sim {
            state,
            imds_addr,
            route53_addr,
            ca_pem,
            cancel,
            tracker,
        };
        tracing::info!(imds = %sim.imds_url(), route53 = %sim.route53_url(), "simulator started");
        Ok(sim)
    }

    /// `http://127.0.0.1:PORT`.
    pub fn imds_url(&self) -> String {
        format!("http://{}", reachable(self.imds_addr))
    }

    /// The base URL of fleet instance `n`: `http://127.0.0.1:PORT/i/<n>`.
    pub fn fleet_imds_url(&self, n: u32) -> String {
        format!("{}/i/{n}", self.imds_url())
    }

    /// `http://127.0.0.1:PORT`, or `https://` when TLS is on.
    pub fn route53_url(&self) -> String {
        let scheme = if self.ca_pem.is_some() {
            "https"
        } else {
            "http"
        };
        format!("{scheme}://{}", reachable(self.route53_addr))
    }

    pub fn imds_addr(&self) -> SocketAddr {
        self.imds_addr
    }

    pub fn route53_addr(&self) -> SocketAddr {
        self.route53_addr
    }

    /// The CA certificate (PEM) that signed the Route 53 certificate, when
    /// TLS is on.
    pub fn ca_pem(&self) -> Option<String> {
        self.ca_pem.clone()
    }

    /// The first static key pair Route 53 accepts.
    pub fn static_credentials(&self) -> Option<Credentials> {
        self.state.config.route53.static_keys.first().cloned()
    }

    /// The record set at `name` (any case, trailing dot optional) and `rtype`.
    pub fn record(&self, zone_id: &str, name: &str, rtype: &str) -> Option<RecordSet> {
        lock(&self.state.route53.store)
            .zones
            .get(zone_id)?
            .get(name, rtype)
            .cloned()
    }

    /// Every record set of a zone, in Route 53's listing order (empty for an
    /// unknown zone).
    pub fn records(&self, zone_id: &str) -> Vec<RecordSet> {
        lock(&self.state.route53.store)
            .zones
            .get(zone_id)
            .map(|z| z.records())
            .unwrap_or_default()
    }

    /// Adds or replaces a record set without validation, as another actor
    /// would. Ignored (with a warning) for an unknown zone.
    pub fn put_record(&self, zone_id: &str, set: RecordSet) {
        if !self.state.put_record(zone_id, set) {
            tracing::warn!(zone = zone_id, "put_record: no such zone");
        }
    }

    /// Every request received by either service, in order (up to
    /// `request_log_limit`; control-API calls excluded).
    pub fn requests(&self) -> Vec<RequestLog> {
        self.state.recorder.requests()
    }

    /// Sets a metadata path of the main instance (`public-hostname`, or
    /// `/latest/meta-data/public-hostname`), or removes it (`None` → 404).
    pub fn set_metadata(&self, path: &str, value: Option<&str>) {
        self.state.set_metadata(path, value);
    }

    /// The role credentials IMDS hands out now (rotating them when due);
    /// `None` without a role or when the role is configured to fail.
    pub fn role_credentials(&self) -> Option<Credentials> {
        self.state
            .imds
            .role
            .current(&self.state.keys, self.state.clock.now())
    }

    /// Every IMDSv2 session token issued (and not yet swept after expiry).
    /// Secrets: for tests that check a client never logs them.
    pub fn imds_tokens(&self) -> Vec<String> {
        self.state.imds.tokens.all()
    }

    /// The signatures Route 53 requests presented (the newest 10,000).
    /// Secrets: for tests that check a client never logs them.
    pub fn signatures(&self) -> Vec<String> {
        lock(&self.state.route53.signatures)
            .iter()
            .cloned()
            .collect()
    }

    /// Queues a fault.
    pub fn inject(&self, fault: Fault) {
        self.state.faults.push(fault);
    }

    /// Faults still queued.
    pub fn pending_faults(&self) -> Vec<Fault> {
        self.state.faults.pending()
    }

    /// Simulated clock = real clock + `secs`.
    pub fn set_clock_skew(&self, secs: i64) {
        self.state.clock.set_skew(secs);
    }

    pub fn stats(&self) -> Stats {
        self.state.recorder.stats()
    }

    /// Stops both listeners and every connection, and waits for them.
    pub async fn shutdown(self) {
        self.cancel.cancel();
        self.tracker.close();
        self.tracker.wait().await;
        tracing::info!("simulator stopped");
    }
}

impl Drop for Sim {
    fn drop(&mut self) {
        self.cancel.cancel();
    }
}
