//! All integration tests, built as one binary (shared helpers in `util`).
mod assume_role;
mod calls;
mod cli;
mod docs;
mod faults;
mod lifecycle;
mod moto;
mod pools;
mod proxy;
mod records;
mod safety;
mod secrets;
mod update;
mod util;
