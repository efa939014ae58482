//! Request signing, pure: a request description, credentials and a time go in,
//! the headers to add come out. Nothing here reads the clock, the network or
//! the environment, so every byte is pinned by tests against AWS's reference
//! vectors (`vectors/` in this crate).
//!
//! - [`aws3_https`]: the legacy AWS3-HTTPS scheme (signs only the `Date` value).
//! - [`sigv4`]: Signature Version 4 (signs method, path, query, headers, body).

pub mod aws3_https;
pub mod sigv4;

use crate::credentials::Credentials;
use crate::secret::REDACTED;
use crate::timestamp::Timestamp;
use hmac::{Hmac, KeyInit, Mac};
use sha2::{Digest, Sha256};
use std::fmt;

/// Headers whose value is a credential: a signature, a session token, an
/// IMDS token. `Debug` output of the types here never shows their values.
const SECRET_HEADERS: &[&str] = &[
    "authorization",
    "x-amzn-authorization",
    "x-amz-security-token",
    "x-aws-ec2-metadata-token",
];

/// True when a header named `name` carries a secret (any case).
pub fn is_secret_header(name: &str) -> bool {
    SECRET_HEADERS.iter().any(|h| h.eq_ignore_ascii_case(name))
}

/// `(name, value)` pairs for `Debug`, with secret values redacted.
struct RedactedHeaders<'a>(&'a [(&'a str, &'a str)]);

impl fmt::Debug for RedactedHeaders<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list()
            .entries(
                self.0
                    .iter()
                    .map(|&(n, v)| (n, if is_secret_header(n) { REDACTED } else { v })),
            )
            .finish()
    }
}

/// Which signing scheme a request is signed with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scheme {
    /// The legacy scheme Route 53 still accepts: HMAC-SHA256 of the `Date` header.
    Aws3Https,
    /// Signature Version 4.
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
/// `Debug` redacts secret header values and shows only the body's length.
#[derive(Clone, Copy)]
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
    /// The body as it will be sent.
    pub body: &'a [u8],
}

impl fmt::Debug for SignableRequest<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SignableRequest")
            .field("method", &self.method)
            .field("host", &self.host)
            .field("path", &self.path)
            .field("query", &self.query)
            .field("headers", &RedactedHeaders(self.headers))
            .field("body_len", &self.body.len())
            .finish()
    }
}

/// One header a signer adds to a request. `Debug` prints a sensitive
/// header's value as `** redacted **`.
#[derive(Clone, PartialEq, Eq)]
pub struct AddedHeader {
    /// The header's name, lowercase.
    pub name: &'static str,
    /// The header's value.
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

impl fmt::Debug for AddedHeader {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let value = if self.sensitive || is_secret_header(self.name) {
            REDACTED
        } else {
            &self.value
        };
        f.debug_struct("AddedHeader")
            .field("name", &self.name)
            .field("value", &value)
            .field("sensitive", &self.sensitive)
            .finish()
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

#[cfg(test)]
mod tests {
    use super::*;

    const SECRET: &str = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
    const TOKEN: &str = "IQoJb3JpZ2luX2VjEXAMPLETOKENtokenTOKEN0000";

    /// Both Debug forms of `value`, checked for every secret in `secrets`.
    #[track_caller]
    fn assert_redacted(value: &dyn fmt::Debug, secrets: &[&str]) {
        for shown in [format!("{value:?}"), format!("{value:#?}")] {
            for s in secrets {
                assert!(!shown.contains(s), "{s:?} shown in:\n{shown}");
            }
            assert!(shown.contains(REDACTED), "{shown}");
        }
    }

    /// What follows `Signature=` in an authorization value.
    fn signature_in(auth: &str) -> String {
        let (_, sig) = auth.split_once("Signature=").expect("a signature");
        assert!(sig.len() >= 40, "{sig}");
        sig.to_owned()
    }

    fn request<'a>(headers: &'a [(&'a str, &'a str)]) -> SignableRequest<'a> {
        SignableRequest {
            method: "POST",
            host: "route53.amazonaws.com",
            path: "/2013-04-01/hostedzone/Z1/rrset/",
            query: "",
            headers,
            body: b"<ChangeResourceRecordSetsRequest/>",
        }
    }

    #[test]
    fn signed_headers_never_show_the_token_or_signature() {
        let creds = Credentials::new_temporary("ASIAEXAMPLE", SECRET, TOKEN, None);
        let time = Timestamp::from_unix(1_440_938_160);
        let req = request(&[]);
        for scheme in [Scheme::Aws3Https, Scheme::SigV4] {
            let headers = sign(scheme, &req, &creds, time, "us-east-1", "route53");
            let signatures: Vec<String> = headers
                .iter()
                .filter(|h| h.name.to_ascii_lowercase().ends_with("authorization"))
                .map(|h| signature_in(&h.value))
                .collect();
            assert_eq!(signatures.len(), 1, "{scheme:?}");
            let mut secrets = vec![SECRET, TOKEN];
            secrets.extend(signatures.iter().map(String::as_str));
            assert_redacted(&headers, &secrets);
            for h in &headers {
                if h.sensitive {
                    assert_redacted(h, &secrets);
                }
            }
            // The Date header is not a secret and stays readable.
            assert!(format!("{headers:?}").contains("X-Amz-Date") || scheme == Scheme::Aws3Https);
        }
        let signed = sigv4::sign(&req, &creds, time, "us-east-1", "route53");
        assert!(
            signed.canonical_request.contains(TOKEN),
            "the token is signed"
        );
        let signature = signature_in(&signed.headers.last().unwrap().value);
        assert_redacted(&signed, &[SECRET, TOKEN, &signature]);
        assert!(format!("{signed:?}").contains("x-amz-security-token:"));
    }

    #[test]
    fn requests_and_parsed_authorizations_redact_secrets() {
        let sig = "f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41";
        let auth = format!(
            "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/route53/aws4_request, SignedHeaders=host;x-amz-date, Signature={sig}"
        );
        let parsed = sigv4::parse_authorization(&auth).unwrap();
        assert_redacted(&parsed, &[sig]);
        assert!(format!("{parsed:?}").contains("AKIDEXAMPLE"));
        let aws3 = aws3_https::authorization("AKIDEXAMPLE", "c2lnbmF0dXJlRVhBTVBMRQ==");
        let parsed = aws3_https::parse_authorization(&aws3).unwrap();
        assert_redacted(&parsed, &["c2lnbmF0dXJlRVhBTVBMRQ"]);
        let headers = [
            ("content-type", "text/xml"),
            ("X-Amz-Security-Token", TOKEN),
            ("Authorization", auth.as_str()),
        ];
        let req = request(&headers);
        assert_redacted(&req, &[TOKEN, sig]);
        assert!(format!("{req:?}").contains("text/xml"));
    }

    #[test]
    fn canonical_requests_redact_presigned_query_secrets() {
        let canonical = format!(
            "GET\n/\nX-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Security-Token={TOKEN}&X-Amz-Signature=abcdef0123456789\nhost:example.com\nx-amz-security-token:{TOKEN}\n\nhost;x-amz-security-token\nUNSIGNED-PAYLOAD"
        );
        let shown = sigv4::redact_canonical_request(&canonical);
        assert!(!shown.contains(TOKEN), "{shown}");
        assert!(!shown.contains("abcdef0123456789"), "{shown}");
        assert!(shown.contains("X-Amz-Algorithm=AWS4-HMAC-SHA256"));
        assert!(shown.contains("host:example.com"));
        assert_eq!(shown.lines().count(), canonical.lines().count());
    }
}
