//! Talking to AWS: HTTP clients, the IMDS session, the credential chain,
//! retry policy and deadlines, clock-skew correction. Signing itself is the
//! `aws_sign` crate. Knows nothing of records or of the config file.

pub mod client;
pub mod clock;
pub mod credentials;
pub mod http;
pub mod imds;
pub mod retry;
