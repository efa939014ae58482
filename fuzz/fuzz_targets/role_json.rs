//! Instance role credentials documents: `credentials::role::parse` never
//! panics, and its errors never quote a secret from the document.
//!
//! "Quote a secret" is checked two ways:
//! - the decoded values of `SecretAccessKey` and `Token` (when 16+ bytes);
//! - every 16-byte run of key-like characters (`A-Za-z0-9+/=`) in the raw
//!   input, as a secret would appear if the JSON error text echoed it.
//!
//! The fields an error is meant to quote (`Code`, `Message`, `Expiration`)
//! are allowed to appear: a run that is part of one of them is not a leak.
#![no_main]

use ec2_dns_updater::aws::credentials::role;
use libfuzzer_sys::fuzz_target;
use serde::Deserialize;

const MIN_SECRET: usize = 16;

/// The library's credentials document, field for field and in the same order
/// (serde also reads a struct from a JSON array, by position), with the
/// secrets as plain strings. Unknown fields are ignored, as the library does.
#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct Mirror {
    code: Option<String>,
    message: Option<String>,
    #[allow(dead_code)]
    access_key_id: Option<String>,
    secret_access_key: Option<String>,
    token: Option<String>,
    expiration: Option<String>,
}

fn key_like(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'+' | b'/' | b'=')
}

fuzz_target!(|data: &[u8]| {
    let body = String::from_utf8_lossy(data);
    let body = body.as_ref();
    let Err(error) = role::parse("role", body) else {
        return;
    };
    let message = error.to_string();

    // Values the error may legitimately show, and the secrets it must not:
    // read with the same shape as the library's document, so whatever it
    // accepted is read here too.
    let mut allowed: Vec<String> = vec!["role".into()];
    let mut secrets: Vec<String> = Vec::new();
    if let Ok(doc) = serde_json::from_str::<Mirror>(body) {
        for text in [doc.code, doc.message, doc.expiration]
            .into_iter()
            .flatten()
        {
            // Quoted as is (`Code`, `Message`) or with `{:?}` (`Expiration`).
            allowed.push(format!("{text:?}"));
            allowed.push(text);
        }
        secrets.extend([doc.secret_access_key, doc.token].into_iter().flatten());
    }
    let is_allowed = |s: &str| allowed.iter().any(|a| a.contains(s));

    for secret in &secrets {
        if secret.len() >= MIN_SECRET && !is_allowed(secret) {
            assert!(
                !message.contains(secret.as_str()),
                "the error quotes a secret: {message:?}"
            );
        }
    }
    for window in data.windows(MIN_SECRET) {
        if window.iter().all(|b| key_like(*b)) {
            let run = std::str::from_utf8(window).expect("ASCII");
            if !is_allowed(run) {
                assert!(
                    !message.contains(run),
                    "the error quotes {run:?} from the input: {message:?}"
                );
            }
        }
    }
});
