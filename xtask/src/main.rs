//! Build tasks for ec2-dns-updater, run as `cargo xtask <task>` (an alias in
//! `.cargo/config.toml` for `cargo run -p xtask --`).
//!
//! - `man OUT_DIR`: one man page per command and subcommand, generated from
//!   [`ec2_dns_updater::cmd::cli::Cli`], so new subcommands appear by themselves.
//! - `completions OUT_DIR`: bash, zsh and fish completions, from the same.
//! - `dist`: everything a release needs, in `target/dist/`: static musl
//!   binaries for x86_64 and aarch64, man pages, completions, and a .deb and an
//!   .rpm per architecture. Installs what it is missing first.
//!
//! Modules: `docs` renders man pages and completions; `dist` is the release
//! pipeline; `setup` installs missing tools (rustup targets, Debian packages,
//! cargo-deb, cargo-generate-rpm); `elf` checks that a binary is static;
//! `run` runs and logs external commands; `shipped` (tests only) checks the
//! unit and the example config against the program.

mod dist;
mod docs;
mod elf;
mod run;
mod setup;
mod shipped;

use clap::{Parser, Subcommand};
use std::path::PathBuf;
use std::process::ExitCode;

type Error = Box<dyn std::error::Error>;
type Result<T, E = Error> = std::result::Result<T, E>;

/// Build tasks for ec2-dns-updater.
#[derive(Debug, Parser)]
#[command(name = "cargo xtask")]
struct Cli {
    #[command(subcommand)]
    task: Task,
}

#[derive(Debug, Subcommand)]
enum Task {
    /// Write the man pages (ec2-dns-updater.1 and one per subcommand) into OUT_DIR.
    Man {
        out_dir: PathBuf,
        /// Write NAME.1.gz instead of NAME.1.
        #[arg(long)]
        gzip: bool,
    },
    /// Write bash, zsh and fish completions into OUT_DIR.
    Completions { out_dir: PathBuf },
    /// Build release binaries, man pages, completions, .deb and .rpm packages
    /// into target/dist/.
    Dist(dist::Options),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.task {
        Task::Man { out_dir, gzip } => {
            docs::write_man_pages(&out_dir, gzip, run::source_date_epoch()).map(|pages| {
                for page in pages {
                    println!("{}", page.display());
                }
            })
        }
        Task::Completions { out_dir } => docs::write_completions(&out_dir).map(|files| {
            for file in files {
                println!("{}", file.display());
            }
        }),
        Task::Dist(options) => dist::run(&options),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("xtask: error: {e}");
            ExitCode::FAILURE
        }
    }
}
