//! Request signing: `sign::sigv4::sign` (and `sign::sign` with both schemes)
//! on any request, credentials and time never panics, and the
//! `Authorization` values it produces parse back to what was signed.
//! `sigv4::parse_authorization` and `aws3_https::parse_authorization` take
//! any string (a server checks whatever a client sends).
#![no_main]

use arbitrary::Arbitrary;
use aws_sign::Credentials;
use aws_sign::Timestamp;
use aws_sign::sign::{self, Scheme, SignableRequest, aws3_https, sigv4};
use libfuzzer_sys::fuzz_target;

/// Seconds since the epoch are kept within ±10^11 (±3000 years).
const RANGE: i64 = 100_000_000_000;

#[derive(Arbitrary, Debug)]
struct Input<'a> {
    method: &'a str,
    host: &'a str,
    path: &'a str,
    query: &'a str,
    headers: Vec<(&'a str, &'a str)>,
    body: &'a [u8],
    access_key_id: &'a str,
    secret: &'a str,
    token: Option<&'a str>,
    time: i64,
    region: &'a str,
    service: &'a str,
    /// Arbitrary `Authorization` / `X-Amzn-Authorization` values.
    sigv4_authorization: &'a str,
    aws3_authorization: &'a str,
}

/// A scope or header-name component that cannot contain the separators of
/// an `Authorization` value (`/`, `,`, `;`, `=`, spaces).
fn plain(s: &str) -> bool {
    !s.is_empty()
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
}

fuzz_target!(|input: Input<'_>| {
    let _ = sigv4::parse_authorization(input.sigv4_authorization);
    let _ = aws3_https::parse_authorization(input.aws3_authorization);
    let _ = sigv4::uri_encode(input.path);

    let time = Timestamp::from_unix(input.time.rem_euclid(2 * RANGE + 1) - RANGE);
    let credentials = match input.token {
        Some(token) => Credentials::new_temporary(input.access_key_id, input.secret, token, None),
        None => Credentials::new_static(input.access_key_id, input.secret),
    };
    let request = SignableRequest {
        method: input.method,
        host: input.host,
        path: input.path,
        query: input.query,
        headers: &input.headers,
        body: input.body,
    };

    let signed = sigv4::sign(&request, &credentials, time, input.region, input.service);
    let authorization = signed
        .headers
        .iter()
        .find(|h| h.name == "Authorization")
        .expect("sigv4 always adds Authorization");
    assert!(authorization.sensitive);
    if plain(input.access_key_id)
        && plain(input.region)
        && plain(input.service)
        && input.headers.iter().all(|(name, _)| plain(name))
    {
        let parsed = sigv4::parse_authorization(&authorization.value)
            .unwrap_or_else(|| panic!("cannot parse our own {:?}", authorization.value));
        assert_eq!(parsed.access_key_id, input.access_key_id);
        assert_eq!(parsed.date_stamp, time.date_stamp());
        assert_eq!(parsed.region, input.region);
        assert_eq!(parsed.service, input.service);
        assert_eq!(parsed.signature.len(), 64);
        assert!(parsed.signed_headers.contains(&"host"));
        assert!(parsed.signed_headers.contains(&"x-amz-date"));
        assert_eq!(
            parsed.signed_headers.contains(&"x-amz-security-token"),
            input.token.is_some()
        );
    }

    let aws3 = sign::sign(
        Scheme::Aws3Https,
        &request,
        &credentials,
        time,
        input.region,
        input.service,
    );
    let authorization = aws3
        .iter()
        .find(|h| h.name == "X-Amzn-Authorization")
        .expect("aws3-https always adds X-Amzn-Authorization");
    if plain(input.access_key_id) {
        let parsed = aws3_https::parse_authorization(&authorization.value)
            .unwrap_or_else(|| panic!("cannot parse our own {:?}", authorization.value));
        assert_eq!(parsed.access_key_id, input.access_key_id);
        assert_eq!(parsed.algorithm, "HmacSHA256");
        assert_eq!(
            parsed.signature,
            aws3_https::signature(input.secret, &time.http_date())
        );
    }
    let _ = sign::sign(
        Scheme::SigV4,
        &request,
        &credentials,
        time,
        input.region,
        input.service,
    );
});
