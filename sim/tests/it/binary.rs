//! The `ec2-dns-sim` binary: ready line, ready file, signals, exit codes, help.

use crate::util::*;
use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::Duration;

const BIN: &str = env!("CARGO_BIN_EXE_ec2-dns-sim");

#[tokio::test]
async fn prints_the_ready_line_serves_and_stops_on_sigterm() {
    let dir = tempfile::tempdir().unwrap();
    let ready = dir.path().join("ready.json");
    let ca = dir.path().join("ca.pem");
    let mut child = Command::new(BIN)
        .args([
            "--ready-file",
            ready.to_str().unwrap(),
            "--fault",
            "route53.GetChange:503:1",
            "--record",
            "Z0123456789ABCDEFGHIJ,web.example.com.,CNAME,60,old.example.net",
            "--tls",
            "localhost",
            "--ca-out",
            ca.to_str().unwrap(),
            "--fleet",
            "5",
        ])
        .env("RUST_LOG", "debug")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let line = tokio::task::spawn_blocking(move || {
        let mut line = String::new();
        BufReader::new(stdout).read_line(&mut line).unwrap();
        line
    })
    .await
    .unwrap();
    let ready_json: serde_json::Value = serde_json::from_str(&line).unwrap();
    assert_eq!(std::fs::read_to_string(&ready).unwrap(), line);
    assert_eq!(
        ready_json["static_access_key_id"],
        ec2_dns_sim::STATIC_ACCESS_KEY_ID
    );
    assert_eq!(
        ready_json["static_secret_access_key"],
        ec2_dns_sim::STATIC_SECRET_ACCESS_KEY
    );
    let imds = ready_json["imds"].as_str().unwrap().to_owned();
    let route53 = ready_json["route53"].as_str().unwrap().to_owned();
    assert!(imds.starts_with("http://127.0.0.1:"), "{imds}");
    assert!(route53.starts_with("https://127.0.0.1:"), "{route53}");

    let pem = std::fs::read(&ca).unwrap();
    let client = builder()
        .tls_certs_only([reqwest::Certificate::from_pem(&pem).unwrap()])
        .build()
        .unwrap();
    let a = imds_get(&client, &format!("{imds}/i/5"), "public-hostname", None).await;
    assert_eq!(a.body, "ec2-10-0-5-1.compute-1.amazonaws.com");
    let zones: serde_json::Value = client
        .get(format!("{route53}/_sim/zones"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(zones[0]["records"][0]["values"][0], "old.example.net");
    let faults: serde_json::Value = client
        .get(format!("{route53}/_sim/faults"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(faults[0]["kind"]["status"], 503);

    // Role credentials and a signed call, so the debug log has had the
    // chance to show secrets.
    let (creds, imds_token) = role_creds_from(&client, &imds).await;
    let a = signed_at(
        &client,
        &route53,
        ec2_dns_updater::sign::Scheme::SigV4,
        &creds,
        "GET",
        &rrset_path(ZONE),
        "",
        "",
        ec2_dns_updater::timestamp::Timestamp::now(),
    )
    .await;
    assert_eq!(a.status, 200, "{}", a.body);

    let status = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let output = tokio::task::spawn_blocking(move || child.wait_with_output())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(output.status.code(), Some(0));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("signal received"), "{stderr}");
    assert!(
        stderr.contains("route53"),
        "debug lines are there: {stderr}"
    );
    let secrets = [
        ec2_dns_sim::STATIC_SECRET_ACCESS_KEY.to_owned(),
        creds.secret_access_key.expose().to_owned(),
        creds.session_token.unwrap().expose().to_owned(),
        imds_token,
    ];
    for secret in &secrets {
        assert!(
            !stderr.contains(secret.as_str()),
            "the log shows a secret: {stderr}"
        );
    }
    assert!(!stderr.contains("Signature="), "{stderr}");
}

#[test]
fn bad_options_exit_2_and_help_explains_everything() {
    let out = Command::new(BIN)
        .arg("--fault")
        .arg("teapot")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let out = Command::new(BIN)
        .args(["--record", "ZNOPE,a.example.com.,A,60,192.0.2.1"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("ZNOPE"));

    let help = Command::new(BIN).arg("--help").output().unwrap();
    assert!(help.status.success());
    let text = String::from_utf8_lossy(&help.stdout);
    for option in [
        "--imds-listen",
        "--route53-listen",
        "--zone",
        "--record",
        "--public-hostname",
        "--instance-id",
        "--no-role",
        "--imds-tokens",
        "--token-put",
        "--refuse-imds-for",
        "--propagation",
        "MIN..MAX",
        "--seed",
        "/_sim/changes",
        "--clock-skew",
        "--refuse-aws3",
        "--refuse-sigv4",
        "--rate-limit",
        "--fault",
        "--fleet",
        "--tls",
        "--ca-out",
        "--ready-file",
        "FAULT SPEC",
        "route53.ChangeResourceRecordSets:500:2",
        "EXAMPLES",
    ] {
        assert!(text.contains(option), "--help lacks {option}");
    }
}

#[test]
fn a_busy_port_exits_1() {
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = taken.local_addr().unwrap().to_string();
    let mut child = Command::new(BIN)
        .args(["--route53-listen", &addr])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let started = std::time::Instant::now();
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            assert_eq!(status.code(), Some(1));
            break;
        }
        assert!(started.elapsed() < Duration::from_secs(10), "did not exit");
        std::thread::sleep(Duration::from_millis(20));
    }
}
