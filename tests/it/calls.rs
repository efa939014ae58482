//! Fewer Route 53 calls per boot (issue 12): a changed boot (a stop/start
//! gave the instance a new public hostname) costs one call to "change
//! accepted"; when the zone is no longer as this instance left it, the run
//! falls back to reading it and the zone-safety rules hold.

use crate::util::{Env, HOSTNAME, Run, ZONE, fast};
use ec2_dns_sim::{Operation, RecordSet};

const NEW_HOSTNAME: &str = "ec2-198-51-100-99.compute-1.amazonaws.com";

async fn update(env: &Env) -> Run {
    let config = env.config("");
    env.run(&["--config", config.to_str().unwrap()], &[]).await
}

/// The Route 53 operations the simulator saw, in order.
fn ops(env: &Env) -> Vec<Operation> {
    env.route53_requests()
        .iter()
        .filter_map(|r| r.operation)
        .collect()
}

/// Boots once against `first`, then copies what that boot left in its state
/// directory into `second`'s, as if the same instance booted again.
async fn first_boot_then_move_state(first: &Env, second: &Env) {
    update(first).await.expect_code(0);
    let from = first.path("state");
    let to = second.path("state");
    std::fs::create_dir_all(&to).unwrap();
    for entry in std::fs::read_dir(&from).unwrap() {
        let entry = entry.unwrap();
        std::fs::copy(entry.path(), to.join(entry.file_name())).unwrap();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_changed_boot_costs_one_call_to_change_accepted() {
    let env = Env::start(fast()).await;
    update(&env).await.expect_code(0);
    assert_eq!(
        ops(&env)[..2],
        [
            Operation::ListResourceRecordSets,
            Operation::ChangeResourceRecordSets
        ]
    );
    let before = ops(&env).len();

    // Stop/start: a new public hostname.
    env.sim.set_metadata("public-hostname", Some(NEW_HOSTNAME));
    let run = update(&env).await;
    run.expect_code(0);
    let after: Vec<Operation> = ops(&env)[before..].to_vec();
    assert_eq!(after[0], Operation::ChangeResourceRecordSets, "{after:?}");
    assert!(
        after[1..].iter().all(|o| *o == Operation::GetChange),
        "{after:?}"
    );
    assert_eq!(env.cname("web.example.com").as_deref(), Some(NEW_HOSTNAME));

    // An unchanged reboot still verifies with one listing.
    let before = ops(&env).len();
    update(&env).await.expect_code(0);
    assert_eq!(ops(&env)[before..], [Operation::ListResourceRecordSets]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_zone_changed_behind_our_back_is_read_before_writing() {
    // This instance wrote a CNAME; meanwhile an operator put an A there.
    let first = Env::start(fast()).await;
    let second = Env::start(fast()).await;
    first_boot_then_move_state(&first, &second).await;
    second.sim.put_record(
        ZONE,
        RecordSet::new("web.example.com", "A", 60, ["192.0.2.10"]),
    );
    second
        .sim
        .set_metadata("public-hostname", Some(NEW_HOSTNAME));
    let run = update(&second).await;
    run.expect_code(0);
    // The bare UPSERT is refused, the name is read, and the A (an address set
    // a CNAME replaces in `overwrite`) goes in the same batch as the CNAME.
    assert_eq!(
        ops(&second)[..3],
        [
            Operation::ChangeResourceRecordSets,
            Operation::ListResourceRecordSets,
            Operation::ChangeResourceRecordSets
        ]
    );
    run.expect_stderr("the zone is not as this instance left it");
    assert_eq!(
        second.cname("web.example.com").as_deref(),
        Some(NEW_HOSTNAME)
    );
    assert_eq!(second.sim.record(ZONE, "web.example.com", "A"), None);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_fallback_never_deletes_what_the_rules_keep() {
    // This instance wrote a CNAME; the name now holds an MX and a TXT instead.
    let first = Env::start(fast()).await;
    let second = Env::start(fast()).await;
    first_boot_then_move_state(&first, &second).await;
    let kept = [
        RecordSet::new("web.example.com", "MX", 300, ["10 mail.example.net."]),
        RecordSet::new("web.example.com", "TXT", 300, ["\"v=spf1 -all\""]),
    ];
    for set in kept.clone() {
        second.sim.put_record(ZONE, set);
    }
    second
        .sim
        .set_metadata("public-hostname", Some(NEW_HOSTNAME));
    let run = update(&second).await;
    run.expect_code(65);
    run.expect_stderr("it holds MX, TXT");
    let mut zone = second.sim.records(ZONE);
    zone.sort_by(|a, b| a.rtype.cmp(&b.rtype));
    assert_eq!(zone, kept);
    assert_eq!(second.cname("web.example.com"), None);
    assert_ne!(HOSTNAME, NEW_HOSTNAME);
}

/// A fleet's per-instance name: `{instance_id}.fleet.example.com`.
fn fleet_config(env: &Env, on_conflict: &str) -> std::path::PathBuf {
    let text = env
        .config_file()
        .records(&format!(
            "[[record]]\nzone = \"{ZONE}\"\nname = \"{{instance_id}}.fleet.example.com\"\nttl = 60\non_conflict = \"{on_conflict}\"\n"
        ))
        .write();
    std::path::PathBuf::from(text)
}

const FLEET_NAME: &str = "i-0123456789abcdef0.fleet.example.com";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_first_boot_under_the_instance_s_own_name_is_one_call() {
    for on_conflict in ["overwrite", "keep"] {
        let env = Env::start(fast()).await;
        let config = fleet_config(&env, on_conflict);
        env.run(&["--config", config.to_str().unwrap()], &[])
            .await
            .expect_code(0);
        // No listing: the plan for an empty name (CREATEs only) is sent.
        assert_eq!(
            ops(&env),
            [Operation::ChangeResourceRecordSets],
            "{on_conflict}"
        );
        assert_eq!(env.cname(FLEET_NAME).as_deref(), Some(HOSTNAME));
        // A reboot verifies with a listing, as any unchanged boot (`keep`
        // reads its owner record too).
        env.run(&["--config", config.to_str().unwrap()], &[])
            .await
            .expect_code(0);
        let listings = if on_conflict == "keep" { 2 } else { 1 };
        assert_eq!(
            ops(&env)[1..],
            vec![Operation::ListResourceRecordSets; listings],
            "{on_conflict}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_first_boot_create_refused_reads_the_name_and_keeps_the_rules() {
    // The instance's own name already holds records (a state directory lost
    // with the root volume, or records made by hand).
    let theirs = RecordSet::cname(FLEET_NAME, 300, "elsewhere.example.net.");
    let mx = RecordSet::new(FLEET_NAME, "MX", 300, ["10 mail.example.net."]);
    let ours = RecordSet::cname(FLEET_NAME, 60, HOSTNAME);
    let cases = [
        // (on_conflict, what is there, exit code, what the zone holds after)
        ("overwrite", theirs.clone(), 0, ours.clone()),
        ("overwrite", mx.clone(), 65, mx.clone()),
        ("keep", theirs.clone(), 73, theirs.clone()),
    ];
    for (on_conflict, there, code, after) in cases {
        let env = Env::start(fast()).await;
        env.sim.put_record(ZONE, there.clone());
        let config = fleet_config(&env, on_conflict);
        let run = env.run(&["--config", config.to_str().unwrap()], &[]).await;
        run.expect_code(code);
        // The CREATE is refused (nothing applied), then the name is read.
        assert_eq!(
            ops(&env)[..2],
            [
                Operation::ChangeResourceRecordSets,
                Operation::ListResourceRecordSets
            ],
            "{on_conflict} {}",
            there.rtype
        );
        run.expect_stderr("the zone is not as this instance left it");
        assert_eq!(
            env.sim.records(ZONE),
            [after],
            "{on_conflict} {}",
            there.rtype
        );
    }
}
