//! From parsed command line to exit code: load the config, build the
//! context, run the command under the signal handlers, report the result.

use crate::aws::credentials::Env;
use crate::cmd::cli::{Cli, Command};
use crate::config::{Config, ConfigError};
use crate::run::context::Context;
use crate::run::error::Error;
use crate::run::report::{interruptible, report};
use crate::run::state::StateDir;
use request::Request;

pub mod cli;
pub(crate) mod delete;
pub mod logging;
pub(crate) mod policy;
pub(crate) mod policy_roles;
pub(crate) mod request;
pub(crate) mod update;
pub(crate) mod watch;

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
        return Ok(policy::run(&config, *allow_delete));
    }
    let state = StateDir::locate(
        cli.state_dir.as_deref(),
        std::env::var("STATE_DIRECTORY").ok().as_deref(),
    );
    let config = match command {
        Command::Update | Command::Delete { .. } | Command::Watch { .. } => {
            interruptible(crate::run::stack::choose(config)).await?
        }
        _ => config,
    };
    let ctx = Context::new(config, Env::from_process(), state)?;
    let result = match command {
        Command::Update => update::run(&ctx, cli.dry_run).await,
        Command::Delete { on_reboot } => delete::run(&ctx, *on_reboot, cli.dry_run).await,
        Command::Watch {
            interval,
            lifecycle_interval,
        } => watch::run(&ctx, *interval, *lifecycle_interval).await,
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
