//! Route 53 over HTTP: signed round trips with both schemes, refusals with
//! AWS's codes and messages, rate limiting, faults, TLS, the control API.

use crate::util::*;
use ec2_dns_sim::{
    AuthScheme, Fault, FaultKind, FaultTarget, Operation, RateLimit, RecordSet, Route53Config,
    Service, SimConfig, TlsConfig,
};
use ec2_dns_updater::sign::Scheme;
use ec2_dns_updater::timestamp::Timestamp;
use std::time::Duration;

fn quick() -> SimConfig {
    SimConfig {
        route53: Route53Config {
            propagation: Duration::from_millis(300),
            ..Default::default()
        },
        ..Default::default()
    }
}

/// With no propagation the change answer itself says INSYNC (Route 53
/// always says PENDING): clients' tests that are not about the wait need no
/// GetChange.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_change_without_propagation_is_insync_in_its_answer() {
    for (propagation, status) in [
        (Duration::ZERO, "INSYNC"),
        (Duration::from_secs(5), "PENDING"),
    ] {
        let sim = start(SimConfig {
            route53: Route53Config {
                propagation,
                ..Default::default()
            },
            ..Default::default()
        })
        .await;
        let body = change_body("UPSERT", "web.example.com.", "CNAME", 60, "a.example.net");
        let path = format!("{}/", rrset_path(ZONE));
        let change = sigv4(&client(), &sim, "POST", &path, "", &body).await;
        assert_eq!(change.status, 200, "{}", change.body);
        assert_eq!(change.tag("Status"), Some(status), "{propagation:?}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn list_change_getchange_round_trip_with_both_schemes() {
    let sim = start(quick()).await;
    let client = client();
    let creds = static_creds();
    for (scheme, name) in [
        (Scheme::SigV4, "web.example.com."),
        (Scheme::Aws3Https, "www.example.com."),
    ] {
        let query = format!("name={name}&type=CNAME&maxitems=1");
        let list = signed(
            &client,
            &sim,
            scheme,
            &creds,
            "GET",
            &rrset_path(ZONE),
            &query,
            "",
        )
        .await;
        assert_eq!(list.status, 200, "{}", list.body);
        assert_eq!(list.tag("IsTruncated"), Some("false"));
        assert_eq!(list.tag("MaxItems"), Some("1"));
        assert!(list.headers.contains_key("date"));
        assert!(list.headers.contains_key("x-amzn-requestid"));

        let body = change_body(
            "UPSERT",
            name,
            "CNAME",
            60,
            "ec2-203-0-113-25.compute-1.amazonaws.com",
        );
        let path = format!("{}/", rrset_path(ZONE));
        let change = signed(&client, &sim, scheme, &creds, "POST", &path, "", &body).await;
        assert_eq!(change.status, 200, "{}", change.body);
        assert_eq!(change.tag("Status"), Some("PENDING"));
        assert_eq!(change.tag("Comment"), Some("test"));
        let id = change.tag("Id").unwrap().to_owned();
        assert!(id.starts_with("/change/C"), "{id}");
        let set = sim.record(ZONE, name, "CNAME").unwrap();
        assert_eq!(set.values, vec!["ec2-203-0-113-25.compute-1.amazonaws.com"]);

        let change_path = format!("/2013-04-01{id}");
        let get = signed(&client, &sim, scheme, &creds, "GET", &change_path, "", "").await;
        assert_eq!(get.tag("Status"), Some("PENDING"), "{}", get.body);
        tokio::time::sleep(Duration::from_millis(350)).await;
        let get = signed(&client, &sim, scheme, &creds, "GET", &change_path, "", "").await;
        assert_eq!(get.tag("Status"), Some("INSYNC"), "{}", get.body);

        let list = signed(
            &client,
            &sim,
            scheme,
            &creds,
            "GET",
            &rrset_path(ZONE),
            &query,
            "",
        )
        .await;
        assert_eq!(list.tag("Name"), Some(name));
        assert_eq!(
            list.tag("Value"),
            Some("ec2-203-0-113-25.compute-1.amazonaws.com")
        );
    }
    let log = sim.requests();
    assert_eq!(log.len(), 10);
    assert!(
        log.iter()
            .all(|r| r.service == Service::Route53 && r.status == 200)
    );
    assert_eq!(log[0].scheme, Some(AuthScheme::SigV4));
    assert_eq!(log[5].scheme, Some(AuthScheme::Aws3Https));
    assert_eq!(log[1].operation, Some(Operation::ChangeResourceRecordSets));
    let stats = sim.stats();
    assert_eq!(stats.operation(Operation::GetChange), 4);
    assert_eq!(stats.changes_applied, 2);
    sim.shutdown().await;
}

#[tokio::test]
async fn a_bad_signature_is_refused() {
    let sim = start(SimConfig::default()).await;
    let client = client();
    let wrong = ec2_dns_sim::Credentials::new_static(ec2_dns_sim::STATIC_ACCESS_KEY_ID, "wrong");
    for scheme in [Scheme::SigV4, Scheme::Aws3Https] {
        let a = signed(
            &client,
            &sim,
            scheme,
            &wrong,
            "GET",
            &rrset_path(ZONE),
            "",
            "",
        )
        .await;
        assert_eq!(a.status, 403);
        assert_eq!(a.code(), Some("SignatureDoesNotMatch"));
        assert!(a.body.contains("<Type>Sender</Type>"), "{}", a.body);
        assert!(a.tag("RequestId").is_some_and(|r| r.len() == 36));
        assert_eq!(
            a.tag("RequestId").unwrap(),
            a.headers["x-amzn-requestid"].to_str().unwrap()
        );
    }
    let unsigned = answer(
        client
            .get(format!("{}{}", sim.route53_url(), rrset_path(ZONE)))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(unsigned.status, 403);
    assert_eq!(unsigned.code(), Some("MissingAuthenticationToken"));
    assert_eq!(sim.stats().error("SignatureDoesNotMatch"), 2);
}

#[tokio::test]
async fn a_skewed_clock_is_refused_with_the_aws_message() {
    let sim = start(SimConfig::default()).await;
    sim.set_clock_skew(3600);
    let client = client();
    let now = Timestamp::now();
    let a = signed_at(
        &client,
        &sim.route53_url(),
        Scheme::SigV4,
        &static_creds(),
        "GET",
        &rrset_path(ZONE),
        "",
        "",
        now,
    )
    .await;
    assert_eq!(a.status, 403);
    assert_eq!(a.code(), Some("SignatureDoesNotMatch"));
    let message = a.tag("Message").unwrap();
    assert!(
        message.starts_with(&format!(
            "Signature expired: {} is now earlier than ",
            now.amz_date()
        )),
        "{message}"
    );
    assert!(message.ends_with(" - 5 min.)"), "{message}");

    let a = signed_at(
        &client,
        &sim.route53_url(),
        Scheme::Aws3Https,
        &static_creds(),
        "GET",
        &rrset_path(ZONE),
        "",
        "",
        now,
    )
    .await;
    assert_eq!(a.code(), Some("RequestExpired"));
    assert_eq!(
        a.tag("Message").unwrap(),
        format!("Request has expired. Timestamp date is {}", now.http_date())
    );

    // The Date header (here from GET /date) tells the client the simulated time.
    let date = client
        .get(format!("{}/date", sim.route53_url()))
        .send()
        .await
        .unwrap();
    assert_eq!(date.status(), 200);
    let server = Timestamp::parse_http_date(date.headers()["date"].to_str().unwrap()).unwrap();
    assert!((3590..=3610).contains(&server.seconds_since(now)));
    // Signing with the server's time works.
    let a = signed_at(
        &client,
        &sim.route53_url(),
        Scheme::SigV4,
        &static_creds(),
        "GET",
        &rrset_path(ZONE),
        "",
        "",
        server,
    )
    .await;
    assert_eq!(a.status, 200, "{}", a.body);
}

#[tokio::test]
async fn role_credentials_require_their_token() {
    let sim = start(SimConfig::default()).await;
    let client = client();
    let creds = role_creds_via_imds(&client, &sim).await;
    assert!(creds.access_key_id.starts_with("ASIA"));
    assert_eq!(
        sim.role_credentials().unwrap().access_key_id,
        creds.access_key_id
    );
    for scheme in [Scheme::SigV4, Scheme::Aws3Https] {
        let ok = signed(
            &client,
            &sim,
            scheme,
            &creds,
            "GET",
            &rrset_path(ZONE),
            "",
            "",
        )
        .await;
        assert_eq!(ok.status, 200, "{}", ok.body);
        let mut tokenless = creds.clone();
        tokenless.session_token = None;
        let refused = signed(
            &client,
            &sim,
            scheme,
            &tokenless,
            "GET",
            &rrset_path(ZONE),
            "",
            "",
        )
        .await;
        assert_eq!(refused.status, 403);
        assert_eq!(refused.code(), Some("InvalidClientTokenId"));
        assert_eq!(
            refused.tag("Message"),
            Some("The security token included in the request is invalid.")
        );
    }
    let r53: Vec<_> = sim
        .requests()
        .into_iter()
        .filter(|r| r.service == Service::Route53)
        .collect();
    let flags: Vec<bool> = r53.iter().map(|r| r.had_security_token).collect();
    assert_eq!(flags, [true, false, true, false]);
    assert_eq!(sim.signatures().len(), 4);
}

#[tokio::test]
async fn expired_role_credentials_answer_expired_token() {
    let sim = start(SimConfig {
        imds: ec2_dns_sim::ImdsConfig {
            credentials_lifetime: Duration::from_secs(1),
            ..Default::default()
        },
        ..Default::default()
    })
    .await;
    let client = client();
    let creds = role_creds_via_imds(&client, &sim).await;
    tokio::time::sleep(Duration::from_millis(2100)).await;
    let a = signed(
        &client,
        &sim,
        Scheme::SigV4,
        &creds,
        "GET",
        &rrset_path(ZONE),
        "",
        "",
    )
    .await;
    assert_eq!(a.code(), Some("ExpiredToken"), "{}", a.body);
    // IMDS has rotated to new credentials by now.
    let fresh = role_creds_via_imds(&client, &sim).await;
    assert_ne!(fresh.access_key_id, creds.access_key_id);
}

#[tokio::test]
async fn throttling_after_the_burst() {
    let sim = start(SimConfig {
        route53: Route53Config {
            rate_limit: Some(RateLimit {
                burst: 5,
                refill_per_sec: 0.001,
                ..Default::default()
            }),
            ..Default::default()
        },
        ..Default::default()
    })
    .await;
    let client = client();
    let mut statuses = Vec::new();
    for _ in 0..7 {
        let a = sigv4(&client, &sim, "GET", &rrset_path(ZONE), "", "").await;
        statuses.push((a.status, a.code().map(str::to_owned)));
    }
    assert!(statuses[..5].iter().all(|(s, _)| *s == 200), "{statuses:?}");
    for (status, code) in &statuses[5..] {
        assert_eq!((*status, code.as_deref()), (400, Some("Throttling")));
    }
    assert_eq!(sim.stats().throttled, 2);
}

#[tokio::test]
async fn an_upsert_costs_two_changes() {
    let sim = start(SimConfig {
        route53: Route53Config {
            rate_limit: Some(RateLimit {
                burst: 100,
                refill_per_sec: 10.0,
                change_burst: 3,
                change_refill_per_sec: 0.001,
            }),
            ..Default::default()
        },
        ..Default::default()
    })
    .await;
    let client = client();
    let path = format!("{}/", rrset_path(ZONE));
    let upsert = change_body("UPSERT", "a.example.com.", "A", 60, "192.0.2.1");
    let a = sigv4(&client, &sim, "POST", &path, "", &upsert).await;
    assert_eq!(a.status, 200);
    let a = sigv4(&client, &sim, "POST", &path, "", &upsert).await;
    assert_eq!(a.code(), Some("Throttling"));
    let create = change_body("CREATE", "b.example.com.", "A", 60, "192.0.2.2");
    let a = sigv4(&client, &sim, "POST", &path, "", &create).await;
    assert_eq!(a.status, 200, "{}", a.body);
}

#[tokio::test]
async fn change_batch_validation_answers() {
    let sim = start(SimConfig::default()).await;
    let client = client();
    let path = format!("{}/", rrset_path(ZONE));
    let post = |body: String| {
        let client = client.clone();
        let path = path.clone();
        let sim_url = sim.route53_url();
        async move {
            signed_at(
                &client,
                &sim_url,
                Scheme::SigV4,
                &static_creds(),
                "POST",
                &path,
                "",
                &body,
                Timestamp::now(),
            )
            .await
        }
    };
    let apex = post(change_body(
        "UPSERT",
        "example.com.",
        "CNAME",
        60,
        "x.example.net",
    ))
    .await;
    assert_eq!(apex.status, 400);
    assert!(
        apex.body.contains(&format!(
            "<InvalidChangeBatch xmlns=\"{NS}\"><Messages><Message>"
        )),
        "{}",
        apex.body
    );
    let outside = post(change_body("UPSERT", "web.example.org.", "CNAME", 60, "x")).await;
    assert_eq!(
        outside.tag("Message"),
        Some("RRSet with DNS name web.example.org. is not permitted in zone example.com.")
    );
    let garbage = post("<ChangeResourceRecordSetsRequest".to_owned()).await;
    assert_eq!(
        (garbage.status, garbage.code()),
        (400, Some("MalformedInput"))
    );
    let wrong_ns =
        post(change_body("UPSERT", "a.example.com.", "A", 60, "192.0.2.1").replace(NS, "urn:x"))
            .await;
    assert_eq!(wrong_ns.code(), Some("InvalidInput"));

    // DELETE + CREATE is a compare-and-swap.
    sim.put_record(
        ZONE,
        RecordSet::cname("web.example.com", 60, "old.example.net"),
    );
    let cas = |expected: &str| {
        format!(
            "<ChangeResourceRecordSetsRequest xmlns=\"{NS}\"><ChangeBatch><Changes>\
             <Change><Action>DELETE</Action><ResourceRecordSet><Name>web.example.com.</Name><Type>CNAME</Type><TTL>60</TTL><ResourceRecords><ResourceRecord><Value>{expected}</Value></ResourceRecord></ResourceRecords></ResourceRecordSet></Change>\
             <Change><Action>CREATE</Action><ResourceRecordSet><Name>web.example.com.</Name><Type>CNAME</Type><TTL>60</TTL><ResourceRecords><ResourceRecord><Value>new.example.net</Value></ResourceRecord></ResourceRecords></ResourceRecordSet></Change>\
             </Changes></ChangeBatch></ChangeResourceRecordSetsRequest>"
        )
    };
    let stale = post(cas("stale.example.net")).await;
    assert_eq!(stale.code(), None);
    assert!(
        stale.body.contains("do not match the current values"),
        "{}",
        stale.body
    );
    let ok = post(cas("old.example.net")).await;
    assert_eq!(ok.status, 200, "{}", ok.body);
    assert_eq!(
        sim.record(ZONE, "WEB.example.com", "CNAME").unwrap().values,
        vec!["new.example.net"]
    );

    let unknown = sigv4(
        &client,
        &sim,
        "POST",
        "/2013-04-01/hostedzone/ZNOPE/rrset/",
        "",
        &change_body("UPSERT", "a.example.com.", "A", 60, "192.0.2.1"),
    )
    .await;
    assert_eq!(
        (unknown.status, unknown.code()),
        (404, Some("NoSuchHostedZone"))
    );
    assert_eq!(
        unknown.tag("Message"),
        Some("No hosted zone found with ID: ZNOPE")
    );
    let no_change = sigv4(&client, &sim, "GET", "/2013-04-01/change/CNOPE", "", "").await;
    assert_eq!(
        (no_change.status, no_change.code()),
        (404, Some("NoSuchChange"))
    );

    // More than 1 MiB is refused without reading it all.
    let huge = "x".repeat(1024 * 1024 + 10);
    let too_big = post(huge).await;
    assert_eq!(too_big.status, 413);
}

#[tokio::test]
async fn listings_paginate_in_route53_order() {
    let sim = start(SimConfig::default()).await;
    for name in ["b.example.com", "a.example.com", "z.a.example.com"] {
        sim.put_record(ZONE, RecordSet::new(name, "A", 60, ["192.0.2.1"]));
    }
    sim.put_record(ZONE, RecordSet::new("a.example.com", "TXT", 60, ["\"t\""]));
    let client = client();
    let list = sigv4(&client, &sim, "GET", &rrset_path(ZONE), "maxitems=2", "").await;
    assert_eq!(list.tag("IsTruncated"), Some("true"));
    assert_eq!(list.tag("NextRecordName"), Some("z.a.example.com."));
    assert_eq!(list.tag("NextRecordType"), Some("A"));
    let order: Vec<String> = sim
        .records(ZONE)
        .iter()
        .map(|s| format!("{} {}", s.name, s.rtype))
        .collect();
    assert_eq!(
        order,
        [
            "a.example.com. A",
            "a.example.com. TXT",
            "z.a.example.com. A",
            "b.example.com. A"
        ]
    );

    let zones = sigv4(
        &client,
        &sim,
        "GET",
        "/2013-04-01/hostedzonesbyname",
        "dnsname=example.com&maxitems=1",
        "",
    )
    .await;
    assert_eq!(zones.status, 200, "{}", zones.body);
    assert_eq!(zones.tag("Id"), Some("/hostedzone/Z0123456789ABCDEFGHIJ"));
    assert_eq!(zones.tag("Name"), Some("example.com."));
    assert_eq!(zones.tag("PrivateZone"), Some("false"));
    assert_eq!(zones.tag("ResourceRecordSetCount"), Some("4"));
}

#[tokio::test]
async fn deny_answers_access_denied() {
    let sim = start(SimConfig {
        route53: Route53Config {
            deny: vec![Operation::ChangeResourceRecordSets],
            ..Default::default()
        },
        ..Default::default()
    })
    .await;
    let client = client();
    let creds = role_creds_via_imds(&client, &sim).await;
    let body = change_body("UPSERT", "a.example.com.", "A", 60, "192.0.2.1");
    let path = format!("{}/", rrset_path(ZONE));
    let a = signed(
        &client,
        &sim,
        Scheme::SigV4,
        &creds,
        "POST",
        &path,
        "",
        &body,
    )
    .await;
    assert_eq!((a.status, a.code()), (403, Some("AccessDenied")));
    assert_eq!(
        a.tag("Message").unwrap(),
        format!(
            "User: arn:aws:sts::123456789012:assumed-role/web-role/i-0123456789abcdef0 is not authorized to perform: route53:ChangeResourceRecordSets on resource: arn:aws:route53:::hostedzone/{ZONE} because no identity-based policy allows the route53:ChangeResourceRecordSets action"
        )
    );
    let list = signed(
        &client,
        &sim,
        Scheme::SigV4,
        &creds,
        "GET",
        &rrset_path(ZONE),
        "",
        "",
    )
    .await;
    assert_eq!(list.status, 200);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn injected_faults_shape_answers_in_order() {
    let sim = start(SimConfig {
        faults: vec![Fault::new(
            FaultTarget::Route53Op(Operation::ChangeResourceRecordSets),
            FaultKind::Throttling,
            1,
        )],
        ..Default::default()
    })
    .await;
    sim.inject(
        "route53.ChangeResourceRecordSets:prior-request-not-complete"
            .parse()
            .unwrap(),
    );
    sim.inject(Fault::new(FaultTarget::Route53, FaultKind::Status(503), 1));
    sim.inject(Fault::new(
        FaultTarget::Route53,
        FaultKind::ThrottlingException,
        1,
    ));
    sim.inject(Fault::new(FaultTarget::Route53, FaultKind::ExpiredToken, 1));
    sim.inject(Fault::new(FaultTarget::Route53, FaultKind::Malformed, 1));
    sim.inject(Fault::new(
        FaultTarget::Route53,
        FaultKind::Delay(Duration::from_millis(300)),
        1,
    ));
    let client = client();
    let path = format!("{}/", rrset_path(ZONE));
    let body = change_body("UPSERT", "a.example.com.", "A", 60, "192.0.2.1");
    let mut seen = Vec::new();
    for _ in 0..7 {
        let started = std::time::Instant::now();
        let a = sigv4(&client, &sim, "POST", &path, "", &body).await;
        seen.push((
            a.status,
            a.code().unwrap_or("-").to_owned(),
            started.elapsed(),
        ));
        if a.status == 200 && a.code().is_none() && seen.len() == 6 {
            assert!(
                a.body.len() < 200 && !a.body.contains("</ChangeInfo>"),
                "{}",
                a.body
            );
        }
    }
    let codes: Vec<(u16, &str)> = seen.iter().map(|(s, c, _)| (*s, c.as_str())).collect();
    assert_eq!(
        codes,
        [
            (400, "Throttling"),
            (400, "PriorRequestNotComplete"),
            (503, "ServiceUnavailable"),
            (400, "ThrottlingException"),
            (403, "ExpiredToken"),
            (200, "-"),
            (200, "-"),
        ]
    );
    assert!(seen[6].2 >= Duration::from_millis(300));
    assert!(
        sim.record(ZONE, "a.example.com", "A").is_some(),
        "the delayed change applied"
    );
    assert_eq!(sim.stats().faults_served, 7);
    assert!(sim.pending_faults().is_empty());

    // Hang: the client times out; oversized: a huge body.
    sim.inject("route53:hang".parse().unwrap());
    let impatient = builder()
        .timeout(Duration::from_millis(300))
        .build()
        .unwrap();
    let url = format!("{}{}", sim.route53_url(), rrset_path(ZONE));
    let err = impatient.get(&url).send().await.unwrap_err();
    assert!(err.is_timeout(), "{err}");
    sim.inject("route53:oversized".parse().unwrap());
    let resp = client.get(&url).send().await.unwrap();
    assert_eq!(resp.status(), 200);
    assert_eq!(
        resp.content_length(),
        Some(ec2_dns_sim::faults::OVERSIZED_BYTES)
    );
    let hung = sim.requests().iter().filter(|r| r.status == 0).count();
    assert_eq!(hung, 1);
}

#[tokio::test]
async fn tls_with_a_generated_ca() {
    let sim = start(SimConfig {
        route53: Route53Config {
            tls: Some(TlsConfig::default()),
            ..Default::default()
        },
        ..Default::default()
    })
    .await;
    let url = sim.route53_url();
    assert!(url.starts_with("https://127.0.0.1:"), "{url}");
    let pem = sim.ca_pem().unwrap();
    let trusting = builder()
        .tls_certs_only([reqwest::Certificate::from_pem(pem.as_bytes()).unwrap()])
        .build()
        .unwrap();
    let a = sigv4(&trusting, &sim, "GET", &rrset_path(ZONE), "", "").await;
    assert_eq!(a.status, 200, "{}", a.body);
    let localhost = url.replace("127.0.0.1", "localhost");
    let resp = trusting
        .get(format!("{localhost}/date"))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    // A client without the CA refuses the certificate.
    let untrusting = builder().tls_certs_only([]).build().unwrap();
    assert!(untrusting.get(format!("{url}/date")).send().await.is_err());
}

#[tokio::test]
async fn control_api() {
    let sim = start(SimConfig::default()).await;
    let client = client();
    let base = sim.route53_url();
    let put = client
        .put(format!("{base}/_sim/record"))
        .body(r#"{"zone_id":"Z0123456789ABCDEFGHIJ","name":"Web.example.com","type":"cname","ttl":60,"values":["x.example.net"]}"#)
        .send()
        .await
        .unwrap();
    assert_eq!(put.status(), 200);
    let zones: serde_json::Value = client
        .get(format!("{base}/_sim/zones"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(zones[0]["id"], ZONE);
    assert_eq!(zones[0]["records"][0]["name"], "web.example.com.");
    assert_eq!(zones[0]["records"][0]["rtype"], "CNAME");

    let fault = client
        .post(format!("{base}/_sim/fault"))
        .body("route53:throttling:2")
        .send()
        .await
        .unwrap();
    assert_eq!(fault.status(), 200);
    let json_fault = client
        .post(format!("{base}/_sim/fault"))
        .body(r#"{"target":{"route53_op":"GetChange"},"kind":{"status":500}}"#)
        .send()
        .await
        .unwrap();
    assert_eq!(json_fault.status(), 200);
    let bad = client
        .post(format!("{base}/_sim/fault"))
        .body("nonsense")
        .send()
        .await
        .unwrap();
    assert_eq!(bad.status(), 400);
    assert_eq!(sim.pending_faults().len(), 2);

    let del = client
        .delete(format!("{base}/_sim/metadata/public-hostname"))
        .send()
        .await
        .unwrap();
    assert_eq!(del.status(), 200);
    let a = imds_get(&client, &sim.imds_url(), "public-hostname", None).await;
    assert_eq!(a.status, 404);
    client
        .put(format!("{base}/_sim/metadata/public-hostname"))
        .body("ec2-198-51-100-1.compute-1.amazonaws.com")
        .send()
        .await
        .unwrap();
    let a = imds_get(&client, &sim.imds_url(), "public-hostname", None).await;
    assert_eq!(a.body, "ec2-198-51-100-1.compute-1.amazonaws.com");

    let skew = client
        .put(format!("{base}/_sim/clock-skew"))
        .body("-900")
        .send()
        .await
        .unwrap();
    assert_eq!(skew.status(), 200);
    let stats: serde_json::Value = client
        .get(format!("{base}/_sim/stats"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(stats["imds_requests"], 2);
    let requests: serde_json::Value = client
        .get(format!("{base}/_sim/requests"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        requests.as_array().unwrap().len(),
        2,
        "control calls are not logged"
    );
    assert_eq!(requests[0]["service"], "Imds");
}

fn spread(seed: u64) -> SimConfig {
    SimConfig {
        route53: Route53Config {
            propagation: Duration::from_millis(800),
            propagation_max: Some(Duration::from_millis(1600)),
            ..Default::default()
        },
        seed,
        ..Default::default()
    }
}

/// Submits one UPSERT per name; the change ids, in order.
async fn upserts(
    client: &reqwest::Client,
    sim: &ec2_dns_sim::Sim,
    names: &[String],
) -> Vec<String> {
    let path = format!("{}/", rrset_path(ZONE));
    let mut ids = Vec::new();
    for name in names {
        let body = change_body("UPSERT", name, "CNAME", 60, "target.example.net");
        let change = sigv4(client, sim, "POST", &path, "", &body).await;
        assert_eq!(change.status, 200, "{}", change.body);
        ids.push(
            change
                .tag("Id")
                .unwrap()
                .trim_start_matches("/change/")
                .to_owned(),
        );
    }
    ids
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_propagation_spread_draws_per_change_and_insync_follows_the_draw() {
    let sim = start(spread(7)).await;
    let client = client();
    let names: Vec<String> = (0..6).map(|i| format!("s{i}.example.com.")).collect();
    let ids = upserts(&client, &sim, &names).await;

    let changes = sim.changes();
    assert_eq!(
        changes.iter().map(|c| &c.id).collect::<Vec<_>>(),
        ids.iter().collect::<Vec<_>>()
    );
    let (min, max) = (Duration::from_millis(800), Duration::from_millis(1600));
    for (c, name) in changes.iter().zip(&names) {
        assert!((min..=max).contains(&c.propagation), "{:?}", c.propagation);
        assert_eq!(c.zone_id, ZONE);
        assert_eq!(c.comment.as_deref(), Some("test"));
        assert_eq!(
            c.records,
            [ec2_dns_sim::ChangedRecord {
                action: "UPSERT".into(),
                name: name.clone(),
                rtype: "CNAME".into(),
            }]
        );
    }
    let mut distinct: Vec<Duration> = changes.iter().map(|c| c.propagation).collect();
    distinct.dedup();
    assert!(distinct.len() > 1, "every change drew the same propagation");

    // The same seed and order give the same draws; another seed others.
    for (seed, same) in [(7, true), (8, false)] {
        let other = start(spread(seed)).await;
        upserts(&client, &other, &names).await;
        let draws: Vec<Duration> = other.changes().iter().map(|c| c.propagation).collect();
        let mine: Vec<Duration> = changes.iter().map(|c| c.propagation).collect();
        assert_eq!(draws == mine, same, "seed {seed}: {draws:?} vs {mine:?}");
    }

    // GetChange turns INSYNC at the drawn moment: PENDING whenever the
    // answer came before it, INSYNC whenever the request left after it.
    let slowest = changes.iter().max_by_key(|c| c.propagation).unwrap();
    let insync_at = slowest.insync_at().unwrap();
    let path = format!("/2013-04-01/change/{}", slowest.id);
    let creds = static_creds();
    let mut checked = (false, false);
    for target in [
        insync_at - Duration::from_millis(300),
        insync_at + Duration::from_millis(20),
    ] {
        tokio::time::sleep_until(target.into()).await;
        let sent = std::time::Instant::now();
        let get = signed(&client, &sim, Scheme::SigV4, &creds, "GET", &path, "", "").await;
        let answered = std::time::Instant::now();
        assert_eq!(get.status, 200, "{}", get.body);
        if answered < insync_at {
            assert_eq!(get.tag("Status"), Some("PENDING"));
            checked.0 = true;
        }
        if sent >= insync_at {
            assert_eq!(get.tag("Status"), Some("INSYNC"));
            checked.1 = true;
        }
    }
    assert!(checked.1, "the INSYNC side was not checked");
    if !checked.0 {
        eprintln!("note: the machine was too slow to check the PENDING side");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_control_api_lists_changes_on_the_request_log_clock() {
    let sim = start(spread(3)).await;
    let client = client();
    let names: Vec<String> = (0..3).map(|i| format!("c{i}.example.com.")).collect();
    let ids = upserts(&client, &sim, &names).await;
    let listed: Vec<serde_json::Value> = control(&client, &sim, "changes").await;
    let requests: Vec<serde_json::Value> = control(&client, &sim, "requests").await;
    let posts: Vec<u64> = requests
        .iter()
        .filter(|r| r["operation"] == "ChangeResourceRecordSets" && r["status"] == 200)
        .map(|r| r["elapsed_ms"].as_u64().unwrap())
        .collect();
    assert_eq!(listed.len(), 3);
    assert_eq!(posts.len(), 3);
    let changes = sim.changes();
    for (((entry, id), change), post) in listed.iter().zip(&ids).zip(&changes).zip(&posts) {
        assert_eq!(entry["id"], id.as_str());
        assert_eq!(entry["zone_id"], ZONE);
        assert_eq!(entry["submitted_at"], change.submitted_at.as_str());
        let submitted = entry["submitted_ms"].as_u64().unwrap();
        // Applied after the request arrived, well within a second.
        assert!(
            (*post..*post + 1000).contains(&submitted),
            "{post} {submitted}"
        );
        let propagation = entry["propagation_ms"].as_u64().unwrap();
        assert_eq!(u128::from(propagation), change.propagation.as_millis());
        assert!((800..=1600).contains(&propagation));
        let insync = entry["insync_ms"].as_u64().unwrap();
        assert!((submitted + propagation..=submitted + propagation + 1).contains(&insync));
        assert_eq!(entry["records"][0]["action"], "UPSERT");
        assert_eq!(entry["records"][0]["type"], "CNAME");
        assert_eq!(entry["comment"], "test");
        assert!(entry["status"] == "PENDING" || entry["status"] == "INSYNC");
    }
    for (entry, name) in listed.iter().zip(&names) {
        assert_eq!(entry["records"][0]["name"], name.as_str());
    }

    // Never INSYNC: null times, PENDING.
    let never = start(SimConfig {
        route53: Route53Config {
            propagation: ec2_dns_sim::Propagation::Never,
            ..Default::default()
        },
        ..Default::default()
    })
    .await;
    upserts(&client, &never, &names[..1]).await;
    let listed: Vec<serde_json::Value> = control(&client, &never, "changes").await;
    assert_eq!(listed.len(), 1);
    assert!(listed[0]["propagation_ms"].is_null());
    assert!(listed[0]["insync_ms"].is_null());
    assert_eq!(listed[0]["status"], "PENDING");
}
