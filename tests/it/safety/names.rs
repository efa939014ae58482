//! Name templates render one label, durations are bounded (issue 9 items 4, 7).

use super::Case;

pub const CASES: &[Case] = &[];
