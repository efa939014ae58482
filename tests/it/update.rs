//! The core job against the simulator: what lands in the zone, what the
//! operator reads, which exit code the unit gets.

use crate::util::{Env, HOSTNAME, ZONE, fast, propagating, with_imds, with_route53};
use ec2_dns_sim::{
    AuthScheme, ImdsConfig, Operation, PutBehaviour, RecordSet, SchemeAcceptance, Service,
    SimConfig, TokenMode,
};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn creates_the_record_with_role_credentials_over_imdsv2() {
    let env = Env::start(SimConfig {
        imds: ImdsConfig {
            tokens: TokenMode::Required,
            ..Default::default()
        },
        // Every request, GetChange included, carries the token.
        ..propagating()
    })
    .await;
    let config = env.config("");
    let run = env.run(&["--config", config.to_str().unwrap()], &[]).await;
    run.expect_code(0);
    assert_eq!(env.cname("web.example.com").as_deref(), Some(HOSTNAME));

    let summary = run.summary();
    assert!(
        summary.contains(&format!(
            "web.example.com. CNAME (none) → {HOSTNAME}: INSYNC"
        )),
        "{summary}"
    );
    // IMDSv2: the session starts with the token PUT.
    let imds: Vec<_> = env
        .sim
        .requests()
        .into_iter()
        .filter(|r| r.service == Service::Imds)
        .collect();
    assert_eq!(
        (imds[0].method.as_str(), imds[0].path.as_str()),
        ("PUT", "/latest/api/token")
    );
    // Outside an Auto Scaling group the lifecycle state is 404.
    assert!(
        imds.iter()
            .all(|r| r.status == 200 || r.path.ends_with("autoscaling/target-lifecycle-state")),
        "{imds:#?}"
    );
    // Role credentials are temporary: every Route 53 request carries the token.
    let r53 = env.route53_requests();
    assert!(
        r53.iter().all(|r| r.had_security_token && r.status == 200),
        "{r53:#?}"
    );
    assert_eq!(env.count(Operation::ListResourceRecordSets), 1);
    assert_eq!(env.count(Operation::ChangeResourceRecordSets), 1);
    assert!(env.count(Operation::GetChange) >= 1);
    assert!(
        summary.contains(&format!("{} Route 53 API calls", r53.len())),
        "{summary}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn imdsv1_only_instances_work() {
    for status in [403, 404, 405] {
        let env = Env::start(with_imds(ImdsConfig {
            token_put: PutBehaviour::Status(status),
            ..Default::default()
        }))
        .await;
        let config = env.config("");
        let run = env.run(&["--config", config.to_str().unwrap()], &[]).await;
        run.expect_code(0).expect_stderr("using IMDSv1");
        assert_eq!(env.cname("web.example.com").as_deref(), Some(HOSTNAME));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn refused_token_without_v1_fallback_is_a_clear_error() {
    let env = Env::start(with_imds(ImdsConfig {
        token_put: PutBehaviour::Status(403),
        ..Default::default()
    }))
    .await;
    let config = env.write_config(&format!(
        "[[record]]\nzone = \"{ZONE}\"\nname = \"web.example.com\"\n[route53]\nendpoint = \"{}\"\n[imds]\nendpoint = \"{}\"\nv1_fallback = false\n",
        env.sim.route53_url(),
        env.sim.imds_url()
    ));
    let run = env.run(&["--config", config.to_str().unwrap()], &[]).await;
    run.expect_code(69)
        .expect_stderr("imds.v1_fallback = false");
    assert_eq!(env.cname("web.example.com"), None);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn environment_credentials_skip_the_instance_role() {
    let env = Env::start(fast()).await;
    let config = env.config("");
    let run = env
        .run(
            &["--config", config.to_str().unwrap()],
            &[
                ("AWS_ACCESS_KEY_ID", ec2_dns_sim::STATIC_ACCESS_KEY_ID),
                (
                    "AWS_SECRET_ACCESS_KEY",
                    ec2_dns_sim::STATIC_SECRET_ACCESS_KEY,
                ),
            ],
        )
        .await;
    run.expect_code(0)
        .expect_stderr("environment (AWS_ACCESS_KEY_ID)");
    assert_eq!(env.cname("web.example.com").as_deref(), Some(HOSTNAME));
    assert!(
        !env.sim
            .requests()
            .iter()
            .any(|r| r.path.contains("security-credentials")),
        "the role was not asked for"
    );
    assert!(env.route53_requests().iter().all(|r| !r.had_security_token));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shared_credentials_file_profile() {
    let env = Env::start(fast()).await;
    let creds = env.path("credentials");
    std::fs::write(
        &creds,
        format!(
            "[default]\naws_access_key_id = AKIDUNKNOWN\naws_secret_access_key = nope\n\n[dns]\naws_access_key_id = {}\naws_secret_access_key = {}\n",
            ec2_dns_sim::STATIC_ACCESS_KEY_ID,
            ec2_dns_sim::STATIC_SECRET_ACCESS_KEY
        ),
    )
    .unwrap();
    let config = env.config("");
    let run = env
        .run(
            &["--config", config.to_str().unwrap()],
            &[
                ("AWS_SHARED_CREDENTIALS_FILE", creds.to_str().unwrap()),
                ("AWS_PROFILE", "dns"),
            ],
        )
        .await;
    run.expect_code(0).expect_stderr("profile [dns]");
    assert_eq!(env.cname("web.example.com").as_deref(), Some(HOSTNAME));

    // ~/.aws/credentials is the default location; a malformed one is a config error.
    std::fs::create_dir_all(env.path(".aws")).unwrap();
    std::fs::write(env.path(".aws/credentials"), "[default]\nthis is not ini\n").unwrap();
    let run = env.run(&["--config", config.to_str().unwrap()], &[]).await;
    run.expect_code(78).expect_stderr("malformed at line 2");
    assert!(!run.stderr.contains("Traceback"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unchanged_record_costs_one_call_and_changes_nothing() {
    let env = Env::start(fast()).await;
    env.sim
        .put_record(ZONE, RecordSet::cname("web.example.com", 60, HOSTNAME));
    let config = env.config("");
    let run = env.run(&["--config", config.to_str().unwrap()], &[]).await;
    run.expect_code(0);
    assert_eq!(env.count(Operation::ChangeResourceRecordSets), 0);
    assert_eq!(env.route53_requests().len(), 1);
    let summary = run.summary();
    assert!(
        summary.contains(&format!("{HOSTNAME}: already right")),
        "{summary}"
    );
    assert!(
        summary.contains("(1 Route 53 API call, 0 retries"),
        "{summary}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_changed_record_is_upserted() {
    let env = Env::start(fast()).await;
    let old = "ec2-198-51-100-7.compute-1.amazonaws.com";
    env.sim
        .put_record(ZONE, RecordSet::cname("web.example.com", 60, old));
    // An unrelated neighbour is left alone.
    env.sim.put_record(
        ZONE,
        RecordSet::cname("db.example.com", 300, "db.internal.example.net"),
    );
    let config = env.config("");
    let run = env.run(&["--config", config.to_str().unwrap()], &[]).await;
    run.expect_code(0);
    assert_eq!(env.cname("web.example.com").as_deref(), Some(HOSTNAME));
    assert_eq!(
        env.cname("db.example.com").as_deref(),
        Some("db.internal.example.net")
    );
    assert!(
        run.summary()
            .contains(&format!("{old} → {HOSTNAME}: INSYNC")),
        "{}",
        run.summary()
    );

    // A TTL difference alone is a change too.
    env.sim
        .put_record(ZONE, RecordSet::cname("web.example.com", 300, HOSTNAME));
    let run = env.run(&["--config", config.to_str().unwrap()], &[]).await;
    run.expect_code(0);
    assert_eq!(
        env.sim
            .record(ZONE, "web.example.com", "CNAME")
            .unwrap()
            .ttl,
        60
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dry_run_prints_the_plan_and_writes_nothing() {
    let env = Env::start(fast()).await;
    let old = "ec2-198-51-100-7.compute-1.amazonaws.com";
    env.sim
        .put_record(ZONE, RecordSet::cname("web.example.com", 300, old));
    let config = env.config("");
    let run = env
        .run(&["--config", config.to_str().unwrap(), "--dry-run"], &[])
        .await;
    run.expect_code(0);
    assert!(
        run.stdout.contains(&format!("current: {old} (TTL 300)")),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout.contains(&format!(
            "desired: {HOSTNAME} (TTL 60, from public-hostname)"
        )),
        "{}",
        run.stdout
    );
    assert!(run.stdout.contains("action:  UPSERT"), "{}", run.stdout);
    assert!(
        run.stdout.contains("<Action>UPSERT</Action>"),
        "{}",
        run.stdout
    );
    assert_eq!(env.count(Operation::ChangeResourceRecordSets), 0);
    assert_eq!(env.cname("web.example.com").as_deref(), Some(old));
    assert!(
        run.stderr.contains("dry run: web.example.com. CNAME"),
        "{}",
        run.stderr
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn auto_signing_falls_back_to_sigv4_once_and_remembers() {
    let env = Env::start(with_route53(|r| r.aws3 = SchemeAcceptance::Refuse)).await;
    let config = env.config("");
    let run = env.run(&["--config", config.to_str().unwrap()], &[]).await;
    run.expect_code(0).expect_stderr("route53.signing");
    assert_eq!(env.cname("web.example.com").as_deref(), Some(HOSTNAME));
    let r53 = env.route53_requests();
    assert_eq!(r53[0].scheme, Some(AuthScheme::Aws3Https));
    assert_eq!(r53[0].status, 403);
    assert!(
        r53[1..]
            .iter()
            .all(|r| r.scheme == Some(AuthScheme::SigV4) && r.status == 200),
        "{r53:#?}"
    );
    assert_eq!(
        run.stderr.matches("refused AWS3-HTTPS").count(),
        1,
        "one warning"
    );
    assert_eq!(
        std::fs::read_to_string(env.path("state/signing-scheme"))
            .unwrap()
            .trim(),
        "sigv4"
    );

    // The next boot goes straight to SigV4.
    let before = r53.len();
    let run = env.run(&["--config", config.to_str().unwrap()], &[]).await;
    run.expect_code(0);
    let again = &env.route53_requests()[before..];
    assert!(!again.is_empty() && again.iter().all(|r| r.scheme == Some(AuthScheme::SigV4)));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn both_schemes_refused_names_both_attempts() {
    let env = Env::start(with_route53(|r| {
        r.aws3 = SchemeAcceptance::Refuse;
        r.sigv4 = SchemeAcceptance::Refuse;
    }))
    .await;
    let config = env.config("");
    let run = env.run(&["--config", config.to_str().unwrap()], &[]).await;
    run.expect_code(77)
        .expect_stderr("AWS3-HTTPS got MissingAuthenticationToken")
        .expect_stderr("SigV4 got MissingAuthenticationToken");
    assert!(
        !env.path("state/signing-scheme").exists(),
        "a failed fallback is not remembered"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_fixed_scheme_never_falls_back() {
    let env = Env::start(with_route53(|r| r.aws3 = SchemeAcceptance::Refuse)).await;
    let config = env.config("signing = \"aws3-https\"");
    let run = env.run(&["--config", config.to_str().unwrap()], &[]).await;
    run.expect_code(77)
        .expect_stderr("MissingAuthenticationToken");
    assert_eq!(env.route53_requests().len(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn access_denied_exits_77_with_a_hint() {
    let env = Env::start(with_route53(|r| {
        r.deny = vec![Operation::ChangeResourceRecordSets]
    }))
    .await;
    let config = env.config("");
    let run = env.run(&["--config", config.to_str().unwrap()], &[]).await;
    run.expect_code(77)
        .expect_stderr("AccessDenied")
        .expect_stderr("ec2-dns-updater policy");
    assert_eq!(
        env.count(Operation::ChangeResourceRecordSets),
        3,
        "retried twice (IAM settling), then given up"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unknown_zone_is_a_config_error() {
    let env = Env::start(fast()).await;
    let config = env.write_config(&format!(
        "[[record]]\nzone = \"ZNOSUCHZONE0000000000\"\nname = \"web.example.com\"\n[route53]\nendpoint = \"{}\"\n[imds]\nendpoint = \"{}\"\n",
        env.sim.route53_url(),
        env.sim.imds_url()
    ));
    let run = env.run(&["--config", config.to_str().unwrap()], &[]).await;
    run.expect_code(78)
        .expect_stderr("NoSuchHostedZone")
        .expect_stderr("list-hosted-zones");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_public_hostname_says_why() {
    let env = Env::start(with_imds(ImdsConfig {
        public_hostname: None,
        ..Default::default()
    }))
    .await;
    let config = env.config("");
    let run = env.run(&["--config", config.to_str().unwrap()], &[]).await;
    run.expect_code(69)
        .expect_stderr("no public hostname")
        .expect_stderr("enableDnsHostnames");
    assert!(
        env.route53_requests().is_empty(),
        "nothing sent to Route 53"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_instance_role_says_what_to_do() {
    let env = Env::start(with_imds(ImdsConfig {
        role: None,
        ..Default::default()
    }))
    .await;
    let config = env.config("");
    let run = env.run(&["--config", config.to_str().unwrap()], &[]).await;
    run.expect_code(69)
        .expect_stderr("no instance role attached")
        .expect_stderr("instance profile");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_role_error_document_quotes_its_message() {
    let env = Env::start(with_imds(ImdsConfig {
        role_error: Some("AssumeRoleUnauthorizedAccess".into()),
        ..Default::default()
    }))
    .await;
    let config = env.config("");
    let run = env.run(&["--config", config.to_str().unwrap()], &[]).await;
    run.expect_code(77)
        .expect_stderr("IMDS says AssumeRoleUnauthorizedAccess:");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_conflicting_address_record_is_replaced_in_one_batch() {
    // An A at the name is an address set: `overwrite` replaces it with the
    // CNAME (DELETE exactly as read + CREATE), one batch, no retries.
    let env = Env::start(fast()).await;
    env.sim.put_record(
        ZONE,
        RecordSet::new("web.example.com", "A", 60, vec!["192.0.2.10".to_string()]),
    );
    let config = env.config("");
    let run = env.run(&["--config", config.to_str().unwrap()], &[]).await;
    run.expect_code(0);
    assert_eq!(env.count(Operation::ChangeResourceRecordSets), 1);
    assert_eq!(env.cname("web.example.com").as_deref(), Some(HOSTNAME));
    assert_eq!(env.sim.record(ZONE, "web.example.com", "A"), None);
}
