//! AWS credentials: a key pair and, for temporary credentials, a session
//! token and an expiry. Where they come from is the caller's business.

use crate::secret::Secret;
use crate::timestamp::Timestamp;

/// A key pair, with a session token when the credentials are temporary.
///
/// `Debug` is safe: the secret key and the token print as `** redacted **`.
#[derive(Clone, Debug)]
pub struct Credentials {
    /// The access key id (`AKIA...` or `ASIA...`); not a secret.
    pub access_key_id: String,
    /// The secret access key.
    pub secret_access_key: Secret,
    /// Temporary credentials (instance role, STS) must send this with every
    /// request as `X-Amz-Security-Token`.
    pub session_token: Option<Secret>,
    /// When temporary credentials stop working.
    pub expiration: Option<Timestamp>,
}

impl Credentials {
    /// Long-term credentials: a key pair, no token, no expiry.
    pub fn new_static(access_key_id: impl Into<String>, secret: impl Into<String>) -> Self {
        Credentials {
            access_key_id: access_key_id.into(),
            secret_access_key: Secret::new(secret),
            session_token: None,
            expiration: None,
        }
    }

    /// Temporary credentials: a key pair, its session token, maybe an expiry.
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
