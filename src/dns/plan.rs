//! Deciding what to write, given what the zone holds: pure functions.
//!
//! The zone is the user's data. The deletion rule (README, "What a run may
//! delete"):
//! - A run only ever deletes **address sets** (CNAME, A, AAAA) at its own
//!   name, and only those that conflict with what it writes: a CNAME
//!   conflicts with every other type, A and AAAA only with a CNAME. It never
//!   deletes any other type (MX, TXT, CAA, SRV, NS, ...), nor alias or
//!   routing-policy sets.
//! - When a set it may not delete makes the desired type impossible (an MX
//!   beside a wanted CNAME), the next source in the record's list is tried
//!   (an A coexists with MX and TXT); with none left the run stops with the
//!   blocking types named (exit 65).
//! - `overwrite` (default): UPSERT the desired set; a conflicting address set
//!   is DELETEd (exactly as read) in the same atomic batch that CREATEs the
//!   new one.
//! - `keep`: the name is written only if it is free, already points here, or
//!   its owner record (`_ec2-dns-updater.<name>` TXT holding an instance id)
//!   names this instance. Every write is a compare-and-swap: the batch DELETEs
//!   the exact sets it read and CREATEs the new ones, so a concurrent change
//!   by someone else makes the batch fail instead of being overwritten.
//! - delete: remove a set only if it still points at this instance (and, in
//!   `keep` mode, is not owned by another instance), with an exact DELETE.
//! - Pool members (weighted, multivalue) are never touched from here: they
//!   block a simple record of their type (or one a CNAME excludes). Pool
//!   records are planned by `dns::pool`, which touches only the set with
//!   their own identifier (and, with `prune`, members of gone instances).

use crate::dns::name::{DnsName, same_target};
use crate::dns::record::{Change, ChangeAction, Existing, RecordSet};

/// What to do when the name already points somewhere else.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OnConflict {
    /// Plain UPSERT: this instance wins.
    Overwrite,
    /// Only write names this instance owns (a TXT record at
    /// `_ec2-dns-updater.<name>` holds the owner's instance id), with
    /// compare-and-swap batches.
    Keep,
}

/// The label prepended to a name for its owner TXT record (a TXT cannot share
/// a name with a CNAME).
pub(crate) const OWNER_PREFIX: &str = "_ec2-dns-updater";
/// TTL of owner records.
pub(crate) const OWNER_TTL: u32 = 300;
/// The longest record name (without the trailing dot) that leaves room for
/// its owner name within DNS's 253 characters.
pub(crate) const MAX_OWNED_NAME: usize = 253 - OWNER_PREFIX.len() - 1;

/// Record types this program writes, and so may delete when they conflict.
const ADDRESS_TYPES: [&str; 3] = ["CNAME", "A", "AAAA"];

/// What the zone holds at a name (and at its owner name).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Observed {
    /// Record sets at exactly the name, every type.
    pub sets: Vec<Existing>,
    /// `keep` mode: the owner record's name (checked valid when the record
    /// name was made) and the owner TXT, when there is one.
    pub owner_name: Option<DnsName>,
    pub owner: Option<RecordSet>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Decision {
    /// The zone already holds the desired set (and ownership).
    Unchanged,
    /// Send these changes (one atomic batch with the zone's other records).
    Write(Vec<Change>),
    /// `keep`: the name points elsewhere and is not ours.
    Conflict {
        current: String,
        owner: Option<String>,
    },
    /// Sets this program may not delete make the desired type impossible
    /// (each entry: a type, with why it stays, e.g. "MX", "A (an alias record)").
    Blocked { by: Vec<String> },
    /// delete: nothing of ours is there.
    NotOurs { why: String },
}

/// Why a name cannot have an owner record.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub(crate) enum OwnerNameError {
    #[error(
        "on_conflict = \"keep\" cannot guard the wildcard {0}: its owner record would not be a valid name. Use on_conflict = \"overwrite\" for wildcard names"
    )]
    Wildcard(DnsName),
    #[error(
        "on_conflict = \"keep\" needs room for the owner record {OWNER_PREFIX}.<name>: {0} is longer than {MAX_OWNED_NAME} characters"
    )]
    TooLong(DnsName),
}

/// The owner record's name for `name`: `_ec2-dns-updater.<name>`. Never
/// anything else: a name that cannot have one is an error, found when the
/// config is loaded (literal names) or the name is filled in (templates).
pub(crate) fn owner_name(name: &DnsName) -> Result<DnsName, OwnerNameError> {
    if name.as_str().starts_with("*.") {
        return Err(OwnerNameError::Wildcard(name.clone()));
    }
    if name.relative().len() > MAX_OWNED_NAME {
        return Err(OwnerNameError::TooLong(name.clone()));
    }
    DnsName::parse(&format!("{OWNER_PREFIX}.{name}"))
        .map_err(|_| OwnerNameError::TooLong(name.clone()))
}

/// The owner record this instance writes at `owner_name`.
pub(crate) fn owner_set(owner_name: &DnsName, instance_id: &str) -> RecordSet {
    RecordSet {
        name: owner_name.clone(),
        rtype: "TXT".into(),
        ttl: OWNER_TTL,
        values: vec![format!("\"{instance_id}\"")],
        pool: None,
    }
}

/// The instance id an owner record names.
pub(crate) fn owner_of(set: &RecordSet) -> Option<String> {
    set.values
        .first()
        .map(|v| v.trim().trim_matches('"').to_owned())
        .filter(|v| !v.is_empty())
}

/// Types that cannot share a name with `rtype`.
fn conflicts_with(rtype: &str, other: &str) -> bool {
    rtype != other && (rtype == "CNAME" || other == "CNAME")
}

fn is_address(rtype: &str) -> bool {
    ADDRESS_TYPES.contains(&rtype)
}

fn same_values(a: &RecordSet, b: &RecordSet) -> bool {
    a.values.len() == b.values.len()
        && a.values
            .iter()
            .zip(&b.values)
            .all(|(x, y)| same_target(x, y))
}

/// The sets at the name that matter for `desired`.
struct Relevant<'a> {
    /// The simple set of the desired type.
    same: Option<&'a RecordSet>,
    /// Conflicting address sets: deletable by the rule.
    conflicting: Vec<&'a RecordSet>,
    /// What makes `desired` impossible and may not be deleted.
    blocked_by: Vec<String>,
}

fn relevant<'a>(desired: &RecordSet, observed: &'a Observed) -> Relevant<'a> {
    let mut r = Relevant {
        same: None,
        conflicting: Vec::new(),
        blocked_by: Vec::new(),
    };
    for existing in &observed.sets {
        let rtype = existing.rtype();
        let matters = rtype == desired.rtype || conflicts_with(&desired.rtype, rtype);
        match existing {
            Existing::Special { kind, .. } if matters => {
                r.blocked_by.push(format!("{rtype} ({kind})"));
            }
            // Pool members are touched only by a record of that pool.
            Existing::Member(_) if matters => {
                let text = format!("{rtype} (weighted or multivalue pool members)");
                if !r.blocked_by.contains(&text) {
                    r.blocked_by.push(text);
                }
            }
            Existing::Simple(set) if set.rtype == desired.rtype => r.same = Some(set),
            Existing::Simple(set) if matters && is_address(rtype) => r.conflicting.push(set),
            Existing::Simple(_) if matters => r.blocked_by.push(rtype.to_owned()),
            _ => {}
        }
    }
    r
}

fn change(action: ChangeAction, set: &RecordSet) -> Change {
    Change {
        action,
        set: set.clone(),
    }
}

/// Picks the first candidate (the record's sources, in order, that IMDS has
/// a value for) the zone can hold under the deletion rule, and what to write
/// for it. With every candidate blocked: [`Decision::Blocked`] naming all
/// that blocks. Returns the index of the candidate decided for.
pub(crate) fn choose_update(
    candidates: &[RecordSet],
    observed: &Observed,
    policy: OnConflict,
    instance_id: &str,
) -> (usize, Decision) {
    let mut by: Vec<String> = Vec::new();
    for (i, desired) in candidates.iter().enumerate() {
        match decide_update(desired, observed, policy, instance_id) {
            Decision::Blocked { by: b } => {
                for t in b {
                    if !by.contains(&t) {
                        by.push(t);
                    }
                }
            }
            decision => return (i, decision),
        }
    }
    (0, Decision::Blocked { by })
}

/// What to write so the name holds `desired`.
pub(crate) fn decide_update(
    desired: &RecordSet,
    observed: &Observed,
    policy: OnConflict,
    instance_id: &str,
) -> Decision {
    let Relevant {
        same,
        conflicting,
        blocked_by,
    } = relevant(desired, observed);
    if !blocked_by.is_empty() {
        return Decision::Blocked { by: blocked_by };
    }
    let occupant: Option<&RecordSet> = same.or_else(|| conflicting.first().copied());
    let points_here = same.is_some_and(|s| same_values(s, desired)) && conflicting.is_empty();
    let up_to_date = points_here && same.is_some_and(|s| s.ttl == desired.ttl);

    match policy {
        OnConflict::Overwrite => {
            if up_to_date {
                return Decision::Unchanged;
            }
            if conflicting.is_empty() {
                // An empty name: CREATE, which fails instead of overwriting
                // a set someone made since the listing (the run reads again),
                // and costs one change unit where an UPSERT costs two.
                let action = match same {
                    Some(_) => ChangeAction::Upsert,
                    None => ChangeAction::Create,
                };
                return Decision::Write(vec![change(action, desired)]);
            }
            let mut changes: Vec<Change> = conflicting
                .iter()
                .map(|b| change(ChangeAction::Delete, b))
                .collect();
            changes.push(change(ChangeAction::Create, desired));
            Decision::Write(changes)
        }
        OnConflict::Keep => {
            let Some(owner_name) = &observed.owner_name else {
                // Names are checked for an owner name before any call.
                return Decision::Blocked {
                    by: vec!["a name without an owner record name".into()],
                };
            };
            let owner = observed.owner.as_ref().and_then(owner_of);
            let owned = owner.as_deref() == Some(instance_id);
            if occupant.is_some() && !points_here && !owned {
                return Decision::Conflict {
                    current: occupant.map(RecordSet::values_text).unwrap_or_default(),
                    owner,
                };
            }
            let mut changes = Vec::new();
            if !up_to_date {
                for set in same.iter().chain(conflicting.iter()) {
                    changes.push(change(ChangeAction::Delete, set));
                }
                changes.push(change(ChangeAction::Create, desired));
            }
            if !owned {
                let mine = owner_set(owner_name, instance_id);
                if let Some(old) = &observed.owner {
                    changes.push(change(ChangeAction::Delete, old));
                }
                changes.push(change(ChangeAction::Create, &mine));
            }
            if changes.is_empty() {
                Decision::Unchanged
            } else {
                Decision::Write(changes)
            }
        }
    }
}

/// Delete, over the record's candidates: the first that the zone holds
/// pointing at this instance (the name may hold the A of a boot whose CNAME
/// was blocked). Returns the index of the candidate decided for.
pub(crate) fn choose_delete(
    candidates: &[RecordSet],
    observed: &Observed,
    policy: OnConflict,
    instance_id: &str,
) -> (usize, Decision) {
    let mut first = None;
    for (i, desired) in candidates.iter().enumerate() {
        let decision = decide_delete(desired, observed, policy, instance_id);
        if matches!(decision, Decision::Write(_)) {
            return (i, decision);
        }
        first.get_or_insert(decision);
    }
    (
        0,
        first.unwrap_or_else(|| Decision::NotOurs {
            why: "no source has a value".into(),
        }),
    )
}

/// What to delete so the name no longer points at this instance, if it does.
pub(crate) fn decide_delete(
    desired: &RecordSet,
    observed: &Observed,
    policy: OnConflict,
    instance_id: &str,
) -> Decision {
    let special = observed.sets.iter().find_map(|e| match e {
        Existing::Special { rtype, kind, .. } if *rtype == desired.rtype => Some(*kind),
        Existing::Member(s) if s.rtype == desired.rtype => Some("a weighted or multivalue pool"),
        _ => None,
    });
    if let Some(kind) = special {
        return Decision::NotOurs {
            why: format!("it is {kind}"),
        };
    }
    let Some(current) = relevant(desired, observed).same else {
        return Decision::NotOurs {
            why: format!("there is no {} record", desired.rtype),
        };
    };
    if !same_values(current, desired) {
        return Decision::NotOurs {
            why: format!(
                "it points at {}, not at this instance",
                current.values_text()
            ),
        };
    }
    let owner = observed.owner.as_ref().and_then(owner_of);
    if policy == OnConflict::Keep
        && let Some(other) = owner.as_deref().filter(|o| *o != instance_id)
    {
        return Decision::NotOurs {
            why: format!("its owner record names {other}"),
        };
    }
    let mut changes = vec![change(ChangeAction::Delete, current)];
    if let Some(o) = &observed.owner
        && owner.as_deref() == Some(instance_id)
    {
        changes.push(change(ChangeAction::Delete, o));
    }
    Decision::Write(changes)
}

#[cfg(test)]
mod tests {
    use super::*;
    use ChangeAction::*;

    const ME: &str = "i-0123456789abcdef0";

    fn set(rtype: &str, ttl: u32, value: &str) -> RecordSet {
        RecordSet {
            name: DnsName::parse("web.example.com").unwrap(),
            rtype: rtype.into(),
            ttl,
            values: vec![value.into()],
            pool: None,
        }
    }

    fn web_owner() -> DnsName {
        owner_name(&DnsName::parse("web.example.com").unwrap()).unwrap()
    }

    fn observed(sets: &[RecordSet], owner: Option<&str>) -> Observed {
        Observed {
            sets: sets.iter().cloned().map(Existing::Simple).collect(),
            owner_name: Some(web_owner()),
            owner: owner.map(|o| owner_set(&web_owner(), o)),
        }
    }

    fn actions(d: &Decision) -> Vec<(ChangeAction, String)> {
        match d {
            Decision::Write(c) => c.iter().map(|c| (c.action, c.set.rtype.clone())).collect(),
            other => panic!("expected a write, got {other:?}"),
        }
    }

    #[test]
    fn overwrite_creates_upserts_or_leaves_alone() {
        let want = set("CNAME", 60, "new.example.net");
        // An empty name: CREATE (refused, not overwritten, if someone made
        // the set since the listing).
        assert_eq!(
            decide_update(&want, &observed(&[], None), OnConflict::Overwrite, ME),
            Decision::Write(vec![change(Create, &want)])
        );
        assert_eq!(
            decide_update(
                &want,
                &observed(&[set("CNAME", 60, "NEW.example.net.")], None),
                OnConflict::Overwrite,
                ME
            ),
            Decision::Unchanged
        );
        assert_eq!(
            actions(&decide_update(
                &want,
                &observed(&[set("CNAME", 300, "new.example.net")], None),
                OnConflict::Overwrite,
                ME
            )),
            vec![(Upsert, "CNAME".into())]
        );
    }

    #[test]
    fn switching_type_deletes_the_old_set_in_the_same_batch() {
        let a = set("A", 60, "203.0.113.25");
        let cname = set("CNAME", 60, "ec2-1.example.net");
        let d = decide_update(
            &a,
            &observed(std::slice::from_ref(&cname), None),
            OnConflict::Overwrite,
            ME,
        );
        assert_eq!(
            d,
            Decision::Write(vec![change(Delete, &cname), change(Create, &a)])
        );
        // A and AAAA coexist: an AAAA does not block an A.
        let aaaa = set("AAAA", 60, "2001:db8::1");
        assert_eq!(
            actions(&decide_update(
                &a,
                &observed(&[aaaa], None),
                OnConflict::Overwrite,
                ME
            )),
            vec![(Create, "A".into())]
        );
    }

    #[test]
    fn keep_refuses_foreign_records_and_claims_free_ones() {
        let want = set("CNAME", 60, "me.example.net");
        let foreign = set("CNAME", 60, "someone-else.example.net");
        assert_eq!(
            decide_update(
                &want,
                &observed(std::slice::from_ref(&foreign), None),
                OnConflict::Keep,
                ME
            ),
            Decision::Conflict {
                current: "someone-else.example.net".into(),
                owner: None
            }
        );
        assert_eq!(
            decide_update(
                &want,
                &observed(std::slice::from_ref(&foreign), Some("i-other")),
                OnConflict::Keep,
                ME
            ),
            Decision::Conflict {
                current: "someone-else.example.net".into(),
                owner: Some("i-other".into())
            }
        );
        // Free name: create the record and the owner record.
        assert_eq!(
            actions(&decide_update(
                &want,
                &observed(&[], None),
                OnConflict::Keep,
                ME
            )),
            vec![(Create, "CNAME".into()), (Create, "TXT".into())]
        );
        // Ours, moved: compare-and-swap of the exact old set; owner kept.
        let d = decide_update(
            &want,
            &observed(std::slice::from_ref(&foreign), Some(ME)),
            OnConflict::Keep,
            ME,
        );
        assert_eq!(
            d,
            Decision::Write(vec![change(Delete, &foreign), change(Create, &want)])
        );
        // Already right and owned: nothing.
        assert_eq!(
            decide_update(
                &want,
                &observed(std::slice::from_ref(&want), Some(ME)),
                OnConflict::Keep,
                ME
            ),
            Decision::Unchanged
        );
        // Already points here but the owner record names someone else: take ownership (CAS on it).
        assert_eq!(
            actions(&decide_update(
                &want,
                &observed(std::slice::from_ref(&want), Some("i-old")),
                OnConflict::Keep,
                ME
            )),
            vec![(Delete, "TXT".into()), (Create, "TXT".into())]
        );
    }

    #[test]
    fn delete_only_what_points_here() {
        let mine = set("CNAME", 60, "me.example.net");
        assert!(matches!(
            decide_delete(&mine, &observed(&[], None), OnConflict::Overwrite, ME),
            Decision::NotOurs { .. }
        ));
        let moved = set("CNAME", 60, "elsewhere.example.net");
        match decide_delete(&mine, &observed(&[moved], None), OnConflict::Overwrite, ME) {
            Decision::NotOurs { why } => assert!(why.contains("elsewhere.example.net"), "{why}"),
            other => panic!("{other:?}"),
        }
        assert_eq!(
            decide_delete(
                &mine,
                &observed(std::slice::from_ref(&mine), None),
                OnConflict::Overwrite,
                ME
            ),
            Decision::Write(vec![change(Delete, &mine)])
        );
        assert_eq!(
            actions(&decide_delete(
                &mine,
                &observed(std::slice::from_ref(&mine), Some(ME)),
                OnConflict::Keep,
                ME
            )),
            vec![(Delete, "CNAME".into()), (Delete, "TXT".into())]
        );
        assert!(matches!(
            decide_delete(
                &mine,
                &observed(std::slice::from_ref(&mine), Some("i-other")),
                OnConflict::Keep,
                ME
            ),
            Decision::NotOurs { .. }
        ));
    }

    #[test]
    fn special_records_are_never_touched() {
        let want = set("CNAME", 60, "me.example.net");
        let o = Observed {
            sets: vec![Existing::Special {
                name: want.name.clone(),
                rtype: "A".into(),
                kind: "an alias record",
            }],
            ..Observed::default()
        };
        assert_eq!(
            decide_update(&want, &o, OnConflict::Overwrite, ME),
            Decision::Blocked {
                by: vec!["A (an alias record)".into()]
            }
        );
        // An alias A does not stop an AAAA.
        let aaaa = set("AAAA", 60, "2001:db8::1");
        assert_eq!(
            choose_update(&[want, aaaa.clone()], &o, OnConflict::Overwrite, ME),
            (1, Decision::Write(vec![change(Create, &aaaa)]))
        );
        assert!(matches!(
            decide_delete(&set("A", 60, "192.0.2.1"), &o, OnConflict::Overwrite, ME),
            Decision::NotOurs { .. }
        ));
        assert_eq!(web_owner().as_str(), "_ec2-dns-updater.web.example.com.");
    }

    #[test]
    fn other_types_at_the_name_are_never_deleted() {
        // m.example.com holds A, MX and TXT (SPF); sources: hostname, then ipv4.
        let a_old = set("A", 60, "198.51.100.7");
        let mx = set("MX", 300, "10 mail.example.com");
        let spf = set("TXT", 300, "\"v=spf1 -all\"");
        let zone = observed(&[a_old.clone(), mx, spf], None);
        let cname = set("CNAME", 60, "ec2-1.example.net");
        let a_new = set("A", 60, "203.0.113.25");
        for policy in [OnConflict::Overwrite, OnConflict::Keep] {
            assert_eq!(
                decide_update(&cname, &zone, policy, ME),
                Decision::Blocked {
                    by: vec!["MX".into(), "TXT".into()]
                },
                "{policy:?}"
            );
        }
        // The CNAME is impossible; the A coexists with MX and TXT.
        assert_eq!(
            choose_update(
                &[cname.clone(), a_new.clone()],
                &zone,
                OnConflict::Overwrite,
                ME
            ),
            (1, Decision::Write(vec![change(Upsert, &a_new)]))
        );
        // Nothing left: blocked, naming every type in the way.
        assert_eq!(
            choose_update(
                std::slice::from_ref(&cname),
                &zone,
                OnConflict::Overwrite,
                ME
            ),
            (
                0,
                Decision::Blocked {
                    by: vec!["MX".into(), "TXT".into()]
                }
            )
        );
        // A CNAME conflicts with A and AAAA, which are deleted in overwrite.
        let aaaa = set("AAAA", 60, "2001:db8::1");
        assert_eq!(
            decide_update(
                &cname,
                &observed(&[a_old.clone(), aaaa.clone()], None),
                OnConflict::Overwrite,
                ME
            ),
            Decision::Write(vec![
                change(Delete, &a_old),
                change(Delete, &aaaa),
                change(Create, &cname)
            ])
        );
        // An A beside a TXT: the TXT does not matter, the A is created.
        let txt_only = observed(&[set("TXT", 300, "\"hello\"")], None);
        assert_eq!(
            decide_update(&a_new, &txt_only, OnConflict::Overwrite, ME),
            Decision::Write(vec![change(Create, &a_new)])
        );
    }

    #[test]
    fn keep_deletes_only_its_own_conflicting_sets() {
        let cname = set("CNAME", 60, "ec2-1.example.net");
        let foreign_a = set("A", 60, "198.51.100.7");
        // Not ours: refused, nothing deleted.
        assert!(matches!(
            decide_update(
                &cname,
                &observed(std::slice::from_ref(&foreign_a), None),
                OnConflict::Keep,
                ME
            ),
            Decision::Conflict { .. }
        ));
        // Ours by the owner record: the A goes, the CNAME comes, CAS.
        assert_eq!(
            decide_update(
                &cname,
                &observed(std::slice::from_ref(&foreign_a), Some(ME)),
                OnConflict::Keep,
                ME
            ),
            Decision::Write(vec![change(Delete, &foreign_a), change(Create, &cname)])
        );
    }

    #[test]
    fn owner_names_are_valid_or_an_error() {
        let wild = DnsName::parse("*.a.example.com").unwrap();
        assert_eq!(owner_name(&wild), Err(OwnerNameError::Wildcard(wild)));
        let label = "a".repeat(60);
        let long =
            DnsName::parse(&format!("{label}.{label}.{label}.{}.com", "b".repeat(50))).unwrap();
        assert_eq!(long.relative().len(), MAX_OWNED_NAME + 1);
        assert_eq!(owner_name(&long), Err(OwnerNameError::TooLong(long)));
        let fits =
            DnsName::parse(&format!("{label}.{label}.{label}.{}.com", "b".repeat(49))).unwrap();
        assert_eq!(owner_name(&fits).unwrap().relative().len(), 253);
    }

    #[test]
    fn delete_finds_the_candidate_that_points_here() {
        let cname = set("CNAME", 60, "ec2-1.example.net");
        let a = set("A", 60, "203.0.113.25");
        let zone = observed(&[a.clone(), set("MX", 300, "10 mail.example.com")], None);
        assert_eq!(
            choose_delete(&[cname, a.clone()], &zone, OnConflict::Overwrite, ME),
            (1, Decision::Write(vec![change(Delete, &a)]))
        );
    }
}
