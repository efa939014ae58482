//! One run of the updater: the context built once, what IMDS says (facts),
//! zones, observe → decide → change → wait (update), the long-running mode
//! (watch), the summary (outcome), and what a boot leaves for the next
//! (state, metrics).

pub mod atomic_file;
pub mod context;
pub mod error;
pub mod facts;
pub mod lifecycle;
pub mod metrics;
pub mod notify;
pub mod outcome;
pub mod report;
pub mod state;
pub mod update;
pub mod watch;
pub mod zones;
