//! IMDS lifecycle notices (Spot, Auto Scaling) and IPv6 listeners.

use crate::util::*;
use ec2_dns_sim::{ImdsConfig, InterruptionAction, IpStack, Route53Config, SimConfig, SpotAction};
use ec2_dns_updater::sign::Scheme;

#[tokio::test]
async fn spot_notice_and_lifecycle_state_from_config_sim_and_control_api() {
    let sim = start(SimConfig {
        imds: ImdsConfig {
            spot_action: Some(SpotAction {
                action: InterruptionAction::Stop,
                time: Some("2026-11-29T08:22:00Z".into()),
            }),
            lifecycle_state: Some("Warmed:Pending".into()),
            fleet: 2,
            ..Default::default()
        },
        ..Default::default()
    })
    .await;
    let client = client();
    let base = sim.imds_url();
    let token = imds_token(&client, &base).await;
    let spot = imds_get(&client, &base, "spot/instance-action", Some(&token)).await;
    assert_eq!(
        (spot.status, spot.body.as_str()),
        (200, r#"{"action": "stop", "time": "2026-11-29T08:22:00Z"}"#)
    );
    let state = imds_get(
        &client,
        &base,
        "autoscaling/target-lifecycle-state",
        Some(&token),
    )
    .await;
    assert_eq!((state.status, state.body.as_str()), (200, "Warmed:Pending"));
    let region = imds_get(&client, &base, "placement/region", Some(&token)).await;
    assert_eq!(region.body, "us-east-1");

    // Run time, through the Sim.
    sim.set_spot_action(Some(SpotAction::new(InterruptionAction::Terminate)));
    sim.set_lifecycle_state(Some("Terminated"));
    let spot = imds_get(&client, &base, "spot/instance-action", Some(&token)).await;
    let json: serde_json::Value = serde_json::from_str(&spot.body).unwrap();
    assert_eq!(json["action"], "terminate");
    let when = ec2_dns_updater::timestamp::Timestamp::parse_rfc3339(json["time"].as_str().unwrap())
        .unwrap();
    let ahead = when.seconds_since(ec2_dns_updater::timestamp::Timestamp::now());
    assert!(
        (100..=121).contains(&ahead),
        "two minutes' notice, got {ahead}s"
    );
    let state = imds_get(&client, &base, "autoscaling/target-lifecycle-state", None).await;
    assert_eq!(state.body, "Terminated");
    sim.set_spot_action(None);
    sim.set_lifecycle_state(None);
    assert_eq!(
        imds_get(&client, &base, "spot/instance-action", None)
            .await
            .status,
        404
    );
    assert_eq!(
        imds_get(&client, &base, "autoscaling/target-lifecycle-state", None)
            .await
            .status,
        404
    );

    // Through the control API.
    let control = |method: reqwest::Method, path: &str, body: &str| {
        client
            .request(method, format!("{}/_sim/{path}", sim.route53_url()))
            .body(body.to_owned())
            .send()
    };
    let put = reqwest::Method::PUT;
    let r = control(put.clone(), "spot-action", "hibernate 2030-01-01T00:00:00Z")
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let spot = imds_get(&client, &base, "spot/instance-action", None).await;
    assert_eq!(
        spot.body,
        r#"{"action": "hibernate", "time": "2030-01-01T00:00:00Z"}"#
    );
    for bad in [
        "",
        "explode",
        "stop tomorrow",
        "stop 2030-01-01T00:00:00Z extra",
    ] {
        let r = control(put.clone(), "spot-action", bad).await.unwrap();
        assert_eq!(r.status(), 400, "{bad:?}");
    }
    let r = control(reqwest::Method::DELETE, "spot-action", "")
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(
        imds_get(&client, &base, "spot/instance-action", None)
            .await
            .status,
        404
    );
    let r = control(put.clone(), "lifecycle-state", "InService")
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let state = imds_get(&client, &base, "autoscaling/target-lifecycle-state", None).await;
    assert_eq!(state.body, "InService");
    assert_eq!(
        control(put, "lifecycle-state", " ").await.unwrap().status(),
        400
    );

    // Fleet members have their own notices; the others are untouched.
    let one = sim.fleet_imds_url(1);
    assert_eq!(
        imds_get(&client, &one, "spot/instance-action", None)
            .await
            .status,
        404
    );
    sim.set_fleet_metadata(
        1,
        "spot/instance-action",
        Some(r#"{"action": "terminate", "time": "2030-01-01T00:00:00Z"}"#),
    );
    assert_eq!(
        imds_get(&client, &one, "spot/instance-action", None)
            .await
            .status,
        200
    );
    let id = imds_get(&client, &one, "instance-id", None).await;
    assert_eq!(
        id.body, "i-fleet000000000001",
        "the rest of the member is unchanged"
    );
    let two = sim.fleet_imds_url(2);
    assert_eq!(
        imds_get(&client, &two, "spot/instance-action", None)
            .await
            .status,
        404
    );
}

#[tokio::test]
async fn config_refuses_a_bad_spot_time() {
    let err = ec2_dns_sim::Sim::start(SimConfig {
        imds: ImdsConfig {
            spot_action: Some(SpotAction {
                action: InterruptionAction::Terminate,
                time: Some("soon".into()),
            }),
            ..Default::default()
        },
        ..Default::default()
    })
    .await
    .unwrap_err();
    assert_eq!(err.kind(), std::io::ErrorKind::InvalidInput);
    assert!(err.to_string().contains("soon"), "{err}");
}

#[tokio::test]
async fn ipv6_only_imds_and_dual_stack_route53() {
    let sim = start(SimConfig {
        imds: ImdsConfig {
            stack: IpStack::Ipv6,
            ..Default::default()
        },
        route53: Route53Config {
            stack: IpStack::Dual,
            ..Default::default()
        },
        ..Default::default()
    })
    .await;
    let client = client();
    let imds = sim.imds_url();
    assert!(imds.starts_with("http://[::1]:"), "{imds}");
    assert_eq!(sim.imds_url_v6(), None, "IPv6 only: one listener");
    let hostname = imds_get(
        &client,
        &imds,
        "public-hostname",
        Some(&imds_token(&client, &imds).await),
    )
    .await;
    assert_eq!(hostname.body, ec2_dns_sim::config::DEFAULT_PUBLIC_HOSTNAME);

    let v4 = sim.route53_url();
    let v6 = sim.route53_url_v6().expect("dual stack");
    assert!(
        v4.starts_with("http://127.0.0.1:") && v6.starts_with("http://[::1]:"),
        "{v4} {v6}"
    );
    // One service behind both: a write over IPv6 is read back over IPv4.
    let body = change_body("UPSERT", "v6.example.com.", "A", 60, "192.0.2.6");
    let path = rrset_path(ZONE);
    let a = signed_at(
        &client,
        &v6,
        Scheme::SigV4,
        &static_creds(),
        "POST",
        &path,
        "",
        &body,
        ec2_dns_updater::timestamp::Timestamp::now(),
    )
    .await;
    assert_eq!(a.status, 200, "{}", a.body);
    let a = sigv4(
        &client,
        &sim,
        "GET",
        &path,
        "name=v6.example.com.&type=A&maxitems=1",
        "",
    )
    .await;
    assert_eq!(a.tag("Value"), Some("192.0.2.6"));

    // Dual-stack IMDS: both addresses answer for the same instance.
    let dual = start(SimConfig {
        imds: ImdsConfig {
            stack: IpStack::Dual,
            ..Default::default()
        },
        ..Default::default()
    })
    .await;
    let v6 = dual.imds_url_v6().unwrap();
    dual.set_lifecycle_state(Some("Standby"));
    for base in [dual.imds_url(), v6] {
        let a = imds_get(&client, &base, "autoscaling/target-lifecycle-state", None).await;
        assert_eq!(a.body, "Standby", "{base}");
    }
}
