//! Issue 11, parts 3 and 4: no stale records after Spot interruptions,
//! scale-in and warm pools (`watch` polls the instance's lifecycle in IMDS;
//! `update` does not register a warm-pool instance), and IPv6-only
//! instances (IMDS at the IPv6 address, Route 53 at its dual-stack endpoint).
use crate::util::{BIN, Env, HOSTNAME, ZONE, fast, with_imds};
use ec2_dns_sim::config::{ImdsConfig, InterruptionAction, IpStack, SpotAction};
use ec2_dns_sim::{Operation, Service, SimConfig};
use std::time::{Duration, Instant};

/// The bound: records gone within 10 s of a notice, with the
/// default `--lifecycle-interval` of 5 s.
const WITHIN: Duration = Duration::from_secs(10);

/// `watch` as a child process, killed (SIGTERM, then dropped) by [`Watcher::stop`].
struct Watcher {
    child: tokio::process::Child,
}

impl Watcher {
    fn start(env: &Env, extra: &[&str]) -> Watcher {
        let config = env.config("").display().to_string();
        let mut args: Vec<String> = vec!["watch".into(), "--config".into(), config];
        args.extend(extra.iter().map(|a| a.to_string()));
        args.push("--state-dir".into());
        args.push(env.path("state").display().to_string());
        let child = crate::util::command(BIN, &args, env.dir.path(), &[])
            .spawn()
            .unwrap();
        Watcher { child }
    }

    /// SIGTERM; returns stderr after checking the clean exit.
    async fn stop(mut self) -> String {
        let pid = self.child.id().unwrap().to_string();
        std::process::Command::new("kill")
            .args(["-TERM", &pid])
            .status()
            .unwrap();
        let status = tokio::time::timeout(Duration::from_secs(10), self.child.wait())
            .await
            .unwrap()
            .unwrap();
        let mut stderr = String::new();
        tokio::io::AsyncReadExt::read_to_string(self.child.stderr.as_mut().unwrap(), &mut stderr)
            .await
            .unwrap();
        assert_eq!(status.code(), Some(0), "{stderr}");
        stderr
    }
}

/// Waits until the record reads `want`; returns how long that took.
async fn until(env: &Env, want: Option<&str>, within: Duration, what: &str) -> Duration {
    let started = Instant::now();
    while env.cname("web.example.com").as_deref() != want {
        assert!(
            started.elapsed() < within,
            "{what}: the record is {:?}, not {want:?}, after {within:?}",
            env.cname("web.example.com")
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    started.elapsed()
}

fn in_service() -> SimConfig {
    with_imds(ImdsConfig {
        lifecycle_state: Some("InService".into()),
        ..ImdsConfig::default()
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn watch_withdraws_on_standby_and_terminated_and_restores_in_service() {
    let env = Env::start(in_service()).await;
    let watcher = Watcher::start(&env, &["--interval", "1s"]);
    until(&env, Some(HOSTNAME), Duration::from_secs(20), "first pass").await;

    env.sim.set_lifecycle_state(Some("Standby"));
    let took = until(&env, None, WITHIN, "Standby").await;
    eprintln!("Standby: records deleted after {took:?}");
    // Withdrawn: value passes (every second) write nothing and Route 53 is
    // not called again while the standing stays the same.
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let settled = env.route53_requests().len();
    let imds_before = env.sim.stats().imds_requests;
    tokio::time::sleep(Duration::from_secs(6)).await;
    assert_eq!(env.cname("web.example.com"), None);
    assert_eq!(
        env.route53_requests().len(),
        settled,
        "Route 53 called without a change"
    );
    assert!(
        env.sim.stats().imds_requests > imds_before,
        "IMDS is still polled"
    );

    env.sim.set_lifecycle_state(Some("InService"));
    let took = until(&env, Some(HOSTNAME), WITHIN, "back InService").await;
    eprintln!("InService: records restored after {took:?}");

    env.sim.set_lifecycle_state(Some("Terminated"));
    let took = until(&env, None, WITHIN, "Terminated").await;
    eprintln!("Terminated: records deleted after {took:?}");

    let stderr = watcher.stop().await;
    assert!(stderr.contains("\"Standby\""), "{stderr}");
    assert!(stderr.contains("\"Terminated\""), "{stderr}");
    assert!(stderr.contains("back in service"), "{stderr}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn watch_deletes_only_its_own_record_on_a_spot_notice() {
    let env = Env::start(fast()).await;
    let mut config = env.config("").display().to_string();
    // A second record, which another instance takes over before the notice.
    let text = std::fs::read_to_string(&config).unwrap().replace(
        "[route53]",
        &format!(
            "[[record]]\nzone = \"{ZONE}\"\nname = \"api.example.com\"\nttl = 60\n\n[route53]"
        ),
    );
    config = env.write_config(&text).display().to_string();
    let args: Vec<String> = [
        "watch",
        "--interval",
        "60s",
        "--config",
        &config,
        "--state-dir",
        &env.path("state").display().to_string(),
    ]
    .iter()
    .map(|a| a.to_string())
    .collect();
    let child = crate::util::command(BIN, &args, env.dir.path(), &[])
        .spawn()
        .unwrap();
    let watcher = Watcher { child };
    until(&env, Some(HOSTNAME), Duration::from_secs(20), "first pass").await;
    let other = "ec2-198-51-100-9.compute-1.amazonaws.com";
    env.sim.put_record(
        ZONE,
        ec2_dns_sim::RecordSet::cname("api.example.com", 60, other),
    );

    env.sim
        .set_spot_action(Some(SpotAction::new(InterruptionAction::Terminate)));
    let took = until(&env, None, WITHIN, "Spot terminate notice").await;
    eprintln!("Spot terminate: record deleted after {took:?}");
    assert_eq!(
        env.cname("api.example.com").as_deref(),
        Some(other),
        "a record pointing elsewhere is left alone"
    );
    let stderr = watcher.stop().await;
    assert!(
        stderr.contains("Spot interruption notice: terminate"),
        "{stderr}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_warm_pool_boot_registers_nothing() {
    for state in ["Warmed:Running", "Warmed:Pending"] {
        let env = Env::start(with_imds(ImdsConfig {
            lifecycle_state: Some(state.into()),
            ..ImdsConfig::default()
        }))
        .await;
        let config = env.config("").display().to_string();
        let run = env.run(&["update", "--config", &config], &[]).await;
        run.expect_code(0);
        run.expect_stderr("not registering");
        assert_eq!(env.cname("web.example.com"), None, "{state}");
        assert!(
            env.route53_requests().is_empty(),
            "{state}: Route 53 was called"
        );
    }
    // The same boot in service registers.
    let env = Env::start(in_service()).await;
    let config = env.config("").display().to_string();
    env.run(&["update", "--config", &config], &[])
        .await
        .expect_code(0);
    assert_eq!(env.cname("web.example.com").as_deref(), Some(HOSTNAME));
    assert_eq!(env.count(Operation::ChangeResourceRecordSets), 1);
}

/// A loopback port nothing listens on: connecting is refused at once, as
/// the IPv4 IMDS address is unreachable at once on an IPv6-only instance.
fn refusing_port() -> String {
    let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = l.local_addr().unwrap().port();
    drop(l);
    format!("http://127.0.0.1:{port}")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_ipv6_only_instance_uses_ipv6_imds_and_the_dual_stack_endpoint() {
    let mut sim = fast();
    sim.imds.stack = IpStack::Ipv6;
    sim.route53.stack = IpStack::Ipv6;
    let env = Env::start(sim).await;
    let imds_v6 = env.sim.imds_url();
    let route53_v6 = env.sim.route53_url();
    assert!(imds_v6.starts_with("http://[::1]:"), "{imds_v6}");
    assert!(route53_v6.starts_with("http://[::1]:"), "{route53_v6}");
    // Default endpoints: no [imds] endpoint, no route53.endpoint.
    let config = env
        .write_config(&format!(
            "deadline = \"60s\"\n\n[[record]]\nzone = \"{ZONE}\"\nname = \"web.example.com\"\nttl = 60\n\n[imds]\nwait_timeout = \"10s\"\n"
        ))
        .display()
        .to_string();
    let v4 = refusing_port();
    let hooks = [
        ("EC2_DNS_UPDATER_IMDS_IPV4", v4.as_str()),
        ("EC2_DNS_UPDATER_IMDS_IPV6", imds_v6.as_str()),
        ("EC2_DNS_UPDATER_ROUTE53_DUALSTACK", route53_v6.as_str()),
    ];
    let run = env.run(&["update", "--config", &config], &hooks).await;
    run.expect_code(0);
    run.expect_stderr("an IPv6-only instance");
    run.expect_stderr("dual-stack endpoint");
    assert_eq!(env.cname("web.example.com").as_deref(), Some(HOSTNAME));
    // IMDS answered only on [::1]: the instance id and the hostname came from there.
    let imds: Vec<_> = env
        .sim
        .requests()
        .into_iter()
        .filter(|r| r.service == Service::Imds)
        .collect();
    assert!(
        imds.iter().any(|r| r.path.ends_with("public-hostname")),
        "{imds:#?}"
    );

    // A hook that is not loopback is refused before any traffic.
    let run = env
        .run(
            &["update", "--config", &config],
            &[("EC2_DNS_UPDATER_IMDS_IPV6", "http://[fd00:ec2::254]")],
        )
        .await;
    run.expect_code(78);
    run.expect_stderr("EC2_DNS_UPDATER_IMDS_IPV6");
}
