//! Credentials of an assumed role (STS `AssumeRole`), for hosted zones in
//! another account.
//!
//! AssumeRole is a SigV4-signed Query call, `POST /` with a form body
//! (`Action=AssumeRole&Version=2011-06-15&RoleArn=..&RoleSessionName=..`,
//! optional `ExternalId`), service `sts`, sent through an [`AwsClient`]
//! signed with the base credentials of the chain. The answer:
//!
//! ```xml
//! <AssumeRoleResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">
//!   <AssumeRoleResult><Credentials><AccessKeyId>ASIA..</AccessKeyId>
//!   <SecretAccessKey>..</SecretAccessKey><SessionToken>..</SessionToken>
//!   <Expiration>2026-11-23T15:00:00Z</Expiration></Credentials>..
//! ```
//!
//! The assumed credentials are cached and replaced [`REFRESH_MARGIN_SECS`]
//! before their `Expiration`, like the instance role's. Neither the keys nor
//! the answer's body are ever logged.

use super::chain::{REFRESH_MARGIN_SECS, is_expired, needs_refresh};
use super::{CredentialError, CredentialSource, Credentials};
use crate::aws::client::{
    Answer, AwsClient, CallError, ClientSettings, Endpoint, ErrorParser, Operation, SigningMode,
};
use crate::aws::http::TlsClient;
use crate::aws::imds::{Imds, ImdsError};
use crate::aws::retry::Deadline;
use aws_sign::secret::Secret;
use aws_sign::sign::Scheme;
use aws_sign::timestamp::Timestamp;
use reqwest::{Method, Url};
use serde::Deserialize;
use std::sync::Arc;
use tracing::{info, warn};

/// The SigV4 service name of STS.
pub const SERVICE: &str = "sts";
/// The STS API version AssumeRole is called with.
pub const VERSION: &str = "2011-06-15";
const REGION_PATH: &str = "meta-data/placement/region";
const INSTANCE_ID_PATH: &str = "meta-data/instance-id";

/// What to assume and where to ask.
#[derive(Debug, Clone)]
pub(crate) struct AssumeSettings {
    pub role_arn: String,
    pub external_id: Option<String>,
    /// `None`: the instance id.
    pub session_name: Option<String>,
    /// `None`: `https://sts.<region>.amazonaws.com`.
    pub endpoint: Option<Url>,
    /// `None`: the instance's region.
    pub region: Option<String>,
    /// The default endpoint is the dual-stack one (an IPv6-only instance).
    pub dual_stack: bool,
    /// The HTTP client STS is reached with (the run's one, Route 53's).
    pub http: TlsClient,
    /// How STS error bodies are read (their shape is Route 53's).
    pub parse_error: ErrorParser,
}

/// Where any AssumeRole goes (the `[sts]` settings), for role profiles.
#[derive(Debug, Clone)]
pub(crate) struct StsAccess {
    pub endpoint: Option<Url>,
    pub region: Option<String>,
    pub dual_stack: bool,
    pub http: TlsClient,
    pub parse_error: ErrorParser,
}

/// Why a role cannot be assumed.
#[derive(Debug, thiserror::Error)]
pub enum AssumeRoleError {
    /// STS said AccessDenied.
    #[error(
        "cannot assume role {role}: STS refused: {reason}. Check the role's trust policy: it must allow sts:AssumeRole to the instance's role{external}, and the instance's role must be allowed sts:AssumeRole on {role} (`ec2-dns-updater policy` prints both)"
    )]
    Denied {
        /// The role ARN.
        role: String,
        /// What STS said.
        reason: String,
        /// A hint about the external id.
        external: &'static str,
    },
    /// STS refused a parameter (ValidationError): a config problem.
    #[error("cannot assume role {role}: STS refused the request: {reason}")]
    Invalid {
        /// The role ARN.
        role: String,
        /// What STS said.
        reason: String,
    },
    /// Any other failure of the call (transport, throttling, server errors).
    #[error("cannot assume role {role}: STS AssumeRole failed: {reason}")]
    Failed {
        /// The role ARN.
        role: String,
        /// What went wrong.
        reason: String,
        /// True when retrying later may help.
        temporary: bool,
    },
    /// The answer is not an AssumeRole answer.
    #[error(
        "cannot assume role {role}: STS answered with something this program cannot read: {reason}"
    )]
    Malformed {
        /// The role ARN.
        role: String,
        /// What is wrong with it (never its text).
        reason: String,
    },
    /// The region or the instance id could not be read.
    #[error("cannot assume role {role}: {source}")]
    Imds {
        /// The role ARN.
        role: String,
        /// What IMDS said.
        source: ImdsError,
    },
    /// IMDS has no region and `sts.region` is not set.
    #[error(
        "cannot assume role {role}: IMDS gives no region ({REGION_PATH}); set sts.region and sts.endpoint"
    )]
    NoRegion {
        /// The role ARN.
        role: String,
    },
}

/// The assumed role's credentials, cached.
#[derive(Debug)]
pub(crate) struct Assumer {
    settings: AssumeSettings,
    base: CredentialSource,
    imds: Arc<Imds>,
    state: tokio::sync::Mutex<State>,
}

#[derive(Debug, Default)]
struct State {
    client: Option<Arc<AwsClient>>,
    session_name: Option<String>,
    cached: Option<Credentials>,
}

impl Assumer {
    /// `base` signs the AssumeRole calls (the chain, without a role to assume).
    pub(crate) fn new(settings: AssumeSettings, base: CredentialSource, imds: Arc<Imds>) -> Self {
        Assumer {
            settings,
            base,
            imds,
            state: tokio::sync::Mutex::new(State::default()),
        }
    }

    /// The assumed credentials, valid for a few more minutes at `now`.
    pub(crate) async fn get(
        &self,
        deadline: Deadline,
        now: Timestamp,
    ) -> Result<Credentials, CredentialError> {
        let mut state = self.state.lock().await;
        if let Some(creds) = &state.cached
            && !needs_refresh(creds, now)
        {
            return Ok(creds.clone());
        }
        match self.assume(&mut state, deadline).await {
            Ok(fresh) => {
                info!(
                    role = %self.settings.role_arn,
                    expiration = ?fresh.expiration,
                    refresh_margin_secs = REFRESH_MARGIN_SECS,
                    "assumed role"
                );
                state.cached = Some(fresh.clone());
                Ok(fresh)
            }
            Err(CredentialError::AssumeRole(e)) => match &state.cached {
                Some(old) if !is_expired(old, now) => {
                    warn!(error = %e, "could not refresh the assumed role's credentials; the current ones are still valid");
                    Ok(old.clone())
                }
                _ => Err(CredentialError::AssumeRole(e)),
            },
            Err(e) => Err(e),
        }
    }

    /// Drops the cached credentials (after `ExpiredToken`).
    pub(crate) async fn invalidate(&self) {
        self.state.lock().await.cached = None;
    }

    fn error(&self, e: AssumeRoleError) -> CredentialError {
        let _ = self;
        CredentialError::AssumeRole(Box::new(e))
    }

    async fn assume(
        &self,
        state: &mut State,
        deadline: Deadline,
    ) -> Result<Credentials, CredentialError> {
        let role = &self.settings.role_arn;
        let imds_error = |source| {
            self.error(AssumeRoleError::Imds {
                role: role.clone(),
                source,
            })
        };
        if state.client.is_none() {
            let region = match &self.settings.region {
                Some(r) => r.clone(),
                None => self
                    .imds
                    .get(REGION_PATH, deadline)
                    .await
                    .map_err(imds_error)?
                    .map(|r| r.trim().to_owned())
                    .filter(|r| {
                        !r.is_empty()
                            && r.bytes()
                                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
                    })
                    .ok_or_else(|| self.error(AssumeRoleError::NoRegion { role: role.clone() }))?,
            };
            let url = match &self.settings.endpoint {
                Some(u) => u.clone(),
                None => default_endpoint(&region, self.settings.dual_stack),
            };
            state.client = Some(Arc::new(AwsClient::new(
                self.settings.http.clone(),
                ClientSettings {
                    endpoint: Endpoint {
                        url,
                        region,
                        service: SERVICE.into(),
                    },
                    signing: SigningMode::Fixed(Scheme::SigV4),
                    initial_scheme: Scheme::SigV4,
                    parse_error: self.settings.parse_error,
                },
                self.base.clone(),
            )));
        }
        if state.session_name.is_none() {
            state.session_name = Some(match &self.settings.session_name {
                Some(s) => s.clone(),
                None => {
                    let id = self
                        .imds
                        .get(INSTANCE_ID_PATH, deadline)
                        .await
                        .map_err(imds_error)?
                        .map(|s| s.trim().to_owned())
                        .unwrap_or_default();
                    if valid_session(&id) {
                        id
                    } else {
                        "ec2-dns-updater".to_owned()
                    }
                }
            });
        }
        let client = state.client.clone().expect("built above");
        let session = state.session_name.clone().expect("set above");
        let body = request_body(role, &session, self.settings.external_id.as_deref());
        // Boxed: a client's `send` asks its credential source, which may be
        // this one (the future type would contain itself).
        let call: std::pin::Pin<Box<dyn Future<Output = Result<Answer, CallError>> + '_>> =
            Box::pin(client.send(
                Operation("AssumeRole"),
                Method::POST,
                "/",
                Some(&body),
                deadline,
            ));
        let answer = call.await.map_err(|e| self.call_error(e))?;
        parse(&answer.body).map_err(|reason| {
            self.error(AssumeRoleError::Malformed {
                role: role.clone(),
                reason,
            })
        })
    }

    fn call_error(&self, e: CallError) -> CredentialError {
        let role = self.settings.role_arn.clone();
        let e = match e {
            // The base credentials failed: that is the error.
            CallError::Credentials(c) => return c,
            CallError::Refused { failure, .. } => {
                let reason = failure.to_string();
                match failure.error.code.as_deref() {
                    Some("AccessDenied") => AssumeRoleError::Denied {
                        role,
                        reason,
                        external: if self.settings.external_id.is_some() {
                            " with the sts:ExternalId condition matching route53.external_id"
                        } else {
                            " (if it requires an external id, set route53.external_id)"
                        },
                    },
                    Some("ValidationError") => AssumeRoleError::Invalid { role, reason },
                    _ => AssumeRoleError::Failed {
                        role,
                        reason,
                        temporary: failure.status.is_none_or(|s| s >= 500 || s == 429),
                    },
                }
            }
            other => {
                let temporary = !matches!(other, CallError::Untrusted { .. });
                // The client's messages name Route 53; this call is STS's.
                let reason = other
                    .to_string()
                    .replacen("Route 53 AssumeRole", "STS AssumeRole", 1);
                AssumeRoleError::Failed {
                    role,
                    reason,
                    temporary,
                }
            }
        };
        self.error(e)
    }
}

/// `https://sts.<region>.amazonaws.com` (`.amazonaws.com.cn` in China); with
/// `dual_stack` (an IPv6-only instance) `https://sts.<region>.api.aws`
/// (`.api.amazonwebservices.com.cn` in China).
pub(crate) fn default_endpoint(region: &str, dual_stack: bool) -> Url {
    let suffix = match (region.starts_with("cn-"), dual_stack) {
        (true, false) => "amazonaws.com.cn",
        (false, false) => "amazonaws.com",
        (true, true) => "api.amazonwebservices.com.cn",
        (false, true) => "api.aws",
    };
    Url::parse(&format!("https://sts.{region}.{suffix}")).expect("a region name makes a URL")
}

/// STS's rule for `RoleSessionName`.
pub(crate) fn valid_session(name: &str) -> bool {
    (2..=64).contains(&name.len())
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"+=,.@_-".contains(&b))
}

/// The form body of an AssumeRole call.
pub(crate) fn request_body(role_arn: &str, session: &str, external_id: Option<&str>) -> String {
    let mut form = url::form_urlencoded::Serializer::new(String::new());
    form.append_pair("Action", "AssumeRole")
        .append_pair("Version", VERSION)
        .append_pair("RoleArn", role_arn)
        .append_pair("RoleSessionName", session);
    if let Some(id) = external_id {
        form.append_pair("ExternalId", id);
    }
    form.finish()
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct Response {
    assume_role_result: ResultDoc,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct ResultDoc {
    credentials: CredentialsDoc,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct CredentialsDoc {
    access_key_id: String,
    secret_access_key: Secret,
    session_token: Secret,
    expiration: String,
}

/// Reads an AssumeRole answer. Errors never quote the body (it holds keys).
pub(crate) fn parse(body: &str) -> Result<Credentials, String> {
    let doc: Response = quick_xml::de::from_str(body)
        .map_err(|_| "not an AssumeRoleResponse with Credentials".to_owned())?;
    let c = doc.assume_role_result.credentials;
    let id = c.access_key_id.trim().to_owned();
    if id.is_empty() || c.secret_access_key.expose().trim().is_empty() {
        return Err("the credentials are empty".into());
    }
    let expiration = Timestamp::parse_rfc3339(c.expiration.trim())
        .ok_or_else(|| "Expiration is not an RFC 3339 time".to_owned())?;
    Ok(Credentials {
        access_key_id: id,
        secret_access_key: Secret::new(c.secret_access_key.expose().trim()),
        session_token: Some(Secret::new(c.session_token.expose().trim())),
        expiration: Some(expiration),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn body_is_form_encoded() {
        assert_eq!(
            request_body(
                "arn:aws:iam::111122223333:role/a/b",
                "i-0abc",
                Some("x y/z")
            ),
            "Action=AssumeRole&Version=2011-06-15&RoleArn=arn%3Aaws%3Aiam%3A%3A111122223333%3Arole%2Fa%2Fb&RoleSessionName=i-0abc&ExternalId=x+y%2Fz"
        );
    }

    #[test]
    fn parses_an_answer_and_never_quotes_it() {
        let ok = r#"<?xml version="1.0"?><AssumeRoleResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><AssumeRoleResult><Credentials><AccessKeyId>ASIAX</AccessKeyId><SecretAccessKey>s&amp;k</SecretAccessKey><SessionToken>tok</SessionToken><Expiration>2026-11-23T15:00:00Z</Expiration></Credentials><AssumedRoleUser><Arn>a</Arn></AssumedRoleUser></AssumeRoleResult></AssumeRoleResponse>"#;
        let c = parse(ok).unwrap();
        assert_eq!(c.access_key_id, "ASIAX");
        assert_eq!(c.secret_access_key.expose(), "s&k");
        assert_eq!(c.expiration.unwrap().rfc3339(), "2026-11-23T15:00:00Z");
        let bad = ok.replace("2026-11-23T15:00:00Z", "SECRETSECRET");
        let e = parse(&bad).unwrap_err();
        assert!(!e.contains("SECRETSECRET"), "{e}");
        let e = parse("<AssumeRoleResponse><SecretAccessKey>SECRETSECRET").unwrap_err();
        assert!(!e.contains("SECRETSECRET"), "{e}");
    }

    #[test]
    fn default_endpoints() {
        assert_eq!(
            default_endpoint("eu-west-1", false).as_str(),
            "https://sts.eu-west-1.amazonaws.com/"
        );
        assert_eq!(
            default_endpoint("cn-north-1", false).as_str(),
            "https://sts.cn-north-1.amazonaws.com.cn/"
        );
        assert_eq!(
            default_endpoint("eu-west-1", true).as_str(),
            "https://sts.eu-west-1.api.aws/"
        );
    }
}
