//! Talking to AWS: HTTP clients, the IMDS session, the credential chain,
//! retry policy and deadlines, clock-skew correction. Signing itself is the
//! `aws_sign` crate. Knows nothing of records or of the config file.

pub(crate) mod client;
pub(crate) mod clock;
pub mod credentials;
pub(crate) mod http;
pub(crate) mod imds;
pub(crate) mod pacer;
pub mod retry;

#[cfg(test)]
mod credentials_tests;
#[cfg(test)]
mod imds_tests;
#[cfg(test)]
pub(crate) mod testing;
