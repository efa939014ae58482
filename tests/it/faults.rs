//! One test per fault a boot can meet (issue 3, "Boot-time robustness"):
//! the real binary against the simulator with the fault injected, asserting
//! what the operator sees — the record in the zone, the exit code, the log
//! line — and that the run ends within its bound.
//!
//! [`SCENARIOS`] holds one row per test: the fault, what the updater does,
//! the exit code and the time bound each test asserts (through
//! [`Scenario::check`]). `docs/RELIABILITY.md` is that table rendered;
//! [`reliability_md_matches_the_scenarios`] fails when the two differ
//! (`UPDATE_DOCS=1` rewrites the file) or when a test has no row.

use crate::util::{
    BIN, Env, HOSTNAME, Run, ZONE, fast, finished, propagating, with_imds, with_route53,
};
use ec2_dns_sim::{
    AuthScheme, Fault, FaultKind, FaultTarget, ImdsConfig, Operation, Propagation, PutBehaviour,
    RateLimit, RecordSet, Route53Config, Service, SimConfig, TokenMode,
};
use std::path::Path;
use std::time::{Duration, Instant};

const OLD: &str = "ec2-198-51-100-7.compute-1.amazonaws.com";
const ROLE: &str = ec2_dns_sim::config::DEFAULT_ROLE;

// ---- the table -----------------------------------------------------------

/// One row of `docs/RELIABILITY.md`, and what its test asserts.
#[derive(Debug)]
pub struct Scenario {
    /// The test function in this file.
    pub test: &'static str,
    pub fault: &'static str,
    pub behaviour: &'static str,
    pub exit: i32,
    /// The test fails when the run takes longer. Where a run ends at a
    /// deadline or wait (set short to keep the suite fast): that plus one
    /// second for the process to start.
    pub within_secs: u64,
    /// What a typical run costs, as the test measures it.
    pub typical: &'static str,
}

pub const SCENARIOS: &[Scenario] = &[
    Scenario {
        test: "imds_refusing_connections_at_boot",
        fault: "IMDS refuses connections for the first 3 s of boot",
        behaviour: "retries with jittered backoff (100 ms → 2 s), one warning per attempt (`attempt=n`, `sleep_ms`), until `imds.wait_timeout`",
        exit: 0,
        within_secs: 10,
        typical: "~4–6 s, 5–8 connection attempts",
    },
    Scenario {
        test: "imds_accepting_but_never_answering",
        fault: "IMDS accepts connections and never answers",
        behaviour: "token PUT times out (2 s) → IMDSv1; each GET times out (≤ 2 s, cut to the remaining wait) and is retried until `imds.wait_timeout`; error names IMDS and its endpoint",
        exit: 75,
        within_secs: 4,
        typical: "`imds.wait_timeout` (3 s in the test): a 2 s PUT, then a GET cut to the last second",
    },
    Scenario {
        test: "token_put_hanging_falls_back_to_imdsv1",
        fault: "token PUT never answered (container one hop too far, hop limit 1)",
        behaviour: "after 2 s uses IMDSv1, says why (hop limit), carries on",
        exit: 0,
        within_secs: 6,
        typical: "~3 s (one 2 s PUT timeout)",
    },
    Scenario {
        test: "token_put_hanging_with_imdsv1_disabled_names_the_hop_limit",
        fault: "token PUT never answered and IMDSv1 disabled (`HttpTokens=required`)",
        behaviour: "IMDSv1 gets 401: tries a new token twice, then stops with the fix (`--http-put-response-hop-limit 2`)",
        exit: 69,
        within_secs: 10,
        typical: "~6 s (three 2 s PUT timeouts)",
    },
    Scenario {
        test: "throttled_to_one_request_per_second",
        fault: "Route 53 throttles the account to 1 request/s (HTTP 400 `Throttling`)",
        behaviour: "slows down: waits 5–10 s after a throttle (longer on each later one) and paces the rest of the run; warns per retry, record written and INSYNC",
        exit: 0,
        within_secs: 15,
        typical: "~6–11 s, 1 throttled retry",
    },
    Scenario {
        test: "a_burst_of_5xx_is_retried",
        fault: "4 × HTTP 503 `ServiceUnavailable`",
        behaviour: "backs off and retries; the summary counts the retries",
        exit: 0,
        within_secs: 15,
        typical: "~3–5 s, 4 retries",
    },
    Scenario {
        test: "prior_request_not_complete_is_retried",
        fault: "3 × HTTP 400 `PriorRequestNotComplete` on ChangeResourceRecordSets",
        behaviour: "backs off and re-sends the same batch (UPSERT is idempotent)",
        exit: 0,
        within_secs: 12,
        typical: "~2–4 s, 3 retries",
    },
    Scenario {
        test: "both_throttling_codes_are_retried_despite_http_400",
        fault: "HTTP 400 `Throttling`, then HTTP 400 `ThrottlingException`",
        behaviour: "classified by `<Code>`, not status: both slow the client down (5–10 s, then 10–20 s) and are retried",
        exit: 0,
        within_secs: 34,
        typical: "~15–30 s, 2 retries",
    },
    Scenario {
        test: "clock_skew_of_an_hour_either_way_with_both_schemes",
        fault: "system clock 1 h behind / 1 h ahead of Route 53, `signing = \"sigv4\"` and `\"aws3-https\"`",
        behaviour: "takes the time from the refusal's `Date`, re-signs, keeps the offset for the run, logs the skew once",
        exit: 0,
        within_secs: 8,
        typical: "~1 s, one refused request",
    },
    Scenario {
        test: "getchange_pending_for_seconds_costs_few_calls",
        fault: "the change stays PENDING for 8 s",
        behaviour: "polls GetChange every 6 s for the first minute (then every 10 s)",
        exit: 0,
        within_secs: 14,
        typical: "~12 s, 2 GetChange calls",
    },
    Scenario {
        test: "pending_forever_exits_75_within_the_deadline",
        fault: "the change never reaches INSYNC",
        behaviour: "the record is written; polling stops at `route53.wait_timeout` or `deadline`, whichever is first, and the error names it",
        exit: 75,
        within_secs: 4,
        typical: "the deadline (3 s in the test), 1–2 GetChange calls",
    },
    Scenario {
        test: "credentials_expiring_mid_run_are_refreshed",
        fault: "Route 53 answers `ExpiredToken` to the change (role credentials with a 20 min lifetime)",
        behaviour: "fetches fresh role credentials once and re-sends",
        exit: 0,
        within_secs: 8,
        typical: "~1 s, one extra ChangeResourceRecordSets",
    },
    Scenario {
        test: "credentials_shorter_lived_than_the_refresh_margin",
        fault: "role credentials live 2 s (less than the 5 min refresh margin); the run outlives them",
        behaviour: "refreshes before every call: no request is signed with expired credentials",
        exit: 0,
        within_secs: 10,
        typical: "~3 s, a refresh before each call, no refused request",
    },
    Scenario {
        test: "malformed_route53_answers_are_clear_errors",
        fault: "HTTP 200 with truncated XML, on each of ListResourceRecordSets, ChangeResourceRecordSets, GetChange",
        behaviour: "stops with an error naming the operation, no panic; a rerun converges",
        exit: 75,
        within_secs: 7,
        typical: "< 1 s per run (GetChange: its first poll, at 6 s)",
    },
    Scenario {
        test: "malformed_imds_answers_are_clear_errors",
        fault: "truncated credentials JSON; garbled (non-UTF-8) `public-hostname`",
        behaviour: "stops with an error naming the role document / the metadata path, no secret and no panic",
        exit: 69,
        within_secs: 5,
        typical: "< 1 s",
    },
    Scenario {
        test: "oversized_route53_answer_is_refused",
        fault: "HTTP 200 with a 48 MiB body from Route 53",
        behaviour: "refused from its length (cap 1 MiB) before it is read; memory stays small",
        exit: 75,
        within_secs: 5,
        typical: "< 1 s, max RSS well under 48 MiB",
    },
    Scenario {
        test: "oversized_imds_answer_is_refused",
        fault: "HTTP 200 with a 48 MiB body from IMDS",
        behaviour: "refused from its length (cap 64 KiB) before it is read",
        exit: 69,
        within_secs: 5,
        typical: "< 1 s",
    },
    Scenario {
        test: "a_route53_server_that_never_answers",
        fault: "Route 53 accepts connections and never answers",
        behaviour: "each call times out after 15 s (cut to what is left of `deadline`) and is retried; at `deadline` exits with the last error",
        exit: 75,
        within_secs: 18,
        typical: "the deadline (17 s in the test), 2 attempts",
    },
    Scenario {
        test: "invalid_change_batch_is_sent_once",
        fault: "HTTP 400 `InvalidChangeBatch` (an MX appears at the name between the read and the CREATE)",
        behaviour: "the batch is not re-sent: the name is read again and planned under the same rules; the MX blocks the CNAME and the error names it",
        exit: 65,
        within_secs: 5,
        typical: "1 ChangeResourceRecordSets, 2 listings",
    },
    Scenario {
        test: "access_denied_is_retried_twice_then_fails",
        fault: "HTTP 403 `AccessDenied` on the change, every time",
        behaviour: "two retries within 8 s (a permission granted a moment ago takes seconds to propagate), then no more; hint: `ec2-dns-updater policy`",
        exit: 77,
        within_secs: 12,
        typical: "3 ChangeResourceRecordSets, ~5 s",
    },
    Scenario {
        test: "no_such_hosted_zone_is_sent_once",
        fault: "HTTP 404 `NoSuchHostedZone`",
        behaviour: "no retry; hint: `aws route53 list-hosted-zones`",
        exit: 78,
        within_secs: 5,
        typical: "1 ListResourceRecordSets",
    },
    Scenario {
        test: "sigterm_exits_promptly_and_a_rerun_converges",
        fault: "SIGTERM while a change hangs, and while waiting for INSYNC",
        behaviour: "stops at once (in-flight request dropped), logs why; the rerun writes the record, or waits for the stopped run's change to be INSYNC",
        exit: 75,
        within_secs: 1,
        typical: "exit < 10 ms after the signal; the rerun exits 0",
    },
];

impl Scenario {
    fn get(test: &str) -> &'static Scenario {
        SCENARIOS
            .iter()
            .find(|s| s.test == test)
            .unwrap_or_else(|| panic!("no row for {test} in SCENARIOS"))
    }

    /// The run exited as the table says, within the table's bound, and
    /// never panicked.
    #[track_caller]
    fn check(&self, run: &Run) {
        run.expect_code(self.exit);
        assert!(
            run.elapsed <= Duration::from_secs(self.within_secs),
            "{}: took {:?}, the table promises {} s\n--- stderr\n{}",
            self.test,
            run.elapsed,
            self.within_secs,
            run.stderr
        );
        assert!(
            !run.stderr.contains("panicked"),
            "{}: panicked\n{}",
            self.test,
            run.stderr
        );
        eprintln!("{}: exit {} in {:?}", self.test, run.code, run.elapsed);
    }
}

fn render() -> String {
    let mut out = String::from(
        "# Reliability: faults and outcomes\n\
         \n\
         What `ec2-dns-updater` does when a boot goes wrong. Every row is an\n\
         integration test in `tests/it/faults.rs` that runs the real binary\n\
         against the simulator (`sim/`) with the fault injected and asserts the\n\
         exit code, the bound on the run's time, the record in the zone and the\n\
         log line. The tests set short `deadline`, `imds.wait_timeout` and\n\
         `route53.wait_timeout` values to stay fast; with the defaults (600 s,\n\
         60 s, 300 s) the same faults take correspondingly longer to give up.\n\
         The retry policy itself is the table in `src/aws/retry.rs` (and the README).\n\
         \n\
         Reproduce (all scenarios, about 40 s on 2 cores; the tests mostly wait,\n\
         so `-- --test-threads 8` takes about 20 s):\n\
         \n\
         ```sh\n\
         cargo test --test it faults::\n\
         ```\n\
         \n\
         This file is generated from `SCENARIOS` in `tests/it/faults.rs`; the test\n\
         `faults::reliability_md_matches_the_scenarios` fails when they differ.\n\
         Regenerate it with\n\
         \n\
         ```sh\n\
         UPDATE_DOCS=1 cargo test --test it faults::reliability_md_matches_the_scenarios\n\
         ```\n\
         \n\
         Exit codes: 0 done, 65 change rejected as invalid, 69 the instance cannot\n\
         provide it, 75 temporary failure (a rerun converges), 77 AWS refused,\n\
         78 config (see the README).\n\
         \n\
         \"within\" is the bound each test asserts on the run's time; where a run\n\
         ends at a deadline or wait, it is that plus one second for the process to\n\
         start.\n\
         \n\
         | fault | what the updater does | exit | within (asserted) | typical | test |\n\
         |---|---|---|---|---|---|\n",
    );
    for s in SCENARIOS {
        out.push_str(&format!(
            "| {} | {} | {} | {} s | {} | `{}` |\n",
            s.fault, s.behaviour, s.exit, s.within_secs, s.typical, s.test
        ));
    }
    out.push_str(&crate::safety::render());
    out
}

#[test]
fn reliability_md_matches_the_scenarios() {
    // Every test in this file has a row, and every row a test.
    let source = include_str!("faults.rs");
    let mut tests = Vec::new();
    let mut lines = source.lines();
    while let Some(line) = lines.next() {
        if line.starts_with("#[tokio::test") {
            let f = lines.next().unwrap_or_default();
            let name = f
                .trim_start_matches("async fn ")
                .split('(')
                .next()
                .unwrap_or_default();
            tests.push(name.to_owned());
        }
    }
    let rows: Vec<&str> = SCENARIOS.iter().map(|s| s.test).collect();
    assert_eq!(tests, rows, "SCENARIOS lists the tests, in file order");

    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/RELIABILITY.md");
    let want = render();
    if std::env::var_os("UPDATE_DOCS").is_some() {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, &want).unwrap();
        return;
    }
    let have = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        have == want,
        "docs/RELIABILITY.md is out of date: run\n  UPDATE_DOCS=1 cargo test --test it faults::reliability_md_matches_the_scenarios"
    );
}

// ---- helpers -------------------------------------------------------------

/// Writes a config for `web.example.com` with the given `deadline` and extra
/// lines for `[route53]` and `[imds]`; returns its path.
fn config_file(env: &Env, deadline: &str, route53: &str, imds: &str) -> String {
    env.config_file()
        .deadline(Some(deadline))
        .route53(route53)
        .imds(imds)
        .write()
}

async fn update(env: &Env, config: &str) -> Run {
    env.run(&["--config", config], &[]).await
}

fn with_faults(faults: Vec<Fault>) -> SimConfig {
    SimConfig { faults, ..fast() }
}

fn fault(target: FaultTarget, kind: FaultKind, count: u32) -> Fault {
    Fault::new(target, kind, count)
}

fn op(op: Operation) -> FaultTarget {
    FaultTarget::Route53Op(op)
}

/// Lines of stderr at warn level containing `needle`.
fn warnings<'a>(run: &'a Run, needle: &str) -> Vec<&'a str> {
    run.stderr
        .lines()
        .filter(|l| l.contains("WARN") && l.contains(needle))
        .collect()
}

/// The Route 53 requests of one operation, as (status, error code).
fn answers(env: &Env, operation: Operation) -> Vec<(u16, Option<String>)> {
    env.route53_requests()
        .into_iter()
        .filter(|r| r.operation == Some(operation))
        .map(|r| (r.status, r.error_code))
        .collect()
}

/// The updater (or a wrapper) as a child process, for signals: the clean
/// environment of `util::run_bin`, with this test's state directory.
fn command(env: &Env, program: &str, args: &[&str]) -> tokio::process::Command {
    env.command(program, args)
}

// ---- IMDS at boot ----------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn imds_refusing_connections_at_boot() {
    let env = Env::start(with_imds(ImdsConfig {
        refuse_connections_for: Duration::from_secs(3),
        ..Default::default()
    }))
    .await;
    let config = config_file(&env, "30s", "", "wait_timeout = \"20s\"");
    let run = update(&env, &config).await;
    Scenario::get("imds_refusing_connections_at_boot").check(&run);
    assert_eq!(env.cname("web.example.com").as_deref(), Some(HOSTNAME));
    assert!(
        run.elapsed >= Duration::from_millis(2500),
        "it waited: {:?}",
        run.elapsed
    );
    let retries = warnings(&run, "IMDS not answering yet");
    assert!(retries.len() >= 2, "{}", run.stderr);
    for (n, line) in retries.iter().enumerate() {
        assert!(line.contains(&format!("attempt={}", n + 1)), "{line}");
        assert!(line.contains("sleep_ms="), "{line}");
        assert!(line.contains("onnection refused"), "{line}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn imds_accepting_but_never_answering() {
    let env = Env::start(with_imds(ImdsConfig {
        hang_all: true,
        ..Default::default()
    }))
    .await;
    let config = config_file(&env, "30s", "", "wait_timeout = \"3s\"");
    let run = update(&env, &config).await;
    Scenario::get("imds_accepting_but_never_answering").check(&run);
    run.expect_stderr(&format!(
        "the instance metadata service at {} did not answer within",
        env.sim.imds_url()
    ));
    assert!(env.route53_requests().is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn token_put_hanging_falls_back_to_imdsv1() {
    let env = Env::start(with_imds(ImdsConfig {
        token_put: PutBehaviour::Hang,
        ..Default::default()
    }))
    .await;
    let config = config_file(&env, "30s", "", "wait_timeout = \"10s\"");
    let run = update(&env, &config).await;
    Scenario::get("token_put_hanging_falls_back_to_imdsv1").check(&run);
    run.expect_stderr("the token request timed out after 2s")
        .expect_stderr("hop limit")
        .expect_stderr("using IMDSv1");
    assert_eq!(env.cname("web.example.com").as_deref(), Some(HOSTNAME));
    let gets_without_token = env
        .sim
        .requests()
        .iter()
        .filter(|r| r.service == Service::Imds && r.method == "GET" && !r.had_security_token)
        .count();
    assert!(gets_without_token >= 3, "IMDSv1 GETs");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn token_put_hanging_with_imdsv1_disabled_names_the_hop_limit() {
    let env = Env::start(with_imds(ImdsConfig {
        token_put: PutBehaviour::Hang,
        tokens: TokenMode::Required,
        ..Default::default()
    }))
    .await;
    let config = config_file(&env, "30s", "", "wait_timeout = \"10s\"");
    let run = update(&env, &config).await;
    Scenario::get("token_put_hanging_with_imdsv1_disabled_names_the_hop_limit").check(&run);
    run.expect_stderr("IMDS requires IMDSv2 session tokens")
        .expect_stderr("HttpPutResponseHopLimit")
        .expect_stderr("--http-put-response-hop-limit 2");
    assert_eq!(env.cname("web.example.com"), None);
}

// ---- Route 53 retries ------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn throttled_to_one_request_per_second() {
    let env = Env::start(with_route53(|r| {
        r.rate_limit = Some(RateLimit {
            burst: 1,
            refill_per_sec: 1.0,
            ..Default::default()
        })
    }))
    .await;
    let config = config_file(&env, "30s", "", "");
    let run = update(&env, &config).await;
    Scenario::get("throttled_to_one_request_per_second").check(&run);
    assert_eq!(env.cname("web.example.com").as_deref(), Some(HOSTNAME));
    let throttled = env.sim.stats().throttled;
    assert!(throttled >= 1, "the limit bit");
    let retries = warnings(&run, "Route 53 throttled the account; slowing down");
    assert_eq!(retries.len() as u64, throttled, "{}", run.stderr);
    // The first wait is 5–10 s, enough for the 1/s bucket: one throttle.
    assert_eq!(throttled, 1, "{}", run.stderr);
    // The summary line counts them.
    run.expect_stderr(&format!("throttled={throttled}"));
    assert!(
        retries
            .iter()
            .all(|l| l.contains("Throttling: Rate exceeded (HTTP 400)"))
    );
    assert!(
        run.summary().contains(&format!("{throttled} retr")),
        "{}",
        run.summary()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_burst_of_5xx_is_retried() {
    let env = Env::start(with_faults(vec![fault(
        FaultTarget::Route53,
        FaultKind::Status(503),
        4,
    )]))
    .await;
    let config = config_file(&env, "30s", "", "");
    let run = update(&env, &config).await;
    Scenario::get("a_burst_of_5xx_is_retried").check(&run);
    assert_eq!(env.cname("web.example.com").as_deref(), Some(HOSTNAME));
    let retries = warnings(&run, "Route 53 call failed, retrying");
    assert_eq!(retries.len(), 4, "{}", run.stderr);
    for (n, line) in retries.iter().enumerate() {
        assert!(line.contains(&format!("attempt={}", n + 1)), "{line}");
        assert!(line.contains("ServiceUnavailable"), "{line}");
    }
    assert!(run.summary().contains("4 retries"), "{}", run.summary());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn prior_request_not_complete_is_retried() {
    let env = Env::start(with_faults(vec![fault(
        op(Operation::ChangeResourceRecordSets),
        FaultKind::PriorRequestNotComplete,
        3,
    )]))
    .await;
    let config = config_file(&env, "30s", "", "");
    let run = update(&env, &config).await;
    Scenario::get("prior_request_not_complete_is_retried").check(&run);
    assert_eq!(env.cname("web.example.com").as_deref(), Some(HOSTNAME));
    let changes = answers(&env, Operation::ChangeResourceRecordSets);
    assert_eq!(changes.len(), 4, "{changes:?}");
    assert!(
        changes[..3]
            .iter()
            .all(|(s, c)| *s == 400 && c.as_deref() == Some("PriorRequestNotComplete"))
    );
    assert_eq!(changes[3].0, 200);
    assert_eq!(
        warnings(&run, "PriorRequestNotComplete").len(),
        3,
        "{}",
        run.stderr
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn both_throttling_codes_are_retried_despite_http_400() {
    let env = Env::start(with_faults(vec![
        fault(FaultTarget::Route53, FaultKind::Throttling, 1),
        fault(FaultTarget::Route53, FaultKind::ThrottlingException, 1),
    ]))
    .await;
    let config = config_file(&env, "30s", "", "");
    let run = update(&env, &config).await;
    Scenario::get("both_throttling_codes_are_retried_despite_http_400").check(&run);
    assert_eq!(env.cname("web.example.com").as_deref(), Some(HOSTNAME));
    let lists = answers(&env, Operation::ListResourceRecordSets);
    assert_eq!(
        lists,
        [
            (400, Some("Throttling".to_owned())),
            (400, Some("ThrottlingException".to_owned())),
            (200, None)
        ]
    );
    assert_eq!(
        warnings(&run, "Throttling: Rate exceeded (HTTP 400)").len(),
        1
    );
    assert_eq!(
        warnings(&run, "ThrottlingException: Rate exceeded (HTTP 400)").len(),
        1
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn clock_skew_of_an_hour_either_way_with_both_schemes() {
    async fn skewed(skew: i64, signing: &str) {
        let env = Env::start(with_route53(|r| r.clock_skew_secs = skew)).await;
        let config = config_file(&env, "30s", &format!("signing = \"{signing}\""), "");
        let run = update(&env, &config).await;
        Scenario::get("clock_skew_of_an_hour_either_way_with_both_schemes").check(&run);
        assert_eq!(
            env.cname("web.example.com").as_deref(),
            Some(HOSTNAME),
            "{skew} {signing}"
        );
        let skew_lines = warnings(&run, "the system clock is");
        assert_eq!(skew_lines.len(), 1, "{skew} {signing}: {}", run.stderr);
        let way = if skew > 0 {
            "behind Route 53's"
        } else {
            "ahead of Route 53's"
        };
        assert!(skew_lines[0].contains(way), "{}", skew_lines[0]);
        // One refusal, then every request (signed with the learnt offset) passes.
        let r53 = env.route53_requests();
        let expected_code = if signing == "sigv4" {
            "SignatureDoesNotMatch"
        } else {
            "RequestExpired"
        };
        assert_eq!(r53[0].status, 403);
        assert_eq!(r53[0].error_code.as_deref(), Some(expected_code));
        assert!(r53[1..].iter().all(|r| r.status == 200), "{r53:#?}");
        let scheme = if signing == "sigv4" {
            AuthScheme::SigV4
        } else {
            AuthScheme::Aws3Https
        };
        assert!(r53.iter().all(|r| r.scheme == Some(scheme)));
    }
    tokio::join!(
        skewed(3600, "sigv4"),
        skewed(-3600, "sigv4"),
        skewed(3600, "aws3-https"),
        skewed(-3600, "aws3-https"),
    );
}

// ---- waiting for INSYNC ----------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn getchange_pending_for_seconds_costs_few_calls() {
    let env = Env::start(with_route53(|r| r.propagation = Duration::from_secs(8))).await;
    let config = config_file(&env, "30s", "", "");
    let run = update(&env, &config).await;
    Scenario::get("getchange_pending_for_seconds_costs_few_calls").check(&run);
    assert_eq!(env.cname("web.example.com").as_deref(), Some(HOSTNAME));
    // At 6 and 12 s: PENDING, then INSYNC.
    let polls = env.count(Operation::GetChange);
    assert_eq!(polls, 2, "{polls} GetChange calls");
    assert!(run.summary().contains(": INSYNC"), "{}", run.summary());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pending_forever_exits_75_within_the_deadline() {
    // The deadline comes first...
    let env = Env::start(with_route53(|r| r.propagation = Propagation::Never)).await;
    let config = config_file(&env, "3s", "", "");
    let run = update(&env, &config).await;
    let row = Scenario::get("pending_forever_exits_75_within_the_deadline");
    row.check(&run);
    run.expect_stderr("is still PENDING after")
        .expect_stderr("(deadline)");
    assert_eq!(
        env.cname("web.example.com").as_deref(),
        Some(HOSTNAME),
        "written, not yet everywhere"
    );
    let polls = env.count(Operation::GetChange);
    assert!((1..=2).contains(&polls), "{polls} GetChange calls");

    // ...or route53.wait_timeout does.
    let env = Env::start(with_route53(|r| r.propagation = Propagation::Never)).await;
    let config = config_file(&env, "30s", "wait_timeout = \"2s\"", "");
    let run = update(&env, &config).await;
    row.check(&run);
    run.expect_stderr("is still PENDING after")
        .expect_stderr("(route53.wait_timeout)");
}

// ---- credentials over time -------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn credentials_expiring_mid_run_are_refreshed() {
    let env = Env::start(SimConfig {
        imds: ImdsConfig {
            credentials_lifetime: Duration::from_secs(20 * 60),
            ..Default::default()
        },
        faults: vec![fault(
            op(Operation::ChangeResourceRecordSets),
            FaultKind::ExpiredToken,
            1,
        )],
        ..fast()
    })
    .await;
    let config = config_file(&env, "30s", "", "");
    let run = update(&env, &config).await;
    Scenario::get("credentials_expiring_mid_run_are_refreshed").check(&run);
    assert_eq!(env.cname("web.example.com").as_deref(), Some(HOSTNAME));
    assert_eq!(
        warnings(&run, "the credentials expired; fetching fresh ones").len(),
        1
    );
    assert_eq!(
        answers(&env, Operation::ChangeResourceRecordSets),
        [(403, Some("ExpiredToken".to_owned())), (200, None)]
    );
    assert!(env.sim.stats().credentials_served >= 2, "fetched again");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn credentials_shorter_lived_than_the_refresh_margin() {
    let env = Env::start(SimConfig {
        imds: ImdsConfig {
            credentials_lifetime: Duration::from_secs(2),
            ..Default::default()
        },
        route53: Route53Config {
            propagation: Duration::from_millis(2500),
            ..Default::default()
        },
        ..Default::default()
    })
    .await;
    let config = config_file(&env, "30s", "", "");
    let run = update(&env, &config).await;
    Scenario::get("credentials_shorter_lived_than_the_refresh_margin").check(&run);
    assert_eq!(env.cname("web.example.com").as_deref(), Some(HOSTNAME));
    run.expect_stderr("refreshed instance role credentials");
    let r53 = env.route53_requests();
    assert!(
        r53.iter().all(|r| r.status == 200),
        "nothing signed with expired credentials: {r53:#?}"
    );
    assert!(run.elapsed > Duration::from_secs(2), "outlived them");
}

// ---- malformed and oversized answers ---------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn malformed_route53_answers_are_clear_errors() {
    let row = Scenario::get("malformed_route53_answers_are_clear_errors");
    for operation in [
        Operation::ListResourceRecordSets,
        Operation::ChangeResourceRecordSets,
        Operation::GetChange,
    ] {
        let env = Env::start(SimConfig {
            faults: vec![fault(op(operation), FaultKind::Malformed, 1)],
            ..propagating()
        })
        .await;
        let config = config_file(&env, "30s", "", "");
        let run = update(&env, &config).await;
        row.check(&run);
        run.expect_stderr(&format!(
            "Route 53 {} answered with something this program cannot read",
            operation.name()
        ));
        assert_eq!(env.count(operation), 1, "not retried");
        // A rerun converges.
        run_ok_again(&env, &config).await;
    }
}

async fn run_ok_again(env: &Env, config: &str) {
    let again = update(env, config).await;
    again.expect_code(0);
    assert_eq!(env.cname("web.example.com").as_deref(), Some(HOSTNAME));
}

/// How many IMDS requests a normal run makes before it asks for `path`.
async fn imds_requests_before(path_suffix: &str) -> u32 {
    let env = Env::start(fast()).await;
    let config = config_file(&env, "30s", "", "");
    update(&env, &config).await.expect_code(0);
    let imds: Vec<_> = env
        .sim
        .requests()
        .into_iter()
        .filter(|r| r.service == Service::Imds)
        .collect();
    imds.iter()
        .position(|r| r.path.ends_with(path_suffix))
        .unwrap_or_else(|| panic!("no IMDS request for {path_suffix}: {imds:#?}")) as u32
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn malformed_imds_answers_are_clear_errors() {
    let row = Scenario::get("malformed_imds_answers_are_clear_errors");
    for (path, message) in [
        (
            format!("security-credentials/{ROLE}"),
            format!("the credentials document for role {ROLE} is malformed: not JSON (truncated"),
        ),
        (
            "meta-data/public-hostname".to_owned(),
            "IMDS answered meta-data/public-hostname with a body this program cannot use: not UTF-8 text".to_owned(),
        ),
    ] {
        // The fault queue matches every IMDS request: let the ones before
        // `path` through (a zero delay), then garble the answer to `path`.
        let before = imds_requests_before(&path).await;
        let mut faults = Vec::new();
        if before > 0 {
            faults.push(fault(
                FaultTarget::Imds,
                FaultKind::Delay(Duration::ZERO),
                before,
            ));
        }
        faults.push(fault(FaultTarget::Imds, FaultKind::Malformed, 1));
        let env = Env::start(with_faults(faults)).await;
        let config = config_file(&env, "30s", "", "");
        let run = update(&env, &config).await;
        row.check(&run);
        run.expect_stderr(&message);
        assert!(env.sim.pending_faults().is_empty(), "{path} was garbled");
        assert_eq!(env.cname("web.example.com"), None);
        if let Some(creds) = env.sim.role_credentials() {
            assert!(!run.stderr.contains(creds.secret_access_key.expose()));
        }
    }
}

/// Max resident set size of a run, in KiB, when GNU time is installed.
fn max_rss_kib(stderr: &str) -> Option<u64> {
    stderr
        .lines()
        .rev()
        .find_map(|l| l.strip_prefix("max_rss_kib="))
        .and_then(|v| v.trim().parse().ok())
}

/// Runs under `/usr/bin/time` (GNU) when it is there, to see peak memory.
async fn run_measured(env: &Env, config: &str) -> Run {
    let started = Instant::now();
    let gnu_time = Path::new("/usr/bin/time");
    let mut cmd = if gnu_time.exists() {
        command(
            env,
            "/usr/bin/time",
            &["-f", "max_rss_kib=%M", BIN, "--config", config],
        )
    } else {
        command(env, BIN, &["--config", config])
    };
    finished(cmd.output().await.unwrap(), started)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn oversized_route53_answer_is_refused() {
    let env = Env::start(with_faults(vec![fault(
        op(Operation::ListResourceRecordSets),
        FaultKind::Oversized,
        1,
    )]))
    .await;
    let config = config_file(&env, "30s", "", "");
    let run = run_measured(&env, &config).await;
    Scenario::get("oversized_route53_answer_is_refused").check(&run);
    run.expect_stderr("Route 53 ListResourceRecordSets answered with something this program cannot read: the response is larger than 1048576 bytes");
    assert_eq!(env.count(Operation::ListResourceRecordSets), 1);
    match max_rss_kib(&run.stderr) {
        Some(kib) => assert!(kib < 40 * 1024, "peak memory {kib} KiB"),
        None => eprintln!("no GNU time: peak memory not measured"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn oversized_imds_answer_is_refused() {
    let env = Env::start(with_faults(vec![fault(
        FaultTarget::Imds,
        FaultKind::Oversized,
        1,
    )]))
    .await;
    let config = config_file(&env, "30s", "", "");
    let run = run_measured(&env, &config).await;
    Scenario::get("oversized_imds_answer_is_refused").check(&run);
    run.expect_stderr("the response is larger than 65536 bytes");
    assert!(env.route53_requests().is_empty());
    if let Some(kib) = max_rss_kib(&run.stderr) {
        assert!(kib < 40 * 1024, "peak memory {kib} KiB");
    }
}

// ---- a server that never answers -------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_route53_server_that_never_answers() {
    let env = Env::start(with_faults(vec![fault(
        FaultTarget::Route53,
        FaultKind::Hang,
        1000,
    )]))
    .await;
    // Long enough for one whole 15 s request timeout and a retry.
    let config = config_file(&env, "17s", "", "");
    let run = update(&env, &config).await;
    Scenario::get("a_route53_server_that_never_answers").check(&run);
    run.expect_stderr("gave up on Route 53 ListResourceRecordSets after 2 attempts")
        .expect_stderr("timed out");
    let retries = warnings(&run, "Route 53 call failed, retrying");
    assert!(
        retries.iter().all(|l| l.contains("timed out")),
        "{}",
        run.stderr
    );
    assert_eq!(
        answers(&env, Operation::ListResourceRecordSets),
        [(0, None), (0, None)],
        "two attempts, both unanswered"
    );
    assert_eq!(env.cname("web.example.com"), None);
}

// ---- errors a retry cannot fix ---------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn invalid_change_batch_is_sent_once() {
    // The name is free when read; an MX appears before the CREATE arrives.
    let env = Env::start(with_faults(vec![fault(
        op(Operation::ChangeResourceRecordSets),
        FaultKind::Delay(Duration::from_millis(1500)),
        1,
    )]))
    .await;
    let config = config_file(&env, "30s", "", "");
    let racer = async {
        let waiting = Instant::now();
        while env.count(Operation::ListResourceRecordSets) == 0 {
            if waiting.elapsed() > Duration::from_secs(20) {
                return; // the run failed before reading; its exit code says why
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        env.sim.put_record(
            ZONE,
            RecordSet::new("web.example.com", "MX", 300, ["10 mail.example.net."]),
        );
    };
    let (run, ()) = tokio::join!(update(&env, &config), racer);
    Scenario::get("invalid_change_batch_is_sent_once").check(&run);
    run.expect_stderr("InvalidChangeBatch").expect_stderr("MX");
    assert_eq!(env.count(Operation::ChangeResourceRecordSets), 1);
    assert_eq!(env.count(Operation::ListResourceRecordSets), 2);
    assert!(warnings(&run, "retrying").is_empty(), "{}", run.stderr);
    // The MX stays; nothing of ours was written.
    assert_eq!(env.cname("web.example.com"), None);
    assert!(env.sim.record(ZONE, "web.example.com", "MX").is_some());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn access_denied_is_retried_twice_then_fails() {
    let env = Env::start(with_route53(|r| {
        r.deny = vec![Operation::ChangeResourceRecordSets]
    }))
    .await;
    let config = config_file(&env, "30s", "", "");
    let run = update(&env, &config).await;
    Scenario::get("access_denied_is_retried_twice_then_fails").check(&run);
    run.expect_stderr("AccessDenied")
        .expect_stderr("ec2-dns-updater policy");
    assert_eq!(env.count(Operation::ChangeResourceRecordSets), 3);
    assert_eq!(warnings(&run, "retrying").len(), 2, "{}", run.stderr);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_such_hosted_zone_is_sent_once() {
    let env = Env::start(fast()).await;
    let config = env.write_config(&format!(
        "deadline = \"30s\"\n[[record]]\nzone = \"ZNOSUCHZONE0000000000\"\nname = \"web.example.com\"\n[route53]\nendpoint = \"{}\"\n[imds]\nendpoint = \"{}\"\n",
        env.sim.route53_url(),
        env.sim.imds_url()
    ));
    let run = update(&env, config.to_str().unwrap()).await;
    Scenario::get("no_such_hosted_zone_is_sent_once").check(&run);
    run.expect_stderr("NoSuchHostedZone")
        .expect_stderr("list-hosted-zones");
    assert_eq!(env.count(Operation::ListResourceRecordSets), 1);
    assert!(warnings(&run, "retrying").is_empty(), "{}", run.stderr);
}

// ---- SIGTERM ---------------------------------------------------------------

/// Starts the updater, waits until the simulator has seen `until` (a
/// ChangeResourceRecordSets with that status), sends SIGTERM, and returns the
/// run with `elapsed` counted from the signal.
async fn terminated_when(env: &Env, config: &str, until_status: u16) -> Run {
    let child = command(env, BIN, &["--config", config]).spawn().unwrap();
    let pid = child.id().expect("running");
    let seen = Instant::now();
    while !env.sim.requests().iter().any(|r| {
        r.operation == Some(Operation::ChangeResourceRecordSets) && r.status == until_status
    }) {
        assert!(
            seen.elapsed() < Duration::from_secs(10),
            "the change was never sent"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    // The hung change has no answer yet; the applied one is being waited on.
    tokio::time::sleep(Duration::from_millis(300)).await;
    let signalled = Instant::now();
    let kill = std::process::Command::new("kill")
        .args(["-TERM", &pid.to_string()])
        .status()
        .unwrap();
    assert!(kill.success());
    let out = tokio::time::timeout(Duration::from_secs(10), child.wait_with_output())
        .await
        .expect("exits after SIGTERM")
        .unwrap();
    finished(out, signalled)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_exits_promptly_and_a_rerun_converges() {
    let row = Scenario::get("sigterm_exits_promptly_and_a_rerun_converges");
    // Killed while the change hangs: nothing was written; the rerun writes it.
    let env = Env::start(with_faults(vec![fault(
        op(Operation::ChangeResourceRecordSets),
        FaultKind::Hang,
        1,
    )]))
    .await;
    env.sim
        .put_record(ZONE, RecordSet::cname("web.example.com", 60, OLD));
    let config = config_file(&env, "30s", "", "");
    let run = terminated_when(&env, &config, 0).await;
    row.check(&run);
    run.expect_stderr("stopped by SIGTERM before the update finished; a rerun converges");
    assert_eq!(env.cname("web.example.com").as_deref(), Some(OLD));
    run_ok_again(&env, &config).await;

    // Killed while waiting for INSYNC: the change stands; the rerun finds the
    // record right and waits for that change to be INSYNC before exiting 0.
    let env = Env::start(with_route53(|r| r.propagation = Duration::from_secs(4))).await;
    env.sim
        .put_record(ZONE, RecordSet::cname("web.example.com", 60, OLD));
    let config = config_file(&env, "30s", "", "");
    let run = terminated_when(&env, &config, 200).await;
    row.check(&run);
    run.expect_stderr("stopped by SIGTERM");
    let before = env.count(Operation::ChangeResourceRecordSets);
    let again = update(&env, &config).await;
    again.expect_code(0);
    assert!(
        again.summary().contains("already right"),
        "{}",
        again.summary()
    );
    assert_eq!(env.count(Operation::ChangeResourceRecordSets), before);
    again.expect_stderr("an earlier run's change is still PENDING");
    assert!(env.count(Operation::GetChange) >= 1);
    assert_eq!(env.cname("web.example.com").as_deref(), Some(HOSTNAME));
}
