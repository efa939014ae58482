//! The least-privilege IAM policy for a config (`ec2-dns-updater policy`).
//!
//! - `route53:ChangeResourceRecordSets` on the configured zones only, limited
//!   with the condition keys `route53:ChangeResourceRecordSetsNormalizedRecordNames`,
//!   `...RecordTypes` and `...Actions` to exactly the names, types and actions
//!   this program sends (names from templates become `StringLike` patterns);
//! - `route53:ListResourceRecordSets` on those zones;
//! - `route53:GetChange` (changes have no zone in their ARN);
//! - `route53:ListHostedZonesByName` only when a zone is given by name (that
//!   action cannot be limited to a resource).

use crate::config::{Config, OnConflict, Record, ZoneRef};
use crate::plan::OWNER_PREFIX;
use serde_json::{Value, json};
use std::collections::BTreeSet;

/// `aws`, `aws-cn` or `aws-us-gov`, from the Route 53 signing region.
pub fn partition(region: &str) -> &'static str {
    if region.starts_with("cn-") {
        "aws-cn"
    } else if region.starts_with("us-gov-") {
        "aws-us-gov"
    } else {
        "aws"
    }
}

/// Names (as IAM patterns), types and actions one zone's records need.
#[derive(Default)]
struct ZoneNeeds {
    names: BTreeSet<String>,
    templated: bool,
    types: BTreeSet<&'static str>,
    actions: BTreeSet<&'static str>,
}

fn add_record(needs: &mut ZoneNeeds, record: &Record, allow_delete: bool) {
    let name = record.name.iam_pattern();
    needs.templated |= !record.name.is_static();
    needs.types.extend(record.types());
    needs.actions.insert("UPSERT");
    // A type switch and compare-and-swap writes DELETE the old set and CREATE the new one.
    if record.types().len() > 1 || record.on_conflict == OnConflict::Keep {
        needs.actions.extend(["CREATE", "DELETE"]);
    }
    if allow_delete {
        needs.actions.insert("DELETE");
    }
    if record.on_conflict == OnConflict::Keep {
        needs.names.insert(format!("{OWNER_PREFIX}.{name}"));
        needs.types.insert("TXT");
    }
    needs.names.insert(name);
}

/// The policy document.
pub fn document(config: &Config, allow_delete: bool) -> Value {
    let partition = partition(&config.route53.region);
    let zone_arn = |z: &ZoneRef| match z {
        ZoneRef::Id(id) => format!("arn:{partition}:route53:::hostedzone/{id}"),
        // The id is only known after the lookup: the conditions still pin the names.
        ZoneRef::Name { .. } => format!("arn:{partition}:route53:::hostedzone/*"),
    };
    let mut zones: Vec<(String, ZoneNeeds)> = Vec::new();
    for record in &config.records {
        let arn = zone_arn(&record.zone);
        let index = match zones.iter().position(|(a, _)| *a == arn) {
            Some(i) => i,
            None => {
                zones.push((arn, ZoneNeeds::default()));
                zones.len() - 1
            }
        };
        add_record(&mut zones[index].1, record, allow_delete);
    }

    let mut statements = Vec::new();
    for (i, (arn, needs)) in zones.iter().enumerate() {
        let operator = if needs.templated {
            "ForAllValues:StringLike"
        } else {
            "ForAllValues:StringEquals"
        };
        statements.push(json!({
            "Sid": format!("ChangeOwnRecords{}", i + 1),
            "Effect": "Allow",
            "Action": "route53:ChangeResourceRecordSets",
            "Resource": arn,
            "Condition": {
                operator: {
                    "route53:ChangeResourceRecordSetsNormalizedRecordNames": needs.names,
                    "route53:ChangeResourceRecordSetsRecordTypes": needs.types,
                    "route53:ChangeResourceRecordSetsActions": needs.actions,
                }
            }
        }));
    }
    let arns: BTreeSet<&String> = zones.iter().map(|(a, _)| a).collect();
    statements.push(json!({
        "Sid": "ReadOwnZones",
        "Effect": "Allow",
        "Action": "route53:ListResourceRecordSets",
        "Resource": arns,
    }));
    statements.push(json!({
        "Sid": "WaitForChanges",
        "Effect": "Allow",
        "Action": "route53:GetChange",
        "Resource": format!("arn:{partition}:route53:::change/*"),
    }));
    if config
        .records
        .iter()
        .any(|r| matches!(r.zone, ZoneRef::Name { .. }))
    {
        statements.push(json!({
            "Sid": "FindZonesByName",
            "Effect": "Allow",
            "Action": "route53:ListHostedZonesByName",
            "Resource": "*",
        }));
    }
    json!({ "Version": "2012-10-17", "Statement": statements })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    fn config(text: &str) -> Config {
        Config::parse(text, Path::new("c.toml")).unwrap()
    }

    #[test]
    fn one_cname_needs_upsert_on_one_name() {
        let doc = document(
            &config("[[record]]\nzone = \"Z0123456789ABCDEFGHIJ\"\nname = \"Web.Example.com.\"\n"),
            false,
        );
        assert_eq!(
            doc,
            json!({
                "Version": "2012-10-17",
                "Statement": [
                    {
                        "Sid": "ChangeOwnRecords1",
                        "Effect": "Allow",
                        "Action": "route53:ChangeResourceRecordSets",
                        "Resource": "arn:aws:route53:::hostedzone/Z0123456789ABCDEFGHIJ",
                        "Condition": {"ForAllValues:StringEquals": {
                            "route53:ChangeResourceRecordSetsNormalizedRecordNames": ["web.example.com"],
                            "route53:ChangeResourceRecordSetsRecordTypes": ["CNAME"],
                            "route53:ChangeResourceRecordSetsActions": ["UPSERT"]
                        }}
                    },
                    {"Sid": "ReadOwnZones", "Effect": "Allow", "Action": "route53:ListResourceRecordSets",
                     "Resource": ["arn:aws:route53:::hostedzone/Z0123456789ABCDEFGHIJ"]},
                    {"Sid": "WaitForChanges", "Effect": "Allow", "Action": "route53:GetChange",
                     "Resource": "arn:aws:route53:::change/*"}
                ]
            })
        );
    }

    #[test]
    fn fallbacks_ownership_templates_and_zone_names_widen_it_exactly() {
        let doc = document(
            &config(
                "[[record]]\nzone = \"example.com\"\nname = \"{instance_id}.fleet.example.com\"\nsource = [\"public-hostname\", \"public-ipv4\"]\non_conflict = \"keep\"\n[route53]\nendpoint = \"https://route53.amazonaws.com.cn\"\n",
            ),
            true,
        );
        let s = &doc["Statement"];
        assert_eq!(s[0]["Resource"], "arn:aws-cn:route53:::hostedzone/*");
        let cond = &s[0]["Condition"]["ForAllValues:StringLike"];
        assert_eq!(
            cond["route53:ChangeResourceRecordSetsNormalizedRecordNames"],
            json!([
                "*.fleet.example.com",
                "_ec2-dns-updater.*.fleet.example.com"
            ])
        );
        assert_eq!(
            cond["route53:ChangeResourceRecordSetsRecordTypes"],
            json!(["A", "CNAME", "TXT"])
        );
        assert_eq!(
            cond["route53:ChangeResourceRecordSetsActions"],
            json!(["CREATE", "DELETE", "UPSERT"])
        );
        assert_eq!(s[3]["Action"], "route53:ListHostedZonesByName");
        assert_eq!(s.as_array().unwrap().len(), 4);
    }
}
