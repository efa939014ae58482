//! One run of the updater: the context built once, what IMDS says (facts),
//! zones, observe → decide → change → wait (update), the long-running mode
//! (watch), the summary (outcome), and what a boot leaves for the next
//! (state, metrics).

pub(crate) mod atomic_file;
pub(crate) mod context;
pub mod error;
pub(crate) mod facts;
pub(crate) mod interruption;
pub(crate) mod lifecycle;
pub(crate) mod metrics;
pub(crate) mod notify;
pub(crate) mod outcome;
pub(crate) mod prune;
pub(crate) mod report;
pub(crate) mod stack;
pub(crate) mod state;
pub(crate) mod update;
#[cfg(test)]
mod update_tests;
pub(crate) mod watch;
pub(crate) mod zones;
