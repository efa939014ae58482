//! What every command does with a result: run it under the signal
//! handlers, log the summary line or the error chain, write the metrics file.

use crate::run::context::Context;
use crate::run::error::Error;
use crate::run::metrics;
use crate::run::outcome::Outcome;
use std::future::Future;
use tracing::{error, info, warn};

/// Writes `metrics_file` (when configured) for the pass that just ended
/// with `code`; a failure to write is a warning, never the run's failure.
pub(crate) fn write_metrics(ctx: &Context, code: u8, changed: u32) {
    let Some(path) = &ctx.config.metrics_file else {
        return;
    };
    let spent = ctx.spent();
    let report = metrics::Report {
        exit_code: code,
        duration: spent.elapsed,
        api_calls: spent.api_calls,
        retries: spent.retries,
        throttled: spent.throttled,
        changed,
    };
    if let Err(e) = metrics::write(path, &report) {
        warn!(path = %path.display(), error = %e, "cannot write the metrics file");
    }
}

/// The summary line, with its numbers as fields for JSON logs.
pub(crate) fn log_summary(outcome: &Outcome) {
    info!(
        api_calls = outcome.api_calls,
        retries = outcome.retries,
        throttled = outcome.throttled,
        changed = outcome.changed(),
        elapsed_ms = outcome.elapsed.as_millis() as u64,
        "{outcome}"
    );
}

/// Runs `work` until it finishes or SIGTERM/SIGINT arrives. Dropping the
/// work cancels its in-flight requests; every write is idempotent or a
/// compare-and-swap, so a rerun converges wherever the run was cut.
pub(crate) async fn interruptible<T>(
    work: impl Future<Output = Result<T, Error>>,
) -> Result<T, Error> {
    use tokio::signal::unix::{SignalKind, signal};
    let (Ok(mut term), Ok(mut int)) = (
        signal(SignalKind::terminate()),
        signal(SignalKind::interrupt()),
    ) else {
        return work.await;
    };
    tokio::select! {
        result = work => result,
        _ = term.recv() => Err(Error::Interrupted { signal: "SIGTERM" }),
        _ = int.recv() => Err(Error::Interrupted { signal: "SIGINT" }),
    }
}

/// Logs the error chain once (and a hint), returns its exit code.
pub(crate) fn report(e: &Error) -> u8 {
    let code = e.exit_code();
    error!(exit_code = code, "{}", crate::aws::http::error_chain(e));
    if let Some(hint) = e.hint() {
        error!("hint: {hint}");
    }
    code
}
