//! Logs go to stderr (journald collects them), as text or JSON lines.
//!
//! Levels: our own messages at info by default (`-v` debug, `-vv` trace),
//! libraries at warn (`-vvv`: everything at trace). No secret ever reaches a
//! log line: secrets live in `Secret`, headers carrying them are marked
//! sensitive, and a test runs at `-vvv` and searches the output.

use crate::cmd::cli::LogFormat;
use std::io::IsTerminal;
use tracing::level_filters::LevelFilter;
use tracing_subscriber::filter::Targets;
use tracing_subscriber::prelude::*;

/// Installs the global subscriber: `verbosity` from `-v`/`-q`, text or JSON.
pub fn init(verbosity: i8, format: LogFormat) {
    let ours = match verbosity {
        i8::MIN..=-2 => LevelFilter::ERROR,
        -1 => LevelFilter::WARN,
        0 => LevelFilter::INFO,
        1 => LevelFilter::DEBUG,
        _ => LevelFilter::TRACE,
    };
    let libraries = if verbosity >= 3 {
        LevelFilter::TRACE
    } else {
        ours.min(LevelFilter::WARN)
    };
    let filter = Targets::new()
        .with_target(env!("CARGO_CRATE_NAME"), ours)
        .with_default(libraries);
    // journald stamps every line itself.
    let under_journald = std::env::var_os("JOURNAL_STREAM").is_some();
    let registry = tracing_subscriber::registry().with(filter);
    let result = match format {
        LogFormat::Json => registry
            .with(
                tracing_subscriber::fmt::layer()
                    .json()
                    .with_writer(std::io::stderr)
                    .with_current_span(false),
            )
            .try_init(),
        LogFormat::Text if under_journald => registry
            .with(
                tracing_subscriber::fmt::layer()
                    .with_writer(std::io::stderr)
                    .with_ansi(false)
                    .without_time()
                    .with_target(false),
            )
            .try_init(),
        LogFormat::Text => registry
            .with(
                tracing_subscriber::fmt::layer()
                    .with_writer(std::io::stderr)
                    .with_ansi(std::io::stderr().is_terminal())
                    .with_target(false),
            )
            .try_init(),
    };
    // Already initialized (tests): keep the existing subscriber.
    let _ = result;
}
