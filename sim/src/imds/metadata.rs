//! The instance metadata tree under `/latest/meta-data/`: leaf values, and
//! directory listings (LF-separated, children with their own children end in
//! `/`) computed from the leaves. The role paths (`iam/...`) are dynamic and
//! answered by `role`.
//!
//! Fleet instance `n` (1..=65535), served under `/i/<n>/latest/...`, is the
//! main instance's region, zone, tags and role with, for `a = n / 256` and
//! `b = n % 256`:
//! - `instance-id` = `i-fleet` + `n` zero-padded to 12 digits (`i-fleet000000000042`);
//! - `public-hostname` = `ec2-10-<a>-<b>-1.compute-1.amazonaws.com`;
//! - `public-ipv4` = `10.<a>.<b>.1`;
//! - `local-hostname` = `ip-10-<a>-<b>-1.ec2.internal`, `local-ipv4` = `10.<a>.<b>.1`.

use crate::config::ImdsConfig;
use std::collections::{BTreeMap, BTreeSet};

/// What a metadata path resolves to.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Lookup {
    Value(String),
    Listing(String),
    /// `iam/security-credentials/<role>`
    RoleCredentials,
    /// `iam/info`
    IamInfo,
    NotFound,
}

#[derive(Debug, Clone, Default)]
pub(crate) struct Metadata {
    values: BTreeMap<String, String>,
    /// Paths explicitly removed (so dynamic ones can be removed too).
    hidden: BTreeSet<String>,
}

/// `public-hostname` for fleet instance `n`.
pub fn fleet_public_hostname(n: u32) -> String {
    format!("ec2-10-{}-{}-1.compute-1.amazonaws.com", n / 256, n % 256)
}

/// `instance-id` for fleet instance `n`.
pub fn fleet_instance_id(n: u32) -> String {
    format!("i-fleet{n:012}")
}

/// Strips a leading `/` and `latest/meta-data/`, so callers may pass either
/// `public-hostname` or `/latest/meta-data/public-hostname`.
pub(crate) fn normalize_path(path: &str) -> &str {
    let path = path.trim_start_matches('/');
    path.strip_prefix("latest/meta-data/")
        .or_else(|| path.strip_prefix("latest/meta-data"))
        .unwrap_or(path)
}

impl Metadata {
    /// The main instance.
    pub(crate) fn for_instance(config: &ImdsConfig) -> Self {
        let mut m = Metadata::default();
        m.put("instance-id", Some(&config.instance_id));
        m.put("public-hostname", config.public_hostname.as_deref());
        m.put("public-ipv4", config.public_ipv4.as_deref());
        m.put("local-hostname", config.local_hostname.as_deref());
        m.put("local-ipv4", config.local_ipv4.as_deref());
        m.put("ipv6", config.ipv6.as_deref());
        m.common(config);
        m
    }

    /// Fleet instance `n` (see the module doc).
    pub(crate) fn for_fleet(config: &ImdsConfig, n: u32) -> Self {
        let (a, b) = (n / 256, n % 256);
        let mut m = Metadata::default();
        m.put("instance-id", Some(&fleet_instance_id(n)));
        m.put("public-hostname", Some(&fleet_public_hostname(n)));
        m.put("public-ipv4", Some(&format!("10.{a}.{b}.1")));
        m.put(
            "local-hostname",
            Some(&format!("ip-10-{a}-{b}-1.ec2.internal")),
        );
        m.put("local-ipv4", Some(&format!("10.{a}.{b}.1")));
        m.common(config);
        m
    }

    fn common(&mut self, config: &ImdsConfig) {
        self.put("placement/region", Some(&config.region));
        self.put(
            "placement/availability-zone",
            Some(&config.availability_zone),
        );
        self.put("ami-id", Some("ami-0123456789abcdef0"));
        self.put("instance-type", Some("t3.micro"));
        for (key, value) in &config.tags {
            self.put(&format!("tags/instance/{key}"), Some(value));
        }
    }

    fn put(&mut self, path: &str, value: Option<&str>) {
        if let Some(value) = value {
            self.values.insert(path.to_owned(), value.to_owned());
        }
    }

    /// Sets (`Some`) or removes (`None`, answers 404 afterwards) a path.
    pub(crate) fn set(&mut self, path: &str, value: Option<&str>) {
        let path = normalize_path(path);
        let key = path.trim_end_matches('/').to_owned();
        match value {
            Some(v) => {
                self.hidden.remove(&key);
                self.values.insert(key, v.to_owned());
            }
            None => {
                self.values.remove(&key);
                self.hidden.insert(key);
            }
        }
    }

    /// The instance id (for ARNs).
    pub(crate) fn instance_id(&self) -> &str {
        self.values.get("instance-id").map_or("", String::as_str)
    }

    /// Resolves `path` (relative to `meta-data/`); `role` is the attached role.
    pub(crate) fn lookup(&self, path: &str, role: Option<&str>) -> Lookup {
        let key = path.trim_end_matches('/');
        if self.hidden.contains(key) {
            return Lookup::NotFound;
        }
        if let Some(role) = role {
            match key {
                "iam/security-credentials" => return Lookup::Listing(role.to_owned()),
                "iam/info" => return Lookup::IamInfo,
                _ => {}
            }
            if key.strip_prefix("iam/security-credentials/") == Some(role) && !path.ends_with('/') {
                return Lookup::RoleCredentials;
            }
        }
        if !path.ends_with('/')
            && let Some(value) = self.values.get(key)
        {
            return Lookup::Value(value.clone());
        }
        let prefix = if key.is_empty() {
            String::new()
        } else {
            format!("{key}/")
        };
        let mut children = BTreeSet::new();
        for full in self.values.keys().filter(|k| k.starts_with(&prefix)) {
            if self.hidden.iter().any(|h| {
                full.starts_with(h.as_str())
                    && (full.len() == h.len() || full.as_bytes()[h.len()] == b'/')
            }) {
                continue;
            }
            let rest = &full[prefix.len()..];
            match rest.split_once('/') {
                Some((dir, _)) => children.insert(format!("{dir}/")),
                None => children.insert(rest.to_owned()),
            };
        }
        if role.is_some() {
            match prefix.as_str() {
                "" if !self.hidden.contains("iam") => {
                    children.insert("iam/".to_owned());
                }
                "iam/" => {
                    children.insert("info".to_owned());
                    if !self.hidden.contains("iam/security-credentials") {
                        children.insert("security-credentials/".to_owned());
                    }
                }
                _ => {}
            }
        }
        if children.is_empty() {
            Lookup::NotFound
        } else {
            Lookup::Listing(children.into_iter().collect::<Vec<_>>().join("\n"))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn main_instance() -> Metadata {
        Metadata::for_instance(&ImdsConfig {
            tags: vec![("Name".into(), "web".into()), ("env".into(), "prod".into())],
            ..Default::default()
        })
    }

    #[test]
    fn leaves_and_listings() {
        let m = main_instance();
        let role = Some("web-role");
        assert_eq!(
            m.lookup("public-hostname", role),
            Lookup::Value("ec2-203-0-113-25.compute-1.amazonaws.com".into())
        );
        assert_eq!(
            m.lookup("placement/region", role),
            Lookup::Value("us-east-1".into())
        );
        assert_eq!(
            m.lookup("tags/instance/", role),
            Lookup::Listing("Name\nenv".into())
        );
        assert_eq!(
            m.lookup("tags/instance/env", role),
            Lookup::Value("prod".into())
        );
        assert_eq!(
            m.lookup("placement", role),
            Lookup::Listing("availability-zone\nregion".into())
        );
        let top = m.lookup("", role);
        let Lookup::Listing(top) = top else {
            panic!("{top:?}")
        };
        assert!(top.lines().any(|l| l == "iam/"), "{top}");
        assert!(top.lines().any(|l| l == "placement/"), "{top}");
        assert_eq!(m.lookup("ipv6", role), Lookup::NotFound);
        assert_eq!(m.lookup("public-hostname/", role), Lookup::NotFound);
        assert_eq!(m.lookup("nope", role), Lookup::NotFound);
    }

    #[test]
    fn role_paths() {
        let m = main_instance();
        let role = Some("web-role");
        assert_eq!(
            m.lookup("iam/security-credentials/", role),
            Lookup::Listing("web-role".into())
        );
        assert_eq!(
            m.lookup("iam/security-credentials/web-role", role),
            Lookup::RoleCredentials
        );
        assert_eq!(
            m.lookup("iam/security-credentials/other", role),
            Lookup::NotFound
        );
        assert_eq!(
            m.lookup("iam/security-credentials/", None),
            Lookup::NotFound
        );
        assert_eq!(m.lookup("iam/", None), Lookup::NotFound);
        assert!(matches!(m.lookup("iam/", role), Lookup::Listing(_)));
    }

    #[test]
    fn set_and_remove() {
        let mut m = main_instance();
        m.set("/latest/meta-data/public-hostname", None);
        assert_eq!(m.lookup("public-hostname", None), Lookup::NotFound);
        m.set("public-hostname", Some(""));
        assert_eq!(
            m.lookup("public-hostname", None),
            Lookup::Value(String::new())
        );
        m.set("iam/security-credentials/", None);
        assert_eq!(
            m.lookup("iam/security-credentials/", Some("web-role")),
            Lookup::NotFound
        );
        m.set("tags/instance", None);
        assert_eq!(m.lookup("tags/instance/", None), Lookup::NotFound);
        assert_eq!(
            m.lookup("tags/instance/env", None),
            Lookup::Value("prod".into())
        );
    }

    #[test]
    fn fleet_formula() {
        let config = ImdsConfig::default();
        let m = Metadata::for_fleet(&config, 258);
        assert_eq!(m.instance_id(), "i-fleet000000000258");
        assert_eq!(
            m.lookup("public-hostname", None),
            Lookup::Value("ec2-10-1-2-1.compute-1.amazonaws.com".into())
        );
        assert_eq!(
            m.lookup("local-ipv4", None),
            Lookup::Value("10.1.2.1".into())
        );
        assert_eq!(
            fleet_public_hostname(65_535),
            "ec2-10-255-255-1.compute-1.amazonaws.com"
        );
    }
}
