//! All integration tests, built as one binary (shared helpers in `util`).
mod signing_vectors;
