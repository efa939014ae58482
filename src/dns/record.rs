//! Record sets as Route 53 holds them, and the changes this program makes to
//! them: the vocabulary of the planner, independent of the wire format.

use crate::dns::name::DnsName;

/// A record set without an alias: simple, or (with `pool`) a weighted or
/// multivalue member.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordSet {
    /// The owner name.
    pub name: DnsName,
    /// The type (`A`, `CNAME`...).
    pub rtype: String,
    /// The TTL, in seconds.
    pub ttl: u32,
    /// The values, as Route 53 writes them.
    pub values: Vec<String>,
    /// A weighted or multivalue pool member: its identifier and routing;
    /// `None` for a simple set.
    pub pool: Option<PoolMember>,
}

/// What makes a record set one member of a pool (Route 53's weighted or
/// multivalue routing policies): its `SetIdentifier` and routing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PoolMember {
    /// The `SetIdentifier`: (name, type, identifier) is the set's key.
    pub identifier: String,
    /// Weighted (with its weight) or multivalue.
    pub routing: Routing,
    /// `HealthCheckId`, when the member has one.
    pub health_check_id: Option<String>,
}

/// A pool's routing policy.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Routing {
    /// `Weight` 0..=255.
    Weighted(u8),
    /// `MultiValueAnswer` true.
    MultiValue,
}

impl RecordSet {
    /// The values as one line, for messages (`a, b`).
    pub fn values_text(&self) -> String {
        self.values.join(", ")
    }
}

/// What a listing returned for a name and type.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Existing {
    /// A simple record set we can compare and replace.
    Simple(RecordSet),
    /// A weighted or multivalue member (`pool` is set): only a record with
    /// that routing and identifier ever touches it.
    Member(RecordSet),
    /// An alias or routing-policy record (weighted, latency, ...): this program
    /// does not manage those.
    Special {
        /// The owner name.
        name: DnsName,
        /// The type.
        rtype: String,
        /// What makes it special, for messages (`an alias record`...).
        kind: &'static str,
    },
}

impl Existing {
    /// The set's type (`A`, `CNAME`, `MX`, ...).
    pub fn rtype(&self) -> &str {
        match self {
            Existing::Simple(set) | Existing::Member(set) => &set.rtype,
            Existing::Special { rtype, .. } => rtype,
        }
    }
}

/// What a change does to a record set.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChangeAction {
    /// Create a set that must not exist yet.
    Create,
    /// Delete a set that must exist exactly as given.
    Delete,
    /// Create or replace.
    Upsert,
}

impl ChangeAction {
    /// The action as Route 53 spells it.
    pub fn as_str(self) -> &'static str {
        match self {
            ChangeAction::Create => "CREATE",
            ChangeAction::Delete => "DELETE",
            ChangeAction::Upsert => "UPSERT",
        }
    }
}

/// One change of a batch: an action on a record set.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Change {
    /// What to do.
    pub action: ChangeAction,
    /// The set to do it to.
    pub set: RecordSet,
}
