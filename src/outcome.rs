//! What a run did, and the one summary line it ends with.

use crate::context::Context;
use crate::dns_name::DnsName;
use std::fmt;
use std::time::Duration;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordOutcome {
    pub name: DnsName,
    pub rtype: String,
    /// The value before the run (`None`: the record did not exist).
    pub old: Option<String>,
    pub new: String,
    pub changed: bool,
    pub change_id: Option<String>,
    /// `Some(true)` when the change was seen INSYNC.
    pub insync: Option<bool>,
}

#[derive(Debug, Clone)]
pub struct Outcome {
    pub records: Vec<RecordOutcome>,
    pub dry_run: bool,
    /// Route 53 HTTP requests, retries and refused attempts included.
    pub api_calls: u32,
    pub retries: u32,
    pub imds_calls: u32,
    pub elapsed: Duration,
}

impl Outcome {
    pub fn new(ctx: &Context, records: Vec<RecordOutcome>, dry_run: bool) -> Self {
        Outcome {
            records,
            dry_run,
            api_calls: ctx.route53.calls(),
            retries: ctx.route53.retries(),
            imds_calls: ctx.imds.calls(),
            elapsed: ctx.started.elapsed(),
        }
    }

    pub fn changed(&self) -> usize {
        self.records.iter().filter(|r| r.changed).count()
    }
}

impl fmt::Display for RecordOutcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {} ", self.name, self.rtype)?;
        if !self.changed {
            return write!(f, "{}: already right", self.new);
        }
        let old = self.old.as_deref().unwrap_or("(none)");
        write!(f, "{old} → {}", self.new)?;
        match self.insync {
            Some(true) => f.write_str(": INSYNC"),
            Some(false) => f.write_str(": submitted (not waiting for INSYNC)"),
            None => f.write_str(": would UPSERT"),
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
