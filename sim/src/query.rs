//! The AWS Query APIs the simulator serves besides Route 53, on the same
//! listener: `POST /` with a form body (`Action=...&Version=...`), signed
//! with SigV4. The credential scope's service picks the API:
//!
//! | service | actions | errors in the shape of |
//! |---|---|---|
//! | `sts` | `AssumeRole` | `<ErrorResponse><Error><Type>Sender</Type><Code>..` (STS namespace) |
//! | `ec2` | `DescribeInstances` | `<Response><Errors><Error><Code>..` |
//!
//! Both expect the region of [`crate::config::StsConfig::region`] /
//! [`crate::config::Ec2Config::region`], by default the instance's. The
//! fault queue, the rate limit and the `deny` list are Route 53's and do not
//! apply here.
//!
//! **AssumeRole** (`RoleArn`, `RoleSessionName` of 2 to 64 characters from
//! `[\w+=,.@-]`, optional `ExternalId` and `DurationSeconds` 900..=43200, at
//! most the role's `max_session`): a malformed parameter is 400
//! `ValidationError`; an unknown role, a caller the trust rule does not name,
//! or a missing or wrong external id is 403 `AccessDenied`. Success issues
//! `ASIA...` credentials that Route 53 (and STS, EC2) accept until they
//! expire and attribute to the role ([`crate::config::ZoneAccess`]).
//!
//! **DescribeInstances** (`InstanceId.N`, `Filter.N.Name` = `instance-id` or
//! `instance-state-name` with `Filter.N.Value.M`): `InstanceId.N` naming an
//! instance EC2 does not know fails the whole call (400
//! `InvalidInstanceID.NotFound`), a filter just matches nothing. Each
//! instance is answered in its own reservation.

use crate::config::{ACCOUNT_ID, InstanceState, SchemeAcceptance, role_name};
use crate::deps::Credentials;
use crate::http::{SimBody, random_base64, random_upper, response};
use crate::imds::metadata::fleet_instance_id;
use crate::log::{RequestLog, lock};
use crate::route53::auth::{self, Principal};
use crate::route53::error::ApiError;
use crate::sigv4;
use crate::state::State;
use http::Response;
use http::request::Parts;
use quick_xml::escape::partial_escape as escape;
use std::collections::BTreeMap;
use std::sync::Mutex;

/// The STS answer namespace.
pub(crate) const STS_NS: &str = "https://sts.amazonaws.com/doc/2011-06-15/";
/// The EC2 answer namespace.
pub(crate) const EC2_NS: &str = "http://ec2.amazonaws.com/doc/2016-11-15/";
const DECL: &str = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";

/// Which Query API a request is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Api {
    Sts,
    Ec2,
}

/// EC2's instances: states changed at run time (`None`: forgotten).
#[derive(Debug, Default)]
pub(crate) struct Ec2State {
    pub(crate) changed: Mutex<BTreeMap<String, Option<InstanceState>>>,
}

impl Ec2State {
    pub(crate) fn new(instances: &[(String, InstanceState)]) -> Self {
        Ec2State {
            changed: Mutex::new(
                instances
                    .iter()
                    .map(|(id, s)| (id.clone(), Some(*s)))
                    .collect(),
            ),
        }
    }
}

/// The state of instance `id`, or `None` when EC2 does not know it.
pub(crate) fn instance_state(state: &State, id: &str) -> Option<InstanceState> {
    if let Some(changed) = lock(&state.ec2.changed).get(id) {
        return *changed;
    }
    if id == lock(&state.imds.metadata).instance_id() {
        return Some(InstanceState::Running);
    }
    let fleet = id
        .strip_prefix("i-fleet")
        .filter(|d| d.len() == 12)
        .and_then(|d| d.parse::<u32>().ok());
    match fleet {
        Some(n) if n >= 1 && n <= state.config.imds.fleet && fleet_instance_id(n) == id => {
            Some(InstanceState::Running)
        }
        _ => None,
    }
}

/// Every instance EC2 knows, sorted by id.
fn all_instances(state: &State) -> Vec<(String, InstanceState)> {
    let mut ids: Vec<String> = lock(&state.ec2.changed).keys().cloned().collect();
    ids.push(lock(&state.imds.metadata).instance_id().to_owned());
    ids.extend((1..=state.config.imds.fleet).map(fleet_instance_id));
    ids.sort();
    ids.dedup();
    ids.into_iter()
        .filter_map(|id| instance_state(state, &id).map(|s| (id, s)))
        .collect()
}

/// The instances besides the fleet (for the control API).
pub(crate) fn listed_instances(state: &State) -> Vec<(String, InstanceState)> {
    let mut ids: Vec<String> = lock(&state.ec2.changed).keys().cloned().collect();
    ids.push(lock(&state.imds.metadata).instance_id().to_owned());
    ids.sort();
    ids.dedup();
    ids.into_iter()
        .filter_map(|id| instance_state(state, &id).map(|s| (id, s)))
        .collect()
}

/// Decodes a form body: `+` is a space, `%XX` a byte.
pub(crate) fn parse_form(body: &[u8]) -> Vec<(String, String)> {
    let text = String::from_utf8_lossy(body);
    let decode = |s: &str| {
        let spaced = s.replace('+', " ");
        let b = spaced.as_bytes();
        let mut out = Vec::with_capacity(b.len());
        let mut i = 0;
        while i < b.len() {
            let pair = b
                .get(i + 1..i + 3)
                .and_then(|p| std::str::from_utf8(p).ok())
                .and_then(|p| u8::from_str_radix(p, 16).ok());
            match (b[i], pair) {
                (b'%', Some(v)) => {
                    out.push(v);
                    i += 3;
                }
                (c, _) => {
                    out.push(c);
                    i += 1;
                }
            }
        }
        String::from_utf8_lossy(&out).into_owned()
    };
    text.split('&')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let (k, v) = p.split_once('=').unwrap_or((p, ""));
            (decode(k), decode(v))
        })
        .collect()
}

fn param<'a>(form: &'a [(String, String)], name: &str) -> Option<&'a str> {
    form.iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
}

fn error_body(api: Api, err: &ApiError, rid: &str) -> String {
    let (code, message) = (escape(&err.code), escape(&err.message));
    match api {
        Api::Sts => {
            let kind = if err.status >= 500 {
                "Receiver"
            } else {
                "Sender"
            };
            format!(
                "{DECL}<ErrorResponse xmlns=\"{STS_NS}\"><Error><Type>{kind}</Type><Code>{code}</Code><Message>{message}</Message></Error><RequestId>{rid}</RequestId></ErrorResponse>"
            )
        }
        Api::Ec2 => format!(
            "{DECL}<Response><Errors><Error><Code>{code}</Code><Message>{message}</Message></Error></Errors><RequestID>{rid}</RequestID></Response>"
        ),
    }
}

fn validation(message: impl Into<String>) -> ApiError {
    ApiError::new(400, "ValidationError", message)
}

/// Serves `POST /` on the Route 53 listener. `entry` is filled in for the
/// request log.
pub(crate) fn handle(
    state: &State,
    parts: &Parts,
    body: &[u8],
    entry: &mut RequestLog,
    rid: &str,
) -> Response<SimBody> {
    let form = parse_form(body);
    entry.action = param(&form, "Action").map(str::to_owned);
    // The scope's service says which API; without SigV4, STS answers.
    let scoped = parts
        .headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .and_then(sigv4::parse_sigv4)
        .map(|a| a.service.to_owned());
    let api = match scoped.as_deref() {
        Some("ec2") => Api::Ec2,
        _ => Api::Sts,
    };
    entry.service = match api {
        Api::Sts => crate::log::Service::Sts,
        Api::Ec2 => crate::log::Service::Ec2,
    };
    let region = match api {
        Api::Sts => state.config.sts.region.as_deref(),
        Api::Ec2 => state.config.ec2.region.as_deref(),
    }
    .unwrap_or(&state.config.imds.region);
    let service = match api {
        Api::Sts => "sts",
        Api::Ec2 => "ec2",
    };
    let signed = auth::SignedRequest {
        method: parts.method.as_str(),
        path: parts.uri.path(),
        query: parts.uri.query().unwrap_or_default(),
        headers: &parts.headers,
        body,
    };
    let policy = auth::Policy {
        aws3: SchemeAcceptance::Refuse,
        sigv4: SchemeAcceptance::Accept,
        region,
        service,
    };
    let verdict = auth::authenticate(&signed, &policy, &state.keys, state.clock.now());
    entry.scheme = verdict.scheme;
    let result = verdict
        .result
        .and_then(|principal| match (api, param(&form, "Action")) {
            (Api::Sts, Some("AssumeRole")) => assume_role(state, &principal, &form, rid),
            (Api::Ec2, Some("DescribeInstances")) => describe_instances(state, &form, rid),
            (_, Some(action)) => Err(ApiError::new(
                400,
                "InvalidAction",
                format!("Could not find operation {action} for version NO_VERSION_SPECIFIED"),
            )),
            (_, None) => Err(ApiError::new(
                400,
                "MissingAction",
                "Missing Action parameter",
            )),
        });
    match result {
        Ok(xml) => response(200, "text/xml", SimBody::full(xml)),
        Err(err) => {
            entry.error_code = Some(err.code.clone());
            response(
                err.status,
                "text/xml",
                SimBody::full(error_body(api, &err, rid)),
            )
        }
    }
}

fn valid_session_name(name: &str) -> bool {
    (2..=64).contains(&name.chars().count())
        && name
            .chars()
            .all(|c| c.is_alphanumeric() || c == '_' || "+=,.@-".contains(c))
}

fn assume_role(
    state: &State,
    caller: &Principal,
    form: &[(String, String)],
    rid: &str,
) -> Result<String, ApiError> {
    let arn = param(form, "RoleArn").ok_or_else(|| {
        validation("1 validation error detected: Value null at 'roleArn' failed to satisfy constraint: Member must not be null")
    })?;
    if arn.len() < 20 || role_name(arn).is_none() {
        return Err(validation(format!(
            "{arn} is invalid: expected a role ARN such as arn:aws:iam::111122223333:role/name"
        )));
    }
    let session = param(form, "RoleSessionName").ok_or_else(|| {
        validation("1 validation error detected: Value null at 'roleSessionName' failed to satisfy constraint: Member must not be null")
    })?;
    if !valid_session_name(session) {
        return Err(validation(format!(
            "1 validation error detected: Value '{session}' at 'roleSessionName' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\w+=,.@-]* and have length between 2 and 64"
        )));
    }
    let duration = match param(form, "DurationSeconds") {
        None => None,
        Some(text) => match text.parse::<u64>() {
            Ok(d) if (900..=43_200).contains(&d) => Some(d),
            _ => {
                return Err(validation(format!(
                    "1 validation error detected: Value '{text}' at 'durationSeconds' failed to satisfy constraint: Member must have value between 900 and 43200"
                )));
            }
        },
    };
    let instance = lock(&state.imds.metadata).instance_id().to_owned();
    let denied = || {
        ApiError::new(
            403,
            "AccessDenied",
            format!(
                "User: {} is not authorized to perform: sts:AssumeRole on resource: {arn}",
                caller.caller_arn(&instance)
            ),
        )
    };
    let role = state
        .config
        .sts
        .roles
        .iter()
        .find(|r| r.arn == arn)
        .ok_or_else(denied)?;
    let caller_arn = caller.arn();
    if !role.trusted.iter().any(|t| t == "*" || *t == caller_arn) {
        return Err(denied());
    }
    if let Some(expected) = &role.external_id
        && param(form, "ExternalId") != Some(expected.as_str())
    {
        return Err(denied());
    }
    let max = role.max_session.as_secs().max(900);
    let duration = match duration {
        Some(d) if d > max => {
            return Err(validation(format!(
                "The requested DurationSeconds exceeds the MaxSessionDuration set for this role ({max})."
            )));
        }
        Some(d) => d,
        // A max_session under STS's 15-minute floor is a test knob: sessions
        // that short, to see clients refresh.
        None if role.max_session.as_secs() < 900 => role.max_session.as_secs().max(1),
        None => max.min(3600),
    };
    let expiration = state
        .clock
        .now()
        .offset_by(i64::try_from(duration).unwrap_or(3600));
    let creds = Credentials::new_temporary(
        format!("ASIA{}", random_upper(16)),
        random_base64(40),
        format!("FwoGZXIvYXdzE{}", random_base64(300)),
        Some(expiration),
    );
    state.keys.register_assumed(&creds, arn, session);
    state.recorder.count(|s| s.roles_assumed += 1);
    let (account, name) = role_name(arn).unwrap_or((ACCOUNT_ID, arn));
    let role_id = format!("AROA{}", random_upper(17));
    Ok(format!(
        "{DECL}<AssumeRoleResponse xmlns=\"{STS_NS}\"><AssumeRoleResult><Credentials><AccessKeyId>{}</AccessKeyId><SecretAccessKey>{}</SecretAccessKey><SessionToken>{}</SessionToken><Expiration>{}</Expiration></Credentials><AssumedRoleUser><AssumedRoleId>{role_id}:{}</AssumedRoleId><Arn>arn:aws:sts::{account}:assumed-role/{}/{}</Arn></AssumedRoleUser></AssumeRoleResult><ResponseMetadata><RequestId>{rid}</RequestId></ResponseMetadata></AssumeRoleResponse>",
        creds.access_key_id,
        escape(creds.secret_access_key.expose()),
        escape(creds.session_token.as_ref().map_or("", |t| t.expose())),
        expiration.rfc3339(),
        escape(session),
        escape(name),
        escape(session),
    ))
}

/// `Prefix.N` values in order of N.
fn numbered<'a>(form: &'a [(String, String)], prefix: &str) -> Vec<(u32, &'a str)> {
    let mut out: Vec<(u32, &str)> = form
        .iter()
        .filter_map(|(k, v)| {
            let n = k.strip_prefix(prefix)?.strip_prefix('.')?.parse().ok()?;
            Some((n, v.as_str()))
        })
        .collect();
    out.sort_by_key(|(n, _)| *n);
    out
}

fn describe_instances(
    state: &State,
    form: &[(String, String)],
    rid: &str,
) -> Result<String, ApiError> {
    let ids: Vec<&str> = numbered(form, "InstanceId")
        .into_iter()
        .map(|(_, v)| v)
        .collect();
    if let Some(bad) = ids.iter().find(|id| !id.starts_with("i-") || id.len() < 3) {
        return Err(ApiError::new(
            400,
            "InvalidInstanceID.Malformed",
            format!("Invalid id: \"{bad}\""),
        ));
    }
    let mut selected: Vec<(String, InstanceState)> = if ids.is_empty() {
        all_instances(state)
    } else {
        let missing: Vec<&str> = ids
            .iter()
            .copied()
            .filter(|id| instance_state(state, id).is_none())
            .collect();
        match missing.as_slice() {
            [] => {}
            [one] => {
                return Err(ApiError::new(
                    400,
                    "InvalidInstanceID.NotFound",
                    format!("The instance ID '{one}' does not exist"),
                ));
            }
            many => {
                return Err(ApiError::new(
                    400,
                    "InvalidInstanceID.NotFound",
                    format!("The instance IDs '{}' do not exist", many.join(", ")),
                ));
            }
        }
        let mut ids = ids.clone();
        ids.sort_unstable();
        ids.dedup();
        ids.into_iter()
            .filter_map(|id| instance_state(state, id).map(|s| (id.to_owned(), s)))
            .collect()
    };
    let mut n = 1;
    while let Some(name) = param(form, &format!("Filter.{n}.Name")) {
        let values: Vec<&str> = numbered(form, &format!("Filter.{n}.Value"))
            .into_iter()
            .map(|(_, v)| v)
            .collect();
        match name {
            "instance-id" => selected.retain(|(id, _)| values.contains(&id.as_str())),
            "instance-state-name" => selected.retain(|(_, s)| values.contains(&s.name())),
            other => {
                return Err(ApiError::new(
                    400,
                    "InvalidParameterValue",
                    format!("The filter '{other}' is invalid"),
                ));
            }
        }
        n += 1;
    }
    let mut out = format!(
        "{DECL}<DescribeInstancesResponse xmlns=\"{EC2_NS}\"><requestId>{rid}</requestId><reservationSet>"
    );
    for (id, s) in &selected {
        let digits: String = id
            .bytes()
            .filter(u8::is_ascii_alphanumeric)
            .map(char::from)
            .collect();
        let suffix = &digits[digits.len().saturating_sub(17)..];
        out.push_str(&format!(
            "<item><reservationId>r-{suffix}</reservationId><ownerId>{ACCOUNT_ID}</ownerId><groupSet/><instancesSet><item><instanceId>{}</instanceId><imageId>ami-0123456789abcdef0</imageId><instanceState><code>{}</code><name>{}</name></instanceState><instanceType>t3.micro</instanceType></item></instancesSet></item>",
            escape(id.as_str()),
            s.code(),
            s.name()
        ));
    }
    out.push_str("</reservationSet></DescribeInstancesResponse>");
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forms_and_session_names() {
        let form = parse_form(b"Action=AssumeRole&RoleSessionName=a+b%2Cc&Empty&X=%zz");
        assert_eq!(param(&form, "RoleSessionName"), Some("a b,c"));
        assert_eq!(param(&form, "Empty"), Some(""));
        assert_eq!(param(&form, "X"), Some("%zz"));
        for good in [
            "ab",
            "i-0123456789abcdef0",
            "a+b=c,d.e@f-g_h",
            &"x".repeat(64),
        ] {
            assert!(valid_session_name(good), "{good}");
        }
        for bad in ["a", "a b", "a/b", &"x".repeat(65), "a:b"] {
            assert!(!valid_session_name(bad), "{bad}");
        }
    }
}
