//! `ec2-dns-updater watch`: the long-running mode. Every interval it re-reads
//! IMDS (a few local requests) and calls Route 53 only when a record's
//! desired value changed since the last successful pass (an Elastic IP
//! re-associated, say). Credentials and IMDS tokens are refreshed as they
//! age by the credential chain and the IMDS session. Tells systemd it is
//! ready (`Type=notify`) after the first pass.
//!
//! Every `lifecycle_interval` (5 s) it also reads the Spot interruption
//! notice and the Auto Scaling target lifecycle state (`run::interruption`):
//! on a notice or a state other than `InService` it deletes this instance's
//! records (compare-and-swap, only what still points here) and stops writing
//! them; back in service, it writes them again. Route 53 is called only when
//! that standing changes.
//!
//! `metrics_file` is rewritten after every pass, including the ones that
//! did not need Route 53 (0 API calls): its last-run time then says the
//! watcher is alive, and its last-success time that the records were right
//! at that moment.

use crate::aws::retry::Deadline;
use crate::run::context::Context;
use crate::run::error::{EXIT_CONFLICT, EXIT_OK, Error};
use crate::run::interruption::{self, Standing};
use crate::run::notify::notify;
use crate::run::report;
use crate::run::update::{self, Mode, Target};
use crate::run::zones::Zones;
use std::time::Duration;
use tokio::time::Instant;
use tracing::{debug, error, info, warn};

/// What the records should hold, to compare passes.
fn fingerprint(targets: &[Target]) -> Vec<(String, String, u32, String)> {
    targets
        .iter()
        .map(|t| {
            let s = &t.desired.set;
            (s.name.to_string(), s.rtype.clone(), s.ttl, s.values_text())
        })
        .collect()
}

/// Runs until SIGTERM/SIGINT (exit 0). A failed pass is logged and retried
/// at the next interval.
pub(crate) async fn run(
    ctx: &Context,
    interval: Duration,
    lifecycle_interval: Duration,
) -> Result<u8, Error> {
    match report::interruptible(passes(ctx, interval, lifecycle_interval)).await {
        Err(Error::Interrupted { signal }) => {
            info!(signal, "stopping");
            notify("STOPPING=1");
            Ok(EXIT_OK)
        }
        Err(e) => Err(e),
        Ok(()) => Ok(EXIT_OK),
    }
}

/// The instance's standing as last acted on.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Acted {
    /// Serving: value passes run every interval.
    Serving,
    /// Withdrawn for this reason; `deleted` once the delete pass succeeded.
    Withdrawn { reason: String, deleted: bool },
}

async fn passes(
    ctx: &Context,
    interval: Duration,
    lifecycle_interval: Duration,
) -> Result<(), Error> {
    let mut zones = Zones::new();
    let mut applied: Option<Vec<(String, String, u32, String)>> = None;
    let mut first = true;
    let mut acted: Option<Acted> = None;
    let mut next_values = Instant::now();
    let mut next_lifecycle = Instant::now();
    loop {
        let now = Instant::now();
        if now >= next_lifecycle {
            next_lifecycle = now + lifecycle_interval;
            // A short window: a slow IMDS must not hold up the next poll.
            let window = Deadline::after(lifecycle_interval.max(Duration::from_secs(2)));
            match interruption::standing(&ctx.imds, window).await {
                Ok(Standing::Serve) => {
                    if matches!(acted, Some(Acted::Withdrawn { .. })) {
                        info!("back in service: writing the records again");
                        applied = None;
                        next_values = now;
                    }
                    acted = Some(Acted::Serving);
                }
                Ok(Standing::Withdraw(reason)) => {
                    let same =
                        matches!(&acted, Some(Acted::Withdrawn { reason: r, .. }) if *r == reason);
                    if !same {
                        warn!(%reason, "deleting this instance's records");
                        acted = Some(Acted::Withdrawn {
                            reason,
                            deleted: false,
                        });
                    }
                }
                // Keep the last standing; a first pass without one serves.
                Err(e) => {
                    warn!(error = %e, "cannot read the instance's lifecycle from IMDS; keeping the last state")
                }
            }
        }
        let status = match &mut acted {
            Some(Acted::Withdrawn { reason, deleted }) => {
                if *deleted {
                    None
                } else {
                    ctx.begin_pass();
                    applied = None;
                    Some(match withdraw(ctx, &mut zones).await {
                        Ok(done) => {
                            report::write_metrics(ctx, EXIT_OK, done.changed);
                            *deleted = true;
                            format!("withdrawn ({reason}): {}", done.status)
                        }
                        Err(e) => {
                            let code = report::report(&e);
                            report::write_metrics(ctx, code, 0);
                            format!("withdrawing failed: {e}")
                        }
                    })
                }
            }
            _ if Instant::now() >= next_values => {
                ctx.begin_pass();
                let done = pass(ctx, &mut zones, &mut applied).await;
                // The interval runs from the end of a pass, as a sleep would.
                next_values = Instant::now() + interval;
                Some(match done {
                    Ok(done) => {
                        let code = if done.conflicts {
                            EXIT_CONFLICT
                        } else {
                            EXIT_OK
                        };
                        report::write_metrics(ctx, code, done.changed);
                        done.status
                    }
                    Err(e) => {
                        let code = report::report(&e);
                        report::write_metrics(ctx, code, 0);
                        applied = None;
                        format!("last pass failed: {e}")
                    }
                })
            }
            _ => None,
        };
        if let Some(status) = status {
            notify(&format!(
                "{}STATUS={status}",
                if first { "READY=1\n" } else { "" }
            ));
            first = false;
        }
        let wake = if matches!(acted, Some(Acted::Withdrawn { .. })) {
            next_lifecycle
        } else {
            next_lifecycle.min(next_values)
        };
        tokio::time::sleep_until(wake).await;
    }
}

/// Deletes the records that still point at this instance (compare-and-swap:
/// a name someone else took over is left alone).
async fn withdraw(ctx: &Context, zones: &mut Zones) -> Result<Done, Error> {
    let (instance_id, targets) = update::gather(ctx, zones).await?;
    let outcome = update::apply(
        ctx,
        Mode::Delete,
        &instance_id,
        &targets,
        false,
        &mut std::io::sink(),
    )
    .await?;
    report::log_summary(&outcome);
    Ok(Done {
        status: outcome.to_string(),
        changed: outcome.changed() as u32,
        conflicts: false,
    })
}

/// What a pass did: the sd_notify status, for the metrics file.
struct Done {
    status: String,
    changed: u32,
    conflicts: bool,
}

async fn pass(
    ctx: &Context,
    zones: &mut Zones,
    applied: &mut Option<Vec<(String, String, u32, String)>>,
) -> Result<Done, Error> {
    let (instance_id, targets) = update::gather(ctx, zones).await?;
    let now = fingerprint(&targets);
    if applied.as_ref() == Some(&now) {
        debug!("no record's value changed; Route 53 not called");
        return Ok(Done {
            status: "records unchanged".into(),
            changed: 0,
            conflicts: false,
        });
    }
    let outcome = update::apply(
        ctx,
        Mode::Update,
        &instance_id,
        &targets,
        false,
        &mut std::io::sink(),
    )
    .await?;
    report::log_summary(&outcome);
    let conflicts = outcome.conflicts().count();
    if conflicts > 0 {
        for c in outcome.conflicts() {
            error!("{c}");
        }
        // Keep asking: the owner may let the name go.
        *applied = None;
    } else {
        *applied = Some(now);
    }
    Ok(Done {
        status: outcome.to_string(),
        changed: outcome.changed() as u32,
        conflicts: conflicts > 0,
    })
}
