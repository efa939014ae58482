//! AWS credentials and where they come from.
//!
//! The chain, in the order the AWS SDKs use (first match wins):
//! 1. environment: `AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`, `AWS_SESSION_TOKEN`;
//! 2. a systemd credential: `$CREDENTIALS_DIRECTORY/aws-credentials` (shared
//!    credentials file format, passed with `LoadCredential=`);
//! 3. the shared credentials file: `AWS_SHARED_CREDENTIALS_FILE` or
//!    `~/.aws/credentials`, profile `AWS_PROFILE` or `default`;
//! 4. the instance role, from IMDS `iam/security-credentials/`.

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
}

impl CredentialSource {
    pub(crate) fn new(provider: Arc<Provider>, imds: Arc<Imds>) -> Self {
        CredentialSource { provider, imds }
    }

    /// Credentials valid for a few more minutes at `now` (see [`Provider::get`]).
    pub(crate) async fn get(
        &self,
        deadline: Deadline,
        now: Timestamp,
    ) -> Result<Credentials, CredentialError> {
        self.provider.get(&self.imds, deadline, now).await
    }

    /// Drops the cached credentials: the next `get` asks the chain again.
    pub(crate) async fn invalidate(&self) {
        self.provider.invalidate().await;
    }
}
