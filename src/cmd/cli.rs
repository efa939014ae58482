//! The command line. Global options work before or after a subcommand.

use crate::config::DEFAULT_CONFIG_PATH;
use clap::{ArgAction, Parser, Subcommand, ValueEnum};
use std::path::PathBuf;
use std::time::Duration;

const EXAMPLES: &str = "\
Examples:
  ec2-dns-updater                                  update the records in /etc/ec2-dns-updater/config.toml
  ec2-dns-updater --config ./web.toml --dry-run    show the plan, change nothing
  ec2-dns-updater -v --log-format json             more detail, as JSON lines
  ec2-dns-updater policy                           the IAM policy the config needs
  ec2-dns-updater delete                           at poweroff: remove records that still point here
  ec2-dns-updater watch --interval 60s             long-running: follow Elastic IP moves

A minimal config:
  [[record]]
  zone = \"Z0123456789ABCDEFGHIJ\"
  name = \"web.example.com\"

Exit codes: 0 done, 64 usage, 65 change rejected, 69 instance lacks what the config needs,
73 name owned by another instance, 75 temporary failure (retry later), 77 AWS refused, 78 bad config.";

/// Gives this EC2 instance a stable DNS name: reads its public hostname from
/// the instance metadata service and points a Route 53 CNAME at it.
#[derive(Debug, Parser)]
#[command(name = "ec2-dns-updater", version, after_help = EXAMPLES)]
pub struct Cli {
    /// The config file.
    #[arg(short, long, global = true, value_name = "FILE", default_value = DEFAULT_CONFIG_PATH)]
    pub config: PathBuf,

    /// Where to remember what one boot learns for the next
    /// [default: $STATE_DIRECTORY, else /var/lib/ec2-dns-updater].
    #[arg(long, global = true, value_name = "DIR")]
    pub state_dir: Option<PathBuf>,

    /// More detail (-v debug, -vv trace, -vvv trace including libraries).
    #[arg(short, long, global = true, action = ArgAction::Count, conflicts_with = "quiet")]
    pub verbose: u8,

    /// Less detail (-q warnings and errors only, -qq errors only).
    #[arg(short, long, global = true, action = ArgAction::Count)]
    pub quiet: u8,

    /// Log line format on stderr.
    #[arg(long, global = true, value_enum, default_value_t = LogFormat::Text)]
    pub log_format: LogFormat,

    /// Print the plan (current value, desired value, the change it would send)
    /// and write nothing.
    #[arg(long, global = true)]
    pub dry_run: bool,

    // clap turns doc comments into help text: the help says what these are.
    #[allow(missing_docs)]
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[allow(missing_docs)] // a doc comment here would change `--help`
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LogFormat {
    Text,
    Json,
}

#[allow(missing_docs)] // a doc comment here could change `--help`
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Point the configured records at this instance (the default).
    Update,
    /// Remove the records that still point at this instance (for `ExecStop=`
    /// at poweroff). Does nothing while the system reboots, or when systemd
    /// cannot tell (`systemctl list-jobs` fails).
    Delete {
        /// Delete without asking systemd: also during a reboot, or without systemd.
        #[arg(long)]
        on_reboot: bool,
    },
    /// Keep the records current: re-read IMDS every interval and call Route 53
    /// only when a value changed (an Elastic IP moved, say). Delete the records
    /// on a Spot interruption notice or an Auto Scaling target lifecycle state
    /// other than InService; write them again back in service.
    Watch {
        /// How often to re-read IMDS.
        #[arg(long, value_name = "DURATION", default_value = "60s", value_parser = parse_interval)]
        interval: Duration,
        /// How often to read the Spot interruption notice and the Auto Scaling
        /// target lifecycle state (IMDS only; Route 53 is called on a change).
        #[arg(long, value_name = "DURATION", default_value = "5s", value_parser = parse_interval)]
        lifecycle_interval: Duration,
    },
    /// Print the least-privilege IAM policy this config needs.
    Policy {
        /// Also allow the DELETEs of `ec2-dns-updater delete`.
        #[arg(long)]
        allow_delete: bool,
    },
    /// Send one signed request and print the status and the answer, e.g.
    /// `request GET /2013-04-01/hostedzone/Z0123456789ABCDEFGHIJ/rrset?maxitems=5`
    /// or `request GET '/?Action=DescribeInstances&Version=2016-11-15' --service ec2 --region eu-west-1`.
    Request {
        /// HTTP method.
        method: String,
        /// Path and query, starting with '/'.
        path: String,
        /// The request body, or @FILE to read it from a file.
        #[arg(long, value_name = "BODY|@FILE")]
        data: Option<String>,
        /// Sign for this service with SigV4 (a Query API such as ec2) instead of Route 53.
        #[arg(long, default_value = "route53")]
        service: String,
        /// SigV4 region [default: the instance's region from IMDS].
        #[arg(long)]
        region: Option<String>,
        /// The service endpoint [default: https://<service>.<region>.amazonaws.com].
        #[arg(long, value_name = "URL")]
        endpoint: Option<String>,
    },
}

fn parse_interval(text: &str) -> Result<Duration, String> {
    match crate::config::duration::parse(text) {
        Some(d) => {
            crate::config::duration::check(d, Duration::from_secs(1), crate::config::duration::MAX)
        }
        None => Err(format!("{text:?} is not a duration (e.g. 60s, 5m)")),
    }
}

impl Cli {
    /// -2 (errors only) to 3 (trace everything).
    pub fn verbosity(&self) -> i8 {
        i8::try_from(self.verbose).unwrap_or(i8::MAX).min(3)
            - i8::try_from(self.quiet).unwrap_or(i8::MAX).min(2)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn the_definition_is_consistent() {
        Cli::command().debug_assert();
    }

    #[test]
    fn global_options_go_anywhere() {
        let a = Cli::try_parse_from(["x", "--config", "/c.toml", "-vv", "update"]).unwrap();
        let b = Cli::try_parse_from(["x", "update", "--config", "/c.toml", "-vv"]).unwrap();
        assert_eq!(a.config, b.config);
        assert_eq!(a.verbosity(), 2);
        assert_eq!(b.verbosity(), 2);
        assert!(Cli::try_parse_from(["x", "-v", "-q"]).is_err());
        assert_eq!(Cli::try_parse_from(["x", "-qq"]).unwrap().verbosity(), -2);
        let w = Cli::try_parse_from(["x", "watch", "--interval", "5m", "-v"]).unwrap();
        assert!(
            matches!(w.command, Some(Command::Watch { interval, lifecycle_interval }) if interval == Duration::from_secs(300) && lifecycle_interval == Duration::from_secs(5))
        );
        assert!(Cli::try_parse_from(["x", "watch", "--interval", "0s"]).is_err());
        assert!(Cli::try_parse_from(["x", "watch", "--interval", "24h"]).is_ok());
        assert!(Cli::try_parse_from(["x", "watch", "--interval", "25h"]).is_err());
    }
}
