//! Other types at the name, type switches, owner records, neighbours in listings, never "live" before INSYNC (issue 9 items 1, 2, 3, 5, 8).
//!
//! Each test starts from a zone an operator really has, runs the real
//! binary, and asserts the exit code and every record set the zone holds
//! afterwards.

use super::{Case, case};
use crate::util::{Env, HOSTNAME, Run, ZONE, fast, with_route53};
use ec2_dns_sim::{Fault, FaultKind, FaultTarget, Operation, RecordSet, SimConfig, ZoneConfig};
use std::time::{Duration, Instant};

pub const CASES: &[Case] = &[
    Case {
        test: "mx_and_txt_stay_and_the_next_source_is_used",
        item: "1",
        case: "`m.example.com` holds A, MX and TXT (SPF); `source = [\"public-hostname\", \"public-ipv4\"]`",
        behaviour: "a CNAME cannot share the name with MX and TXT, which are never deleted: the A (next source) is upserted; MX and TXT untouched",
        exit: 0,
    },
    Case {
        test: "a_cname_blocked_by_mx_with_no_other_source_exits_65",
        item: "1",
        case: "the same zone, `source = \"public-hostname\"` only",
        behaviour: "nothing is sent; the error names the blocking types (MX, TXT) and the way out",
        exit: 65,
    },
    Case {
        test: "cname_replaces_a_and_aaaa_in_one_batch",
        item: "1",
        case: "the name holds A and AAAA (address sets, replaceable in `overwrite`); the record is a CNAME",
        behaviour: "one batch DELETEs the A and the AAAA exactly as read and CREATEs the CNAME; other names untouched",
        exit: 0,
    },
    Case {
        test: "single_source_type_switch_is_one_call_and_one_batch",
        item: "2",
        case: "the name is a CNAME; config changed to `source = \"public-ipv4\"`",
        behaviour: "one listing of the name (all types), one batch: DELETE the CNAME, CREATE the A",
        exit: 0,
    },
    Case {
        test: "keep_with_a_wildcard_or_too_long_name_is_refused_before_any_call",
        item: "3",
        case: "`on_conflict = \"keep\"` with `*.a.example.com` (which holds a TXT `v=spf1 -all`), and with a 237-character name",
        behaviour: "no owner record name is valid: stops before any Route 53 call, the TXT untouched",
        exit: 78,
    },
    Case {
        test: "neighbours_that_are_not_host_names_do_not_wedge",
        item: "5",
        case: "names after ours in the listing: RFC 2317 `xa/25.example.com`, `a@b.example.com` (returned as `\\057`, `\\100` escapes)",
        behaviour: "escapes decoded, names compared exactly, other names skipped unjudged: the record is written, the neighbours untouched",
        exit: 0,
    },
    Case {
        test: "a_zone_lookup_skips_a_classless_reverse_zone",
        item: "5",
        case: "`zone = \"example.com\"`; the account also has the zone `x/25.example.com`, listed after it",
        behaviour: "the zone that is not a host name is skipped; the record is written in example.com",
        exit: 0,
    },
    Case {
        test: "a_rerun_after_a_timed_out_wait_waits_for_insync",
        item: "8",
        case: "run 1 submits, its INSYNC wait times out (exit 75); the restart finds the record already right",
        behaviour: "the change id was kept in the state directory: the rerun polls GetChange and exits 0 only once the change is INSYNC",
        exit: 0,
    },
    Case {
        test: "a_lost_answer_then_a_race_lost_to_ourselves_still_waits",
        item: "8",
        case: "`keep`: the compare-and-swap batch is applied but its answer is lost (HTTP 500); the retry fails with InvalidChangeBatch (our own write)",
        behaviour: "the re-read shows our values: confirmed with a compare-and-swap of identical data, whose change is waited for until INSYNC",
        exit: 0,
    },
];

const IPV4: &str = ec2_dns_sim::config::DEFAULT_PUBLIC_IPV4;
const OLD_IP: &str = "198.51.100.7";

/// A config with one `[[record]]` for `name` plus `extra` lines in it.
fn config(env: &Env, name: &str, extra: &str, route53_extra: &str) -> String {
    env.config_file()
        .deadline(Some("30s"))
        .records(&format!(
            "[[record]]\nzone = \"{ZONE}\"\nname = \"{name}\"\n{extra}"
        ))
        .route53(route53_extra)
        .write()
}

async fn update(env: &Env, config: &str) -> Run {
    env.run(&["--config", config], &[]).await
}

/// Every set in the default zone, sorted, as `name type ttl values`.
fn zone_text(env: &Env) -> Vec<String> {
    let mut sets: Vec<String> = env
        .sim
        .records(ZONE)
        .into_iter()
        .map(|s| format!("{} {} {} {}", s.name, s.rtype, s.ttl, s.values.join(",")))
        .collect();
    sets.sort();
    sets
}

fn mail_zone() -> Vec<RecordSet> {
    vec![
        RecordSet::new("m.example.com", "A", 60, [OLD_IP]),
        RecordSet::new("m.example.com", "MX", 300, ["10 mail.example.net."]),
        RecordSet::new("m.example.com", "TXT", 300, ["\"v=spf1 -all\""]),
    ]
}

fn put_all(env: &Env, sets: Vec<RecordSet>) {
    for set in sets {
        env.sim.put_record(ZONE, set);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mx_and_txt_stay_and_the_next_source_is_used() {
    let this = case(CASES, "mx_and_txt_stay_and_the_next_source_is_used");
    let env = Env::start(fast()).await;
    put_all(&env, mail_zone());
    let config = config(
        &env,
        "m.example.com",
        "source = [\"public-hostname\", \"public-ipv4\"]",
        "",
    );
    let run = update(&env, &config).await;
    run.expect_code(this.exit);
    assert_eq!(
        zone_text(&env),
        [
            format!("m.example.com. A 60 {IPV4}"),
            "m.example.com. MX 300 10 mail.example.net.".to_owned(),
            "m.example.com. TXT 300 \"v=spf1 -all\"".to_owned(),
        ]
    );
    run.expect_stderr("using the next source");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cname_blocked_by_mx_with_no_other_source_exits_65() {
    let this = case(CASES, "a_cname_blocked_by_mx_with_no_other_source_exits_65");
    let env = Env::start(fast()).await;
    put_all(&env, mail_zone());
    let before = zone_text(&env);
    let config = config(&env, "m.example.com", "", "");
    let run = update(&env, &config).await;
    run.expect_code(this.exit);
    run.expect_stderr("cannot hold a CNAME record: it holds MX, TXT");
    run.expect_stderr("public-ipv4");
    assert_eq!(zone_text(&env), before);
    assert_eq!(env.count(Operation::ChangeResourceRecordSets), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cname_replaces_a_and_aaaa_in_one_batch() {
    let this = case(CASES, "cname_replaces_a_and_aaaa_in_one_batch");
    let env = Env::start(fast()).await;
    put_all(
        &env,
        vec![
            RecordSet::new("web.example.com", "A", 60, [OLD_IP]),
            RecordSet::new("web.example.com", "AAAA", 60, ["2001:db8::7"]),
            RecordSet::new("other.example.com", "TXT", 60, ["\"kept\""]),
        ],
    );
    let config = config(&env, "web.example.com", "", "");
    update(&env, &config).await.expect_code(this.exit);
    assert_eq!(env.count(Operation::ChangeResourceRecordSets), 1);
    assert_eq!(
        zone_text(&env),
        [
            "other.example.com. TXT 60 \"kept\"".to_owned(),
            format!("web.example.com. CNAME 60 {HOSTNAME}"),
        ]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn single_source_type_switch_is_one_call_and_one_batch() {
    let this = case(CASES, "single_source_type_switch_is_one_call_and_one_batch");
    let env = Env::start(fast()).await;
    env.sim.put_record(
        ZONE,
        RecordSet::cname(
            "web.example.com",
            60,
            "ec2-198-51-100-7.compute-1.amazonaws.com",
        ),
    );
    let config = config(&env, "web.example.com", "source = \"public-ipv4\"", "");
    let run = update(&env, &config).await;
    run.expect_code(this.exit);
    assert_eq!(zone_text(&env), [format!("web.example.com. A 60 {IPV4}")]);
    assert_eq!(env.count(Operation::ListResourceRecordSets), 1);
    assert_eq!(env.count(Operation::ChangeResourceRecordSets), 1);
    // And back: one listing, one batch.
    let config = self::config(&env, "web.example.com", "source = \"public-hostname\"", "");
    update(&env, &config).await.expect_code(0);
    assert_eq!(
        zone_text(&env),
        [format!("web.example.com. CNAME 60 {HOSTNAME}")]
    );
    assert_eq!(env.count(Operation::ListResourceRecordSets), 2);
    assert_eq!(env.count(Operation::ChangeResourceRecordSets), 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn keep_with_a_wildcard_or_too_long_name_is_refused_before_any_call() {
    let this = case(
        CASES,
        "keep_with_a_wildcard_or_too_long_name_is_refused_before_any_call",
    );
    let env = Env::start(fast()).await;
    env.sim.put_record(
        ZONE,
        RecordSet::new("*.a.example.com", "TXT", 300, ["\"v=spf1 -all\""]),
    );
    let before = zone_text(&env);
    let config = config(&env, "*.a.example.com", "on_conflict = \"keep\"", "");
    let run = update(&env, &config).await;
    run.expect_code(this.exit);
    run.expect_stderr("cannot guard the wildcard *.a.example.com.");
    assert!(
        env.route53_requests().is_empty(),
        "{:?}",
        env.route53_requests()
    );
    assert_eq!(zone_text(&env), before);

    // 237 characters: the owner name would be 254.
    let label = "a".repeat(60);
    let long = format!("{label}.{label}.{label}.{}.example.com", "b".repeat(42));
    assert_eq!(long.len(), 237);
    let config = self::config(&env, &long, "on_conflict = \"keep\"", "");
    let run = update(&env, &config).await;
    run.expect_code(this.exit);
    run.expect_stderr("longer than 236 characters");
    assert!(env.route53_requests().is_empty());
    assert_eq!(zone_text(&env), before);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn neighbours_that_are_not_host_names_do_not_wedge() {
    let this = case(CASES, "neighbours_that_are_not_host_names_do_not_wedge");
    let env = Env::start(fast()).await;
    let neighbours = vec![
        RecordSet::new(
            "xa/25.example.com",
            "CNAME",
            300,
            ["xa.25.2.0.192.in-addr.arpa."],
        ),
        RecordSet::new("web2.example.com", "TXT", 300, ["\"a\""]),
        RecordSet::new("a@b.example.com", "TXT", 300, ["\"b\""]),
        RecordSet::new("web.example.com", "TXT", 300, ["\"c\""]),
    ];
    put_all(&env, neighbours);
    let before = zone_text(&env);
    for (source, rtype, value) in [
        ("public-ipv4", "A", IPV4),
        ("local-ipv4", "A", ec2_dns_sim::config::DEFAULT_LOCAL_IPV4),
    ] {
        let config = config(
            &env,
            "web.example.com",
            &format!("source = \"{source}\""),
            "",
        );
        update(&env, &config).await.expect_code(this.exit);
        let mut want = before.clone();
        want.push(format!("web.example.com. {rtype} 60 {value}"));
        want.sort();
        assert_eq!(zone_text(&env), want);
    }
    // The first boot read the listing with the escaped neighbours in it; the
    // second, a changed boot, wrote with a compare-and-swap of its own set and
    // no listing (issue 12).
    let listed = env
        .route53_requests()
        .into_iter()
        .filter(|r| r.operation == Some(Operation::ListResourceRecordSets))
        .count();
    assert_eq!(listed, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_zone_lookup_skips_a_classless_reverse_zone() {
    let this = case(CASES, "a_zone_lookup_skips_a_classless_reverse_zone");
    let mut sim = fast();
    sim.route53.zones.push(ZoneConfig {
        id: "Z0SLASH25ZONE".into(),
        name: "x/25.example.com".into(),
        private: false,
        records: Vec::new(),
    });
    let env = Env::start(sim).await;
    let path = env.write_config(&format!(
        "deadline = \"30s\"\n\n[[record]]\nzone = \"example.com\"\nname = \"web.example.com\"\n\n[route53]\nendpoint = \"{}\"\n\n[imds]\nendpoint = \"{}\"\n",
        env.sim.route53_url(),
        env.sim.imds_url()
    ));
    let run = update(&env, path.to_str().unwrap()).await;
    run.expect_code(this.exit);
    assert_eq!(
        zone_text(&env),
        [format!("web.example.com. CNAME 60 {HOSTNAME}")]
    );
}

fn slow_propagation(secs: u64) -> SimConfig {
    with_route53(|r| r.propagation = Duration::from_secs(secs))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rerun_after_a_timed_out_wait_waits_for_insync() {
    let this = case(CASES, "a_rerun_after_a_timed_out_wait_waits_for_insync");
    let env = Env::start(slow_propagation(4)).await;
    let started = Instant::now();
    let first = config(&env, "web.example.com", "", "wait_timeout = \"1s\"");
    update(&env, &first).await.expect_code(75);
    assert_eq!(env.count(Operation::ChangeResourceRecordSets), 1);
    let get_changes = env.count(Operation::GetChange);

    let second = config(&env, "web.example.com", "", "");
    let run = update(&env, &second).await;
    run.expect_code(this.exit);
    // The record was right already: no new change, but the earlier one was
    // polled until INSYNC, which the simulator reports 4 s after it.
    assert_eq!(env.count(Operation::ChangeResourceRecordSets), 1);
    assert!(env.count(Operation::GetChange) > get_changes);
    assert!(
        started.elapsed() >= Duration::from_secs(4),
        "exited {:?} after the change, before it was INSYNC\n{}",
        started.elapsed(),
        run.stderr
    );
    run.expect_stderr("an earlier run's change is still PENDING");
    assert_eq!(
        zone_text(&env),
        [format!("web.example.com. CNAME 60 {HOSTNAME}")]
    );
    // Once INSYNC, the memo is gone: the next reboot costs one listing.
    let calls = env.route53_requests().len();
    update(&env, &second).await.expect_code(0);
    assert_eq!(env.route53_requests().len(), calls + 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_lost_answer_then_a_race_lost_to_ourselves_still_waits() {
    let this = case(
        CASES,
        "a_lost_answer_then_a_race_lost_to_ourselves_still_waits",
    );
    let env = Env::start(slow_propagation(2)).await;
    env.sim.inject(Fault::new(
        FaultTarget::Route53Op(Operation::ChangeResourceRecordSets),
        FaultKind::LoseAnswer,
        1,
    ));
    let config = config(&env, "web.example.com", "on_conflict = \"keep\"", "");
    let started = Instant::now();
    let run = update(&env, &config).await;
    run.expect_code(this.exit);
    // Applied (lost answer), refused (the retry's CREATEs exist), confirmed.
    assert_eq!(env.count(Operation::ChangeResourceRecordSets), 3);
    assert!(env.count(Operation::GetChange) >= 1, "{}", run.stderr);
    assert!(
        started.elapsed() >= Duration::from_secs(2),
        "{}",
        run.stderr
    );
    assert_eq!(
        zone_text(&env),
        [
            format!(
                "_ec2-dns-updater.web.example.com. TXT 300 \"{}\"",
                ec2_dns_sim::config::DEFAULT_INSTANCE_ID
            ),
            format!("web.example.com. CNAME 60 {HOSTNAME}"),
        ]
    );
}
