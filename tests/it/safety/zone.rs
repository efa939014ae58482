//! Other types at the name, type switches, owner records, neighbours in listings, never "live" before INSYNC (issue 9 items 1, 2, 3, 5, 8).

use super::Case;

pub const CASES: &[Case] = &[];
