//! The command line: parsed by clap, then checked and turned into a
//! [`SimConfig`] plus what the binary itself does (where to write the ready
//! line and the CA).

use clap::Parser;
use ec2_dns_sim::config::ZoneConfig;
use ec2_dns_sim::{
    AssumableRole, Fault, InstanceState, InterruptionAction, IpStack, PutBehaviour, RateLimit,
    RecordSet, SchemeAcceptance, SimConfig, SpotAction, TlsConfig, TokenMode,
};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;
use thiserror::Error;

const AFTER_HELP: &str = "\
FAULT SPEC: TARGET:KIND[:COUNT] (COUNT defaults to 1; each matching request uses one)
  TARGET  imds | route53 (every API operation) | route53.<Operation>, Operation one of
          ChangeResourceRecordSets, GetChange, ListHostedZonesByName, ListResourceRecordSets
  KIND    an HTTP status (500, 503, ...) | throttling | throttling-exception |
          prior-request-not-complete | hang | delay=SECS | malformed | oversized | expired-token |
          lose-answer | access-denied
  e.g.    route53:throttling:3   route53.ChangeResourceRecordSets:500:2   imds:hang:1
          route53.GetChange:delay=2.5

OUTPUT: once both listeners are up, one JSON line on stdout (and in --ready-file):
  {\"imds\":\"http://127.0.0.1:PORT\",\"route53\":\"http://127.0.0.1:PORT\",
   \"static_access_key_id\":\"...\",\"static_secret_access_key\":\"...\"}
Logs go to stderr (RUST_LOG=debug for one line per request). Stops on SIGTERM or SIGINT.

CONTROL API (Route 53 listener, unauthenticated): GET /_sim/zones, /_sim/stats,
  /_sim/requests, /_sim/changes, /_sim/faults, /_sim/instances; POST /_sim/fault (spec or JSON);
  PUT|DELETE /_sim/metadata/<path>, /_sim/spot-action (terminate|stop|hibernate [TIME]),
  /_sim/lifecycle-state (InService, Terminated, ...), /_sim/instance/<id> (EC2 state);
  PUT /_sim/clock-skew; PUT /_sim/record.

STS AND EC2: the Route 53 listener also serves the STS and EC2 Query APIs at POST /
  (form body Action=...&Version=..., SigV4 with service sts or ec2 and the instance's
  region): AssumeRole for roles given with --assumable-role, and DescribeInstances for
  the main instance, the fleet (running) and --ec2-instance entries.

IPV6: --imds-stack ipv6 serves IMDS on [::1] only (an IPv6-only instance; the ready
  line's imds is http://[::1]:PORT); dual adds a second listener, named imds_v6 (and
  route53_v6 for --route53-stack dual) in the ready line.

FLEET: with --fleet N, instance n (1..=N) answers under IMDS/i/<n>/latest/... with
  public-hostname ec2-10-<n/256>-<n%256>-1.compute-1.amazonaws.com and
  instance-id i-fleet<n, 12 digits>.

EXAMPLES:
  ec2-dns-sim --ready-file /tmp/sim.json
  ec2-dns-sim --imds-listen 127.0.0.1:8054 --route53-listen 127.0.0.1:8053 \\
      --zone Z0123456789ABCDEFGHIJ=example.com. \\
      --record Z0123456789ABCDEFGHIJ,web.example.com.,CNAME,60,old.example.net
  ec2-dns-sim --imds-tokens required --token-put hang --refuse-imds-for 3
  ec2-dns-sim --rate-limit 50,10 --fault route53:throttling:3 --propagation never
  ec2-dns-sim --fleet 300 --rate-limit 50,10,100,10 --propagation 5..60 --seed 7
  ec2-dns-sim --fleet 1000 --tls localhost --ca-out /tmp/sim-ca.pem
";

/// Local simulator of the EC2 instance metadata service and the Route 53 API.
#[derive(Debug, Parser)]
#[command(name = "ec2-dns-sim", version, after_help = AFTER_HELP)]
pub(crate) struct Args {
    /// Address IMDS listens on (port 0 = any free port).
    #[arg(long, value_name = "ADDR", default_value = "127.0.0.1:0")]
    pub(crate) imds_listen: SocketAddr,

    /// Address Route 53 listens on (port 0 = any free port).
    #[arg(long, value_name = "ADDR", default_value = "127.0.0.1:0")]
    pub(crate) route53_listen: SocketAddr,

    /// A hosted zone, e.g. Z0123456789ABCDEFGHIJ=example.com. or Z2=corp.internal.:private.
    /// Repeatable. Without any, one public zone Z0123456789ABCDEFGHIJ=example.com.
    #[arg(long = "zone", value_name = "ID=NAME[:private]", value_parser = parse_zone)]
    zones: Vec<ZoneConfig>,

    /// A record present at start, e.g. Z0123456789ABCDEFGHIJ,web.example.com.,CNAME,60,old.example.net.
    /// Repeat with the same name and type to add values.
    #[arg(long = "record", value_name = "ZONE_ID,NAME,TYPE,TTL,VALUE", value_parser = parse_record)]
    records: Vec<(String, RecordSet)>,

    /// The instance's public-hostname (default ec2-203-0-113-25.compute-1.amazonaws.com).
    #[arg(long, value_name = "H")]
    public_hostname: Option<String>,

    /// The instance-id (default i-0123456789abcdef0).
    #[arg(long, value_name = "I")]
    instance_id: Option<String>,

    /// No instance role: iam/security-credentials/ answers 404.
    #[arg(long)]
    no_role: bool,

    /// optional = IMDSv1 GETs without a token are served; required = they get 401.
    #[arg(long, value_name = "optional|required", default_value = "optional", value_parser = parse_tokens)]
    imds_tokens: TokenMode,

    /// How PUT /latest/api/token answers: answer, hang (never answers), or 403/404/405.
    #[arg(long, value_name = "answer|hang|403|404|405", default_value = "answer", value_parser = parse_put)]
    token_put: PutBehaviour,

    /// Bind IMDS at start but refuse connections for this many seconds, e.g. 3 or 0.5.
    #[arg(long, value_name = "SECS", value_parser = parse_secs)]
    refuse_imds_for: Option<Duration>,

    /// GetChange answers PENDING for this many seconds after a change (default 2), or never
    /// INSYNC, or MIN..MAX: each change draws its own propagation uniformly in [MIN, MAX]
    /// seconds when it is accepted (e.g. 5..60; the draws follow --seed).
    #[arg(long, value_name = "SECS|MIN..MAX|never", value_parser = parse_propagation)]
    propagation: Option<(Duration, Option<Duration>)>,

    /// Seed of the random draws that shape results (the propagation spread): the same seed
    /// and the same order of changes give the same propagations.
    #[arg(long, value_name = "N", default_value_t = ec2_dns_sim::config::DEFAULT_SEED)]
    seed: u64,

    /// Simulated clock = real clock + SECS (may be negative, e.g. --clock-skew=-900).
    #[arg(long, value_name = "SECS", allow_hyphen_values = true)]
    clock_skew: Option<i64>,

    /// Do not accept AWS3-HTTPS (X-Amzn-Authorization): such requests get 403 MissingAuthenticationToken.
    #[arg(long)]
    refuse_aws3: bool,

    /// Do not accept SigV4 (Authorization): such requests get 403 MissingAuthenticationToken.
    #[arg(long)]
    refuse_sigv4: bool,

    /// Account token buckets, e.g. 50,10 (AWS's) or 50,10,100,10 with the change bucket
    /// (an UPSERT costs 2). Off by default.
    #[arg(long, value_name = "BURST,REFILL[,CHANGE_BURST,CHANGE_REFILL]", value_parser = parse_rate_limit)]
    rate_limit: Option<RateLimit>,

    /// Queue a fault (see FAULT SPEC below), e.g. route53:throttling:3. Repeatable.
    #[arg(long = "fault", value_name = "SPEC")]
    faults: Vec<Fault>,

    /// Also serve N fleet instances under IMDS/i/<n>/ (see FLEET below).
    #[arg(long, value_name = "N", default_value_t = 0)]
    fleet: u32,

    /// Serve Route 53 over HTTPS with a certificate for NAME (DNS name or IP; repeatable;
    /// localhost and 127.0.0.1 are always included), e.g. --tls localhost.
    #[arg(long = "tls", value_name = "NAME")]
    tls: Vec<String>,

    /// With --tls: write the CA certificate (PEM) clients must trust to FILE.
    #[arg(long, value_name = "FILE", requires = "tls")]
    pub(crate) ca_out: Option<PathBuf>,

    /// A Spot interruption notice at start: terminate, stop or hibernate, optionally with
    /// its time, e.g. terminate or stop@2026-11-29T08:22:00Z (default: two minutes later).
    #[arg(long, value_name = "ACTION[@TIME]", value_parser = parse_spot)]
    spot_action: Option<SpotAction>,

    /// The Auto Scaling target lifecycle state at start, e.g. InService or Warmed:Pending
    /// (default: not in a group, 404).
    #[arg(long, value_name = "STATE")]
    lifecycle_state: Option<String>,

    /// A role STS AssumeRole hands out, trusted by the instance role unless trust= says
    /// otherwise (a principal ARN or *; repeatable), e.g.
    /// arn:aws:iam::111122223333:role/dns-writer,external-id=ext-42. Repeatable.
    #[arg(long = "assumable-role", value_name = "ARN[,external-id=ID][,trust=PRINCIPAL]...", value_parser = parse_role)]
    roles: Vec<AssumableRole>,

    /// An instance EC2 DescribeInstances knows besides the main instance and the fleet
    /// (all running), or another state for one of them, e.g. i-0abc=terminated. Repeatable.
    #[arg(long = "ec2-instance", value_name = "ID=STATE", value_parser = parse_instance)]
    instances: Vec<(String, InstanceState)>,

    /// Loopback addresses IMDS uses: ipv4 (127.0.0.1), ipv6 ([::1], an IPv6-only
    /// instance) or dual (both, two ports). With ipv6, the default --imds-listen
    /// becomes [::1]:0.
    #[arg(long, value_name = "ipv4|ipv6|dual", default_value = "ipv4", value_parser = parse_stack)]
    pub(crate) imds_stack: IpStack,

    /// Loopback addresses Route 53 (with STS and EC2) uses: ipv4, ipv6 or dual (a
    /// dual-stack endpoint: also [::1]:0).
    #[arg(long, value_name = "ipv4|ipv6|dual", default_value = "ipv4", value_parser = parse_stack)]
    pub(crate) route53_stack: IpStack,

    /// Also write the ready JSON line to FILE (atomically: temp file, then rename).
    #[arg(long, value_name = "FILE")]
    pub(crate) ready_file: Option<PathBuf>,
}

/// An option value that parsed but does not make sense with the others.
#[derive(Debug, Error)]
pub(crate) enum CliError {
    #[error("--record for zone {0:?}, which no --zone declares")]
    UnknownZone(String),
    #[error("invalid configuration: {0}")]
    Config(#[from] ec2_dns_sim::config::ConfigError),
}

impl Args {
    /// The simulator configuration these options describe.
    pub(crate) fn to_config(&self) -> Result<SimConfig, CliError> {
        let mut config = SimConfig::default();
        if !self.zones.is_empty() {
            config.route53.zones = self.zones.clone();
        }
        for (zone_id, set) in &self.records {
            let zone = config
                .route53
                .zones
                .iter_mut()
                .find(|z| &z.id == zone_id)
                .ok_or_else(|| CliError::UnknownZone(zone_id.clone()))?;
            zone.records.push(set.clone());
        }
        let imds = &mut config.imds;
        if let Some(h) = &self.public_hostname {
            imds.public_hostname = Some(h.clone());
        }
        if let Some(i) = &self.instance_id {
            imds.instance_id = i.clone();
        }
        if self.no_role {
            imds.role = None;
        }
        imds.tokens = self.imds_tokens;
        imds.token_put = self.token_put;
        imds.refuse_connections_for = self.refuse_imds_for.unwrap_or_default();
        imds.fleet = self.fleet;
        imds.spot_action = self.spot_action.clone();
        imds.lifecycle_state = self.lifecycle_state.clone();
        imds.stack = self.imds_stack;
        config.sts.roles = self.roles.clone();
        config.ec2.instances = self.instances.clone();
        config.route53.stack = self.route53_stack;
        let r53 = &mut config.route53;
        if let Some((min, max)) = self.propagation {
            r53.propagation = min;
            r53.propagation_max = max;
        }
        r53.clock_skew_secs = self.clock_skew.unwrap_or(0);
        if self.refuse_aws3 {
            r53.aws3 = SchemeAcceptance::Refuse;
        }
        if self.refuse_sigv4 {
            r53.sigv4 = SchemeAcceptance::Refuse;
        }
        r53.rate_limit = self.rate_limit;
        if !self.tls.is_empty() {
            r53.tls = Some(TlsConfig {
                names: self.tls.clone(),
                leaf_years: None,
            });
        }
        config.faults = self.faults.clone();
        config.seed = self.seed;
        config.validate()?;
        Ok(config)
    }
}

fn parse_zone(s: &str) -> Result<ZoneConfig, String> {
    let (id, rest) = s
        .split_once('=')
        .ok_or("expected ID=NAME[:private], e.g. Z0123456789ABCDEFGHIJ=example.com.")?;
    let (name, private) = match rest.rsplit_once(':') {
        Some((name, "private")) => (name, true),
        Some((_, other)) => return Err(format!("unknown zone flag {other:?}: only :private")),
        None => (rest, false),
    };
    if id.is_empty() || name.is_empty() {
        return Err("zone id and name must not be empty".to_owned());
    }
    Ok(ZoneConfig {
        id: id.to_owned(),
        name: name.to_owned(),
        private,
        records: Vec::new(),
    })
}

fn parse_record(s: &str) -> Result<(String, RecordSet), String> {
    let parts: Vec<&str> = s.splitn(5, ',').collect();
    let [zone, name, rtype, ttl, value] = parts.as_slice() else {
        return Err("expected ZONE_ID,NAME,TYPE,TTL,VALUE".to_owned());
    };
    let ttl: u32 = ttl
        .parse()
        .map_err(|_| format!("TTL {ttl:?} is not a whole number of seconds"))?;
    if ec2_dns_sim::record::normalize_name(name).is_none() {
        return Err(format!("{name:?} is not a DNS name"));
    }
    Ok((
        (*zone).to_owned(),
        RecordSet::new(name, rtype, ttl, [*value]),
    ))
}

fn parse_spot(s: &str) -> Result<SpotAction, String> {
    let (action, time) = match s.split_once('@') {
        Some((a, t)) => (a, Some(t.to_owned())),
        None => (s, None),
    };
    let action = InterruptionAction::from_name(action)
        .ok_or_else(|| format!("{action:?}: expected terminate, stop or hibernate"))?;
    Ok(SpotAction { action, time })
}

fn parse_role(s: &str) -> Result<AssumableRole, String> {
    let mut parts = s.split(',');
    let mut role = AssumableRole::new(parts.next().unwrap_or_default());
    let mut trusted = Vec::new();
    for part in parts {
        match part.split_once('=') {
            Some(("external-id", id)) if !id.is_empty() => role.external_id = Some(id.to_owned()),
            Some(("trust", who)) if !who.is_empty() => trusted.push(who.to_owned()),
            _ => {
                return Err(format!(
                    "{part:?}: expected external-id=ID or trust=PRINCIPAL"
                ));
            }
        }
    }
    if !trusted.is_empty() {
        role.trusted = trusted;
    }
    Ok(role)
}

fn parse_instance(s: &str) -> Result<(String, InstanceState), String> {
    let (id, state) = s
        .split_once('=')
        .ok_or("expected ID=STATE, e.g. i-0abc=terminated")?;
    let state = InstanceState::from_name(state).ok_or_else(|| {
        format!(
            "{state:?}: expected pending, running, stopping, stopped, shutting-down or terminated"
        )
    })?;
    if !id.starts_with("i-") {
        return Err(format!("{id:?} is not an instance id (i-...)"));
    }
    Ok((id.to_owned(), state))
}

fn parse_stack(s: &str) -> Result<IpStack, String> {
    match s {
        "ipv4" => Ok(IpStack::Ipv4),
        "ipv6" => Ok(IpStack::Ipv6),
        "dual" => Ok(IpStack::Dual),
        _ => Err("expected ipv4, ipv6 or dual".to_owned()),
    }
}

fn parse_tokens(s: &str) -> Result<TokenMode, String> {
    match s {
        "optional" => Ok(TokenMode::Optional),
        "required" => Ok(TokenMode::Required),
        _ => Err("expected optional or required".to_owned()),
    }
}

fn parse_put(s: &str) -> Result<PutBehaviour, String> {
    match s {
        "answer" => Ok(PutBehaviour::Answer),
        "hang" => Ok(PutBehaviour::Hang),
        _ => match s.parse::<u16>() {
            Ok(status) if (100..=599).contains(&status) => Ok(PutBehaviour::Status(status)),
            _ => Err("expected answer, hang or an HTTP status such as 403".to_owned()),
        },
    }
}

fn parse_secs(s: &str) -> Result<Duration, String> {
    s.parse::<f64>()
        .ok()
        .and_then(|f| Duration::try_from_secs_f64(f).ok())
        .ok_or_else(|| format!("{s:?} is not a number of seconds"))
}

fn parse_propagation(s: &str) -> Result<(Duration, Option<Duration>), String> {
    if s == "never" {
        return Ok((ec2_dns_sim::Propagation::Never, None));
    }
    let Some((min, max)) = s.split_once("..") else {
        return Ok((parse_secs(s)?, None));
    };
    let (min, max) = (parse_secs(min)?, parse_secs(max)?);
    if max < min {
        return Err(format!("{s:?}: the maximum is shorter than the minimum"));
    }
    Ok((min, Some(max)))
}

fn parse_rate_limit(s: &str) -> Result<RateLimit, String> {
    let numbers: Vec<f64> = s
        .split(',')
        .map(|p| p.trim().parse::<f64>())
        .collect::<Result<_, _>>()
        .map_err(|_| "expected BURST,REFILL[,CHANGE_BURST,CHANGE_REFILL] numbers".to_owned())?;
    let whole = |f: f64| -> Result<u32, String> {
        if f >= 0.0 && f.fract() == 0.0 && f <= f64::from(u32::MAX) {
            Ok(f as u32)
        } else {
            Err(format!("burst {f} must be a whole number"))
        }
    };
    let mut limit = RateLimit::default();
    match numbers.as_slice() {
        [burst, refill] => {
            limit.burst = whole(*burst)?;
            limit.refill_per_sec = *refill;
        }
        [burst, refill, change_burst, change_refill] => {
            limit.burst = whole(*burst)?;
            limit.refill_per_sec = *refill;
            limit.change_burst = whole(*change_burst)?;
            limit.change_refill_per_sec = *change_refill;
        }
        _ => return Err("expected 2 or 4 comma-separated numbers".to_owned()),
    }
    Ok(limit)
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn clap_definition_is_consistent() {
        Args::command().debug_assert();
    }

    #[test]
    fn defaults_give_the_default_config() {
        let args = Args::try_parse_from(["ec2-dns-sim"]).unwrap();
        let config = args.to_config().unwrap();
        assert_eq!(config.route53.zones, vec![ZoneConfig::default()]);
        assert!(config.imds.role.is_some());
        assert!(config.route53.tls.is_none());
    }

    #[test]
    fn every_option() {
        let args = Args::try_parse_from([
            "ec2-dns-sim",
            "--imds-listen",
            "127.0.0.1:0",
            "--zone",
            "Z1=example.com.",
            "--zone",
            "Z2=corp.internal:private",
            "--record",
            "Z1,web.example.com.,CNAME,60,old.example.net",
            "--record",
            "Z1,a.example.com,TXT,60,\"x,y\"",
            "--public-hostname",
            "ec2-x.compute-1.amazonaws.com",
            "--instance-id",
            "i-1",
            "--no-role",
            "--imds-tokens",
            "required",
            "--token-put",
            "404",
            "--refuse-imds-for",
            "1.5",
            "--propagation",
            "never",
            "--clock-skew",
            "-900",
            "--refuse-aws3",
            "--rate-limit",
            "50,10,100,5",
            "--fault",
            "route53:throttling:3",
            "--fault",
            "imds:hang",
            "--fleet",
            "10",
            "--tls",
            "localhost",
            "--ca-out",
            "/tmp/ca.pem",
            "--ready-file",
            "/tmp/ready.json",
            "--spot-action",
            "stop@2026-11-29T08:22:00Z",
            "--lifecycle-state",
            "Warmed:Pending",
            "--imds-stack",
            "ipv6",
            "--route53-stack",
            "dual",
            "--assumable-role",
            "arn:aws:iam::111122223333:role/dns-writer,external-id=ext-42,trust=*",
            "--ec2-instance",
            "i-0abc=terminated",
        ])
        .unwrap();
        let c = args.to_config().unwrap();
        assert_eq!(c.route53.zones.len(), 2);
        assert!(c.route53.zones[1].private);
        assert_eq!(c.route53.zones[0].records.len(), 2);
        assert_eq!(c.route53.zones[0].records[1].values, vec!["\"x,y\""]);
        assert_eq!(c.imds.instance_id, "i-1");
        assert!(c.imds.role.is_none());
        assert_eq!(c.imds.tokens, TokenMode::Required);
        assert_eq!(c.imds.token_put, PutBehaviour::Status(404));
        assert_eq!(c.imds.refuse_connections_for, Duration::from_millis(1500));
        assert_eq!(c.route53.propagation, Duration::MAX);
        assert_eq!(c.route53.clock_skew_secs, -900);
        assert_eq!(c.route53.aws3, SchemeAcceptance::Refuse);
        assert_eq!(c.route53.sigv4, SchemeAcceptance::Accept);
        assert_eq!(c.route53.rate_limit.unwrap().change_refill_per_sec, 5.0);
        assert_eq!(c.faults.len(), 2);
        assert_eq!(c.imds.fleet, 10);
        assert!(c.route53.tls.is_some());
        let spot = c.imds.spot_action.unwrap();
        assert_eq!(spot.action, InterruptionAction::Stop);
        assert_eq!(spot.time.as_deref(), Some("2026-11-29T08:22:00Z"));
        assert_eq!(c.imds.lifecycle_state.as_deref(), Some("Warmed:Pending"));
        assert_eq!(
            (c.imds.stack, c.route53.stack),
            (IpStack::Ipv6, IpStack::Dual)
        );
        let role = &c.sts.roles[0];
        assert_eq!(role.arn, "arn:aws:iam::111122223333:role/dns-writer");
        assert_eq!(role.external_id.as_deref(), Some("ext-42"));
        assert_eq!(role.trusted, ["*"]);
        assert_eq!(
            c.ec2.instances,
            [("i-0abc".to_owned(), InstanceState::Terminated)]
        );
    }

    #[test]
    fn propagation_takes_seconds_a_spread_or_never_and_the_seed_defaults() {
        let config = |p: &str| {
            Args::try_parse_from(["ec2-dns-sim", "--propagation", p])
                .unwrap()
                .to_config()
                .unwrap()
        };
        let c = config("5..60");
        assert_eq!(c.route53.propagation, Duration::from_secs(5));
        assert_eq!(c.route53.propagation_max, Some(Duration::from_secs(60)));
        assert_eq!(c.seed, ec2_dns_sim::config::DEFAULT_SEED);
        let c = config("0.5..0.5");
        assert_eq!(
            (c.route53.propagation, c.route53.propagation_max),
            (Duration::from_millis(500), Some(Duration::from_millis(500)))
        );
        let c = config("2.5");
        assert_eq!(
            (c.route53.propagation, c.route53.propagation_max),
            (Duration::from_millis(2500), None)
        );
        let c = config("never");
        assert_eq!(
            (c.route53.propagation, c.route53.propagation_max),
            (ec2_dns_sim::Propagation::Never, None)
        );
        let c = Args::try_parse_from(["ec2-dns-sim", "--seed", "7"])
            .unwrap()
            .to_config()
            .unwrap();
        assert_eq!(c.seed, 7);
        assert_eq!(c.route53.propagation_max, None);
    }

    #[test]
    fn rejects_bad_values() {
        for bad in [
            vec!["--zone", "nozone"],
            vec!["--zone", "Z1=example.com:public"],
            vec!["--record", "Z1,web,CNAME"],
            vec!["--record", "Z1,web.example.com,CNAME,soon,x"],
            vec!["--imds-tokens", "sometimes"],
            vec!["--token-put", "maybe"],
            vec!["--propagation", "later"],
            vec!["--propagation", "60..5"],
            vec!["--propagation", "5.."],
            vec!["--propagation", "..60"],
            vec!["--propagation", "5..never"],
            vec!["--propagation", "-1..5"],
            vec!["--seed", "-1"],
            vec!["--rate-limit", "50"],
            vec!["--rate-limit", "1.5,2"],
            vec!["--fault", "route53:teapot"],
            vec!["--ca-out", "/tmp/x"],
            vec!["--spot-action", "explode"],
            vec!["--imds-stack", "ipv5"],
            vec![
                "--assumable-role",
                "arn:aws:iam::111122223333:role/x,color=red",
            ],
            vec!["--ec2-instance", "i-0abc=gone"],
            vec!["--ec2-instance", "web=running"],
        ] {
            let mut argv = vec!["ec2-dns-sim"];
            argv.extend(bad.iter().copied());
            assert!(Args::try_parse_from(&argv).is_err(), "{bad:?}");
        }
        let args =
            Args::try_parse_from(["ec2-dns-sim", "--record", "Z9,a.b.,A,1,192.0.2.1"]).unwrap();
        assert!(matches!(args.to_config(), Err(CliError::UnknownZone(_))));
        let args = Args::try_parse_from(["ec2-dns-sim", "--fleet", "70000"]).unwrap();
        assert!(matches!(args.to_config(), Err(CliError::Config(_))));
        for bad in [
            ["--assumable-role", "dns-writer"],
            ["--spot-action", "stop@tomorrow"],
        ] {
            let args = Args::try_parse_from(["ec2-dns-sim", bad[0], bad[1]]).unwrap();
            assert!(
                matches!(args.to_config(), Err(CliError::Config(_))),
                "{bad:?}"
            );
        }
    }
}
