//! TLS trust, where AWS3-HTTPS may be used, endpoints, credentials (issue 9 items 6, 9, 13).

use super::{Case, case};
use crate::util::{Env, ZONE, fast};
use ec2_dns_sim::{Route53Config, SimConfig, TlsConfig};
use std::time::Duration;

pub const CASES: &[Case] = &[
    Case {
        test: "untrusted_certificate_fails_at_once_without_a_proxy",
        item: "6",
        case: "Route 53's certificate is not trusted (no `ca_bundle`), direct connection",
        behaviour: "no retry loop: stops at the first handshake with the `route53.ca_bundle` hint, nothing written",
        exit: 78,
    },
    Case {
        test: "certificate_not_valid_yet_is_retried_until_the_deadline",
        item: "6",
        case: "Route 53's certificate is \"not valid yet\" by this clock (clock behind before time sync)",
        behaviour: "temporary: retried with backoff until `deadline`, then a hint about the clock, nothing written",
        exit: 75,
    },
    Case {
        test: "expired_certificate_fails_at_once",
        item: "6",
        case: "Route 53's certificate has expired by this clock",
        behaviour: "not retried (AWS renews long before expiry: a proxy's or private endpoint's certificate, or a clock months ahead); hint names both",
        exit: 78,
    },
];

fn tls_sim(leaf_years: Option<(i32, i32)>) -> SimConfig {
    SimConfig {
        route53: Route53Config {
            tls: Some(TlsConfig {
                leaf_years,
                ..TlsConfig::default()
            }),
            ..fast().route53
        },
        ..fast()
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn untrusted_certificate_fails_at_once_without_a_proxy() {
    let row = case(CASES, "untrusted_certificate_fails_at_once_without_a_proxy");
    let env = Env::start(tls_sim(None)).await;
    assert!(env.sim.route53_url().starts_with("https://"));
    let config = env.config("");
    let run = env
        .run(
            &["--config", config.to_str().unwrap(), "--log-format", "text"],
            &[],
        )
        .await;
    run.expect_code(row.exit)
        .expect_stderr("is not trusted")
        .expect_stderr("route53.ca_bundle");
    assert!(
        !run.stderr.contains("retrying"),
        "no retry loop:\n{}",
        run.stderr
    );
    assert!(run.elapsed < Duration::from_secs(10), "{:?}", run.elapsed);
    assert_eq!(env.cname("web.example.com"), None);
}

/// The sim's CA is trusted, but its certificate starts in 2999.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn certificate_not_valid_yet_is_retried_until_the_deadline() {
    let row = case(
        CASES,
        "certificate_not_valid_yet_is_retried_until_the_deadline",
    );
    let env = Env::start(tls_sim(Some((2999, 3000)))).await;
    let ca = env.path("ca.pem");
    std::fs::write(&ca, env.sim.ca_pem().unwrap()).unwrap();
    let config = env.write_config(&format!(
        "deadline = \"4s\"\n[[record]]\nzone = \"{ZONE}\"\nname = \"web.example.com\"\n[route53]\nendpoint = \"{}\"\nca_bundle = \"{}\"\n[imds]\nendpoint = \"{}\"\n",
        env.sim.route53_url(),
        ca.display(),
        env.sim.imds_url()
    ));
    let run = env
        .run(
            &["--config", config.to_str().unwrap(), "--log-format", "text"],
            &[],
        )
        .await;
    run.expect_code(row.exit)
        .expect_stderr("not valid yet")
        .expect_stderr("clock is probably behind")
        .expect_stderr("retrying");
    assert!(
        !run.stderr.contains("throttling"),
        "the hint is about the clock:\n{}",
        run.stderr
    );
    assert!(run.elapsed >= Duration::from_secs(3), "{:?}", run.elapsed);
    assert_eq!(env.cname("web.example.com"), None);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn expired_certificate_fails_at_once() {
    let row = case(CASES, "expired_certificate_fails_at_once");
    let env = Env::start(tls_sim(Some((2000, 2001)))).await;
    let ca = env.path("ca.pem");
    std::fs::write(&ca, env.sim.ca_pem().unwrap()).unwrap();
    let config = env.config(&format!("ca_bundle = \"{}\"", ca.display()));
    let run = env
        .run(
            &["--config", config.to_str().unwrap(), "--log-format", "text"],
            &[],
        )
        .await;
    run.expect_code(row.exit)
        .expect_stderr("certificate expired")
        .expect_stderr("clock is ahead");
    assert!(!run.stderr.contains("retrying"), "{}", run.stderr);
    assert!(run.elapsed < Duration::from_secs(10), "{:?}", run.elapsed);
    assert_eq!(env.cname("web.example.com"), None);
}
