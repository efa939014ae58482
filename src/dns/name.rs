//! Validated DNS names, normalized the way Route 53 returns them: lowercase,
//! absolute (trailing dot).

use std::fmt;

/// A fully qualified domain name: lowercase, ends with `.`, labels of 1 to 63
/// characters from `a-z 0-9 - _`, a leading `*` label allowed, at most 255
/// octets on the wire.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct DnsName(String);

/// Why a text is not a DNS name.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DnsNameError {
    /// Nothing, or only a dot.
    #[error("the name is empty")]
    Empty,
    /// A label over 63 characters.
    #[error("label {label:?} is longer than 63 characters")]
    LabelTooLong {
        /// The label.
        label: String,
    },
    /// Two dots in a row, or a leading dot.
    #[error("the name has an empty label (two dots in a row, or a leading dot)")]
    EmptyLabel,
    /// Over 253 characters.
    #[error("the name is longer than 253 characters")]
    TooLong,
    #[error(
        "label {label:?} has a character DNS names cannot contain ({bad:?}): use letters, digits, '-' and '_'"
    )]
    /// A character outside letters, digits, `-` and `_`.
    BadCharacter {
        /// The label.
        label: String,
        /// The first character that is not allowed.
        bad: char,
    },
    /// A label that starts or ends with `-`.
    #[error("label {label:?} starts or ends with '-'")]
    HyphenAtEdge {
        /// The label.
        label: String,
    },
    /// A `*` that is not the whole leftmost label.
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

    /// Reads a name as Route 53 returns it: every character outside
    /// `a-z 0-9 - _` is a three-digit octal escape (`\052` for `*`, `\057`
    /// for `/`, `\100` for `@`, `\056` for a dot inside a label). Escapes
    /// are decoded label by label, so `a\056b` is one label holding a dot,
    /// which no host name has. Names that are not host names (RFC 2317
    /// `0/25.…`, labels with `@` or spaces) are an error: they can never be
    /// a name this program writes, so callers skip them.
    pub fn from_route53(text: &str) -> Result<Self, DnsNameError> {
        let body = text.strip_suffix('.').unwrap_or(text);
        let mut labels = Vec::new();
        for raw in split_unescaped_dots(body) {
            let label = decode_escapes(raw)?;
            if label.contains('.') {
                return Err(DnsNameError::BadCharacter { label, bad: '.' });
            }
            labels.push(label);
        }
        Self::parse(&labels.join("."))
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

/// Splits at dots that are not escaped (`\.`); escapes stay for [`decode_escapes`].
fn split_unescaped_dots(text: &str) -> Vec<&str> {
    let bytes = text.as_bytes();
    let mut parts = Vec::new();
    let (mut start, mut i) = (0, 0);
    while i < bytes.len() {
        match bytes[i] {
            b'\\' => i += 2,
            b'.' => {
                parts.push(&text[start..i]);
                i += 1;
                start = i;
            }
            _ => i += 1,
        }
    }
    parts.push(&text[start.min(text.len())..]);
    parts
}

/// Decodes `\ddd` (three octal or decimal digits, as master files and Route 53
/// write them: Route 53 uses octal) and `\c` escapes in one label.
fn decode_escapes(label: &str) -> Result<String, DnsNameError> {
    let bad = |bad: char| DnsNameError::BadCharacter {
        label: label.to_owned(),
        bad,
    };
    let mut out = Vec::with_capacity(label.len());
    let bytes = label.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] != b'\\' {
            out.push(bytes[i]);
            i += 1;
            continue;
        }
        let digits = bytes
            .get(i + 1..i + 4)
            .filter(|d| d.iter().all(u8::is_ascii_digit));
        match (digits, bytes.get(i + 1)) {
            (Some(d), _) => {
                // Route 53 writes octal; a digit 8 or 9 cannot be octal.
                let value = d
                    .iter()
                    .try_fold(0u32, |acc, c| {
                        (*c < b'8').then(|| acc * 8 + u32::from(c - b'0'))
                    })
                    .filter(|v| *v <= 0xff)
                    .ok_or_else(|| bad('\\'))?;
                out.push(value as u8);
                i += 4;
            }
            (None, Some(c)) => {
                out.push(*c);
                i += 2;
            }
            (None, None) => return Err(bad('\\')),
        }
    }
    String::from_utf8(out).map_err(|_| bad('\u{fffd}'))
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
        assert_eq!(
            DnsName::from_route53("web.example.com.").unwrap(),
            DnsName::parse("web.example.com").unwrap()
        );
        assert!(!n.is_within(&DnsName::parse("ample.com").unwrap()));
    }

    #[test]
    fn route53_escapes_are_decoded_and_non_host_names_refused() {
        // RFC 2317 delegation, '@', a space, a literal '*' inside a label,
        // and a dot inside a label: legal in Route 53, never a host name.
        for text in [
            "xa\\05725.example.com.",
            "a\\100b.example.com.",
            "a\\040b.example.com.",
            "a\\052b.example.com.",
            "a\\056b.example.com.",
            "\\377.example.com.",
            "trailing\\",
        ] {
            assert!(DnsName::from_route53(text).is_err(), "{text}");
        }
        // Escaped ordinary characters decode to the same name.
        assert_eq!(
            DnsName::from_route53("w\\145b.example.com.")
                .unwrap()
                .as_str(),
            "web.example.com."
        );
        assert_eq!(
            DnsName::from_route53("\\052.a.example.com.")
                .unwrap()
                .as_str(),
            "*.a.example.com."
        );
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
