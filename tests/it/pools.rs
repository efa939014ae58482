//! Instance pools (issue 11, part 2): weighted and multivalue members under
//! one name, each instance writing and deleting only the set with its own
//! identifier; `prune` removing members of terminated instances. Every test
//! asserts what the whole zone holds afterwards.

use crate::util::{Env, ZONE, fast};
use ec2_dns_sim::config::{DEFAULT_INSTANCE_ID, DEFAULT_PUBLIC_IPV4};
use ec2_dns_sim::{InstanceState, Operation, RecordSet, SimConfig};

const NAME: &str = "api.example.com.";

/// The simulator's id of fleet instance `n`.
fn fleet_instance_id(n: u32) -> String {
    format!("i-fleet{n:012}")
}

/// A fleet of `n` instances besides the main one.
async fn fleet(n: u32) -> Env {
    let mut c: SimConfig = fast();
    c.imds.fleet = n;
    Env::start(c).await
}

/// A pool config for `api.example.com`, IMDS at `imds`, with `extra`
/// appended to the `[[record]]` table and `tail` after the tables.
fn write(env: &Env, file: &str, imds: &str, extra: &str, tail: &str) -> String {
    let path = env.path(file);
    std::fs::write(
        &path,
        format!(
            "deadline = \"60s\"\n\n[[record]]\nzone = \"{ZONE}\"\nname = \"api.example.com\"\nsource = \"public-ipv4\"\n{extra}\n\n[route53]\nendpoint = \"{}\"\n\n[imds]\nendpoint = \"{imds}\"\nwait_timeout = \"10s\"\n{tail}",
            env.sim.route53_url()
        ),
    )
    .unwrap();
    path.display().to_string()
}

/// Every set in the zone except those at `NAME`, and those at `NAME`, sorted.
fn zone(env: &Env) -> (Vec<RecordSet>, Vec<RecordSet>) {
    let (mut at, mut rest): (Vec<_>, Vec<_>) = env
        .sim
        .records(ZONE)
        .into_iter()
        .partition(|r| r.name == NAME);
    at.sort_by(|a, b| (&a.rtype, &a.set_identifier).cmp(&(&b.rtype, &b.set_identifier)));
    rest.sort_by(|a, b| (&a.name, &a.rtype).cmp(&(&b.name, &b.rtype)));
    (rest, at)
}

fn member(id: &str, ip: &str) -> RecordSet {
    RecordSet::new(NAME, "A", 60, [ip]).multivalue(id)
}

#[tokio::test]
async fn two_instances_share_a_multivalue_pool_and_each_deletes_only_its_own_set() {
    let env = fleet(1).await;
    let (others_before, _) = zone(&env);
    let main = write(
        &env,
        "main.toml",
        &env.sim.imds_url(),
        "routing = \"multivalue\"",
        "",
    );
    let peer = write(
        &env,
        "peer.toml",
        &env.sim.fleet_imds_url(1),
        "routing = \"multivalue\"",
        "",
    );
    let peer_ip = "10.0.1.1";
    let peer_id = fleet_instance_id(1);
    for on_conflict in ["overwrite", "keep"] {
        let (main, peer) = if on_conflict == "keep" {
            (
                write(
                    &env,
                    "main.toml",
                    &env.sim.imds_url(),
                    "routing = \"multivalue\"\non_conflict = \"keep\"",
                    "",
                ),
                write(
                    &env,
                    "peer.toml",
                    &env.sim.fleet_imds_url(1),
                    "routing = \"multivalue\"\non_conflict = \"keep\"",
                    "",
                ),
            )
        } else {
            (main.clone(), peer.clone())
        };
        env.run(&["--config", &main], &[]).await.expect_code(0);
        env.run(&["--config", &peer], &[]).await.expect_code(0);
        let both = vec![
            member(DEFAULT_INSTANCE_ID, DEFAULT_PUBLIC_IPV4),
            member(&peer_id, peer_ip),
        ];
        let mut expected = both.clone();
        expected.sort_by(|a, b| a.set_identifier.cmp(&b.set_identifier));
        assert_eq!(
            zone(&env),
            (others_before.clone(), expected),
            "{on_conflict}"
        );
        // A second boot is one listing, nothing written.
        let writes = env.count(Operation::ChangeResourceRecordSets);
        env.run(&["--config", &main], &[]).await.expect_code(0);
        assert_eq!(env.count(Operation::ChangeResourceRecordSets), writes);

        // The main instance leaves: only its set goes.
        env.run(&["delete", "--on-reboot", "--config", &main], &[])
            .await
            .expect_code(0);
        assert_eq!(
            zone(&env),
            (others_before.clone(), vec![member(&peer_id, peer_ip)]),
            "{on_conflict}"
        );
        // Deleting again finds nothing of its own and leaves the peer alone.
        env.run(&["delete", "--on-reboot", "--config", &main], &[])
            .await
            .expect_code(0);
        assert_eq!(zone(&env).1, vec![member(&peer_id, peer_ip)]);
        env.run(&["delete", "--on-reboot", "--config", &peer], &[])
            .await
            .expect_code(0);
        assert_eq!(zone(&env), (others_before.clone(), vec![]), "{on_conflict}");
    }
}

#[tokio::test]
async fn weighted_members_carry_their_weight_and_a_new_weight_touches_only_ours() {
    let env = fleet(0).await;
    let other = RecordSet::new(NAME, "A", 300, ["198.51.100.9"]).weighted("blue", 200);
    env.sim.put_record(ZONE, other.clone());
    let (others_before, _) = zone(&env);
    let config = write(
        &env,
        "c.toml",
        &env.sim.imds_url(),
        "routing = \"weighted\"\nweight = 10\nhealth_check_id = \"abcdef11-2222-3333-4444-555555fedcba\"",
        "",
    );
    env.run(&["--config", &config], &[]).await.expect_code(0);
    let mut mine =
        RecordSet::new(NAME, "A", 60, [DEFAULT_PUBLIC_IPV4]).weighted(DEFAULT_INSTANCE_ID, 10);
    mine.health_check_id = Some("abcdef11-2222-3333-4444-555555fedcba".into());
    assert_eq!(
        zone(&env),
        (others_before.clone(), vec![other.clone(), mine.clone()])
    );

    let config = write(
        &env,
        "c.toml",
        &env.sim.imds_url(),
        "routing = \"weighted\"\nweight = 0\nset_identifier = \"web-{instance_id}\"",
        "",
    );
    env.run(&["--config", &config], &[]).await.expect_code(0);
    let renamed = RecordSet::new(NAME, "A", 60, [DEFAULT_PUBLIC_IPV4])
        .weighted(&format!("web-{DEFAULT_INSTANCE_ID}"), 0);
    // A new identifier is a new member; the old one is not ours any more
    // (by identifier) and stays, as does the other member.
    assert_eq!(zone(&env), (others_before, vec![other, mine, renamed]));
}

#[tokio::test]
async fn prune_removes_terminated_and_unknown_members_only() {
    let env = fleet(0).await;
    let terminated = member("i-0aaaaaaaaaaaaaaaa", "198.51.100.1");
    let unknown = member("i-0cccccccccccccccc", "198.51.100.3");
    let running = member("i-0bbbbbbbbbbbbbbbb", "198.51.100.2");
    let stopped = member("i-0dddddddddddddddd", "198.51.100.4");
    let named = member("blue", "198.51.100.5");
    let fleetish = member("i-fleet000000000258", "198.51.100.6");
    for m in [&terminated, &unknown, &running, &stopped, &named, &fleetish] {
        env.sim.put_record(ZONE, m.clone());
    }
    env.sim
        .set_instance_state("i-0aaaaaaaaaaaaaaaa", Some(InstanceState::Terminated));
    env.sim
        .set_instance_state("i-0bbbbbbbbbbbbbbbb", Some(InstanceState::Running));
    env.sim
        .set_instance_state("i-0dddddddddddddddd", Some(InstanceState::Stopped));
    env.sim.set_instance_state("i-0cccccccccccccccc", None);
    let (others_before, _) = zone(&env);
    let config = write(
        &env,
        "c.toml",
        &env.sim.imds_url(),
        "routing = \"multivalue\"\nprune = true",
        &format!(
            "\n[ec2]\nendpoint = \"{}\"\nregion = \"us-east-1\"\n",
            env.sim.ec2_url()
        ),
    );
    let run = env.run(&["--config", &config], &[]).await;
    run.expect_code(0);
    let mut expected = vec![
        member(DEFAULT_INSTANCE_ID, DEFAULT_PUBLIC_IPV4),
        running,
        stopped,
        named,
        fleetish,
    ];
    expected.sort_by(|a, b| a.set_identifier.cmp(&b.set_identifier));
    assert_eq!(zone(&env), (others_before, expected), "{}", run.stderr);
    // One batch: our member and both prunes together.
    assert_eq!(env.count(Operation::ChangeResourceRecordSets), 1);
}

#[tokio::test]
async fn a_simple_record_of_the_same_name_blocks_the_pool() {
    let env = fleet(0).await;
    env.sim
        .put_record(ZONE, RecordSet::new(NAME, "A", 300, ["192.0.2.80"]));
    let before = env.sim.records(ZONE);
    for on_conflict in ["overwrite", "keep"] {
        let config = write(
            &env,
            "c.toml",
            &env.sim.imds_url(),
            &format!("routing = \"multivalue\"\non_conflict = \"{on_conflict}\""),
            "",
        );
        env.run(&["--config", &config], &[])
            .await
            .expect_code(65)
            .expect_stderr("a simple record set, not a pool member");
        assert_eq!(env.sim.records(ZONE), before);
        assert_eq!(env.count(Operation::ChangeResourceRecordSets), 0);
    }
    // And a simple record never touches pool members of its name.
    let env = fleet(0).await;
    let m = member("i-0bbbbbbbbbbbbbbbb", "198.51.100.2");
    env.sim.put_record(ZONE, m);
    let before = env.sim.records(ZONE);
    let config = write(&env, "c.toml", &env.sim.imds_url(), "", "");
    env.run(&["--config", &config], &[])
        .await
        .expect_code(65)
        .expect_stderr("pool members");
    assert_eq!(env.sim.records(ZONE), before);
}

#[tokio::test]
async fn a_full_pool_is_a_clear_error_naming_the_limit() {
    let env = fleet(0).await;
    for i in 0..100 {
        env.sim.put_record(
            ZONE,
            member(&format!("m{i:03}"), &format!("198.51.100.{}", i + 1)),
        );
    }
    let before = env.sim.records(ZONE);
    let config = write(
        &env,
        "c.toml",
        &env.sim.imds_url(),
        "routing = \"multivalue\"",
        "",
    );
    let run = env.run(&["--config", &config], &[]).await;
    run.expect_code(65).expect_stderr("limit of 100");
    assert_eq!(env.sim.records(ZONE), before);
    // Listing 100 members at one name pages by NextRecordIdentifier.
    assert!(
        env.count(Operation::ListResourceRecordSets) >= 2,
        "{}",
        run.stderr
    );
}

#[tokio::test]
async fn a_member_past_the_first_pages_is_found_by_identifier_paging() {
    let env = fleet(0).await;
    for i in 0..99 {
        env.sim.put_record(
            ZONE,
            member(&format!("m{i:03}"), &format!("198.51.100.{}", i + 1)),
        );
    }
    // Ours sorts last: found only by following NextRecordIdentifier.
    let ours = format!("z-{DEFAULT_INSTANCE_ID}");
    env.sim.put_record(ZONE, member(&ours, DEFAULT_PUBLIC_IPV4));
    let before = env.sim.records(ZONE);
    let config = write(
        &env,
        "c.toml",
        &env.sim.imds_url(),
        "routing = \"multivalue\"\nset_identifier = \"z-{instance_id}\"",
        "",
    );
    let run = env.run(&["--config", &config], &[]).await;
    run.expect_code(0);
    assert_eq!(
        env.count(Operation::ChangeResourceRecordSets),
        0,
        "{}",
        run.stderr
    );
    assert!(env.count(Operation::ListResourceRecordSets) >= 2);
    assert_eq!(env.sim.records(ZONE), before);
    // Its delete removes exactly that member; the 99 others stay.
    env.run(&["delete", "--on-reboot", "--config", &config], &[])
        .await
        .expect_code(0);
    let after = env.sim.records(ZONE);
    assert_eq!(after.len(), before.len() - 1);
    assert!(
        after
            .iter()
            .all(|r| r.set_identifier.as_deref() != Some(ours.as_str()))
    );
}
