//! `ec2-dns-updater delete`: at shutdown, removes the records this instance
//! wrote, unless the system is rebooting (or cannot say).

use crate::run::context::Context;
use crate::run::error::{EXIT_OK, Error};
use crate::run::lifecycle::{self, Shutdown};
use crate::run::update::Mode;
use tracing::{info, warn};

/// Runs the delete pass, or keeps the records on a reboot; returns the exit code.
pub(crate) async fn run(ctx: &Context, on_reboot: bool, dry_run: bool) -> Result<u8, Error> {
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
    super::update::pass(ctx, Mode::Delete, dry_run).await
}
