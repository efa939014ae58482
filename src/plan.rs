//! Deciding what to write, given what the zone holds: pure functions.
//!
//! - `overwrite` (default): UPSERT the desired set; when the name holds a set
//!   of a type that cannot coexist (CNAME ↔ A/AAAA), DELETE that exact set and
//!   CREATE the new one in the same atomic batch.
//! - `keep`: the name is written only if it is free, already points here, or
//!   its owner record (`_ec2-dns-updater.<name>` TXT holding an instance id)
//!   names this instance. Every write is a compare-and-swap: the batch DELETEs
//!   the exact set it read and CREATEs the new one, so a concurrent change by
//!   someone else makes the batch fail instead of being overwritten.
//! - delete: remove the set only if it still points at this instance (and, in
//!   `keep` mode, is not owned by another instance), with an exact DELETE.

use crate::config::OnConflict;
use crate::dns_name::{DnsName, same_target};
use crate::route53::xml::{Change, ChangeAction, Existing, RecordSet};

/// The label prepended to a name for its owner TXT record (a TXT cannot share
/// a name with a CNAME).
pub const OWNER_PREFIX: &str = "_ec2-dns-updater";
/// TTL of owner records.
pub const OWNER_TTL: u32 = 300;

/// What the zone holds at a name (and at its owner name).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Observed {
    /// Record sets at exactly the name (only the types that matter).
    pub sets: Vec<Existing>,
    /// The owner TXT, when it was read (`keep` mode).
    pub owner: Option<RecordSet>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decision {
    /// The zone already holds the desired set (and ownership).
    Unchanged,
    /// Send these changes (one atomic batch with the zone's other records).
    Write(Vec<Change>),
    /// `keep`: the name points elsewhere and is not ours.
    Conflict {
        current: String,
        owner: Option<String>,
    },
    /// An alias or routing-policy record sits at the name.
    Unmanaged { kind: &'static str },
    /// delete: nothing of ours is there.
    NotOurs { why: String },
}

/// The owner record's name for `name`.
pub fn owner_name(name: &DnsName) -> DnsName {
    DnsName::parse(&format!("{OWNER_PREFIX}.{name}")).unwrap_or_else(|_| name.clone())
}

/// The owner record this instance writes.
pub fn owner_set(name: &DnsName, instance_id: &str) -> RecordSet {
    RecordSet {
        name: owner_name(name),
        rtype: "TXT".into(),
        ttl: OWNER_TTL,
        values: vec![format!("\"{instance_id}\"")],
    }
}

/// The instance id an owner record names.
pub fn owner_of(set: &RecordSet) -> Option<String> {
    set.values
        .first()
        .map(|v| v.trim().trim_matches('"').to_owned())
        .filter(|v| !v.is_empty())
}

/// Types that cannot share a name with `rtype`.
fn conflicts_with(rtype: &str, other: &str) -> bool {
    rtype != other && (rtype == "CNAME" || other == "CNAME")
}

fn same_values(a: &RecordSet, b: &RecordSet) -> bool {
    a.values.len() == b.values.len()
        && a.values
            .iter()
            .zip(&b.values)
            .all(|(x, y)| same_target(x, y))
}

/// The simple sets at the name that either are of the desired type or block it.
fn relevant<'a>(
    desired: &RecordSet,
    observed: &'a Observed,
) -> Result<(Option<&'a RecordSet>, Vec<&'a RecordSet>), Decision> {
    let mut same = None;
    let mut blocking = Vec::new();
    for existing in &observed.sets {
        match existing {
            Existing::Special { rtype, kind, .. }
                if rtype == &desired.rtype || conflicts_with(&desired.rtype, rtype) =>
            {
                return Err(Decision::Unmanaged { kind });
            }
            Existing::Special { .. } => {}
            Existing::Simple(set) if set.rtype == desired.rtype => same = Some(set),
            Existing::Simple(set) if conflicts_with(&desired.rtype, &set.rtype) => {
                blocking.push(set)
            }
            Existing::Simple(_) => {}
        }
    }
    Ok((same, blocking))
}

fn change(action: ChangeAction, set: &RecordSet) -> Change {
    Change {
        action,
        set: set.clone(),
    }
}

/// What to write so the name holds `desired`.
pub fn decide_update(
    desired: &RecordSet,
    observed: &Observed,
    policy: OnConflict,
    instance_id: &str,
) -> Decision {
    let (same, blocking) = match relevant(desired, observed) {
        Ok(r) => r,
        Err(d) => return d,
    };
    let occupant: Option<&RecordSet> = same.or_else(|| blocking.first().copied());
    let points_here = same.is_some_and(|s| same_values(s, desired)) && blocking.is_empty();
    let up_to_date = points_here && same.is_some_and(|s| s.ttl == desired.ttl);

    match policy {
        OnConflict::Overwrite => {
            if up_to_date {
                return Decision::Unchanged;
            }
            if blocking.is_empty() {
                return Decision::Write(vec![change(ChangeAction::Upsert, desired)]);
            }
            let mut changes: Vec<Change> = blocking
                .iter()
                .map(|b| change(ChangeAction::Delete, b))
                .collect();
            changes.push(change(ChangeAction::Create, desired));
            Decision::Write(changes)
        }
        OnConflict::Keep => {
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
                for set in same.iter().chain(blocking.iter()) {
                    changes.push(change(ChangeAction::Delete, set));
                }
                changes.push(change(ChangeAction::Create, desired));
            }
            if !owned {
                let mine = owner_set(&desired.name, instance_id);
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

/// What to delete so the name no longer points at this instance, if it does.
pub fn decide_delete(
    desired: &RecordSet,
    observed: &Observed,
    policy: OnConflict,
    instance_id: &str,
) -> Decision {
    let (same, _) = match relevant(desired, observed) {
        Ok(r) => r,
        Err(d) => return d,
    };
    let Some(current) = same else {
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
        }
    }

    fn observed(sets: &[RecordSet], owner: Option<&str>) -> Observed {
        Observed {
            sets: sets.iter().cloned().map(Existing::Simple).collect(),
            owner: owner.map(|o| owner_set(&DnsName::parse("web.example.com").unwrap(), o)),
        }
    }

    fn actions(d: &Decision) -> Vec<(ChangeAction, String)> {
        match d {
            Decision::Write(c) => c.iter().map(|c| (c.action, c.set.rtype.clone())).collect(),
            other => panic!("expected a write, got {other:?}"),
        }
    }

    #[test]
    fn overwrite_upserts_or_leaves_alone() {
        let want = set("CNAME", 60, "new.example.net");
        assert_eq!(
            decide_update(&want, &observed(&[], None), OnConflict::Overwrite, ME),
            Decision::Write(vec![change(Upsert, &want)])
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
            vec![(Upsert, "A".into())]
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
            owner: None,
        };
        assert_eq!(
            decide_update(&want, &o, OnConflict::Overwrite, ME),
            Decision::Unmanaged {
                kind: "an alias record"
            }
        );
        assert_eq!(
            owner_name(&want.name).as_str(),
            "_ec2-dns-updater.web.example.com."
        );
    }
}
