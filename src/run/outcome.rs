//! What a run did, and the one summary line it ends with.

use crate::dns::name::DnsName;
use std::fmt;
use std::time::Duration;

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Status {
    AlreadyRight,
    /// Written; `Some(true)` once seen INSYNC, `Some(false)` when not waited for.
    Changed {
        insync: Option<bool>,
    },
    WouldChange,
    Deleted,
    WouldDelete,
    /// delete: not ours, not touched.
    LeftAlone {
        why: String,
    },
    /// `keep`: someone else's name, not touched.
    Conflict {
        current: String,
        owner: Option<String>,
    },
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct RecordOutcome {
    pub name: DnsName,
    pub rtype: String,
    /// The value before the run (`None`: no record); prefixed with its type
    /// when that differs from `rtype`.
    pub old: Option<String>,
    pub new: String,
    pub status: Status,
}

impl RecordOutcome {
    pub(crate) fn changed(&self) -> bool {
        matches!(self.status, Status::Changed { .. } | Status::Deleted)
    }
}

/// What a pass has cost so far (`Context::spent`).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Spent {
    /// Route 53 HTTP requests, retries and refused attempts included.
    pub api_calls: u32,
    /// Backoff sleeps.
    pub retries: u32,
    /// Answers that said the account's request budget was spent.
    pub throttled: u32,
    pub elapsed: Duration,
}

#[derive(Debug, Clone)]
pub(crate) struct Outcome {
    pub records: Vec<RecordOutcome>,
    pub dry_run: bool,
    /// Route 53 HTTP requests, retries and refused attempts included.
    pub api_calls: u32,
    pub retries: u32,
    pub throttled: u32,
    pub elapsed: Duration,
}

impl Outcome {
    /// The outcome of a pass that cost `spent`.
    pub(crate) fn new(records: Vec<RecordOutcome>, dry_run: bool, spent: Spent) -> Self {
        Outcome {
            records,
            dry_run,
            api_calls: spent.api_calls,
            retries: spent.retries,
            throttled: spent.throttled,
            elapsed: spent.elapsed,
        }
    }

    pub(crate) fn changed(&self) -> usize {
        self.records.iter().filter(|r| r.changed()).count()
    }

    /// Records left alone because another instance owns them.
    pub(crate) fn conflicts(&self) -> impl Iterator<Item = &RecordOutcome> {
        self.records
            .iter()
            .filter(|r| matches!(r.status, Status::Conflict { .. }))
    }
}

impl fmt::Display for RecordOutcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {} ", self.name, self.rtype)?;
        let old = self.old.as_deref().unwrap_or("(none)");
        match &self.status {
            Status::AlreadyRight => write!(f, "{}: already right", self.new),
            Status::Changed { insync } => {
                write!(f, "{old} → {}", self.new)?;
                f.write_str(match insync {
                    Some(true) => ": INSYNC",
                    Some(false) => ": submitted (not waiting for INSYNC)",
                    None => ": submitted",
                })
            }
            Status::WouldChange => write!(f, "{old} → {}: would change", self.new),
            Status::Deleted => write!(f, "{old}: deleted"),
            Status::WouldDelete => write!(f, "{old}: would delete"),
            Status::LeftAlone { why } => write!(f, "left alone: {why}"),
            Status::Conflict { current, owner } => {
                write!(f, "{current}: not ours")?;
                if let Some(o) = owner {
                    write!(f, " (owned by {o})")?;
                }
                f.write_str(", left alone")
            }
        }
    }
}

/// The summary line: every record, then the cost of the run.
impl fmt::Display for Outcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.dry_run {
            f.write_str("dry run: ")?;
        }
        for (i, r) in self.records.iter().enumerate() {
            if i > 0 {
                f.write_str("; ")?;
            }
            write!(f, "{r}")?;
        }
        let calls = self.api_calls;
        write!(
            f,
            " ({} Route 53 API call{}, {} retr{}, {:.2}s)",
            calls,
            if calls == 1 { "" } else { "s" },
            self.retries,
            if self.retries == 1 { "y" } else { "ies" },
            self.elapsed.as_secs_f64()
        )
    }
}
