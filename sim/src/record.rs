//! A DNS record set as the simulator stores it and tests see it, and the
//! name normalisation Route 53 applies (lowercase, trailing dot).

use serde::{Deserialize, Serialize};

/// One resource record set: a name, a type, a TTL and its values; for the
/// weighted and multivalue routing policies also a set identifier, a weight
/// or `multi_value_answer`, and a health check; or an alias instead of TTL
/// and values. In a zone, (name, type, set identifier) is the key.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecordSet {
    /// Fully qualified, lowercase, with the trailing dot.
    pub name: String,
    /// `A`, `CNAME`, `TXT`, ... (upper case). JSON: `rtype` (`type` accepted).
    #[serde(alias = "type")]
    pub rtype: String,
    pub ttl: u32,
    /// As given (CNAME targets are not normalised, as Route 53 does).
    /// Empty for an alias.
    pub values: Vec<String>,
    /// `SetIdentifier` of a weighted or multivalue set; `None`: a simple set.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub set_identifier: Option<String>,
    /// `Weight` (0..=255) of a weighted set.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub weight: Option<u8>,
    /// `MultiValueAnswer` of a multivalue set (`Some(true)`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub multi_value_answer: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub health_check_id: Option<String>,
    /// An alias record: no TTL (0 here) and no values.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub alias_target: Option<AliasTarget>,
}

/// Where an alias record points.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AliasTarget {
    /// The target's hosted zone (e.g. a load balancer's `Z35SXDOTRQ7X7K`).
    pub hosted_zone_id: String,
    /// The target's name, e.g. `dualstack.my-lb-123.us-east-1.elb.amazonaws.com.`.
    pub dns_name: String,
    pub evaluate_target_health: bool,
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
            set_identifier: None,
            weight: None,
            multi_value_answer: None,
            health_check_id: None,
            alias_target: None,
        }
    }

    /// This set as a weighted member `id` with `weight`.
    pub fn weighted(mut self, id: &str, weight: u8) -> Self {
        self.set_identifier = Some(id.to_owned());
        self.weight = Some(weight);
        self
    }

    /// This set as a multivalue-answer member `id`.
    pub fn multivalue(mut self, id: &str) -> Self {
        self.set_identifier = Some(id.to_owned());
        self.multi_value_answer = Some(true);
        self
    }

    /// This set with a health check.
    pub fn with_health_check(mut self, id: &str) -> Self {
        self.health_check_id = Some(id.to_owned());
        self
    }

    /// An alias record set at `name` of `rtype` pointing at `dns_name` in
    /// `hosted_zone_id`.
    pub fn alias(name: &str, rtype: &str, hosted_zone_id: &str, dns_name: &str) -> Self {
        let mut set = Self::new(name, rtype, 0, Vec::<String>::new());
        set.alias_target = Some(AliasTarget {
            hosted_zone_id: hosted_zone_id.to_owned(),
            dns_name: dns_name.to_owned(),
            evaluate_target_health: false,
        });
        set
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
