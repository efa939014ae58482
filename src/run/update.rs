//! The update (and its mirror, delete): desired records from IMDS → what the
//! zone holds (small listings) → decisions (`plan.rs`) → one atomic batch per
//! zone → wait for INSYNC. A compare-and-swap batch that loses a race is
//! re-read and decided again.
//!
//! Never "live" before INSYNC: a submitted change's id is kept in the state
//! directory until it is INSYNC, so a rerun after a wait that timed out (the
//! record already reads right) waits for that change before it exits 0; and
//! a batch whose answer was lost, retried and then "lost the race" against
//! itself is confirmed with a compare-and-swap of identical data, whose
//! change is waited for.

use crate::config::{OnConflict, Record};
use crate::dns::name::DnsName;
use crate::dns::plan::{self, Decision, Observed};
use crate::dns::pool;
use crate::dns::record::{Change, ChangeAction, Existing, RecordSet};
use crate::dns::template::Var;
use crate::route53::Route53;
use crate::route53::Route53Error;
use crate::route53::wait;
use crate::route53::xml;
use crate::run::context::Context;
use crate::run::error::Error;
use crate::run::facts::{Desired, Facts};
use crate::run::outcome::{Outcome, RecordOutcome, Status};
use crate::run::prune;
use crate::run::state::Written;
use crate::run::zones::{Zone, Zones};
use std::io::Write;
use tracing::{debug, info, warn};

/// Reads, decisions and a batch, at most this many times per zone when
/// compare-and-swap batches keep losing races.
pub(crate) const MAX_ROUNDS: u32 = 3;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Mode {
    /// Point the records at this instance.
    Update,
    /// Remove the records that still point at this instance.
    Delete,
}

/// One configured record, resolved for this pass.
#[derive(Debug, Clone)]
pub(crate) struct Target {
    pub record: Record,
    pub zone: Zone,
    /// The preferred value: the first source IMDS has a value for.
    pub desired: Desired,
    /// The later sources with a value, for a name where sets this program
    /// may not delete block the preferred type.
    pub fallbacks: Vec<Desired>,
    /// `keep`: the owner record's name (valid: checked before any call).
    pub owner_name: Option<DnsName>,
}

impl Target {
    /// The preferred value, then the fallbacks.
    pub(crate) fn candidates(&self) -> impl Iterator<Item = &Desired> {
        std::iter::once(&self.desired).chain(&self.fallbacks)
    }
}

/// Fills in names, desired values and zones for every record. Names are
/// filled in and checked for every record (IMDS reads only) before the first
/// Route 53 call, so a bad name never follows a half-made lookup.
pub(crate) async fn targets(
    ctx: &Context,
    facts: &mut Facts,
    zones: &mut Zones,
) -> Result<Vec<Target>, Error> {
    let mut named: Vec<(&Record, Vec<Desired>, Option<DnsName>)> =
        Vec::with_capacity(ctx.config.records.len());
    for record in &ctx.config.records {
        let name = facts.name(&ctx.imds, record, ctx.deadline()).await?;
        if named.iter().any(|(_, c, _)| c[0].set.name == name) {
            return Err(Error::DuplicateName { name });
        }
        // A pool member's identifier is its ownership: no owner record.
        let owner_name = match record.on_conflict {
            OnConflict::Keep if record.pool.is_none() => Some(plan::owner_name(&name)?),
            _ => None,
        };
        let candidates = facts
            .candidates(&ctx.imds, record, &name, ctx.deadline())
            .await?;
        named.push((record, candidates, owner_name));
    }
    let mut targets: Vec<Target> = Vec::with_capacity(named.len());
    for (record, mut candidates, owner_name) in named {
        let desired = candidates.remove(0);
        let name = &desired.set.name;
        let zone = zones
            .resolve(ctx.route53_for(record), &record.zone, ctx.deadline())
            .await?;
        if let Some(zone_name) = &zone.name
            && (!name.is_within(zone_name) || name == zone_name)
        {
            return Err(Error::OutsideZone {
                name: name.clone(),
                zone: zone_name.clone(),
            });
        }
        targets.push(Target {
            record: record.clone(),
            zone,
            desired,
            fallbacks: candidates,
            owner_name,
        });
    }
    Ok(targets)
}

/// What this instance is and what its records should hold, from IMDS (and
/// zone lookups). Cheap when zones are already resolved: IMDS reads only.
pub(crate) async fn gather(
    ctx: &Context,
    zones: &mut Zones,
) -> Result<(String, Vec<Target>), Error> {
    let mut facts = Facts::new();
    let instance_id = facts.instance_id(&ctx.imds, ctx.deadline()).await?;
    let targets = targets(ctx, &mut facts, zones).await?;
    Ok((instance_id, targets))
}

/// Runs one pass (or, with `dry_run`, prints the plan to `out` and writes nothing).
pub(crate) async fn run(
    ctx: &Context,
    mode: Mode,
    dry_run: bool,
    out: &mut dyn Write,
) -> Result<Outcome, Error> {
    let (instance_id, targets) = gather(ctx, &mut Zones::new()).await?;
    apply(ctx, mode, &instance_id, &targets, dry_run, out).await
}

/// Reads the zones, decides, writes and waits, for already gathered targets.
pub(crate) async fn apply(
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
    for (zone_id, role) in zones_in_order(targets) {
        // One batch per zone and per role the records assume (issue 11).
        let in_zone: Vec<&Target> = targets
            .iter()
            .filter(|t| t.zone.id == zone_id && t.record.role_arn == role)
            .collect();
        outcomes
            .extend(converge_zone(ctx, mode, &zone_id, &in_zone, instance_id, dry_run, out).await?);
    }
    if mode == Mode::Update && !dry_run && ctx.config.route53.wait {
        settle_earlier_changes(ctx).await?;
    }
    Ok(Outcome::new(outcomes, dry_run, ctx.spent()))
}

/// Waits for the changes an earlier run submitted and never saw INSYNC (its
/// wait timed out, or it was stopped): the zone reads right at once after a
/// change, but the name is live only when the change is INSYNC. Changes of
/// this run were waited for already and forgotten.
async fn settle_earlier_changes(ctx: &Context) -> Result<(), Error> {
    for id in ctx.state.pending_changes() {
        let info = match ctx.route53.get_change(&id, ctx.deadline()).await {
            Ok(info) => info,
            // Route 53 forgets changes after a while; so can we.
            Err(e) if e.code() == Some("NoSuchChange") => {
                ctx.state.forget_pending_change(&id);
                continue;
            }
            Err(e) => return Err(e.into()),
        };
        if !info.insync {
            info!(change_id = %id, "an earlier run's change is still PENDING; waiting for INSYNC before saying the name is live");
            let waited = wait::until_insync(
                &ctx.route53,
                &id,
                ctx.config.route53.wait_timeout,
                ctx.deadline(),
            )
            .await?;
            info!(change_id = %id, polls = waited.polls + 1, waited_ms = waited.elapsed.as_millis() as u64, "the earlier change is INSYNC");
        }
        ctx.state.forget_pending_change(&id);
    }
    Ok(())
}

fn zones_in_order(targets: &[Target]) -> Vec<(String, Option<String>)> {
    let mut ids: Vec<(String, Option<String>)> = Vec::new();
    for t in targets {
        let key = (t.zone.id.clone(), t.record.role_arn.clone());
        if !ids.contains(&key) {
            ids.push(key);
        }
    }
    ids
}

/// What the zone holds for a target: the sets at its name, every type (one
/// listing: a type switch, and the types the run must never delete, are
/// seen from the same call), and, in `keep` mode, its owner record.
pub(crate) async fn observe(ctx: &Context, zone: &str, target: &Target) -> Result<Observed, Error> {
    let name = &target.desired.set.name;
    let route53 = ctx.route53_for(&target.record);
    let sets = route53.records_at(zone, name, None, ctx.deadline()).await?;
    let owner = match &target.owner_name {
        Some(owner_name) => route53
            .records_at(zone, owner_name, Some("TXT"), ctx.deadline())
            .await?
            .into_iter()
            .find_map(|e| match e {
                Existing::Simple(s) => Some(s),
                Existing::Special { .. } | Existing::Member(_) => None,
            }),
        None => None,
    };
    debug!(record = %name, ?sets, ?owner, "observed");
    Ok(Observed {
        sets,
        owner_name: target.owner_name.clone(),
        owner,
    })
}

/// The decision for a target, and the candidate it is for.
fn decide<'t>(
    mode: Mode,
    target: &'t Target,
    observed: &Observed,
    instance_id: &str,
    gone: &[String],
) -> (&'t Desired, Decision) {
    let policy = target.record.on_conflict;
    let candidates: Vec<&Desired> = target.candidates().collect();
    let sets: Vec<RecordSet> = candidates.iter().map(|d| d.set.clone()).collect();
    let (i, decision) = match (mode, target.record.pool.is_some()) {
        (Mode::Update, false) => plan::choose_update(&sets, observed, policy, instance_id),
        (Mode::Delete, false) => plan::choose_delete(&sets, observed, policy, instance_id),
        (Mode::Update, true) => pool::choose_update(&sets, observed, policy, gone),
        (Mode::Delete, true) => pool::choose_delete(&sets, observed),
    };
    if i > 0 {
        info!(
            record = %target.desired.set.name,
            preferred = %target.desired.source,
            using = %candidates[i].source,
            "the name holds record sets that exclude the preferred type; using the next source"
        );
    }
    (candidates[i], decision)
}

/// The batch comment: who wrote the change.
pub(crate) fn comment(instance_id: &str) -> String {
    format!("ec2-dns-updater on {instance_id}")
}

/// One target's decision in a round: the candidate chosen and what to do.
struct Decided<'t> {
    desired: &'t Desired,
    observed: Observed,
    decision: Decision,
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
    // A lost race may have been lost against our own batch, applied by
    // Route 53 while its answer was lost and then retried.
    let mut raced = false;
    // A changed boot trusts the state directory's memo of what this instance
    // last wrote, until Route 53 says otherwise.
    let mut trust_memo = true;
    loop {
        round += 1;
        let mut decided: Vec<Decided> = Vec::with_capacity(targets.len());
        let mut assumed_any = false;
        for &t in targets {
            let assumed = match (mode, dry_run, trust_memo) {
                (Mode::Update, false, true) => assume_from_memo(ctx, zone, t)
                    .or_else(|| assume_new_name(ctx, zone, t, instance_id)),
                _ => None,
            };
            assumed_any |= assumed.is_some();
            let (observed, (desired, decision)) = match assumed {
                Some((observed, decision)) => (observed, (&t.desired, decision)),
                None => {
                    let observed = observe(ctx, zone, t).await?;
                    let gone = match (mode, &t.record.pool) {
                        (Mode::Update, Some(p)) if p.prune => {
                            prune::gone_members(ctx, &t.desired.set, &observed).await?
                        }
                        _ => Vec::new(),
                    };
                    let decided = decide(mode, t, &observed, instance_id, &gone);
                    (observed, decided)
                }
            };
            if let Decision::Blocked { by } = &decision {
                return Err(Error::Blocked {
                    name: t.desired.set.name.clone(),
                    zone: zone.to_owned(),
                    wanted: t
                        .candidates()
                        .map(|d| d.set.rtype.clone())
                        .collect::<Vec<_>>()
                        .join(" or "),
                    by: by.join(", "),
                });
            }
            decided.push(Decided {
                desired,
                observed,
                decision,
            });
        }
        if raced && mode == Mode::Update && !dry_run {
            confirm_own_write(&mut decided);
        }
        let changes: Vec<Change> = decided
            .iter()
            .flat_map(|d| match &d.decision {
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
        // Every target of a batch assumes the same role (zones_in_order).
        let route53 = ctx.route53_for(&targets[0].record);
        match route53
            .change(zone, Some(&comment(instance_id)), &changes, ctx.deadline())
            .await
        {
            Ok(info) => {
                info!(zone, change_id = %info.id, changes = changes.len(), "change submitted");
                remember_written(ctx, zone, mode, &decided);
                let insync = if info.insync {
                    Some(true)
                } else if mode == Mode::Update && ctx.config.route53.wait {
                    wait_for(ctx, route53, &info.id).await?;
                    Some(true)
                } else {
                    Some(false)
                };
                return Ok(outcomes(mode, &decided, insync, false));
            }
            Err(e) if assumed_any && e.code() == Some("InvalidChangeBatch") => {
                trust_memo = false;
                info!(
                    zone,
                    error = %e,
                    "the zone is not as this instance left it; reading it before writing"
                );
            }
            Err(e) if lost_a_race(&e, &changes) && round < MAX_ROUNDS => {
                raced = true;
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

/// The one-call path of a changed boot: with `on_conflict = "overwrite"`, a
/// single source, and the state directory saying this instance last wrote
/// this name with this type and another value (a stop/start), the run skips
/// the listing and sends a compare-and-swap of its own set: DELETE exactly
/// what it wrote last (type, TTL, value), CREATE the new one. If the zone is
/// not like that any more (someone changed or replaced the set, or put types
/// at the name a CNAME cannot share it with), Route 53 refuses the batch with
/// InvalidChangeBatch, nothing is deleted, and the round is redone with a
/// listing and the full plan. An unchanged value, a first boot (but see
/// [`assume_new_name`]), `keep` and several sources always list.
fn assume_from_memo(ctx: &Context, zone: &str, t: &Target) -> Option<(Observed, Decision)> {
    let desired = &t.desired.set;
    if t.record.on_conflict != OnConflict::Overwrite
        || !t.fallbacks.is_empty()
        || t.record.pool.is_some()
    {
        return None;
    }
    let last = ctx.state.last_written(zone, desired.name.as_str())?;
    let unchanged = desired
        .values
        .first()
        .is_some_and(|v| crate::dns::name::same_target(v, &last.value));
    if last.rtype != desired.rtype || unchanged {
        return None;
    }
    debug!(record = %desired.name, last = %last.value, "changed since this instance wrote it; compare-and-swap without a listing");
    let ours = RecordSet {
        name: desired.name.clone(),
        rtype: last.rtype,
        ttl: last.ttl,
        values: vec![last.value],
        pool: None,
    };
    let decision = Decision::Write(compare_and_swap(&ours, desired));
    let observed = Observed {
        sets: vec![Existing::Simple(ours)],
        owner_name: None,
        owner: None,
    };
    Some((observed, decision))
}

/// The one-call path of a first boot under a name only this instance can
/// have (its template holds `{instance_id}`: `{instance_id}.fleet.example.com`,
/// the common fleet case): nothing this state directory remembers, so the
/// name is assumed empty and the plan for an empty name is sent as it is.
/// That plan is CREATEs only, which Route 53 refuses (InvalidChangeBatch,
/// nothing applied) if anything is already at the name; the round is then
/// redone with a listing, under the same rules. A CREATE can never delete
/// or overwrite anything, so this holds for `keep` too. Names other
/// instances may hold as well (a stable name, a tag) always list first: a
/// replacement instance would pay a refused call there.
fn assume_new_name(
    ctx: &Context,
    zone: &str,
    t: &Target,
    instance_id: &str,
) -> Option<(Observed, Decision)> {
    let unique = t.record.name.vars().any(|v| *v == Var::InstanceId);
    // Several sources are fine: an empty name takes the preferred one, and a
    // refusal leads to the listing, where a blocked type falls back.
    if !unique
        || t.record.pool.is_some()
        || ctx
            .state
            .last_written(zone, t.desired.set.name.as_str())
            .is_some()
    {
        return None;
    }
    let empty = Observed {
        sets: Vec::new(),
        owner_name: t.owner_name.clone(),
        owner: None,
    };
    let (_, decision) = decide(Mode::Update, t, &empty, instance_id, &[]);
    let Decision::Write(changes) = decision else {
        return None;
    };
    // On an empty name an UPSERT is a CREATE; sent as a CREATE, it is
    // refused instead of overwriting whatever is there after all.
    let creates = changes
        .into_iter()
        .map(|c| match c.action {
            ChangeAction::Create | ChangeAction::Upsert => Some(Change {
                action: ChangeAction::Create,
                set: c.set,
            }),
            ChangeAction::Delete => None,
        })
        .collect::<Option<Vec<_>>>()?;
    debug!(record = %t.desired.set.name, "a first boot under an instance's own name; creating without a listing");
    Some((empty, Decision::Write(creates)))
}

/// DELETE `old` exactly as it is in the zone and CREATE `new`, in one batch:
/// it fails, changing nothing, when the zone no longer holds `old`.
fn compare_and_swap(old: &RecordSet, new: &RecordSet) -> Vec<Change> {
    vec![
        Change {
            action: ChangeAction::Delete,
            set: old.clone(),
        },
        Change {
            action: ChangeAction::Create,
            set: new.clone(),
        },
    ]
}

/// Keeps, per name, what this run's accepted batch left there.
fn remember_written(ctx: &Context, zone: &str, mode: Mode, decided: &[Decided]) {
    for d in decided {
        if !matches!(d.decision, Decision::Write(_)) {
            continue;
        }
        let set = &d.desired.set;
        let written = match (mode, set.values.as_slice()) {
            (Mode::Update, [value]) if !value.contains(char::is_whitespace) => Some(Written {
                rtype: set.rtype.clone(),
                ttl: set.ttl,
                value: value.clone(),
            }),
            _ => None,
        };
        ctx.state.remember_written(zone, set.name.as_str(), written);
    }
}

/// Waits for this run's change, keeping its id in the state directory until
/// it is INSYNC (a run stopped or timed out before then leaves it for the
/// next run to wait on).
async fn wait_for(ctx: &Context, route53: &Route53, id: &str) -> Result<(), Error> {
    ctx.state.remember_pending_change(id);
    let waited =
        wait::until_insync(route53, id, ctx.config.route53.wait_timeout, ctx.deadline()).await?;
    info!(change_id = %id, polls = waited.polls, waited_ms = waited.elapsed.as_millis() as u64, "change is INSYNC");
    // This change is later than any an earlier run left: those are INSYNC too.
    ctx.state.forget_pending_changes();
    Ok(())
}

/// After a lost race, a name that now reads exactly as this run wants may
/// have been written by this run's own batch (applied, answer lost, retried):
/// its change was never seen, so it cannot be waited for. Rewrite identical
/// data with a compare-and-swap (DELETE the set as read, CREATE it again) and
/// wait for that change instead: a change is INSYNC only after every earlier
/// one, and someone else's concurrent write still makes the batch fail.
fn confirm_own_write(decided: &mut [Decided]) {
    for d in decided.iter_mut() {
        if d.decision != Decision::Unchanged {
            continue;
        }
        let current = d.observed.sets.iter().find_map(|e| match e {
            Existing::Simple(s) if s.rtype == d.desired.set.rtype => Some(s),
            _ => None,
        });
        if let Some(current) = current {
            d.decision = Decision::Write(compare_and_swap(current, &d.desired.set));
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
    let own_id = desired.pool.as_ref().map(|m| &m.identifier);
    observed.sets.iter().find_map(|e| match e {
        Existing::Member(s)
            if own_id.is_some()
                && s.rtype == desired.rtype
                && s.pool.as_ref().map(|m| &m.identifier) == own_id =>
        {
            Some(s.values_text())
        }
        Existing::Member(_) => None,
        _ if own_id.is_some() => None,
        Existing::Simple(s) if s.rtype == desired.rtype => Some(s.values_text()),
        Existing::Simple(s) if s.rtype == "CNAME" || desired.rtype == "CNAME" => {
            Some(format!("{} {}", s.rtype, s.values_text()))
        }
        _ => None,
    })
}

fn outcomes(
    mode: Mode,
    decided: &[Decided],
    insync: Option<bool>,
    dry_run: bool,
) -> Vec<RecordOutcome> {
    decided
        .iter()
        .map(|d| {
            let (observed, decision) = (&d.observed, &d.decision);
            let desired = &d.desired.set;
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
                (Decision::Blocked { by }, _, _) => Status::LeftAlone {
                    why: format!("the name holds {}", by.join(", ")),
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
    decided: &[Decided],
    changes: &[Change],
    instance_id: &str,
    out: &mut dyn Write,
) {
    let mut text = String::new();
    for Decided {
        desired,
        observed,
        decision,
        ..
    } in decided
    {
        let d = &desired.set;
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
            desired.source
        ));
        let action = match decision {
            Decision::Unchanged => "none, already right".to_owned(),
            Decision::Write(c) => c
                .iter()
                .map(|c| match &c.set.pool {
                    Some(m) => format!(
                        "{} {} {} (set {:?})",
                        c.action.as_str(),
                        c.set.name,
                        c.set.rtype,
                        m.identifier
                    ),
                    None => format!("{} {} {}", c.action.as_str(), c.set.name, c.set.rtype),
                })
                .collect::<Vec<_>>()
                .join(", "),
            Decision::Conflict { .. } => {
                "none: the name belongs to someone else (on_conflict = \"keep\")".into()
            }
            Decision::NotOurs { why } => format!("none: {why}"),
            Decision::Blocked { by } => format!("none: the name holds {}", by.join(", ")),
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
