//! Support for the in-process tests (`cargo test --lib`): the simulator
//! started inside the test's runtime, virtual time that moves while real
//! sockets answer, and the simulator's request log as short lines.
//!
//! Why not plain `start_paused` auto-advance: while a request is on the
//! wire, the runtime is idle with the request's timeout as its next timer,
//! so auto-advance would jump straight to that timeout and fail every call.
//! [`FastClock`] turns auto-advance off and moves the paused clock itself,
//! [`STEP`] per millisecond of real time: the client's backoff sleeps,
//! deadlines and GetChange polls pass 25 times faster than real time, while a
//! loopback round trip (a fraction of a millisecond, on the same thread as
//! the simulator) sees at most a step or two.

use crate::aws::imds::Imds;
use ec2_dns_sim::{Service, Sim, SimConfig};
use std::sync::mpsc;
use std::time::Duration;

/// Virtual time added per real millisecond.
pub(crate) const STEP: Duration = Duration::from_millis(25);

/// Moves a paused clock forward while the test runs; stops when dropped.
/// Use inside `#[tokio::test(start_paused = true)]`.
#[derive(Debug)]
pub(crate) struct FastClock {
    driver: tokio::task::JoinHandle<()>,
    release: Option<mpsc::Sender<()>>,
}

impl FastClock {
    pub(crate) fn start() -> Self {
        // A blocking task keeps auto-advance off for as long as it runs.
        let (release, held) = mpsc::channel::<()>();
        drop(tokio::task::spawn_blocking(move || {
            let _ = held.recv();
        }));
        let driver = tokio::spawn(async {
            loop {
                // A real millisecond (the runtime thread stays free to serve
                // sockets meanwhile), then a step of virtual time.
                let _ = tokio::task::spawn_blocking(|| {
                    std::thread::sleep(Duration::from_millis(1));
                })
                .await;
                tokio::time::advance(STEP).await;
            }
        });
        FastClock {
            driver,
            release: Some(release),
        }
    }
}

impl Drop for FastClock {
    fn drop(&mut self) {
        self.driver.abort();
        if let Some(tx) = self.release.take() {
            let _ = tx.send(());
        }
    }
}

/// The simulator, on the current runtime, and a clock driving virtual time.
pub(crate) async fn start(config: SimConfig) -> (Sim, FastClock) {
    let sim = Sim::start(config).await.expect("simulator starts");
    (sim, FastClock::start())
}

/// An IMDS client for the simulator's instance.
pub(crate) fn imds(sim: &Sim, v1_fallback: bool, wait_timeout: Duration) -> Imds {
    let url = reqwest::Url::parse(&sim.imds_url()).unwrap();
    Imds::new(
        crate::aws::http::imds_client().unwrap(),
        &url,
        v1_fallback,
        wait_timeout,
    )
}

/// The simulator's request log as lines: `PUT /latest/api/token 200`,
/// `GET /latest/meta-data/instance-id 200 token` (IMDS; `token` when the
/// request carried an IMDSv2 token), `GET ListResourceRecordSets 200`,
/// `POST ChangeResourceRecordSets 400 Throttling` (Route 53).
pub(crate) fn log(sim: &Sim) -> Vec<String> {
    sim.requests()
        .iter()
        .map(|r| {
            let mut line = match (r.service, r.operation) {
                (Service::Imds, _) => format!("{} {} {}", r.method, r.path, r.status),
                (_, Some(op)) => format!("{} {op:?} {}", r.method, r.status),
                (_, None) => format!("{} {} {}", r.method, r.path, r.status),
            };
            if r.service == Service::Imds && r.had_security_token {
                line.push_str(" token");
            }
            if let Some(code) = &r.error_code {
                line.push(' ');
                line.push_str(code);
            }
            line
        })
        .collect()
}
