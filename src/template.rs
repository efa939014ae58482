//! Record names built from the instance: `{instance_id}.fleet.example.com`,
//! `{tag:Name}.{region}.example.com`.
//!
//! Placeholders: `{instance_id}`, `{region}`, `{availability_zone}`,
//! `{tag:KEY}` (an instance tag; IMDS must have `InstanceMetadataTags=enabled`).
//! The rendered name is validated as a DNS name before any call.

use crate::dns_name::{DnsName, DnsNameError};
use std::fmt;

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Var {
    InstanceId,
    Region,
    AvailabilityZone,
    Tag(String),
}

impl Var {
    /// The IMDS path the value comes from (under `/latest/`).
    pub fn metadata_path(&self) -> String {
        match self {
            Var::InstanceId => "meta-data/instance-id".into(),
            Var::Region => "meta-data/placement/region".into(),
            Var::AvailabilityZone => "meta-data/placement/availability-zone".into(),
            Var::Tag(key) => format!("meta-data/tags/instance/{key}"),
        }
    }
}

impl fmt::Display for Var {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Var::InstanceId => f.write_str("{instance_id}"),
            Var::Region => f.write_str("{region}"),
            Var::AvailabilityZone => f.write_str("{availability_zone}"),
            Var::Tag(k) => write!(f, "{{tag:{k}}}"),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Part {
    Literal(String),
    Var(Var),
}

/// A parsed name template (a plain name is a template without placeholders).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NameTemplate {
    text: String,
    parts: Vec<Part>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TemplateError {
    #[error(
        "unknown placeholder {{{0}}}: use {{instance_id}}, {{region}}, {{availability_zone}} or {{tag:KEY}}"
    )]
    UnknownPlaceholder(String),
    #[error("a '{{' is not closed by '}}'")]
    Unclosed,
    #[error("a '}}' has no '{{' before it")]
    StrayBrace,
    #[error("{{tag:}} needs a tag key, like {{tag:Name}}")]
    EmptyTag,
    #[error("{0}")]
    Name(DnsNameError),
    #[error("{var} is {value:?}, which makes {name:?} an invalid DNS name: {error}")]
    Rendered {
        var: Var,
        value: String,
        name: String,
        error: DnsNameError,
    },
}

impl NameTemplate {
    pub fn parse(text: &str) -> Result<Self, TemplateError> {
        let mut parts = Vec::new();
        let mut rest = text.trim();
        while !rest.is_empty() {
            match rest.find(['{', '}']) {
                None => {
                    parts.push(Part::Literal(rest.to_owned()));
                    break;
                }
                Some(i) if rest.as_bytes()[i] == b'}' => return Err(TemplateError::StrayBrace),
                Some(i) => {
                    if i > 0 {
                        parts.push(Part::Literal(rest[..i].to_owned()));
                    }
                    let close = rest[i..].find('}').ok_or(TemplateError::Unclosed)? + i;
                    let inner = &rest[i + 1..close];
                    let var = match inner {
                        "instance_id" => Var::InstanceId,
                        "region" => Var::Region,
                        "availability_zone" => Var::AvailabilityZone,
                        _ => match inner.strip_prefix("tag:") {
                            Some("") => return Err(TemplateError::EmptyTag),
                            Some(key) if !key.contains(['/', '{']) => Var::Tag(key.to_owned()),
                            _ => return Err(TemplateError::UnknownPlaceholder(inner.to_owned())),
                        },
                    };
                    parts.push(Part::Var(var));
                    rest = &rest[close + 1..];
                }
            }
        }
        let template = NameTemplate {
            text: text.trim().to_owned(),
            parts,
        };
        // Check the literal parts now: render with a harmless stand-in.
        template.render(|_| Some("x".into())).map_err(|e| match e {
            TemplateError::Rendered { error, .. } => TemplateError::Name(error),
            other => other,
        })?;
        Ok(template)
    }

    /// The placeholders, in order of appearance.
    pub fn vars(&self) -> impl Iterator<Item = &Var> {
        self.parts.iter().filter_map(|p| match p {
            Part::Var(v) => Some(v),
            Part::Literal(_) => None,
        })
    }

    pub fn is_static(&self) -> bool {
        self.vars().next().is_none()
    }

    /// The name as written in the config.
    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// The name as IAM's `route53:ChangeResourceRecordSetsNormalizedRecordNames`
    /// sees it (lowercase, no trailing dot, characters other than
    /// `a-z 0-9 - _ .` as `\ooo` octal escapes), with each placeholder as the
    /// `StringLike` wildcard `*`.
    pub fn iam_pattern(&self) -> String {
        let mut out = String::new();
        for part in &self.parts {
            match part {
                Part::Literal(l) => {
                    for c in l.to_ascii_lowercase().chars() {
                        if c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.') {
                            out.push(c);
                        } else {
                            out.push_str(&format!("\\{:03o}", c as u32));
                        }
                    }
                }
                Part::Var(_) => out.push('*'),
            }
        }
        out.trim_end_matches('.').to_owned()
    }

    /// Renders with `lookup` (a missing value renders as the empty string and
    /// fails validation); values are lowercased as DNS names are.
    pub fn render(
        &self,
        lookup: impl Fn(&Var) -> Option<String>,
    ) -> Result<DnsName, TemplateError> {
        let mut out = String::new();
        let mut last_var: Option<(Var, String)> = None;
        for part in &self.parts {
            match part {
                Part::Literal(l) => out.push_str(l),
                Part::Var(v) => {
                    let value = lookup(v).unwrap_or_default();
                    out.push_str(&value);
                    last_var = Some((v.clone(), value));
                }
            }
        }
        DnsName::parse(&out).map_err(|error| match last_var {
            Some((var, value)) if !self.is_static() => TemplateError::Rendered {
                var,
                value,
                name: out.clone(),
                error,
            },
            _ => TemplateError::Name(error),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_renders() {
        let t = NameTemplate::parse("{tag:Name}.{instance_id}.{region}.example.com").unwrap();
        assert_eq!(
            t.vars().cloned().collect::<Vec<_>>(),
            vec![Var::Tag("Name".into()), Var::InstanceId, Var::Region]
        );
        let name = t
            .render(|v| {
                Some(match v {
                    Var::Tag(_) => "Web".into(),
                    Var::InstanceId => "i-0abc".into(),
                    Var::Region => "eu-west-1".into(),
                    Var::AvailabilityZone => unreachable!(),
                })
            })
            .unwrap();
        assert_eq!(name.as_str(), "web.i-0abc.eu-west-1.example.com.");
        assert_eq!(t.iam_pattern(), "*.*.*.example.com");
        assert_eq!(
            NameTemplate::parse("*.Example.com.").unwrap().iam_pattern(),
            "\\052.example.com"
        );
        assert!(NameTemplate::parse("web.example.com").unwrap().is_static());
    }

    #[test]
    fn rejects_bad_templates() {
        assert_eq!(
            NameTemplate::parse("{hostname}.example.com"),
            Err(TemplateError::UnknownPlaceholder("hostname".into()))
        );
        assert_eq!(
            NameTemplate::parse("{region.example.com"),
            Err(TemplateError::Unclosed)
        );
        assert_eq!(
            NameTemplate::parse("region}.example.com"),
            Err(TemplateError::StrayBrace)
        );
        assert_eq!(
            NameTemplate::parse("{tag:}.example.com"),
            Err(TemplateError::EmptyTag)
        );
        assert!(matches!(
            NameTemplate::parse("{region}..example.com"),
            Err(TemplateError::Name(_))
        ));
    }

    #[test]
    fn a_bad_value_names_the_placeholder() {
        let t = NameTemplate::parse("{tag:Name}.example.com").unwrap();
        let e = t
            .render(|_| Some("web server".into()))
            .unwrap_err()
            .to_string();
        assert!(e.starts_with("{tag:Name} is \"web server\""), "{e}");
        let e = t.render(|_| None).unwrap_err().to_string();
        assert!(e.contains("{tag:Name}"), "{e}");
    }
}
