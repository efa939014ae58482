//! Request signing, pure: a request description, credentials and a time go in,
//! the headers to add come out. Nothing here reads the clock, the network or
//! the environment, so every byte is pinned by tests against AWS's reference
//! vectors (`vectors/` at the repository's root).
//!
//! - [`aws3_https`]: the legacy AWS3-HTTPS scheme (signs only the `Date` value).
//! - [`sigv4`]: Signature Version 4 (signs method, path, query, headers, body).

pub mod aws3_https;
pub mod sigv4;

use crate::credentials::Credentials;
use crate::timestamp::Timestamp;
use hmac::{Hmac, KeyInit, Mac};
use sha2::{Digest, Sha256};

/// Which signing scheme a request is signed with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scheme {
    Aws3Https,
    SigV4,
}

impl Scheme {
    /// The name used in the config file and in logs.
    pub fn name(self) -> &'static str {
        match self {
            Scheme::Aws3Https => "aws3-https",
            Scheme::SigV4 => "sigv4",
        }
    }
}

/// What a signer needs to know about a request, as it will be sent.
#[derive(Debug, Clone, Copy)]
pub struct SignableRequest<'a> {
    /// `GET`, `POST`, ...
    pub method: &'a str,
    /// The `Host` header value: the host, plus `:port` when it is not the
    /// scheme's default.
    pub host: &'a str,
    /// The path as sent on the wire (already percent-encoded).
    pub path: &'a str,
    /// The query string as sent, without `?` (empty when there is none).
    pub query: &'a str,
    /// Other headers that will be sent and must be signed (not `Host`).
    pub headers: &'a [(&'a str, &'a str)],
    pub body: &'a [u8],
}

/// One header a signer adds to a request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AddedHeader {
    pub name: &'static str,
    pub value: String,
    /// Carries a secret (a signature or a session token): the HTTP layer must
    /// mark it sensitive so it never appears in Debug output or logs.
    pub sensitive: bool,
}

impl AddedHeader {
    fn plain(name: &'static str, value: String) -> Self {
        AddedHeader {
            name,
            value,
            sensitive: false,
        }
    }

    fn secret(name: &'static str, value: String) -> Self {
        AddedHeader {
            name,
            value,
            sensitive: true,
        }
    }
}

/// Signs `request` with `scheme`; `region` and `service` matter to SigV4 only.
pub fn sign(
    scheme: Scheme,
    request: &SignableRequest<'_>,
    credentials: &Credentials,
    time: Timestamp,
    region: &str,
    service: &str,
) -> Vec<AddedHeader> {
    match scheme {
        Scheme::Aws3Https => aws3_https::sign(credentials, time),
        Scheme::SigV4 => sigv4::sign(request, credentials, time, region, service).headers,
    }
}

pub(crate) fn hmac_sha256(key: &[u8], message: &[u8]) -> [u8; 32] {
    let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(key)
        .expect("HMAC-SHA256 accepts keys of any length");
    mac.update(message);
    mac.finalize().into_bytes().into()
}

pub(crate) fn sha256_hex(data: &[u8]) -> String {
    hex(&Sha256::digest(data))
}

pub(crate) fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        out.push(DIGITS[usize::from(b >> 4)] as char);
        out.push(DIGITS[usize::from(b & 0x0f)] as char);
    }
    out
}
