//! Is this instance about to go away, or parked? Two IMDS paths say so:
//! `meta-data/spot/instance-action` (a Spot interruption notice, JSON
//! `{"action": "terminate"|"stop"|"hibernate", "time": ...}`, 404 when
//! none) and `meta-data/autoscaling/target-lifecycle-state` (`InService`,
//! `Terminated`, `Detached`, `Standby`, `Warmed:*`; 404 outside an Auto
//! Scaling group).
//!
//! Every Spot action withdraws the records: `hibernate` stops the instance
//! too (its public IPv4 address goes), and hibernation the user starts
//! gives no notice at all. Any target state other than `InService`
//! withdraws them; back to `InService` (from `Standby` or a warm pool)
//! serves them again.

use crate::aws::imds::{Imds, ImdsError};
use crate::aws::retry::Deadline;

pub(crate) const SPOT_ACTION: &str = "meta-data/spot/instance-action";
pub(crate) const TARGET_STATE: &str = "meta-data/autoscaling/target-lifecycle-state";
/// The one target state in which an instance serves.
pub(crate) const IN_SERVICE: &str = "InService";

/// Whether the records should exist.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Standing {
    /// No notice, and in service (or not in an Auto Scaling group).
    Serve,
    /// Take the records away; why, for the log.
    Withdraw(String),
}

/// Reads both paths (two cheap IMDS reads).
pub(crate) async fn standing(imds: &Imds, deadline: Deadline) -> Result<Standing, ImdsError> {
    if let Some(notice) = imds.get(SPOT_ACTION, deadline).await? {
        return Ok(Standing::Withdraw(spot_reason(&notice)));
    }
    Ok(match target_state(imds, deadline).await? {
        Some(state) if state != IN_SERVICE => Standing::Withdraw(state_reason(&state)),
        _ => Standing::Serve,
    })
}

/// The Auto Scaling target lifecycle state; `None` outside a group.
pub(crate) async fn target_state(
    imds: &Imds,
    deadline: Deadline,
) -> Result<Option<String>, ImdsError> {
    imds.get(TARGET_STATE, deadline).await
}

pub(crate) fn state_reason(state: &str) -> String {
    let state: String = state.chars().take(64).collect();
    format!("Auto Scaling target lifecycle state is {state:?}, not {IN_SERVICE:?}")
}

/// A present notice always withdraws: even one this program cannot read
/// announces an interruption.
fn spot_reason(notice: &str) -> String {
    #[derive(serde::Deserialize)]
    struct Notice {
        action: String,
        time: Option<String>,
    }
    match serde_json::from_str::<Notice>(notice) {
        Ok(n) => {
            let action: String = n.action.chars().take(32).collect();
            let time: String = n.time.unwrap_or_default().chars().take(40).collect();
            format!("Spot interruption notice: {action} at {time}")
        }
        Err(_) => "Spot interruption notice (unreadable body)".to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn notices_and_states_read_as_reasons() {
        assert_eq!(
            spot_reason(r#"{"action": "terminate", "time": "2026-11-29T15:00:00Z"}"#),
            "Spot interruption notice: terminate at 2026-11-29T15:00:00Z"
        );
        assert!(spot_reason(r#"{"action": "hibernate"}"#).contains("hibernate"));
        assert!(spot_reason("garbage").contains("unreadable"));
        assert!(state_reason("Warmed:Running").contains("\"Warmed:Running\""));
    }
}
