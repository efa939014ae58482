//! `ec2-dns-updater watch`: the long-running mode (`crate::run::watch`).

use crate::run::context::Context;
use crate::run::error::Error;
use std::time::Duration;

/// Runs passes every `interval`, and reads the instance's lifecycle every
/// `lifecycle_interval`, until SIGTERM/SIGINT; returns the exit code.
pub(crate) async fn run(
    ctx: &Context,
    interval: Duration,
    lifecycle_interval: Duration,
) -> Result<u8, Error> {
    crate::run::watch::run(ctx, interval, lifecycle_interval).await
}
