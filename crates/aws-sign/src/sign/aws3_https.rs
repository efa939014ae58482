//! AWS3-HTTPS ("Signature Version 3" over HTTPS), as Route 53's original API
//! documentation and this project's source articles describe it.
//!
//! The string to sign is the `Date` header value and nothing else:
//! `Signature = base64(HMAC-SHA256(secret access key, Date))`, sent as
//! `X-Amzn-Authorization: AWS3-HTTPS AWSAccessKeyId=<id>,Algorithm=HmacSHA256,Signature=<b64>`.
//! Temporary credentials add `X-Amz-Security-Token`, which is not signed.

use super::{AddedHeader, hmac_sha256};
use crate::credentials::Credentials;
use crate::timestamp::Timestamp;
use base64::Engine;
use base64::engine::general_purpose::STANDARD;

/// The `X-Amzn-Authorization` prefix that identifies this scheme.
pub const AUTH_PREFIX: &str = "AWS3-HTTPS ";

/// Headers to add: `Date`, `X-Amz-Security-Token` (temporary credentials only)
/// and `X-Amzn-Authorization`.
pub fn sign(credentials: &Credentials, time: Timestamp) -> Vec<AddedHeader> {
    let date = time.http_date();
    let signature = signature(credentials.secret_access_key.expose(), &date);
    let mut headers = vec![AddedHeader::plain("Date", date)];
    if let Some(token) = &credentials.session_token {
        headers.push(AddedHeader::secret(
            "X-Amz-Security-Token",
            token.expose().to_owned(),
        ));
    }
    headers.push(AddedHeader::secret(
        "X-Amzn-Authorization",
        authorization(&credentials.access_key_id, &signature),
    ));
    headers
}

/// base64(HMAC-SHA256(secret, date)).
pub fn signature(secret_access_key: &str, date: &str) -> String {
    STANDARD.encode(hmac_sha256(secret_access_key.as_bytes(), date.as_bytes()))
}

/// The `X-Amzn-Authorization` value (no spaces after the commas).
pub fn authorization(access_key_id: &str, signature: &str) -> String {
    format!(
        "{AUTH_PREFIX}AWSAccessKeyId={access_key_id},Algorithm=HmacSHA256,Signature={signature}"
    )
}

/// The fields of an `X-Amzn-Authorization` value, for a server that checks
/// it. `Debug` redacts the signature.
#[derive(PartialEq, Eq)]
pub struct ParsedAuthorization<'a> {
    /// The access key id.
    pub access_key_id: &'a str,
    /// The `Algorithm` value as sent (`HmacSHA256` from a correct client).
    pub algorithm: &'a str,
    /// The base64 signature.
    pub signature: &'a str,
}

impl std::fmt::Debug for ParsedAuthorization<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ParsedAuthorization")
            .field("access_key_id", &self.access_key_id)
            .field("algorithm", &self.algorithm)
            .field("signature", &crate::secret::REDACTED)
            .finish()
    }
}

/// Splits an `X-Amzn-Authorization` value; `None` when it is not AWS3-HTTPS.
pub fn parse_authorization(value: &str) -> Option<ParsedAuthorization<'_>> {
    let rest = value.strip_prefix(AUTH_PREFIX)?;
    let (mut id, mut algorithm, mut signature) = (None, None, None);
    for part in rest.split(',') {
        let (key, val) = part.trim().split_once('=')?;
        match key {
            "AWSAccessKeyId" => id = Some(val),
            "Algorithm" => algorithm = Some(val),
            // base64 may end in '=': split_once keeps them in `val`.
            "Signature" => signature = Some(val),
            _ => return None,
        }
    }
    Some(ParsedAuthorization {
        access_key_id: id?,
        algorithm: algorithm?,
        signature: signature?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::credentials::Credentials;

    #[test]
    fn round_trips_through_the_parser() {
        let creds = Credentials::new_static("AKIDEXAMPLE", "secret");
        let t = Timestamp::from_unix(1_440_938_160);
        let headers = sign(&creds, t);
        let auth = &headers.last().unwrap().value;
        let parsed = parse_authorization(auth).unwrap();
        assert_eq!(parsed.access_key_id, "AKIDEXAMPLE");
        assert_eq!(parsed.algorithm, "HmacSHA256");
        assert_eq!(parsed.signature, signature("secret", &t.http_date()));
        assert!(parse_authorization("AWS4-HMAC-SHA256 Credential=x").is_none());
    }
}
