//! Validated DNS names, normalized the way Route 53 returns them: lowercase,
//! absolute (trailing dot).

use std::fmt;

/// A fully qualified domain name: lowercase, ends with `.`, labels of 1 to 63
/// characters from `a-z 0-9 - _`, a leading `*` label allowed, at most 255
/// octets on the wire.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct DnsName(String);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DnsNameError {
    #[error("the name is empty")]
    Empty,
    #[error("label {label:?} is longer than 63 characters")]
    LabelTooLong { label: String },
    #[error("the name has an empty label (two dots in a row, or a leading dot)")]
    EmptyLabel,
    #[error("the name is longer than 253 characters")]
    TooLong,
    #[error(
        "label {label:?} has a character DNS names cannot contain ({bad:?}): use letters, digits, '-' and '_'"
    )]
    BadCharacter { label: String, bad: char },
    #[error("label {label:?} starts or ends with '-'")]
    HyphenAtEdge { label: String },
    #[error("'*' is only allowed as the whole leftmost label (a wildcard)")]
    BadWildcard,
}

impl DnsName {
    /// Parses `web.example.com` or `web.example.com.` (any case).
    pub fn parse(text: &str) -> Result<Self, DnsNameError> {
        let lower = text.trim().to_ascii_lowercase();
        let body = lower.strip_suffix('.').unwrap_or(&lower);
        if body.is_empty() {
            return Err(DnsNameError::Empty);
        }
        if body.len() > 253 {
            return Err(DnsNameError::TooLong);
        }
        for (i, label) in body.split('.').enumerate() {
            if label.is_empty() {
                return Err(DnsNameError::EmptyLabel);
            }
            if label.len() > 63 {
                return Err(DnsNameError::LabelTooLong {
                    label: label.to_owned(),
                });
            }
            if label == "*" {
                if i != 0 {
                    return Err(DnsNameError::BadWildcard);
                }
                continue;
            }
            if let Some(bad) = label
                .chars()
                .find(|c| !(c.is_ascii_alphanumeric() || *c == '-' || *c == '_'))
            {
                return Err(if bad == '*' {
                    DnsNameError::BadWildcard
                } else {
                    DnsNameError::BadCharacter {
                        label: label.to_owned(),
                        bad,
                    }
                });
            }
            if label.starts_with('-') || label.ends_with('-') {
                return Err(DnsNameError::HyphenAtEdge {
                    label: label.to_owned(),
                });
            }
        }
        Ok(DnsName(format!("{body}.")))
    }

    /// Normalizes a name as Route 53 returns it (it escapes `*` as `\052`).
    pub fn from_route53(text: &str) -> Result<Self, DnsNameError> {
        Self::parse(&text.replace("\\052", "*"))
    }

    /// With the trailing dot.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Without the trailing dot.
    pub fn relative(&self) -> &str {
        &self.0[..self.0.len() - 1]
    }

    /// True when `self` is `zone` or below it.
    pub fn is_within(&self, zone: &DnsName) -> bool {
        self == zone || self.0.ends_with(&format!(".{}", zone.0))
    }
}

impl fmt::Display for DnsName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Debug for DnsName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:?}", self.0)
    }
}

/// Compares two record values the way DNS does: case-insensitive, a trailing
/// dot does not matter.
pub fn same_target(a: &str, b: &str) -> bool {
    a.trim_end_matches('.')
        .eq_ignore_ascii_case(b.trim_end_matches('.'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalizes() {
        let n = DnsName::parse("Web.Example.COM").unwrap();
        assert_eq!(n.as_str(), "web.example.com.");
        assert_eq!(n.relative(), "web.example.com");
        assert_eq!(DnsName::parse("web.example.com.").unwrap(), n);
        assert_eq!(
            DnsName::from_route53("\\052.example.com.")
                .unwrap()
                .as_str(),
            "*.example.com."
        );
        assert!(n.is_within(&DnsName::parse("example.com").unwrap()));
        assert!(!n.is_within(&DnsName::parse("ample.com").unwrap()));
    }

    #[test]
    fn rejects_what_route53_would() {
        assert_eq!(DnsName::parse(""), Err(DnsNameError::Empty));
        assert_eq!(DnsName::parse("."), Err(DnsNameError::Empty));
        assert_eq!(DnsName::parse("a..b"), Err(DnsNameError::EmptyLabel));
        assert!(matches!(
            DnsName::parse("we b.example.com"),
            Err(DnsNameError::BadCharacter { bad: ' ', .. })
        ));
        assert_eq!(DnsName::parse("a.*.com"), Err(DnsNameError::BadWildcard));
        assert_eq!(DnsName::parse("a*.com"), Err(DnsNameError::BadWildcard));
        assert!(DnsName::parse("*.example.com").is_ok());
        assert!(matches!(
            DnsName::parse("-web.example.com"),
            Err(DnsNameError::HyphenAtEdge { .. })
        ));
        let long = "a".repeat(64);
        assert!(matches!(
            DnsName::parse(&format!("{long}.com")),
            Err(DnsNameError::LabelTooLong { .. })
        ));
        let many = vec!["abcdefghi"; 26].join(".");
        assert_eq!(DnsName::parse(&many), Err(DnsNameError::TooLong));
        assert!(DnsName::parse("_dmarc.example.com").is_ok());
    }

    #[test]
    fn compares_targets_like_dns() {
        assert!(same_target(
            "EC2-1.compute.amazonaws.com.",
            "ec2-1.compute.amazonaws.com"
        ));
        assert!(!same_target(
            "ec2-1.compute.amazonaws.com",
            "ec2-2.compute.amazonaws.com"
        ));
    }
}
