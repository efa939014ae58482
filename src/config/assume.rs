//! Zones in another account: `[route53] role_arn`, `external_id` and
//! `session_name`, the per-record `role_arn`, and the `[sts]` table that says
//! where AssumeRole goes.
//!
//! ```toml
//! [route53]
//! role_arn = "arn:aws:iam::111122223333:role/dns-writer"
//! external_id = "..."          # optional
//! session_name = "web-1"       # optional; default the instance id
//!
//! [sts]
//! endpoint = "https://sts.eu-west-1.amazonaws.com"  # default: the instance's region
//! region = "eu-west-1"                              # default: the instance's region
//! ```

use super::{ConfigError, Validator};
use reqwest::Url;
use serde::Deserialize;
use toml::Spanned;

/// The `[sts]` table as written.
#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub(super) struct RawSts {
    endpoint: Option<Spanned<String>>,
    region: Option<Spanned<String>>,
}

/// The `[sts]` table: where AssumeRole goes. `None` fields are filled in at
/// run time from the instance's region (IMDS `meta-data/placement/region`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct StsSettings {
    /// `sts.endpoint`; default `https://sts.<region>.amazonaws.com`.
    pub endpoint: Option<Url>,
    /// `sts.region` (SigV4); default the instance's region.
    pub region: Option<String>,
    /// Set at run time on an IPv6-only instance: the default endpoint is
    /// STS's dual-stack one, `https://sts.<region>.api.aws`.
    pub dual_stack: bool,
}

/// A role to assume before calling Route 53.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct AssumeRole {
    /// `arn:aws:iam::<account>:role/<path/name>`.
    pub role_arn: String,
    /// Sent as `ExternalId` when set.
    pub external_id: Option<String>,
    /// `RoleSessionName`; the instance id when unset.
    pub session_name: Option<String>,
}

/// True for `arn:<aws|aws-cn|aws-us-gov>:iam::<12 digits>:role/<path/name>`,
/// with IAM's characters in the path and name (`[A-Za-z0-9+=,.@_-]`).
pub fn valid_role_arn(arn: &str) -> bool {
    let Some(rest) = ["arn:aws:iam::", "arn:aws-cn:iam::", "arn:aws-us-gov:iam::"]
        .iter()
        .find_map(|p| arn.strip_prefix(p))
    else {
        return false;
    };
    let Some((account, resource)) = rest.split_once(':') else {
        return false;
    };
    let Some(path_and_name) = resource.strip_prefix("role/") else {
        return false;
    };
    account.len() == 12
        && account.bytes().all(|b| b.is_ascii_digit())
        && path_and_name.len() <= 512
        && path_and_name
            .split('/')
            .all(|part| !part.is_empty() && part.bytes().all(iam_char))
}

fn iam_char(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"+=,.@_-".contains(&b)
}

/// STS's rule for `RoleSessionName`: 2 to 64 of `[A-Za-z0-9+=,.@_-]`.
pub fn valid_session_name(name: &str) -> bool {
    (2..=64).contains(&name.len()) && name.bytes().all(iam_char)
}

/// STS's rule for `ExternalId`: 2 to 1224 of `[A-Za-z0-9+=,.@:/_-]`.
fn valid_external_id(id: &str) -> bool {
    (2..=1224).contains(&id.len()) && id.bytes().all(|b| iam_char(b) || b == b':' || b == b'/')
}

const ARN_HINT: &str = "expected a role ARN like \"arn:aws:iam::111122223333:role/dns-writer\" (arn:aws, arn:aws-cn or arn:aws-us-gov; a 12-digit account id; role/ then an optional path and the role name)";

impl Validator<'_> {
    /// A role ARN setting, checked.
    pub(super) fn role_arn(
        &self,
        value: Spanned<String>,
        key: String,
    ) -> Result<String, ConfigError> {
        let arn = value.get_ref().trim();
        if !valid_role_arn(arn) {
            return self.invalid(
                value.span(),
                key,
                format!("{arn:?} is not a role ARN: {ARN_HINT}"),
            );
        }
        Ok(arn.to_owned())
    }

    /// `[route53] role_arn`, `external_id`, `session_name`.
    pub(super) fn assume_role(
        &self,
        role_arn: Option<Spanned<String>>,
        external_id: Option<Spanned<String>>,
        session_name: Option<Spanned<String>>,
    ) -> Result<Option<AssumeRole>, ConfigError> {
        let Some(arn) = role_arn else {
            if let Some(v) = external_id.as_ref().or(session_name.as_ref()) {
                let key = if external_id.is_some() {
                    "route53.external_id"
                } else {
                    "route53.session_name"
                };
                return self.invalid(
                    v.span(),
                    key.into(),
                    "only applies with route53.role_arn (the role to assume)".into(),
                );
            }
            return Ok(None);
        };
        let role_arn = self.role_arn(arn, "route53.role_arn".into())?;
        if let Some(id) = &external_id
            && !valid_external_id(id.get_ref())
        {
            return self.invalid(
                id.span(),
                "route53.external_id".into(),
                "an external id is 2 to 1224 characters from A-Z a-z 0-9 and +=,.@:/_-".into(),
            );
        }
        if let Some(name) = &session_name
            && !valid_session_name(name.get_ref())
        {
            return self.invalid(
                name.span(),
                "route53.session_name".into(),
                format!(
                    "{:?} is not a session name: 2 to 64 characters from A-Z a-z 0-9 and +=,.@_-",
                    name.get_ref()
                ),
            );
        }
        Ok(Some(AssumeRole {
            role_arn,
            external_id: external_id.map(Spanned::into_inner),
            session_name: session_name.map(Spanned::into_inner),
        }))
    }

    /// The `[sts]` table: https, or http on loopback only (like `route53.endpoint`).
    pub(super) fn sts(&self, raw: RawSts) -> Result<StsSettings, ConfigError> {
        let endpoint = match &raw.endpoint {
            None => None,
            Some(e) => Some(self.aws_endpoint(e, "sts.endpoint", "STS")?),
        };
        let region = match raw.region {
            None => None,
            Some(r)
                if !r.get_ref().is_empty()
                    && r.get_ref()
                        .bytes()
                        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-') =>
            {
                Some(r.into_inner())
            }
            Some(r) => {
                return self.invalid(
                    r.span(),
                    "sts.region".into(),
                    format!(
                        "{:?} is not an AWS region name (like \"us-east-1\")",
                        r.get_ref()
                    ),
                );
            }
        };
        Ok(StsSettings {
            endpoint,
            region,
            dual_stack: false,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Config;
    use std::path::Path;

    fn parse(text: &str) -> Result<Config, ConfigError> {
        Config::parse(text, Path::new("/c.toml"))
    }

    #[test]
    fn role_arns() {
        for good in [
            "arn:aws:iam::111122223333:role/dns-writer",
            "arn:aws-cn:iam::111122223333:role/path/to/dns.writer@x",
            "arn:aws-us-gov:iam::111122223333:role/a_b+c=d,e",
        ] {
            assert!(valid_role_arn(good), "{good}");
        }
        for bad in [
            "",
            "dns-writer",
            "arn:aws:iam::11112222333:role/x",
            "arn:aws:iam::1111222233334:role/x",
            "arn:aws:iam::11112222333a:role/x",
            "arn:aws:iam::111122223333:user/x",
            "arn:aws:iam::111122223333:role/",
            "arn:aws:iam::111122223333:role/a//b",
            "arn:aws:iam::111122223333:role/a b",
            "arn:aws:sts::111122223333:role/x",
            "arn:aws-eu:iam::111122223333:role/x",
        ] {
            assert!(!valid_role_arn(bad), "{bad}");
        }
    }

    #[test]
    fn settings_parse_and_errors_name_the_key() {
        let c = parse(
            "[route53]\nrole_arn = \"arn:aws:iam::111122223333:role/dns\"\nexternal_id = \"ext-1\"\n[sts]\nendpoint = \"http://127.0.0.1:9\"\nregion = \"eu-west-1\"\n",
        )
        .unwrap();
        let a = c.route53.assume.unwrap();
        assert_eq!(a.role_arn, "arn:aws:iam::111122223333:role/dns");
        assert_eq!(a.external_id.as_deref(), Some("ext-1"));
        assert_eq!(c.sts.region.as_deref(), Some("eu-west-1"));
        assert!(parse("").unwrap().route53.assume.is_none());
        for (text, want) in [
            (
                "[route53]\nrole_arn = \"arn:aws:iam::1:role/x\"\n",
                "2: route53.role_arn: \"arn:aws:iam::1:role/x\" is not a role ARN",
            ),
            (
                "[route53]\nexternal_id = \"x1\"\n",
                "route53.external_id: only applies with route53.role_arn",
            ),
            (
                "[route53]\nrole_arn = \"arn:aws:iam::111122223333:role/x\"\nsession_name = \"a b\"\n",
                "route53.session_name",
            ),
            (
                "[sts]\nendpoint = \"http://sts.example.com\"\n",
                "sts.endpoint: \"http://sts.example.com\" uses plain http",
            ),
            ("[sts]\nregion = \"EU\"\n", "sts.region"),
            ("[sts]\nnope = 1\n", "nope"),
        ] {
            let e = parse(text).unwrap_err().to_string();
            assert!(e.contains(want), "{text}: {e}");
        }
    }
}
