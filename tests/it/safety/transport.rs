//! TLS trust, where AWS3-HTTPS may be used, endpoints, credentials (issue 9 items 6, 9, 13).

use super::Case;

pub const CASES: &[Case] = &[];
