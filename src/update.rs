//! The update: desired record (from IMDS) → current record (one listing) →
//! one UPSERT batch per zone when something differs → wait for INSYNC.

use crate::config::Record;
use crate::context::Context;
use crate::dns_name::same_target;
use crate::error::Error;
use crate::outcome::{Outcome, RecordOutcome};
use crate::route53::wait;
use crate::route53::xml::{self, Change, ChangeAction, Existing, RecordSet};
use std::io::Write;
use tracing::{debug, info};

/// One record's plan.
#[derive(Debug, Clone)]
pub struct Planned {
    pub zone: String,
    pub current: Option<RecordSet>,
    pub desired: RecordSet,
}

impl Planned {
    pub fn needs_change(&self) -> bool {
        match &self.current {
            None => true,
            Some(cur) => {
                cur.ttl != self.desired.ttl
                    || cur.values.len() != self.desired.values.len()
                    || !cur
                        .values
                        .iter()
                        .zip(&self.desired.values)
                        .all(|(a, b)| same_target(a, b))
            }
        }
    }
}

/// What the instance should be called: its public hostname.
pub async fn desired_target(ctx: &Context) -> Result<String, Error> {
    ctx.imds
        .get("meta-data/public-hostname", ctx.deadline)
        .await?
        .ok_or(Error::NoPublicHostname)
}

/// Reads the current state of every configured record.
pub async fn plan(ctx: &Context, target: &str) -> Result<Vec<Planned>, Error> {
    let mut plans = Vec::with_capacity(ctx.config.records.len());
    for record in &ctx.config.records {
        plans.push(plan_record(ctx, record, target).await?);
    }
    Ok(plans)
}

async fn plan_record(ctx: &Context, record: &Record, target: &str) -> Result<Planned, Error> {
    let desired = RecordSet {
        name: record.name.clone(),
        rtype: "CNAME".into(),
        ttl: record.ttl,
        values: vec![target.to_owned()],
    };
    let current = match ctx
        .route53
        .get_record(&record.zone, &record.name, "CNAME", ctx.deadline)
        .await?
    {
        None => None,
        Some(Existing::Simple(set)) => Some(set),
        Some(Existing::Special { kind, .. }) => {
            return Err(Error::Unmanaged {
                name: record.name.clone(),
                zone: record.zone.clone(),
                kind,
            });
        }
    };
    debug!(record = %record.name, current = ?current.as_ref().map(|c| c.values_text()), "current record");
    Ok(Planned {
        zone: record.zone.clone(),
        current,
        desired,
    })
}

/// The change batch comment: who wrote the record.
pub fn comment(instance_id: Option<&str>) -> String {
    match instance_id {
        Some(id) => format!("ec2-dns-updater on {id}"),
        None => "ec2-dns-updater".to_owned(),
    }
}

/// Runs the update (or, with `dry_run`, prints the plan to `out` and writes nothing).
pub async fn run(ctx: &Context, dry_run: bool, out: &mut dyn Write) -> Result<Outcome, Error> {
    let target = desired_target(ctx).await?;
    let instance_id = ctx.imds.get("meta-data/instance-id", ctx.deadline).await?;
    info!(target = %target, instance_id = instance_id.as_deref().unwrap_or("unknown"), "read instance metadata");
    let plans = plan(ctx, &target).await?;
    let comment = comment(instance_id.as_deref());

    if dry_run {
        print_plan(&plans, &comment, out);
        return Ok(Outcome::new(ctx, records_outcome(&plans, None), true));
    }

    let mut outcomes = Vec::with_capacity(plans.len());
    for zone in zones_in_order(&plans) {
        let in_zone: Vec<&Planned> = plans.iter().filter(|p| p.zone == zone).collect();
        let changes: Vec<Change> = in_zone
            .iter()
            .filter(|p| p.needs_change())
            .map(|p| Change {
                action: ChangeAction::Upsert,
                set: p.desired.clone(),
            })
            .collect();
        let mut applied = None;
        if !changes.is_empty() {
            let info = ctx
                .route53
                .change(&zone, Some(&comment), &changes, ctx.deadline)
                .await?;
            info!(zone = %zone, change_id = %info.id, changes = changes.len(), "change submitted");
            let insync = if info.insync {
                true
            } else if ctx.config.route53.wait {
                let waited = wait::until_insync(
                    &ctx.route53,
                    &info.id,
                    ctx.config.route53.wait_timeout,
                    ctx.deadline,
                )
                .await?;
                info!(change_id = %info.id, polls = waited.polls, waited_ms = waited.elapsed.as_millis() as u64, "change is INSYNC");
                true
            } else {
                false
            };
            applied = Some((info.id, insync));
        }
        let owned: Vec<Planned> = in_zone.into_iter().cloned().collect();
        outcomes.extend(records_outcome(&owned, applied.as_ref()));
    }
    Ok(Outcome::new(ctx, outcomes, false))
}

fn zones_in_order(plans: &[Planned]) -> Vec<String> {
    let mut zones: Vec<String> = Vec::new();
    for p in plans {
        if !zones.contains(&p.zone) {
            zones.push(p.zone.clone());
        }
    }
    zones
}

fn records_outcome(plans: &[Planned], applied: Option<&(String, bool)>) -> Vec<RecordOutcome> {
    plans
        .iter()
        .map(|p| {
            let changed = p.needs_change();
            RecordOutcome {
                name: p.desired.name.clone(),
                rtype: p.desired.rtype.clone(),
                old: p.current.as_ref().map(RecordSet::values_text),
                new: p.desired.values_text(),
                changed,
                change_id: applied.filter(|_| changed).map(|(id, _)| id.clone()),
                insync: applied.filter(|_| changed).map(|(_, s)| *s),
            }
        })
        .collect()
}

fn print_plan(plans: &[Planned], comment: &str, out: &mut dyn Write) {
    let mut text = String::new();
    for p in plans {
        text.push_str(&format!(
            "record {} {} in zone {}\n",
            p.desired.name, p.desired.rtype, p.zone
        ));
        match &p.current {
            Some(c) => text.push_str(&format!("  current: {} (TTL {})\n", c.values_text(), c.ttl)),
            None => text.push_str("  current: (none)\n"),
        }
        text.push_str(&format!(
            "  desired: {} (TTL {})\n",
            p.desired.values_text(),
            p.desired.ttl
        ));
        text.push_str(if p.needs_change() {
            "  action:  UPSERT\n"
        } else {
            "  action:  none, already right\n"
        });
    }
    for zone in zones_in_order(plans) {
        let changes: Vec<Change> = plans
            .iter()
            .filter(|p| p.zone == zone && p.needs_change())
            .map(|p| Change {
                action: ChangeAction::Upsert,
                set: p.desired.clone(),
            })
            .collect();
        if !changes.is_empty() {
            text.push_str(&format!(
                "would send to zone {zone} (dry run, nothing sent):\n{}\n",
                xml::change_batch(Some(comment), &changes)
            ));
        }
    }
    // A closed stdout must not turn a dry run into a failure.
    let _ = out.write_all(text.as_bytes());
    let _ = out.flush();
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dns_name::DnsName;

    fn planned(current: Option<(&str, u32)>, desired: (&str, u32)) -> Planned {
        let set = |(v, ttl): (&str, u32)| RecordSet {
            name: DnsName::parse("web.example.com").unwrap(),
            rtype: "CNAME".into(),
            ttl,
            values: vec![v.into()],
        };
        Planned {
            zone: "Z1".into(),
            current: current.map(set),
            desired: set(desired),
        }
    }

    #[test]
    fn changes_only_when_value_or_ttl_differ() {
        assert!(planned(None, ("a.example.net", 60)).needs_change());
        assert!(!planned(Some(("A.example.net.", 60)), ("a.example.net", 60)).needs_change());
        assert!(planned(Some(("a.example.net", 300)), ("a.example.net", 60)).needs_change());
        assert!(planned(Some(("b.example.net", 60)), ("a.example.net", 60)).needs_change());
    }
}
