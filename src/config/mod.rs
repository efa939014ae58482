//! The TOML config: load → parse (unknown keys are errors) → validate into
//! [`Config`], which the rest of the program trusts.
//!
//! ```toml
//! [[record]]
//! zone = "Z0123456789ABCDEFGHIJ"   # hosted zone id
//! name = "web.example.com"          # trailing dot optional
//! ttl = 60                          # default 60
//!
//! [route53]
//! endpoint = "https://route53.amazonaws.com"  # default
//! signing = "auto"
//!
//! [imds]
//! endpoint = "http://169.254.169.254"         # default
//! ```

use crate::dns::name::DnsName;
pub mod assume;
pub(crate) mod duration;
use crate::dns::source::RecordSource;
use crate::dns::template::NameTemplate;
pub use assume::{AssumeRole, StsSettings};
use aws_sign::sign::Scheme;
use reqwest::Url;
use serde::Deserialize;
use std::path::{Path, PathBuf};
use std::time::Duration;
use toml::Spanned;

/// Where the unit and the package put the config.
pub const DEFAULT_CONFIG_PATH: &str = "/etc/ec2-dns-updater/config.toml";
/// `ttl` when a record does not set it, in seconds.
pub const DEFAULT_TTL: u32 = 60;
/// `route53.endpoint` when unset.
pub const DEFAULT_ROUTE53_ENDPOINT: &str = "https://route53.amazonaws.com";
/// `imds.endpoint` when unset.
pub const DEFAULT_IMDS_ENDPOINT: &str = "http://169.254.169.254";
/// Where IMDS answers on an IPv6-only (Nitro) instance; probed when
/// `imds.endpoint` is unset and the IPv4 address is unreachable.
pub const DEFAULT_IMDS_ENDPOINT_IPV6: &str = "http://[fd00:ec2::254]";
/// Route 53's dual-stack endpoint (`route53.amazonaws.com` has no IPv6
/// address): the default on an IPv6-only instance.
pub const DUALSTACK_ROUTE53_ENDPOINT: &str = "https://route53.global.api.aws";
/// How long to wait for INSYNC after a change (Route 53: "usually within 60 s").
pub const DEFAULT_WAIT_TIMEOUT: Duration = Duration::from_secs(300);
/// How long IMDS may stay unreachable at boot before the run gives up.
pub const DEFAULT_IMDS_WAIT_TIMEOUT: Duration = Duration::from_secs(60);
/// The whole run, retries included. A fleet of 1000 instances booting at once
/// shares Route 53's 10 requests/s: about 5 minutes of queueing. The unit's
/// `TimeoutStartSec` is set above this.
pub const DEFAULT_DEADLINE: Duration = Duration::from_secs(600);
/// `deadline`: at least a second (nothing can finish in zero), at most a day.
pub const DEADLINE_BOUNDS: (Duration, Duration) = (Duration::from_secs(1), duration::MAX);
/// `route53.wait_timeout`: at least a second (`wait = false` is the way not to
/// wait), at most a day; `deadline` cuts it short anyway.
pub const WAIT_TIMEOUT_BOUNDS: (Duration, Duration) = (Duration::from_secs(1), duration::MAX);
/// `imds.wait_timeout`: zero means one attempt without waiting for IMDS to come up.
pub const IMDS_WAIT_TIMEOUT_BOUNDS: (Duration, Duration) = (Duration::ZERO, duration::MAX);
/// Route 53 accepts TTLs from 0 to 2^31 - 1 seconds.
pub const MAX_TTL: u32 = 2_147_483_647;

/// A validated config.
#[derive(Debug, Clone)]
pub struct Config {
    /// The file it was read from (for messages).
    pub path: PathBuf,
    /// The `[[record]]` tables, in file order.
    pub records: Vec<Record>,
    /// The `[route53]` table.
    pub route53: Route53Settings,
    /// The `[imds]` table.
    pub imds: ImdsSettings,
    /// How long one pass may take, all retries included.
    pub deadline: Duration,
    /// A node_exporter textfile written after every pass.
    pub metrics_file: Option<PathBuf>,
    /// The `[sts]` table (where AssumeRole goes).
    pub sts: StsSettings,
    /// The `[ec2]` table (pool pruning).
    pub ec2: Ec2Settings,
}

/// `[ec2]`: where `prune` asks EC2 about instances.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Ec2Settings {
    /// `None`: `https://ec2.<region>.amazonaws.com`.
    pub endpoint: Option<Url>,
    /// `None`: the instance's region (IMDS).
    pub region: Option<String>,
}

/// One `[[record]]`: a name to keep pointing at this instance.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Record {
    /// The hosted zone the record is in.
    pub zone: ZoneRef,
    /// The record's name, possibly with `{placeholders}`.
    pub name: NameTemplate,
    /// The record's TTL, in seconds.
    pub ttl: u32,
    /// Tried in order; the first one IMDS has a value for wins.
    pub sources: Vec<RecordSource>,
    /// What to do when the name points somewhere else.
    pub on_conflict: OnConflict,
    /// `role_arn`: assume this role (instead of `route53.role_arn`) for this record.
    pub role_arn: Option<String>,
    /// `routing = "weighted" | "multivalue"`: this instance's member of a
    /// pool under the name; `None` for a simple record.
    pub pool: Option<Pool>,
}

impl Record {
    /// The record types this record may be written as.
    pub fn types(&self) -> Vec<&'static str> {
        let mut types: Vec<&'static str> = self.sources.iter().map(|s| s.rtype()).collect();
        types.dedup();
        types.sort_unstable();
        types.dedup();
        types
    }
}

/// A hosted zone, by id or by name.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum ZoneRef {
    /// `Z0123456789ABCDEFGHIJ`, without the `/hostedzone/` prefix.
    Id(String),
    /// `example.com.`, resolved with ListHostedZonesByName; `private` picks
    /// between a public and a private zone of the same name.
    Name {
        /// The zone's name.
        name: DnsName,
        /// `Some(true)` for a private zone, `Some(false)` for a public one, `None` when the name is unique.
        private: Option<bool>,
    },
}

impl std::fmt::Display for ZoneRef {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ZoneRef::Id(id) => f.write_str(id),
            ZoneRef::Name {
                name,
                private: None,
            } => write!(f, "{name}"),
            ZoneRef::Name {
                name,
                private: Some(true),
            } => write!(f, "{name} (private)"),
            ZoneRef::Name {
                name,
                private: Some(false),
            } => write!(f, "{name} (public)"),
        }
    }
}

pub use crate::dns::plan::OnConflict;
pub use crate::dns::pool::{IdentifierTemplate, Pool};
pub use crate::dns::record::Routing;

pub use crate::aws::client::SigningMode;

/// The `[route53]` table.
#[derive(Debug, Clone)]
pub struct Route53Settings {
    /// Where Route 53 requests go.
    pub endpoint: Url,
    /// `route53.endpoint` was not set: an IPv6-only instance may use the dual-stack one.
    pub endpoint_is_default: bool,
    /// SigV4 region: from the endpoint unless set.
    pub region: String,
    /// `route53.signing`.
    pub signing: SigningMode,
    /// Wait for INSYNC before exiting.
    pub wait: bool,
    /// How long to wait for INSYNC.
    pub wait_timeout: Duration,
    /// Extra PEM CA certificates to trust (TLS-inspecting proxies, simulators).
    pub ca_bundle: Option<PathBuf>,
    /// `role_arn` (+ `external_id`, `session_name`): assume this role for Route 53.
    pub assume: Option<AssumeRole>,
}

/// The `[imds]` table.
#[derive(Debug, Clone)]
pub struct ImdsSettings {
    /// Where IMDS is.
    pub endpoint: Url,
    /// `imds.endpoint` was not set: the IPv4 and IPv6 addresses are probed.
    pub endpoint_is_default: bool,
    /// Use IMDSv1 when the IMDSv2 token request is refused or times out.
    pub v1_fallback: bool,
    /// How long to wait for an unreachable IMDS at boot.
    pub wait_timeout: Duration,
}

/// Why the config cannot be used; every variant names the file, most the line.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// The file cannot be read.
    #[error("cannot read config file {path}: {source}")]
    Read {
        /// The file.
        path: PathBuf,
        /// What reading it said.
        source: std::io::Error,
    },
    /// The file is not valid TOML.
    #[error("{path}:{line}:{column}: {message}")]
    Parse {
        /// The file.
        path: PathBuf,
        /// The line, from 1.
        line: usize,
        /// The column, from 1.
        column: usize,
        /// What the TOML parser said.
        message: String,
    },
    /// A key is unknown or its value is not acceptable.
    #[error("{path}:{line}: {key}: {message}")]
    Invalid {
        /// The file.
        path: PathBuf,
        /// The line, from 1.
        line: usize,
        /// The key, with its table (`route53.signing`).
        key: String,
        /// What is wrong and what would be right.
        message: String,
    },
    /// Something the command needs is not configured.
    #[error("{path}: {message}")]
    Missing {
        /// The file.
        path: PathBuf,
        /// What is missing.
        message: String,
    },
}

// ---- the file as written -------------------------------------------------

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawConfig {
    #[serde(default, rename = "record")]
    records: Vec<RawRecord>,
    #[serde(default)]
    route53: RawRoute53,
    #[serde(default)]
    imds: RawImds,
    deadline: Option<Spanned<duration::Setting>>,
    metrics_file: Option<PathBuf>,
    #[serde(default)]
    sts: assume::RawSts,
    #[serde(default)]
    ec2: RawEc2,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RawEc2 {
    endpoint: Option<Spanned<String>>,
    region: Option<Spanned<String>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRecord {
    zone: Spanned<String>,
    name: Spanned<String>,
    ttl: Option<Spanned<Integer>>,
    private: Option<Spanned<bool>>,
    source: Option<Spanned<OneOrMany>>,
    on_conflict: Option<Spanned<String>>,
    role_arn: Option<Spanned<String>>,
    routing: Option<Spanned<String>>,
    weight: Option<Spanned<Integer>>,
    set_identifier: Option<Spanned<String>>,
    health_check_id: Option<Spanned<String>>,
    prune: Option<Spanned<bool>>,
}

/// Any TOML integer, even one past `i64` (TOML itself only has `i64`, but the
/// parser hands larger ones over as `u64`), so that the range check can name the key.
struct Integer(i128);

impl<'de> Deserialize<'de> for Integer {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl serde::de::Visitor<'_> for V {
            type Value = Integer;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("an integer")
            }
            fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<Integer, E> {
                Ok(Integer(v.into()))
            }
            fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<Integer, E> {
                Ok(Integer(v.into()))
            }
        }
        d.deserialize_any(V)
    }
}

#[derive(Deserialize)]
#[serde(untagged)]
enum OneOrMany {
    One(String),
    Many(Vec<String>),
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RawRoute53 {
    endpoint: Option<Spanned<String>>,
    region: Option<Spanned<String>>,
    signing: Option<Spanned<String>>,
    wait: Option<bool>,
    wait_timeout: Option<Spanned<duration::Setting>>,
    ca_bundle: Option<PathBuf>,
    role_arn: Option<Spanned<String>>,
    external_id: Option<Spanned<String>>,
    session_name: Option<Spanned<String>>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RawImds {
    endpoint: Option<Spanned<String>>,
    v1_fallback: Option<bool>,
    wait_timeout: Option<Spanned<duration::Setting>>,
}

impl Config {
    /// Reads and validates the config file at `path`.
    pub fn load(path: &Path) -> Result<Config, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
            path: path.to_owned(),
            source,
        })?;
        Self::parse(&text, path)
    }

    /// Fails unless at least one `[[record]]` is configured (every command
    /// but `request` needs one).
    pub fn require_records(&self) -> Result<(), ConfigError> {
        if self.records.is_empty() {
            return Err(ConfigError::Missing {
                path: self.path.clone(),
                message: "no [[record]] table: add one with zone = \"Z...\" and name = \"host.example.com\"".into(),
            });
        }
        Ok(())
    }

    /// Parses and validates `text`; `path` is only used in messages.
    pub fn parse(text: &str, path: &Path) -> Result<Config, ConfigError> {
        let raw: RawConfig = toml::from_str(text).map_err(|e| {
            let (line, column) = e.span().map(|s| line_col(text, s.start)).unwrap_or((1, 1));
            ConfigError::Parse {
                path: path.to_owned(),
                line,
                column,
                message: e.message().trim_end().to_owned(),
            }
        })?;
        Validator { text, path }.validate(raw)
    }
}

/// 1-based line and column of a byte offset.
fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let before = &text[..offset.min(text.len())];
    let line = before.matches('\n').count() + 1;
    let column = before.len() - before.rfind('\n').map_or(0, |i| i + 1) + 1;
    (line, column)
}

struct Validator<'a> {
    text: &'a str,
    path: &'a Path,
}

impl Validator<'_> {
    fn invalid<T>(
        &self,
        span: std::ops::Range<usize>,
        key: String,
        message: String,
    ) -> Result<T, ConfigError> {
        Err(ConfigError::Invalid {
            path: self.path.to_owned(),
            line: line_col(self.text, span.start).0,
            key,
            message,
        })
    }

    /// A duration setting within `bounds` (inclusive), or an error naming `key`.
    fn duration(
        &self,
        value: Option<Spanned<duration::Setting>>,
        key: &str,
        (min, max): (Duration, Duration),
    ) -> Result<Option<Duration>, ConfigError> {
        let Some(value) = value else {
            return Ok(None);
        };
        match duration::check(value.get_ref().0, min, max) {
            Ok(d) => Ok(Some(d)),
            Err(message) => self.invalid(value.span(), key.to_owned(), message),
        }
    }

    fn validate(&self, raw: RawConfig) -> Result<Config, ConfigError> {
        let mut records = Vec::with_capacity(raw.records.len());
        for (i, r) in raw.records.into_iter().enumerate() {
            let record = self.record(i, r)?;
            if let Some(dup) = records.iter().find(|o: &&Record| o.name == record.name) {
                return Err(ConfigError::Missing {
                    path: self.path.to_owned(),
                    message: format!(
                        "record {} is configured twice (zone {})",
                        dup.name.as_str(),
                        dup.zone
                    ),
                });
            }
            records.push(record);
        }
        Ok(Config {
            path: self.path.to_owned(),
            records,
            route53: self.route53(raw.route53)?,
            imds: self.imds(raw.imds)?,
            deadline: self
                .duration(raw.deadline, "deadline", DEADLINE_BOUNDS)?
                .unwrap_or(DEFAULT_DEADLINE),
            metrics_file: raw.metrics_file,
            sts: self.sts(raw.sts)?,
            ec2: self.ec2(raw.ec2)?,
        })
    }

    fn ec2(&self, raw: RawEc2) -> Result<Ec2Settings, ConfigError> {
        let endpoint = match &raw.endpoint {
            None => None,
            Some(e) => Some(self.aws_endpoint(e, "ec2.endpoint", "EC2")?),
        };
        let region = match raw.region {
            None => None,
            Some(r)
                if !r.get_ref().trim().is_empty()
                    && r.get_ref()
                        .bytes()
                        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-') =>
            {
                Some(r.into_inner())
            }
            Some(r) => {
                return self.invalid(
                    r.span(),
                    "ec2.region".into(),
                    format!(
                        "{:?} is not an AWS region name (like \"us-east-1\")",
                        r.get_ref()
                    ),
                );
            }
        };
        Ok(Ec2Settings { endpoint, region })
    }

    fn record(&self, i: usize, raw: RawRecord) -> Result<Record, ConfigError> {
        let key = |field: &str| format!("record[{i}].{field}");
        let zone_text = raw.zone.get_ref().trim();
        let zone = if zone_text.contains('.') {
            match DnsName::parse(zone_text) {
                Ok(name) => ZoneRef::Name {
                    name,
                    private: raw.private.as_ref().map(|p| *p.get_ref()),
                },
                Err(e) => {
                    return self.invalid(
                        raw.zone.span(),
                        key("zone"),
                        format!(
                            "{zone_text:?} is neither a hosted zone id nor a valid zone name: {e}"
                        ),
                    );
                }
            }
        } else {
            let id = zone_text.strip_prefix("/hostedzone/").unwrap_or(zone_text);
            if id.is_empty()
                || !id
                    .bytes()
                    .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit())
            {
                return self.invalid(
                    raw.zone.span(),
                    key("zone"),
                    format!("{zone_text:?} is not a hosted zone id (like \"Z0123456789ABCDEFGHIJ\", as shown by `aws route53 list-hosted-zones`) nor a zone name (like \"example.com\")"),
                );
            }
            if let Some(p) = &raw.private {
                return self.invalid(
                    p.span(),
                    key("private"),
                    "only applies when `zone` is a zone name; a zone id already names one zone"
                        .into(),
                );
            }
            ZoneRef::Id(id.to_owned())
        };
        let name = match NameTemplate::parse(raw.name.get_ref()) {
            Ok(n) => n,
            Err(e) => {
                return self.invalid(
                    raw.name.span(),
                    key("name"),
                    format!("{:?} is not a valid record name: {e}", raw.name.get_ref()),
                );
            }
        };
        if let (
            ZoneRef::Name {
                name: zone_name, ..
            },
            true,
        ) = (&zone, name.is_static())
        {
            let rendered = name.render(|_| None).expect("a static name renders");
            if !rendered.is_within(zone_name) || &rendered == zone_name {
                return self.invalid(
                    raw.name.span(),
                    key("name"),
                    format!("{rendered} is not a name below zone {zone_name}"),
                );
            }
        }
        // A template's placeholders stand below the zone: the zone's own labels
        // are written out, so no tag can move the record to another zone (the
        // policy for a zone given by name allows every zone id).
        if let (
            ZoneRef::Name {
                name: zone_name, ..
            },
            false,
        ) = (&zone, name.is_static())
            && !name
                .literal_suffix()
                .is_some_and(|suffix| suffix.is_within(zone_name))
        {
            return self.invalid(
                raw.name.span(),
                key("name"),
                format!(
                    "{:?}: placeholders must stand below zone {zone_name}, whose labels are written out (like \"{{instance_id}}.{}\")",
                    name.as_str(),
                    zone_name.relative()
                ),
            );
        }
        let pool = self.pool(i, &raw)?;
        let ttl = match raw.ttl {
            None => DEFAULT_TTL,
            Some(t) => match u32::try_from(t.get_ref().0) {
                Ok(v) if v <= MAX_TTL => v,
                _ => {
                    return self.invalid(
                        t.span(),
                        key("ttl"),
                        format!(
                            "{} is out of range: Route 53 accepts 0 to {MAX_TTL} seconds",
                            t.get_ref().0
                        ),
                    );
                }
            },
        };
        let sources = match &raw.source {
            None => vec![RecordSource::PublicHostname],
            Some(spanned) => {
                let texts: Vec<&str> = match spanned.get_ref() {
                    OneOrMany::One(s) => vec![s.as_str()],
                    OneOrMany::Many(v) => v.iter().map(String::as_str).collect(),
                };
                let mut sources = Vec::with_capacity(texts.len());
                for text in texts {
                    let Some(source) = RecordSource::parse(text) else {
                        return self.invalid(
                            spanned.span(),
                            key("source"),
                            format!("{text:?} is not a source: use public-hostname, public-ipv4, ipv6, local-hostname or local-ipv4"),
                        );
                    };
                    if sources.contains(&source) {
                        return self.invalid(
                            spanned.span(),
                            key("source"),
                            format!("{text:?} is listed twice"),
                        );
                    }
                    sources.push(source);
                }
                if sources.is_empty() {
                    return self.invalid(spanned.span(), key("source"), "the list is empty".into());
                }
                sources
            }
        };
        let on_conflict = match raw
            .on_conflict
            .as_ref()
            .map(|s| (s.get_ref().as_str(), s.span()))
        {
            None | Some(("overwrite", _)) => OnConflict::Overwrite,
            Some(("keep", _)) => OnConflict::Keep,
            Some((other, span)) => {
                return self.invalid(
                    span,
                    key("on_conflict"),
                    format!("{other:?} is not a conflict policy: use \"overwrite\" or \"keep\""),
                );
            }
        };
        let role_arn = match raw.role_arn {
            Some(arn) => Some(self.role_arn(arn, key("role_arn"))?),
            None => None,
        };
        Ok(Record {
            zone,
            name,
            ttl,
            sources,
            on_conflict,
            role_arn,
            pool,
        })
    }

    /// `routing`, `weight`, `set_identifier`, `health_check_id`, `prune`.
    fn pool(&self, i: usize, raw: &RawRecord) -> Result<Option<Pool>, ConfigError> {
        let key = |field: &str| format!("record[{i}].{field}");
        let weighted = match raw
            .routing
            .as_ref()
            .map(|r| (r.get_ref().as_str(), r.span()))
        {
            None | Some(("simple", _)) => {
                for (span, field) in [
                    (raw.weight.as_ref().map(|s| s.span()), "weight"),
                    (
                        raw.set_identifier.as_ref().map(|s| s.span()),
                        "set_identifier",
                    ),
                    (
                        raw.health_check_id.as_ref().map(|s| s.span()),
                        "health_check_id",
                    ),
                    (raw.prune.as_ref().map(|s| s.span()), "prune"),
                ] {
                    if let Some(span) = span {
                        return self.invalid(
                            span,
                            key(field),
                            "only applies to a pool: set routing = \"multivalue\" or \"weighted\""
                                .into(),
                        );
                    }
                }
                return Ok(None);
            }
            Some(("weighted", _)) => true,
            Some(("multivalue", _)) => false,
            Some((other, span)) => {
                return self.invalid(
                    span,
                    key("routing"),
                    format!("{other:?} is not a routing policy: use \"simple\", \"multivalue\" or \"weighted\""),
                );
            }
        };
        let routing = match (&raw.weight, weighted) {
            (Some(w), false) => {
                return self.invalid(
                    w.span(),
                    key("weight"),
                    "only applies with routing = \"weighted\"".into(),
                );
            }
            (None, false) => Routing::MultiValue,
            (None, true) => Routing::Weighted(1),
            (Some(w), true) => match u8::try_from(w.get_ref().0) {
                Ok(v) => Routing::Weighted(v),
                Err(_) => {
                    return self.invalid(
                        w.span(),
                        key("weight"),
                        format!(
                            "{} is out of range: Route 53 accepts 0 to 255",
                            w.get_ref().0
                        ),
                    );
                }
            },
        };
        let set_identifier = match &raw.set_identifier {
            None => IdentifierTemplate::instance_id(),
            Some(t) => match IdentifierTemplate::parse(t.get_ref()) {
                Ok(t) => t,
                Err(e) => return self.invalid(t.span(), key("set_identifier"), e),
            },
        };
        let health_check_id = match &raw.health_check_id {
            None => None,
            Some(h) => {
                let id = h.get_ref().trim();
                if id.is_empty()
                    || id.len() > 64
                    || !id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
                {
                    return self.invalid(
                        h.span(),
                        key("health_check_id"),
                        format!("{id:?} is not a Route 53 health check id (like \"abcdef11-2222-3333-4444-555555fedcba\")"),
                    );
                }
                Some(id.to_owned())
            }
        };
        Ok(Some(Pool {
            routing,
            set_identifier,
            health_check_id,
            prune: raw.prune.as_ref().is_some_and(|p| *p.get_ref()),
        }))
    }

    fn route53(&self, raw: RawRoute53) -> Result<Route53Settings, ConfigError> {
        let endpoint = match &raw.endpoint {
            None => Url::parse(DEFAULT_ROUTE53_ENDPOINT).expect("default endpoint parses"),
            Some(e) => self.aws_endpoint(e, "route53.endpoint", "Route 53")?,
        };
        let region = match raw.region {
            Some(r)
                if !r.get_ref().trim().is_empty()
                    && r.get_ref()
                        .bytes()
                        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-') =>
            {
                r.into_inner()
            }
            Some(r) => {
                return self.invalid(
                    r.span(),
                    "route53.region".into(),
                    format!(
                        "{:?} is not an AWS region name (like \"us-east-1\")",
                        r.get_ref()
                    ),
                );
            }
            None => region_for_endpoint(&endpoint).to_owned(),
        };
        let signing = match raw
            .signing
            .as_ref()
            .map(|s| (s.get_ref().as_str(), s.span()))
        {
            None | Some(("auto", _)) => SigningMode::Auto,
            Some(("aws3-https", _)) => SigningMode::Fixed(Scheme::Aws3Https),
            Some(("sigv4", _)) => SigningMode::Fixed(Scheme::SigV4),
            Some((other, span)) => {
                return self.invalid(
                    span,
                    "route53.signing".into(),
                    format!(
                        "{other:?} is not a signing mode: use \"auto\", \"aws3-https\" or \"sigv4\""
                    ),
                );
            }
        };
        Ok(Route53Settings {
            endpoint_is_default: raw.endpoint.is_none(),
            endpoint,
            region,
            signing,
            wait: raw.wait.unwrap_or(true),
            wait_timeout: self
                .duration(
                    raw.wait_timeout,
                    "route53.wait_timeout",
                    WAIT_TIMEOUT_BOUNDS,
                )?
                .unwrap_or(DEFAULT_WAIT_TIMEOUT),
            ca_bundle: raw.ca_bundle,
            assume: self.assume_role(raw.role_arn, raw.external_id, raw.session_name)?,
        })
    }

    fn imds(&self, raw: RawImds) -> Result<ImdsSettings, ConfigError> {
        let endpoint = match &raw.endpoint {
            None => Url::parse(DEFAULT_IMDS_ENDPOINT).expect("default endpoint parses"),
            Some(e) => {
                let url = self.url(e, "imds.endpoint")?;
                if url.scheme() != "http" {
                    return self.invalid(
                        e.span(),
                        "imds.endpoint".into(),
                        format!("{:?}: IMDS is served over plain http (http://169.254.169.254 or http://[fd00:ec2::254])", e.get_ref()),
                    );
                }
                url
            }
        };
        Ok(ImdsSettings {
            endpoint_is_default: raw.endpoint.is_none(),
            endpoint,
            v1_fallback: raw.v1_fallback.unwrap_or(true),
            wait_timeout: self
                .duration(
                    raw.wait_timeout,
                    "imds.wait_timeout",
                    IMDS_WAIT_TIMEOUT_BOUNDS,
                )?
                .unwrap_or(DEFAULT_IMDS_WAIT_TIMEOUT),
        })
    }

    /// An AWS endpoint: https, or plain http to a loopback host only (tests,
    /// the simulator), so credentials never cross a network in the clear.
    fn aws_endpoint(
        &self,
        value: &Spanned<String>,
        key: &str,
        service: &str,
    ) -> Result<Url, ConfigError> {
        let url = self.url(value, key)?;
        match url.scheme() {
            "https" => Ok(url),
            "http" if crate::aws::http::is_loopback_host(&url) => Ok(url),
            "http" => self.invalid(
                value.span(),
                key.into(),
                format!("{:?} uses plain http: {service} must be reached over https (http is accepted only for loopback test endpoints)", value.get_ref()),
            ),
            other => self.invalid(
                value.span(),
                key.into(),
                format!("unsupported scheme {other:?}: use https://"),
            ),
        }
    }

    fn url(&self, value: &Spanned<String>, key: &str) -> Result<Url, ConfigError> {
        match Url::parse(value.get_ref().trim()) {
            Ok(u) if u.host_str().is_some() && u.query().is_none() && u.fragment().is_none() => Ok(u),
            Ok(_) => self.invalid(
                value.span(),
                key.into(),
                format!("{:?} must be a base URL like \"https://host[:port][/prefix]\", without query or fragment", value.get_ref()),
            ),
            Err(e) => self.invalid(value.span(), key.into(), format!("{:?} is not a URL: {e}", value.get_ref())),
        }
    }
}

/// The SigV4 region Route 53 signs in for an endpoint: `cn-northwest-1` for
/// China, `us-gov-west-1` for GovCloud, `us-east-1` otherwise.
pub fn region_for_endpoint(endpoint: &Url) -> &'static str {
    let host = endpoint.host_str().unwrap_or_default();
    if host.ends_with(".amazonaws.com.cn") {
        "cn-northwest-1"
    } else if host.contains("us-gov") {
        "us-gov-west-1"
    } else {
        "us-east-1"
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<Config, ConfigError> {
        Config::parse(text, Path::new("/etc/ec2-dns-updater/config.toml"))
    }

    const MINIMAL: &str =
        "[[record]]\nzone = \"Z0123456789ABCDEFGHIJ\"\nname = \"web.example.com\"\n";

    #[test]
    fn minimal_config_gets_the_defaults() {
        let c = parse(MINIMAL).unwrap();
        assert_eq!(c.records.len(), 1);
        assert_eq!(
            c.records[0].name.render(|_| None).unwrap().as_str(),
            "web.example.com."
        );
        assert_eq!(
            c.records[0].zone,
            ZoneRef::Id("Z0123456789ABCDEFGHIJ".into())
        );
        assert_eq!(c.records[0].sources, vec![RecordSource::PublicHostname]);
        assert_eq!(c.records[0].on_conflict, OnConflict::Overwrite);
        assert_eq!(c.records[0].ttl, DEFAULT_TTL);
        assert_eq!(
            c.route53.endpoint.as_str(),
            "https://route53.amazonaws.com/"
        );
        assert_eq!(c.route53.region, "us-east-1");
        assert_eq!(c.route53.signing, SigningMode::Auto);
        assert!(c.route53.wait);
        assert_eq!(c.imds.endpoint.as_str(), "http://169.254.169.254/");
        assert!(c.imds.v1_fallback);
        assert_eq!(c.deadline, DEFAULT_DEADLINE);
    }

    #[test]
    fn unknown_key_names_key_line_and_file() {
        let text = format!("{MINIMAL}\n[route53]\nsigning = \"sigv4\"\nendpiont = \"https://x\"\n");
        let e = parse(&text).unwrap_err().to_string();
        assert!(e.starts_with("/etc/ec2-dns-updater/config.toml:7:"), "{e}");
        assert!(e.contains("unknown field `endpiont`"), "{e}");
    }

    #[test]
    fn invalid_values_name_the_key() {
        let e = parse("[[record]]\nzone = \"Z1\"\nname = \"bad name.example.com\"\n")
            .unwrap_err()
            .to_string();
        assert!(e.contains(":3: record[0].name:"), "{e}");
        let e = parse("[[record]]\nzone = \"z-1\"\nname = \"a.example.com\"\n")
            .unwrap_err()
            .to_string();
        assert!(e.contains("record[0].zone"), "{e}");
        let e = parse(&format!("{MINIMAL}ttl = -1\n"))
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("record[0].ttl") && e.contains("out of range"),
            "{e}"
        );
        let e = parse(&format!("{MINIMAL}[route53]\nsigning = \"v2\"\n"))
            .unwrap_err()
            .to_string();
        assert!(e.contains("route53.signing"), "{e}");
        let e = parse("")
            .unwrap()
            .require_records()
            .unwrap_err()
            .to_string();
        assert!(e.contains("no [[record]]"), "{e}");
    }

    #[test]
    fn http_only_for_loopback() {
        for ok in [
            "http://127.0.0.1:8080",
            "http://localhost:1",
            "http://[::1]:9",
            "https://route53.example",
        ] {
            let text = format!("{MINIMAL}[route53]\nendpoint = \"{ok}\"\n");
            assert!(parse(&text).is_ok(), "{ok}");
        }
        let text = format!("{MINIMAL}[route53]\nendpoint = \"http://route53.amazonaws.com\"\n");
        let e = parse(&text).unwrap_err().to_string();
        assert!(e.contains("must be reached over https"), "{e}");
    }

    #[test]
    fn regions_follow_the_endpoint() {
        let region = |ep: &str| {
            parse(&format!("{MINIMAL}[route53]\nendpoint = \"{ep}\"\n"))
                .unwrap()
                .route53
                .region
        };
        assert_eq!(region("https://route53.amazonaws.com.cn"), "cn-northwest-1");
        assert_eq!(
            region("https://route53.us-gov.amazonaws.com"),
            "us-gov-west-1"
        );
        assert_eq!(region("https://route53.amazonaws.com"), "us-east-1");
        let c = parse(&format!("{MINIMAL}[route53]\nregion = \"eu-west-1\"\n")).unwrap();
        assert_eq!(c.route53.region, "eu-west-1");
    }

    #[test]
    fn durations_and_prefixed_zone_ids() {
        let c = parse(
            "deadline = \"2m\"\n[[record]]\nzone = \"/hostedzone/Z9\"\nname = \"a.example.com.\"\nttl = 300\n[route53]\nwait_timeout = 30\n[imds]\nwait_timeout = \"5s\"\nv1_fallback = false\n",
        )
        .unwrap();
        assert_eq!(c.deadline, Duration::from_secs(120));
        assert_eq!(c.records[0].zone, ZoneRef::Id("Z9".into()));
        assert_eq!(c.records[0].ttl, 300);
        assert_eq!(c.route53.wait_timeout, Duration::from_secs(30));
        assert_eq!(c.imds.wait_timeout, Duration::from_secs(5));
        assert!(!c.imds.v1_fallback);
        let e = parse("deadline = \"soon\"\n").unwrap_err().to_string();
        assert!(e.contains("invalid duration"), "{e}");
    }

    #[test]
    fn durations_are_bounded_and_name_their_key() {
        for (text, key) in [
            ("deadline = 18446744073709551615", "deadline"),
            ("deadline = \"18446744073709551615s\"", "deadline"),
            ("deadline = \"25h\"", "deadline"),
            ("deadline = 0", "deadline"),
            (
                "[route53]\nwait_timeout = \"100000h\"",
                "route53.wait_timeout",
            ),
            ("[route53]\nwait_timeout = \"0s\"", "route53.wait_timeout"),
            (
                "[imds]\nwait_timeout = 9223372036854775807",
                "imds.wait_timeout",
            ),
        ] {
            let e = parse(text).unwrap_err();
            assert!(
                matches!(&e, ConfigError::Invalid { key: k, .. } if k == key),
                "{text}: {e}"
            );
            assert!(e.to_string().contains(&format!(": {key}: ")), "{text}: {e}");
        }
        let c = parse(
            "deadline = \"24h\"\n[route53]\nwait_timeout = \"1s\"\n[imds]\nwait_timeout = 0\n",
        )
        .unwrap();
        assert_eq!(c.deadline, duration::MAX);
        assert_eq!(c.imds.wait_timeout, Duration::ZERO);
        for ttl in ["-1", "2147483648", "18446744073709551615"] {
            let e = parse(&format!(
                "[[record]]\nzone = \"Z1\"\nname = \"a.example.com\"\nttl = {ttl}\n"
            ))
            .unwrap_err()
            .to_string();
            assert!(
                e.contains(&format!("record[0].ttl: {ttl} is out of range")),
                "{ttl}: {e}"
            );
        }
    }

    #[test]
    fn a_template_names_the_zone_in_full() {
        let ok = "[[record]]\nzone = \"example.com\"\nname = \"{tag:Name}.fleet.example.com\"\n";
        assert!(parse(ok).is_ok());
        for name in [
            "{tag:Name}.com",
            "web.{tag:Name}.com",
            "{tag:Name}.example.org",
        ] {
            let e = parse(&format!(
                "[[record]]\nzone = \"example.com\"\nname = \"{name}\"\n"
            ))
            .unwrap_err()
            .to_string();
            assert!(e.contains("record[0].name"), "{name}: {e}");
        }
    }

    #[test]
    fn sources_templates_zones_by_name_and_conflict_policy() {
        let c = parse(
            "[[record]]\nzone = \"example.com\"\nprivate = true\nname = \"{instance_id}.fleet.example.com\"\nsource = [\"public-hostname\", \"public-ipv4\"]\non_conflict = \"keep\"\n\n[[record]]\nzone = \"Z2\"\nname = \"v6.example.org\"\nsource = \"ipv6\"\n",
        )
        .unwrap();
        let r = &c.records[0];
        assert_eq!(
            r.zone,
            ZoneRef::Name {
                name: DnsName::parse("example.com").unwrap(),
                private: Some(true)
            }
        );
        assert!(!r.name.is_static());
        assert_eq!(
            r.sources,
            vec![RecordSource::PublicHostname, RecordSource::PublicIpv4]
        );
        assert_eq!(r.types(), vec!["A", "CNAME"]);
        assert_eq!(r.on_conflict, OnConflict::Keep);
        assert_eq!(c.records[1].types(), vec!["AAAA"]);
        for (bad, want) in [
            (
                "zone = \"Z1\"\nprivate = false\nname = \"a.example.com\"",
                "record[0].private",
            ),
            (
                "zone = \"example.com\"\nname = \"a.example.org\"",
                "not a name below zone example.com.",
            ),
            (
                "zone = \"Z1\"\nname = \"{hostname}.example.com\"",
                "unknown placeholder {hostname}",
            ),
            (
                "zone = \"Z1\"\nname = \"a.example.com\"\nsource = \"eip\"",
                "\"eip\" is not a source",
            ),
            (
                "zone = \"Z1\"\nname = \"a.example.com\"\nsource = []",
                "the list is empty",
            ),
            (
                "zone = \"Z1\"\nname = \"a.example.com\"\nsource = [\"ipv6\", \"ipv6\"]",
                "listed twice",
            ),
            (
                "zone = \"Z1\"\nname = \"a.example.com\"\non_conflict = \"yield\"",
                "record[0].on_conflict",
            ),
        ] {
            let e = parse(&format!("[[record]]\n{bad}\n"))
                .unwrap_err()
                .to_string();
            assert!(e.contains(want), "{bad}: {e}");
        }
    }

    #[test]
    fn pool_keys() {
        let r = &parse(&format!(
            "{MINIMAL}routing = \"weighted\"\nweight = 7\nhealth_check_id = \"abc-1\"\nprune = true\n"
        ))
        .unwrap()
        .records[0];
        let pool = r.pool.as_ref().unwrap();
        assert_eq!(pool.routing, Routing::Weighted(7));
        assert_eq!(pool.set_identifier.as_str(), "{instance_id}");
        assert!(pool.prune);
        assert!(parse(MINIMAL).unwrap().records[0].pool.is_none());
        for (bad, want) in [
            ("routing = \"latency\"\n", "record[0].routing"),
            ("weight = 3\n", "record[0].weight"),
            ("routing = \"multivalue\"\nweight = 3\n", "record[0].weight"),
            ("routing = \"weighted\"\nweight = 256\n", "record[0].weight"),
            ("prune = true\n", "record[0].prune"),
            (
                "routing = \"weighted\"\nset_identifier = \"{nope}\"\n",
                "record[0].set_identifier",
            ),
            (
                "routing = \"weighted\"\nhealth_check_id = \"a b\"\n",
                "record[0].health_check_id",
            ),
        ] {
            let e = parse(&format!("{MINIMAL}{bad}")).unwrap_err().to_string();
            assert!(e.contains(want), "{bad}: {e}");
        }
        let e = parse(&format!(
            "{MINIMAL}[ec2]\nendpoint = \"http://ec2.example.com\"\n"
        ))
        .unwrap_err()
        .to_string();
        assert!(e.contains("ec2.endpoint"), "{e}");
    }
}
