//! The least-privilege IAM policy for a config (`ec2-dns-updater policy`).
//!
//! - `route53:ChangeResourceRecordSets` on the configured zones only, limited
//!   with the condition keys `route53:ChangeResourceRecordSetsNormalizedRecordNames`,
//!   `...RecordTypes` and `...Actions` to exactly the names, types and actions
//!   this program sends (names from templates become `StringLike` patterns);
//!   A template's pattern is wider than what it renders: `StringLike`'s `*`
//!   matches any characters, dots included, so `*.example.com` alone would
//!   also allow `a.b.example.com`, `_acme-challenge.example.com` and the
//!   wildcard record itself (`\052.example.com`, as the key normalizes `*`).
//!   Each placeholder renders one label of `a-z 0-9 -`, so the same statement
//!   also says `ForAllValues:StringNotLike` for what its `*` must never hold:
//!   a dot, a `_`, a `\` escape ([`denied_names`]). IAM has no character
//!   classes, so this is the tightest it can say. A denial that would also
//!   refuse a name the config itself writes (the owner record
//!   `_ec2-dns-updater.<name>` is two labels and starts with `_`) is left out
//!   or, for the dot, weakened to "no two extra labels".
//! - `route53:ListResourceRecordSets` on those zones;
//! - `route53:GetChange` (changes have no zone in their ARN);
//! - `route53:ListHostedZonesByName` only when a zone is given by name (that
//!   action cannot be limited to a resource).
//! - Pools (`routing`): IAM has no condition key for `SetIdentifier`, so the
//!   policy cannot confine an instance to its own member: it allows the name,
//!   type and actions, as for a simple record, and every member of the pool
//!   with them. A pool never replaces other types, so no conflicting address
//!   type is added; `DELETE` is added for `keep` (compare-and-swap) and
//!   `prune`, and `ec2:DescribeInstances` (no resource-level permissions:
//!   `*`) for `prune`.

use crate::config::{Config, OnConflict, Record, ZoneRef};
use crate::dns::plan::OWNER_PREFIX;
use crate::run::error::EXIT_OK;
use serde_json::{Value, json};
use std::collections::BTreeSet;

/// `aws`, `aws-cn` or `aws-us-gov`, from the Route 53 signing region.
pub(crate) fn partition(region: &str) -> &'static str {
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
    if let Some(pool) = &record.pool {
        if record.on_conflict == OnConflict::Keep {
            needs.actions.extend(["CREATE", "DELETE"]);
        }
        if pool.prune || allow_delete {
            needs.actions.insert("DELETE");
        }
        needs.names.insert(name);
        return;
    }
    // The deletion rule (README, "What a run may delete"): the address sets
    // that conflict with a written type (A and AAAA for a CNAME, a CNAME for
    // an A or AAAA) are replaced in one batch, DELETE the old set exactly and
    // CREATE the new one; compare-and-swap writes (`keep`) do the same.
    let replaced = conflicting_address_types(&record.types());
    if !replaced.is_empty() || record.on_conflict == OnConflict::Keep {
        needs.actions.extend(["CREATE", "DELETE"]);
    }
    needs.types.extend(replaced);
    if allow_delete {
        needs.actions.insert("DELETE");
    }
    if record.on_conflict == OnConflict::Keep {
        needs.names.insert(format!("{OWNER_PREFIX}.{name}"));
        needs.types.insert("TXT");
    }
    needs.names.insert(name);
}

/// The address types a record writing `types` may replace at its name.
fn conflicting_address_types(types: &[&'static str]) -> Vec<&'static str> {
    let mut out: Vec<&'static str> = Vec::new();
    for t in types {
        let conflicting: &[&'static str] = match *t {
            "CNAME" => &["A", "AAAA"],
            "A" | "AAAA" => &["CNAME"],
            _ => &[],
        };
        out.extend(conflicting.iter().filter(|c| !types.contains(c)));
    }
    out.sort_unstable();
    out.dedup();
    out
}

/// Prints the policy document for `config` as JSON; returns the exit code.
pub(crate) fn run(config: &Config, allow_delete: bool) -> u8 {
    let doc = if super::policy_roles::assumes_roles(config) {
        super::policy_roles::documents(config, allow_delete)
    } else {
        document(config, allow_delete)
    };
    println!("{}", serde_json::to_string_pretty(&doc).unwrap_or_default());
    EXIT_OK
}

/// The policy document.
pub(crate) fn document(config: &Config, allow_delete: bool) -> Value {
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
        let mut condition = json!({
            operator: {
                "route53:ChangeResourceRecordSetsNormalizedRecordNames": needs.names,
                "route53:ChangeResourceRecordSetsRecordTypes": needs.types,
                "route53:ChangeResourceRecordSetsActions": needs.actions,
            }
        });
        let denied = denied_names(&needs.names);
        if !denied.is_empty() {
            condition["ForAllValues:StringNotLike"] =
                json!({ "route53:ChangeResourceRecordSetsNormalizedRecordNames": denied });
        }
        statements.push(json!({
            "Sid": format!("ChangeOwnRecords{}", i + 1),
            "Effect": "Allow",
            "Action": "route53:ChangeResourceRecordSets",
            "Resource": arn,
            "Condition": condition,
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
    if config
        .records
        .iter()
        .any(|r| r.pool.as_ref().is_some_and(|p| p.prune))
    {
        statements.push(json!({
            "Sid": "PruneTerminatedPoolMembers",
            "Effect": "Allow",
            "Action": "ec2:DescribeInstances",
            "Resource": "*",
        }));
    }
    json!({ "Version": "2012-10-17", "Statement": statements })
}

/// For each `*` of the allowed patterns (each stands for placeholder values,
/// which are `a-z 0-9 -` only), `StringNotLike` patterns for the same name
/// with that `*` holding what a placeholder never renders: a dot (one more
/// label), a `_`, a `\` (Route 53's escapes: `\052` is a wildcard). Each
/// alternative list is tried in order and the first that refuses no name the
/// config may write is kept.
fn denied_names(allowed: &BTreeSet<String>) -> BTreeSet<String> {
    const FORBIDDEN: [&[&str]; 3] = [&["*.*", "*.*.*"], &["*_*"], &["*\\*"]];
    let mut denied = BTreeSet::new();
    for pattern in allowed {
        for (k, _) in pattern.match_indices('*') {
            for alternatives in FORBIDDEN {
                let usable = alternatives
                    .iter()
                    .map(|infix| format!("{}{infix}{}", &pattern[..k], &pattern[k + 1..]))
                    .find(|deny| {
                        !allowed
                            .iter()
                            .any(|ours| may_match(deny.as_bytes(), ours.as_bytes()))
                    });
                denied.extend(usable);
            }
        }
    }
    denied
}

/// Whether the `StringLike` pattern `deny` (`*`: any characters) matches some
/// name that `ours` stands for (`*`: placeholder values, `a-z 0-9 -`). Errs
/// towards `true` (it lets `*` in `ours` be empty), which only ever drops a
/// denial, never refuses one of our names.
fn may_match(deny: &[u8], ours: &[u8]) -> bool {
    let label = |c: u8| c.is_ascii_lowercase() || c.is_ascii_digit() || c == b'-';
    let mut seen = vec![vec![false; ours.len() + 1]; deny.len() + 1];
    let mut todo = vec![(0, 0)];
    while let Some((i, j)) = todo.pop() {
        if std::mem::replace(&mut seen[i][j], true) {
            continue;
        }
        match (deny.get(i), ours.get(j)) {
            (None, None) => return true,
            // The deny star takes nothing more, or the next character (or
            // everything) `ours` produces at j.
            (Some(b'*'), next) => {
                todo.push((i + 1, j));
                if next.is_some() {
                    todo.push((i, j + 1));
                }
            }
            // Our placeholder ends here, or produces the deny's literal.
            (literal, Some(b'*')) => {
                todo.push((i, j + 1));
                if literal.is_some_and(|&c| label(c)) {
                    todo.push((i + 1, j));
                }
            }
            (Some(c), Some(d)) if c == d => todo.push((i + 1, j + 1)),
            _ => {}
        }
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    fn config(text: &str) -> Config {
        Config::parse(text, Path::new("c.toml")).unwrap()
    }

    #[test]
    fn pools_add_describe_instances_only_with_prune() {
        let text = "[[record]]\nzone = \"Z0123456789ABCDEFGHIJ\"\nname = \"api.example.com\"\nsource = \"public-ipv4\"\nrouting = \"multivalue\"\n";
        let plain = document(&config(text), false).to_string();
        assert!(!plain.contains("ec2:DescribeInstances"), "{plain}");
        assert!(
            !plain.contains("CNAME") && !plain.contains("DELETE"),
            "{plain}"
        );
        let pruning = document(&config(&format!("{text}prune = true\n")), false).to_string();
        assert!(pruning.contains("ec2:DescribeInstances"), "{pruning}");
        assert!(pruning.contains("DELETE"), "{pruning}");
    }

    #[test]
    fn one_cname_needs_upsert_on_one_name_and_may_replace_address_sets() {
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
                            "route53:ChangeResourceRecordSetsRecordTypes": ["A", "AAAA", "CNAME"],
                            "route53:ChangeResourceRecordSetsActions": ["CREATE", "DELETE", "UPSERT"]
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
            json!(["A", "AAAA", "CNAME", "TXT"])
        );
        assert_eq!(
            cond["route53:ChangeResourceRecordSetsActions"],
            json!(["CREATE", "DELETE", "UPSERT"])
        );
        assert_eq!(s[3]["Action"], "route53:ListHostedZonesByName");
        assert_eq!(s.as_array().unwrap().len(), 4);
        assert_eq!(
            s[0]["Condition"]["ForAllValues:StringNotLike"]["route53:ChangeResourceRecordSetsNormalizedRecordNames"],
            json!([
                "*.*.*.fleet.example.com",
                "*\\*.fleet.example.com",
                "_ec2-dns-updater.*.*.fleet.example.com",
                "_ec2-dns-updater.*\\*.fleet.example.com",
                "_ec2-dns-updater.*_*.fleet.example.com"
            ])
        );
    }

    /// IAM's `StringLike`: `*` any characters (dots too), `?` one.
    fn string_like(pattern: &[u8], name: &[u8]) -> bool {
        match (pattern.first(), name.first()) {
            (None, None) => true,
            (Some(b'*'), _) => {
                string_like(&pattern[1..], name)
                    || (!name.is_empty() && string_like(pattern, &name[1..]))
            }
            (Some(b'?'), Some(_)) => string_like(&pattern[1..], &name[1..]),
            (Some(p), Some(n)) if p == n => string_like(&pattern[1..], &name[1..]),
            _ => false,
        }
    }

    /// Whether the policy's first statement lets one batch change `name`.
    fn allows(doc: &Value, name: &str) -> bool {
        let cond = &doc["Statement"][0]["Condition"];
        let key = "route53:ChangeResourceRecordSetsNormalizedRecordNames";
        let list = |op: &str| -> Vec<String> {
            cond[op][key]
                .as_array()
                .map(|a| a.iter().map(|v| v.as_str().unwrap().to_owned()).collect())
                .unwrap_or_default()
        };
        let hit = |patterns: Vec<String>| {
            patterns
                .iter()
                .any(|p| string_like(p.as_bytes(), name.as_bytes()))
        };
        hit(list("ForAllValues:StringLike")) && !hit(list("ForAllValues:StringNotLike"))
    }

    #[test]
    fn a_templated_name_allows_one_label_and_not_a_wildcard_or_deeper_names() {
        let doc = document(
            &config("[[record]]\nzone = \"Z1\"\nname = \"{tag:Name}.example.com\"\n"),
            false,
        );
        let cond = &doc["Statement"][0]["Condition"];
        assert_eq!(
            cond["ForAllValues:StringLike"]["route53:ChangeResourceRecordSetsNormalizedRecordNames"],
            json!(["*.example.com"])
        );
        assert_eq!(
            cond["ForAllValues:StringNotLike"]["route53:ChangeResourceRecordSetsNormalizedRecordNames"],
            json!(["*.*.example.com", "*\\*.example.com", "*_*.example.com"])
        );
        for ours in ["web.example.com", "web-1.example.com", "i-0abc.example.com"] {
            assert!(allows(&doc, ours), "{ours}");
        }
        for theirs in [
            "\\052.example.com",
            "www.prod.example.com",
            "a.b.c.example.com",
            "_acme-challenge.example.com",
            "x\\100y.example.com",
            "example.com",
            "web.example.org",
        ] {
            assert!(!allows(&doc, theirs), "{theirs}");
        }
    }

    #[test]
    fn with_keep_the_owner_record_stays_allowed_and_the_rest_as_tight_as_iam_can_say() {
        let doc = document(
            &config(
                "[[record]]\nzone = \"Z1\"\nname = \"{tag:Name}.example.com\"\non_conflict = \"keep\"\n",
            ),
            false,
        );
        for ours in ["web.example.com", "_ec2-dns-updater.web.example.com"] {
            assert!(allows(&doc, ours), "{ours}");
        }
        for theirs in [
            "\\052.example.com",
            "a.b.c.example.com",
            "_ec2-dns-updater.\\052.example.com",
            "_ec2-dns-updater.a.b.example.com",
        ] {
            assert!(!allows(&doc, theirs), "{theirs}");
        }
        // What IAM cannot tell from the owner record `_ec2-dns-updater.web`:
        // another two-label name, or a one-label name starting with '_'.
        assert!(allows(&doc, "www.prod.example.com"));
        assert!(allows(&doc, "_acme-challenge.example.com"));
    }

    #[test]
    fn a_denial_never_refuses_a_name_the_config_writes() {
        // A static wildcard next to a template: `\052` may not be denied.
        let doc = document(
            &config(
                "[[record]]\nzone = \"Z1\"\nname = \"web-{instance_id}.{region}.example.com\"\n[[record]]\nzone = \"Z1\"\nname = \"*.example.com\"\n[[record]]\nzone = \"Z1\"\nname = \"a.b.example.com\"\n",
            ),
            false,
        );
        for ours in [
            "\\052.example.com",
            "a.b.example.com",
            "web-i-0abc.eu-west-1.example.com",
        ] {
            assert!(allows(&doc, ours), "{ours}");
        }
        for theirs in [
            "web-a.b.c.example.com",
            "web-\\052.x.example.com",
            "web-x.\\052.example.com",
            "web-_x.y.example.com",
        ] {
            assert!(!allows(&doc, theirs), "{theirs}");
        }
    }

    #[test]
    fn may_match_is_exact_enough() {
        assert!(may_match(
            b"*.*.example.com",
            b"_ec2-dns-updater.*.example.com"
        ));
        assert!(!may_match(
            b"*.*.*.example.com",
            b"_ec2-dns-updater.*.example.com"
        ));
        assert!(!may_match(b"*.*.example.com", b"*.example.com"));
        assert!(!may_match(b"*_*.example.com", b"*.example.com"));
        assert!(may_match(b"*\\*.example.com", b"\\052.example.com"));
        assert!(may_match(b"*.*.example.com", b"a.b.example.com"));
        assert!(may_match(b"web-*", b"*"));
    }
}
