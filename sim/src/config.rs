//! What the simulator simulates: one EC2 instance (plus an optional fleet),
//! one or more hosted zones, and how both services behave.
//!
//! Every field is public and every struct has a `Default`, so a test writes
//! only what it changes:
//! ```
//! use ec2_dns_sim::{Route53Config, SimConfig};
//! use std::time::Duration;
//! let config = SimConfig {
//!     route53: Route53Config { propagation: Duration::from_secs(3), ..Default::default() },
//!     ..Default::default()
//! };
//! assert_eq!(config.route53.zones.len(), 1);
//! ```
//! `Debug` is safe to print: secret keys are [`Credentials`], whose `Debug`
//! redacts them.

use crate::faults::Fault;
use crate::ratelimit::RateLimit;
use crate::record::RecordSet;
use crate::route53::operation::Operation;
use aws_sign::Credentials;
use std::time::Duration;
use thiserror::Error;

/// The access key id of the default static key pair Route 53 accepts.
pub const STATIC_ACCESS_KEY_ID: &str = "AKIDSIMSTATIC00000001";
/// Its secret access key. A simulator value: it opens nothing real.
pub const STATIC_SECRET_ACCESS_KEY: &str = "simStaticSecretKey/DoNotUse+000000000000";

/// The default hosted zone.
pub const DEFAULT_ZONE_ID: &str = "Z0123456789ABCDEFGHIJ";
pub const DEFAULT_ZONE_NAME: &str = "example.com.";

/// The default instance.
pub const DEFAULT_INSTANCE_ID: &str = "i-0123456789abcdef0";
pub const DEFAULT_PUBLIC_HOSTNAME: &str = "ec2-203-0-113-25.compute-1.amazonaws.com";
pub const DEFAULT_PUBLIC_IPV4: &str = "203.0.113.25";
pub const DEFAULT_LOCAL_HOSTNAME: &str = "ip-10-0-0-25.ec2.internal";
pub const DEFAULT_LOCAL_IPV4: &str = "10.0.0.25";
pub const DEFAULT_REGION: &str = "us-east-1";
pub const DEFAULT_AVAILABILITY_ZONE: &str = "us-east-1a";
pub const DEFAULT_ROLE: &str = "web-role";
/// The account every simulated identity belongs to (used in ARNs).
pub const ACCOUNT_ID: &str = "123456789012";

/// Role credentials live this long (as EC2 hands them out).
pub const DEFAULT_CREDENTIALS_LIFETIME: Duration = Duration::from_secs(6 * 3600);
/// GetChange answers PENDING this long after a change, then INSYNC.
pub const DEFAULT_PROPAGATION: Duration = Duration::from_secs(2);
/// The seed of the simulator's random draws that shape results (each
/// change's propagation under [`Route53Config::propagation_max`]), so that
/// two runs with the same configuration draw the same sequence.
pub const DEFAULT_SEED: u64 = 20_261_123;
/// How many requests [`crate::Sim::requests`] keeps (oldest dropped first).
pub const DEFAULT_REQUEST_LOG_LIMIT: usize = 200_000;
/// The largest fleet: fleet hostnames encode `n` in two octets.
pub const MAX_FLEET: u32 = 65_535;

/// The whole simulator.
#[derive(Clone, Debug)]
pub struct SimConfig {
    pub imds: ImdsConfig,
    pub route53: Route53Config,
    /// Faults queued at start, as if passed to [`crate::Sim::inject`] in order.
    pub faults: Vec<Fault>,
    /// How many entries the request log keeps; older ones are dropped.
    pub request_log_limit: usize,
    /// STS (AssumeRole), served on the Route 53 listener.
    pub sts: StsConfig,
    /// EC2 (DescribeInstances), served on the Route 53 listener.
    pub ec2: Ec2Config,
    /// Seeds the random draws that shape results: the n-th change accepted
    /// gets the n-th propagation drawn (see [`Route53Config::propagation_max`]).
    /// Ids, tokens and keys stay random.
    pub seed: u64,
}

/// The simulated STS: `POST /` on the Route 53 listener, SigV4 service `sts`.
#[derive(Clone, Debug, Default)]
pub struct StsConfig {
    /// The SigV4 region STS expects; `None`: the instance's
    /// ([`ImdsConfig::region`]).
    pub region: Option<String>,
    /// Roles AssumeRole can hand out; any other ARN is AccessDenied.
    pub roles: Vec<AssumableRole>,
}

/// A role in some account that callers may assume.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AssumableRole {
    /// `arn:aws:iam::<12 digits>:role/<name>` (a path is allowed:
    /// `role/dns/writer`).
    pub arn: String,
    /// The trust policy: principal ARNs allowed to assume it. A caller is
    /// `arn:aws:iam::123456789012:role/<instance role>` with the instance
    /// profile's credentials, `arn:aws:iam::123456789012:user/ec2-dns-sim`
    /// with a static key, or the role ARN with credentials of an assumed
    /// role. `"*"`: any authenticated caller.
    pub trusted: Vec<String>,
    /// When set, AssumeRole must send exactly this `ExternalId`.
    pub external_id: Option<String>,
    /// The longest session (`DurationSeconds` above it is a ValidationError);
    /// also the default duration is 1 hour or this, if shorter. Under 15
    /// minutes (shorter than STS allows) it is a test knob: every session
    /// lasts exactly this long (at least a second).
    pub max_session: Duration,
}

impl AssumableRole {
    /// A role trusted by the default instance role, without external id.
    pub fn new(arn: &str) -> Self {
        AssumableRole {
            arn: arn.to_owned(),
            trusted: vec![instance_role_arn(DEFAULT_ROLE)],
            external_id: None,
            max_session: Duration::from_secs(3600),
        }
    }
}

/// The principal ARN of the instance profile role `role` (for
/// [`AssumableRole::trusted`] and [`ZoneAccess::principal`]).
pub fn instance_role_arn(role: &str) -> String {
    format!("arn:aws:iam::{ACCOUNT_ID}:role/{role}")
}

/// The principal ARN of the static keys.
pub const STATIC_USER_ARN: &str = "arn:aws:iam::123456789012:user/ec2-dns-sim";

/// An EC2 instance state, as DescribeInstances names it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum InstanceState {
    Pending,
    Running,
    ShuttingDown,
    Terminated,
    Stopping,
    Stopped,
}

impl InstanceState {
    pub const ALL: [InstanceState; 6] = [
        InstanceState::Pending,
        InstanceState::Running,
        InstanceState::ShuttingDown,
        InstanceState::Terminated,
        InstanceState::Stopping,
        InstanceState::Stopped,
    ];

    /// `running`, `shutting-down`, ...
    pub fn name(self) -> &'static str {
        match self {
            InstanceState::Pending => "pending",
            InstanceState::Running => "running",
            InstanceState::ShuttingDown => "shutting-down",
            InstanceState::Terminated => "terminated",
            InstanceState::Stopping => "stopping",
            InstanceState::Stopped => "stopped",
        }
    }

    /// EC2's numeric code (0, 16, 32, 48, 64, 80).
    pub fn code(self) -> u8 {
        match self {
            InstanceState::Pending => 0,
            InstanceState::Running => 16,
            InstanceState::ShuttingDown => 32,
            InstanceState::Terminated => 48,
            InstanceState::Stopping => 64,
            InstanceState::Stopped => 80,
        }
    }

    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.name() == name)
    }
}

/// The simulated EC2: `POST /` on the Route 53 listener, SigV4 service `ec2`.
/// It knows the main instance and every fleet member (running), plus
/// `instances`; [`crate::Sim::set_instance_state`] changes or forgets one.
#[derive(Clone, Debug, Default)]
pub struct Ec2Config {
    /// The SigV4 region EC2 expects; `None`: the instance's.
    pub region: Option<String>,
    /// Further instances, or other states for the main one and fleet members.
    pub instances: Vec<(String, InstanceState)>,
}

/// Limits a principal's Route 53 access to some hosted zones: record
/// listings and changes in any other zone are AccessDenied.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ZoneAccess {
    /// A principal ARN as in [`AssumableRole::trusted`].
    pub principal: String,
    /// Zone ids (without `/hostedzone/`).
    pub zones: Vec<String>,
}

impl Default for SimConfig {
    fn default() -> Self {
        SimConfig {
            imds: ImdsConfig::default(),
            route53: Route53Config::default(),
            faults: Vec::new(),
            request_log_limit: DEFAULT_REQUEST_LOG_LIMIT,
            sts: StsConfig::default(),
            ec2: Ec2Config::default(),
            seed: DEFAULT_SEED,
        }
    }
}

/// Whether IMDS requires an IMDSv2 session token.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum TokenMode {
    /// IMDSv1 allowed: a GET without a token is served (`HttpTokens=optional`).
    #[default]
    Optional,
    /// IMDSv2 only: a GET without a token gets 401 (`HttpTokens=required`).
    Required,
}

/// How IMDS answers `PUT /latest/api/token`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum PutBehaviour {
    /// Issue a token (the normal case).
    #[default]
    Answer,
    /// Accept the request and never answer, as seen from a container one hop
    /// too far (the reply's IP TTL runs out).
    Hang,
    /// Answer with this status and no token (403, 404 and 405 are the ones
    /// that make SDKs fall back to IMDSv1).
    Status(u16),
}

/// The simulated instance and how its metadata service behaves.
#[derive(Clone, Debug)]
pub struct ImdsConfig {
    pub instance_id: String,
    /// `None`: `public-hostname` answers 404 (no public IPv4, or DNS hostnames
    /// disabled in the VPC).
    pub public_hostname: Option<String>,
    pub public_ipv4: Option<String>,
    pub local_hostname: Option<String>,
    pub local_ipv4: Option<String>,
    /// `ipv6`: absent by default.
    pub ipv6: Option<String>,
    pub region: String,
    pub availability_zone: String,
    /// Instance tags under `tags/instance/`; empty = tags not exposed (404).
    pub tags: Vec<(String, String)>,
    /// The instance profile's role; `None` = no role attached (404).
    pub role: Option<String>,
    /// When set, the credentials document is `Code: AssumeRoleUnauthorizedAccess`
    /// with this `Message` (still HTTP 200), and no credentials are issued.
    pub role_error: Option<String>,
    /// Lifetime of issued role credentials. New ones are issued once fewer than
    /// 5 minutes (or half the lifetime, if shorter) remain; old ones stay valid
    /// until they expire.
    pub credentials_lifetime: Duration,
    pub tokens: TokenMode,
    pub token_put: PutBehaviour,
    /// The port is bound at start but not listened on until this has passed:
    /// clients get "connection refused", as at early boot.
    pub refuse_connections_for: Duration,
    /// Accept connections and never answer anything.
    pub hang_all: bool,
    /// Answer the first N requests with 500.
    pub fail_first: u32,
    /// Wait this long before every answer.
    pub delay: Duration,
    /// Also serve N fleet instances under `/i/<n>/latest/...` (n = 1..=N); see
    /// `imds::metadata` for what instance `n` looks like. At most [`MAX_FLEET`].
    pub fleet: u32,
    /// A Spot interruption notice at start: `spot/instance-action` answers it
    /// (404 while `None`). Change it at run time with
    /// [`crate::Sim::set_spot_action`] or `PUT /_sim/spot-action`.
    pub spot_action: Option<SpotAction>,
    /// `autoscaling/target-lifecycle-state` at start (`InService`,
    /// `Terminated`, `Detached`, `Standby`, `Warmed:Pending`, ...); `None`:
    /// not in an Auto Scaling group (404). Change it with
    /// [`crate::Sim::set_lifecycle_state`] or `PUT /_sim/lifecycle-state`.
    pub lifecycle_state: Option<String>,
    /// Which loopback addresses IMDS listens on with [`crate::Sim::start`]
    /// (`Ipv6` = an IPv6-only instance: `http://[::1]:PORT`).
    pub stack: IpStack,
}

/// Which loopback addresses a listener uses.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum IpStack {
    /// `127.0.0.1` only (the default).
    #[default]
    Ipv4,
    /// `[::1]` only.
    Ipv6,
    /// Both, on two ports: `127.0.0.1` is the primary address
    /// ([`crate::Sim::imds_url`]), `[::1]` the second
    /// ([`crate::Sim::imds_url_v6`]).
    Dual,
}

/// What a Spot interruption notice announces.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum InterruptionAction {
    Terminate,
    Stop,
    Hibernate,
}

impl InterruptionAction {
    /// `terminate`, `stop` or `hibernate`, as in the JSON document.
    pub fn name(self) -> &'static str {
        match self {
            InterruptionAction::Terminate => "terminate",
            InterruptionAction::Stop => "stop",
            InterruptionAction::Hibernate => "hibernate",
        }
    }

    /// Parses the JSON name.
    pub fn from_name(name: &str) -> Option<Self> {
        match name {
            "terminate" => Some(InterruptionAction::Terminate),
            "stop" => Some(InterruptionAction::Stop),
            "hibernate" => Some(InterruptionAction::Hibernate),
            _ => None,
        }
    }
}

/// A Spot interruption notice: `{"action": "terminate", "time": "2026-11-29T08:22:00Z"}`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SpotAction {
    pub action: InterruptionAction,
    /// RFC 3339 (`2026-11-29T08:22:00Z`); `None`: two minutes after the
    /// notice is set (on the simulated clock), as AWS gives.
    pub time: Option<String>,
}

impl SpotAction {
    /// A notice with the usual two minutes' warning.
    pub fn new(action: InterruptionAction) -> Self {
        SpotAction { action, time: None }
    }
}

impl Default for ImdsConfig {
    fn default() -> Self {
        ImdsConfig {
            instance_id: DEFAULT_INSTANCE_ID.to_owned(),
            public_hostname: Some(DEFAULT_PUBLIC_HOSTNAME.to_owned()),
            public_ipv4: Some(DEFAULT_PUBLIC_IPV4.to_owned()),
            local_hostname: Some(DEFAULT_LOCAL_HOSTNAME.to_owned()),
            local_ipv4: Some(DEFAULT_LOCAL_IPV4.to_owned()),
            ipv6: None,
            region: DEFAULT_REGION.to_owned(),
            availability_zone: DEFAULT_AVAILABILITY_ZONE.to_owned(),
            tags: Vec::new(),
            role: Some(DEFAULT_ROLE.to_owned()),
            role_error: None,
            credentials_lifetime: DEFAULT_CREDENTIALS_LIFETIME,
            tokens: TokenMode::Optional,
            token_put: PutBehaviour::Answer,
            refuse_connections_for: Duration::ZERO,
            hang_all: false,
            fail_first: 0,
            delay: Duration::ZERO,
            fleet: 0,
            spot_action: None,
            lifecycle_state: None,
            stack: IpStack::Ipv4,
        }
    }
}

/// Whether Route 53 accepts a signing scheme.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum SchemeAcceptance {
    #[default]
    Accept,
    /// Behave like an endpoint that does not know the scheme: its header is
    /// not looked at, so the request is unauthenticated (403
    /// MissingAuthenticationToken).
    Refuse,
}

/// Special values of [`Route53Config::propagation`], which is a plain
/// `Duration` so that `propagation: Duration::from_secs(3)` works.
#[derive(Clone, Copy, Debug)]
pub struct Propagation;

impl Propagation {
    /// Changes stay PENDING forever.
    #[allow(non_upper_case_globals)]
    pub const Never: Duration = Duration::MAX;
}

/// One hosted zone.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ZoneConfig {
    /// Without the `/hostedzone/` prefix, e.g. `Z0123456789ABCDEFGHIJ`.
    pub id: String,
    /// With or without the trailing dot; stored lowercase with it.
    pub name: String,
    pub private: bool,
    /// Record sets present at start (SOA and NS are not added for you).
    pub records: Vec<RecordSet>,
}

impl Default for ZoneConfig {
    fn default() -> Self {
        ZoneConfig {
            id: DEFAULT_ZONE_ID.to_owned(),
            name: DEFAULT_ZONE_NAME.to_owned(),
            private: false,
            records: Vec::new(),
        }
    }
}

/// Serve Route 53 over HTTPS with a CA and leaf certificate made at start.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TlsConfig {
    /// Subject alternative names for the leaf: DNS names and/or IP literals.
    /// `localhost`, `127.0.0.1` and the bound address are always added.
    pub names: Vec<String>,
    /// The leaf's validity as `(first year, last year)`, from 1 January of
    /// the first to 1 January of the second; `None`: valid from 1975 to 4096.
    /// `Some((2999, 3000))` is a certificate "not valid yet" for a client
    /// whose clock is behind, `Some((2000, 2001))` an expired one.
    pub leaf_years: Option<(i32, i32)>,
}

impl Default for TlsConfig {
    fn default() -> Self {
        TlsConfig {
            names: vec!["localhost".to_owned(), "127.0.0.1".to_owned()],
            leaf_years: None,
        }
    }
}

/// The simulated Route 53 endpoint.
#[derive(Clone, Debug)]
pub struct Route53Config {
    pub zones: Vec<ZoneConfig>,
    /// Long-term key pairs accepted besides the role credentials IMDS issues.
    pub static_keys: Vec<Credentials>,
    /// The SigV4 credential-scope region the endpoint expects.
    pub region: String,
    pub aws3: SchemeAcceptance,
    pub sigv4: SchemeAcceptance,
    /// Operations the caller is not allowed to perform (403 AccessDenied).
    pub deny: Vec<Operation>,
    /// Principals limited to some zones (see [`ZoneAccess`]); a principal
    /// without an entry may use every zone.
    pub zone_access: Vec<ZoneAccess>,
    /// How long GetChange answers PENDING; [`Propagation::Never`] = forever.
    /// With [`Route53Config::propagation_max`], the shortest propagation.
    pub propagation: Duration,
    /// `Some(max)`: a spread. Each change draws its own propagation,
    /// uniformly in `[propagation, max]`, when it is accepted (from
    /// [`SimConfig::seed`]); see it with [`crate::Sim::changes`]. `None`
    /// (the default): every change takes `propagation`.
    pub propagation_max: Option<Duration>,
    /// Off by default.
    pub rate_limit: Option<RateLimit>,
    /// Simulated clock = real clock + this many seconds. Used for the
    /// signature time window, every `Date` header and credential expiry.
    pub clock_skew_secs: i64,
    pub tls: Option<TlsConfig>,
    /// Serve the API under this path (`"/prefix"`, as an endpoint
    /// `https://host/prefix` is used): requests are routed on the path with
    /// the prefix removed, and signatures are checked over the full path.
    /// Empty: no prefix.
    pub path_prefix: String,
    /// Which loopback addresses the Route 53 listener (and so STS, EC2 and
    /// the control API) uses with [`crate::Sim::start`]; `Dual` is a
    /// "dual-stack endpoint" reachable at [`crate::Sim::route53_url_v6`] too.
    pub stack: IpStack,
}

impl Default for Route53Config {
    fn default() -> Self {
        Route53Config {
            zones: vec![ZoneConfig::default()],
            static_keys: vec![Credentials::new_static(
                STATIC_ACCESS_KEY_ID,
                STATIC_SECRET_ACCESS_KEY,
            )],
            region: DEFAULT_REGION.to_owned(),
            aws3: SchemeAcceptance::Accept,
            sigv4: SchemeAcceptance::Accept,
            deny: Vec::new(),
            zone_access: Vec::new(),
            propagation: DEFAULT_PROPAGATION,
            propagation_max: None,
            rate_limit: None,
            clock_skew_secs: 0,
            tls: None,
            path_prefix: String::new(),
            stack: IpStack::Ipv4,
        }
    }
}

/// A configuration the simulator refuses to start with.
#[derive(Debug, Error, PartialEq, Eq)]
pub enum ConfigError {
    #[error("fleet of {0} instances is larger than the maximum {MAX_FLEET}")]
    FleetTooLarge(u32),
    #[error("zone {id:?}: {reason}")]
    BadZone { id: String, reason: String },
    #[error("duplicate zone id {0:?}")]
    DuplicateZone(String),
    #[error("record {name:?} in zone {zone:?}: {reason}")]
    BadRecord {
        zone: String,
        name: String,
        reason: String,
    },
    #[error("rate limit: {0}")]
    BadRateLimit(String),
    #[error("propagation spread: {0}")]
    BadPropagation(String),
    #[error("credentials lifetime must be at least one second")]
    BadLifetime,
    #[error("spot action time {0:?} is not an RFC 3339 time such as 2026-11-29T08:22:00Z")]
    BadSpotTime(String),
    #[error("lifecycle state must not be empty")]
    BadLifecycleState,
    #[error("assumable role {0:?} is not an ARN such as arn:aws:iam::111122223333:role/dns-writer")]
    BadRoleArn(String),
}

/// The account and name of `arn:aws:iam::<12 digits>:role/<path/name>`.
pub(crate) fn role_name(arn: &str) -> Option<(&str, &str)> {
    let rest = arn.strip_prefix("arn:aws:iam::")?;
    let (account, role) = rest.split_once(":role/")?;
    let name = role.rsplit('/').next()?;
    let ok = account.len() == 12
        && account.bytes().all(|b| b.is_ascii_digit())
        && !name.is_empty()
        && role
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"+=,.@_-/".contains(&b));
    ok.then_some((account, name))
}

impl SimConfig {
    /// Checks what the services rely on; [`crate::Sim::start`] calls it.
    pub fn validate(&self) -> Result<(), ConfigError> {
        if self.imds.fleet > MAX_FLEET {
            return Err(ConfigError::FleetTooLarge(self.imds.fleet));
        }
        if self.imds.credentials_lifetime < Duration::from_secs(1) {
            return Err(ConfigError::BadLifetime);
        }
        if let Some(SpotAction { time: Some(t), .. }) = &self.imds.spot_action
            && crate::deps::Timestamp::parse_rfc3339(t).is_none()
        {
            return Err(ConfigError::BadSpotTime(t.clone()));
        }
        if self
            .imds
            .lifecycle_state
            .as_deref()
            .is_some_and(|s| s.trim().is_empty())
        {
            return Err(ConfigError::BadLifecycleState);
        }
        if let Some(role) = self.sts.roles.iter().find(|r| role_name(&r.arn).is_none()) {
            return Err(ConfigError::BadRoleArn(role.arn.clone()));
        }
        let mut seen = std::collections::HashSet::new();
        for zone in &self.route53.zones {
            let bad = |reason: &str| ConfigError::BadZone {
                id: zone.id.clone(),
                reason: reason.to_owned(),
            };
            if zone.id.is_empty() || !zone.id.bytes().all(|b| b.is_ascii_alphanumeric()) {
                return Err(bad("id must be non-empty and alphanumeric"));
            }
            if crate::record::normalize_name(&zone.name).is_none() {
                return Err(bad("not a valid DNS name"));
            }
            if !seen.insert(zone.id.clone()) {
                return Err(ConfigError::DuplicateZone(zone.id.clone()));
            }
            for set in &zone.records {
                if crate::record::normalize_name(&set.name).is_none() || set.rtype.is_empty() {
                    return Err(ConfigError::BadRecord {
                        zone: zone.id.clone(),
                        name: set.name.clone(),
                        reason: "invalid name or empty type".to_owned(),
                    });
                }
            }
        }
        if let Some(limit) = &self.route53.rate_limit {
            limit.validate().map_err(ConfigError::BadRateLimit)?;
        }
        if let Some(max) = self.route53.propagation_max {
            let min = self.route53.propagation;
            let bad = |reason: &str| Err(ConfigError::BadPropagation(reason.to_owned()));
            if min == Propagation::Never || max == Propagation::Never {
                return bad("a spread needs two finite durations (never is not one)");
            }
            if max < min {
                return bad("the maximum is shorter than the minimum");
            }
            if u64::try_from(max.as_nanos()).is_err() {
                return bad("the maximum is too long");
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_valid_and_debug_hides_the_secret() {
        let config = SimConfig::default();
        config.validate().unwrap();
        let shown = format!("{config:?}");
        assert!(!shown.contains(STATIC_SECRET_ACCESS_KEY), "{shown}");
        assert!(shown.contains(STATIC_ACCESS_KEY_ID));
    }

    #[test]
    fn validation_catches_bad_zones_and_fleets() {
        let mut config = SimConfig::default();
        config.imds.fleet = MAX_FLEET + 1;
        assert_eq!(
            config.validate(),
            Err(ConfigError::FleetTooLarge(MAX_FLEET + 1))
        );
        let mut config = SimConfig::default();
        config.route53.zones.push(ZoneConfig::default());
        assert!(matches!(
            config.validate(),
            Err(ConfigError::DuplicateZone(_))
        ));
        let mut config = SimConfig::default();
        config.route53.zones[0].name = "bad..name".into();
        assert!(matches!(
            config.validate(),
            Err(ConfigError::BadZone { .. })
        ));
    }

    #[test]
    fn a_propagation_spread_must_be_an_interval() {
        let spread = |min: Duration, max: Duration| SimConfig {
            route53: Route53Config {
                propagation: min,
                propagation_max: Some(max),
                ..Default::default()
            },
            ..Default::default()
        };
        let s = Duration::from_secs;
        spread(s(5), s(60)).validate().unwrap();
        spread(s(5), s(5)).validate().unwrap();
        for (min, max) in [
            (s(60), s(5)),
            (s(5), Propagation::Never),
            (Propagation::Never, Propagation::Never),
            (s(0), s(u64::MAX / 2)),
        ] {
            assert!(
                matches!(
                    spread(min, max).validate(),
                    Err(ConfigError::BadPropagation(_))
                ),
                "{min:?}..{max:?}"
            );
        }
    }

    #[test]
    fn propagation_never_is_a_duration() {
        let config = Route53Config {
            propagation: Propagation::Never,
            ..Default::default()
        };
        assert_eq!(config.propagation, Duration::MAX);
    }
}
