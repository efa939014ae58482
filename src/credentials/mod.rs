//! AWS credentials and where they come from.
//!
//! The chain, in the order the AWS SDKs use (first match wins):
//! 1. environment: `AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`, `AWS_SESSION_TOKEN`;
//! 2. a systemd credential: `$CREDENTIALS_DIRECTORY/aws-credentials` (shared
//!    credentials file format, passed with `LoadCredential=`);
//! 3. the shared credentials file: `AWS_SHARED_CREDENTIALS_FILE` or
//!    `~/.aws/credentials`, profile `AWS_PROFILE` or `default`;
//! 4. the instance role, from IMDS `iam/security-credentials/`.

pub mod chain;
pub mod profile;
pub mod role;

pub use chain::{CredentialError, Env, Provider, Source};

use crate::secret::Secret;
use crate::timestamp::Timestamp;

/// A key pair, with a session token when the credentials are temporary.
///
/// `Debug` is safe: the secret key and the token print as `** redacted **`.
#[derive(Clone, Debug)]
pub struct Credentials {
    pub access_key_id: String,
    pub secret_access_key: Secret,
    /// Temporary credentials (instance role, STS) must send this with every
    /// request as `X-Amz-Security-Token`.
    pub session_token: Option<Secret>,
    /// When temporary credentials stop working.
    pub expiration: Option<Timestamp>,
}

impl Credentials {
    pub fn new_static(access_key_id: impl Into<String>, secret: impl Into<String>) -> Self {
        Credentials {
            access_key_id: access_key_id.into(),
            secret_access_key: Secret::new(secret),
            session_token: None,
            expiration: None,
        }
    }

    pub fn new_temporary(
        access_key_id: impl Into<String>,
        secret: impl Into<String>,
        token: impl Into<String>,
        expiration: Option<Timestamp>,
    ) -> Self {
        Credentials {
            access_key_id: access_key_id.into(),
            secret_access_key: Secret::new(secret),
            session_token: Some(Secret::new(token)),
            expiration,
        }
    }
}
