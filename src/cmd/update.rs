//! `ec2-dns-updater update` (the default command): one pass that points the
//! records at this instance. `delete` runs the same pass in delete mode.

use crate::run::context::Context;
use crate::run::error::{EXIT_CONFLICT, EXIT_OK, Error};
use crate::run::interruption;
use crate::run::report::{interruptible, log_summary, write_metrics};
use crate::run::update::{self, Mode};
use tracing::{error, info};

/// Runs one update pass; returns the exit code. An instance that Auto
/// Scaling does not have in service (one being pre-initialised in a warm
/// pool: `Warmed:*`) registers nothing and exits 0.
pub(crate) async fn run(ctx: &Context, dry_run: bool) -> Result<u8, Error> {
    let state =
        interruptible(async { Ok(interruption::target_state(&ctx.imds, ctx.deadline()).await?) })
            .await?;
    if let Some(state) = state.filter(|s| s != interruption::IN_SERVICE) {
        info!(
            "{}: not registering (a warm pool instance is registered when it enters service, by `watch` or the next boot)",
            interruption::state_reason(&state)
        );
        return Ok(EXIT_OK);
    }
    pass(ctx, Mode::Update, dry_run).await
}

/// One update or delete pass, its summary line and its metrics.
pub(crate) async fn pass(ctx: &Context, mode: Mode, dry_run: bool) -> Result<u8, Error> {
    let result = interruptible(update::run(ctx, mode, dry_run, &mut std::io::stdout())).await;
    let code = match &result {
        Ok(outcome) => {
            log_summary(outcome);
            for c in outcome.conflicts() {
                error!("{c}: on_conflict = \"keep\" leaves names owned by others alone");
            }
            if outcome.conflicts().next().is_some() {
                EXIT_CONFLICT
            } else {
                EXIT_OK
            }
        }
        Err(e) => e.exit_code(),
    };
    if !dry_run {
        write_metrics(ctx, code, result.as_ref().map_or(0, |o| o.changed() as u32));
    }
    result.map(|_| code)
}
