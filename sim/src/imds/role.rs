//! Role credentials: generated at random, handed out by
//! `iam/security-credentials/<role>`, registered with the key store so
//! Route 53 accepts them, and rotated once fewer than 5 minutes (or half the
//! lifetime, when that is shorter) remain before expiry. Old credentials stay
//! valid until they expire.

use crate::config::{ACCOUNT_ID, ImdsConfig};
use crate::http::{random_base64, random_upper};
use crate::keys::KeyStore;
use crate::log::lock;
use aws_sign::Credentials;
use aws_sign::Timestamp;
use std::sync::Mutex;

/// Rotate when fewer than this many seconds remain (AWS: "at least 5 minutes").
const ROTATE_BEFORE_SECS: i64 = 300;

#[derive(Debug, Clone)]
struct Issued {
    creds: Credentials,
    last_updated: Timestamp,
}

#[derive(Debug)]
pub(crate) struct RoleIssuer {
    role: Option<String>,
    error: Option<String>,
    lifetime_secs: i64,
    current: Mutex<Option<Issued>>,
}

impl RoleIssuer {
    pub(crate) fn new(config: &ImdsConfig) -> Self {
        RoleIssuer {
            role: config.role.clone(),
            error: config.role_error.clone(),
            // At most ten years, far from any date overflow.
            lifetime_secs: i64::try_from(config.credentials_lifetime.as_secs())
                .unwrap_or(i64::MAX)
                .min(10 * 366 * 86_400),
            current: Mutex::new(None),
        }
    }

    pub(crate) fn role(&self) -> Option<&str> {
        self.role.as_deref()
    }

    /// The credentials handed out at `now`, issuing new ones when due;
    /// `None` without a role or when the role is configured to fail.
    pub(crate) fn current(&self, keys: &KeyStore, now: Timestamp) -> Option<Credentials> {
        self.current_issued(keys, now).map(|i| i.creds)
    }

    fn current_issued(&self, keys: &KeyStore, now: Timestamp) -> Option<Issued> {
        let role = self.role.as_deref()?;
        if self.error.is_some() {
            return None;
        }
        let threshold = ROTATE_BEFORE_SECS.min(self.lifetime_secs / 2);
        let mut current = lock(&self.current);
        let due = match &*current {
            None => true,
            Some(issued) => issued
                .creds
                .expiration
                .is_none_or(|exp| exp.seconds_since(now) < threshold.max(1)),
        };
        if due {
            let creds = Credentials::new_temporary(
                format!("ASIA{}", random_upper(16)),
                random_base64(40),
                format!("IQoJb3JpZ2luX2VjE{}", random_base64(380)),
                Some(now.offset_by(self.lifetime_secs)),
            );
            keys.register_role(&creds, role);
            *current = Some(Issued {
                creds,
                last_updated: now,
            });
        }
        current.clone()
    }

    /// The `iam/security-credentials/<role>` document, as IMDS formats it.
    pub(crate) fn document(&self, keys: &KeyStore, now: Timestamp) -> String {
        if let Some(message) = &self.error {
            return format!(
                "{{\n  \"Code\" : \"AssumeRoleUnauthorizedAccess\",\n  \"Message\" : {},\n  \"LastUpdated\" : \"{}\"\n}}",
                json_string(message),
                now.rfc3339()
            );
        }
        let Some(issued) = self.current_issued(keys, now) else {
            return "{}".to_owned();
        };
        let creds = &issued.creds;
        let expiration = creds.expiration.unwrap_or(now);
        format!(
            "{{\n  \"Code\" : \"Success\",\n  \"LastUpdated\" : \"{}\",\n  \"Type\" : \"AWS-HMAC\",\n  \"AccessKeyId\" : {},\n  \"SecretAccessKey\" : {},\n  \"Token\" : {},\n  \"Expiration\" : \"{}\"\n}}",
            issued.last_updated.rfc3339(),
            json_string(&creds.access_key_id),
            json_string(creds.secret_access_key.expose()),
            json_string(creds.session_token.as_ref().map_or("", |t| t.expose())),
            expiration.rfc3339(),
        )
    }

    /// The `iam/info` document.
    pub(crate) fn info_document(&self, now: Timestamp) -> String {
        let role = self.role.as_deref().unwrap_or_default();
        format!(
            "{{\n  \"Code\" : \"Success\",\n  \"LastUpdated\" : \"{}\",\n  \"InstanceProfileArn\" : {},\n  \"InstanceProfileId\" : \"AIPAEXAMPLESIMPROFILE\"\n}}",
            now.rfc3339(),
            json_string(&format!(
                "arn:aws:iam::{ACCOUNT_ID}:instance-profile/{role}"
            )),
        )
    }
}

fn json_string(s: &str) -> String {
    serde_json::to_string(s).unwrap_or_else(|_| "\"\"".to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    fn issuer(lifetime: Duration) -> RoleIssuer {
        RoleIssuer::new(&ImdsConfig {
            credentials_lifetime: lifetime,
            ..Default::default()
        })
    }

    #[test]
    fn document_has_the_imds_fields_and_keys_are_registered() {
        let keys = KeyStore::default();
        let issuer = issuer(Duration::from_secs(6 * 3600));
        let now = Timestamp::parse_rfc3339("2026-11-23T09:00:00Z").unwrap();
        let doc: serde_json::Value = serde_json::from_str(&issuer.document(&keys, now)).unwrap();
        assert_eq!(doc["Code"], "Success");
        assert_eq!(doc["Type"], "AWS-HMAC");
        assert_eq!(doc["LastUpdated"], "2026-11-23T09:00:00Z");
        assert_eq!(doc["Expiration"], "2026-11-23T15:00:00Z");
        let id = doc["AccessKeyId"].as_str().unwrap();
        assert!(id.starts_with("ASIA") && id.len() == 20, "{id}");
        let known = keys.lookup(id).unwrap();
        assert_eq!(
            known.secret.expose(),
            doc["SecretAccessKey"].as_str().unwrap()
        );
        assert_eq!(
            known.token.unwrap().expose(),
            doc["Token"].as_str().unwrap()
        );
    }

    #[test]
    fn rotates_five_minutes_before_expiry_and_keeps_old_keys() {
        let keys = KeyStore::default();
        let issuer = issuer(Duration::from_secs(3600));
        let t0 = Timestamp::from_unix(1_800_000_000);
        let first = issuer.current(&keys, t0).unwrap();
        let same = issuer.current(&keys, t0.offset_by(3600 - 301)).unwrap();
        assert_eq!(first.access_key_id, same.access_key_id);
        let next = issuer.current(&keys, t0.offset_by(3600 - 299)).unwrap();
        assert_ne!(first.access_key_id, next.access_key_id);
        assert!(keys.lookup(&first.access_key_id).is_some());
    }

    #[test]
    fn short_lifetimes_rotate_at_half_life() {
        let keys = KeyStore::default();
        let issuer = issuer(Duration::from_secs(10));
        let t0 = Timestamp::from_unix(1_800_000_000);
        let first = issuer.current(&keys, t0).unwrap();
        assert_eq!(
            issuer
                .current(&keys, t0.offset_by(4))
                .unwrap()
                .access_key_id,
            first.access_key_id
        );
        assert_ne!(
            issuer
                .current(&keys, t0.offset_by(6))
                .unwrap()
                .access_key_id,
            first.access_key_id
        );
    }

    #[test]
    fn error_document_and_no_role() {
        let keys = KeyStore::default();
        let failing = RoleIssuer::new(&ImdsConfig {
            role_error: Some("Access \"denied\"".into()),
            ..Default::default()
        });
        let now = Timestamp::from_unix(1_800_000_000);
        let doc: serde_json::Value = serde_json::from_str(&failing.document(&keys, now)).unwrap();
        assert_eq!(doc["Code"], "AssumeRoleUnauthorizedAccess");
        assert_eq!(doc["Message"], "Access \"denied\"");
        assert!(failing.current(&keys, now).is_none());
        let none = RoleIssuer::new(&ImdsConfig {
            role: None,
            ..Default::default()
        });
        assert!(none.current(&keys, now).is_none());
    }
}
