//! From parsed command line to exit code: load the config, build the
//! context, run the command under the signal handlers, report the result.

use crate::aws::credentials::Env;
use crate::cmd::cli::{Cli, Command};
use crate::config::{Config, ConfigError};
use crate::run::context::Context;
use crate::run::error::{EXIT_CONFLICT, EXIT_OK, Error};
use crate::run::lifecycle;
use crate::run::lifecycle::Shutdown;
use crate::run::report::{interruptible, log_summary, report, write_metrics};
use crate::run::state::StateDir;
use crate::run::update::{self, Mode};
use crate::run::watch;
use request::Request;
use tracing::{error, info, warn};

pub mod cli;
pub mod logging;
pub mod policy;
pub mod request;

/// Runs the command and returns the process exit code.
pub async fn run(cli: Cli) -> u8 {
    match dispatch(&cli).await {
        Ok(code) => code,
        Err(e) => report(&e),
    }
}

async fn dispatch(cli: &Cli) -> Result<u8, Error> {
    let command = cli.command.as_ref().unwrap_or(&Command::Update);
    let config = load_config(cli, command)?;
    if let Command::Policy { allow_delete } = command {
        let doc = policy::document(&config, *allow_delete);
        println!("{}", serde_json::to_string_pretty(&doc).unwrap_or_default());
        return Ok(EXIT_OK);
    }
    let state = StateDir::locate(
        cli.state_dir.as_deref(),
        std::env::var("STATE_DIRECTORY").ok().as_deref(),
    );
    let ctx = Context::new(config, Env::from_process(), state)?;
    let result = match command {
        Command::Update => pass(&ctx, Mode::Update, cli.dry_run).await,
        Command::Delete { on_reboot } => {
            if !on_reboot {
                match lifecycle::shutdown_kind() {
                    Shutdown::Reboot => {
                        info!(
                            "the system is rebooting: the records stay (this instance comes back with the same name); --on-reboot deletes anyway"
                        );
                        return Ok(EXIT_OK);
                    }
                    Shutdown::Unknown(reason) => {
                        warn!(
                            reason = %reason,
                            "cannot tell whether the system is rebooting ({reason}): the records stay, as for a reboot; `delete --on-reboot` deletes without asking systemd"
                        );
                        return Ok(EXIT_OK);
                    }
                    Shutdown::NotReboot => {}
                }
            }
            pass(&ctx, Mode::Delete, cli.dry_run).await
        }
        Command::Watch { interval } => watch::run(&ctx, *interval).await,
        Command::Request {
            method,
            path,
            data,
            service,
            region,
            endpoint,
        } => {
            let request = Request {
                method: method.clone(),
                path: path.clone(),
                data: data.clone(),
                service: service.clone(),
                region: region.clone(),
                endpoint: endpoint.clone(),
            };
            interruptible(request::run(&ctx, &request, &mut std::io::stdout())).await
        }
        Command::Policy { .. } => unreachable!("handled above"),
    };
    if !cli.dry_run {
        ctx.remember();
    }
    result
}

/// The config file; `request` also works without one (built-in defaults).
fn load_config(cli: &Cli, command: &Command) -> Result<Config, Error> {
    match Config::load(&cli.config) {
        Ok(config) => {
            if !matches!(command, Command::Request { .. }) {
                config.require_records()?;
            }
            Ok(config)
        }
        Err(ConfigError::Read { source, .. })
            if matches!(command, Command::Request { .. })
                && source.kind() == std::io::ErrorKind::NotFound =>
        {
            Ok(Config::parse("", &cli.config)?)
        }
        Err(e) => Err(e.into()),
    }
}

/// One update or delete pass, its summary line and its metrics.
async fn pass(ctx: &Context, mode: Mode, dry_run: bool) -> Result<u8, Error> {
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
