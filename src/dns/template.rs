//! Record names built from the instance: `{instance_id}.fleet.example.com`,
//! `{tag:Name}.{region}.example.com`.
//!
//! Placeholders: `{instance_id}`, `{region}`, `{availability_zone}`,
//! `{tag:KEY}` (an instance tag; IMDS must have `InstanceMetadataTags=enabled`).
//!
//! The rule (README, "Name templates"): whoever can tag the instance must not
//! be able to choose a name outside the label the template gives them.
//! - Each value fills in exactly one DNS label or part of one: after
//!   lowercasing, 1 to 63 characters from `a-z 0-9 -`, no `-` at either end
//!   ([`check_value`]). So never `*`, a dot, an empty string, `_` or a `\`
//!   escape. A placeholder may share its label with literal text
//!   (`web-{instance_id}`); the whole label is then checked too (≤ 63).
//! - In the template text, at least one literal label follows the last
//!   placeholder (no placeholder in the top-level label), and a label with a
//!   placeholder cannot also hold `*` (the stand-in render in [`NameTemplate::parse`]).
//!
//! The rendered name is validated before any Route 53 call (exit 78).

use crate::dns::name::{DnsName, DnsNameError};
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
    #[error(
        "{var} is {value:?}: {reason}; a placeholder must fill in one DNS label (letters, digits and '-', 1 to 63 characters, no '-' at either end)"
    )]
    BadValue {
        var: Var,
        value: String,
        reason: String,
    },
    #[error(
        "{0} stands in the last label: placeholders go below a fixed zone name, like {0}.example.com"
    )]
    InTopLabel(Var),
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
        // Check the literal parts now: render with a harmless stand-in (this
        // also refuses a placeholder in the label of a `*`).
        template.render(|_| Some("x".into())).map_err(|e| match e {
            TemplateError::Rendered { error, .. } => TemplateError::Name(error),
            other => other,
        })?;
        if let Some(var) = template.vars().last()
            && template.literal_suffix().is_none()
        {
            return Err(TemplateError::InTopLabel(var.clone()));
        }
        Ok(template)
    }

    /// The labels after the last label that holds a placeholder (`example.com.`
    /// for `{tag:Name}.example.com`): the part of the name nobody's tag can
    /// change. `None` for a static name, or when a placeholder is in the last label.
    pub fn literal_suffix(&self) -> Option<DnsName> {
        let last = self.parts.iter().rposition(|p| matches!(p, Part::Var(_)))?;
        let after: String = self.parts[last + 1..]
            .iter()
            .map(|p| match p {
                Part::Literal(l) => l.as_str(),
                Part::Var(_) => "",
            })
            .collect();
        let (_, suffix) = after.split_once('.')?;
        DnsName::parse(suffix).ok()
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
    /// `a-z 0-9 - _ .` as `\ooo` octal escapes), with each run of
    /// placeholders as one `StringLike` wildcard `*` (a literal `*` is `\052`,
    /// so every `*` in the pattern stands for placeholder values).
    pub fn iam_pattern(&self) -> String {
        let mut out = String::new();
        for part in &self.parts {
            if matches!(part, Part::Var(_)) && out.ends_with('*') {
                continue;
            }
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
    /// fails validation); each value must pass [`check_value`], and values
    /// are lowercased as DNS names are.
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
                    check_value(&value).map_err(|reason| TemplateError::BadValue {
                        var: v.clone(),
                        value: value.clone(),
                        reason,
                    })?;
                    out.push_str(&value.to_ascii_lowercase());
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

/// The most a placeholder's value may be: one DNS label.
pub(crate) const MAX_LABEL: usize = 63;

/// Whether `value` may fill in a placeholder: after lowercasing, 1 to 63
/// characters from `a-z 0-9 -`, not starting or ending with `-`. The error
/// says why not, for the operator.
pub(crate) fn check_value(value: &str) -> Result<(), String> {
    if value.is_empty() {
        return Err("it is empty".into());
    }
    if let Some(bad) = value
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || *c == '-'))
    {
        return Err(match bad {
            '.' => "a '.' would split it into more than one label".into(),
            '*' => "a '*' would make a wildcard".into(),
            '\\' => "'\\' escapes are not allowed".into(),
            c => format!("{c:?} is not allowed in a host name label"),
        });
    }
    if value.len() > MAX_LABEL {
        return Err(format!(
            "it is {} characters long, and a label holds at most {MAX_LABEL}",
            value.len()
        ));
    }
    if value.starts_with('-') || value.ends_with('-') {
        return Err("it starts or ends with '-'".into());
    }
    Ok(())
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

    #[test]
    fn a_value_fills_in_one_label_and_nothing_else() {
        let t = NameTemplate::parse("{tag:Name}.example.com").unwrap();
        let render = |value: &str| t.render(|_| Some(value.to_owned()));
        let long = "a".repeat(64);
        for (bad, why) in [
            ("*", "wildcard"),
            ("www.prod", "more than one label"),
            ("a..b", "more than one label"),
            ("mail.", "more than one label"),
            ("-x", "'-'"),
            ("x-", "'-'"),
            ("", "empty"),
            ("a_b", "'_'"),
            ("\\052", "escapes"),
            (long.as_str(), "64 characters"),
        ] {
            let e = render(bad).unwrap_err();
            assert!(
                matches!(&e, TemplateError::BadValue { value, .. } if value == bad),
                "{bad:?}: {e}"
            );
            assert!(e.to_string().contains(why), "{bad:?}: {e}");
        }
        assert_eq!(render("Web-1").unwrap().as_str(), "web-1.example.com.");
        assert_eq!(
            render(&"a".repeat(63)).unwrap().as_str(),
            format!("{}.example.com.", "a".repeat(63))
        );
        // Part of a label: the value is checked, then the whole label.
        let t = NameTemplate::parse("web-{instance_id}.example.com").unwrap();
        assert_eq!(
            t.render(|_| Some("i-0abc".into())).unwrap().as_str(),
            "web-i-0abc.example.com."
        );
        assert!(t.render(|_| Some("a.b".into())).is_err());
        let e = t.render(|_| Some("a".repeat(60))).unwrap_err();
        assert!(matches!(
            e,
            TemplateError::Rendered {
                error: DnsNameError::LabelTooLong { .. },
                ..
            }
        ));
    }

    #[test]
    fn the_template_text_keeps_placeholders_inside_labels_below_a_fixed_suffix() {
        for bad in [
            "*{tag:Name}.example.com",
            "{tag:Name}*.example.com",
            "web.{region}",
            "{tag:Name}",
            "{tag:Name}.{region}",
        ] {
            assert!(NameTemplate::parse(bad).is_err(), "{bad}");
        }
        assert_eq!(
            NameTemplate::parse("web.{region}").unwrap_err().to_string(),
            "{region} stands in the last label: placeholders go below a fixed zone name, like {region}.example.com"
        );
        let t = NameTemplate::parse("*.{tag:Name}.example.com").unwrap();
        assert_eq!(t.iam_pattern(), "\\052.*.example.com");
        let t = NameTemplate::parse("{tag:Name}{instance_id}.fleet.Example.com").unwrap();
        assert_eq!(t.iam_pattern(), "*.fleet.example.com");
        assert_eq!(t.literal_suffix().unwrap().as_str(), "fleet.example.com.");
        let t = NameTemplate::parse("{instance_id}-web.example.com").unwrap();
        assert_eq!(t.literal_suffix().unwrap().as_str(), "example.com.");
        assert_eq!(
            NameTemplate::parse("a.example.com")
                .unwrap()
                .literal_suffix(),
            None
        );
    }
}
