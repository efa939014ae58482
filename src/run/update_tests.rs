//! `update::run` end to end against the simulator, in-process, on virtual
//! time (`aws::testing`): the typed outcome (statuses and counters), what
//! the zone holds afterwards and the exact Route 53 requests sent.

use crate::aws::credentials::Env;
use crate::aws::testing::{self, FastClock, log};
use crate::config::Config;
use crate::run::context::Context;
use crate::run::outcome::{Outcome, Status};
use crate::run::state::StateDir;
use crate::run::update::{self, Mode};
use aws_sign::secret::Secret;
use ec2_dns_sim::config::{
    DEFAULT_PUBLIC_HOSTNAME as HOSTNAME, DEFAULT_PUBLIC_IPV4 as IPV4, DEFAULT_ZONE_ID as ZONE,
    STATIC_ACCESS_KEY_ID, STATIC_SECRET_ACCESS_KEY,
};
use ec2_dns_sim::{
    Fault, FaultKind, FaultTarget, ImdsConfig, Operation, Propagation, RecordSet, Route53Config,
    Sim, SimConfig,
};
use std::time::Duration;
use tokio::time::Instant;

const LIST: &str = "GET ListResourceRecordSets 200";
const CHANGE: &str = "POST ChangeResourceRecordSets 200";
const GET_CHANGE: &str = "GET GetChange 200";

/// A simulator whose changes are INSYNC 100 ms after they are made (real
/// time), so the client's first poll sees INSYNC: it comes 6 s after the
/// change in virtual time, about 240 ms of real time.
async fn start(imds: ImdsConfig) -> (Sim, FastClock) {
    testing::start(SimConfig {
        imds,
        route53: Route53Config {
            propagation: Duration::from_millis(100),
            ..Route53Config::default()
        },
        ..SimConfig::default()
    })
    .await
}

/// A run context for one record `web.example.com` (its TOML lines in
/// `record`; `route53`: lines for its `[route53]` table), static keys, a
/// state directory of its own.
fn context(sim: &Sim, record: &str, route53: &str, state: &tempfile::TempDir) -> Context {
    let text = format!(
        "deadline = \"60s\"\n\n[[record]]\nzone = \"{ZONE}\"\nname = \"web.example.com\"\nttl = 60\n{record}\n\n[route53]\nendpoint = \"{}\"\nsigning = \"sigv4\"\n{route53}\n\n[imds]\nendpoint = \"{}\"\nwait_timeout = \"10s\"\n",
        sim.route53_url(),
        sim.imds_url()
    );
    let config = Config::parse(&text, std::path::Path::new("/test/config.toml")).unwrap();
    let env = Env {
        access_key_id: Some(STATIC_ACCESS_KEY_ID.into()),
        secret_access_key: Some(Secret::new(STATIC_SECRET_ACCESS_KEY)),
        ..Env::default()
    };
    let state = StateDir::locate(Some(state.path()), None);
    Context::new(config, env, state).unwrap()
}

async fn run(ctx: &Context, dry_run: bool) -> (Outcome, String) {
    ctx.begin_pass();
    let mut out = Vec::new();
    let outcome = update::run(ctx, Mode::Update, dry_run, &mut out)
        .await
        .unwrap();
    (outcome, String::from_utf8(out).unwrap())
}

/// The Route 53 part of the request log.
fn route53_log(sim: &Sim) -> Vec<String> {
    log(sim)
        .into_iter()
        .filter(|l| !l.contains("/latest/"))
        .collect()
}

fn cname(sim: &Sim) -> Option<String> {
    sim.record(ZONE, "web.example.com", "CNAME")
        .map(|r| r.values.join(","))
}

#[tokio::test(start_paused = true)]
async fn a_new_record_is_one_listing_one_change_and_a_poll() {
    let (sim, _clock) = start(ImdsConfig::default()).await;
    let state = tempfile::tempdir().unwrap();
    let ctx = context(&sim, "", "", &state);
    let (outcome, _) = run(&ctx, false).await;
    assert_eq!(outcome.records.len(), 1);
    let record = &outcome.records[0];
    assert_eq!(record.name.as_str(), "web.example.com.");
    assert_eq!(record.rtype, "CNAME");
    assert_eq!(record.old, None);
    assert_eq!(record.new, HOSTNAME);
    assert_eq!(record.status, Status::Changed { insync: Some(true) });
    assert_eq!((outcome.changed(), outcome.dry_run), (1, false));
    assert_eq!(route53_log(&sim), [LIST, CHANGE, GET_CHANGE]);
    assert_eq!((outcome.api_calls, outcome.retries), (3, 0));
    assert_eq!(cname(&sim).as_deref(), Some(HOSTNAME));
    // The change is not pending any more.
    assert!(ctx.state.pending_changes().is_empty());
}

#[tokio::test(start_paused = true)]
async fn an_unchanged_record_costs_one_listing() {
    let (sim, _clock) = start(ImdsConfig::default()).await;
    sim.put_record(ZONE, RecordSet::cname("web.example.com", 60, HOSTNAME));
    let state = tempfile::tempdir().unwrap();
    let ctx = context(&sim, "", "", &state);
    let (outcome, _) = run(&ctx, false).await;
    assert_eq!(outcome.records[0].status, Status::AlreadyRight);
    assert_eq!(outcome.records[0].old.as_deref(), Some(HOSTNAME));
    assert_eq!(outcome.changed(), 0);
    assert_eq!(route53_log(&sim), [LIST]);
    assert_eq!((outcome.api_calls, outcome.retries), (1, 0));
}

#[tokio::test(start_paused = true)]
async fn a_second_pass_after_a_change_costs_one_listing() {
    let (sim, _clock) = start(ImdsConfig::default()).await;
    let state = tempfile::tempdir().unwrap();
    let ctx = context(&sim, "", "", &state);
    run(&ctx, false).await;
    let (outcome, _) = run(&ctx, false).await;
    assert_eq!(outcome.records[0].status, Status::AlreadyRight);
    // Counters are per pass.
    assert_eq!(outcome.api_calls, 1);
    assert_eq!(route53_log(&sim), [LIST, CHANGE, GET_CHANGE, LIST]);
}

#[tokio::test(start_paused = true)]
async fn a_dry_run_reads_and_sends_nothing() {
    let old = "ec2-198-51-100-7.compute-1.amazonaws.com";
    let (sim, _clock) = start(ImdsConfig::default()).await;
    sim.put_record(ZONE, RecordSet::cname("web.example.com", 60, old));
    let state = tempfile::tempdir().unwrap();
    let ctx = context(&sim, "", "", &state);
    let (outcome, printed) = run(&ctx, true).await;
    assert!(outcome.dry_run);
    assert_eq!(outcome.records[0].status, Status::WouldChange);
    assert_eq!(outcome.records[0].old.as_deref(), Some(old));
    assert_eq!(outcome.changed(), 0);
    assert!(printed.contains("web.example.com"), "{printed}");
    assert_eq!(route53_log(&sim), [LIST]);
    assert_eq!(cname(&sim).as_deref(), Some(old));
    assert_eq!(sim.stats().changes_applied, 0);
}

#[tokio::test(start_paused = true)]
async fn a_type_switch_is_one_batch() {
    let old = "ec2-198-51-100-7.compute-1.amazonaws.com";
    let (sim, _clock) = start(ImdsConfig {
        public_hostname: None,
        ..ImdsConfig::default()
    })
    .await;
    sim.put_record(ZONE, RecordSet::cname("web.example.com", 60, old));
    let state = tempfile::tempdir().unwrap();
    let ctx = context(
        &sim,
        "source = [\"public-hostname\", \"public-ipv4\"]",
        "",
        &state,
    );
    let (outcome, _) = run(&ctx, false).await;
    let record = &outcome.records[0];
    assert_eq!(record.rtype, "A");
    assert_eq!(record.new, IPV4);
    assert_eq!(record.old.as_deref(), Some(&*format!("CNAME {old}")));
    assert_eq!(record.status, Status::Changed { insync: Some(true) });
    assert_eq!(route53_log(&sim), [LIST, CHANGE, GET_CHANGE]);
    assert_eq!(sim.stats().changes_applied, 1);
    assert_eq!(cname(&sim), None);
    assert_eq!(
        sim.record(ZONE, "web.example.com", "A")
            .map(|r| r.values.join(",")),
        Some(IPV4.to_owned())
    );
}

#[tokio::test(start_paused = true)]
async fn a_throttled_change_is_retried_and_counted() {
    let (sim, _clock) = start(ImdsConfig::default()).await;
    sim.inject(Fault::new(
        FaultTarget::Route53Op(Operation::ChangeResourceRecordSets),
        FaultKind::Throttling,
        2,
    ));
    let state = tempfile::tempdir().unwrap();
    let ctx = context(&sim, "", "", &state);
    let (outcome, _) = run(&ctx, false).await;
    assert_eq!(
        outcome.records[0].status,
        Status::Changed { insync: Some(true) }
    );
    let throttled = "POST ChangeResourceRecordSets 400 Throttling";
    assert_eq!(
        route53_log(&sim),
        [LIST, throttled, throttled, CHANGE, GET_CHANGE]
    );
    assert_eq!((outcome.api_calls, outcome.retries), (5, 2));
    assert_eq!(outcome.throttled, 2);
    assert_eq!(sim.stats().changes_applied, 1);
    // The pacer's waits (5–10 s, then 10–20 s), then one GetChange on the
    // throttled schedule: at 61 s after the change, or, as here, 2 s before
    // the run's 60 s deadline.
    assert!(
        outcome.elapsed >= Duration::from_millis(57_500)
            && outcome.elapsed <= Duration::from_millis(58_500),
        "{:?}",
        outcome.elapsed
    );
}

#[tokio::test(start_paused = true)]
async fn a_change_refused_for_good_leaves_the_zone_alone() {
    let (sim, _clock) = start(ImdsConfig::default()).await;
    sim.inject(Fault::new(
        FaultTarget::Route53Op(Operation::ChangeResourceRecordSets),
        FaultKind::AccessDenied,
        100,
    ));
    let state = tempfile::tempdir().unwrap();
    let ctx = context(&sim, "", "", &state);
    ctx.begin_pass();
    let err = update::run(&ctx, Mode::Update, false, &mut Vec::new())
        .await
        .unwrap_err();
    assert_eq!(err.exit_code(), 77, "{err}");
    let denied = "POST ChangeResourceRecordSets 403 AccessDenied";
    assert_eq!(route53_log(&sim), [LIST, denied, denied, denied]);
    assert_eq!(cname(&sim), None);
}

#[tokio::test(start_paused = true)]
async fn a_change_still_pending_at_wait_timeout_is_remembered() {
    let (sim, _clock) = testing::start(SimConfig {
        route53: Route53Config {
            propagation: Propagation::Never,
            ..Route53Config::default()
        },
        ..SimConfig::default()
    })
    .await;
    let state = tempfile::tempdir().unwrap();
    let ctx = context(&sim, "", "wait_timeout = \"13s\"", &state);
    ctx.begin_pass();
    let started = Instant::now();
    let err = update::run(&ctx, Mode::Update, false, &mut Vec::new())
        .await
        .unwrap_err();
    let waited = started.elapsed();
    assert_eq!(err.exit_code(), 75, "{err}");
    assert!(err.to_string().contains("PENDING"), "{err}");
    // Polls at 6 and 12 s (wait::poll_after); the next (18 s) is past 13 s.
    assert_eq!(route53_log(&sim), [LIST, CHANGE, GET_CHANGE, GET_CHANGE]);
    assert!(waited >= Duration::from_secs(13), "{waited:?}");
    assert!(waited < Duration::from_millis(14_000), "{waited:?}");
    // Applied but not INSYNC: the record is there, and the change id is
    // kept so that the next run waits for it before saying "done".
    assert_eq!(cname(&sim).as_deref(), Some(HOSTNAME));
    assert_eq!(ctx.state.pending_changes().len(), 1);
}
