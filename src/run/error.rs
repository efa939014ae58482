//! The run's error type and its exit codes (sysexits), one meaning each.

use crate::aws::client::{CallError, TrustProblem};
use crate::aws::credentials::CredentialError;
use crate::aws::credentials::assume_role::AssumeRoleError;
use crate::aws::credentials::profile::ProfileError;
use crate::aws::credentials::role::RoleError;
use crate::aws::http::SetupError;
use crate::aws::imds::ImdsError;
use crate::config::ConfigError;
use crate::dns::name::DnsName;
use crate::route53::Route53Error;

/// The process's exit codes (sysexits), one meaning each. The README's
/// table is checked against [`EXIT_CODES`], which lists them all.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
pub enum Exit {
    /// `OK`.
    Ok = 0,
    /// `USAGE`.
    Usage = 64,
    /// `DATAERR`.
    DataErr = 65,
    /// `UNAVAILABLE`.
    Unavailable = 69,
    /// `CANTCREAT`: a name is owned by someone else (`on_conflict = "keep"`).
    Conflict = 73,
    /// `TEMPFAIL`.
    TempFail = 75,
    /// `NOPERM`.
    NoPerm = 77,
    /// `CONFIG`.
    Config = 78,
}

impl Exit {
    /// Every exit code, in increasing order.
    pub const ALL: [Exit; 8] = [
        Exit::Ok,
        Exit::Usage,
        Exit::DataErr,
        Exit::Unavailable,
        Exit::Conflict,
        Exit::TempFail,
        Exit::NoPerm,
        Exit::Config,
    ];

    /// The process exit status.
    pub const fn code(self) -> u8 {
        self as u8
    }

    /// The sysexits name, without `EX_`.
    pub const fn name(self) -> &'static str {
        match self {
            Exit::Ok => "OK",
            Exit::Usage => "USAGE",
            Exit::DataErr => "DATAERR",
            Exit::Unavailable => "UNAVAILABLE",
            Exit::Conflict => "CANTCREAT",
            Exit::TempFail => "TEMPFAIL",
            Exit::NoPerm => "NOPERM",
            Exit::Config => "CONFIG",
        }
    }

    /// What the code means for an operator (the README's table).
    pub const fn meaning(self) -> &'static str {
        match self {
            Exit::Ok => "done: every record is right (changed, or already right)",
            Exit::Usage => "bad command line",
            Exit::DataErr => {
                "Route 53 rejected the change as invalid (InvalidChangeBatch, InvalidInput), or the name holds records this program never deletes that no configured source can coexist with (MX or TXT beside a CNAME, alias or routing-policy sets); the error names them"
            }
            Exit::Unavailable => {
                "the instance cannot provide what the config asks for (no public hostname, no instance role, IMDS disabled)"
            }
            Exit::Conflict => {
                "on_conflict = \"keep\": the name points at something this instance does not own; nothing was written for it"
            }
            Exit::TempFail => {
                "gave up on a temporary failure: the deadline passed while IMDS was unreachable, Route 53 throttled or failed, or the change stayed PENDING; a rerun converges"
            }
            Exit::NoPerm => {
                "AWS refused: AccessDenied, unknown or expired credentials, a signature refused with both schemes"
            }
            Exit::Config => {
                "bad config: unreadable file, unknown key, invalid value, a hosted zone that does not exist, unusable credentials file"
            }
        }
    }
}

const fn exit_table() -> [(u8, &'static str, &'static str); 8] {
    let mut table = [(0, "", ""); 8];
    let mut i = 0;
    while i < Exit::ALL.len() {
        let e = Exit::ALL[i];
        table[i] = (e.code(), e.name(), e.meaning());
        i += 1;
    }
    table
}

/// Exit codes: `(code, sysexits name, meaning)`, from [`Exit`].
pub const EXIT_CODES: &[(u8, &str, &str)] = &exit_table();

/// [`Exit::Ok`].
pub const EXIT_OK: u8 = Exit::Ok.code();
/// [`Exit::Usage`].
pub const EXIT_USAGE: u8 = Exit::Usage.code();
pub(crate) const EXIT_DATAERR: u8 = Exit::DataErr.code();
pub(crate) const EXIT_UNAVAILABLE: u8 = Exit::Unavailable.code();
/// [`Exit::TempFail`].
pub const EXIT_TEMPFAIL: u8 = Exit::TempFail.code();
pub(crate) const EXIT_NOPERM: u8 = Exit::NoPerm.code();
pub(crate) const EXIT_CONFIG: u8 = Exit::Config.code();
pub(crate) const EXIT_CONFLICT: u8 = Exit::Conflict.code();

fn no_source_message(name: &DnsName, tried: &str, only_public_hostname: bool) -> String {
    if only_public_hostname {
        format!(
            "this instance has no public hostname for {name} (IMDS meta-data/public-hostname is empty): it has no public IPv4 address, or its VPC has DNS hostnames disabled (enableDnsHostnames). Enable them, or set source = [\"public-hostname\", \"public-ipv4\"] to write an A record instead"
        )
    } else {
        format!("IMDS has no value for any source of {name}: {tried}")
    }
}

fn missing_tag_message(template: &str, key: &str, tags_enabled: bool) -> String {
    if tags_enabled {
        format!("record name {template:?} uses tag {key:?}, which this instance does not have")
    } else {
        format!(
            "record name {template:?} uses tag {key:?}, but instance tags are not in the metadata: enable them (aws ec2 modify-instance-metadata-options --instance-metadata-tags enabled)"
        )
    }
}

/// Route 53 error codes that mean "AWS refused these credentials or this request".
const REFUSAL_CODES: &[&str] = &[
    "AccessDenied",
    "AccessDeniedException",
    "InvalidClientTokenId",
    "SignatureDoesNotMatch",
    "IncompleteSignature",
    "MissingAuthenticationToken",
    "ExpiredToken",
    "RequestExpired",
    "UnrecognizedClientException",
];

#[derive(Debug, thiserror::Error)]
pub(crate) enum Error {
    #[error(transparent)]
    Config(#[from] ConfigError),
    #[error(transparent)]
    Setup(#[from] SetupError),
    #[error(transparent)]
    Imds(#[from] ImdsError),
    #[error(transparent)]
    Credentials(#[from] CredentialError),
    #[error(transparent)]
    Route53(#[from] Route53Error),
    #[error("{}", no_source_message(name, tried, *only_public_hostname))]
    NoSource {
        name: DnsName,
        tried: String,
        only_public_hostname: bool,
    },
    #[error("IMDS gave a {source_name} value that is not a valid {rtype} record value")]
    BadMetadata {
        source_name: &'static str,
        rtype: &'static str,
    },
    #[error("record name {template:?}: {message}")]
    BadName { template: String, message: String },
    #[error("{}", missing_tag_message(template, key, *tags_enabled))]
    MissingTag {
        template: String,
        key: String,
        tags_enabled: bool,
    },
    #[error(
        "IMDS gives no usable instance id (meta-data/instance-id {problem}): it names this instance in owner records and change comments. Check imds.endpoint: it must be this instance's metadata service"
    )]
    NoInstanceId { problem: String },
    #[error("record {name} is configured twice (after filling in its name)")]
    DuplicateName { name: DnsName },
    #[error("no hosted zone named {zone} in this account")]
    NoSuchZone { zone: String },
    #[error(
        "more than one hosted zone is named {zone}: {ids}. Set `private = true` or `private = false` in the record, or give the zone id"
    )]
    AmbiguousZone { zone: DnsName, ids: String },
    #[error("record {name} is not below its zone {zone}")]
    OutsideZone { name: DnsName, zone: DnsName },
    #[error(
        "{name} in zone {zone} cannot hold a {wanted} record: it holds {by}, which ec2-dns-updater never deletes (a CNAME cannot share its name). Add a source that can coexist (e.g. source = [\"public-hostname\", \"public-ipv4\"]), move those records, or choose another name"
    )]
    Blocked {
        name: DnsName,
        zone: String,
        /// The types the record's sources would write, in order.
        wanted: String,
        /// What is in the way.
        by: String,
    },
    #[error(transparent)]
    OwnerName(#[from] crate::dns::plan::OwnerNameError),
    #[error("stopped by {signal} before the update finished; a rerun converges")]
    Interrupted { signal: &'static str },
    #[error(transparent)]
    Request(#[from] RequestError),
    #[error(
        "prune needs the EC2 region: IMDS has no meta-data/placement/region; set [ec2] region (and endpoint)"
    )]
    NoRegion,
}

impl From<CallError> for Error {
    fn from(e: CallError) -> Self {
        Error::Route53(e.into())
    }
}

impl Error {
    /// The process exit code for this error.
    pub(crate) fn exit_code(&self) -> u8 {
        match self {
            Error::Config(_) | Error::Setup(_) => EXIT_CONFIG,
            Error::Imds(e) => imds_exit(e),
            Error::Credentials(e) => credentials_exit(e),
            Error::Route53(e) => route53_exit(e),
            Error::NoSource { .. }
            | Error::BadMetadata { .. }
            | Error::MissingTag { .. }
            | Error::NoInstanceId { .. } => EXIT_UNAVAILABLE,
            Error::BadName { .. }
            | Error::DuplicateName { .. }
            | Error::NoSuchZone { .. }
            | Error::AmbiguousZone { .. }
            | Error::OutsideZone { .. } => EXIT_CONFIG,
            Error::Blocked { .. } => EXIT_DATAERR,
            Error::OwnerName(_) => EXIT_CONFIG,
            Error::Interrupted { .. } => EXIT_TEMPFAIL,
            Error::Request(_) => EXIT_USAGE,
            Error::NoRegion => EXIT_UNAVAILABLE,
        }
    }

    /// A next step for the operator, when there is an obvious one.
    pub(crate) fn hint(&self) -> Option<&'static str> {
        let code = match self {
            Error::Route53(e) => e.code(),
            _ => None,
        };
        match code {
            Some("AccessDenied") => Some(
                "the credentials lack a permission: `ec2-dns-updater policy` prints the IAM policy this config needs",
            ),
            Some("NoSuchHostedZone") => Some(
                "check `zone` in the config: `aws route53 list-hosted-zones` lists the zone ids",
            ),
            Some("InvalidClientTokenId") => Some(
                "the access key is unknown to AWS, or temporary credentials were sent without their session token",
            ),
            _ => match self {
                Error::Route53(Route53Error::Call(CallError::Untrusted {
                    problem: TrustProblem::Expired,
                    ..
                })) => Some(
                    "the certificate has expired, or this system's clock is ahead (check `timedatectl`): AWS renews its certificates long before they expire, so an expired one comes from a TLS-inspecting proxy or a private endpoint, which must renew it",
                ),
                Error::Route53(Route53Error::Call(CallError::Untrusted { .. })) => Some(
                    "behind a TLS-inspecting proxy, or with a private endpoint, add its CA certificate (PEM) as route53.ca_bundle",
                ),
                Error::Route53(Route53Error::Call(CallError::NotValidYet { .. })) => Some(
                    "the system clock is probably behind (before time sync): check `timedatectl` and chrony or systemd-timesyncd; ordering the unit after time-sync.target avoids this at boot",
                ),
                Error::Route53(Route53Error::Call(CallError::GaveUp { .. })) => Some(
                    "Route 53 kept failing or throttling until the deadline: a longer `deadline` gives a large fleet more time",
                ),
                _ => None,
            },
        }
    }
}

fn imds_exit(e: &ImdsError) -> u8 {
    match e {
        ImdsError::Unreachable { .. } => EXIT_TEMPFAIL,
        ImdsError::Refused { .. }
        | ImdsError::TokensRequired { .. }
        | ImdsError::BadBody { .. } => EXIT_UNAVAILABLE,
    }
}

fn credentials_exit(e: &CredentialError) -> u8 {
    match e {
        CredentialError::PartialEnvironment => EXIT_CONFIG,
        CredentialError::Profile(ProfileError::Read { .. })
        | CredentialError::Profile(ProfileError::Malformed { .. })
        | CredentialError::Profile(ProfileError::NotFound { .. })
        | CredentialError::Profile(ProfileError::Incomplete { .. })
        | CredentialError::Profile(ProfileError::Unsupported { .. }) => EXIT_CONFIG,
        CredentialError::NotFound { .. } => EXIT_UNAVAILABLE,
        CredentialError::Role(RoleError::NotSuccess { .. }) => EXIT_NOPERM,
        CredentialError::Role(RoleError::NoRole)
        | CredentialError::Role(RoleError::Malformed { .. }) => EXIT_UNAVAILABLE,
        CredentialError::Role(RoleError::Imds(i)) => imds_exit(i),
        CredentialError::AssumeRole(e) => assume_role_exit(e),
    }
}

fn assume_role_exit(e: &AssumeRoleError) -> u8 {
    match e {
        AssumeRoleError::Denied { .. } => EXIT_NOPERM,
        AssumeRoleError::Invalid { .. } | AssumeRoleError::NoRegion { .. } => EXIT_CONFIG,
        AssumeRoleError::Failed {
            temporary: true, ..
        } => EXIT_TEMPFAIL,
        AssumeRoleError::Failed { .. } => EXIT_CONFIG,
        AssumeRoleError::Malformed { .. } => EXIT_UNAVAILABLE,
        AssumeRoleError::Imds { source, .. } => imds_exit(source),
    }
}

fn route53_exit(e: &Route53Error) -> u8 {
    match e {
        Route53Error::Call(e) => call_exit(e),
        Route53Error::NotInSync { .. } => EXIT_TEMPFAIL,
    }
}

fn call_exit(e: &CallError) -> u8 {
    match e {
        CallError::Refused { failure, .. } => match failure.error.code.as_deref() {
            Some(code) if REFUSAL_CODES.contains(&code) => EXIT_NOPERM,
            Some("NoSuchHostedZone") => EXIT_CONFIG,
            Some("NoSuchChange") => EXIT_TEMPFAIL,
            _ if failure.status.is_none_or(|s| s >= 500 || s == 429) => EXIT_TEMPFAIL,
            _ => EXIT_DATAERR,
        },
        CallError::BothSchemesRefused { .. } => EXIT_NOPERM,
        CallError::Untrusted { .. } => EXIT_CONFIG,
        CallError::NotValidYet { .. } => EXIT_TEMPFAIL,
        CallError::GaveUp { .. } | CallError::Malformed { .. } => EXIT_TEMPFAIL,
        CallError::Credentials(c) => credentials_exit(c),
        CallError::Setup(_) => EXIT_CONFIG,
    }
}

/// A bad flag of the `request` command (exit 64).
#[derive(Debug, thiserror::Error)]
pub(crate) enum RequestError {
    #[error("{0:?} is not an HTTP method")]
    Method(String),
    #[error("the path must start with '/': {0:?}")]
    Path(String),
    #[error("cannot read the body from {path}: {source}")]
    Data {
        path: String,
        source: std::io::Error,
    },
    #[error("--endpoint {url:?}: {reason}")]
    Endpoint { url: String, reason: String },
    #[error("--service {0}: a region is needed (--region, or run on an instance so IMDS can tell)")]
    Region(String),
}
