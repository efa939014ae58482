//! Files and secrets: the metrics file, Debug redaction, the reboot check, watch metrics, the instance id (issue 9 items 10, 11, 12, 13).

use super::Case;
use crate::util::{BIN, Env, HOSTNAME, Run, ZONE, fast, propagating};
use ec2_dns_sim::Operation;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::time::{Duration, Instant};

pub const CASES: &[Case] = &[
    Case {
        test: "metrics_file_ignores_a_symlink_at_the_old_temporary_path",
        item: "10",
        case: "`metrics_file` set; a symlink planted at its old fixed temporary name (`<file>.prom.tmp`) points at another file",
        behaviour: "the temporary file is created exclusively under a random name (`O_EXCL`, mode 0644), fsynced, renamed over the target, the directory fsynced: the linked file is untouched, the metrics file is a regular file, no temporary file is left",
        exit: 0,
    },
    Case {
        test: "sigv4_and_request_traces_show_no_secret",
        item: "11",
        case: "SigV4 signing and `request`, at `-vvv` in text and JSON (the Debug of signed headers and of `sigv4::Signed` used to print the session token and the signature)",
        behaviour: "every type holding a credential redacts it in `{:?}` and `{:#?}` (unit tests); neither the secret key, the session token, an IMDS token nor a signature appears on stdout or stderr",
        exit: 0,
    },
    Case {
        test: "delete_keeps_the_records_when_systemd_cannot_answer",
        item: "12",
        case: "`delete` while `systemctl list-jobs` fails (not booted with systemd) or is not installed: it used to count as a power-off and delete",
        behaviour: "counted as a reboot: the records stay, no Route 53 call, a warning gives the reason and says `delete --on-reboot` deletes without asking",
        exit: 0,
    },
    Case {
        test: "watch_writes_the_metrics_file_every_pass",
        item: "13",
        case: "`watch` with `metrics_file` set: the file was never written",
        behaviour: "rewritten after every pass, also the quiet ones (0 API calls), so its last-run time shows the watcher is alive",
        exit: 0,
    },
    Case {
        test: "a_missing_instance_id_is_an_error",
        item: "13",
        case: "IMDS answers 404 for `meta-data/instance-id`: every such instance used to share the owner id `unknown-instance`",
        behaviour: "error naming `meta-data/instance-id` and `imds.endpoint`, before any Route 53 call",
        exit: 69,
    },
];

/// The row of `test`, which covers one of this module's items.
#[track_caller]
fn case(cases: &'static [Case], test: &str) -> &'static Case {
    let row = super::case(cases, test);
    assert!(["10", "11", "12", "13"].contains(&row.item), "{row:?}");
    row
}

/// The config of [`Env::config`] with `top` (top-level keys) in front.
fn config_with_top(env: &Env, top: &str, route53_extra: &str) -> String {
    env.config_file().top(top).route53(route53_extra).write()
}

fn metric(text: &str, name: &str) -> Option<String> {
    text.lines()
        .find_map(|l| l.strip_prefix(&format!("ec2_dns_updater_{name} ")))
        .map(str::to_owned)
}

fn names_in(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    v.sort();
    v
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn metrics_file_ignores_a_symlink_at_the_old_temporary_path() {
    let row = case(
        CASES,
        "metrics_file_ignores_a_symlink_at_the_old_temporary_path",
    );
    let env = Env::start(fast()).await;
    let metrics_dir = env.path("metrics");
    std::fs::create_dir(&metrics_dir).unwrap();
    let victim = env.path("victim.conf");
    std::fs::write(&victim, "precious = true\n").unwrap();
    let target = metrics_dir.join("ec2_dns_updater.prom");
    // The name the old code used: `path.with_extension("prom.tmp")`.
    let planted = metrics_dir.join("ec2_dns_updater.prom.tmp");
    std::os::unix::fs::symlink(&victim, &planted).unwrap();
    let config = config_with_top(
        &env,
        &format!("metrics_file = \"{}\"", target.display()),
        "",
    );

    let run = env.run(&["--config", &config], &[]).await;
    run.expect_code(row.exit);
    assert_eq!(
        std::fs::read_to_string(&victim).unwrap(),
        "precious = true\n",
        "the file behind the symlink is untouched"
    );
    let meta = std::fs::symlink_metadata(&target).unwrap();
    assert!(meta.is_file(), "the metrics file is a regular file");
    let text = std::fs::read_to_string(&target).unwrap();
    assert_eq!(metric(&text, "last_run_exit_code").as_deref(), Some("0"));
    assert_eq!(
        metric(&text, "last_run_records_changed").as_deref(),
        Some("1")
    );
    assert_eq!(
        names_in(&metrics_dir),
        ["ec2_dns_updater.prom", "ec2_dns_updater.prom.tmp"],
        "no temporary file left; the planted link is left alone"
    );
    assert!(std::fs::symlink_metadata(&planted).unwrap().is_symlink());
    assert_eq!(env.cname("web.example.com").as_deref(), Some(HOSTNAME));

    // A second run replaces the file the same way.
    env.run(&["--config", &config], &[])
        .await
        .expect_code(row.exit);
    assert_eq!(
        std::fs::read_to_string(&victim).unwrap(),
        "precious = true\n"
    );
    let text = std::fs::read_to_string(&target).unwrap();
    assert_eq!(
        metric(&text, "last_run_records_changed").as_deref(),
        Some("0")
    );
    assert_eq!(names_in(&metrics_dir).len(), 2);
}

/// Every secret the simulator handed out or received.
fn secrets_of(env: &Env) -> Vec<String> {
    let creds = env.sim.role_credentials().expect("role credentials issued");
    let mut secrets = vec![
        creds.secret_access_key.expose().to_owned(),
        creds.session_token.expect("a token").expose().to_owned(),
    ];
    secrets.extend(env.sim.imds_tokens());
    secrets.extend(env.sim.signatures());
    secrets
}

#[track_caller]
fn assert_no_secret(run: &Run, secrets: &[String]) {
    for s in secrets {
        assert!(s.len() >= 8, "a real secret: {s:?}");
        assert!(!run.stdout.contains(s.as_str()), "stdout shows a secret");
        assert!(
            !run.stderr.contains(s.as_str()),
            "stderr shows a secret:\n{}",
            run.stderr
        );
    }
    for marker in [
        "Signature=",
        "x-amz-security-token:",
        "X-Amz-Security-Token: ",
    ] {
        assert!(!run.stderr.contains(marker), "stderr shows {marker:?}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigv4_and_request_traces_show_no_secret() {
    let row = case(CASES, "sigv4_and_request_traces_show_no_secret");
    for format in ["text", "json"] {
        let env = Env::start(propagating()).await;
        let config = env.config("signing = \"sigv4\"");
        let config = config.to_str().unwrap();
        let update = env
            .run(&["--config", config, "-vvv", "--log-format", format], &[])
            .await;
        update.expect_code(row.exit);
        assert!(
            update.stderr.lines().count() > 20,
            "trace output is there:\n{}",
            update.stderr
        );
        let path = format!("/2013-04-01/hostedzone/{ZONE}/rrset?maxitems=5");
        let request = env
            .run(
                &[
                    "request",
                    "GET",
                    &path,
                    "--config",
                    config,
                    "-vvv",
                    "--log-format",
                    format,
                ],
                &[],
            )
            .await;
        request.expect_code(row.exit);
        assert!(
            request.stdout.contains("web.example.com"),
            "{}",
            request.stdout
        );
        let secrets = secrets_of(&env);
        assert!(
            env.sim.signatures().len() >= 4 && !env.sim.imds_tokens().is_empty(),
            "signatures and IMDS tokens were collected"
        );
        assert_no_secret(&update, &secrets);
        assert_no_secret(&request, &secrets);
    }
}

/// A directory holding a `systemctl` script with `body`, as a PATH.
fn fake_systemctl(env: &Env, name: &str, body: Option<&str>) -> String {
    let bin = env.path(name);
    std::fs::create_dir_all(&bin).unwrap();
    if let Some(body) = body {
        let fake = bin.join("systemctl");
        std::fs::write(&fake, format!("#!/bin/sh\n{body}\n")).unwrap();
        std::fs::set_permissions(&fake, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
    bin.display().to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn delete_keeps_the_records_when_systemd_cannot_answer() {
    let row = case(CASES, "delete_keeps_the_records_when_systemd_cannot_answer");
    let env = Env::start(fast()).await;
    let config = env.config("");
    let config = config.to_str().unwrap();
    env.run(&["--config", config], &[]).await.expect_code(0);
    assert_eq!(env.cname("web.example.com").as_deref(), Some(HOSTNAME));

    let failing = format!(
        "{}:/usr/bin:/bin",
        fake_systemctl(
            &env,
            "failing",
            Some(
                "echo 'System has not been booted with systemd as init system (PID 1). Can'\\''t operate.' >&2\nexit 1"
            ),
        )
    );
    // Only the fake directory: no systemctl at all.
    let missing = fake_systemctl(&env, "empty", None);
    for (path, reason) in [
        (&failing, "not been booted with systemd"),
        (&missing, "systemctl is not installed"),
    ] {
        let before = env.route53_requests().len();
        let run = env
            .run(&["delete", "--config", config], &[("PATH", path)])
            .await;
        run.expect_code(row.exit)
            .expect_stderr("cannot tell whether the system is rebooting")
            .expect_stderr(reason)
            .expect_stderr("the records stay")
            .expect_stderr("delete --on-reboot");
        assert!(
            run.stderr
                .lines()
                .any(|l| l.contains("WARN")
                    && l.contains("cannot tell whether the system is rebooting")),
            "a warning:\n{}",
            run.stderr
        );
        assert_eq!(env.cname("web.example.com").as_deref(), Some(HOSTNAME));
        assert_eq!(env.route53_requests().len(), before, "Route 53 not called");
    }

    // --on-reboot deletes without asking.
    env.run(
        &["delete", "--on-reboot", "--config", config],
        &[("PATH", &missing)],
    )
    .await
    .expect_code(0)
    .expect_stderr("deleted");
    assert_eq!(env.cname("web.example.com"), None);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn watch_writes_the_metrics_file_every_pass() {
    let row = case(CASES, "watch_writes_the_metrics_file_every_pass");
    let env = Env::start(fast()).await;
    let target = env.path("ec2_dns_updater.prom");
    let config = config_with_top(
        &env,
        &format!("metrics_file = \"{}\"", target.display()),
        "",
    );
    let mut child = env
        .command(BIN, &["watch", "--interval", "1s", "--config", &config])
        .spawn()
        .unwrap();

    // The first pass creates the record and says so in the file.
    let read = || std::fs::read_to_string(&target).unwrap_or_default();
    let started = Instant::now();
    while metric(&read(), "last_run_records_changed").as_deref() != Some("1") {
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "the first pass never wrote the metrics file:\n{}",
            read()
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let first = read();
    assert_eq!(metric(&first, "last_run_exit_code").as_deref(), Some("0"));
    let first_run: i64 = metric(&first, "last_run_timestamp_seconds")
        .unwrap()
        .parse()
        .unwrap();
    assert_ne!(metric(&first, "last_run_api_calls").as_deref(), Some("0"));
    assert_eq!(env.cname("web.example.com").as_deref(), Some(HOSTNAME));

    // Quiet passes (no Route 53 call) rewrite it too, with a later time.
    let started = Instant::now();
    loop {
        let text = read();
        let later = metric(&text, "last_run_timestamp_seconds")
            .and_then(|t| t.parse::<i64>().ok())
            .is_some_and(|t| t > first_run);
        if later && metric(&text, "last_run_api_calls").as_deref() == Some("0") {
            assert_eq!(
                metric(&text, "last_run_records_changed").as_deref(),
                Some("0")
            );
            assert_eq!(metric(&text, "last_run_success").as_deref(), Some("1"));
            assert!(metric(&text, "last_success_timestamp_seconds").is_some());
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "no quiet pass rewrote the metrics file:\n{text}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(
        names_in(env.dir.path())
            .iter()
            .filter(|n| n.contains(".prom"))
            .count(),
        1,
        "no temporary file left"
    );

    let pid = child.id().unwrap().to_string();
    std::process::Command::new("kill")
        .args(["-TERM", &pid])
        .status()
        .unwrap();
    let status = tokio::time::timeout(Duration::from_secs(10), child.wait())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(status.code(), Some(row.exit));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_missing_instance_id_is_an_error() {
    let row = case(CASES, "a_missing_instance_id_is_an_error");
    let env = Env::start(fast()).await;
    env.sim.set_metadata("instance-id", None);
    let config = env.config("");
    let config = config.to_str().unwrap();
    let run = env.run(&["--config", config], &[]).await;
    run.expect_code(row.exit)
        .expect_stderr("no usable instance id")
        .expect_stderr("meta-data/instance-id is absent")
        .expect_stderr("imds.endpoint");
    assert!(!run.stderr.contains("unknown-instance"), "{}", run.stderr);
    assert_eq!(env.cname("web.example.com"), None, "nothing written");
    assert_eq!(env.count(Operation::ChangeResourceRecordSets), 0);
    assert!(
        env.route53_requests().is_empty(),
        "Route 53 not called at all"
    );

    // `delete` refuses the same way: it would otherwise match `unknown-instance`.
    let run = env
        .run(&["delete", "--on-reboot", "--config", config], &[])
        .await;
    run.expect_code(row.exit)
        .expect_stderr("no usable instance id");
    assert!(env.route53_requests().is_empty());
}
