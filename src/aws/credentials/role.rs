//! Instance role credentials from IMDS: `meta-data/iam/security-credentials/`
//! lists the role, `.../<role>` holds a JSON document:
//!
//! ```json
//! {"Code":"Success","LastUpdated":"...","Type":"AWS-HMAC","AccessKeyId":"ASIA...",
//!  "SecretAccessKey":"...","Token":"...","Expiration":"2026-11-23T15:00:00Z"}
//! ```
//!
//! A `Code` other than `Success` (e.g. `AssumeRoleUnauthorizedAccess`, with
//! HTTP 200) is an error quoting its `Message`.

use super::Credentials;
use crate::aws::imds::{Imds, ImdsError};
use crate::aws::retry::Deadline;
use aws_sign::secret::Secret;
use aws_sign::timestamp::Timestamp;
use serde::Deserialize;

pub(crate) const ROLE_LIST_PATH: &str = "meta-data/iam/security-credentials/";

/// Why the instance role cannot give credentials.
#[derive(Debug, thiserror::Error)]
pub enum RoleError {
    /// IMDS lists no role.
    #[error("no instance role is attached (IMDS {ROLE_LIST_PATH} is empty)")]
    NoRole,
    /// IMDS answered with a `Code` other than `Success`.
    #[error("the instance role {role} cannot be used: IMDS says {code}: {message}")]
    NotSuccess {
        /// The role's name.
        role: String,
        /// The document's `Code`.
        code: String,
        /// The document's `Message`.
        message: String,
    },
    /// The document is not the JSON IMDS serves.
    #[error("the credentials document for role {role} is malformed: {reason}")]
    Malformed {
        /// The role's name.
        role: String,
        /// What is wrong with the document.
        reason: String,
    },
    /// IMDS itself failed.
    #[error(transparent)]
    Imds(#[from] ImdsError),
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct Document {
    code: Option<String>,
    message: Option<String>,
    access_key_id: Option<String>,
    secret_access_key: Option<Secret>,
    token: Option<Secret>,
    expiration: Option<String>,
}

/// The role name and its current credentials.
pub(crate) async fn fetch(
    imds: &Imds,
    deadline: Deadline,
) -> Result<(String, Credentials), RoleError> {
    let listing = imds.get(ROLE_LIST_PATH, deadline).await?;
    let role = listing
        .as_deref()
        .and_then(|l| l.lines().map(str::trim).find(|l| !l.is_empty()))
        .ok_or(RoleError::NoRole)?
        .to_owned();
    if role.contains('/') || role.contains("..") {
        return Err(RoleError::Malformed {
            role,
            reason: "the role name is not a plain name".into(),
        });
    }
    let body = imds
        .get(&format!("{ROLE_LIST_PATH}{role}"), deadline)
        .await?
        .ok_or_else(|| RoleError::Malformed {
            role: role.clone(),
            reason: "the document is missing (HTTP 404)".into(),
        })?;
    let credentials = parse(&role, &body)?;
    Ok((role, credentials))
}

/// Parses a credentials document.
pub fn parse(role: &str, body: &str) -> Result<Credentials, RoleError> {
    let malformed = |reason: String| RoleError::Malformed {
        role: role.to_owned(),
        reason,
    };
    // IMDS sends an object; serde would also take a positional array.
    if !body.trim_start().starts_with('{') {
        return Err(malformed("not a JSON object".into()));
    }
    // Only the kind and position of a JSON error are shown: its full message
    // can quote a value from the document, which may be a secret.
    let doc: Document = serde_json::from_str(body).map_err(|e| {
        let kind = match e.classify() {
            serde_json::error::Category::Syntax => "syntax error",
            serde_json::error::Category::Eof => "truncated",
            serde_json::error::Category::Data => "unexpected value",
            serde_json::error::Category::Io => "read error",
        };
        malformed(format!(
            "not JSON ({kind} at line {} column {})",
            e.line(),
            e.column()
        ))
    })?;
    let code = doc.code.unwrap_or_else(|| "Success".to_owned());
    if code != "Success" {
        return Err(RoleError::NotSuccess {
            role: role.to_owned(),
            code,
            message: doc.message.unwrap_or_else(|| "(no message)".into()),
        });
    }
    let access_key_id = doc
        .access_key_id
        .filter(|s| !s.is_empty())
        .ok_or_else(|| malformed("AccessKeyId is missing".into()))?;
    let secret = doc
        .secret_access_key
        .filter(|s| !s.is_empty())
        .ok_or_else(|| malformed("SecretAccessKey is missing".into()))?;
    let token = doc.token.filter(|s| !s.is_empty()).ok_or_else(|| {
        malformed("Token is missing (role credentials are temporary and need it)".into())
    })?;
    let expiration = match doc.expiration {
        None => None,
        Some(text) => Some(
            Timestamp::parse_rfc3339(&text)
                .ok_or_else(|| malformed(format!("Expiration {text:?} is not an RFC 3339 time")))?,
        ),
    };
    Ok(Credentials {
        access_key_id,
        secret_access_key: secret,
        session_token: Some(token),
        expiration,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_a_success_document() {
        let c = parse(
            "web",
            r#"{"Code":"Success","LastUpdated":"2026-11-23T09:00:00Z","Type":"AWS-HMAC","AccessKeyId":"ASIAX","SecretAccessKey":"sek/ret","Token":"tok","Expiration":"2026-11-23T15:00:00Z"}"#,
        )
        .unwrap();
        assert_eq!(c.access_key_id, "ASIAX");
        assert_eq!(c.secret_access_key.expose(), "sek/ret");
        assert_eq!(c.session_token.unwrap().expose(), "tok");
        assert_eq!(c.expiration.unwrap().rfc3339(), "2026-11-23T15:00:00Z");
    }

    #[test]
    fn an_error_document_quotes_its_message() {
        let e = parse(
            "web",
            r#"{"Code":"AssumeRoleUnauthorizedAccess","Message":"EC2 cannot assume the role web.","LastUpdated":"2026-11-23T09:00:00Z"}"#,
        )
        .unwrap_err()
        .to_string();
        assert_eq!(
            e,
            "the instance role web cannot be used: IMDS says AssumeRoleUnauthorizedAccess: EC2 cannot assume the role web."
        );
    }

    #[test]
    fn malformed_documents_are_clear_and_leak_nothing() {
        for (body, want) in [
            ("not json SECRETSECRET", "not a JSON object"),
            (
                r#"["Success",null,"AKID","SECRETSECRET","TOKEN",null]"#,
                "not a JSON object",
            ),
            (
                r#"{"Code":"Success","AccessKeyId":"A","Token":"SECRETSECRET"}"#,
                "SecretAccessKey is missing",
            ),
            (
                r#"{"Code":"Success","AccessKeyId":"A","SecretAccessKey":"SECRETSECRET"}"#,
                "Token is missing",
            ),
            (
                r#"{"AccessKeyId":"A","SecretAccessKey":"S","Token":"T","Expiration":"tomorrow"}"#,
                "not an RFC 3339",
            ),
            (r#"{"AccessKeyId":5}"#, "not JSON"),
        ] {
            let e = parse("web", body).unwrap_err().to_string();
            assert!(e.contains(want), "{body}: {e}");
            assert!(!e.contains("SECRETSECRET"), "{e}");
        }
    }
}
