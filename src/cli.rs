//! The command line. Global options work before or after a subcommand.

use crate::config::DEFAULT_CONFIG_PATH;
use clap::{ArgAction, Parser, Subcommand, ValueEnum};
use std::path::PathBuf;

const EXAMPLES: &str = "\
Examples:
  ec2-dns-updater                                  update the records in /etc/ec2-dns-updater/config.toml
  ec2-dns-updater --config ./web.toml --dry-run    show the plan, change nothing
  ec2-dns-updater -v --log-format json             more detail, as JSON lines

A minimal config:
  [[record]]
  zone = \"Z0123456789ABCDEFGHIJ\"
  name = \"web.example.com\"

Exit codes: 0 done, 64 usage, 65 change rejected, 69 instance lacks what the config needs,
75 temporary failure (retry later), 77 AWS refused, 78 bad config.";

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

    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LogFormat {
    Text,
    Json,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Point the configured records at this instance (the default).
    Update,
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
    }
}
