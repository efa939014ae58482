//! Name templates render one label, durations are bounded (issue 9 items 4, 7).

use super::{Case, case};
use crate::util::{Env, HOSTNAME, Run, ZONE, fast, run_args};
use ec2_dns_sim::{ImdsConfig, RecordSet, SimConfig};

pub const CASES: &[Case] = &[
    Case {
        test: "a_tag_of_star_is_not_a_wildcard",
        item: "4",
        case: "`name = \"{tag:Name}.example.com\"`, tag `Name = *`: the run used to write the wildcard `*.example.com`",
        behaviour: "refused: a placeholder fills in one label (letters, digits, '-'); the error names the template, the placeholder and the value; no Route 53 request",
        exit: 78,
    },
    Case {
        test: "a_tag_with_a_dot_cannot_add_a_label",
        item: "4",
        case: "tag `Name = www.prod`: the run used to write `www.prod.example.com`, two labels deep",
        behaviour: "refused before any Route 53 request; the zone is unchanged",
        exit: 78,
    },
    Case {
        test: "a_tag_with_an_empty_label_is_refused",
        item: "4",
        case: "tag `Name = a..b`",
        behaviour: "refused before any Route 53 request; the zone is unchanged",
        exit: 78,
    },
    Case {
        test: "a_tag_with_a_leading_hyphen_is_refused",
        item: "4",
        case: "tag `Name = -x`",
        behaviour: "refused before any Route 53 request; the zone is unchanged",
        exit: 78,
    },
    Case {
        test: "a_tag_longer_than_a_label_is_refused",
        item: "4",
        case: "tag `Name` of 64 characters",
        behaviour: "refused before any Route 53 request; the zone is unchanged",
        exit: 78,
    },
    Case {
        test: "a_good_tag_still_names_the_record",
        item: "4",
        case: "tag `Name = Web-1`, in a zone that also holds other names",
        behaviour: "`web-1.example.com` (lowercased) points at the instance; the other names are untouched",
        exit: 0,
    },
    Case {
        test: "a_bad_name_in_a_later_record_stops_before_the_zone_lookup",
        item: "4",
        case: "record 1 in a zone given by name, record 2 a template with tag `Name = *`",
        behaviour: "every name is filled in before any call: not even ListHostedZonesByName is sent",
        exit: 78,
    },
    Case {
        test: "a_placeholder_cannot_stand_in_the_zone",
        item: "4",
        case: "`name = \"web.{tag:Domain}\"`, or `\"{tag:Name}.example.org\"` with `zone = \"example.com\"`",
        behaviour: "config error at load: placeholders stand below the zone, whose labels are written out",
        exit: 78,
    },
    Case {
        test: "the_policy_for_a_template_refuses_deeper_names_and_wildcards",
        item: "4",
        case: "`policy` for `{tag:Name}.example.com`: `StringLike \"*.example.com\"` alone allows `a.b.example.com` and `\\052.example.com`",
        behaviour: "the statement adds `ForAllValues:StringNotLike` for `*.*.example.com`, `*\\*.example.com`, `*_*.example.com`",
        exit: 0,
    },
    Case {
        test: "a_huge_duration_is_a_config_error_naming_the_key",
        item: "7",
        case: "`deadline = 18446744073709551615` (and the same for `route53.wait_timeout`, `imds.wait_timeout`, or `\"25h\"`, or a zero deadline): the process panicked (exit 134)",
        behaviour: "config error naming the key and the bound (1s to 24h; `imds.wait_timeout` may be 0); no panic, no Route 53 request",
        exit: 78,
    },
    Case {
        test: "a_huge_watch_interval_is_a_usage_error",
        item: "7",
        case: "`watch --interval 18446744073709551615s`",
        behaviour: "usage error naming the flag and the bound (1s to 24h); no Route 53 request",
        exit: 64,
    },
    Case {
        test: "a_ttl_out_of_range_is_a_config_error",
        item: "7",
        case: "`ttl = 2147483648` or `ttl = 18446744073709551615`",
        behaviour: "config error naming `ttl` (Route 53 accepts 0 to 2147483647); no Route 53 request",
        exit: 78,
    },
];

const TEMPLATE: &str = "{tag:Name}.example.com";

/// A simulator whose instance has the tag `Name = value`, and a zone that
/// already holds names a hostile tag would aim at.
async fn tagged(value: &str) -> Env {
    let env = Env::start(SimConfig {
        imds: ImdsConfig {
            tags: vec![("Name".into(), value.into())],
            ..Default::default()
        },
        ..fast()
    })
    .await;
    for name in ["*.example.com", "www.prod.example.com", "mail.example.com"] {
        env.sim
            .put_record(ZONE, RecordSet::cname(name, 300, "elsewhere.example.net"));
    }
    env
}

/// A config with `records` (whole `[[record]]` tables) and `top` (top-level keys).
fn config(env: &Env, top: &str, records: &str) -> String {
    env.config_file()
        .deadline(None)
        .top(top)
        .records(records)
        .write()
}

fn record(zone: &str, name: &str) -> String {
    format!("[[record]]\nzone = \"{zone}\"\nname = \"{name}\"\n")
}

#[track_caller]
fn no_panic(run: &Run) {
    assert!(
        !run.stderr.contains("panicked"),
        "the process panicked:\n{}",
        run.stderr
    );
}

/// Runs `{tag:Name}.example.com` with the tag set to `value`: exit 78, the
/// error names the template, the placeholder and the value (and `why`), no
/// Route 53 request, the zone as it was.
async fn refused(test: &str, value: &str, why: &str) {
    let env = tagged(value).await;
    let before = env.sim.records(ZONE);
    let config = config(&env, "deadline = \"60s\"", &record(ZONE, TEMPLATE));
    let run = env.run(&["--config", &config], &[]).await;
    no_panic(&run);
    run.expect_code(case(CASES, test).exit)
        .expect_stderr(&format!("record name {TEMPLATE:?}"))
        .expect_stderr(&format!("{{tag:Name}} is {value:?}"))
        .expect_stderr(why);
    assert!(
        env.route53_requests().is_empty(),
        "{:?}",
        env.route53_requests()
    );
    assert_eq!(env.sim.records(ZONE), before);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_tag_of_star_is_not_a_wildcard() {
    refused(
        "a_tag_of_star_is_not_a_wildcard",
        "*",
        "a '*' would make a wildcard",
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_tag_with_a_dot_cannot_add_a_label() {
    refused(
        "a_tag_with_a_dot_cannot_add_a_label",
        "www.prod",
        "more than one label",
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_tag_with_an_empty_label_is_refused() {
    refused(
        "a_tag_with_an_empty_label_is_refused",
        "a..b",
        "more than one label",
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_tag_with_a_leading_hyphen_is_refused() {
    refused(
        "a_tag_with_a_leading_hyphen_is_refused",
        "-x",
        "starts or ends with '-'",
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_tag_longer_than_a_label_is_refused() {
    refused(
        "a_tag_longer_than_a_label_is_refused",
        &"a".repeat(64),
        "64 characters long",
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_good_tag_still_names_the_record() {
    let env = tagged("Web-1").await;
    let others = env.sim.records(ZONE);
    let config = config(&env, "deadline = \"60s\"", &record(ZONE, TEMPLATE));
    let run = env.run(&["--config", &config], &[]).await;
    run.expect_code(case(CASES, "a_good_tag_still_names_the_record").exit);
    assert_eq!(env.cname("web-1.example.com").as_deref(), Some(HOSTNAME));
    let after = env.sim.records(ZONE);
    for set in others {
        assert!(after.contains(&set), "{set:?} changed: {after:?}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_bad_name_in_a_later_record_stops_before_the_zone_lookup() {
    let env = tagged("*").await;
    let before = env.sim.records(ZONE);
    let config = config(
        &env,
        "deadline = \"60s\"",
        &format!(
            "{}{}",
            record("example.com", "web.example.com"),
            record(ZONE, TEMPLATE)
        ),
    );
    let run = env.run(&["--config", &config], &[]).await;
    no_panic(&run);
    run.expect_code(
        case(
            CASES,
            "a_bad_name_in_a_later_record_stops_before_the_zone_lookup",
        )
        .exit,
    )
    .expect_stderr("{tag:Name} is \"*\"");
    assert!(
        env.route53_requests().is_empty(),
        "{:?}",
        env.route53_requests()
    );
    assert_eq!(env.sim.records(ZONE), before);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_placeholder_cannot_stand_in_the_zone() {
    let env = tagged("com").await;
    let before = env.sim.records(ZONE);
    for (zone, name, want) in [
        (
            ZONE,
            "web.{tag:Name}",
            "{tag:Name} stands in the last label",
        ),
        (
            "example.com",
            "{tag:Name}.example.org",
            "placeholders must stand below zone example.com.",
        ),
    ] {
        let config = config(&env, "deadline = \"60s\"", &record(zone, name));
        let run = env.run(&["--config", &config], &[]).await;
        run.expect_code(case(CASES, "a_placeholder_cannot_stand_in_the_zone").exit)
            .expect_stderr("record[0].name")
            .expect_stderr(want);
    }
    assert!(env.sim.requests().is_empty(), "{:?}", env.sim.requests());
    assert_eq!(env.sim.records(ZONE), before);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_policy_for_a_template_refuses_deeper_names_and_wildcards() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("config.toml");
    std::fs::write(&path, record(ZONE, TEMPLATE)).unwrap();
    let run = run_args(&["--config", path.to_str().unwrap(), "policy"], dir.path()).await;
    run.expect_code(
        case(
            CASES,
            "the_policy_for_a_template_refuses_deeper_names_and_wildcards",
        )
        .exit,
    );
    let doc: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    let key = "route53:ChangeResourceRecordSetsNormalizedRecordNames";
    let condition = &doc["Statement"][0]["Condition"];
    assert_eq!(
        condition["ForAllValues:StringLike"][key],
        serde_json::json!(["*.example.com"])
    );
    assert_eq!(
        condition["ForAllValues:StringNotLike"][key],
        serde_json::json!(["*.*.example.com", "*\\*.example.com", "*_*.example.com"])
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_huge_duration_is_a_config_error_naming_the_key() {
    let env = Env::start(fast()).await;
    let exit = case(CASES, "a_huge_duration_is_a_config_error_naming_the_key").exit;
    let web = record(ZONE, "web.example.com");
    for (top, route53, imds, key, bound) in [
        (
            "deadline = 18446744073709551615",
            "",
            "",
            "deadline",
            "at most 24h",
        ),
        ("deadline = \"25h\"", "", "", "deadline", "at most 24h"),
        ("deadline = 0", "", "", "deadline", "at least 1s"),
        (
            "",
            "wait_timeout = \"18446744073709551615s\"",
            "",
            "route53.wait_timeout",
            "at most 24h",
        ),
        (
            "",
            "",
            "wait_timeout = 9223372036854775807",
            "imds.wait_timeout",
            "at most 24h",
        ),
    ] {
        let path = env.write_config(&format!(
            "{top}\n{web}\n[route53]\nendpoint = \"{}\"\n{route53}\n\n[imds]\nendpoint = \"{}\"\n{imds}\n",
            env.sim.route53_url(),
            env.sim.imds_url()
        ));
        let run = env.run(&["--config", path.to_str().unwrap()], &[]).await;
        no_panic(&run);
        run.expect_code(exit)
            .expect_stderr(&format!(": {key}: "))
            .expect_stderr(bound);
    }
    assert!(env.sim.requests().is_empty(), "{:?}", env.sim.requests());
    assert_eq!(env.cname("web.example.com"), None);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_huge_watch_interval_is_a_usage_error() {
    let env = Env::start(fast()).await;
    let config = env.config("");
    for interval in ["18446744073709551615s", "25h", "0s"] {
        let run = env
            .run(
                &[
                    "--config",
                    config.to_str().unwrap(),
                    "watch",
                    "--interval",
                    interval,
                ],
                &[],
            )
            .await;
        no_panic(&run);
        run.expect_code(case(CASES, "a_huge_watch_interval_is_a_usage_error").exit)
            .expect_stderr("--interval");
    }
    assert!(env.sim.requests().is_empty(), "{:?}", env.sim.requests());
    assert_eq!(env.cname("web.example.com"), None);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_ttl_out_of_range_is_a_config_error() {
    let env = Env::start(fast()).await;
    for ttl in ["2147483648", "18446744073709551615", "-1"] {
        let config = config(
            &env,
            "",
            &format!("{}ttl = {ttl}\n", record(ZONE, "web.example.com")),
        );
        let run = env.run(&["--config", &config], &[]).await;
        no_panic(&run);
        run.expect_code(case(CASES, "a_ttl_out_of_range_is_a_config_error").exit)
            .expect_stderr(&format!("record[0].ttl: {ttl} is out of range"));
    }
    assert!(env.sim.requests().is_empty(), "{:?}", env.sim.requests());
    assert_eq!(env.cname("web.example.com"), None);
}
