//! Instance pools: many instances answering for one name, each owning
//! exactly one weighted or multivalue record set, keyed by its
//! `SetIdentifier` (by default the instance id). Pure functions.
//!
//! The deletion rule for pools (README, "Pools"): a run writes, compares and
//! deletes only the set (name, type, its own identifier). Other members,
//! other types and simple sets are never touched; a simple set (or an alias,
//! or another routing policy) of the same type, or a type that cannot share
//! the name, blocks the run (exit 65). The one exception is `prune = true`:
//! members whose identifier is an instance id that EC2 reports terminated or
//! no longer knows are deleted, exactly as read, in the same batch.

use crate::dns::name::same_target;
use crate::dns::plan::{Decision, Observed, OnConflict};
use crate::dns::record::{Change, ChangeAction, Existing, PoolMember, RecordSet, Routing};
use crate::dns::template::Var;

/// Route 53's longest `SetIdentifier`.
pub const MAX_IDENTIFIER: usize = 128;

/// What makes a configured record a pool member.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pool {
    /// Weighted (with this instance's weight) or multivalue.
    pub routing: Routing,
    /// The `SetIdentifier`, with placeholders.
    pub set_identifier: IdentifierTemplate,
    /// `HealthCheckId` to attach, if any.
    pub health_check_id: Option<String>,
    /// Delete members of terminated (or unknown) instances.
    pub prune: bool,
}

/// A `SetIdentifier` template: text with `{instance_id}`, `{region}`,
/// `{availability_zone}` and `{tag:KEY}` placeholders.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdentifierTemplate {
    text: String,
    parts: Vec<Result<String, Var>>,
}

impl IdentifierTemplate {
    /// The default: the instance id.
    pub fn instance_id() -> Self {
        IdentifierTemplate::parse("{instance_id}").expect("the default parses")
    }

    /// Parses a template; an unknown placeholder or a stray brace is an error.
    pub fn parse(text: &str) -> Result<Self, String> {
        let mut parts = Vec::new();
        let mut rest = text;
        while !rest.is_empty() {
            match rest.find(['{', '}']) {
                None => {
                    parts.push(Ok(rest.to_owned()));
                    break;
                }
                Some(i) if rest.as_bytes()[i] == b'}' => {
                    return Err(format!("{text:?} has a '}}' without '{{'"));
                }
                Some(i) => {
                    if i > 0 {
                        parts.push(Ok(rest[..i].to_owned()));
                    }
                    let Some(end) = rest[i..].find('}') else {
                        return Err(format!("{text:?} has a '{{' without '}}'"));
                    };
                    let var = match &rest[i + 1..i + end] {
                        "instance_id" => Var::InstanceId,
                        "region" => Var::Region,
                        "availability_zone" => Var::AvailabilityZone,
                        other => match other.strip_prefix("tag:") {
                            Some(key) if !key.is_empty() && !key.contains('/') => {
                                Var::Tag(key.to_owned())
                            }
                            _ => {
                                return Err(format!(
                                    "{{{other}}} is not a placeholder: use {{instance_id}}, {{region}}, {{availability_zone}} or {{tag:KEY}}"
                                ));
                            }
                        },
                    };
                    parts.push(Err(var));
                    rest = &rest[i + end + 1..];
                }
            }
        }
        let t = IdentifierTemplate {
            text: text.to_owned(),
            parts,
        };
        if t.vars().next().is_none() {
            check_identifier(text)?;
        }
        Ok(t)
    }

    /// The template as written.
    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// The placeholders it uses.
    pub fn vars(&self) -> impl Iterator<Item = &Var> {
        self.parts.iter().filter_map(|p| p.as_ref().err())
    }

    /// Fills in the placeholders; the result must be 1 to 128 characters.
    pub fn render(&self, value: impl Fn(&Var) -> Option<String>) -> Result<String, String> {
        let mut out = String::new();
        for part in &self.parts {
            match part {
                Ok(text) => out.push_str(text),
                Err(var) => match value(var) {
                    Some(v) => out.push_str(v.trim()),
                    None => return Err(format!("{var} has no value")),
                },
            }
        }
        check_identifier(&out)?;
        Ok(out)
    }
}

fn check_identifier(id: &str) -> Result<(), String> {
    let n = id.chars().count();
    if n == 0 || n > MAX_IDENTIFIER {
        return Err(format!(
            "the set identifier {id:?} must be 1 to {MAX_IDENTIFIER} characters (it has {n})"
        ));
    }
    if id.chars().any(char::is_control) {
        return Err(format!(
            "the set identifier {id:?} contains a control character"
        ));
    }
    Ok(())
}

/// An EC2 instance id: `i-` and 8 or 17 lowercase hex digits. Only members
/// with such an identifier can ever be pruned.
pub fn is_instance_id(id: &str) -> bool {
    id.strip_prefix("i-").is_some_and(|hex| {
        (hex.len() == 8 || hex.len() == 17)
            && hex
                .bytes()
                .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
    })
}

fn same_member(a: &RecordSet, b: &RecordSet) -> bool {
    a.ttl == b.ttl
        && a.pool == b.pool
        && a.values.len() == b.values.len()
        && a.values
            .iter()
            .zip(&b.values)
            .all(|(x, y)| same_target(x, y))
}

fn member(set: &RecordSet) -> Option<&PoolMember> {
    set.pool.as_ref()
}

/// Members of the pool at `desired`'s name and type that prune may delete:
/// other members whose identifier is an instance id (`candidates`, for the
/// caller to ask EC2 about).
pub(crate) fn prune_candidates(desired: &RecordSet, observed: &Observed) -> Vec<String> {
    let mine = member(desired).map(|m| m.identifier.as_str());
    observed
        .sets
        .iter()
        .filter_map(|e| match e {
            Existing::Member(s) if s.rtype == desired.rtype => member(s),
            _ => None,
        })
        .map(|m| m.identifier.clone())
        .filter(|id| Some(id.as_str()) != mine && is_instance_id(id))
        .collect()
}

/// What the zone blocks for a pool member of `desired`'s type: sets of the
/// same type that are not pool members, and any type a CNAME excludes.
fn blockers(desired: &RecordSet, observed: &Observed) -> Vec<String> {
    let mut by = Vec::new();
    for e in &observed.sets {
        let rtype = e.rtype();
        let conflicts = rtype != desired.rtype && (rtype == "CNAME" || desired.rtype == "CNAME");
        let text = match e {
            Existing::Member(_) if conflicts => format!("{rtype} (a pool of other records)"),
            Existing::Member(_) => continue,
            Existing::Simple(_) if rtype == desired.rtype => {
                format!("{rtype} (a simple record set, not a pool member)")
            }
            Existing::Simple(_) if conflicts => rtype.to_owned(),
            Existing::Special { kind, .. } if conflicts || rtype == desired.rtype => {
                format!("{rtype} ({kind})")
            }
            _ => continue,
        };
        if !by.contains(&text) {
            by.push(text);
        }
    }
    by
}

/// The set with this instance's identifier, of `desired`'s type.
fn own<'a>(desired: &RecordSet, observed: &'a Observed) -> Option<&'a RecordSet> {
    let id = &member(desired)?.identifier;
    observed.sets.iter().find_map(|e| match e {
        Existing::Member(s) if s.rtype == desired.rtype && member(s)?.identifier == *id => Some(s),
        _ => None,
    })
}

/// What to write so the pool holds this instance's member `desired`
/// (`desired.pool` set), plus exact DELETEs of the members named in `gone`
/// (prune: instances EC2 reports terminated or does not know).
pub(crate) fn decide_update(
    desired: &RecordSet,
    observed: &Observed,
    policy: OnConflict,
    gone: &[String],
) -> Decision {
    let by = blockers(desired, observed);
    if !by.is_empty() {
        return Decision::Blocked { by };
    }
    let mut changes = Vec::new();
    match own(desired, observed) {
        Some(current) if same_member(current, desired) => {}
        Some(current) if policy == OnConflict::Keep => {
            changes.push(Change {
                action: ChangeAction::Delete,
                set: current.clone(),
            });
            changes.push(Change {
                action: ChangeAction::Create,
                set: desired.clone(),
            });
        }
        None if policy == OnConflict::Keep => changes.push(Change {
            action: ChangeAction::Create,
            set: desired.clone(),
        }),
        _ => changes.push(Change {
            action: ChangeAction::Upsert,
            set: desired.clone(),
        }),
    }
    changes.extend(pruned(desired, observed, gone));
    if changes.is_empty() {
        Decision::Unchanged
    } else {
        Decision::Write(changes)
    }
}

/// Exact DELETEs of the other members whose identifier is an instance id
/// listed in `gone`.
fn pruned(desired: &RecordSet, observed: &Observed, gone: &[String]) -> Vec<Change> {
    let mine = member(desired).map(|m| m.identifier.as_str());
    observed
        .sets
        .iter()
        .filter_map(|e| match e {
            Existing::Member(s) if s.rtype == desired.rtype => Some(s),
            _ => None,
        })
        .filter(|s| {
            member(s).is_some_and(|m| {
                Some(m.identifier.as_str()) != mine
                    && is_instance_id(&m.identifier)
                    && gone.contains(&m.identifier)
            })
        })
        .map(|s| Change {
            action: ChangeAction::Delete,
            set: s.clone(),
        })
        .collect()
}

/// Update over a record's candidates (its sources with a value): the
/// first the zone does not block. Returns the index decided for.
pub(crate) fn choose_update(
    candidates: &[RecordSet],
    observed: &Observed,
    policy: OnConflict,
    gone: &[String],
) -> (usize, Decision) {
    let mut by: Vec<String> = Vec::new();
    for (i, desired) in candidates.iter().enumerate() {
        match decide_update(desired, observed, policy, gone) {
            Decision::Blocked { by: b } => by.extend(
                b.into_iter()
                    .filter(|t| !by.contains(t))
                    .collect::<Vec<_>>(),
            ),
            decision => return (i, decision),
        }
    }
    (0, Decision::Blocked { by })
}

/// Delete over a record's candidates: the first whose member points here.
pub(crate) fn choose_delete(candidates: &[RecordSet], observed: &Observed) -> (usize, Decision) {
    let mut first = None;
    for (i, desired) in candidates.iter().enumerate() {
        let decision = decide_delete(desired, observed);
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

/// Delete: this instance's member, exactly as read, if it still points here.
/// Never any other member (nor a prune: a leaving instance only leaves).
pub(crate) fn decide_delete(desired: &RecordSet, observed: &Observed) -> Decision {
    let id = member(desired)
        .map(|m| m.identifier.clone())
        .unwrap_or_default();
    let Some(current) = own(desired, observed) else {
        return Decision::NotOurs {
            why: format!("there is no {} member {id:?}", desired.rtype),
        };
    };
    let points_here = current.values.len() == desired.values.len()
        && current
            .values
            .iter()
            .zip(&desired.values)
            .all(|(x, y)| same_target(x, y));
    if !points_here {
        return Decision::NotOurs {
            why: format!(
                "member {id:?} points at {}, not at this instance",
                current.values_text()
            ),
        };
    }
    Decision::Write(vec![Change {
        action: ChangeAction::Delete,
        set: current.clone(),
    }])
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dns::name::DnsName;

    fn m(id: &str, value: &str, routing: Routing) -> RecordSet {
        RecordSet {
            name: DnsName::parse("api.example.com").unwrap(),
            rtype: "A".into(),
            ttl: 60,
            values: vec![value.into()],
            pool: Some(PoolMember {
                identifier: id.into(),
                routing,
                health_check_id: None,
            }),
        }
    }

    fn zone(sets: Vec<Existing>) -> Observed {
        Observed {
            sets,
            ..Observed::default()
        }
    }

    const ME: &str = "i-0123456789abcdef0";
    const GONE: &str = "i-0aaaaaaaaaaaaaaaa";

    #[test]
    fn writes_only_its_own_member() {
        let want = m(ME, "203.0.113.25", Routing::MultiValue);
        let other = m("i-0bbbbbbbbbbbbbbbb", "198.51.100.7", Routing::MultiValue);
        let o = zone(vec![Existing::Member(other.clone())]);
        for policy in [OnConflict::Overwrite, OnConflict::Keep] {
            let Decision::Write(c) = decide_update(&want, &o, policy, &[]) else {
                panic!()
            };
            assert!(c.iter().all(|c| c.set == want), "{c:?}");
        }
        let o = zone(vec![
            Existing::Member(other),
            Existing::Member(want.clone()),
        ]);
        assert_eq!(
            decide_update(&want, &o, OnConflict::Overwrite, &[]),
            Decision::Unchanged
        );
        // A new weight is an UPSERT of our set only.
        let heavier = m(ME, "203.0.113.25", Routing::Weighted(9));
        let old = m(ME, "203.0.113.25", Routing::Weighted(1));
        assert_eq!(
            decide_update(
                &heavier,
                &zone(vec![Existing::Member(old)]),
                OnConflict::Overwrite,
                &[]
            ),
            Decision::Write(vec![Change {
                action: ChangeAction::Upsert,
                set: heavier.clone()
            }])
        );
    }

    #[test]
    fn a_simple_set_blocks_and_is_never_deleted() {
        let want = m(ME, "203.0.113.25", Routing::MultiValue);
        let mut simple = want.clone();
        simple.pool = None;
        let o = zone(vec![Existing::Simple(simple)]);
        assert!(matches!(
            decide_update(&want, &o, OnConflict::Overwrite, &[]),
            Decision::Blocked { .. }
        ));
        assert!(matches!(decide_delete(&want, &o), Decision::NotOurs { .. }));
    }

    #[test]
    fn prune_deletes_exactly_the_gone_instance_ids() {
        let want = m(ME, "203.0.113.25", Routing::MultiValue);
        let gone = m(GONE, "198.51.100.9", Routing::MultiValue);
        let named = m("blue", "198.51.100.10", Routing::MultiValue);
        let o = zone(vec![
            Existing::Member(want.clone()),
            Existing::Member(gone.clone()),
            Existing::Member(named),
        ]);
        assert_eq!(prune_candidates(&want, &o), vec![GONE.to_owned()]);
        assert_eq!(
            decide_update(
                &want,
                &o,
                OnConflict::Overwrite,
                &[GONE.to_owned(), "blue".into()]
            ),
            Decision::Write(vec![Change {
                action: ChangeAction::Delete,
                set: gone
            }])
        );
    }

    #[test]
    fn delete_removes_only_its_own_member() {
        let want = m(ME, "203.0.113.25", Routing::MultiValue);
        let other = m("i-0bbbbbbbbbbbbbbbb", "203.0.113.25", Routing::MultiValue);
        assert!(matches!(
            decide_delete(&want, &zone(vec![Existing::Member(other.clone())])),
            Decision::NotOurs { .. }
        ));
        assert_eq!(
            decide_delete(
                &want,
                &zone(vec![
                    Existing::Member(other),
                    Existing::Member(want.clone())
                ])
            ),
            Decision::Write(vec![Change {
                action: ChangeAction::Delete,
                set: want
            }])
        );
    }

    #[test]
    fn identifiers() {
        assert!(is_instance_id("i-0123abcd"));
        assert!(is_instance_id(ME));
        assert!(!is_instance_id("i-fleet000000000258"));
        assert!(!is_instance_id("blue"));
        let t = IdentifierTemplate::parse("{region}-{instance_id}").unwrap();
        assert_eq!(
            t.render(|v| Some(match v {
                Var::Region => "eu-west-1".into(),
                _ => ME.into(),
            }))
            .unwrap(),
            format!("eu-west-1-{ME}")
        );
        assert!(IdentifierTemplate::parse("{nope}").is_err());
        assert!(IdentifierTemplate::parse("").is_err());
        assert!(IdentifierTemplate::parse(&"x".repeat(129)).is_err());
    }
}
