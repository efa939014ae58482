//! The IMDS client against the simulator, in-process, on virtual time
//! (`aws::testing`): the session token's life, the IMDSv1 fallbacks, the
//! wait for an IMDS that is not up yet, and the exact requests sent.

use crate::aws::imds::{ImdsError, TOKEN_PUT_TIMEOUT};
use crate::aws::retry::Deadline;
use crate::aws::testing::{self, log};
use ec2_dns_sim::config::{DEFAULT_INSTANCE_ID, DEFAULT_PUBLIC_HOSTNAME};
use ec2_dns_sim::{Fault, FaultKind, FaultTarget, ImdsConfig, PutBehaviour, SimConfig, TokenMode};
use std::time::Duration;
use tokio::time::Instant;

const WAIT: Duration = Duration::from_secs(10);
const PUT: &str = "PUT /latest/api/token";
const ID: &str = "GET /latest/meta-data/instance-id";
const HOST: &str = "GET /latest/meta-data/public-hostname";

fn with_imds(imds: ImdsConfig) -> SimConfig {
    SimConfig {
        imds,
        ..SimConfig::default()
    }
}

fn far() -> Deadline {
    Deadline::after(Duration::from_secs(60))
}

#[tokio::test(start_paused = true)]
async fn one_token_serves_every_read() {
    let (sim, _clock) = testing::start(SimConfig::default()).await;
    let imds = testing::imds(&sim, true, WAIT);
    let id = imds.get("meta-data/instance-id", far()).await.unwrap();
    let host = imds.get("meta-data/public-hostname", far()).await.unwrap();
    assert_eq!(id.as_deref(), Some(DEFAULT_INSTANCE_ID));
    assert_eq!(host.as_deref(), Some(DEFAULT_PUBLIC_HOSTNAME));
    assert_eq!(
        log(&sim),
        [
            format!("{PUT} 200"),
            format!("{ID} 200 token"),
            format!("{HOST} 200 token")
        ]
    );
    assert_eq!(sim.stats().imds_tokens_issued, 1);
}

#[tokio::test(start_paused = true)]
async fn an_absent_item_is_none_without_a_retry() {
    let (sim, _clock) = testing::start(with_imds(ImdsConfig {
        public_hostname: None,
        ..ImdsConfig::default()
    }))
    .await;
    let imds = testing::imds(&sim, true, WAIT);
    assert_eq!(
        imds.get("meta-data/public-hostname", far()).await.unwrap(),
        None
    );
    assert_eq!(
        log(&sim),
        [format!("{PUT} 200"), format!("{HOST} 404 token")]
    );
}

#[tokio::test(start_paused = true)]
async fn a_refused_token_put_falls_back_to_imdsv1_once() {
    for status in [403, 404, 405] {
        let (sim, _clock) = testing::start(with_imds(ImdsConfig {
            token_put: PutBehaviour::Status(status),
            ..ImdsConfig::default()
        }))
        .await;
        let imds = testing::imds(&sim, true, WAIT);
        let id = imds.get("meta-data/instance-id", far()).await.unwrap();
        let host = imds.get("meta-data/public-hostname", far()).await.unwrap();
        assert_eq!(id.as_deref(), Some(DEFAULT_INSTANCE_ID));
        assert_eq!(host.as_deref(), Some(DEFAULT_PUBLIC_HOSTNAME));
        // The PUT is not asked again: the session is IMDSv1 from then on.
        assert_eq!(
            log(&sim),
            [
                format!("{PUT} {status}"),
                format!("{ID} 200"),
                format!("{HOST} 200")
            ],
            "PUT answered {status}"
        );
    }
}

#[tokio::test(start_paused = true)]
async fn a_refused_token_put_without_fallback_is_a_typed_error() {
    let (sim, _clock) = testing::start(with_imds(ImdsConfig {
        token_put: PutBehaviour::Status(403),
        ..ImdsConfig::default()
    }))
    .await;
    let imds = testing::imds(&sim, false, WAIT);
    let err = imds.get("meta-data/instance-id", far()).await.unwrap_err();
    assert!(
        matches!(&err, ImdsError::Refused { path, status: 403, .. } if path == "api/token"),
        "{err:?}"
    );
    assert!(err.to_string().contains("v1_fallback = false"), "{err}");
    // No GET without a token went out.
    assert_eq!(log(&sim), [format!("{PUT} 403")]);
}

#[tokio::test(start_paused = true)]
async fn a_hanging_token_put_falls_back_after_its_timeout() {
    let (sim, _clock) = testing::start(with_imds(ImdsConfig {
        token_put: PutBehaviour::Hang,
        ..ImdsConfig::default()
    }))
    .await;
    let imds = testing::imds(&sim, true, WAIT);
    let started = Instant::now();
    let id = imds.get("meta-data/instance-id", far()).await.unwrap();
    let waited = started.elapsed();
    assert_eq!(id.as_deref(), Some(DEFAULT_INSTANCE_ID));
    // The PUT had its whole timeout (that is what says "hop limit"), no more.
    assert!(waited >= TOKEN_PUT_TIMEOUT, "{waited:?}");
    assert!(
        waited < TOKEN_PUT_TIMEOUT + Duration::from_millis(500),
        "{waited:?}"
    );
    let log = log(&sim);
    assert_eq!(log.len(), 2, "{log:?}");
    assert!(log[0].starts_with(PUT), "{log:?}");
    assert_eq!(log[1], format!("{ID} 200"));
}

#[tokio::test(start_paused = true)]
async fn tokens_required_behind_a_hanging_put_names_the_hop_limit() {
    let (sim, _clock) = testing::start(with_imds(ImdsConfig {
        token_put: PutBehaviour::Hang,
        tokens: TokenMode::Required,
        ..ImdsConfig::default()
    }))
    .await;
    let imds = testing::imds(&sim, true, WAIT);
    let err = imds.get("meta-data/instance-id", far()).await.unwrap_err();
    assert!(matches!(err, ImdsError::TokensRequired { .. }), "{err:?}");
    assert!(err.to_string().contains("hop-limit 2"), "{err}");
    // Three rounds of (PUT timed out, GET without token → 401): the first
    // and two new sessions (MAX_UNAUTHORIZED), then the error.
    let gets: Vec<_> = log(&sim)
        .into_iter()
        .filter(|l| l.starts_with("GET"))
        .collect();
    assert_eq!(gets, vec![format!("{ID} 401"); 3]);
    assert_eq!(sim.requests().len(), 6);
}

#[tokio::test(start_paused = true)]
async fn a_401_gets_a_new_token_and_the_read_succeeds() {
    let (sim, _clock) = testing::start(SimConfig::default()).await;
    let imds = testing::imds(&sim, true, WAIT);
    imds.get("meta-data/instance-id", far()).await.unwrap();
    // The next IMDS request (the read, with the cached token) is refused.
    sim.inject(Fault::new(FaultTarget::Imds, FaultKind::ExpiredToken, 1));
    let host = imds.get("meta-data/public-hostname", far()).await.unwrap();
    assert_eq!(host.as_deref(), Some(DEFAULT_PUBLIC_HOSTNAME));
    assert_eq!(
        log(&sim),
        [
            format!("{PUT} 200"),
            format!("{ID} 200 token"),
            format!("{HOST} 401 token"),
            format!("{PUT} 200"),
            format!("{HOST} 200 token"),
        ]
    );
    assert_eq!(sim.stats().imds_tokens_issued, 2);
}

#[tokio::test(start_paused = true)]
async fn server_errors_are_retried_with_backoff() {
    let (sim, _clock) = testing::start(with_imds(ImdsConfig {
        fail_first: 3,
        ..ImdsConfig::default()
    }))
    .await;
    let imds = testing::imds(&sim, true, WAIT);
    let started = Instant::now();
    let id = imds.get("meta-data/instance-id", far()).await.unwrap();
    assert_eq!(id.as_deref(), Some(DEFAULT_INSTANCE_ID));
    assert_eq!(
        log(&sim),
        [
            format!("{PUT} 500"),
            format!("{PUT} 500"),
            format!("{PUT} 500"),
            format!("{PUT} 200"),
            format!("{ID} 200 token"),
        ]
    );
    // Three backoff sleeps of at most 0.1, 0.2 and 0.4 s (IMDS_BACKOFF).
    let waited = started.elapsed();
    assert!(waited <= Duration::from_millis(700 + 200), "{waited:?}");
}

#[tokio::test(start_paused = true)]
async fn an_imds_that_comes_up_late_is_waited_for() {
    let (sim, _clock) = testing::start(with_imds(ImdsConfig {
        refuse_connections_for: Duration::from_secs(3),
        ..ImdsConfig::default()
    }))
    .await;
    let imds = testing::imds(&sim, true, WAIT);
    let started = Instant::now();
    let id = imds.get("meta-data/instance-id", far()).await.unwrap();
    let waited = started.elapsed();
    assert_eq!(id.as_deref(), Some(DEFAULT_INSTANCE_ID));
    assert!(waited >= Duration::from_secs(3), "{waited:?}");
    // Backoff is capped at 2 s per sleep: noticed within about that.
    assert!(waited < Duration::from_secs(6), "{waited:?}");
    // Refused connections never reach the simulator: it saw one session.
    assert_eq!(log(&sim), [format!("{PUT} 200"), format!("{ID} 200 token")]);
}

#[tokio::test(start_paused = true)]
async fn an_imds_that_never_comes_up_ends_at_wait_timeout() {
    let (sim, _clock) = testing::start(with_imds(ImdsConfig {
        refuse_connections_for: Duration::from_secs(3600),
        ..ImdsConfig::default()
    }))
    .await;
    let wait = Duration::from_secs(4);
    let imds = testing::imds(&sim, true, wait);
    let started = Instant::now();
    let err = imds.get("meta-data/instance-id", far()).await.unwrap_err();
    let waited = started.elapsed();
    assert!(matches!(err, ImdsError::Unreachable { .. }), "{err:?}");
    assert!(waited >= wait - Duration::from_millis(100), "{waited:?}");
    assert!(waited < wait + Duration::from_secs(1), "{waited:?}");
    assert!(sim.requests().is_empty());
}

#[tokio::test(start_paused = true)]
async fn the_run_deadline_cuts_the_imds_wait_short() {
    let (sim, _clock) = testing::start(with_imds(ImdsConfig {
        refuse_connections_for: Duration::from_secs(3600),
        ..ImdsConfig::default()
    }))
    .await;
    let imds = testing::imds(&sim, true, Duration::from_secs(120));
    let started = Instant::now();
    let deadline = Deadline::after(Duration::from_secs(2));
    let err = imds
        .get("meta-data/instance-id", deadline)
        .await
        .unwrap_err();
    assert!(matches!(err, ImdsError::Unreachable { .. }), "{err:?}");
    assert!(
        started.elapsed() < Duration::from_secs(3),
        "{:?}",
        started.elapsed()
    );
}
