//! AWS request signing, pure: a request description, credentials and a time
//! go in, the headers to add come out. No clock reads beyond
//! [`Timestamp::now`], no network, no environment, no async runtime, so the
//! signers are pinned byte for byte by AWS's reference vectors (`vectors/`
//! in this crate, tested by `tests/signing_vectors.rs`).
//!
//! | module | concept |
//! |---|---|
//! | [`sign`] | AWS3-HTTPS and SigV4 signers, header redaction |
//! | [`credentials`] | the key pair and session token a signer uses |
//! | [`secret`] | a string whose `Debug` is redacted |
//! | [`timestamp`] | UTC instants in the text forms AWS uses |
#![warn(unreachable_pub, missing_docs, missing_debug_implementations)]

pub mod credentials;
pub mod secret;
pub mod sign;
pub mod timestamp;

pub use credentials::Credentials;
pub use secret::{REDACTED, Secret};
pub use sign::{AddedHeader, Scheme, SignableRequest, aws3_https, is_secret_header, sigv4};
pub use timestamp::Timestamp;
