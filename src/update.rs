//! The update (and its mirror, delete): desired records from IMDS → what the
//! zone holds (small listings) → decisions (`plan.rs`) → one atomic batch per
//! zone → wait for INSYNC. A compare-and-swap batch that loses a race is
//! re-read and decided again.

use crate::config::{OnConflict, Record};
use crate::context::Context;
use crate::error::Error;
use crate::facts::{Desired, Facts};
use crate::outcome::{Outcome, RecordOutcome, Status};
use crate::plan::{self, Decision, Observed};
use crate::route53::client::Route53Error;
use crate::route53::wait;
use crate::route53::xml::{self, Change, ChangeAction, Existing, RecordSet};
use crate::zones::{Zone, Zones};
use std::io::Write;
use tracing::{debug, info, warn};

/// Reads, decisions and a batch, at most this many times per zone when
/// compare-and-swap batches keep losing races.
pub const MAX_ROUNDS: u32 = 3;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// Point the records at this instance.
    Update,
    /// Remove the records that still point at this instance.
    Delete,
}

/// One configured record, resolved for this pass.
#[derive(Debug, Clone)]
pub struct Target {
    pub record: Record,
    pub zone: Zone,
    pub desired: Desired,
}

/// Fills in names, zones and desired values for every record.
pub async fn targets(
    ctx: &Context,
    facts: &mut Facts,
    zones: &mut Zones,
) -> Result<Vec<Target>, Error> {
    let mut targets: Vec<Target> = Vec::with_capacity(ctx.config.records.len());
    // Every name first: a template value that is not one label fails before
    // any Route 53 call (zone lookups included).
    let mut names = Vec::with_capacity(ctx.config.records.len());
    for record in &ctx.config.records {
        names.push(facts.name(&ctx.imds, record, ctx.deadline()).await?);
    }
    for (record, name) in ctx.config.records.iter().zip(names) {
        if targets.iter().any(|t| t.desired.set.name == name) {
            return Err(Error::DuplicateName { name });
        }
        let desired = facts
            .desired(&ctx.imds, record, &name, ctx.deadline())
            .await?;
        let zone = zones
            .resolve(&ctx.route53, &record.zone, ctx.deadline())
            .await?;
        if let Some(zone_name) = &zone.name
            && (!name.is_within(zone_name) || &name == zone_name)
        {
            return Err(Error::OutsideZone {
                name,
                zone: zone_name.clone(),
            });
        }
        targets.push(Target {
            record: record.clone(),
            zone,
            desired,
        });
    }
    Ok(targets)
}

/// What this instance is and what its records should hold, from IMDS (and
/// zone lookups). Cheap when zones are already resolved: IMDS reads only.
pub async fn gather(ctx: &Context, zones: &mut Zones) -> Result<(String, Vec<Target>), Error> {
    let mut facts = Facts::new();
    let instance_id = facts.instance_id(&ctx.imds, ctx.deadline()).await?;
    let targets = targets(ctx, &mut facts, zones).await?;
    Ok((instance_id, targets))
}

/// Runs one pass (or, with `dry_run`, prints the plan to `out` and writes nothing).
pub async fn run(
    ctx: &Context,
    mode: Mode,
    dry_run: bool,
    out: &mut dyn Write,
) -> Result<Outcome, Error> {
    let (instance_id, targets) = gather(ctx, &mut Zones::new()).await?;
    apply(ctx, mode, &instance_id, &targets, dry_run, out).await
}

/// Reads the zones, decides, writes and waits, for already gathered targets.
pub async fn apply(
    ctx: &Context,
    mode: Mode,
    instance_id: &str,
    targets: &[Target],
    dry_run: bool,
    out: &mut dyn Write,
) -> Result<Outcome, Error> {
    for t in targets {
        info!(
            record = %t.desired.set.name,
            rtype = %t.desired.set.rtype,
            value = %t.desired.set.values_text(),
            source = %t.desired.source,
            instance_id,
            "read instance metadata"
        );
    }
    let mut outcomes = Vec::with_capacity(targets.len());
    for zone_id in zones_in_order(targets) {
        let in_zone: Vec<&Target> = targets.iter().filter(|t| t.zone.id == zone_id).collect();
        outcomes
            .extend(converge_zone(ctx, mode, &zone_id, &in_zone, instance_id, dry_run, out).await?);
    }
    Ok(Outcome::new(ctx, outcomes, dry_run))
}

fn zones_in_order(targets: &[Target]) -> Vec<String> {
    let mut ids: Vec<String> = Vec::new();
    for t in targets {
        if !ids.contains(&t.zone.id) {
            ids.push(t.zone.id.clone());
        }
    }
    ids
}

/// What the zone holds for a target: the sets at its name (one type, or
/// every type when the record may change type or is guarded by `keep`) and,
/// in `keep` mode, its owner record.
pub async fn observe(ctx: &Context, zone: &str, target: &Target) -> Result<Observed, Error> {
    let record = &target.record;
    let name = &target.desired.set.name;
    let one_type = record.types().len() == 1 && record.on_conflict == OnConflict::Overwrite;
    let rtype = one_type.then_some(target.desired.set.rtype.as_str());
    let sets = ctx
        .route53
        .records_at(zone, name, rtype, ctx.deadline())
        .await?;
    let owner = if record.on_conflict == OnConflict::Keep {
        let owner_name = plan::owner_name(name);
        ctx.route53
            .records_at(zone, &owner_name, Some("TXT"), ctx.deadline())
            .await?
            .into_iter()
            .find_map(|e| match e {
                Existing::Simple(s) => Some(s),
                Existing::Special { .. } => None,
            })
    } else {
        None
    };
    debug!(record = %name, ?sets, ?owner, "observed");
    Ok(Observed { sets, owner })
}

fn decide(mode: Mode, target: &Target, observed: &Observed, instance_id: &str) -> Decision {
    let policy = target.record.on_conflict;
    match mode {
        Mode::Update => plan::decide_update(&target.desired.set, observed, policy, instance_id),
        Mode::Delete => plan::decide_delete(&target.desired.set, observed, policy, instance_id),
    }
}

/// The batch comment: who wrote the change.
pub fn comment(instance_id: &str) -> String {
    format!("ec2-dns-updater on {instance_id}")
}

async fn converge_zone(
    ctx: &Context,
    mode: Mode,
    zone: &str,
    targets: &[&Target],
    instance_id: &str,
    dry_run: bool,
    out: &mut dyn Write,
) -> Result<Vec<RecordOutcome>, Error> {
    let mut round = 0;
    loop {
        round += 1;
        let mut decided: Vec<(&Target, Observed, Decision)> = Vec::with_capacity(targets.len());
        for &t in targets {
            let observed = observe(ctx, zone, t).await?;
            let decision = decide(mode, t, &observed, instance_id);
            if let Decision::Unmanaged { kind } = decision {
                return Err(Error::Unmanaged {
                    name: t.desired.set.name.clone(),
                    zone: zone.to_owned(),
                    kind,
                });
            }
            decided.push((t, observed, decision));
        }
        let changes: Vec<Change> = decided
            .iter()
            .flat_map(|(_, _, d)| match d {
                Decision::Write(c) => c.clone(),
                _ => Vec::new(),
            })
            .collect();

        if dry_run {
            print_plan(zone, &decided, &changes, instance_id, out);
            return Ok(outcomes(mode, &decided, None, true));
        }
        if changes.is_empty() {
            return Ok(outcomes(mode, &decided, None, false));
        }
        match ctx
            .route53
            .change(zone, Some(&comment(instance_id)), &changes, ctx.deadline())
            .await
        {
            Ok(info) => {
                info!(zone, change_id = %info.id, changes = changes.len(), "change submitted");
                let insync = if info.insync {
                    Some(true)
                } else if mode == Mode::Update && ctx.config.route53.wait {
                    let waited = wait::until_insync(
                        &ctx.route53,
                        &info.id,
                        ctx.config.route53.wait_timeout,
                        ctx.deadline(),
                    )
                    .await?;
                    info!(change_id = %info.id, polls = waited.polls, waited_ms = waited.elapsed.as_millis() as u64, "change is INSYNC");
                    Some(true)
                } else {
                    Some(false)
                };
                return Ok(outcomes(mode, &decided, insync, false));
            }
            Err(e) if lost_a_race(&e, &changes) && round < MAX_ROUNDS => {
                warn!(
                    zone,
                    round,
                    error = %e,
                    "the zone changed between our read and our write (compare-and-swap failed); reading it again"
                );
            }
            Err(e) => return Err(e.into()),
        }
    }
}

/// A batch with exact DELETEs or CREATEs fails with InvalidChangeBatch when
/// someone else changed those names after we read them.
fn lost_a_race(e: &Route53Error, changes: &[Change]) -> bool {
    e.code() == Some("InvalidChangeBatch")
        && changes.iter().any(|c| c.action != ChangeAction::Upsert)
}

fn current_text(desired: &RecordSet, observed: &Observed) -> Option<String> {
    observed.sets.iter().find_map(|e| match e {
        Existing::Simple(s) if s.rtype == desired.rtype => Some(s.values_text()),
        Existing::Simple(s) if s.rtype == "CNAME" || desired.rtype == "CNAME" => {
            Some(format!("{} {}", s.rtype, s.values_text()))
        }
        _ => None,
    })
}

fn outcomes(
    mode: Mode,
    decided: &[(&Target, Observed, Decision)],
    insync: Option<bool>,
    dry_run: bool,
) -> Vec<RecordOutcome> {
    decided
        .iter()
        .map(|(t, observed, decision)| {
            let desired = &t.desired.set;
            let status = match (decision, mode, dry_run) {
                (Decision::Unchanged, _, _) => Status::AlreadyRight,
                (Decision::Write(_), Mode::Update, true) => Status::WouldChange,
                (Decision::Write(_), Mode::Update, false) => Status::Changed { insync },
                (Decision::Write(_), Mode::Delete, true) => Status::WouldDelete,
                (Decision::Write(_), Mode::Delete, false) => Status::Deleted,
                (Decision::Conflict { current, owner }, _, _) => Status::Conflict {
                    current: current.clone(),
                    owner: owner.clone(),
                },
                (Decision::NotOurs { why }, _, _) => Status::LeftAlone { why: why.clone() },
                (Decision::Unmanaged { kind }, _, _) => Status::LeftAlone {
                    why: (*kind).to_owned(),
                },
            };
            RecordOutcome {
                name: desired.name.clone(),
                rtype: desired.rtype.clone(),
                old: current_text(desired, observed),
                new: desired.values_text(),
                status,
            }
        })
        .collect()
}

fn print_plan(
    zone: &str,
    decided: &[(&Target, Observed, Decision)],
    changes: &[Change],
    instance_id: &str,
    out: &mut dyn Write,
) {
    let mut text = String::new();
    for (t, observed, decision) in decided {
        let d = &t.desired.set;
        text.push_str(&format!("record {} {} in zone {zone}\n", d.name, d.rtype));
        let current = current_text(d, observed).unwrap_or_else(|| "(none)".into());
        let ttl = observed
            .sets
            .iter()
            .find_map(|e| match e {
                Existing::Simple(s) if s.rtype == d.rtype => Some(format!(" (TTL {})", s.ttl)),
                _ => None,
            })
            .unwrap_or_default();
        text.push_str(&format!("  current: {current}{ttl}\n"));
        text.push_str(&format!(
            "  desired: {} (TTL {}, from {})\n",
            d.values_text(),
            d.ttl,
            t.desired.source
        ));
        let action = match decision {
            Decision::Unchanged => "none, already right".to_owned(),
            Decision::Write(c) => c
                .iter()
                .map(|c| format!("{} {} {}", c.action.as_str(), c.set.name, c.set.rtype))
                .collect::<Vec<_>>()
                .join(", "),
            Decision::Conflict { .. } => {
                "none: the name belongs to someone else (on_conflict = \"keep\")".into()
            }
            Decision::NotOurs { why } => format!("none: {why}"),
            Decision::Unmanaged { kind } => format!("none: {kind}"),
        };
        text.push_str(&format!("  action:  {action}\n"));
    }
    if !changes.is_empty() {
        text.push_str(&format!(
            "would send to zone {zone} (dry run, nothing sent):\n{}\n",
            xml::change_batch(Some(&comment(instance_id)), changes)
        ));
    }
    // A closed stdout must not turn a dry run into a failure.
    let _ = out.write_all(text.as_bytes());
    let _ = out.flush();
}
