//! `ec2-dns-updater watch`: the long-running mode. Every interval it re-reads
//! IMDS (a few local requests) and calls Route 53 only when a record's
//! desired value changed since the last successful pass (an Elastic IP
//! re-associated, say). Credentials and IMDS tokens are refreshed as they
//! age by the credential chain and the IMDS session. Tells systemd it is
//! ready (`Type=notify`) after the first pass.
//!
//! `metrics_file` is rewritten after every pass, including the ones that
//! did not need Route 53 (0 API calls): its last-run time then says the
//! watcher is alive, and its last-success time that the records were right
//! at that moment.

use crate::run::context::Context;
use crate::run::error::{EXIT_CONFLICT, EXIT_OK, Error};
use crate::run::notify::notify;
use crate::run::report;
use crate::run::update::{self, Mode, Target};
use crate::run::zones::Zones;
use std::time::Duration;
use tracing::{debug, error, info};

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
pub(crate) async fn run(ctx: &Context, interval: Duration) -> Result<u8, Error> {
    match report::interruptible(passes(ctx, interval)).await {
        Err(Error::Interrupted { signal }) => {
            info!(signal, "stopping");
            notify("STOPPING=1");
            Ok(EXIT_OK)
        }
        Err(e) => Err(e),
        Ok(()) => Ok(EXIT_OK),
    }
}

async fn passes(ctx: &Context, interval: Duration) -> Result<(), Error> {
    let mut zones = Zones::new();
    let mut applied: Option<Vec<(String, String, u32, String)>> = None;
    let mut first = true;
    loop {
        ctx.begin_pass();
        let status = match pass(ctx, &mut zones, &mut applied).await {
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
        };
        notify(&format!(
            "{}STATUS={status}",
            if first { "READY=1\n" } else { "" }
        ));
        first = false;
        tokio::time::sleep(interval).await;
    }
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
