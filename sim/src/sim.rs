//! [`Sim`]: both services running, and the handle to inspect and steer them.

use crate::config::{InstanceState, IpStack, SimConfig, SpotAction};
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
    /// The second, IPv6, listeners of [`IpStack::Dual`].
    imds_v6: Option<SocketAddr>,
    route53_v6: Option<SocketAddr>,
    ca_pem: Option<String>,
    cancel: CancellationToken,
    tracker: TaskTracker,
}

impl std::fmt::Debug for Sim {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Sim")
            .field("imds", &self.imds_addr)
            .field("route53", &self.route53_addr)
            .field("imds_v6", &self.imds_v6)
            .field("route53_v6", &self.route53_v6)
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
    /// Starts both services on loopback, on ports the system picks:
    /// `127.0.0.1`, `[::1]` or both, as [`ImdsConfig::stack`] and
    /// [`Route53Config::stack`] say (default `127.0.0.1` only).
    ///
    /// [`ImdsConfig::stack`]: crate::config::ImdsConfig::stack
    /// [`Route53Config::stack`]: crate::config::Route53Config::stack
    pub async fn start(config: SimConfig) -> io::Result<Sim> {
        let primary = |stack: IpStack| {
            let ip: IpAddr = match stack {
                IpStack::Ipv6 => Ipv6Addr::LOCALHOST.into(),
                IpStack::Ipv4 | IpStack::Dual => Ipv4Addr::LOCALHOST.into(),
            };
            SocketAddr::new(ip, 0)
        };
        let imds = primary(config.imds.stack);
        let route53 = primary(config.route53.stack);
        Self::start_on(config, imds, route53).await
    }

    /// Starts IMDS on `imds` and Route 53 (with STS, EC2 and the control
    /// API) on `route53` (port 0 = any). A service whose `stack` is
    /// [`IpStack::Dual`] also listens on `[::1]:0`.
    /// Fails on an invalid configuration (`InvalidInput`) or a bind error.
    pub async fn start_on(
        config: SimConfig,
        imds: SocketAddr,
        route53: SocketAddr,
    ) -> io::Result<Sim> {
        config
            .validate()
            .map_err(|e| io::Error::new(io::ErrorKind::InvalidInput, e))?;
        let v6_any = SocketAddr::new(Ipv6Addr::LOCALHOST.into(), 0);
        let imds_bound = server::bind(imds)?;
        let imds_v6_bound = match config.imds.stack {
            IpStack::Dual => Some(server::bind(v6_any)?),
            _ => None,
        };
        let route53_bound = server::bind(route53)?;
        let route53_v6_bound = match config.route53.stack {
            IpStack::Dual => Some(server::bind(v6_any)?),
            _ => None,
        };
        let imds_addr = imds_bound.addr;
        let route53_addr = route53_bound.addr;
        let imds_v6 = imds_v6_bound.as_ref().map(|b| b.addr);
        let route53_v6 = route53_v6_bound.as_ref().map(|b| b.addr);
        let tls = match &config.route53.tls {
            Some(t) => {
                let mut names = t.names.clone();
                if route53_v6.is_some() || route53_addr.is_ipv6() {
                    names.push(Ipv6Addr::LOCALHOST.to_string());
                }
                Some(
                    tls::generate(&names, t.leaf_years, route53_addr.ip())
                        .map_err(io::Error::other)?,
                )
            }
            None => None,
        };
        let refuse_for = config.imds.refuse_connections_for;
        let state = Arc::new(State::new(config));
        let cancel = CancellationToken::new();
        let tracker = TaskTracker::new();
        let (ca_pem, acceptor) = match tls {
            Some(m) => (Some(m.ca_pem), Some(m.acceptor)),
            None => (None, None),
        };
        let imds_listeners = std::iter::once(imds_bound).chain(imds_v6_bound);
        for bound in imds_listeners {
            server::spawn(
                Listener {
                    bound,
                    listen_after: refuse_for,
                    tls: None,
                    handler: Handler::Imds,
                },
                state.clone(),
                cancel.clone(),
                tracker.clone(),
            )?;
        }
        let route53_listeners = std::iter::once(route53_bound).chain(route53_v6_bound);
        for bound in route53_listeners {
            server::spawn(
                Listener {
                    bound,
                    listen_after: Duration::ZERO,
                    tls: acceptor.clone(),
                    handler: Handler::Route53,
                },
                state.clone(),
                cancel.clone(),
                tracker.clone(),
            )?;
        }
        let sim = Sim {
            state,
            imds_addr,
            route53_addr,
            imds_v6,
            route53_v6,
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

    /// `http://127.0.0.1:PORT` (`http://[::1]:PORT` for [`IpStack::Ipv6`]),
    /// or `https://` when TLS is on.
    pub fn route53_url(&self) -> String {
        self.url_of(self.route53_addr)
    }

    /// The second, IPv6, Route 53 address of [`IpStack::Dual`]
    /// (`http://[::1]:PORT`): the same service, state and control API.
    pub fn route53_url_v6(&self) -> Option<String> {
        self.route53_v6.map(|a| self.url_of(a))
    }

    /// The second, IPv6, IMDS address of [`IpStack::Dual`]: `http://[::1]:PORT`.
    pub fn imds_url_v6(&self) -> Option<String> {
        self.imds_v6.map(|a| format!("http://{a}"))
    }

    /// Where STS answers: the Route 53 listener ([`Sim::route53_url`]); the
    /// simulator tells the services apart by the SigV4 credential scope's
    /// service (`sts`) and serves its Query API at `POST /`.
    pub fn sts_url(&self) -> String {
        self.route53_url()
    }

    /// Where EC2 answers: the Route 53 listener too, service `ec2` (see
    /// [`Sim::sts_url`]).
    pub fn ec2_url(&self) -> String {
        self.route53_url()
    }

    fn url_of(&self, addr: SocketAddr) -> String {
        let scheme = if self.ca_pem.is_some() {
            "https"
        } else {
            "http"
        };
        format!("{scheme}://{}", reachable(addr))
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

    /// Every record set at `name` and `rtype`: the simple one, or the
    /// weighted or multivalue members in set-identifier order.
    pub fn record_sets(&self, zone_id: &str, name: &str, rtype: &str) -> Vec<RecordSet> {
        lock(&self.state.route53.store)
            .zones
            .get(zone_id)
            .map(|z| z.group(name, rtype))
            .unwrap_or_default()
    }

    /// The simple record set (no set identifier) at `name` (any case,
    /// trailing dot optional) and `rtype`; see [`Sim::record_sets`] for
    /// routing sets.
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

    /// Every change batch accepted so far, oldest first, with the
    /// propagation each one got (drawn per change with a spread,
    /// [`crate::Route53Config::propagation_max`]).
    pub fn changes(&self) -> Vec<crate::SubmittedChange> {
        self.state.route53.changes()
    }

    /// Sets a metadata path of the main instance (`public-hostname`, or
    /// `/latest/meta-data/public-hostname`), or removes it (`None` → 404).
    pub fn set_metadata(&self, path: &str, value: Option<&str>) {
        self.state.set_metadata(path, value);
    }

    /// Sets a metadata path of instance `n` (0 = the main instance, 1..=fleet
    /// a fleet member), or removes it (`None` → 404). Ignored (with a
    /// warning) for a fleet member that does not exist.
    pub fn set_fleet_metadata(&self, n: u32, path: &str, value: Option<&str>) {
        if !self.state.set_instance_metadata(n, path, value) {
            tracing::warn!(n, "set_fleet_metadata: no such fleet member");
        }
    }

    /// Sets the main instance's Spot interruption notice
    /// (`spot/instance-action`), or removes it (`None` → 404). A notice
    /// without a time gets "two minutes from now".
    pub fn set_spot_action(&self, action: Option<SpotAction>) {
        self.state.set_spot_action(0, action.as_ref());
    }

    /// Sets the main instance's `autoscaling/target-lifecycle-state`
    /// (`InService`, `Terminated`, `Detached`, `Standby`, `Warmed:Pending`,
    /// ...), or removes it (`None`: not in an Auto Scaling group, 404).
    pub fn set_lifecycle_state(&self, state: Option<&str>) {
        self.state
            .set_instance_metadata(0, crate::state::LIFECYCLE_PATH, state);
    }

    /// Sets the EC2 state of instance `id` (any id: a new one becomes
    /// known), or makes EC2 forget it (`None`: DescribeInstances no longer
    /// knows it, `InstanceId.N` naming it fails with
    /// `InvalidInstanceID.NotFound`).
    pub fn set_instance_state(&self, id: &str, state: Option<InstanceState>) {
        lock(&self.state.ec2.changed).insert(id.to_owned(), state);
    }

    /// The EC2 state of instance `id`; `None` when EC2 does not know it.
    /// The main instance and every fleet member start `running`.
    pub fn instance_state(&self, id: &str) -> Option<InstanceState> {
        crate::query::instance_state(&self.state, id)
    }

    /// The role credentials IMDS hands out now (rotating them when due);
    /// `None` without a role or when the role is configured to fail.
    pub fn role_credentials(&self) -> Option<Credentials> {
        self.state
            .imds
            .role
            .current(&self.state.keys, self.state.clock.now())
    }

    /// Every credential STS AssumeRole issued so far (access key id, secret
    /// key, session token). Secrets: for tests that check a client never logs them.
    pub fn assumed_credentials(&self) -> Vec<(String, String, String)> {
        self.state
            .keys
            .assumed()
            .into_iter()
            .map(|(id, secret, token)| {
                let token = token.map(|t| t.expose().to_owned()).unwrap_or_default();
                (id, secret.expose().to_owned(), token)
            })
            .collect()
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
