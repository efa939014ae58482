//! Authentication of signed requests (Route 53, and the STS and EC2 Query
//! APIs), as AWS checks it: which scheme, the time window, the credential
//! scope, the key (and its session token), then the signature, recomputed
//! from the request as received by the simulator's own arithmetic
//! ([`crate::sigv4`]), independent of the updater's signer.
//!
//! | problem | answer |
//! |---|---|
//! | no header of an accepted scheme | 403 MissingAuthenticationToken |
//! | header present but unparsable, no date header | 403 IncompleteSignature |
//! | SigV4 time more than 5 min off | 403 SignatureDoesNotMatch "Signature expired: ..." / "Signature not yet current: ..." |
//! | AWS3-HTTPS time more than 5 min off | 403 RequestExpired "Request has expired. Timestamp date is ..." |
//! | SigV4 scope: service not the endpoint's (`route53`, `sts`, `ec2`), other region, other date | 403 SignatureDoesNotMatch (with the reason) |
//! | unknown key; temporary key without or with a wrong token; long-term key with a token | 403 InvalidClientTokenId |
//! | temporary key past its expiration | 403 ExpiredToken |
//! | signature differs | 403 SignatureDoesNotMatch |
//!
//! Nothing here logs or echoes a signature, key secret or token.

use super::error::ApiError;
use crate::config::SchemeAcceptance;
use crate::keys::{KeyStore, KnownKey};
use crate::log::AuthScheme;
use crate::sigv4::{self, AWS3_PREFIX, SIGV4_ALGORITHM};
use aws_sign::Timestamp;
use http::HeaderMap;

/// How far a request's time may be from the simulated clock.
pub(crate) const MAX_SKEW_SECS: i64 = 300;

/// The request as received.
#[derive(Debug, Clone, Copy)]
pub(crate) struct SignedRequest<'a> {
    pub(crate) method: &'a str,
    pub(crate) path: &'a str,
    pub(crate) query: &'a str,
    pub(crate) headers: &'a HeaderMap,
    pub(crate) body: &'a [u8],
}

/// What the endpoint accepts.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Policy<'a> {
    pub(crate) aws3: SchemeAcceptance,
    pub(crate) sigv4: SchemeAcceptance,
    pub(crate) region: &'a str,
    /// The SigV4 service the credential scope must name.
    pub(crate) service: &'a str,
}

/// Who made an authenticated request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Principal {
    pub(crate) access_key_id: String,
    /// The role of temporary credentials IMDS issued (or the name of an
    /// assumed role).
    pub(crate) role: Option<String>,
    /// Credentials AssumeRole issued: the role ARN and the session name.
    pub(crate) assumed: Option<(String, String)>,
}

impl Principal {
    /// The ARN trust policies and [`crate::config::ZoneAccess`] name.
    pub(crate) fn arn(&self) -> String {
        match (&self.assumed, &self.role) {
            (Some((arn, _)), _) => arn.clone(),
            (None, Some(role)) => crate::config::instance_role_arn(role),
            (None, None) => crate::config::STATIC_USER_ARN.to_owned(),
        }
    }

    /// The caller as AWS names it in AccessDenied messages.
    pub(crate) fn caller_arn(&self, instance_id: &str) -> String {
        match (&self.assumed, &self.role) {
            (Some((arn, session)), _) => {
                let (account, name) =
                    crate::config::role_name(arn).unwrap_or((crate::config::ACCOUNT_ID, arn));
                format!("arn:aws:sts::{account}:assumed-role/{name}/{session}")
            }
            (None, Some(role)) => format!(
                "arn:aws:sts::{}:assumed-role/{role}/{instance_id}",
                crate::config::ACCOUNT_ID
            ),
            (None, None) => crate::config::STATIC_USER_ARN.to_owned(),
        }
    }
}

/// The scheme looked at (for the request log) and the verdict.
#[derive(Debug)]
pub(crate) struct Outcome {
    pub(crate) scheme: Option<AuthScheme>,
    pub(crate) result: Result<Principal, ApiError>,
}

fn header<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers.get(name).and_then(|v| v.to_str().ok())
}

/// The scheme a request's headers use, whether or not the endpoint accepts
/// it (SigV4's `Authorization` first).
pub(crate) fn scheme_of(headers: &HeaderMap) -> Option<AuthScheme> {
    if header(headers, "authorization").is_some_and(|v| v.starts_with(SIGV4_ALGORITHM)) {
        Some(AuthScheme::SigV4)
    } else if header(headers, "x-amzn-authorization").is_some_and(|v| v.starts_with(AWS3_PREFIX)) {
        Some(AuthScheme::Aws3Https)
    } else {
        None
    }
}

/// The signature a request presents, for tests that check it never leaks.
pub(crate) fn presented_signature(headers: &HeaderMap) -> Option<String> {
    if let Some(p) = header(headers, "authorization").and_then(sigv4::parse_sigv4) {
        return Some(p.signature.to_owned());
    }
    header(headers, "x-amzn-authorization")
        .and_then(sigv4::parse_aws3)
        .map(|p| p.signature.to_owned())
}

pub(crate) fn authenticate(
    req: &SignedRequest<'_>,
    policy: &Policy<'_>,
    keys: &KeyStore,
    now: Timestamp,
) -> Outcome {
    let sigv4_header =
        header(req.headers, "authorization").filter(|_| policy.sigv4 == SchemeAcceptance::Accept);
    let aws3_header = header(req.headers, "x-amzn-authorization")
        .filter(|_| policy.aws3 == SchemeAcceptance::Accept);
    if let Some(value) = sigv4_header {
        let scheme = value
            .starts_with(SIGV4_ALGORITHM)
            .then_some(AuthScheme::SigV4);
        return Outcome {
            scheme,
            result: check_sigv4(req, value, policy, keys, now),
        };
    }
    if let Some(value) = aws3_header {
        let scheme = value
            .starts_with(AWS3_PREFIX)
            .then_some(AuthScheme::Aws3Https);
        return Outcome {
            scheme,
            result: check_aws3(req, value, keys, now),
        };
    }
    // Nothing the endpoint accepts: unauthenticated, but log what was sent.
    Outcome {
        scheme: scheme_of(req.headers),
        result: Err(ApiError::missing_authentication()),
    }
}

/// Parses `20261123T100000Z`.
fn parse_amz_date(s: &str) -> Option<Timestamp> {
    let b = s.as_bytes();
    if b.len() != 16 || b[8] != b'T' || b[15] != b'Z' {
        return None;
    }
    let digits =
        |r: std::ops::Range<usize>| s.get(r).filter(|p| p.bytes().all(|c| c.is_ascii_digit()));
    let rfc = format!(
        "{}-{}-{}T{}:{}:{}Z",
        digits(0..4)?,
        digits(4..6)?,
        digits(6..8)?,
        digits(9..11)?,
        digits(11..13)?,
        digits(13..15)?
    );
    Timestamp::parse_rfc3339(&rfc)
}

/// Either form AWS accepts in `X-Amz-Date` / `Date`.
fn parse_any_date(s: &str) -> Option<Timestamp> {
    parse_amz_date(s.trim()).or_else(|| Timestamp::parse_http_date(s))
}

/// The key, its token and its expiry.
fn check_key(
    keys: &KeyStore,
    access_key_id: &str,
    headers: &HeaderMap,
    now: Timestamp,
) -> Result<KnownKey, ApiError> {
    let key = keys
        .lookup(access_key_id)
        .ok_or_else(ApiError::invalid_client_token)?;
    let sent = header(headers, "x-amz-security-token");
    let token_ok = match (&key.token, sent) {
        (Some(expected), Some(sent)) => expected.expose() == sent,
        (None, None) => true,
        _ => false,
    };
    if !token_ok {
        return Err(ApiError::invalid_client_token());
    }
    if key.expiration.is_some_and(|exp| exp <= now) {
        return Err(ApiError::expired_token());
    }
    Ok(key)
}

fn check_sigv4(
    req: &SignedRequest<'_>,
    value: &str,
    policy: &Policy<'_>,
    keys: &KeyStore,
    now: Timestamp,
) -> Result<Principal, ApiError> {
    let (region, service) = (policy.region, policy.service);
    let parsed = sigv4::parse_sigv4(value).ok_or_else(|| {
        ApiError::incomplete_signature(format!(
            "Authorization header requires 'Credential', 'SignedHeaders' and 'Signature' \
             parameters: Credential=<key id>/<date>/<region>/{service}/aws4_request, \
             SignedHeaders=<names>, Signature=<hex>."
        ))
    })?;
    let (date_text, time) = match header(req.headers, "x-amz-date") {
        Some(d) => (d, parse_amz_date(d.trim())),
        None => match header(req.headers, "date") {
            Some(d) => (d, Timestamp::parse_http_date(d)),
            None => {
                return Err(ApiError::incomplete_signature(
                    "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header.",
                ));
            }
        },
    };
    let time = time.ok_or_else(|| {
        ApiError::incomplete_signature(format!(
            "Date must be in ISO-8601 'basic format'. Got '{date_text}'."
        ))
    })?;
    let amz = time.amz_date();
    let offset = time.seconds_since(now);
    if offset < -MAX_SKEW_SECS {
        return Err(signature_message(format!(
            "Signature expired: {amz} is now earlier than {} ({} - 5 min.)",
            now.offset_by(-MAX_SKEW_SECS).amz_date(),
            now.amz_date()
        )));
    }
    if offset > MAX_SKEW_SECS {
        return Err(signature_message(format!(
            "Signature not yet current: {amz} is still later than {} ({} + 5 min.)",
            now.offset_by(MAX_SKEW_SECS).amz_date(),
            now.amz_date()
        )));
    }
    if parsed.service != service {
        return Err(signature_message(format!(
            "Credential should be scoped to correct service: '{service}'. "
        )));
    }
    if parsed.region != region {
        return Err(signature_message(format!(
            "Credential should be scoped to a valid region, not '{}'. ",
            parsed.region
        )));
    }
    if parsed.date != time.date_stamp() {
        return Err(signature_message(format!(
            "Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '{}' != '{}', from '{amz}'.",
            parsed.date,
            time.date_stamp()
        )));
    }
    if !parsed.signed_headers.contains(&"host") {
        return Err(ApiError::incomplete_signature(
            "'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization.",
        ));
    }
    let key = check_key(keys, parsed.access_key_id, req.headers, now)?;

    let received: Vec<(&str, String)> = req
        .headers
        .iter()
        .map(|(n, v)| {
            (
                n.as_str(),
                String::from_utf8_lossy(v.as_bytes()).into_owned(),
            )
        })
        .collect();
    let received: Vec<(&str, &str)> = received.iter().map(|(n, v)| (*n, v.as_str())).collect();
    let computed = sigv4::compute(
        &sigv4::Received {
            method: req.method,
            path: req.path,
            query: req.query,
            headers: &received,
            body: req.body,
        },
        &parsed,
        &amz,
        key.secret.expose(),
    );
    if !sigv4::same_signature(&computed.signature, parsed.signature) {
        return Err(ApiError::signature_does_not_match());
    }
    Ok(Principal {
        access_key_id: parsed.access_key_id.to_owned(),
        role: key.role,
        assumed: key.assumed,
    })
}

fn check_aws3(
    req: &SignedRequest<'_>,
    value: &str,
    keys: &KeyStore,
    now: Timestamp,
) -> Result<Principal, ApiError> {
    let parsed = sigv4::parse_aws3(value).ok_or_else(|| {
        ApiError::incomplete_signature(
            "X-Amzn-Authorization must be AWS3-HTTPS AWSAccessKeyId=<key id>,Algorithm=HmacSHA256,Signature=<base64>.",
        )
    })?;
    if parsed.algorithm != "HmacSHA256" {
        return Err(ApiError::incomplete_signature(format!(
            "Unsupported signing algorithm '{}': use HmacSHA256.",
            parsed.algorithm
        )));
    }
    // If X-Amz-Date is sent, AWS authenticates against it and ignores Date.
    let date_value = header(req.headers, "x-amz-date")
        .or_else(|| header(req.headers, "date"))
        .ok_or_else(|| {
            ApiError::incomplete_signature(
                "AWS3-HTTPS requires a 'Date' or 'X-Amz-Date' header: the signed value.",
            )
        })?;
    let time = parse_any_date(date_value).ok_or_else(|| {
        ApiError::incomplete_signature(format!("Timestamp date is not a valid date: {date_value}"))
    })?;
    if time.seconds_since(now).abs() > MAX_SKEW_SECS {
        return Err(ApiError::new(
            403,
            "RequestExpired",
            format!("Request has expired. Timestamp date is {date_value}"),
        ));
    }
    let key = check_key(keys, parsed.access_key_id, req.headers, now)?;
    let expected = sigv4::aws3_signature(key.secret.expose(), date_value);
    if !sigv4::same_signature(&expected, parsed.signature) {
        return Err(ApiError::signature_does_not_match());
    }
    Ok(Principal {
        access_key_id: parsed.access_key_id.to_owned(),
        role: key.role,
        assumed: key.assumed,
    })
}

fn signature_message(message: String) -> ApiError {
    ApiError::new(403, "SignatureDoesNotMatch", message)
}

#[cfg(test)]
mod tests {
    use super::*;
    use aws_sign::Credentials;
    use aws_sign::sign::{Scheme, SignableRequest, sign};
    use http::HeaderValue;

    const HOST: &str = "127.0.0.1:8053";
    const PATH: &str = "/2013-04-01/hostedzone/Z1/rrset";
    const QUERY: &str = "name=web.example.com.&type=CNAME&maxitems=1";

    fn now() -> Timestamp {
        Timestamp::parse_rfc3339("2026-11-23T11:00:00Z").unwrap()
    }

    fn store() -> KeyStore {
        let keys = KeyStore::new(&[Credentials::new_static("AKIDSTATIC", "static-secret")]);
        let role = Credentials::new_temporary(
            "ASIAROLE",
            "role-secret",
            "role-token",
            Some(now().offset_by(3600)),
        );
        keys.register_role(&role, "web-role");
        let expired = Credentials::new_temporary(
            "ASIAOLD",
            "old-secret",
            "old-token",
            Some(now().offset_by(-1)),
        );
        keys.register_role(&expired, "web-role");
        keys
    }

    fn signed(scheme: Scheme, creds: &Credentials, at: Timestamp, body: &[u8]) -> HeaderMap {
        let req = SignableRequest {
            method: "GET",
            host: HOST,
            path: PATH,
            query: QUERY,
            headers: &[],
            body,
        };
        let mut headers = HeaderMap::new();
        headers.insert("host", HeaderValue::from_static(HOST));
        for h in sign(scheme, &req, creds, at, "us-east-1", "route53") {
            headers.insert(h.name, HeaderValue::from_str(&h.value).unwrap());
        }
        headers
    }

    fn check(headers: &HeaderMap, body: &[u8]) -> Outcome {
        let req = SignedRequest {
            method: "GET",
            path: PATH,
            query: QUERY,
            headers,
            body,
        };
        let policy = Policy {
            aws3: SchemeAcceptance::Accept,
            sigv4: SchemeAcceptance::Accept,
            region: "us-east-1",
            service: "route53",
        };
        authenticate(&req, &policy, &store(), now())
    }

    fn code(outcome: &Outcome) -> &str {
        match &outcome.result {
            Ok(_) => "OK",
            Err(e) => &e.code,
        }
    }

    fn static_creds() -> Credentials {
        Credentials::new_static("AKIDSTATIC", "static-secret")
    }

    fn role_creds() -> Credentials {
        Credentials::new_temporary("ASIAROLE", "role-secret", "role-token", None)
    }

    #[test]
    fn both_schemes_accept_good_signatures() {
        for scheme in [Scheme::SigV4, Scheme::Aws3Https] {
            for creds in [static_creds(), role_creds()] {
                let outcome = check(&signed(scheme, &creds, now().offset_by(-30), b""), b"");
                assert_eq!(code(&outcome), "OK", "{scheme:?} {}", creds.access_key_id);
                let principal = outcome.result.unwrap();
                assert_eq!(principal.access_key_id, creds.access_key_id);
            }
        }
        let outcome = check(&signed(Scheme::SigV4, &role_creds(), now(), b""), b"");
        assert_eq!(outcome.scheme, Some(AuthScheme::SigV4));
        assert_eq!(outcome.result.unwrap().role.as_deref(), Some("web-role"));
    }

    #[test]
    fn missing_and_garbled_headers() {
        let mut headers = HeaderMap::new();
        headers.insert("host", HeaderValue::from_static(HOST));
        assert_eq!(code(&check(&headers, b"")), "MissingAuthenticationToken");
        headers.insert("authorization", HeaderValue::from_static("Basic abc"));
        assert_eq!(code(&check(&headers, b"")), "IncompleteSignature");
        let mut headers = signed(Scheme::SigV4, &static_creds(), now(), b"");
        headers.remove("x-amz-date");
        assert_eq!(code(&check(&headers, b"")), "IncompleteSignature");
        let mut headers = signed(Scheme::SigV4, &static_creds(), now(), b"");
        headers.insert("x-amz-date", HeaderValue::from_static("yesterday"));
        assert_eq!(code(&check(&headers, b"")), "IncompleteSignature");
    }

    #[test]
    fn bad_signatures_and_tampering() {
        let wrong = Credentials::new_static("AKIDSTATIC", "not-the-secret");
        for scheme in [Scheme::SigV4, Scheme::Aws3Https] {
            let outcome = check(&signed(scheme, &wrong, now(), b""), b"");
            assert_eq!(code(&outcome), "SignatureDoesNotMatch", "{scheme:?}");
        }
        // SigV4 covers the body; AWS3-HTTPS does not.
        let headers = signed(Scheme::SigV4, &static_creds(), now(), b"body");
        assert_eq!(code(&check(&headers, b"other")), "SignatureDoesNotMatch");
        let headers = signed(Scheme::Aws3Https, &static_creds(), now(), b"body");
        assert_eq!(code(&check(&headers, b"other")), "OK");
    }

    #[test]
    fn keys_and_tokens() {
        for scheme in [Scheme::SigV4, Scheme::Aws3Https] {
            let unknown = Credentials::new_static("AKIDUNKNOWN", "x");
            let outcome = check(&signed(scheme, &unknown, now(), b""), b"");
            assert_eq!(code(&outcome), "InvalidClientTokenId");
            // A role key without its token.
            let tokenless = Credentials::new_static("ASIAROLE", "role-secret");
            let outcome = check(&signed(scheme, &tokenless, now(), b""), b"");
            assert_eq!(code(&outcome), "InvalidClientTokenId");
            let wrong_token = Credentials::new_temporary("ASIAROLE", "role-secret", "other", None);
            let outcome = check(&signed(scheme, &wrong_token, now(), b""), b"");
            assert_eq!(code(&outcome), "InvalidClientTokenId");
            let with_token = Credentials::new_temporary("AKIDSTATIC", "static-secret", "x", None);
            let outcome = check(&signed(scheme, &with_token, now(), b""), b"");
            assert_eq!(code(&outcome), "InvalidClientTokenId");
            let expired = Credentials::new_temporary("ASIAOLD", "old-secret", "old-token", None);
            let outcome = check(&signed(scheme, &expired, now(), b""), b"");
            assert_eq!(code(&outcome), "ExpiredToken");
        }
    }

    #[test]
    fn clock_skew_messages() {
        let early = now().offset_by(-3600);
        let outcome = check(&signed(Scheme::SigV4, &static_creds(), early, b""), b"");
        let err = outcome.result.unwrap_err();
        assert_eq!(err.code, "SignatureDoesNotMatch");
        assert_eq!(
            err.message,
            "Signature expired: 20261123T100000Z is now earlier than 20261123T105500Z (20261123T110000Z - 5 min.)"
        );
        let late = now().offset_by(3600);
        let err = check(&signed(Scheme::SigV4, &static_creds(), late, b""), b"")
            .result
            .unwrap_err();
        assert_eq!(
            err.message,
            "Signature not yet current: 20261123T120000Z is still later than 20261123T110500Z (20261123T110000Z + 5 min.)"
        );
        let err = check(&signed(Scheme::Aws3Https, &static_creds(), early, b""), b"")
            .result
            .unwrap_err();
        assert_eq!(err.code, "RequestExpired");
        assert_eq!(
            err.message,
            "Request has expired. Timestamp date is Mon, 23 Nov 2026 10:00:00 GMT"
        );
        // Exactly five minutes is still fine.
        let edge = now().offset_by(-300);
        assert_eq!(
            code(&check(
                &signed(Scheme::SigV4, &static_creds(), edge, b""),
                b""
            )),
            "OK"
        );
    }

    #[test]
    fn aws3_prefers_x_amz_date() {
        let mut headers = signed(Scheme::Aws3Https, &static_creds(), now(), b"");
        // A wrong Date alongside the signed X-Amz-Date value is ignored...
        let date = headers.get("date").unwrap().clone();
        headers.insert("x-amz-date", date);
        headers.insert(
            "date",
            HeaderValue::from_static("Thu, 01 Jan 2015 00:00:00 GMT"),
        );
        assert_eq!(code(&check(&headers, b"")), "OK");
        // ...and an X-Amz-Date other than the signed value fails.
        headers.insert("x-amz-date", HeaderValue::from_static("20261123T110001Z"));
        assert_eq!(code(&check(&headers, b"")), "SignatureDoesNotMatch");
    }

    #[test]
    fn scope_checks_and_refused_schemes() {
        let req = SignableRequest {
            method: "GET",
            host: HOST,
            path: PATH,
            query: QUERY,
            headers: &[],
            body: b"",
        };
        for (region, service, needle) in [
            ("eu-west-1", "route53", "valid region"),
            ("us-east-1", "ec2", "correct service"),
        ] {
            let mut headers = HeaderMap::new();
            headers.insert("host", HeaderValue::from_static(HOST));
            for h in sign(Scheme::SigV4, &req, &static_creds(), now(), region, service) {
                headers.insert(h.name, HeaderValue::from_str(&h.value).unwrap());
            }
            let err = check(&headers, b"").result.unwrap_err();
            assert!(err.message.contains(needle), "{}", err.message);
        }
        let headers = signed(Scheme::Aws3Https, &static_creds(), now(), b"");
        let req = SignedRequest {
            method: "GET",
            path: PATH,
            query: QUERY,
            headers: &headers,
            body: b"",
        };
        let policy = Policy {
            aws3: SchemeAcceptance::Refuse,
            sigv4: SchemeAcceptance::Accept,
            region: "us-east-1",
            service: "route53",
        };
        let outcome = authenticate(&req, &policy, &store(), now());
        assert_eq!(code(&outcome), "MissingAuthenticationToken");
        // The log still says what the client sent.
        assert_eq!(outcome.scheme, Some(AuthScheme::Aws3Https));
        assert!(presented_signature(&headers).is_some());
    }

    #[test]
    fn date_parsing() {
        assert_eq!(parse_amz_date("20261123T110000Z"), Some(now()));
        for bad in [
            "",
            "20261123T110000",
            "2026112XT110000Z",
            "20261323T110000Z",
            "20261123T11000ZZ",
        ] {
            assert_eq!(parse_amz_date(bad), None, "{bad}");
        }
        assert_eq!(parse_any_date("Mon, 23 Nov 2026 11:00:00 GMT"), Some(now()));
    }
}
