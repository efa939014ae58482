//! The access keys Route 53 knows: the configured static pairs, and every
//! role credential IMDS has issued (kept after rotation so an old key stays
//! usable until it expires, then answers `ExpiredToken`).

use crate::log::lock;
use aws_sign::Credentials;
use aws_sign::Secret;
use aws_sign::Timestamp;
use std::collections::HashMap;
use std::sync::Mutex;

/// What the authenticator needs to know about a key. `Debug` redacts.
#[derive(Clone, Debug)]
pub(crate) struct KnownKey {
    pub(crate) secret: Secret,
    /// Temporary credentials: the `X-Amz-Security-Token` that must come along.
    pub(crate) token: Option<Secret>,
    pub(crate) expiration: Option<Timestamp>,
    /// The role a temporary key belongs to (for AccessDenied messages).
    pub(crate) role: Option<String>,
    /// Credentials AssumeRole issued: the role ARN and the session name.
    pub(crate) assumed: Option<(String, String)>,
}

#[derive(Debug, Default)]
pub(crate) struct KeyStore {
    keys: Mutex<HashMap<String, KnownKey>>,
}

impl KeyStore {
    pub(crate) fn new(static_keys: &[Credentials]) -> Self {
        let store = KeyStore::default();
        for creds in static_keys {
            store.insert(creds, None);
        }
        store
    }

    /// Registers credentials IMDS issued for `role`.
    pub(crate) fn register_role(&self, creds: &Credentials, role: &str) {
        self.insert(creds, Some(role.to_owned()));
    }

    /// Registers credentials AssumeRole issued for `role_arn`.
    pub(crate) fn register_assumed(&self, creds: &Credentials, role_arn: &str, session: &str) {
        let name = role_arn.rsplit('/').next().unwrap_or(role_arn);
        let key = KnownKey {
            secret: creds.secret_access_key.clone(),
            token: creds.session_token.clone(),
            expiration: creds.expiration,
            role: Some(name.to_owned()),
            assumed: Some((role_arn.to_owned(), session.to_owned())),
        };
        lock(&self.keys).insert(creds.access_key_id.clone(), key);
    }

    fn insert(&self, creds: &Credentials, role: Option<String>) {
        let key = KnownKey {
            secret: creds.secret_access_key.clone(),
            token: creds.session_token.clone(),
            expiration: creds.expiration,
            role,
            assumed: None,
        };
        lock(&self.keys).insert(creds.access_key_id.clone(), key);
    }

    /// Every credential AssumeRole issued: (access key id, secret, token).
    pub(crate) fn assumed(&self) -> Vec<(String, Secret, Option<Secret>)> {
        lock(&self.keys)
            .iter()
            .filter(|(_, k)| k.assumed.is_some())
            .map(|(id, k)| (id.clone(), k.secret.clone(), k.token.clone()))
            .collect()
    }

    pub(crate) fn lookup(&self, access_key_id: &str) -> Option<KnownKey> {
        lock(&self.keys).get(access_key_id).cloned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn static_and_role_keys() {
        let store = KeyStore::new(&[Credentials::new_static("AKID1", "s1")]);
        let found = store.lookup("AKID1").unwrap();
        assert_eq!(found.secret.expose(), "s1");
        assert!(found.token.is_none() && found.role.is_none());
        let role = Credentials::new_temporary("ASIA1", "s2", "tok", Some(Timestamp::from_unix(9)));
        store.register_role(&role, "web-role");
        let found = store.lookup("ASIA1").unwrap();
        assert_eq!(found.token.unwrap().expose(), "tok");
        assert_eq!(found.role.as_deref(), Some("web-role"));
        assert!(store.lookup("nope").is_none());
        assert!(!format!("{:?}", store.lookup("ASIA1")).contains("s2"));
    }
}
