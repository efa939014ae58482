//! The run's error type and its exit codes (sysexits), one meaning each.

use crate::config::ConfigError;
use crate::credentials::CredentialError;
use crate::credentials::profile::ProfileError;
use crate::credentials::role::RoleError;
use crate::dns_name::DnsName;
use crate::http::SetupError;
use crate::imds::ImdsError;
use crate::route53::Route53Error;

/// Exit codes: `(code, sysexits name, meaning)`. The README's table is
/// checked against this one.
pub const EXIT_CODES: &[(u8, &str, &str)] = &[
    (
        0,
        "OK",
        "done: every record is right (changed, or already right)",
    ),
    (64, "USAGE", "bad command line"),
    (
        65,
        "DATAERR",
        "Route 53 rejected the change as invalid (InvalidChangeBatch, InvalidInput), or the name holds a record this program does not manage (alias, routing policy)",
    ),
    (
        69,
        "UNAVAILABLE",
        "the instance cannot provide what the config asks for (no public hostname, no instance role, IMDS disabled)",
    ),
    (
        75,
        "TEMPFAIL",
        "gave up on a temporary failure: the deadline passed while IMDS was unreachable, Route 53 throttled or failed, or the change stayed PENDING; a rerun converges",
    ),
    (
        77,
        "NOPERM",
        "AWS refused: AccessDenied, unknown or expired credentials, a signature refused with both schemes",
    ),
    (
        78,
        "CONFIG",
        "bad config: unreadable file, unknown key, invalid value, a hosted zone that does not exist, unusable credentials file",
    ),
];

pub const EXIT_OK: u8 = 0;
pub const EXIT_USAGE: u8 = 64;
pub const EXIT_DATAERR: u8 = 65;
pub const EXIT_UNAVAILABLE: u8 = 69;
pub const EXIT_TEMPFAIL: u8 = 75;
pub const EXIT_NOPERM: u8 = 77;
pub const EXIT_CONFIG: u8 = 78;

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
pub enum Error {
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
    #[error(
        "this instance has no public hostname (IMDS meta-data/public-hostname is empty): it has no public IPv4 address, or its VPC has DNS hostnames disabled (enableDnsHostnames). Give it a public IP and enable DNS hostnames on the VPC"
    )]
    NoPublicHostname,
    #[error(
        "{name} in zone {zone} is {kind}; ec2-dns-updater manages simple records only: remove it or choose another name"
    )]
    Unmanaged {
        name: DnsName,
        zone: String,
        kind: &'static str,
    },
    #[error("stopped by {signal} before the update finished; a rerun converges")]
    Interrupted { signal: &'static str },
}

impl Error {
    /// The process exit code for this error.
    pub fn exit_code(&self) -> u8 {
        match self {
            Error::Config(_) | Error::Setup(_) => EXIT_CONFIG,
            Error::Imds(e) => imds_exit(e),
            Error::Credentials(e) => credentials_exit(e),
            Error::Route53(e) => route53_exit(e),
            Error::NoPublicHostname => EXIT_UNAVAILABLE,
            Error::Unmanaged { .. } => EXIT_DATAERR,
            Error::Interrupted { .. } => EXIT_TEMPFAIL,
        }
    }

    /// A next step for the operator, when there is an obvious one.
    pub fn hint(&self) -> Option<&'static str> {
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
                Error::Route53(Route53Error::GaveUp { .. }) => Some(
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
    }
}

fn route53_exit(e: &Route53Error) -> u8 {
    match e {
        Route53Error::Refused { failure, .. } => match failure.error.code.as_deref() {
            Some(code) if REFUSAL_CODES.contains(&code) => EXIT_NOPERM,
            Some("NoSuchHostedZone") => EXIT_CONFIG,
            Some("NoSuchChange") => EXIT_TEMPFAIL,
            _ if failure.status.is_none_or(|s| s >= 500 || s == 429) => EXIT_TEMPFAIL,
            _ => EXIT_DATAERR,
        },
        Route53Error::BothSchemesRefused { .. } => EXIT_NOPERM,
        Route53Error::GaveUp { .. }
        | Route53Error::Malformed { .. }
        | Route53Error::NotInSync { .. } => EXIT_TEMPFAIL,
        Route53Error::Credentials(c) => credentials_exit(c),
    }
}
