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

pub use aws_sign::Credentials;

#[cfg(test)]
mod tests {
    use aws_sign::{REDACTED, Secret};

    /// The audit of issue 9 item 11: every type that holds a credential,
    /// up to the whole run context, in both Debug forms.
    #[test]
    fn no_debug_output_shows_a_credential() {
        use crate::aws::credentials::{Credentials, Env, Provider};
        use crate::config::Config;
        use crate::run::context::Context;
        use crate::run::state::StateDir;
        let (key, token) = (
            "envSecretKeyThatMustNotLeak0000",
            "envSessionTokenThatMustNotLeak00",
        );
        let env = Env {
            access_key_id: Some("AKIDEXAMPLE".into()),
            secret_access_key: Some(Secret::new(key)),
            session_token: Some(Secret::new(token)),
            ..Env::default()
        };
        let creds = Credentials::new_temporary("ASIAEXAMPLE", key, token, None);
        let config = Config::parse("", std::path::Path::new("/none.toml")).unwrap();
        let state = StateDir::locate(Some(std::path::Path::new("/nonexistent")), None);
        let ctx = Context::new(config, env.clone(), state).unwrap();
        let shown = [
            format!("{env:?}{env:#?}"),
            format!("{creds:?}{creds:#?}"),
            format!("{:?}{:#?}", Provider::new(env.clone()), Provider::new(env)),
            format!("{ctx:?}{ctx:#?}"),
        ];
        for text in shown {
            assert!(!text.contains(key) && !text.contains(token), "{text}");
            assert!(text.contains(REDACTED), "{text}");
        }
    }
}
