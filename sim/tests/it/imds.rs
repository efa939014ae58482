//! IMDS over HTTP: IMDSv2 sessions, v1, the PUT behaviours, refused
//! connections, failures, the fleet.

use crate::util::*;
use ec2_dns_sim::{ImdsConfig, PutBehaviour, SimConfig, TokenMode};
use std::time::Duration;

fn with(imds: ImdsConfig) -> SimConfig {
    SimConfig {
        imds,
        ..Default::default()
    }
}

#[tokio::test]
async fn imdsv2_sessions_and_v1() {
    let sim = start(SimConfig::default()).await;
    let client = client();
    let base = sim.imds_url();
    let token = imds_token(&client, &base).await;
    let a = imds_get(&client, &base, "public-hostname", Some(&token)).await;
    assert_eq!(a.status, 200);
    assert_eq!(a.body, "ec2-203-0-113-25.compute-1.amazonaws.com");
    assert_eq!(a.headers["content-type"], "text/plain");
    let a = imds_get(&client, &base, "placement/region", None).await;
    assert_eq!((a.status, a.body.as_str()), (200, "us-east-1"));
    let a = imds_get(&client, &base, "public-hostname", Some("forged")).await;
    assert_eq!(a.status, 401);
    let a = imds_get(&client, &base, "no/such/path", Some(&token)).await;
    assert_eq!(a.status, 404);
    let a = imds_get(&client, &base, "iam/security-credentials/", Some(&token)).await;
    assert_eq!(a.body, "web-role");

    let put = |ttl: &'static str, forwarded: bool| {
        let mut req = client
            .put(format!("{base}/latest/api/token"))
            .header("X-aws-ec2-metadata-token-ttl-seconds", ttl);
        if forwarded {
            req = req.header("X-Forwarded-For", "10.0.0.1");
        }
        req.send()
    };
    assert_eq!(put("0", false).await.unwrap().status(), 400);
    assert_eq!(put("21601", false).await.unwrap().status(), 400);
    assert_eq!(put("60", true).await.unwrap().status(), 403);
    let short = put("1", false).await.unwrap();
    assert_eq!(short.headers()["x-aws-ec2-metadata-token-ttl-seconds"], "1");
    let short = short.text().await.unwrap();
    tokio::time::sleep(Duration::from_millis(1100)).await;
    let a = imds_get(&client, &base, "public-hostname", Some(&short)).await;
    assert_eq!(a.status, 401, "expired token");

    let log = sim.requests();
    assert!(log[1].had_security_token && !log[2].had_security_token);
    assert_eq!(sim.imds_tokens().len(), 2);
    assert_eq!(sim.stats().imds_tokens_issued, 2);
}

#[tokio::test]
async fn required_tokens_refuse_v1() {
    let sim = start(with(ImdsConfig {
        tokens: TokenMode::Required,
        ..Default::default()
    }))
    .await;
    let client = client();
    let base = sim.imds_url();
    assert_eq!(
        imds_get(&client, &base, "instance-id", None).await.status,
        401
    );
    let token = imds_token(&client, &base).await;
    let a = imds_get(&client, &base, "instance-id", Some(&token)).await;
    assert_eq!(a.body, "i-0123456789abcdef0");
}

#[tokio::test]
async fn token_put_behaviours() {
    for status in [403, 404, 405] {
        let sim = start(with(ImdsConfig {
            token_put: PutBehaviour::Status(status),
            ..Default::default()
        }))
        .await;
        let resp = client()
            .put(format!("{}/latest/api/token", sim.imds_url()))
            .header("X-aws-ec2-metadata-token-ttl-seconds", "60")
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status().as_u16(), status);
    }
    let sim = start(with(ImdsConfig {
        token_put: PutBehaviour::Hang,
        ..Default::default()
    }))
    .await;
    let impatient = builder()
        .timeout(Duration::from_millis(300))
        .build()
        .unwrap();
    let err = impatient
        .put(format!("{}/latest/api/token", sim.imds_url()))
        .header("X-aws-ec2-metadata-token-ttl-seconds", "60")
        .send()
        .await
        .unwrap_err();
    assert!(err.is_timeout());
    // v1 still answers.
    let a = imds_get(&impatient, &sim.imds_url(), "instance-id", None).await;
    assert_eq!(a.status, 200);
    assert_eq!(
        sim.requests()[0].status,
        0,
        "the hung PUT is logged unanswered"
    );
}

#[tokio::test]
async fn connections_are_refused_at_first() {
    let sim = start(with(ImdsConfig {
        refuse_connections_for: Duration::from_millis(500),
        ..Default::default()
    }))
    .await;
    let err = tokio::net::TcpStream::connect(sim.imds_addr())
        .await
        .unwrap_err();
    assert_eq!(err.kind(), std::io::ErrorKind::ConnectionRefused);
    tokio::time::sleep(Duration::from_millis(700)).await;
    let a = imds_get(&client(), &sim.imds_url(), "instance-id", None).await;
    assert_eq!(a.status, 200);
}

#[tokio::test]
async fn failures_hangs_and_delays() {
    let sim = start(with(ImdsConfig {
        fail_first: 2,
        delay: Duration::from_millis(100),
        ..Default::default()
    }))
    .await;
    let client = client();
    let started = std::time::Instant::now();
    let statuses: Vec<u16> = {
        let mut v = Vec::new();
        for _ in 0..3 {
            v.push(
                imds_get(&client, &sim.imds_url(), "instance-id", None)
                    .await
                    .status,
            );
        }
        v
    };
    assert_eq!(statuses, [500, 500, 200]);
    assert!(started.elapsed() >= Duration::from_millis(300));
    sim.inject("imds:malformed".parse().unwrap());
    let a = imds_get(
        &client,
        &sim.imds_url(),
        "iam/security-credentials/web-role",
        None,
    )
    .await;
    assert_eq!(a.status, 200);
    assert!(serde_json::from_str::<serde_json::Value>(&a.body).is_err());

    let hanging = start(with(ImdsConfig {
        hang_all: true,
        ..Default::default()
    }))
    .await;
    let impatient = builder()
        .timeout(Duration::from_millis(300))
        .build()
        .unwrap();
    let err = impatient
        .get(format!(
            "{}/latest/meta-data/instance-id",
            hanging.imds_url()
        ))
        .send()
        .await
        .unwrap_err();
    assert!(err.is_timeout());
    hanging.shutdown().await;
}

#[tokio::test]
async fn metadata_can_change_and_the_role_can_fail() {
    let sim = start(with(ImdsConfig {
        role_error: Some("Instance profile not authorized".into()),
        tags: vec![("Name".into(), "web".into())],
        ..Default::default()
    }))
    .await;
    let client = client();
    let base = sim.imds_url();
    let doc = imds_get(&client, &base, "iam/security-credentials/web-role", None).await;
    assert_eq!(doc.status, 200);
    let json: serde_json::Value = serde_json::from_str(&doc.body).unwrap();
    assert_eq!(json["Code"], "AssumeRoleUnauthorizedAccess");
    assert_eq!(json["Message"], "Instance profile not authorized");
    assert!(sim.role_credentials().is_none());
    assert_eq!(
        imds_get(&client, &base, "tags/instance/", None).await.body,
        "Name"
    );
    sim.set_metadata("public-hostname", None);
    assert_eq!(
        imds_get(&client, &base, "public-hostname", None)
            .await
            .status,
        404
    );
    sim.set_metadata("public-hostname", Some(""));
    let empty = imds_get(&client, &base, "public-hostname", None).await;
    assert_eq!((empty.status, empty.body.as_str()), (200, ""));
}

#[tokio::test]
async fn fleet_members_have_their_own_names() {
    let sim = start(with(ImdsConfig {
        fleet: 300,
        ..Default::default()
    }))
    .await;
    let client = client();
    let member = sim.fleet_imds_url(258);
    let token = imds_token(&client, &member).await;
    let a = imds_get(&client, &member, "public-hostname", Some(&token)).await;
    assert_eq!(a.body, "ec2-10-1-2-1.compute-1.amazonaws.com");
    let a = imds_get(&client, &member, "instance-id", Some(&token)).await;
    assert_eq!(a.body, "i-fleet000000000258");
    let a = imds_get(&client, &member, "iam/security-credentials/", Some(&token)).await;
    assert_eq!(a.body, "web-role");
    // Tokens belong to one instance.
    let other = sim.fleet_imds_url(7);
    assert_eq!(
        imds_get(&client, &other, "instance-id", Some(&token))
            .await
            .status,
        401
    );
    assert_eq!(
        imds_get(&client, &sim.fleet_imds_url(301), "instance-id", None)
            .await
            .status,
        404
    );
    // The main instance is still there.
    let a = imds_get(&client, &sim.imds_url(), "instance-id", None).await;
    assert_eq!(a.body, "i-0123456789abcdef0");
}
