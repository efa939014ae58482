//! The `ec2-dns-updater` binary: parse the command line, set up logging, run,
//! exit with the run's code. The library does the work.

use clap::Parser;
use clap::error::ErrorKind;
use ec2_dns_updater::cmd::cli::Cli;
use ec2_dns_updater::run::error::{EXIT_TEMPFAIL, EXIT_USAGE};
use std::process::ExitCode;

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let code = match e.kind() {
                ErrorKind::DisplayHelp | ErrorKind::DisplayVersion => 0,
                _ => EXIT_USAGE,
            };
            let _ = e.print();
            return ExitCode::from(code);
        }
    };
    ec2_dns_updater::cmd::logging::init(cli.verbosity(), cli.log_format);
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return ExitCode::from(EXIT_TEMPFAIL);
        }
    };
    ExitCode::from(runtime.block_on(ec2_dns_updater::cmd::run(cli)))
}
