//! A DNS record set as the simulator stores it and tests see it, and the
//! name normalisation Route 53 applies (lowercase, trailing dot).

use serde::{Deserialize, Serialize};

/// One resource record set: a name, a type, a TTL and its values.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecordSet {
    /// Fully qualified, lowercase, with the trailing dot.
    pub name: String,
    /// `A`, `CNAME`, `TXT`, ... (upper case). JSON: `rtype` (`type` accepted).
    #[serde(alias = "type")]
    pub rtype: String,
    pub ttl: u32,
    /// As given (CNAME targets are not normalised, as Route 53 does).
    pub values: Vec<String>,
}

impl RecordSet {
    /// A record set with its name normalised (lowercase, trailing dot) and its
    /// type upper-cased. An unusable name is kept as given (lowercased).
    pub fn new(
        name: &str,
        rtype: &str,
        ttl: u32,
        values: impl IntoIterator<Item = impl Into<String>>,
    ) -> Self {
        RecordSet {
            name: normalize_name(name).unwrap_or_else(|| name.to_ascii_lowercase()),
            rtype: rtype.to_ascii_uppercase(),
            ttl,
            values: values.into_iter().map(Into::into).collect(),
        }
    }

    /// A CNAME record set with one value.
    pub fn cname(name: &str, ttl: u32, target: &str) -> Self {
        Self::new(name, "CNAME", ttl, [target])
    }
}

/// Lowercases `name` and adds the trailing dot; `None` when it is not a DNS
/// name Route 53 would store (empty, empty label, label over 63 or name over
/// 255 octets, spaces or control characters).
pub fn normalize_name(name: &str) -> Option<String> {
    let trimmed = name.strip_suffix('.').unwrap_or(name);
    if trimmed.is_empty() || trimmed.len() > 254 {
        return None;
    }
    for label in trimmed.split('.') {
        if label.is_empty() || label.len() > 63 {
            return None;
        }
        if label.bytes().any(|b| b <= b' ' || b == 0x7f) {
            return None;
        }
    }
    let mut out = trimmed.to_ascii_lowercase();
    out.push('.');
    Some(out)
}

/// Whether `name` (normalised) is `zone` or inside it.
pub(crate) fn is_in_zone(name: &str, zone: &str) -> bool {
    name == zone
        || (name.len() > zone.len()
            && name.ends_with(zone)
            && name.as_bytes()[name.len() - zone.len() - 1] == b'.')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalises_names() {
        assert_eq!(
            normalize_name("Web.Example.COM").unwrap(),
            "web.example.com."
        );
        assert_eq!(
            normalize_name("web.example.com.").unwrap(),
            "web.example.com."
        );
        for bad in [
            "",
            ".",
            "a..b",
            "a b.com",
            &"x".repeat(64),
            &"a.".repeat(128),
        ] {
            assert_eq!(normalize_name(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn zone_membership() {
        assert!(is_in_zone("example.com.", "example.com."));
        assert!(is_in_zone("web.example.com.", "example.com."));
        assert!(!is_in_zone("webexample.com.", "example.com."));
        assert!(!is_in_zone("example.org.", "example.com."));
        assert!(!is_in_zone("com.", "example.com."));
    }

    #[test]
    fn constructor_normalises() {
        let set = RecordSet::new("WEB.example.com", "cname", 60, ["Target.Example."]);
        assert_eq!(set.name, "web.example.com.");
        assert_eq!(set.rtype, "CNAME");
        assert_eq!(set.values, vec!["Target.Example.".to_owned()]);
    }
}
