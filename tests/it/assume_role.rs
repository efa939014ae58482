//! Zones in another account (issue 11 part 1): `route53.role_arn` makes the
//! updater assume a role with STS and call Route 53 with that role's
//! credentials. The simulator's instance role is denied the zone
//! (`zone_access`), so only a record written through the assumed role lands.

use crate::util::{Env, HOSTNAME, ZONE, fast};
use ec2_dns_sim::config::{DEFAULT_ROLE, instance_role_arn};
use ec2_dns_sim::{AssumableRole, Operation, Service, SimConfig, ZoneAccess, ZoneConfig};
use std::time::Duration;

const TARGET_ROLE: &str = "arn:aws:iam::111122223333:role/dns/writer";
const THIRD_ROLE: &str = "arn:aws:iam::444455556666:role/dns";
const EXTERNAL_ID: &str = "fleet-42";

/// A simulator whose instance role may use no zone at all, and whose STS
/// hands out `roles`.
fn denied_instance_role(roles: Vec<AssumableRole>) -> SimConfig {
    let mut c = fast();
    c.route53.zone_access = vec![ZoneAccess {
        principal: instance_role_arn(DEFAULT_ROLE),
        zones: vec![],
    }];
    c.sts.roles = roles;
    c
}

/// The default record, with `route53` and `sts` settings added.
fn config(env: &Env, route53_extra: &str, records: &str) -> String {
    let records = if records.is_empty() {
        format!("[[record]]\nzone = \"{ZONE}\"\nname = \"web.example.com\"\n")
    } else {
        records.to_owned()
    };
    env.write_config(&format!(
        "deadline = \"60s\"\n\n{records}\n[route53]\nendpoint = \"{}\"\n{route53_extra}\n\n[sts]\nendpoint = \"{}\"\n\n[imds]\nendpoint = \"{}\"\nwait_timeout = \"10s\"\n",
        env.sim.route53_url(),
        env.sim.sts_url(),
        env.sim.imds_url()
    ))
    .to_str()
    .unwrap()
    .to_owned()
}

fn assume_calls(env: &Env) -> Vec<ec2_dns_sim::RequestLog> {
    env.sim
        .requests()
        .into_iter()
        .filter(|r| r.service == Service::Sts && r.action.as_deref() == Some("AssumeRole"))
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn writes_through_an_assumed_role_when_the_instance_role_is_denied_the_zone() {
    let mut role = AssumableRole::new(TARGET_ROLE);
    role.external_id = Some(EXTERNAL_ID.into());
    let env = Env::start(denied_instance_role(vec![role])).await;

    // Without role_arn the instance role itself is refused: 77, nothing written.
    let plain = config(&env, "", "");
    let run = env.run(&["--config", &plain], &[]).await;
    run.expect_code(77);
    assert_eq!(env.cname("web.example.com"), None);

    let cfg = config(
        &env,
        &format!("role_arn = \"{TARGET_ROLE}\"\nexternal_id = \"{EXTERNAL_ID}\""),
        "",
    );
    let run = env.run(&["--config", &cfg], &[]).await;
    run.expect_code(0);
    assert_eq!(env.cname("web.example.com").as_deref(), Some(HOSTNAME));
    let calls = assume_calls(&env);
    assert_eq!(calls.len(), 1, "{calls:?}");
    assert_eq!(calls[0].status, 200);
    run.expect_stderr("assumed role");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_wrong_external_id_is_refused_with_77_and_the_zone_is_untouched() {
    let mut role = AssumableRole::new(TARGET_ROLE);
    role.external_id = Some(EXTERNAL_ID.into());
    let env = Env::start(denied_instance_role(vec![role])).await;
    let cfg = config(
        &env,
        &format!("role_arn = \"{TARGET_ROLE}\"\nexternal_id = \"not-the-one\""),
        "",
    );
    let run = env.run(&["--config", &cfg], &[]).await;
    run.expect_code(77)
        .expect_stderr(&format!("cannot assume role {TARGET_ROLE}"))
        .expect_stderr("trust policy")
        .expect_stderr("sts:ExternalId");
    assert_eq!(env.cname("web.example.com"), None);
    assert_eq!(env.count(Operation::ChangeResourceRecordSets), 0);
    assert!(
        env.route53_requests().is_empty(),
        "no Route 53 call without the role"
    );
    assert!(!assume_calls(&env).is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_role_that_does_not_trust_the_instance_role_is_refused_with_77() {
    let mut role = AssumableRole::new(TARGET_ROLE);
    role.trusted = vec!["arn:aws:iam::123456789012:role/someone-else".into()];
    let env = Env::start(denied_instance_role(vec![role])).await;
    let cfg = config(&env, &format!("role_arn = \"{TARGET_ROLE}\""), "");
    let run = env.run(&["--config", &cfg], &[]).await;
    run.expect_code(77)
        .expect_stderr("trust policy")
        .expect_stderr("set route53.external_id");
    assert_eq!(env.count(Operation::ChangeResourceRecordSets), 0);
    assert_eq!(env.cname("web.example.com"), None);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_malformed_role_arn_is_refused_before_any_call() {
    let env = Env::start(denied_instance_role(vec![AssumableRole::new(TARGET_ROLE)])).await;
    for (route53, records) in [
        (
            "role_arn = \"arn:aws:iam::1111:role/dns\"".to_owned(),
            String::new(),
        ),
        (
            String::new(),
            format!(
                "[[record]]\nzone = \"{ZONE}\"\nname = \"web.example.com\"\nrole_arn = \"dns-writer\"\n"
            ),
        ),
    ] {
        let cfg = config(&env, &route53, &records);
        let run = env.run(&["--config", &cfg], &[]).await;
        run.expect_code(78).expect_stderr("is not a role ARN");
        assert!(env.sim.requests().is_empty(), "{:?}", env.sim.requests());
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn assumed_credentials_are_refreshed_before_they_expire() {
    let mut role = AssumableRole::new(TARGET_ROLE);
    // Sessions of 2 s, far below the 5-minute refresh margin: every Route 53
    // call needs fresh ones, and the change takes 3 s to be INSYNC.
    role.max_session = Duration::from_secs(2);
    let mut sim = denied_instance_role(vec![role]);
    sim.route53.propagation = Duration::from_secs(3);
    let env = Env::start(sim).await;
    let cfg = config(&env, &format!("role_arn = \"{TARGET_ROLE}\""), "");
    let run = env.run(&["--config", &cfg], &[]).await;
    run.expect_code(0);
    assert_eq!(env.cname("web.example.com").as_deref(), Some(HOSTNAME));
    let route53 = env.route53_requests();
    assert!(
        route53.iter().all(|r| r.error_code.is_none()),
        "no Route 53 request is refused: {route53:?}"
    );
    assert!(env.count(Operation::GetChange) >= 1, "{route53:?}");
    let calls = assume_calls(&env);
    assert!(calls.len() >= 3, "one AssumeRole per call: {calls:?}");
    assert!(calls.iter().all(|c| c.status == 200));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn verbose_output_never_shows_the_assumed_credentials() {
    let env = Env::start(denied_instance_role(vec![AssumableRole::new(TARGET_ROLE)])).await;
    let cfg = config(&env, &format!("role_arn = \"{TARGET_ROLE}\""), "");
    let run = env.run(&["--config", &cfg, "-vvv"], &[]).await;
    run.expect_code(0);
    let issued = env.sim.assumed_credentials();
    assert!(!issued.is_empty());
    let shown = format!("{}{}", run.stdout, run.stderr);
    for (_id, secret, token) in issued {
        assert!(!shown.contains(&secret), "the secret key leaked");
        assert!(!shown.contains(&token), "the session token leaked");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_record_with_its_own_role_is_written_in_a_third_account() {
    const OTHER_ZONE: &str = "ZOTHER00000000000001";
    let mut sim = denied_instance_role(vec![
        AssumableRole::new(TARGET_ROLE),
        AssumableRole::new(THIRD_ROLE),
    ]);
    sim.route53.zones.push(ZoneConfig {
        id: OTHER_ZONE.into(),
        name: "example.org.".into(),
        ..Default::default()
    });
    // Each role may use its own account's zone only.
    sim.route53.zone_access.extend([
        ZoneAccess {
            principal: TARGET_ROLE.into(),
            zones: vec![ZONE.into()],
        },
        ZoneAccess {
            principal: THIRD_ROLE.into(),
            zones: vec![OTHER_ZONE.into()],
        },
    ]);
    let env = Env::start(sim).await;
    let records = format!(
        "[[record]]\nzone = \"{ZONE}\"\nname = \"web.example.com\"\n\n[[record]]\nzone = \"{OTHER_ZONE}\"\nname = \"web.example.org\"\nrole_arn = \"{THIRD_ROLE}\"\n"
    );
    let cfg = config(&env, &format!("role_arn = \"{TARGET_ROLE}\""), &records);
    let run = env.run(&["--config", &cfg], &[]).await;
    run.expect_code(0);
    assert_eq!(env.cname("web.example.com").as_deref(), Some(HOSTNAME));
    assert_eq!(
        env.sim
            .record(OTHER_ZONE, "web.example.org", "CNAME")
            .map(|r| r.values.join(",")),
        Some(HOSTNAME.to_owned())
    );
    // One session per role; one change batch per zone.
    assert_eq!(assume_calls(&env).len(), 2);
    assert_eq!(env.count(Operation::ChangeResourceRecordSets), 2);
    assert!(
        env.route53_requests()
            .iter()
            .all(|r| r.error_code.is_none())
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn policy_prints_what_each_side_needs() {
    let env = Env::start(fast()).await;
    let cfg = config(
        &env,
        &format!("role_arn = \"{TARGET_ROLE}\"\nexternal_id = \"{EXTERNAL_ID}\""),
        "",
    );
    let run = env.run(&["policy", "--config", &cfg], &[]).await;
    run.expect_code(0);
    let doc: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    let instance = &doc["InstanceRole"]["Policy"]["Statement"];
    assert_eq!(instance[0]["Action"], "sts:AssumeRole");
    assert_eq!(instance[0]["Resource"], serde_json::json!([TARGET_ROLE]));
    assert_eq!(
        instance.as_array().unwrap().len(),
        1,
        "the instance role gets no Route 53 rights: {doc:#}"
    );
    let role = &doc["Roles"][TARGET_ROLE];
    let trust = &role["TrustPolicy"]["Statement"][0];
    assert_eq!(trust["Action"], "sts:AssumeRole");
    assert_eq!(
        trust["Condition"]["StringEquals"]["sts:ExternalId"],
        EXTERNAL_ID
    );
    let permissions = role["PermissionsPolicy"]["Statement"].as_array().unwrap();
    assert!(
        permissions
            .iter()
            .any(|s| s["Action"] == "route53:ChangeResourceRecordSets"
                && s["Resource"] == format!("arn:aws:route53:::hostedzone/{ZONE}")),
        "{doc:#}"
    );
    assert!(env.sim.requests().is_empty(), "policy calls nothing");

    // Without role_arn: the plain policy document, as before.
    let plain = config(&env, "", "");
    let run = env.run(&["policy", "--config", &plain], &[]).await;
    run.expect_code(0);
    let doc: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(doc["Version"], "2012-10-17");
    assert!(doc.get("Roles").is_none());
}

/// Writes `$HOME/.aws/<name>` in the scratch directory the runs use as HOME.
fn aws_file(env: &Env, name: &str, text: &str) {
    let dir = env.dir.path().join(".aws");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join(name), text).unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_config_file_profile_with_credential_source_assumes_its_role() {
    let mut role = AssumableRole::new(TARGET_ROLE);
    role.external_id = Some(EXTERNAL_ID.into());
    let env = Env::start(denied_instance_role(vec![role])).await;
    aws_file(
        &env,
        "config",
        &format!(
            "[default]\nregion = us-east-1\n\n[profile dns]\nrole_arn = {TARGET_ROLE}\ncredential_source = Ec2InstanceMetadata\nexternal_id = {EXTERNAL_ID}\n"
        ),
    );
    let cfg = config(&env, "", "");
    // The default profile has no role: the instance role, refused.
    let run = env.run(&["--config", &cfg], &[]).await;
    run.expect_code(77);
    assert_eq!(env.cname("web.example.com"), None);
    let run = env
        .run(&["--config", &cfg], &[("AWS_PROFILE", "dns")])
        .await;
    run.expect_code(0)
        .expect_stderr("the profile assumes a role");
    assert_eq!(env.cname("web.example.com").as_deref(), Some(HOSTNAME));
    assert_eq!(assume_calls(&env).len(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_config_file_profile_with_source_profile_assumes_its_role_with_those_keys() {
    use ec2_dns_sim::config::{STATIC_ACCESS_KEY_ID, STATIC_SECRET_ACCESS_KEY, STATIC_USER_ARN};
    let mut role = AssumableRole::new(TARGET_ROLE);
    // Only the static user may assume it: the instance role would be refused.
    role.trusted = vec![STATIC_USER_ARN.into()];
    let env = Env::start(denied_instance_role(vec![role])).await;
    let config_file = env.path("aws-config");
    std::fs::write(
        &config_file,
        format!("[default]\nrole_arn = {TARGET_ROLE}\nsource_profile = base\nrole_session_name = web-1\n"),
    )
    .unwrap();
    aws_file(
        &env,
        "credentials",
        &format!(
            "[base]\naws_access_key_id = {STATIC_ACCESS_KEY_ID}\naws_secret_access_key = {STATIC_SECRET_ACCESS_KEY}\n"
        ),
    );
    let cfg = config(&env, "", "");
    let run = env
        .run(
            &["--config", &cfg],
            &[("AWS_CONFIG_FILE", config_file.to_str().unwrap())],
        )
        .await;
    run.expect_code(0);
    assert_eq!(env.cname("web.example.com").as_deref(), Some(HOSTNAME));
    assert_eq!(assume_calls(&env).len(), 1);
}
