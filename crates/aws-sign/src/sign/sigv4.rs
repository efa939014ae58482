//! AWS Signature Version 4 for services other than S3 (Route 53, EC2, ...).
//!
//! The steps, each a pure function so a server can check a signature with the
//! same pieces:
//! 1. [`canonical_request`]: method, normalized and encoded path, sorted
//!    query, sorted lowercase headers, the signed-header list, hex SHA-256 of
//!    the body;
//! 2. [`string_to_sign`]: `AWS4-HMAC-SHA256`, the time, the credential scope
//!    `<date>/<region>/<service>/aws4_request`, hex SHA-256 of step 1;
//! 3. [`signing_key`]: `HMAC("AWS4"+secret, date)`, then region, service,
//!    `aws4_request`; the signature is hex HMAC of step 2 under that key.
//!
//! `host`, `x-amz-date` and (for temporary credentials) `x-amz-security-token`
//! are always signed, with every header the caller passes.

use super::{AddedHeader, SignableRequest, hex, hmac_sha256, sha256_hex};
use crate::credentials::Credentials;
use crate::timestamp::Timestamp;

/// The `Authorization` algorithm name of SigV4.
pub const ALGORITHM: &str = "AWS4-HMAC-SHA256";

/// The result of signing, with the intermediate strings for diagnostics.
/// `Debug` redacts the token and the signature: in the headers, and the
/// token's line in the canonical request.
#[derive(Clone)]
pub struct Signed {
    /// `X-Amz-Date`, `X-Amz-Security-Token` (temporary credentials only),
    /// `Authorization`.
    pub headers: Vec<AddedHeader>,
    /// The canonical request that was hashed.
    pub canonical_request: String,
    /// The string that was signed.
    pub string_to_sign: String,
}

impl std::fmt::Debug for Signed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Signed")
            .field("headers", &self.headers)
            .field(
                "canonical_request",
                &redact_canonical_request(&self.canonical_request),
            )
            .field("string_to_sign", &self.string_to_sign)
            .finish()
    }
}

/// Query parameters of a presigned URL that carry a secret.
const SECRET_QUERY_KEYS: &[&str] = &["X-Amz-Security-Token", "X-Amz-Signature"];

/// `canonical` with the values of secret headers (the session token) and
/// secret query parameters replaced by `** redacted **`, for diagnostics.
pub fn redact_canonical_request(canonical: &str) -> String {
    let redacted = crate::secret::REDACTED;
    canonical
        .split('\n')
        .enumerate()
        .map(|(i, line)| {
            if i == 2 {
                return line
                    .split('&')
                    .map(|pair| match pair.split_once('=') {
                        Some((k, _))
                            if SECRET_QUERY_KEYS.iter().any(|s| s.eq_ignore_ascii_case(k)) =>
                        {
                            format!("{k}={redacted}")
                        }
                        _ => pair.to_owned(),
                    })
                    .collect::<Vec<_>>()
                    .join("&");
            }
            match line.split_once(':') {
                Some((name, _)) if i > 2 && super::is_secret_header(name) => {
                    format!("{name}:{redacted}")
                }
                _ => line.to_owned(),
            }
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// Signs `request` for `service` in `region` at `time`.
pub fn sign(
    request: &SignableRequest<'_>,
    credentials: &Credentials,
    time: Timestamp,
    region: &str,
    service: &str,
) -> Signed {
    let amz_date = time.amz_date();
    let mut headers: Vec<(&str, &str)> = Vec::with_capacity(request.headers.len() + 3);
    headers.push(("host", request.host));
    headers.push(("x-amz-date", &amz_date));
    if let Some(token) = &credentials.session_token {
        headers.push(("x-amz-security-token", token.expose()));
    }
    headers.extend_from_slice(request.headers);

    let payload_hash = sha256_hex(request.body);
    let (canonical_request, signed_headers) = canonical_request(
        request.method,
        request.path,
        request.query,
        &headers,
        &payload_hash,
    );
    let scope = credential_scope(&time.date_stamp(), region, service);
    let string_to_sign = string_to_sign(&amz_date, &scope, &canonical_request);
    let key = signing_key(
        credentials.secret_access_key.expose(),
        &time.date_stamp(),
        region,
        service,
    );
    let signature = signature(&key, &string_to_sign);
    let authorization = format!(
        "{ALGORITHM} Credential={}/{scope}, SignedHeaders={signed_headers}, Signature={signature}",
        credentials.access_key_id
    );

    let mut added = vec![AddedHeader::plain("X-Amz-Date", amz_date.clone())];
    if let Some(token) = &credentials.session_token {
        added.push(AddedHeader::secret(
            "X-Amz-Security-Token",
            token.expose().to_owned(),
        ));
    }
    added.push(AddedHeader::secret("Authorization", authorization));
    Signed {
        headers: added,
        canonical_request,
        string_to_sign,
    }
}

/// `<date>/<region>/<service>/aws4_request`.
pub fn credential_scope(date_stamp: &str, region: &str, service: &str) -> String {
    format!("{date_stamp}/{region}/{service}/aws4_request")
}

/// Builds the canonical request; returns it with the `SignedHeaders` list.
///
/// `headers` are all the headers to sign (names in any case, duplicates
/// allowed: their values are joined with `,` in order).
pub fn canonical_request(
    method: &str,
    path: &str,
    query: &str,
    headers: &[(&str, &str)],
    payload_hash: &str,
) -> (String, String) {
    let mut lowered: Vec<(String, String)> = headers
        .iter()
        .map(|(name, value)| (name.to_ascii_lowercase(), trim_all(value)))
        .collect();
    // Stable sort: values of a repeated header keep their order.
    lowered.sort_by(|a, b| a.0.cmp(&b.0));

    let mut canonical_headers = String::new();
    let mut signed_headers = String::new();
    let mut previous: Option<&str> = None;
    for (name, value) in &lowered {
        if previous == Some(name.as_str()) {
            canonical_headers.push(',');
        } else {
            if previous.is_some() {
                canonical_headers.push('\n');
                signed_headers.push(';');
            }
            canonical_headers.push_str(name);
            canonical_headers.push(':');
            signed_headers.push_str(name);
        }
        canonical_headers.push_str(value);
        previous = Some(name);
    }
    canonical_headers.push('\n');

    let request = format!(
        "{method}\n{}\n{}\n{canonical_headers}\n{signed_headers}\n{payload_hash}",
        canonical_uri(path),
        canonical_query(query),
    );
    (request, signed_headers)
}

/// `AWS4-HMAC-SHA256\n<amz date>\n<scope>\n<hex sha256(canonical request)>`.
pub fn string_to_sign(amz_date: &str, scope: &str, canonical_request: &str) -> String {
    format!(
        "{ALGORITHM}\n{amz_date}\n{scope}\n{}",
        sha256_hex(canonical_request.as_bytes())
    )
}

/// The derived key: `HMAC(HMAC(HMAC(HMAC("AWS4"+secret, date), region), service), "aws4_request")`.
pub fn signing_key(
    secret_access_key: &str,
    date_stamp: &str,
    region: &str,
    service: &str,
) -> [u8; 32] {
    let k_secret = format!("AWS4{secret_access_key}");
    let k_date = hmac_sha256(k_secret.as_bytes(), date_stamp.as_bytes());
    let k_region = hmac_sha256(&k_date, region.as_bytes());
    let k_service = hmac_sha256(&k_region, service.as_bytes());
    hmac_sha256(&k_service, b"aws4_request")
}

/// Hex HMAC-SHA256 of the string to sign under the derived key.
pub fn signature(signing_key: &[u8; 32], string_to_sign: &str) -> String {
    hex(&hmac_sha256(signing_key, string_to_sign.as_bytes()))
}

/// The fields of an `Authorization: AWS4-HMAC-SHA256 ...` value, for a server
/// that checks it. `Debug` redacts the signature.
#[derive(PartialEq, Eq)]
pub struct ParsedAuthorization<'a> {
    /// The access key id, from the credential scope.
    pub access_key_id: &'a str,
    /// `YYYYMMDD`, from the credential scope.
    pub date_stamp: &'a str,
    /// The region, from the credential scope.
    pub region: &'a str,
    /// The service, from the credential scope.
    pub service: &'a str,
    /// The `SignedHeaders` names, in the order given.
    pub signed_headers: Vec<&'a str>,
    /// The hex signature.
    pub signature: &'a str,
}

impl std::fmt::Debug for ParsedAuthorization<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ParsedAuthorization")
            .field("access_key_id", &self.access_key_id)
            .field("date_stamp", &self.date_stamp)
            .field("region", &self.region)
            .field("service", &self.service)
            .field("signed_headers", &self.signed_headers)
            .field("signature", &crate::secret::REDACTED)
            .finish()
    }
}

/// Splits an `Authorization` value; `None` when it is not a complete SigV4 one.
pub fn parse_authorization(value: &str) -> Option<ParsedAuthorization<'_>> {
    let rest = value.strip_prefix(ALGORITHM)?.strip_prefix(' ')?;
    let (mut credential, mut signed, mut signature) = (None, None, None);
    for part in rest.split(',') {
        let (key, val) = part.trim().split_once('=')?;
        match key {
            "Credential" => credential = Some(val),
            "SignedHeaders" => signed = Some(val),
            "Signature" => signature = Some(val),
            _ => return None,
        }
    }
    let mut scope = credential?.split('/');
    let parsed = ParsedAuthorization {
        access_key_id: scope.next()?,
        date_stamp: scope.next()?,
        region: scope.next()?,
        service: scope.next()?,
        signed_headers: signed?.split(';').collect(),
        signature: signature?,
    };
    (scope.next()? == "aws4_request" && scope.next().is_none()).then_some(parsed)
}

/// Trims a header value and collapses each run of whitespace to one space.
fn trim_all(value: &str) -> String {
    value.split_ascii_whitespace().collect::<Vec<_>>().join(" ")
}

/// Normalizes the path (dot segments and repeated slashes removed, as AWS does
/// for every service but S3) and URI-encodes it, keeping `/`.
fn canonical_uri(path: &str) -> String {
    if path.is_empty() {
        return "/".to_owned();
    }
    let mut segments: Vec<&str> = Vec::new();
    for segment in path.split('/') {
        match segment {
            "" | "." => {}
            ".." => {
                segments.pop();
            }
            s => segments.push(s),
        }
    }
    let mut out = String::with_capacity(path.len() + 8);
    if path.starts_with('/') {
        out.push('/');
    }
    for (i, segment) in segments.iter().enumerate() {
        if i > 0 {
            out.push('/');
        }
        uri_encode_into(&mut out, segment.as_bytes());
    }
    if path.ends_with('/') && !segments.is_empty() {
        out.push('/');
    }
    out
}

/// Decodes each `key=value` pair, re-encodes it with the SigV4 rules and sorts
/// by key, then value. A key without `=` gets an empty value.
fn canonical_query(query: &str) -> String {
    let mut pairs: Vec<(String, String)> = query
        .split('&')
        .filter(|pair| !pair.is_empty())
        .map(|pair| {
            let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
            (reencode(key), reencode(value))
        })
        .collect();
    pairs.sort();
    let mut out = String::new();
    for (i, (key, value)) in pairs.iter().enumerate() {
        if i > 0 {
            out.push('&');
        }
        out.push_str(key);
        out.push('=');
        out.push_str(value);
    }
    out
}

/// URI-encodes a string with the SigV4 rules (RFC 3986 unreserved characters
/// stay, everything else is `%XX`): also right for building query strings.
pub fn uri_encode(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    uri_encode_into(&mut out, value.as_bytes());
    out
}

fn reencode(component: &str) -> String {
    let mut out = String::with_capacity(component.len());
    uri_encode_into(&mut out, &percent_decode(component));
    out
}

fn percent_decode(s: &str) -> Vec<u8> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%'
            && let (Some(h), Some(l)) = (
                bytes.get(i + 1).and_then(|c| hex_value(*c)),
                bytes.get(i + 2).and_then(|c| hex_value(*c)),
            )
        {
            out.push(h << 4 | l);
            i += 3;
            continue;
        }
        out.push(bytes[i]);
        i += 1;
    }
    out
}

fn hex_value(c: u8) -> Option<u8> {
    match c {
        b'0'..=b'9' => Some(c - b'0'),
        b'a'..=b'f' => Some(c - b'a' + 10),
        b'A'..=b'F' => Some(c - b'A' + 10),
        _ => None,
    }
}

/// RFC 3986 encoding: unreserved characters stay, every other byte is `%XX`
/// (upper-case hex).
fn uri_encode_into(out: &mut String, bytes: &[u8]) {
    const UPPER: &[u8; 16] = b"0123456789ABCDEF";
    for &b in bytes {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(b as char);
        } else {
            out.push('%');
            out.push(UPPER[usize::from(b >> 4)] as char);
            out.push(UPPER[usize::from(b & 0x0f)] as char);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn path_normalization() {
        assert_eq!(canonical_uri(""), "/");
        assert_eq!(canonical_uri("/"), "/");
        assert_eq!(canonical_uri("//example//"), "/example/");
        assert_eq!(canonical_uri("/example/.."), "/");
        assert_eq!(canonical_uri("/a/b/../../c/./d/"), "/c/d/");
        assert_eq!(canonical_uri("/example space/"), "/example%20space/");
        // An already-encoded path is encoded once more (non-S3 services).
        assert_eq!(canonical_uri("/a%20b"), "/a%2520b");
        assert_eq!(
            canonical_uri("/2013-04-01/hostedzone/Z1/rrset/"),
            "/2013-04-01/hostedzone/Z1/rrset/"
        );
    }

    #[test]
    fn query_canonicalization() {
        assert_eq!(canonical_query(""), "");
        assert_eq!(canonical_query("b=2&a=1&a=0"), "a=0&a=1&b=2");
        assert_eq!(canonical_query("Param1"), "Param1=");
        assert_eq!(canonical_query("name=a%2Ab&x=%7e"), "name=a%2Ab&x=~");
        assert_eq!(canonical_query("k=a+b"), "k=a%2Bb");
        assert_eq!(uri_encode("*.example.com."), "%2A.example.com.");
    }

    #[test]
    fn authorization_round_trip() {
        let v = "AWS4-HMAC-SHA256 Credential=AKID/20150830/us-east-1/route53/aws4_request, SignedHeaders=host;x-amz-date, Signature=abc";
        let p = parse_authorization(v).unwrap();
        assert_eq!(p.access_key_id, "AKID");
        assert_eq!(p.region, "us-east-1");
        assert_eq!(p.service, "route53");
        assert_eq!(p.signed_headers, vec!["host", "x-amz-date"]);
        assert_eq!(p.signature, "abc");
        assert!(
            parse_authorization(
                "AWS4-HMAC-SHA256 Credential=AKID/2015/r/s, SignedHeaders=host, Signature=x"
            )
            .is_none()
        );
        assert!(parse_authorization("AWS3-HTTPS AWSAccessKeyId=x").is_none());
    }
}
