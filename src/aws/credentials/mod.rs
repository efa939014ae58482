//! AWS credentials and where they come from.
//!
//! The chain, in the order the AWS SDKs use (first match wins):
//! 1. environment: `AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`, `AWS_SESSION_TOKEN`;
//! 2. a systemd credential: `$CREDENTIALS_DIRECTORY/aws-credentials` (shared
//!    credentials file format, passed with `LoadCredential=`);
//! 3. the shared credentials file: `AWS_SHARED_CREDENTIALS_FILE` or
//!    `~/.aws/credentials`, profile `AWS_PROFILE` or `default`;
//! 4. the instance role, from IMDS `iam/security-credentials/`.
//!
//! Before 2 and 3, a profile of the shared config file (`AWS_CONFIG_FILE` or
//! `~/.aws/config`) with `role_arn` and `source_profile` or
//! `credential_source = Ec2InstanceMetadata` gives that role's credentials
//! (`chain.rs`, `assume_role.rs`).
//!
//! With `route53.role_arn`, those credentials only sign STS AssumeRole and
//! Route 53 is called with the assumed role's (`assume_role.rs`).

pub mod assume_role;
pub(crate) mod chain;
pub mod profile;
pub mod role;

pub(crate) use chain::{CredentialError, Env, Provider};

pub use aws_sign::Credentials;

use crate::aws::imds::Imds;
use crate::aws::retry::Deadline;
use aws_sign::Timestamp;
use std::sync::Arc;

/// What a signed client asks for credentials: the chain, with the IMDS
/// session its instance-role step reads. Cheap to clone.
#[derive(Debug, Clone)]
pub(crate) struct CredentialSource {
    provider: Arc<Provider>,
    imds: Arc<Imds>,
    /// Set: the chain's credentials only sign AssumeRole; these are handed out.
    assumed: Option<Arc<assume_role::Assumer>>,
}

impl CredentialSource {
    pub(crate) fn new(provider: Arc<Provider>, imds: Arc<Imds>) -> Self {
        CredentialSource {
            provider,
            imds,
            assumed: None,
        }
    }

    /// The same chain, but handing out the credentials of an assumed role.
    pub(crate) fn assuming(&self, settings: assume_role::AssumeSettings) -> Self {
        let assumer = assume_role::Assumer::new(settings, self.clone(), self.imds.clone());
        CredentialSource {
            provider: self.provider.clone(),
            imds: self.imds.clone(),
            assumed: Some(Arc::new(assumer)),
        }
    }

    /// Credentials valid for a few more minutes at `now` (see [`Provider::get`]).
    pub(crate) async fn get(
        &self,
        deadline: Deadline,
        now: Timestamp,
    ) -> Result<Credentials, CredentialError> {
        match &self.assumed {
            Some(assumer) => assumer.get(deadline, now).await,
            None => match self.provider.profile_assumer(&self.imds).await? {
                Some(assumer) => assumer.get(deadline, now).await,
                None => self.provider.get(&self.imds, deadline, now).await,
            },
        }
    }

    /// Drops the cached credentials: the next `get` asks the chain again.
    pub(crate) async fn invalidate(&self) {
        match &self.assumed {
            Some(assumer) => assumer.invalidate().await,
            None => self.provider.invalidate().await,
        }
    }
}
