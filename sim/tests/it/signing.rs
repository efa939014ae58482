//! The simulator's signature oracle against the vendored botocore vectors,
//! over HTTP: each signed request is replayed to a running simulator whose
//! clock is set to the case's time, and must pass authentication (whatever
//! the operation then answers); the same request with one byte changed must
//! not.

use crate::util::*;
use ec2_dns_sim::{Credentials, Route53Config, SimConfig, ZoneConfig};
use ec2_dns_updater::timestamp::Timestamp;
use serde_json::Value;

fn cases() -> Vec<Value> {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../crates/aws-sign/vectors/route53_signing.json");
    let doc: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    doc["cases"].as_array().unwrap().clone()
}

async fn replay(client: &reqwest::Client, base: &str, case: &Value, tamper: bool) -> Answer {
    let req = &case["request"];
    let url = req["url"].as_str().unwrap();
    let rest = url.split_once("://").unwrap().1;
    let (host, target) = rest.split_at(rest.find('/').unwrap());
    let method: reqwest::Method = req["method"].as_str().unwrap().parse().unwrap();
    let mut body = req["body"].as_str().unwrap().to_owned();
    let mut target = target.to_owned();
    if tamper {
        // SigV4 covers the body (or the query); AWS3-HTTPS only the date.
        if case["scheme"] == "aws3-https" {
            body.clear();
        } else if body.is_empty() {
            target.push_str(if target.contains('?') { "&x=1" } else { "?x=1" });
        } else {
            body.push('\n');
        }
    }
    let mut builder = client
        .request(method, format!("{base}{target}"))
        .header("host", host);
    for map in [&req["headers"], &case["expected_added_headers"]] {
        for (n, v) in map.as_object().unwrap() {
            let mut v = v.as_str().unwrap().to_owned();
            if tamper
                && case["scheme"] == "aws3-https"
                && n.eq_ignore_ascii_case("x-amzn-authorization")
            {
                v = v.replace("Signature=", "Signature=A");
            }
            builder = builder.header(n.as_str(), v);
        }
    }
    if !body.is_empty() {
        builder = builder.body(body);
    }
    answer(builder.send().await.unwrap()).await
}

#[tokio::test]
async fn botocore_vectors_pass_the_running_simulator() {
    let keys = vec![
        Credentials::new_static("AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"),
        Credentials::new_temporary(
            "ASIAEXAMPLEROLEKEY01",
            "9drTJvcXLB89EXAMPLELB8923FB892xMFI/Secret+Key",
            cases()
                .iter()
                .find_map(|c| c["credentials"]["session_token"].as_str())
                .unwrap(),
            None,
        ),
    ];
    let zones = vec![
        ZoneConfig::default(),
        ZoneConfig {
            id: "Z1D633PJN98FT9".into(),
            ..Default::default()
        },
    ];
    let mut sims = Vec::new();
    for region in ["us-east-1", "cn-northwest-1"] {
        sims.push(
            start(SimConfig {
                route53: Route53Config {
                    region: region.into(),
                    static_keys: keys.clone(),
                    zones: zones.clone(),
                    ..Default::default()
                },
                ..Default::default()
            })
            .await,
        );
    }
    let client = client();
    let mut replayed = 0;
    for case in cases() {
        let name = case["name"].as_str().unwrap();
        let sim = &sims[usize::from(case["region"] != "us-east-1")];
        let time = Timestamp::parse_rfc3339(case["time"].as_str().unwrap()).unwrap();
        sim.set_clock_skew(time.seconds_since(Timestamp::now()));
        let a = replay(&client, &sim.route53_url(), &case, false).await;
        assert_ne!(a.status, 403, "{name}: {}", a.body);
        // Authenticated: the operation answered (success, or its own error).
        assert!(
            matches!(a.status, 200 | 400 | 404),
            "{name}: {} {}",
            a.status,
            a.body
        );
        let a = replay(&client, &sim.route53_url(), &case, true).await;
        assert_eq!(a.status, 403, "{name}: a changed request passes");
        assert_eq!(a.code(), Some("SignatureDoesNotMatch"), "{name}");
        replayed += 1;
    }
    assert_eq!(replayed, 96);
    // Everything above was authenticated by the simulator, none by chance.
    let log = sims[0].requests();
    assert!(
        log.iter()
            .any(|r| r.scheme == Some(ec2_dns_sim::AuthScheme::Aws3Https) && r.status == 200)
    );
    assert!(
        log.iter()
            .any(|r| r.scheme == Some(ec2_dns_sim::AuthScheme::SigV4) && r.status == 200)
    );
}
