//! Files and secrets: the metrics file, Debug redaction, the reboot check, watch metrics, the instance id (issue 9 items 10, 11, 12, 13).

use super::Case;

pub const CASES: &[Case] = &[];
