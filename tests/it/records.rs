//! Beyond one CNAME: record sources and fallbacks, type switches, name
//! templates, several zones, zones by name, ownership (`keep`) with
//! compare-and-swap, delete, watch, raw requests, the IAM policy. Each test
//! asserts what the zone holds afterwards.

use crate::util::{BIN, Env, HOSTNAME, ZONE, fast, propagating};
use ec2_dns_sim::{
    Fault, FaultKind, FaultTarget, ImdsConfig, Operation, RecordSet, Route53Config, SimConfig,
    ZoneConfig,
};
use std::time::{Duration, Instant};

const IPV4: &str = ec2_dns_sim::config::DEFAULT_PUBLIC_IPV4;
const INSTANCE: &str = ec2_dns_sim::config::DEFAULT_INSTANCE_ID;

fn no_hostname() -> SimConfig {
    SimConfig {
        imds: ImdsConfig {
            public_hostname: None,
            ..Default::default()
        },
        ..fast()
    }
}

/// A config with the given `[[record]]` tables (their `zone` keys included).
fn config_with(env: &Env, records: &str) -> String {
    env.config_file().records(records).write()
}

fn record(name: &str, extra: &str) -> String {
    format!("[[record]]\nzone = \"{ZONE}\"\nname = \"{name}\"\n{extra}\n")
}

fn value(env: &Env, zone: &str, name: &str, rtype: &str) -> Option<String> {
    env.sim
        .record(zone, name, rtype)
        .map(|r| r.values.join(","))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn falls_back_to_an_a_record_without_a_public_hostname() {
    let env = Env::start(no_hostname()).await;
    let config = config_with(
        &env,
        &record(
            "web.example.com",
            "source = [\"public-hostname\", \"public-ipv4\"]",
        ),
    );
    let run = env.run(&["--config", &config], &[]).await;
    run.expect_code(0);
    assert_eq!(
        value(&env, ZONE, "web.example.com", "A").as_deref(),
        Some(IPV4)
    );
    assert_eq!(env.cname("web.example.com"), None);
    assert!(
        run.summary()
            .contains(&format!("web.example.com. A (none) → {IPV4}")),
        "{}",
        run.summary()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn switching_type_is_one_atomic_batch_each_way() {
    let env = Env::start(no_hostname()).await;
    let old = "ec2-198-51-100-7.compute-1.amazonaws.com";
    env.sim
        .put_record(ZONE, RecordSet::cname("web.example.com", 60, old));
    let config = config_with(
        &env,
        &record(
            "web.example.com",
            "source = [\"public-hostname\", \"public-ipv4\"]",
        ),
    );
    // CNAME → A: the old CNAME is deleted and the A created in one batch.
    let run = env.run(&["--config", &config], &[]).await;
    run.expect_code(0);
    assert_eq!(env.cname("web.example.com"), None);
    assert_eq!(
        value(&env, ZONE, "web.example.com", "A").as_deref(),
        Some(IPV4)
    );
    assert_eq!(env.count(Operation::ChangeResourceRecordSets), 1);
    assert!(
        run.summary().contains(&format!("CNAME {old} → {IPV4}")),
        "{}",
        run.summary()
    );

    // The VPC gets DNS hostnames back: A → CNAME, again one batch.
    env.sim.set_metadata("public-hostname", Some(HOSTNAME));
    let run = env.run(&["--config", &config], &[]).await;
    run.expect_code(0);
    assert_eq!(env.cname("web.example.com").as_deref(), Some(HOSTNAME));
    assert_eq!(value(&env, ZONE, "web.example.com", "A"), None);
    assert_eq!(env.count(Operation::ChangeResourceRecordSets), 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn names_from_templates() {
    let env = Env::start(SimConfig {
        imds: ImdsConfig {
            tags: vec![("Name".into(), "Web-1".into())],
            ..Default::default()
        },
        ..fast()
    })
    .await;
    let config = config_with(
        &env,
        &format!(
            "{}{}",
            record("{instance_id}.{region}.fleet.example.com", ""),
            record("{tag:Name}.example.com", "")
        ),
    );
    let run = env.run(&["--config", &config], &[]).await;
    run.expect_code(0);
    let by_id = format!("{INSTANCE}.us-east-1.fleet.example.com");
    assert_eq!(env.cname(&by_id).as_deref(), Some(HOSTNAME));
    assert_eq!(env.cname("web-1.example.com").as_deref(), Some(HOSTNAME));
    // Both records of the zone went in one batch.
    assert_eq!(env.count(Operation::ChangeResourceRecordSets), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn template_errors_come_before_any_route53_call() {
    // No tags in the metadata: the name cannot be built.
    let env = Env::start(fast()).await;
    let config = config_with(&env, &record("{tag:Name}.example.com", ""));
    let run = env.run(&["--config", &config], &[]).await;
    run.expect_code(69)
        .expect_stderr("instance tags are not in the metadata");
    // A tag value that is not a DNS label.
    let env = Env::start(SimConfig {
        imds: ImdsConfig {
            tags: vec![("Name".into(), "web server".into())],
            ..Default::default()
        },
        ..fast()
    })
    .await;
    let config = config_with(&env, &record("{tag:Name}.example.com", ""));
    let run = env.run(&["--config", &config], &[]).await;
    run.expect_code(78)
        .expect_stderr("{tag:Name} is \"web server\"");
    assert!(env.route53_requests().is_empty());
}

fn two_zones() -> SimConfig {
    let mut c = fast();
    c.route53.zones = vec![
        ZoneConfig {
            id: "ZPUBLIC0000000000001".into(),
            name: "example.com.".into(),
            private: false,
            records: vec![],
        },
        ZoneConfig {
            id: "ZPRIVATE000000000001".into(),
            name: "example.com.".into(),
            private: true,
            records: vec![],
        },
        ZoneConfig {
            id: "ZORG0000000000000001".into(),
            name: "example.org.".into(),
            private: false,
            records: vec![],
        },
    ];
    c
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_zones_in_one_run_one_batch_each() {
    let env = Env::start(two_zones()).await;
    let config = config_with(
        &env,
        "[[record]]\nzone = \"ZPUBLIC0000000000001\"\nname = \"web.example.com\"\n\n[[record]]\nzone = \"example.org\"\nname = \"web.example.org\"\n",
    );
    let run = env.run(&["--config", &config], &[]).await;
    run.expect_code(0);
    assert_eq!(
        value(&env, "ZPUBLIC0000000000001", "web.example.com", "CNAME").as_deref(),
        Some(HOSTNAME)
    );
    assert_eq!(
        value(&env, "ZORG0000000000000001", "web.example.org", "CNAME").as_deref(),
        Some(HOSTNAME)
    );
    assert_eq!(env.count(Operation::ChangeResourceRecordSets), 2);
    assert_eq!(env.count(Operation::ListHostedZonesByName), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn zone_by_name_needs_private_when_names_collide() {
    let env = Env::start(two_zones()).await;
    let config = config_with(
        &env,
        "[[record]]\nzone = \"example.com\"\nname = \"web.example.com\"\n",
    );
    let run = env.run(&["--config", &config], &[]).await;
    run.expect_code(78)
        .expect_stderr("more than one hosted zone is named example.com.")
        .expect_stderr("private = true");
    assert_eq!(env.count(Operation::ChangeResourceRecordSets), 0);

    let config = config_with(
        &env,
        "[[record]]\nzone = \"example.com\"\nprivate = true\nname = \"web.example.com\"\n",
    );
    env.run(&["--config", &config], &[]).await.expect_code(0);
    assert_eq!(
        value(&env, "ZPRIVATE000000000001", "web.example.com", "CNAME").as_deref(),
        Some(HOSTNAME)
    );
    assert_eq!(
        value(&env, "ZPUBLIC0000000000001", "web.example.com", "CNAME"),
        None
    );

    let config = config_with(
        &env,
        "[[record]]\nzone = \"example.net\"\nname = \"web.example.net\"\n",
    );
    env.run(&["--config", &config], &[])
        .await
        .expect_code(78)
        .expect_stderr("no hosted zone named example.net.");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn keep_refuses_a_foreign_record_and_claims_a_free_one() {
    let env = Env::start(fast()).await;
    let foreign = "lb.other-team.example.net";
    env.sim
        .put_record(ZONE, RecordSet::cname("web.example.com", 300, foreign));
    let config = config_with(
        &env,
        &format!(
            "{}{}",
            record("web.example.com", "on_conflict = \"keep\""),
            record("api.example.com", "on_conflict = \"keep\"")
        ),
    );
    let run = env.run(&["--config", &config], &[]).await;
    run.expect_code(73)
        .expect_stderr(&format!("web.example.com. CNAME {foreign}: not ours"));
    // The foreign record is untouched; the free name is claimed with its owner record.
    assert_eq!(env.cname("web.example.com").as_deref(), Some(foreign));
    assert_eq!(env.cname("api.example.com").as_deref(), Some(HOSTNAME));
    assert_eq!(
        value(&env, ZONE, "_ec2-dns-updater.api.example.com", "TXT").as_deref(),
        Some(format!("\"{INSTANCE}\"").as_str())
    );
    assert_eq!(
        value(&env, ZONE, "_ec2-dns-updater.web.example.com", "TXT"),
        None
    );

    // A second boot: ours stays, nothing is written.
    let before = env.count(Operation::ChangeResourceRecordSets);
    env.run(&["--config", &config], &[]).await.expect_code(73);
    assert_eq!(env.count(Operation::ChangeResourceRecordSets), before);
}

fn owner_record(instance: &str) -> RecordSet {
    RecordSet::new(
        "_ec2-dns-updater.web.example.com",
        "TXT",
        300,
        vec![format!("\"{instance}\"")],
    )
}

/// web.example.com owned by this instance (owner record) but pointing at an
/// old address, with a `keep` config for it.
async fn owned_with_an_old_value() -> (Env, String) {
    let env = Env::start(fast()).await;
    let old = "ec2-198-51-100-7.compute-1.amazonaws.com";
    env.sim
        .put_record(ZONE, RecordSet::cname("web.example.com", 60, old));
    env.sim.put_record(ZONE, owner_record(INSTANCE));
    let config = config_with(&env, &record("web.example.com", "on_conflict = \"keep\""));
    (env, config)
}

/// Starts the updater, waits until the simulator holds its delayed change
/// batch, lets `meddle` change the zone, then waits for the updater.
async fn race(env: &Env, config: &str, meddle: impl FnOnce()) -> crate::util::Run {
    env.sim.inject(Fault::new(
        FaultTarget::Route53Op(Operation::ChangeResourceRecordSets),
        FaultKind::Delay(Duration::from_millis(1500)),
        1,
    ));
    let mut child = env.command(BIN, &["--config", config]);
    let run = tokio::spawn(async move {
        let started = std::time::Instant::now();
        crate::util::finished(child.output().await.unwrap(), started)
    });
    let started = Instant::now();
    while !env.sim.pending_faults().is_empty() {
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "the change batch never arrived"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    meddle();
    run.await.unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cas_race_with_another_owner_is_not_clobbered() {
    let (env, config) = owned_with_an_old_value().await;
    let theirs = "ec2-192-0-2-99.compute-1.amazonaws.com";
    let run = race(&env, &config, || {
        // Between our read and our write another instance takes the name over.
        env.sim
            .put_record(ZONE, RecordSet::cname("web.example.com", 60, theirs));
        env.sim
            .put_record(ZONE, owner_record("i-0other00000000000"));
    })
    .await;
    run.expect_code(73)
        .expect_stderr("compare-and-swap failed")
        .expect_stderr("owned by i-0other00000000000");
    assert_eq!(env.cname("web.example.com").as_deref(), Some(theirs));
    assert_eq!(
        env.count(Operation::ChangeResourceRecordSets),
        1,
        "the losing batch changed nothing"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cas_race_on_our_own_name_ends_with_our_value() {
    let (env, config) = owned_with_an_old_value().await;
    let run = race(&env, &config, || {
        // A stale writer changes the value; the name is still ours.
        env.sim.put_record(
            ZONE,
            RecordSet::cname("web.example.com", 120, "stale.example.net"),
        );
    })
    .await;
    run.expect_code(0).expect_stderr("compare-and-swap failed");
    assert_eq!(env.cname("web.example.com").as_deref(), Some(HOSTNAME));
    assert_eq!(
        env.count(Operation::ChangeResourceRecordSets),
        2,
        "re-read and written again"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn delete_removes_only_what_still_points_here() {
    let env = Env::start(propagating()).await;
    let config = config_with(
        &env,
        &format!(
            "{}{}",
            record("web.example.com", ""),
            record("api.example.com", "")
        ),
    );
    env.run(&["--config", &config], &[]).await.expect_code(0);
    // api.example.com has moved on to another instance since.
    env.sim.put_record(
        ZONE,
        RecordSet::cname(
            "api.example.com",
            60,
            "ec2-192-0-2-99.compute-1.amazonaws.com",
        ),
    );

    // A power-off: systemd answers with no reboot job queued.
    let bin = env.path("bin");
    std::fs::create_dir_all(&bin).unwrap();
    let fake = bin.join("systemctl");
    std::fs::write(
        &fake,
        "#!/bin/sh\necho '901 poweroff.target start waiting'\n",
    )
    .unwrap();
    std::fs::set_permissions(&fake, std::os::unix::fs::PermissionsExt::from_mode(0o755)).unwrap();
    let path = format!("{}:/usr/bin:/bin", bin.display());
    let run = env
        .run(&["delete", "--config", &config], &[("PATH", &path)])
        .await;
    run.expect_code(0)
        .expect_stderr(&format!("web.example.com. CNAME {HOSTNAME}: deleted"))
        .expect_stderr("api.example.com. CNAME left alone: it points at ec2-192-0-2-99");
    assert_eq!(env.cname("web.example.com"), None);
    assert_eq!(
        env.cname("api.example.com").as_deref(),
        Some("ec2-192-0-2-99.compute-1.amazonaws.com")
    );
    // Delete does not wait for INSYNC: the instance is going down.
    assert_eq!(env.count(Operation::GetChange), 1, "only the update waited");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn delete_does_nothing_while_rebooting() {
    let env = Env::start(fast()).await;
    let config = config_with(&env, &record("web.example.com", ""));
    env.run(&["--config", &config], &[]).await.expect_code(0);
    // A systemctl that reports a queued reboot.
    let bin = env.path("bin");
    std::fs::create_dir_all(&bin).unwrap();
    let fake = bin.join("systemctl");
    std::fs::write(&fake, "#!/bin/sh\necho '812 reboot.target start waiting'\n").unwrap();
    std::fs::set_permissions(&fake, std::os::unix::fs::PermissionsExt::from_mode(0o755)).unwrap();
    let path = format!(
        "{}:{}",
        bin.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let before = env.route53_requests().len();
    let run = env
        .run(&["delete", "--config", &config], &[("PATH", &path)])
        .await;
    run.expect_code(0).expect_stderr("the system is rebooting");
    assert_eq!(env.cname("web.example.com").as_deref(), Some(HOSTNAME));
    assert_eq!(env.route53_requests().len(), before, "Route 53 not called");
    // --on-reboot deletes anyway.
    env.run(
        &["delete", "--on-reboot", "--config", &config],
        &[("PATH", &path)],
    )
    .await
    .expect_code(0);
    assert_eq!(env.cname("web.example.com"), None);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn watch_follows_a_moved_address_and_is_quiet_otherwise() {
    let env = Env::start(fast()).await;
    let config = config_with(&env, &record("web.example.com", ""));
    let mut child = env
        .command(BIN, &["watch", "--interval", "1s", "--config", &config])
        .spawn()
        .unwrap();
    let wait_for = |want: &'static str| {
        let env = &env;
        async move {
            let started = Instant::now();
            while env.cname("web.example.com").as_deref() != Some(want) {
                assert!(
                    started.elapsed() < Duration::from_secs(20),
                    "record never became {want}"
                );
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
        }
    };
    wait_for(HOSTNAME).await;
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let settled = env.route53_requests().len();
    let imds_before = env.sim.stats().imds_requests;
    // Several quiet ticks: IMDS is read, Route 53 is not called.
    tokio::time::sleep(Duration::from_millis(3500)).await;
    assert_eq!(
        env.route53_requests().len(),
        settled,
        "no Route 53 call while nothing changes"
    );
    assert!(
        env.sim.stats().imds_requests >= imds_before + 3,
        "IMDS is re-read each tick"
    );

    // An Elastic IP moves: the next tick writes the new name.
    env.sim.set_metadata(
        "public-hostname",
        Some("ec2-198-51-100-200.compute-1.amazonaws.com"),
    );
    wait_for("ec2-198-51-100-200.compute-1.amazonaws.com").await;

    // SIGTERM stops it cleanly.
    let pid = child.id().unwrap().to_string();
    std::process::Command::new("kill")
        .args(["-TERM", &pid])
        .status()
        .unwrap();
    let status = tokio::time::timeout(Duration::from_secs(10), child.wait())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(status.code(), Some(0));
    let mut stderr = String::new();
    tokio::io::AsyncReadExt::read_to_string(child.stderr.as_mut().unwrap(), &mut stderr)
        .await
        .unwrap();
    assert!(stderr.contains("stopping"), "{stderr}");
    assert_eq!(stderr.matches("change submitted").count(), 2, "{stderr}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn request_with_both_signing_schemes() {
    let env = Env::start(propagating()).await;
    env.sim.put_record(
        ZONE,
        RecordSet::cname("db.example.com", 300, "db.internal.example.net"),
    );
    for scheme in ["aws3-https", "sigv4"] {
        let config = env.config(&format!("signing = \"{scheme}\""));
        let path = format!("/2013-04-01/hostedzone/{ZONE}/rrset?maxitems=5");
        let run = env
            .run(
                &[
                    "request",
                    "GET",
                    &path,
                    "--config",
                    config.to_str().unwrap(),
                ],
                &[],
            )
            .await;
        run.expect_code(0);
        assert!(run.stdout.starts_with("HTTP 200\n"), "{}", run.stdout);
        assert!(
            run.stdout.contains("\n  <ResourceRecordSets>\n"),
            "pretty-printed: {}",
            run.stdout
        );
        assert!(
            run.stdout
                .contains("<Value>db.internal.example.net</Value>"),
            "{}",
            run.stdout
        );
    }
    let scheme_of = |r: &ec2_dns_sim::RequestLog| r.scheme;
    let schemes: Vec<_> = env.route53_requests().iter().map(scheme_of).collect();
    assert_eq!(
        schemes,
        vec![
            Some(ec2_dns_sim::AuthScheme::Aws3Https),
            Some(ec2_dns_sim::AuthScheme::SigV4)
        ]
    );

    // A POST with a body from a file, and an error answer printed with its exit code.
    let body = env.path("change.xml");
    std::fs::write(&body, format!("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<ChangeResourceRecordSetsRequest xmlns=\"https://route53.amazonaws.com/doc/2013-04-01/\"><ChangeBatch><Changes><Change><Action>UPSERT</Action><ResourceRecordSet><Name>raw.example.com.</Name><Type>CNAME</Type><TTL>60</TTL><ResourceRecords><ResourceRecord><Value>{HOSTNAME}</Value></ResourceRecord></ResourceRecords></ResourceRecordSet></Change></Changes></ChangeBatch></ChangeResourceRecordSetsRequest>")).unwrap();
    let config = env.config("");
    let data = format!("@{}", body.display());
    let path = format!("/2013-04-01/hostedzone/{ZONE}/rrset/");
    let run = env
        .run(
            &[
                "request",
                "POST",
                &path,
                "--data",
                &data,
                "--config",
                config.to_str().unwrap(),
            ],
            &[],
        )
        .await;
    run.expect_code(0);
    assert!(
        run.stdout.contains("<Status>PENDING</Status>"),
        "{}",
        run.stdout
    );
    assert_eq!(env.cname("raw.example.com").as_deref(), Some(HOSTNAME));
    let run = env
        .run(
            &[
                "request",
                "GET",
                "/2013-04-01/hostedzone/ZNOPE/rrset",
                "--config",
                config.to_str().unwrap(),
            ],
            &[],
        )
        .await;
    run.expect_code(78);
    assert!(
        run.stdout.starts_with("HTTP 404\n") && run.stdout.contains("NoSuchHostedZone"),
        "{}",
        run.stdout
    );
}

#[tokio::test]
async fn policy_is_least_privilege_for_the_config() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("c.toml");
    std::fs::write(
        &config,
        "[[record]]\nzone = \"Z0123456789ABCDEFGHIJ\"\nname = \"web.example.com\"\n\n[[record]]\nzone = \"example.org\"\nname = \"{instance_id}.fleet.example.org\"\nsource = [\"public-hostname\", \"public-ipv4\"]\n",
    )
    .unwrap();
    let run = crate::util::run_args(
        &["policy", "--config", config.to_str().unwrap()],
        dir.path(),
    )
    .await;
    run.expect_code(0);
    let doc: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    let statements = doc["Statement"].as_array().unwrap();
    let change: Vec<_> = statements
        .iter()
        .filter(|s| s["Action"] == "route53:ChangeResourceRecordSets")
        .collect();
    assert_eq!(change.len(), 2, "one statement per zone");
    assert_eq!(
        change[0]["Resource"],
        "arn:aws:route53:::hostedzone/Z0123456789ABCDEFGHIJ"
    );
    assert_eq!(
        change[0]["Condition"]["ForAllValues:StringEquals"]["route53:ChangeResourceRecordSetsActions"],
        serde_json::json!(["CREATE", "DELETE", "UPSERT"])
    );
    // A CNAME may replace an A or AAAA at its name (the deletion rule), no other type.
    assert_eq!(
        change[0]["Condition"]["ForAllValues:StringEquals"]["route53:ChangeResourceRecordSetsRecordTypes"],
        serde_json::json!(["A", "AAAA", "CNAME"])
    );
    assert_eq!(
        change[1]["Condition"]["ForAllValues:StringLike"]["route53:ChangeResourceRecordSetsNormalizedRecordNames"],
        serde_json::json!(["*.fleet.example.org"])
    );
    assert!(
        statements
            .iter()
            .any(|s| s["Action"] == "route53:ListHostedZonesByName")
    );
    assert!(!run.stdout.contains("\"route53:*\""));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn metrics_file_reports_each_run() {
    let env = Env::start(SimConfig {
        route53: Route53Config {
            deny: vec![Operation::ChangeResourceRecordSets],
            ..fast().route53
        },
        ..fast()
    })
    .await;
    let metrics = env.path("ec2_dns_updater.prom");
    let config = env.write_config(&format!(
        "metrics_file = \"{}\"\n[[record]]\nzone = \"{ZONE}\"\nname = \"web.example.com\"\n[route53]\nendpoint = \"{}\"\n[imds]\nendpoint = \"{}\"\n",
        metrics.display(),
        env.sim.route53_url(),
        env.sim.imds_url()
    ));
    env.run(&["--config", config.to_str().unwrap()], &[])
        .await
        .expect_code(77);
    let text = std::fs::read_to_string(&metrics).unwrap();
    assert!(
        text.contains("ec2_dns_updater_last_run_success 0\n"),
        "{text}"
    );
    assert!(
        text.contains("ec2_dns_updater_last_run_exit_code 77\n"),
        "{text}"
    );
    // One listing, the change and its two AccessDenied retries (IAM settling).
    assert!(
        text.contains("ec2_dns_updater_last_run_api_calls 4\n"),
        "{text}"
    );
    assert!(!text.contains("last_success_timestamp"), "{text}");
}
