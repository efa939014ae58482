//! The STS and EC2 Query APIs on the Route 53 listener: AssumeRole with
//! trust rules and external ids, credentials Route 53 then accepts and
//! attributes to the role, DescribeInstances with ids, filters and states.

use crate::util::*;
use ec2_dns_sim::{
    AssumableRole, Credentials, Ec2Config, ImdsConfig, InstanceState, Route53Config, Service,
    SimConfig, StsConfig, ZoneAccess, instance_role_arn,
};
use ec2_dns_updater::sign::{Scheme, SignableRequest, sign};
use ec2_dns_updater::timestamp::Timestamp;

const ROLE: &str = "arn:aws:iam::111122223333:role/dns-writer";
const FORM: &str = "application/x-www-form-urlencoded; charset=utf-8";

/// `POST /` with a form body, SigV4 for `service` in `region`.
async fn query(
    client: &reqwest::Client,
    base: &str,
    creds: &Credentials,
    service: &str,
    region: &str,
    form: &str,
) -> Answer {
    let host = base.split("://").nth(1).unwrap();
    let headers = [("content-type", FORM)];
    let request = SignableRequest {
        method: "POST",
        host,
        path: "/",
        query: "",
        headers: &headers,
        body: form.as_bytes(),
    };
    let mut req = client
        .post(format!("{base}/"))
        .header("content-type", FORM)
        .body(form.to_owned());
    for h in sign(
        Scheme::SigV4,
        &request,
        creds,
        Timestamp::now(),
        region,
        service,
    ) {
        req = req.header(h.name, h.value);
    }
    answer(req.send().await.unwrap()).await
}

fn assume_form(arn: &str, session: &str, external_id: Option<&str>) -> String {
    let mut form = format!(
        "Action=AssumeRole&Version=2011-06-15&RoleArn={}&RoleSessionName={}",
        ec2_dns_updater::sign::sigv4::uri_encode(arn),
        ec2_dns_updater::sign::sigv4::uri_encode(session)
    );
    if let Some(id) = external_id {
        form.push_str(&format!("&ExternalId={id}"));
    }
    form
}

fn fleet_config() -> SimConfig {
    SimConfig {
        sts: StsConfig {
            roles: vec![AssumableRole {
                external_id: Some("ext-42".into()),
                ..AssumableRole::new(ROLE)
            }],
            ..Default::default()
        },
        route53: Route53Config {
            // The instance role may not touch the zone; the assumed role may.
            zone_access: vec![
                ZoneAccess {
                    principal: instance_role_arn("web-role"),
                    zones: vec![],
                },
                ZoneAccess {
                    principal: ROLE.into(),
                    zones: vec![ZONE.into()],
                },
            ],
            ..Default::default()
        },
        ..Default::default()
    }
}

#[tokio::test]
async fn a_write_through_an_assumed_role_where_the_base_role_is_denied() {
    let sim = start(fleet_config()).await;
    let client = client();
    let base_creds = role_creds_via_imds(&client, &sim).await;
    let path = rrset_path(ZONE);
    let body = change_body("UPSERT", "web.example.com.", "CNAME", 60, "a.example.net");
    let a = signed(
        &client,
        &sim,
        Scheme::SigV4,
        &base_creds,
        "POST",
        &path,
        "",
        &body,
    )
    .await;
    assert_eq!((a.status, a.code()), (403, Some("AccessDenied")));
    assert!(
        a.body.contains("assumed-role/web-role/i-0123456789abcdef0"),
        "{}",
        a.body
    );

    let sts = sim.sts_url();
    // Refusals: wrong or missing external id, unknown role, untrusted caller.
    for (creds, form) in [
        (
            &base_creds,
            assume_form(ROLE, "i-0123456789abcdef0", Some("wrong")),
        ),
        (&base_creds, assume_form(ROLE, "i-0123456789abcdef0", None)),
        (
            &base_creds,
            assume_form("arn:aws:iam::111122223333:role/other", "s1", Some("ext-42")),
        ),
        (&static_creds(), assume_form(ROLE, "s1", Some("ext-42"))),
    ] {
        let a = query(&client, &sts, creds, "sts", "us-east-1", &form).await;
        assert_eq!(a.status, 403, "{form}: {}", a.body);
        assert!(
            a.body.contains("<ErrorResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\"><Error><Type>Sender</Type><Code>AccessDenied</Code><Message>User: "),
            "{}",
            a.body
        );
        assert!(
            a.body
                .contains("is not authorized to perform: sts:AssumeRole on resource: "),
            "{}",
            a.body
        );
    }
    // Malformed input.
    for form in [
        assume_form("dns-writer", "s1", Some("ext-42")),
        assume_form(ROLE, "x", Some("ext-42")),
        assume_form(ROLE, "has space", Some("ext-42")),
        format!(
            "{}&DurationSeconds=60",
            assume_form(ROLE, "s1", Some("ext-42"))
        ),
        format!(
            "{}&DurationSeconds=7200",
            assume_form(ROLE, "s1", Some("ext-42"))
        ),
        "Action=AssumeRole&Version=2011-06-15&RoleSessionName=s1".to_owned(),
    ] {
        let a = query(&client, &sts, &base_creds, "sts", "us-east-1", &form).await;
        assert_eq!(
            (a.status, a.code()),
            (400, Some("ValidationError")),
            "{form}: {}",
            a.body
        );
    }
    // Scope and signature checks apply as for Route 53.
    let form = assume_form(ROLE, "s1", Some("ext-42"));
    let a = query(&client, &sts, &base_creds, "sts", "eu-west-1", &form).await;
    assert_eq!((a.status, a.code()), (403, Some("SignatureDoesNotMatch")));
    let a = answer(
        client
            .post(format!("{sts}/"))
            .header("content-type", FORM)
            .body(form.clone())
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(
        (a.status, a.code()),
        (403, Some("MissingAuthenticationToken"))
    );

    // Success.
    let a = query(&client, &sts, &base_creds, "sts", "us-east-1", &form).await;
    assert_eq!(a.status, 200, "{}", a.body);
    assert!(a.body.contains("<AssumeRoleResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\"><AssumeRoleResult><Credentials>"));
    assert_eq!(
        a.tag("Arn"),
        Some("arn:aws:sts::111122223333:assumed-role/dns-writer/s1")
    );
    let key = a.tag("AccessKeyId").unwrap();
    assert!(key.starts_with("ASIA"), "{key}");
    let expiration = Timestamp::parse_rfc3339(a.tag("Expiration").unwrap()).unwrap();
    let left = expiration.seconds_since(Timestamp::now());
    assert!((3590..=3600).contains(&left), "one hour by default: {left}");
    let assumed = Credentials::new_temporary(
        key,
        a.tag("SecretAccessKey").unwrap(),
        a.tag("SessionToken").unwrap(),
        Some(expiration),
    );
    let a = signed(
        &client,
        &sim,
        Scheme::SigV4,
        &assumed,
        "POST",
        &path,
        "",
        &body,
    )
    .await;
    assert_eq!(a.status, 200, "{}", a.body);
    assert_eq!(
        sim.record(ZONE, "web.example.com", "CNAME").unwrap().values,
        ["a.example.net"]
    );
    // Only in its zones: another zone is denied, naming the session.
    sim.set_clock_skew(0);
    let other = rrset_path("ZOTHER");
    let a = signed(
        &client,
        &sim,
        Scheme::SigV4,
        &assumed,
        "GET",
        &other,
        "",
        "",
    )
    .await;
    assert_eq!((a.status, a.code()), (403, Some("AccessDenied")));
    assert!(a.body.contains("assumed-role/dns-writer/s1"), "{}", a.body);
    // Without the token the key is not valid; after expiry it is expired.
    let tokenless = Credentials::new_static(key, assumed.secret_access_key.expose());
    let a = signed(
        &client,
        &sim,
        Scheme::SigV4,
        &tokenless,
        "GET",
        &path,
        "",
        "",
    )
    .await;
    assert_eq!(a.code(), Some("InvalidClientTokenId"));
    sim.set_clock_skew(3700);
    let a = signed_at(
        &client,
        &sim.route53_url(),
        Scheme::SigV4,
        &assumed,
        "GET",
        &path,
        "",
        "",
        Timestamp::now().offset_by(3700),
    )
    .await;
    assert_eq!(a.code(), Some("ExpiredToken"));

    let stats = sim.stats();
    assert_eq!(stats.roles_assumed, 1);
    assert_eq!(stats.actions["AssumeRole"], 13);
    assert_eq!(stats.sts_requests, 13);
    let log = sim.requests();
    assert!(
        log.iter()
            .filter(|r| r.service == Service::Sts)
            .all(|r| r.action.as_deref() == Some("AssumeRole"))
    );
}

fn instance_ids(a: &Answer) -> Vec<String> {
    a.body
        .split("<instanceId>")
        .skip(1)
        .map(|s| s.split('<').next().unwrap().to_owned())
        .collect()
}

fn states(a: &Answer) -> Vec<String> {
    a.body
        .split("<instanceState>")
        .skip(1)
        .map(|s| {
            s.split("<name>")
                .nth(1)
                .unwrap()
                .split('<')
                .next()
                .unwrap()
                .to_owned()
        })
        .collect()
}

#[tokio::test]
async fn describe_instances_ids_filters_and_states() {
    let sim = start(SimConfig {
        imds: ImdsConfig {
            fleet: 2,
            region: "eu-west-1".into(),
            ..Default::default()
        },
        ec2: Ec2Config {
            instances: vec![("i-0stopped".into(), InstanceState::Stopped)],
            ..Default::default()
        },
        ..Default::default()
    })
    .await;
    let client = client();
    let ec2 = sim.ec2_url();
    let creds = static_creds();
    let call = |form: String| {
        let client = client.clone();
        let ec2 = ec2.clone();
        let creds = creds.clone();
        async move {
            query(
                &client,
                &ec2,
                &creds,
                "ec2",
                "eu-west-1",
                &format!("Action=DescribeInstances&Version=2016-11-15&{form}"),
            )
            .await
        }
    };
    let a = call(String::new()).await;
    assert_eq!(a.status, 200, "{}", a.body);
    assert!(a.body.contains(
        "<DescribeInstancesResponse xmlns=\"http://ec2.amazonaws.com/doc/2016-11-15/\">"
    ));
    assert!(a.body.contains("<reservationSet><item><reservationId>"));
    assert!(a.body.contains("<instancesSet><item><instanceId>"));
    assert_eq!(
        instance_ids(&a),
        [
            "i-0123456789abcdef0",
            "i-0stopped",
            "i-fleet000000000001",
            "i-fleet000000000002"
        ]
    );
    assert_eq!(states(&a), ["running", "stopped", "running", "running"]);

    sim.set_instance_state("i-fleet000000000002", Some(InstanceState::Terminated));
    sim.set_instance_state("i-fleet000000000001", None);
    assert_eq!(
        sim.instance_state("i-fleet000000000002"),
        Some(InstanceState::Terminated)
    );
    assert_eq!(sim.instance_state("i-fleet000000000001"), None);
    // A filter matches what exists and skips the rest.
    let a = call("Filter.1.Name=instance-id&Filter.1.Value.1=i-fleet000000000001&Filter.1.Value.2=i-fleet000000000002&Filter.1.Value.3=i-0nothere".into()).await;
    assert_eq!(a.status, 200, "{}", a.body);
    assert_eq!(instance_ids(&a), ["i-fleet000000000002"]);
    assert_eq!(states(&a), ["terminated"]);
    assert!(
        a.body
            .contains("<instanceState><code>48</code><name>terminated</name></instanceState>")
    );
    let a = call("Filter.1.Name=instance-state-name&Filter.1.Value.1=running".into()).await;
    assert_eq!(instance_ids(&a), ["i-0123456789abcdef0"]);
    // InstanceId.N: one unknown id fails the whole call.
    let a = call("InstanceId.1=i-0123456789abcdef0&InstanceId.2=i-fleet000000000001".into()).await;
    assert_eq!(
        (a.status, a.code()),
        (400, Some("InvalidInstanceID.NotFound"))
    );
    assert!(a.body.contains("<Response><Errors><Error><Code>InvalidInstanceID.NotFound</Code><Message>The instance ID 'i-fleet000000000001' does not exist</Message></Error></Errors><RequestID>"), "{}", a.body);
    let a = call("InstanceId.1=i-0123456789abcdef0&InstanceId.2=i-fleet000000000002".into()).await;
    assert_eq!(a.status, 200);
    assert_eq!(states(&a), ["running", "terminated"]);
    let a = call("InstanceId.1=bogus".into()).await;
    assert_eq!(a.code(), Some("InvalidInstanceID.Malformed"));
    let a = call("Filter.1.Name=tag:Name&Filter.1.Value.1=x".into()).await;
    assert_eq!(a.code(), Some("InvalidParameterValue"));

    // The control API.
    let put = client
        .put(format!("{ec2}/_sim/instance/i-fleet000000000001"))
        .body("stopping")
        .send()
        .await
        .unwrap();
    assert_eq!(put.status(), 200);
    assert_eq!(
        sim.instance_state("i-fleet000000000001"),
        Some(InstanceState::Stopping)
    );
    let put = client
        .put(format!("{ec2}/_sim/instance/i-x"))
        .body("exploded")
        .send()
        .await
        .unwrap();
    assert_eq!(put.status(), 400);
    let del = client
        .delete(format!("{ec2}/_sim/instance/i-0stopped"))
        .send()
        .await
        .unwrap();
    assert_eq!(del.status(), 200);
    assert_eq!(sim.instance_state("i-0stopped"), None);

    // The region is the instance's; the service must be ec2 or sts.
    let a = query(
        &client,
        &ec2,
        &creds,
        "ec2",
        "us-east-1",
        "Action=DescribeInstances",
    )
    .await;
    assert_eq!((a.status, a.code()), (403, Some("SignatureDoesNotMatch")));
    assert!(
        a.body
            .starts_with("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Response><Errors>"),
        "{}",
        a.body
    );
    let a = query(
        &client,
        &ec2,
        &creds,
        "ec2",
        "eu-west-1",
        "Action=RunInstances",
    )
    .await;
    assert_eq!((a.status, a.code()), (400, Some("InvalidAction")));
    assert!(
        sim.requests()
            .iter()
            .any(|r| r.service == Service::Ec2 && r.action.as_deref() == Some("DescribeInstances"))
    );
    // Route 53 is not disturbed: its requests are counted apart.
    assert_eq!(sim.stats().route53_requests, 0);
}
