//! A string that must never be printed: secret keys, session tokens, IMDS
//! tokens, signatures.
//!
//! `Secret` has no `Display`, its `Debug` prints `** redacted **`, and the only
//! way to read it is [`Secret::expose`], which makes every use easy to audit.

use std::fmt;

/// What every redacting `Debug` prints in place of a secret.
pub const REDACTED: &str = "** redacted **";

#[derive(Clone, PartialEq, Eq, serde::Deserialize)]
#[serde(transparent)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Self {
        Secret(value.into())
    }

    /// The secret value, for signing or for a request header marked sensitive.
    pub fn expose(&self) -> &str {
        &self.0
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(REDACTED)
    }
}

impl From<String> for Secret {
    fn from(value: String) -> Self {
        Secret(value)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_never_shows_the_value() {
        let s = Secret::new("wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY");
        let shown = format!("{s:?} {s:#?} {:?}", Some(&s));
        assert!(!shown.contains("wJalr"), "{shown}");
        assert!(shown.contains("redacted"));
        assert_eq!(s.expose(), "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY");
    }

    /// The audit of issue 9 item 11: every type that holds a credential,
    /// up to the whole run context, in both Debug forms.
    #[test]
    fn no_debug_output_shows_a_credential() {
        use crate::config::Config;
        use crate::context::Context;
        use crate::credentials::{Credentials, Env, Provider};
        use crate::state::StateDir;
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
