//! From parsed command line to exit code: load the config, build the
//! context, run the command under the signal handlers, report the result.

use crate::cli::{Cli, Command};
use crate::config::Config;
use crate::context::Context;
use crate::credentials::Env;
use crate::error::{EXIT_OK, Error};
use crate::state::StateDir;
use crate::update;
use std::future::Future;
use tracing::{error, info};

/// Runs the command and returns the process exit code.
pub async fn run(cli: Cli) -> u8 {
    match dispatch(&cli).await {
        Ok(()) => EXIT_OK,
        Err(e) => report(&e),
    }
}

async fn dispatch(cli: &Cli) -> Result<(), Error> {
    let config = Config::load(&cli.config)?;
    let state = StateDir::locate(
        cli.state_dir.as_deref(),
        std::env::var("STATE_DIRECTORY").ok().as_deref(),
    );
    let ctx = Context::new(config, Env::from_process(), state)?;
    let result = match cli.command.as_ref().unwrap_or(&Command::Update) {
        Command::Update => {
            let mut stdout = std::io::stdout();
            interruptible(update::run(&ctx, cli.dry_run, &mut stdout)).await
        }
    };
    if !cli.dry_run {
        ctx.remember();
    }
    let outcome = result?;
    info!(
        api_calls = outcome.api_calls,
        retries = outcome.retries,
        changed = outcome.changed(),
        elapsed_ms = outcome.elapsed.as_millis() as u64,
        "{outcome}"
    );
    Ok(())
}

/// Runs `work` until it finishes or SIGTERM/SIGINT arrives. Dropping the
/// work cancels its in-flight requests; every write is an idempotent UPSERT,
/// so a rerun converges wherever the run was cut.
pub async fn interruptible<T>(work: impl Future<Output = Result<T, Error>>) -> Result<T, Error> {
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
fn report(e: &Error) -> u8 {
    let code = e.exit_code();
    error!(exit_code = code, "{}", crate::http::error_chain(e));
    if let Some(hint) = e.hint() {
        error!("hint: {hint}");
    }
    code
}
