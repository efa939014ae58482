//! The control API, unauthenticated, on the Route 53 listener under
//! `/_sim/` (the updater never calls it; the binary's users and benchmarks
//! do). Answers are JSON; requests to it are not logged or counted.
//!
//! | request | effect |
//! |---|---|
//! | `GET /_sim/zones` | every zone and its records |
//! | `GET /_sim/stats` | [`crate::Stats`] |
//! | `GET /_sim/requests` | the request log (`elapsed_ms` since start instead of an `Instant`) |
//! | `GET /_sim/changes` | every change accepted, oldest first: `id`, `zone_id`, `submitted_at`, `submitted_ms` (when applied, on the request log's `elapsed_ms` clock), `propagation_ms` and `insync_ms` (`null`: never INSYNC), `status` now, `comment`, `records` (`action`, `name`, `type`) |
//! | `GET /_sim/faults` | faults still queued |
//! | `POST /_sim/fault` | queue a fault: JSON or the text syntax of [`crate::faults`] |
//! | `PUT /_sim/metadata/<path>` | set a metadata value (body = value) |
//! | `DELETE /_sim/metadata/<path>` | remove it (404 afterwards) |
//! | `PUT /_sim/clock-skew` | body = seconds (may be negative) |
//! | `PUT /_sim/record` | `{"zone_id":..,"name":..,"type":..,"ttl":..,"values":[..]}`: set a record directly (routing fields `set_identifier`, `weight`, `multi_value_answer`, `health_check_id`, `alias_target` optional) |
//! | `PUT /_sim/spot-action` | body `terminate`, `stop` or `hibernate`, optionally then a space and an RFC 3339 time (default: two minutes from now) |
//! | `DELETE /_sim/spot-action` | no notice (404) |
//! | `PUT /_sim/lifecycle-state` | body = the target lifecycle state (`InService`, `Terminated`, `Warmed:Pending`, ...) |
//! | `DELETE /_sim/lifecycle-state` | not in an Auto Scaling group (404) |
//! | `PUT /_sim/instance/<id>` | body = EC2 state (`pending`, `running`, `stopping`, `stopped`, `shutting-down`, `terminated`): DescribeInstances answers it |
//! | `DELETE /_sim/instance/<id>` | EC2 no longer knows the instance |
//! | `GET /_sim/instances` | every instance EC2 knows besides the fleet, with its state |

use crate::config::{InstanceState, InterruptionAction, SpotAction};
use crate::deps::Timestamp;
use crate::faults::Fault;
use crate::http::{SimBody, read_body, response};
use crate::log::{AuthScheme, Service, lock};
use crate::record::RecordSet;
use crate::route53::operation::Operation;
use crate::state::{LIFECYCLE_PATH, State};
use http::Response;
use http::request::Parts;
use hyper::body::Incoming;
use serde::{Deserialize, Serialize};

/// One request log entry as JSON.
#[derive(Debug, Serialize)]
struct RequestLogJson<'a> {
    service: Service,
    method: &'a str,
    path: &'a str,
    query: &'a str,
    operation: Option<Operation>,
    scheme: Option<AuthScheme>,
    status: u16,
    error_code: Option<&'a str>,
    had_security_token: bool,
    elapsed_ms: u64,
}

/// One accepted change as JSON; times in whole milliseconds since start.
#[derive(Debug, Serialize)]
struct ChangeJson<'a> {
    id: &'a str,
    zone_id: &'a str,
    submitted_at: &'a str,
    submitted_ms: u64,
    propagation_ms: Option<u64>,
    insync_ms: Option<u64>,
    status: &'static str,
    comment: Option<&'a str>,
    records: &'a [crate::route53::ChangedRecord],
}

fn millis(d: std::time::Duration) -> u64 {
    u64::try_from(d.as_millis()).unwrap_or(u64::MAX)
}

#[derive(Debug, Serialize)]
struct ZoneJson {
    id: String,
    name: String,
    private: bool,
    records: Vec<RecordSet>,
}

#[derive(Debug, Deserialize)]
struct PutRecord {
    zone_id: String,
    #[serde(flatten)]
    set: RecordSet,
}

fn json(status: u16, value: &impl Serialize) -> Response<SimBody> {
    let body = serde_json::to_vec(value).unwrap_or_else(|_| b"{}".to_vec());
    response(status, "application/json", SimBody::full(body))
}

fn message(status: u16, text: &str) -> Response<SimBody> {
    let key = if status < 300 { "ok" } else { "error" };
    json(status, &serde_json::json!({ key: text }))
}

pub(crate) async fn handle(
    state: &State,
    parts: &Parts,
    rest: &str,
    body: Incoming,
) -> Response<SimBody> {
    let body = match read_body(&parts.headers, body).await {
        Ok(b) => b,
        Err(e) => return message(413, &e.to_string()),
    };
    let text = String::from_utf8_lossy(&body);
    let method = parts.method.as_str();
    match (method, rest) {
        ("GET", "zones") => {
            let zones: Vec<ZoneJson> = lock(&state.route53.store)
                .zones
                .values()
                .map(|z| ZoneJson {
                    id: z.id.clone(),
                    name: z.name.clone(),
                    private: z.private,
                    records: z.records(),
                })
                .collect();
            json(200, &zones)
        }
        ("GET", "stats") => json(200, &state.recorder.stats()),
        ("GET", "requests") => {
            let log = state.recorder.requests();
            let entries: Vec<RequestLogJson<'_>> = log
                .iter()
                .map(|r| RequestLogJson {
                    service: r.service,
                    method: &r.method,
                    path: &r.path,
                    query: &r.query,
                    operation: r.operation,
                    scheme: r.scheme,
                    status: r.status,
                    error_code: r.error_code.as_deref(),
                    had_security_token: r.had_security_token,
                    elapsed_ms: u64::try_from(
                        r.at.saturating_duration_since(state.started).as_millis(),
                    )
                    .unwrap_or(u64::MAX),
                })
                .collect();
            json(200, &entries)
        }
        ("GET", "changes") => {
            let changes = state.route53.changes();
            let now = std::time::Instant::now();
            let since_start =
                |t: std::time::Instant| millis(t.saturating_duration_since(state.started));
            let entries: Vec<ChangeJson<'_>> = changes
                .iter()
                .map(|c| ChangeJson {
                    id: &c.id,
                    zone_id: &c.zone_id,
                    submitted_at: &c.submitted_at,
                    submitted_ms: since_start(c.at),
                    propagation_ms: c.insync_at().map(|_| millis(c.propagation)),
                    insync_ms: c.insync_at().map(since_start),
                    status: if c.is_insync_at(now) {
                        "INSYNC"
                    } else {
                        "PENDING"
                    },
                    comment: c.comment.as_deref(),
                    records: &c.records,
                })
                .collect();
            json(200, &entries)
        }
        ("GET", "faults") => json(200, &state.faults.pending()),
        ("POST", "fault") => {
            let parsed = serde_json::from_str::<Fault>(&text)
                .map_err(|e| e.to_string())
                .or_else(|json_err| {
                    text.parse::<Fault>().map_err(|spec_err| {
                        format!("not JSON ({json_err}) nor a spec ({spec_err})")
                    })
                });
            match parsed {
                Ok(fault) => {
                    tracing::info!(?fault, "fault queued");
                    state.faults.push(fault);
                    message(200, "queued")
                }
                Err(e) => message(400, &e),
            }
        }
        ("PUT", "clock-skew") => match text.trim().parse::<i64>() {
            Ok(secs) => {
                state.clock.set_skew(secs);
                message(200, "clock skew set")
            }
            Err(_) => message(400, "body must be a whole number of seconds"),
        },
        ("PUT", "record") => match serde_json::from_str::<PutRecord>(&text) {
            Ok(put) => {
                if state.put_record(&put.zone_id, put.set) {
                    message(200, "record set")
                } else {
                    message(404, "no such zone")
                }
            }
            Err(e) => message(400, &e.to_string()),
        },
        ("PUT", "spot-action") => {
            let mut words = text.split_whitespace();
            let action = words.next().and_then(InterruptionAction::from_name);
            let time = words.next().map(str::to_owned);
            match action {
                Some(action)
                    if words.next().is_none()
                        && time
                            .as_deref()
                            .is_none_or(|t| Timestamp::parse_rfc3339(t).is_some()) =>
                {
                    state.set_spot_action(0, Some(&SpotAction { action, time }));
                    message(200, "spot action set")
                }
                _ => message(
                    400,
                    "body must be terminate, stop or hibernate, optionally followed by an RFC 3339 time",
                ),
            }
        }
        ("DELETE", "spot-action") => {
            state.set_spot_action(0, None);
            message(200, "spot action removed")
        }
        ("PUT", "lifecycle-state") => {
            let value = text.trim();
            if value.is_empty() {
                message(400, "body must be a lifecycle state such as InService")
            } else {
                state.set_instance_metadata(0, LIFECYCLE_PATH, Some(value));
                message(200, "lifecycle state set")
            }
        }
        ("DELETE", "lifecycle-state") => {
            state.set_instance_metadata(0, LIFECYCLE_PATH, None);
            message(200, "lifecycle state removed")
        }
        ("GET", "instances") => {
            let list: Vec<serde_json::Value> = crate::query::listed_instances(state)
                .into_iter()
                .map(|(id, s)| serde_json::json!({ "id": id, "state": s.name() }))
                .collect();
            json(200, &list)
        }
        (m, path) if path.starts_with("instance/") => {
            let id = &path["instance/".len()..];
            if id.is_empty() {
                return message(400, "missing instance id");
            }
            match m {
                "PUT" => match InstanceState::from_name(text.trim()) {
                    Some(s) => {
                        lock(&state.ec2.changed).insert(id.to_owned(), Some(s));
                        message(200, "instance state set")
                    }
                    None => message(
                        400,
                        "body must be pending, running, stopping, stopped, shutting-down or terminated",
                    ),
                },
                "DELETE" => {
                    lock(&state.ec2.changed).insert(id.to_owned(), None);
                    message(200, "instance forgotten")
                }
                _ => message(405, "use PUT or DELETE"),
            }
        }
        (m, path) if path.starts_with("metadata/") => {
            let meta = &path["metadata/".len()..];
            match m {
                "PUT" => {
                    state.set_metadata(meta, Some(&text));
                    message(200, "metadata set")
                }
                "DELETE" => {
                    state.set_metadata(meta, None);
                    message(200, "metadata removed")
                }
                _ => message(405, "use PUT or DELETE"),
            }
        }
        _ => message(404, "unknown control request: see the ec2-dns-sim docs"),
    }
}
