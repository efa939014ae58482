//! A hosted zone's records, kept in Route 53's listing order, and the
//! validation of a change batch against them.
//!
//! Order: names compared label by label from the right (`www.example.com.`
//! sorts as `com.example.www`), then by type, then by set identifier (a
//! simple set has none). (name, type, identifier) is the key: weighted and
//! multivalue members of one name and type are separate sets, changed and
//! deleted one by one; a DELETE must repeat the set exactly (identifier,
//! weight, health check and alias included); a simple set and routing sets
//! of one name and type do not coexist, nor weighted and multivalue ones;
//! at most [`MAX_ROUTING_SETS`] members per name and type. A batch is applied to a copy,
//! change after change, and committed only if every change succeeds, so
//! `DELETE old` + `CREATE new` in one batch is a compare-and-swap.

use super::xml::{Action, Change};
use crate::record::{RecordSet, is_in_zone, normalize_name};
use std::collections::{BTreeMap, HashMap};
use std::net::{Ipv4Addr, Ipv6Addr};
use std::ops::Bound;

/// A record set's place in the listing order.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(crate) struct RecordKey {
    /// The name's labels, rightmost first.
    labels: Vec<String>,
    rtype: String,
    /// The set identifier; empty for a simple set (so it sorts first).
    identifier: String,
}

impl RecordKey {
    /// `name` must be normalised (lowercase, trailing dot).
    pub(crate) fn new(name: &str, rtype: &str) -> Self {
        Self::with_id(name, rtype, None)
    }

    pub(crate) fn with_id(name: &str, rtype: &str, identifier: Option<&str>) -> Self {
        RecordKey {
            labels: reversed_labels(name),
            rtype: rtype.to_owned(),
            identifier: identifier.unwrap_or_default().to_owned(),
        }
    }

    fn of(set: &RecordSet) -> Self {
        Self::with_id(&set.name, &set.rtype, set.set_identifier.as_deref())
    }
}

/// Where a truncated listing continues: name, type, set identifier.
pub(crate) type NextRecord = (String, String, Option<String>);

/// Most weighted or multivalue sets with one name and type.
pub(crate) const MAX_ROUTING_SETS: usize = 100;

/// `www.example.com.` → `["com", "example", "www"]`.
pub(crate) fn reversed_labels(name: &str) -> Vec<String> {
    name.trim_end_matches('.')
        .split('.')
        .rev()
        .map(str::to_owned)
        .collect()
}

#[derive(Debug, Clone)]
pub(crate) struct Zone {
    pub(crate) id: String,
    /// Normalised, with the trailing dot.
    pub(crate) name: String,
    pub(crate) private: bool,
    records: BTreeMap<RecordKey, RecordSet>,
}

impl Zone {
    /// A zone holding `records` (names normalised, sets with the same name
    /// and type merged).
    pub(crate) fn new(id: &str, name: &str, private: bool, records: &[RecordSet]) -> Self {
        let mut zone = Zone {
            id: id.to_owned(),
            name: normalize_name(name).unwrap_or_else(|| name.to_ascii_lowercase()),
            private,
            records: BTreeMap::new(),
        };
        for set in records {
            let set = normalized(set.clone());
            let key = RecordKey::of(&set);
            match zone.records.get_mut(&key) {
                Some(existing) => existing.values.extend(set.values),
                None => {
                    zone.records.insert(key, set);
                }
            }
        }
        zone
    }

    pub(crate) fn len(&self) -> usize {
        self.records.len()
    }

    /// The simple set at `name` (any case, dot optional) and `rtype`.
    pub(crate) fn get(&self, name: &str, rtype: &str) -> Option<&RecordSet> {
        let name = normalize_name(name)?;
        self.records
            .get(&RecordKey::new(&name, &rtype.to_ascii_uppercase()))
    }

    /// Every set at `name` and `rtype` (the simple one, or the routing
    /// members in identifier order).
    pub(crate) fn group(&self, name: &str, rtype: &str) -> Vec<RecordSet> {
        let Some(name) = normalize_name(name) else {
            return Vec::new();
        };
        let rtype = rtype.to_ascii_uppercase();
        let from = RecordKey::new(&name, &rtype);
        self.records
            .range(from.clone()..)
            .take_while(|(k, _)| k.labels == from.labels && k.rtype == from.rtype)
            .map(|(_, s)| s.clone())
            .collect()
    }

    /// All sets, in listing order.
    pub(crate) fn records(&self) -> Vec<RecordSet> {
        self.records.values().cloned().collect()
    }

    /// Replaces (or adds) a set, bypassing validation (another actor).
    pub(crate) fn put(&mut self, set: RecordSet) {
        let set = normalized(set);
        self.records.insert(RecordKey::of(&set), set);
    }

    /// Up to `max` sets from (`name`, `rtype`, `identifier`) on; the
    /// (name, type, identifier) of the next set when more remain.
    pub(crate) fn list(
        &self,
        name: Option<&str>,
        rtype: Option<&str>,
        identifier: Option<&str>,
        max: usize,
    ) -> (Vec<RecordSet>, Option<NextRecord>) {
        let start = match name {
            Some(name) => {
                Bound::Included(RecordKey::with_id(name, rtype.unwrap_or(""), identifier))
            }
            None => Bound::Unbounded,
        };
        let mut iter = self
            .records
            .range((start, Bound::Unbounded))
            .map(|(_, set)| set);
        let page: Vec<RecordSet> = iter.by_ref().take(max).cloned().collect();
        let next = iter
            .next()
            .map(|s| (s.name.clone(), s.rtype.clone(), s.set_identifier.clone()));
        (page, next)
    }

    /// Types present at normalised `name`.
    fn types_at<'a>(
        records: &'a BTreeMap<RecordKey, RecordSet>,
        name: &str,
    ) -> impl Iterator<Item = &'a str> {
        let labels = reversed_labels(name);
        let from = RecordKey {
            labels: labels.clone(),
            rtype: String::new(),
            identifier: String::new(),
        };
        records
            .range(from..)
            .take_while(move |(k, _)| k.labels == labels)
            .map(|(k, _)| k.rtype.as_str())
    }

    /// Validates `changes` in order against a copy of the records and
    /// commits them all, or returns every problem found.
    pub(crate) fn apply(&mut self, changes: &[Change]) -> Result<(), Vec<String>> {
        let zone = self.name.clone();
        let mut work = self.records.clone();
        let mut errors = Vec::new();
        let mut seen: HashMap<RecordKey, Vec<Action>> = HashMap::new();
        for change in changes {
            let raw = &change.set;
            let Some(name) = normalize_name(&raw.name) else {
                errors.push(format!(
                    "FATAL problem: DomainNameInvalid (Domain name is empty, has an empty label or is too long) encountered with '{}'",
                    raw.name
                ));
                continue;
            };
            let rtype = raw.rtype.as_str();
            let set = RecordSet {
                name: name.clone(),
                ..raw.clone()
            };
            if !is_in_zone(&name, &zone) {
                errors.push(format!(
                    "RRSet with DNS name {name} is not permitted in zone {zone}"
                ));
                continue;
            }
            if rtype == "CNAME" && name == zone {
                errors.push(format!(
                    "RRSet of type CNAME with DNS name {name} is not permitted at apex in zone {zone}"
                ));
                continue;
            }
            if let Some(problem) = check_values(&set) {
                errors.push(problem);
                continue;
            }
            let key = RecordKey::of(&set);
            let prior = seen.entry(key.clone()).or_default();
            let allowed = prior.is_empty()
                || (prior.as_slice() == [Action::Delete] && change.action == Action::Create);
            if !allowed {
                errors.push(format!(
                    "The request contains an invalid set of changes for a resource record set '{rtype} {name}'"
                ));
                continue;
            }
            prior.push(change.action);
            let described = match &set.set_identifier {
                Some(id) => format!("[name='{name}', type='{rtype}', set-identifier='{id}']"),
                None => format!("[name='{name}', type='{rtype}']"),
            };
            match change.action {
                Action::Create | Action::Upsert => {
                    if change.action == Action::Create && work.contains_key(&key) {
                        errors.push(format!(
                            "Tried to create resource record set {described} but it already exists"
                        ));
                        continue;
                    }
                    if let Some(conflict) = conflict(&work, &name, rtype, &zone) {
                        errors.push(conflict);
                        continue;
                    }
                    if let Some(problem) = routing_conflict(&work, &set) {
                        errors.push(problem);
                        continue;
                    }
                    work.insert(key, set);
                }
                Action::Delete => match work.get(&key) {
                    None => errors.push(format!(
                        "Tried to delete resource record set {described} but it was not found"
                    )),
                    Some(existing) if !same_contents(existing, &set) => errors.push(format!(
                        "Tried to delete resource record set {described} but the values provided do not match the current values"
                    )),
                    Some(_) => {
                        work.remove(&key);
                    }
                },
            }
        }
        if errors.is_empty() {
            self.records = work;
            Ok(())
        } else {
            Err(errors)
        }
    }
}

/// The CNAME exclusivity rule.
fn conflict(
    work: &BTreeMap<RecordKey, RecordSet>,
    name: &str,
    rtype: &str,
    zone: &str,
) -> Option<String> {
    let mut others = Zone::types_at(work, name).filter(|t| *t != rtype);
    if rtype == "CNAME" {
        others.next().map(|_| {
            format!(
                "RRSet of type CNAME with DNS name {name} is not permitted as it conflicts with other records with the same DNS name in zone {zone}"
            )
        })
    } else if others.any(|t| t == "CNAME") {
        Some(format!(
            "RRSet of type {rtype} with DNS name {name} is not permitted because a conflicting RRSet of type CNAME with the same DNS name already exists in zone {zone}"
        ))
    } else {
        None
    }
}

/// Whether `set` may join the sets with its name and type: simple and
/// routing sets do not mix, nor weighted and multivalue ones, and at most
/// [`MAX_ROUTING_SETS`] members (the set replacing one with its key is fine).
fn routing_conflict(work: &BTreeMap<RecordKey, RecordSet>, set: &RecordSet) -> Option<String> {
    let from = RecordKey::new(&set.name, &set.rtype);
    let group: Vec<&RecordSet> = work
        .range(from.clone()..)
        .take_while(|(k, _)| k.labels == from.labels && k.rtype == from.rtype)
        .map(|(_, s)| s)
        .filter(|s| s.set_identifier != set.set_identifier)
        .collect();
    let (name, rtype) = (&set.name, &set.rtype);
    let Some(id) = &set.set_identifier else {
        return group.first().map(|_| {
            format!(
                "RRSet with DNS name {name}, type {rtype} cannot be created because a weighted or multivalue RRSet with the same name and type already exists"
            )
        });
    };
    if let Some(other) = group.first() {
        if other.set_identifier.is_none() {
            return Some(format!(
                "RRSet with DNS name {name}, type {rtype}, SetIdentifier {id} cannot be created because a non-weighted and non-multivalue RRSet with the same name and type already exists"
            ));
        }
        if other.weight.is_some() != set.weight.is_some() {
            return Some(format!(
                "RRSet with DNS name {name}, type {rtype}, SetIdentifier {id} cannot be created because RRSets with the same name and type use another routing policy"
            ));
        }
    }
    (group.len() >= MAX_ROUTING_SETS).then(|| {
        format!(
            "RRSet with DNS name {name}, type {rtype}, SetIdentifier {id} cannot be created because the limit of {MAX_ROUTING_SETS} weighted or multivalue RRSets with the same name and type has been reached"
        )
    })
}

/// A set with its name normalised and its type upper-cased.
fn normalized(set: RecordSet) -> RecordSet {
    let base = RecordSet::new(&set.name, &set.rtype, set.ttl, Vec::<String>::new());
    RecordSet {
        name: base.name,
        rtype: base.rtype,
        ..set
    }
}

/// Everything equal, values in any order: a DELETE must repeat the set.
fn same_contents(a: &RecordSet, b: &RecordSet) -> bool {
    let mut va: Vec<&str> = a.values.iter().map(String::as_str).collect();
    let mut vb: Vec<&str> = b.values.iter().map(String::as_str).collect();
    va.sort_unstable();
    vb.sort_unstable();
    a.ttl == b.ttl
        && va == vb
        && a.set_identifier == b.set_identifier
        && a.weight == b.weight
        && a.multi_value_answer == b.multi_value_answer
        && a.health_check_id == b.health_check_id
        && a.alias_target == b.alias_target
}

/// Per-type value checks Route 53 makes.
fn check_values(set: &RecordSet) -> Option<String> {
    let mut sorted: Vec<&str> = set.values.iter().map(String::as_str).collect();
    sorted.sort_unstable();
    if let Some(w) = sorted.windows(2).find(|w| w[0] == w[1]) {
        return Some(format!("Duplicate Resource Record: '{}'", w[0]));
    }
    match set.rtype.as_str() {
        "CNAME" if set.values.len() > 1 => Some(format!(
            "RRSet of type CNAME with DNS name {} contains more than one resource record; a CNAME may have only one value",
            set.name
        )),
        "A" => set.values.iter().find(|v| v.parse::<Ipv4Addr>().is_err()).map(|v| {
            format!(
                "Invalid Resource Record: 'FATAL problem: ARRDATAIllegalIPv4Address (Value is not a valid IPv4 address) encountered with '{v}''"
            )
        }),
        "AAAA" => set.values.iter().find(|v| v.parse::<Ipv6Addr>().is_err()).map(|v| {
            format!(
                "Invalid Resource Record: 'FATAL problem: AAAARRDATAIllegalIPv6Address (Value is not a valid IPv6 address) encountered with '{v}''"
            )
        }),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn zone() -> Zone {
        Zone::new("Z1", "Example.COM", false, &[])
    }

    fn ch(action: Action, name: &str, rtype: &str, ttl: u32, values: &[&str]) -> Change {
        Change {
            action,
            set: RecordSet {
                name: name.to_owned(),
                rtype: rtype.to_owned(),
                ..RecordSet::new(name, rtype, ttl, values.iter().copied())
            },
        }
    }

    fn one_error(z: &mut Zone, changes: &[Change]) -> String {
        let errors = z.apply(changes).unwrap_err();
        assert_eq!(errors.len(), 1, "{errors:?}");
        errors.into_iter().next().unwrap()
    }

    #[test]
    fn listing_order_reverses_labels_then_type() {
        let mut z = zone();
        for (name, rtype) in [
            ("www.example.com.", "A"),
            ("example.com.", "NS"),
            ("a.b.example.com.", "TXT"),
            ("example.com.", "SOA"),
            ("b.example.com.", "A"),
            ("www.example.com.", "AAAA"),
            ("z.example.com.", "A"),
            ("a-b.example.com.", "A"),
        ] {
            z.put(RecordSet::new(name, rtype, 60, ["x"]));
        }
        let order: Vec<String> = z
            .records()
            .iter()
            .map(|s| format!("{} {}", s.name, s.rtype))
            .collect();
        assert_eq!(
            order,
            [
                "example.com. NS",
                "example.com. SOA",
                "a-b.example.com. A",
                "b.example.com. A",
                "a.b.example.com. TXT",
                "www.example.com. A",
                "www.example.com. AAAA",
                "z.example.com. A",
            ]
        );
        let (page, next) = z.list(Some("www.example.com."), Some("AAAA"), None, 1);
        assert_eq!(page[0].rtype, "AAAA");
        assert_eq!(next, Some(("z.example.com.".into(), "A".into(), None)));
        let (page, next) = z.list(Some("web.example.com."), Some("CNAME"), None, 1);
        assert_eq!(page[0].name, "www.example.com.");
        assert!(next.is_some());
        let (page, next) = z.list(Some("zz.example.com."), None, None, 300);
        assert!(page.is_empty() && next.is_none());
        let (page, next) = z.list(None, None, None, 300);
        assert_eq!(page.len(), 8);
        assert!(next.is_none());
    }

    #[test]
    fn create_upsert_delete() {
        let mut z = zone();
        z.apply(&[ch(
            Action::Create,
            "Web.example.com",
            "CNAME",
            60,
            &["a.example.net"],
        )])
        .unwrap();
        let set = z.get("web.example.com.", "cname").unwrap();
        assert_eq!(set.values, vec!["a.example.net"]);
        let msg = one_error(
            &mut z,
            &[ch(Action::Create, "web.example.com.", "CNAME", 60, &["b"])],
        );
        assert_eq!(
            msg,
            "Tried to create resource record set [name='web.example.com.', type='CNAME'] but it already exists"
        );
        z.apply(&[ch(
            Action::Upsert,
            "web.example.com.",
            "CNAME",
            300,
            &["b.example.net"],
        )])
        .unwrap();
        assert_eq!(z.get("WEB.example.com", "CNAME").unwrap().ttl, 300);
        let msg = one_error(
            &mut z,
            &[ch(
                Action::Delete,
                "web.example.com.",
                "CNAME",
                60,
                &["b.example.net"],
            )],
        );
        assert!(
            msg.ends_with("but the values provided do not match the current values"),
            "{msg}"
        );
        let msg = one_error(
            &mut z,
            &[ch(Action::Delete, "x.example.com.", "CNAME", 60, &["b"])],
        );
        assert_eq!(
            msg,
            "Tried to delete resource record set [name='x.example.com.', type='CNAME'] but it was not found"
        );
        z.apply(&[ch(
            Action::Delete,
            "web.example.com.",
            "CNAME",
            300,
            &["b.example.net"],
        )])
        .unwrap();
        assert_eq!(z.len(), 0);
    }

    #[test]
    fn compare_and_swap_and_all_or_nothing() {
        let mut z = zone();
        z.put(RecordSet::cname("web.example.com", 60, "old.example.net"));
        z.apply(&[
            ch(
                Action::Delete,
                "web.example.com.",
                "CNAME",
                60,
                &["old.example.net"],
            ),
            ch(
                Action::Create,
                "web.example.com.",
                "CNAME",
                60,
                &["new.example.net"],
            ),
        ])
        .unwrap();
        assert_eq!(
            z.get("web.example.com", "CNAME").unwrap().values,
            vec!["new.example.net"]
        );
        // A stale CAS fails and changes nothing, including the valid change before it.
        let errors = z
            .apply(&[
                ch(
                    Action::Create,
                    "other.example.com.",
                    "A",
                    60,
                    &["192.0.2.1"],
                ),
                ch(
                    Action::Delete,
                    "web.example.com.",
                    "CNAME",
                    60,
                    &["old.example.net"],
                ),
                ch(
                    Action::Create,
                    "web.example.com.",
                    "CNAME",
                    60,
                    &["x.example.net"],
                ),
            ])
            .unwrap_err();
        assert_eq!(errors.len(), 2, "{errors:?}");
        assert!(z.get("other.example.com", "A").is_none());
        assert_eq!(
            z.get("web.example.com", "CNAME").unwrap().values,
            vec!["new.example.net"]
        );
    }

    #[test]
    fn batch_rules() {
        let mut z = zone();
        let msg = one_error(
            &mut z,
            &[ch(Action::Upsert, "web.example.org.", "CNAME", 60, &["x"])],
        );
        assert_eq!(
            msg,
            "RRSet with DNS name web.example.org. is not permitted in zone example.com."
        );
        let msg = one_error(
            &mut z,
            &[ch(Action::Upsert, "example.com.", "CNAME", 60, &["x"])],
        );
        assert!(msg.contains("not permitted at apex"), "{msg}");
        let msg = one_error(
            &mut z,
            &[
                ch(Action::Upsert, "a.example.com.", "CNAME", 60, &["x"]),
                ch(Action::Upsert, "a.example.com.", "CNAME", 60, &["y"]),
            ],
        );
        assert_eq!(
            msg,
            "The request contains an invalid set of changes for a resource record set 'CNAME a.example.com.'"
        );
        z.put(RecordSet::new("a.example.com", "TXT", 60, ["\"v\""]));
        let msg = one_error(
            &mut z,
            &[ch(Action::Upsert, "a.example.com.", "CNAME", 60, &["x"])],
        );
        assert_eq!(
            msg,
            "RRSet of type CNAME with DNS name a.example.com. is not permitted as it conflicts with other records with the same DNS name in zone example.com."
        );
        z.put(RecordSet::cname("b.example.com", 60, "x"));
        let msg = one_error(
            &mut z,
            &[ch(
                Action::Create,
                "b.example.com.",
                "A",
                60,
                &["192.0.2.1"],
            )],
        );
        assert!(msg.contains("conflicting RRSet of type CNAME"), "{msg}");
        // Replacing a TXT with a CNAME in one batch is fine.
        z.apply(&[
            ch(Action::Delete, "a.example.com.", "TXT", 60, &["\"v\""]),
            ch(Action::Create, "a.example.com.", "CNAME", 60, &["x"]),
        ])
        .unwrap();
    }

    #[test]
    fn value_checks() {
        let mut z = zone();
        for (rtype, values, needle) in [
            ("A", vec!["1.2.3"], "IPv4"),
            ("AAAA", vec!["192.0.2.1"], "IPv6"),
            ("CNAME", vec!["a", "b"], "more than one"),
            ("TXT", vec!["\"a\"", "\"a\""], "Duplicate"),
        ] {
            let msg = one_error(
                &mut z,
                &[ch(Action::Create, "v.example.com.", rtype, 60, &values)],
            );
            assert!(msg.contains(needle), "{msg}");
        }
        let msg = one_error(
            &mut z,
            &[ch(
                Action::Create,
                "a..example.com.",
                "A",
                60,
                &["192.0.2.1"],
            )],
        );
        assert!(msg.contains("DomainNameInvalid"), "{msg}");
    }

    #[test]
    fn seeding_merges_and_normalises() {
        let z = Zone::new(
            "Z1",
            "example.com",
            false,
            &[
                RecordSet::new("A.example.com", "a", 60, ["192.0.2.1"]),
                RecordSet::new("a.example.com.", "A", 60, ["192.0.2.2"]),
            ],
        );
        assert_eq!(z.name, "example.com.");
        assert_eq!(z.get("a.example.com", "A").unwrap().values.len(), 2);
    }
}
