//! TLS trust, where AWS3-HTTPS may be used, endpoints, credentials (issue 9 items 6, 9, 13).

use super::{Case, case};
use crate::proxy::Proxy;
use crate::util::{Env, HOSTNAME, ZONE, fast, propagating};
use ec2_dns_sim::{
    AuthScheme, Fault, FaultKind, FaultTarget, Operation, Route53Config, SimConfig, TlsConfig,
};
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
    Case {
        test: "auto_signs_with_sigv4_through_a_proxy",
        item: "9",
        case: "`signing = \"auto\"` with `HTTPS_PROXY`/`HTTP_PROXY` applying to the endpoint",
        behaviour: "SigV4 from the first request (AWS3-HTTPS signs only `Date`: the proxy could replay it); direct runs keep AWS3-HTTPS; explicit `\"aws3-https\"` is honoured with a warning",
        exit: 0,
    },
    Case {
        test: "auto_signs_with_sigv4_with_an_extra_ca_bundle",
        item: "9",
        case: "`signing = \"auto\"` with `route53.ca_bundle` (TLS inspection possible), no proxy",
        behaviour: "SigV4 from the first request, the reason logged once at info",
        exit: 0,
    },
    Case {
        test: "request_refuses_plain_http_to_a_remote_endpoint",
        item: "9",
        case: "`request --endpoint http://example.invalid/`: credentials over plain http to a remote host",
        behaviour: "refused before anything is sent (no connection, not even through a proxy); https, or http to loopback only",
        exit: 64,
    },
    Case {
        test: "an_endpoint_with_a_path_prefix_is_signed_with_it",
        item: "13",
        case: "`route53.endpoint = \"http://host/r53\"` (a path prefix), SigV4",
        behaviour: "the full path sent (prefix included) is the path signed, as the AWS SDKs do; the record is written",
        exit: 0,
    },
    Case {
        test: "credential_refresh_uses_the_corrected_clock",
        item: "13",
        case: "the system clock is 7 h ahead of AWS; role credentials expire in 6 h (AWS time)",
        behaviour: "the clock offset learnt from Route 53 also decides \"refresh 5 minutes before Expiration\": credentials are fetched once, not before every call",
        exit: 0,
    },
    Case {
        test: "access_denied_right_after_an_iam_change_is_retried_briefly",
        item: "13",
        case: "`AccessDenied` twice on the change, as right after the policy was attached",
        behaviour: "retried twice within 8 s, then the record is written; with less than that left before `deadline`, no retry (exit 77 at once)",
        exit: 0,
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
    // Every row names the item of issue 9 it covers.
    assert!(CASES.iter().all(|c| ["6", "9", "13"].contains(&c.item)));
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

/// The signing scheme of every Route 53 request the simulator saw, from `from` on.
fn schemes(env: &Env, from: usize) -> Vec<Option<AuthScheme>> {
    env.route53_requests()[from..]
        .iter()
        .map(|r| r.scheme)
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn auto_signs_with_sigv4_through_a_proxy() {
    let row = case(CASES, "auto_signs_with_sigv4_through_a_proxy");
    let env = Env::start(propagating()).await;
    let proxy = Proxy::start().await;
    let config = env.config("");
    let config = config.to_str().unwrap();
    let through_proxy = [
        ("HTTP_PROXY", proxy.url.as_str()),
        ("HTTPS_PROXY", proxy.url.as_str()),
    ];
    let run = env
        .run(
            &["--config", config, "--log-format", "text"],
            &through_proxy,
        )
        .await;
    run.expect_code(row.exit)
        .expect_stderr("signing with SigV4: Route 53 traffic goes through a proxy");
    assert_eq!(env.cname("web.example.com").as_deref(), Some(HOSTNAME));
    assert!(!proxy.seen().is_empty(), "the proxy was used");
    let seen = schemes(&env, 0);
    assert!(seen.len() >= 3, "{seen:?}");
    assert!(
        seen.iter().all(|s| *s == Some(AuthScheme::SigV4)),
        "only SigV4 through the proxy: {seen:?}"
    );

    // A direct connection to the (loopback) endpoint keeps AWS3-HTTPS.
    let before = env.route53_requests().len();
    env.run(&["--config", config], &[]).await.expect_code(0);
    assert_eq!(schemes(&env, before), [Some(AuthScheme::Aws3Https)]);

    // NO_PROXY exempting the endpoint makes it direct again.
    let before = env.route53_requests().len();
    let exempt = [
        ("HTTP_PROXY", proxy.url.as_str()),
        ("NO_PROXY", "127.0.0.1"),
    ];
    env.run(&["--config", config], &exempt).await.expect_code(0);
    assert_eq!(schemes(&env, before), [Some(AuthScheme::Aws3Https)]);

    // An explicit "aws3-https" is honoured, with a warning.
    let explicit = env.config("signing = \"aws3-https\"");
    let before = env.route53_requests().len();
    let run = env
        .run(
            &[
                "--config",
                explicit.to_str().unwrap(),
                "--log-format",
                "text",
            ],
            &through_proxy,
        )
        .await;
    run.expect_code(0)
        .expect_stderr("WARN")
        .expect_stderr("signs only the Date header");
    assert_eq!(schemes(&env, before), [Some(AuthScheme::Aws3Https)]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn auto_signs_with_sigv4_with_an_extra_ca_bundle() {
    let row = case(CASES, "auto_signs_with_sigv4_with_an_extra_ca_bundle");
    let env = Env::start(SimConfig {
        route53: Route53Config {
            propagation: Duration::from_secs(1),
            ..tls_sim(None).route53
        },
        ..tls_sim(None)
    })
    .await;
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
        .expect_stderr("signing with SigV4: route53.ca_bundle");
    assert_eq!(env.cname("web.example.com").as_deref(), Some(HOSTNAME));
    let seen = schemes(&env, 0);
    assert!(seen.len() >= 3, "{seen:?}");
    assert!(
        seen.iter().all(|s| *s == Some(AuthScheme::SigV4)),
        "only SigV4 with an extra CA: {seen:?}"
    );
    assert_eq!(
        run.stderr.matches("signing with SigV4").count(),
        1,
        "logged once:\n{}",
        run.stderr
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn request_refuses_plain_http_to_a_remote_endpoint() {
    let row = case(CASES, "request_refuses_plain_http_to_a_remote_endpoint");
    let env = Env::start(fast()).await;
    // Were the request sent, it would go to this proxy (example.invalid
    // cannot be resolved, a proxy does not need to).
    let proxy = Proxy::start().await;
    let config = env.config("");
    let run = env
        .run(
            &[
                "--config",
                config.to_str().unwrap(),
                "request",
                "GET",
                "/2013-04-01/hostedzone",
                "--endpoint",
                "http://example.invalid/",
            ],
            &[("HTTP_PROXY", proxy.url.as_str())],
        )
        .await;
    run.expect_code(row.exit)
        .expect_stderr("http://example.invalid/")
        .expect_stderr("plain http");
    assert!(proxy.seen().is_empty(), "nothing sent: {:?}", proxy.seen());
    assert!(env.route53_requests().is_empty());
    assert!(run.stdout.is_empty(), "{}", run.stdout);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_endpoint_with_a_path_prefix_is_signed_with_it() {
    let row = case(CASES, "an_endpoint_with_a_path_prefix_is_signed_with_it");
    let env = Env::start(SimConfig {
        route53: Route53Config {
            path_prefix: "/r53".into(),
            ..propagating().route53
        },
        ..propagating()
    })
    .await;
    let config = env.write_config(&format!(
        "deadline = \"30s\"\n[[record]]\nzone = \"{ZONE}\"\nname = \"web.example.com\"\n[route53]\nendpoint = \"{}/r53/\"\nsigning = \"sigv4\"\n[imds]\nendpoint = \"{}\"\n",
        env.sim.route53_url(),
        env.sim.imds_url()
    ));
    let run = env.run(&["--config", config.to_str().unwrap()], &[]).await;
    run.expect_code(row.exit);
    assert_eq!(env.cname("web.example.com").as_deref(), Some(HOSTNAME));
    let requests = env.route53_requests();
    assert!(requests.len() >= 3, "{requests:?}");
    for r in &requests {
        assert!(r.path.starts_with("/r53/2013-04-01/"), "{}", r.path);
        assert_eq!(r.scheme, Some(AuthScheme::SigV4));
        assert_eq!(r.error_code, None, "{r:?}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn credential_refresh_uses_the_corrected_clock() {
    let row = case(CASES, "credential_refresh_uses_the_corrected_clock");
    // AWS's time (the simulator's) is 7 h behind this clock; role
    // credentials last 6 h, so by this clock they expired an hour ago.
    let env = Env::start(SimConfig {
        route53: Route53Config {
            clock_skew_secs: -7 * 3600,
            ..propagating().route53
        },
        ..propagating()
    })
    .await;
    let config = env.config("");
    let run = env
        .run(
            &["--config", config.to_str().unwrap(), "--log-format", "text"],
            &[],
        )
        .await;
    run.expect_code(row.exit)
        .expect_stderr("the system clock is");
    assert_eq!(env.cname("web.example.com").as_deref(), Some(HOSTNAME));
    let calls = env.route53_requests().len();
    assert!(calls >= 4, "resync, list, change, get: {calls}");
    assert_eq!(
        env.sim.stats().credentials_served,
        1,
        "role credentials fetched once, not before each of the {calls} calls:\n{}",
        run.stderr
    );
    assert!(
        !run.stderr.contains("refreshed instance role credentials"),
        "{}",
        run.stderr
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn access_denied_right_after_an_iam_change_is_retried_briefly() {
    let row = case(
        CASES,
        "access_denied_right_after_an_iam_change_is_retried_briefly",
    );
    let denied_twice = || SimConfig {
        faults: vec![Fault::new(
            FaultTarget::Route53Op(Operation::ChangeResourceRecordSets),
            FaultKind::AccessDenied,
            2,
        )],
        ..fast()
    };
    let env = Env::start(denied_twice()).await;
    let config = env.config("");
    let run = env
        .run(
            &["--config", config.to_str().unwrap(), "--log-format", "text"],
            &[],
        )
        .await;
    run.expect_code(row.exit)
        .expect_stderr("IAM changes take a few seconds to propagate");
    assert_eq!(env.cname("web.example.com").as_deref(), Some(HOSTNAME));
    assert_eq!(env.count(Operation::ChangeResourceRecordSets), 3);
    assert!(run.elapsed < Duration::from_secs(12), "{:?}", run.elapsed);

    // Not when the deadline leaves no room for it: exit 77 at once.
    let env = Env::start(denied_twice()).await;
    let config = env.write_config(&format!(
        "deadline = \"1500ms\"\n[[record]]\nzone = \"{ZONE}\"\nname = \"web.example.com\"\n[route53]\nendpoint = \"{}\"\n[imds]\nendpoint = \"{}\"\n",
        env.sim.route53_url(),
        env.sim.imds_url()
    ));
    let run = env.run(&["--config", config.to_str().unwrap()], &[]).await;
    run.expect_code(77).expect_stderr("AccessDenied");
    assert_eq!(env.count(Operation::ChangeResourceRecordSets), 1);
    assert_eq!(env.cname("web.example.com"), None);
}
