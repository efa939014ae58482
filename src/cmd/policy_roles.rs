//! `policy` for zones in another account (`route53.role_arn`, a record's
//! `role_arn`): what each side needs, as one JSON object of named documents.
//!
//! ```json
//! {
//!   "InstanceRole": {
//!     "Policy": { "Version": "2012-10-17", "Statement": [
//!       { "Sid": "AssumeDnsRoles", "Action": "sts:AssumeRole", "Resource": ["<role arn>"] },
//!       ...the Route 53 statements of records that assume no role
//!     ] }
//!   },
//!   "Roles": {
//!     "<role arn>": {
//!       "PermissionsPolicy": { ...the Route 53 policy for that role's records },
//!       "TrustPolicy": { ...lets the instance role assume it, with the
//!                        sts:ExternalId condition when external_id is set }
//!     }
//!   }
//! }
//! ```
//!
//! The trust policy's principal is the instance role, which the config does
//! not name: it reads `arn:<partition>:iam::<INSTANCE-ACCOUNT-ID>:role/<INSTANCE-ROLE-NAME>`
//! until the operator fills it in (IAM refuses the placeholder, so it cannot
//! be pasted by mistake). Without any `role_arn` the output is the plain
//! policy document, unchanged.

use crate::cmd::policy::{document, partition};
use crate::config::Config;
use serde_json::{Map, Value, json};
use std::collections::BTreeSet;

/// True when some record assumes a role.
pub(crate) fn assumes_roles(config: &Config) -> bool {
    config.route53.assume.is_some() || config.records.iter().any(|r| r.role_arn.is_some())
}

/// The role a record's Route 53 calls use, if any.
fn role_of<'c>(config: &'c Config, record: &'c crate::config::Record) -> Option<&'c str> {
    record
        .role_arn
        .as_deref()
        .or(config.route53.assume.as_ref().map(|a| a.role_arn.as_str()))
}

/// The external id AssumeRole sends for `role`.
fn external_id<'c>(config: &'c Config, role: &str) -> Option<&'c str> {
    config
        .route53
        .assume
        .as_ref()
        .filter(|a| a.role_arn == role)
        .and_then(|a| a.external_id.as_deref())
}

/// The named documents (see the module docs).
pub(crate) fn documents(config: &Config, allow_delete: bool) -> Value {
    let partition = partition(&config.route53.region);
    let roles: BTreeSet<&str> = config
        .records
        .iter()
        .filter_map(|r| role_of(config, r))
        .collect();
    let subset = |role: Option<&str>| Config {
        records: config
            .records
            .iter()
            .filter(|r| role_of(config, r) == role)
            .cloned()
            .collect(),
        ..config.clone()
    };

    let mut instance = vec![json!({
        "Sid": "AssumeDnsRoles",
        "Effect": "Allow",
        "Action": "sts:AssumeRole",
        "Resource": roles,
    })];
    let own = subset(None);
    if !own.records.is_empty()
        && let Some(statements) = document(&own, allow_delete)["Statement"].as_array()
    {
        instance.extend(statements.iter().cloned());
    }

    let principal = format!("arn:{partition}:iam::<INSTANCE-ACCOUNT-ID>:role/<INSTANCE-ROLE-NAME>");
    let mut per_role = Map::new();
    for role in &roles {
        let mut trust = json!({
            "Sid": "TrustTheInstanceRole",
            "Effect": "Allow",
            "Principal": { "AWS": principal },
            "Action": "sts:AssumeRole",
        });
        if let Some(id) = external_id(config, role) {
            trust["Condition"] = json!({ "StringEquals": { "sts:ExternalId": id } });
        }
        per_role.insert(
            (*role).to_owned(),
            json!({
                "PermissionsPolicy": document(&subset(Some(role)), allow_delete),
                "TrustPolicy": { "Version": "2012-10-17", "Statement": [trust] },
            }),
        );
    }
    json!({
        "InstanceRole": { "Policy": { "Version": "2012-10-17", "Statement": instance } },
        "Roles": per_role,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    #[test]
    fn each_side_gets_its_documents() {
        let config = Config::parse(
            "[[record]]\nzone = \"ZA\"\nname = \"a.example.com\"\n[[record]]\nzone = \"ZB\"\nname = \"b.example.org\"\nrole_arn = \"arn:aws:iam::444455556666:role/dns\"\n[route53]\nrole_arn = \"arn:aws:iam::111122223333:role/w\"\nexternal_id = \"ext-9\"\n",
            Path::new("/c.toml"),
        )
        .unwrap();
        assert!(assumes_roles(&config));
        let doc = documents(&config, false);
        let instance = &doc["InstanceRole"]["Policy"]["Statement"];
        assert_eq!(instance.as_array().unwrap().len(), 1, "{doc:#}");
        assert_eq!(
            instance[0]["Resource"],
            json!([
                "arn:aws:iam::111122223333:role/w",
                "arn:aws:iam::444455556666:role/dns"
            ])
        );
        let w = &doc["Roles"]["arn:aws:iam::111122223333:role/w"];
        assert_eq!(
            w["TrustPolicy"]["Statement"][0]["Condition"]["StringEquals"]["sts:ExternalId"],
            "ext-9"
        );
        assert_eq!(
            w["PermissionsPolicy"]["Statement"][0]["Resource"],
            "arn:aws:route53:::hostedzone/ZA"
        );
        let third = &doc["Roles"]["arn:aws:iam::444455556666:role/dns"];
        assert!(
            third["TrustPolicy"]["Statement"][0]
                .get("Condition")
                .is_none()
        );
        assert_eq!(
            third["PermissionsPolicy"]["Statement"][0]["Resource"],
            "arn:aws:route53:::hostedzone/ZB"
        );
    }
}
