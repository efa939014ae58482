//! All integration tests, built as one binary (shared helpers in `util`).
mod cli;
mod records;
mod secrets;
mod signing_vectors;
mod update;
mod util;
