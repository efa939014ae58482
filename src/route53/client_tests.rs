//! The signed AWS client (`aws::client::AwsClient`) against the simulated
//! Route 53, in-process, on virtual time (`aws::testing`): what the retry
//! table says for each answer, how many requests that costs and how long,
//! read from the simulator's request log.

use crate::aws::client::{AwsClient, CallError, ClientSettings, Endpoint, SigningMode};
use crate::aws::credentials::{CredentialSource, Env, Provider};
use crate::aws::http;
use crate::aws::retry::Deadline;
use crate::aws::testing::{self, log};
use crate::route53::{self, LIST_RESOURCE_RECORD_SETS};
use aws_sign::secret::Secret;
use aws_sign::sign::Scheme;
use ec2_dns_sim::config::{DEFAULT_ZONE_ID, STATIC_ACCESS_KEY_ID, STATIC_SECRET_ACCESS_KEY};
use ec2_dns_sim::{AuthScheme, Fault, FaultKind, FaultTarget, Service, Sim, SimConfig};
use reqwest::Method;
use std::sync::Arc;
use std::time::Duration;
use tokio::time::Instant;

const LIST: &str = "GET ListResourceRecordSets";
const ROLE_DOC: &str = "GET /latest/meta-data/iam/security-credentials/web-role 200 token";

fn static_keys() -> Env {
    Env {
        access_key_id: Some(STATIC_ACCESS_KEY_ID.into()),
        secret_access_key: Some(Secret::new(STATIC_SECRET_ACCESS_KEY)),
        ..Env::default()
    }
}

/// A SigV4 client for the simulated Route 53; credentials from `env` (the
/// instance role when it is empty).
fn client(sim: &Sim, env: Env) -> AwsClient {
    let imds = Arc::new(testing::imds(sim, true, Duration::from_secs(10)));
    AwsClient::new(
        http::TlsClient::start(None).unwrap(),
        ClientSettings {
            endpoint: Endpoint {
                url: reqwest::Url::parse(&sim.route53_url()).unwrap(),
                region: "us-east-1".into(),
                service: route53::SERVICE.into(),
            },
            signing: SigningMode::Fixed(Scheme::SigV4),
            initial_scheme: Scheme::SigV4,
            parse_error: route53::xml::parse_error,
        },
        CredentialSource::new(Arc::new(Provider::new(env)), imds),
    )
}

async fn list(client: &AwsClient, deadline: Deadline) -> Result<u16, CallError> {
    let path = format!(
        "/{}/hostedzone/{DEFAULT_ZONE_ID}/rrset?name=web.example.com.&maxitems=1",
        route53::API_VERSION
    );
    client
        .send(
            LIST_RESOURCE_RECORD_SETS,
            Method::GET,
            &path,
            None,
            deadline,
        )
        .await
        .map(|answer| answer.status)
}

fn route53_log(sim: &Sim) -> Vec<String> {
    log(sim)
        .into_iter()
        .filter(|l| !l.contains("/latest/"))
        .collect()
}

fn far() -> Deadline {
    Deadline::after(Duration::from_secs(60))
}

#[tokio::test(start_paused = true)]
async fn a_signed_call_is_one_request() {
    let (sim, _clock) = testing::start(SimConfig::default()).await;
    let client = client(&sim, static_keys());
    assert_eq!(list(&client, far()).await.unwrap(), 200);
    assert_eq!(log(&sim), [format!("{LIST} 200")]);
    let sent = &sim.requests()[0];
    assert_eq!(sent.scheme, Some(AuthScheme::SigV4));
    assert!(!sent.had_security_token);
    assert_eq!((client.calls(), client.retries()), (1, 0));
}

#[tokio::test(start_paused = true)]
async fn throttling_slows_the_client_down_for_the_rest_of_the_run() {
    let (sim, _clock) = testing::start(SimConfig::default()).await;
    sim.inject(Fault::new(FaultTarget::Route53, FaultKind::Throttling, 2));
    sim.inject(Fault::new(
        FaultTarget::Route53,
        FaultKind::PriorRequestNotComplete,
        1,
    ));
    let client = client(&sim, static_keys());
    let started = Instant::now();
    assert_eq!(list(&client, far()).await.unwrap(), 200);
    let took = started.elapsed();
    assert_eq!(
        log(&sim),
        [
            format!("{LIST} 400 Throttling"),
            format!("{LIST} 400 Throttling"),
            format!("{LIST} 400 PriorRequestNotComplete"),
            format!("{LIST} 200"),
        ]
    );
    assert_eq!((client.calls(), client.retries()), (4, 3));
    assert_eq!(client.throttled(), 2);
    assert!(client.congested());
    // The pacer's waits: 5–10 s, then 10–20 s (aws/pacer.rs); then the
    // ordinary backoff (at most 0.5 s) for PriorRequestNotComplete.
    assert!(took >= Duration::from_secs(15), "{took:?}");
    assert!(took <= Duration::from_millis(30_500 + 300), "{took:?}");
    // Two throttles, one success: the next call still waits 5–10 s ...
    let t = Instant::now();
    assert_eq!(list(&client, far()).await.unwrap(), 200);
    let paced = t.elapsed();
    assert!(paced >= Duration::from_secs(5), "{paced:?}");
    assert!(paced <= Duration::from_millis(10_300), "{paced:?}");
    // ... and after that one, the client is back to full speed.
    let t = Instant::now();
    assert_eq!(list(&client, far()).await.unwrap(), 200);
    assert!(
        t.elapsed() < Duration::from_millis(300),
        "{:?}",
        t.elapsed()
    );
    assert_eq!(client.calls(), 6);
}

#[tokio::test(start_paused = true)]
async fn endless_throttling_gives_up_at_the_deadline() {
    let (sim, _clock) = testing::start(SimConfig::default()).await;
    sim.inject(Fault::new(
        FaultTarget::Route53,
        FaultKind::Throttling,
        10_000,
    ));
    let client = client(&sim, static_keys());
    let started = Instant::now();
    let err = list(&client, Deadline::after(Duration::from_secs(60)))
        .await
        .unwrap_err();
    let took = started.elapsed();
    let CallError::GaveUp { attempts, last, .. } = &err else {
        panic!("{err:?}");
    };
    assert_eq!(last.error.code.as_deref(), Some("Throttling"));
    assert_eq!(*attempts, client.calls());
    assert_eq!(sim.requests().len() as u32, *attempts);
    assert_eq!(client.throttled(), *attempts);
    // Waits of 5–10, 10–20, 20–40 s...: 3 to 5 requests in a minute, where
    // a fixed 0.5 s → 20 s backoff sends about 8.
    assert!((3..=5).contains(attempts), "{err}");
    // The deadline, not the pacer, ends it: never much past 60 s.
    assert!(took >= Duration::from_millis(59_900), "{took:?}");
    assert!(took <= Duration::from_millis(60_300), "{took:?}");
}

#[tokio::test(start_paused = true)]
async fn a_skewed_clock_is_corrected_from_the_answer_once() {
    let (sim, _clock) = testing::start(SimConfig::default()).await;
    sim.set_clock_skew(3600);
    let client = client(&sim, static_keys());
    assert_eq!(list(&client, far()).await.unwrap(), 200);
    assert_eq!(
        log(&sim),
        [
            format!("{LIST} 403 SignatureDoesNotMatch"),
            format!("{LIST} 200")
        ]
    );
    // Resync is not a backoff retry.
    assert_eq!((client.calls(), client.retries()), (2, 0));
    // The corrected clock stays: the next call is signed right first time.
    assert_eq!(list(&client, far()).await.unwrap(), 200);
    assert_eq!(sim.requests().len(), 3);
}

#[tokio::test(start_paused = true)]
async fn expired_token_refreshes_role_credentials_once() {
    let (sim, _clock) = testing::start(SimConfig::default()).await;
    let client = client(&sim, Env::default());
    sim.inject(Fault::new(FaultTarget::Route53, FaultKind::ExpiredToken, 1));
    assert_eq!(list(&client, far()).await.unwrap(), 200);
    assert_eq!(
        route53_log(&sim),
        [format!("{LIST} 403 ExpiredToken"), format!("{LIST} 200")]
    );
    let docs = |sim: &Sim| log(sim).iter().filter(|l| *l == ROLE_DOC).count();
    assert_eq!(docs(&sim), 2, "{:?}", log(&sim));
    // Role credentials: every Route 53 request carried their session token.
    assert!(
        sim.requests()
            .iter()
            .filter(|r| r.service == Service::Route53)
            .all(|r| r.had_security_token)
    );

    // Twice in a row: one refresh, then the error.
    sim.inject(Fault::new(FaultTarget::Route53, FaultKind::ExpiredToken, 2));
    let err = list(&client, far()).await.unwrap_err();
    assert_eq!(err.code(), Some("ExpiredToken"), "{err:?}");
    assert!(matches!(err, CallError::Refused { .. }), "{err:?}");
    assert_eq!(docs(&sim), 3);
    assert_eq!(route53_log(&sim).len(), 4);
}

#[tokio::test(start_paused = true)]
async fn access_denied_settles_twice_then_fails() {
    let (sim, _clock) = testing::start(SimConfig::default()).await;
    let client = client(&sim, static_keys());

    // Granted a moment ago: refused twice, then allowed.
    sim.inject(Fault::new(FaultTarget::Route53, FaultKind::AccessDenied, 2));
    let started = Instant::now();
    assert_eq!(list(&client, far()).await.unwrap(), 200);
    let took = started.elapsed();
    assert_eq!(
        log(&sim),
        [
            format!("{LIST} 403 AccessDenied"),
            format!("{LIST} 403 AccessDenied"),
            format!("{LIST} 200"),
        ]
    );
    assert_eq!(client.retries(), 2);
    // IAM_SETTLE_DELAYS: 1–2 s, then 3–6 s.
    assert!(took >= Duration::from_secs(4), "{took:?}");
    assert!(took <= Duration::from_millis(8_200), "{took:?}");

    // Really missing: the same two waits, then the error.
    sim.inject(Fault::new(
        FaultTarget::Route53,
        FaultKind::AccessDenied,
        100,
    ));
    let err = list(&client, far()).await.unwrap_err();
    assert_eq!(err.code(), Some("AccessDenied"), "{err:?}");
    assert_eq!(sim.requests().len(), 3 + 3);
    assert_eq!(client.retries(), 4);
}

#[tokio::test(start_paused = true)]
async fn access_denied_waits_only_as_long_as_the_deadline_allows() {
    let (sim, _clock) = testing::start(SimConfig::default()).await;
    sim.inject(Fault::new(
        FaultTarget::Route53,
        FaultKind::AccessDenied,
        100,
    ));
    let client = client(&sim, static_keys());
    let started = Instant::now();
    let err = list(&client, Deadline::after(Duration::from_secs(3)))
        .await
        .unwrap_err();
    assert_eq!(err.code(), Some("AccessDenied"), "{err:?}");
    // The 2 s wait fits in 3 s; the 6 s one does not.
    assert_eq!(sim.requests().len(), 2);
    assert!(started.elapsed() < Duration::from_secs(3));
}

#[tokio::test(start_paused = true)]
async fn a_client_error_is_not_retried() {
    let (sim, _clock) = testing::start(SimConfig::default()).await;
    let client = client(&sim, static_keys());
    let path = format!(
        "/{}/hostedzone/ZNOSUCHZONE/rrset?name=web.example.com.&maxitems=1",
        route53::API_VERSION
    );
    let err = client
        .send(LIST_RESOURCE_RECORD_SETS, Method::GET, &path, None, far())
        .await
        .unwrap_err();
    assert_eq!(err.code(), Some("NoSuchHostedZone"), "{err:?}");
    assert_eq!(log(&sim), [format!("{LIST} 404 NoSuchHostedZone")]);
    assert_eq!((client.calls(), client.retries()), (1, 0));
}
