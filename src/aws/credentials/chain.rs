//! The credential chain and its cache: the first source that has credentials
//! wins; instance role credentials are refreshed before they expire.

use super::assume_role::{AssumeSettings, Assumer, StsAccess};
use super::profile::RoleSource;
use super::profile::{self, ProfileError};
use super::role::{self, RoleError};
use super::{CredentialSource, Credentials};
use crate::aws::imds::Imds;
use crate::aws::retry::Deadline;
use aws_sign::secret::Secret;
use aws_sign::timestamp::Timestamp;
use std::fmt;
use std::path::PathBuf;
use std::sync::Arc;
use tracing::{info, warn};

/// The file name a systemd `LoadCredential=` line should use.
pub(crate) const SYSTEMD_CREDENTIAL_NAME: &str = "aws-credentials";
/// Role credentials are replaced this long before their `Expiration`; IMDS
/// publishes new ones at least 5 minutes before the old ones expire.
pub(crate) const REFRESH_MARGIN_SECS: i64 = 5 * 60;

/// The environment the chain looks at, captured once (tests build their own).
#[derive(Debug, Clone, Default)]
pub(crate) struct Env {
    pub access_key_id: Option<String>,
    pub secret_access_key: Option<Secret>,
    pub session_token: Option<Secret>,
    pub shared_credentials_file: Option<PathBuf>,
    pub profile: Option<String>,
    pub home: Option<PathBuf>,
    pub credentials_directory: Option<PathBuf>,
    /// `AWS_CONFIG_FILE` (default `~/.aws/config`): role profiles.
    pub config_file: Option<PathBuf>,
}

impl Env {
    pub(crate) fn from_process() -> Self {
        let var = |k: &str| std::env::var(k).ok().filter(|v| !v.is_empty());
        Env {
            access_key_id: var("AWS_ACCESS_KEY_ID"),
            secret_access_key: var("AWS_SECRET_ACCESS_KEY").map(Secret::new),
            session_token: var("AWS_SESSION_TOKEN").map(Secret::new),
            shared_credentials_file: var("AWS_SHARED_CREDENTIALS_FILE").map(PathBuf::from),
            profile: var("AWS_PROFILE"),
            home: var("HOME").map(PathBuf::from),
            credentials_directory: var("CREDENTIALS_DIRECTORY").map(PathBuf::from),
            config_file: var("AWS_CONFIG_FILE").map(PathBuf::from),
        }
    }
}

/// Where the credentials in use came from (for logs; never the keys).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Source {
    Environment,
    SystemdCredential { path: PathBuf },
    SharedFile { path: PathBuf, profile: String },
    InstanceRole { role: String },
}

impl fmt::Display for Source {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Source::Environment => f.write_str("environment (AWS_ACCESS_KEY_ID)"),
            Source::SystemdCredential { path } => {
                write!(f, "systemd credential {}", path.display())
            }
            Source::SharedFile { path, profile } => {
                write!(f, "profile [{profile}] of {}", path.display())
            }
            Source::InstanceRole { role } => write!(f, "instance role {role}"),
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub(crate) enum CredentialError {
    #[error(
        "only one of AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY is set: set both, or neither to use the instance role"
    )]
    PartialEnvironment,
    #[error(transparent)]
    Profile(#[from] ProfileError),
    #[error(
        "no AWS credentials: {tried}. Attach an instance profile (IAM role) to the instance; `ec2-dns-updater policy` prints the policy it needs"
    )]
    NotFound { tried: String },
    #[error(transparent)]
    Role(RoleError),
    #[error(transparent)]
    AssumeRole(Box<super::assume_role::AssumeRoleError>),
}

/// The chain plus a cache of what it found.
#[derive(Debug)]
pub(crate) struct Provider {
    env: Env,
    cached: tokio::sync::Mutex<Option<(Credentials, Source)>>,
    /// Where a role profile's AssumeRole goes (`None`: role profiles are not looked for).
    sts: Option<StsAccess>,
    /// The role profile of the shared config file, once looked for.
    profile_role: tokio::sync::Mutex<Option<Option<Arc<Assumer>>>>,
}

impl Provider {
    pub(crate) fn new(env: Env) -> Self {
        Provider {
            env,
            cached: tokio::sync::Mutex::new(None),
            sts: None,
            profile_role: tokio::sync::Mutex::new(None),
        }
    }

    /// Also honours a profile of the shared config file (`AWS_CONFIG_FILE`
    /// or `~/.aws/config`) that assumes a role, asking STS at `sts`.
    pub(crate) fn with_sts(mut self, sts: StsAccess) -> Self {
        self.sts = Some(sts);
        self
    }

    /// The assumer of the selected profile of the shared config file, when
    /// that profile has a `role_arn` (looked for once). Credentials in the
    /// environment win over it, as in the AWS CLI.
    pub(crate) async fn profile_assumer(
        &self,
        imds: &Arc<Imds>,
    ) -> Result<Option<Arc<Assumer>>, CredentialError> {
        let mut slot = self.profile_role.lock().await;
        if let Some(found) = &*slot {
            return Ok(found.clone());
        }
        let found = self.find_profile_role(imds)?;
        *slot = Some(found.clone());
        Ok(found)
    }

    fn find_profile_role(&self, imds: &Arc<Imds>) -> Result<Option<Arc<Assumer>>, CredentialError> {
        let env = &self.env;
        let Some(sts) = &self.sts else {
            return Ok(None);
        };
        if env.access_key_id.is_some() || env.secret_access_key.is_some() {
            return Ok(None);
        }
        let Some(path) = env
            .config_file
            .clone()
            .or_else(|| env.home.as_ref().map(|h| h.join(".aws/config")))
        else {
            return Ok(None);
        };
        let profile_name = env.profile.clone().unwrap_or_else(|| "default".to_owned());
        let Some(role) = profile::load_role(&path, &profile_name)? else {
            return Ok(None);
        };
        let base_env = match &role.source {
            RoleSource::Profile(name) => {
                let file = env
                    .shared_credentials_file
                    .clone()
                    .or_else(|| env.home.as_ref().map(|h| h.join(".aws/credentials")))
                    .unwrap_or_else(|| PathBuf::from("~/.aws/credentials"));
                let creds =
                    profile::load(&file, name, true)?.ok_or_else(|| ProfileError::NotFound {
                        path: file.clone(),
                        profile: name.clone(),
                    })?;
                Env {
                    access_key_id: Some(creds.access_key_id),
                    secret_access_key: Some(creds.secret_access_key),
                    session_token: creds.session_token,
                    ..Env::default()
                }
            }
            // No files, no environment: the chain ends at the instance role.
            RoleSource::InstanceRole => Env::default(),
        };
        info!(
            profile = %profile_name,
            config_file = %path.display(),
            role = %role.role_arn,
            "the profile assumes a role"
        );
        let base = CredentialSource::new(Arc::new(Provider::new(base_env)), imds.clone());
        let settings = AssumeSettings {
            role_arn: role.role_arn,
            external_id: role.external_id,
            session_name: role.session_name,
            endpoint: sts.endpoint.clone(),
            region: sts.region.clone(),
            dual_stack: sts.dual_stack,
            http: sts.http.clone(),
            parse_error: sts.parse_error,
        };
        Ok(Some(Arc::new(Assumer::new(settings, base, imds.clone()))))
    }

    /// Credentials valid for at least a few more minutes at `now`: the
    /// corrected time (the system clock plus the offset learnt from Route 53),
    /// since `Expiration` is AWS's time, not this clock's.
    pub(crate) async fn get(
        &self,
        imds: &Imds,
        deadline: Deadline,
        now: Timestamp,
    ) -> Result<Credentials, CredentialError> {
        let mut cached = self.cached.lock().await;
        if let Some((creds, source)) = cached.as_ref() {
            if !needs_refresh(creds, now) {
                return Ok(creds.clone());
            }
            if let Source::InstanceRole { .. } = source {
                match role::fetch(imds, deadline).await {
                    Ok((role, fresh)) => {
                        info!(role = %role, expiration = ?fresh.expiration, "refreshed instance role credentials");
                        *cached = Some((fresh.clone(), Source::InstanceRole { role }));
                        return Ok(fresh);
                    }
                    Err(e) if !is_expired(creds, now) => {
                        warn!(error = %e, "could not refresh role credentials; the current ones are still valid");
                        return Ok(creds.clone());
                    }
                    Err(e) => return Err(role_error(e)),
                }
            }
        }
        let (creds, source) = self.resolve(imds, deadline).await?;
        info!(source = %source, "using AWS credentials");
        *cached = Some((creds.clone(), source));
        Ok(creds)
    }

    /// Drops cached credentials (after `ExpiredToken`): the next `get` asks again.
    pub(crate) async fn invalidate(&self) {
        *self.cached.lock().await = None;
        let assumer = self.profile_role.lock().await.clone().flatten();
        if let Some(assumer) = assumer {
            assumer.invalidate().await;
        }
    }

    async fn resolve(
        &self,
        imds: &Imds,
        deadline: Deadline,
    ) -> Result<(Credentials, Source), CredentialError> {
        let env = &self.env;
        match (&env.access_key_id, &env.secret_access_key) {
            (Some(id), Some(secret)) => {
                let creds = Credentials {
                    access_key_id: id.clone(),
                    secret_access_key: secret.clone(),
                    session_token: env.session_token.clone(),
                    expiration: None,
                };
                return Ok((creds, Source::Environment));
            }
            (None, None) => {}
            _ => return Err(CredentialError::PartialEnvironment),
        }
        let profile_name = env.profile.clone().unwrap_or_else(|| "default".to_owned());
        let explicit_profile = env.profile.is_some();
        let mut tried = vec!["AWS_ACCESS_KEY_ID is not set".to_owned()];

        if let Some(dir) = &env.credentials_directory {
            let path = dir.join(SYSTEMD_CREDENTIAL_NAME);
            if let Some(creds) = profile::load(&path, &profile_name, explicit_profile)? {
                return Ok((creds, Source::SystemdCredential { path }));
            }
            tried.push(format!("no systemd credential {}", path.display()));
        }

        let file = env
            .shared_credentials_file
            .clone()
            .or_else(|| env.home.as_ref().map(|h| h.join(".aws/credentials")));
        if let Some(path) = file {
            if let Some(creds) = profile::load(&path, &profile_name, explicit_profile)? {
                return Ok((
                    creds,
                    Source::SharedFile {
                        path,
                        profile: profile_name,
                    },
                ));
            }
            tried.push(format!("no profile [{profile_name}] in {}", path.display()));
        }

        match role::fetch(imds, deadline).await {
            Ok((role, creds)) => Ok((creds, Source::InstanceRole { role })),
            Err(RoleError::NoRole) => {
                tried.push("no instance role attached".into());
                Err(CredentialError::NotFound {
                    tried: tried.join(", "),
                })
            }
            Err(e) => Err(role_error(e)),
        }
    }
}

fn role_error(e: RoleError) -> CredentialError {
    match e {
        RoleError::NoRole => CredentialError::NotFound {
            tried: "the instance role was removed".into(),
        },
        other => CredentialError::Role(other),
    }
}

pub(crate) fn needs_refresh(creds: &Credentials, now: Timestamp) -> bool {
    creds
        .expiration
        .is_some_and(|exp| exp.seconds_since(now) < REFRESH_MARGIN_SECS)
}

pub(crate) fn is_expired(creds: &Credentials, now: Timestamp) -> bool {
    creds.expiration.is_some_and(|exp| exp <= now)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refresh_margin() {
        let now = Timestamp::from_unix(1_000_000);
        let mut c = Credentials::new_temporary("A", "S", "T", Some(now.offset_by(3600)));
        assert!(!needs_refresh(&c, now));
        c.expiration = Some(now.offset_by(REFRESH_MARGIN_SECS - 1));
        assert!(needs_refresh(&c, now));
        assert!(!is_expired(&c, now));
        c.expiration = Some(now);
        assert!(is_expired(&c, now));
        assert!(!needs_refresh(&Credentials::new_static("A", "S"), now));
    }

    #[test]
    fn debug_of_env_and_credentials_redacts() {
        let env = Env {
            access_key_id: Some("AKIAEXAMPLE".into()),
            secret_access_key: Some(Secret::new("TOPSECRETKEY")),
            session_token: Some(Secret::new("TOPSECRETTOKEN")),
            ..Env::default()
        };
        let creds = Credentials::new_temporary("ASIA", "TOPSECRETKEY", "TOPSECRETTOKEN", None);
        let shown = format!("{env:?} {creds:?} {creds:#?}");
        assert!(!shown.contains("TOPSECRET"), "{shown}");
    }
}
