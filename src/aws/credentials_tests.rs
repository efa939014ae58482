//! The credential chain against the simulator's IMDS, in-process: which
//! source wins (environment → systemd credential → shared credentials file
//! and profile → instance role), told apart by the key each one holds, and
//! when role credentials are fetched again.

use crate::aws::credentials::{CredentialError, Env, Provider};
use crate::aws::retry::Deadline;
use crate::aws::testing::{self, log};
use aws_sign::secret::Secret;
use aws_sign::timestamp::Timestamp;
use ec2_dns_sim::{ImdsConfig, SimConfig};
use std::path::Path;
use std::time::Duration;

const WAIT: Duration = Duration::from_secs(10);
const ROLE_DOC: &str = "GET /latest/meta-data/iam/security-credentials/web-role 200 token";

fn far() -> Deadline {
    Deadline::after(Duration::from_secs(60))
}

fn keys_file(path: &Path, profiles: &[(&str, &str)]) {
    let text: String = profiles
        .iter()
        .map(|(profile, key)| {
            format!("[{profile}]\naws_access_key_id = {key}\naws_secret_access_key = secret-of-{key}\n\n")
        })
        .collect();
    std::fs::write(path, text).unwrap();
}

/// Every source present: the environment's keys, a systemd credential, a
/// shared credentials file (`[default]` and `[ops]`) and the instance role.
fn every_source(dir: &Path) -> Env {
    let credentials_directory = dir.join("creds");
    std::fs::create_dir_all(&credentials_directory).unwrap();
    keys_file(
        &credentials_directory.join("aws-credentials"),
        &[("default", "AKIDSYSTEMD"), ("ops", "AKIDSYSTEMDOPS")],
    );
    let shared = dir.join("shared");
    keys_file(
        &shared,
        &[("default", "AKIDSHARED"), ("ops", "AKIDSHAREDOPS")],
    );
    Env {
        access_key_id: Some("AKIDENV".into()),
        secret_access_key: Some(Secret::new("env-secret")),
        session_token: None,
        shared_credentials_file: Some(shared),
        config_file: Some(dir.join("no-config")),
        profile: None,
        home: Some(dir.to_owned()),
        credentials_directory: Some(credentials_directory),
    }
}

#[tokio::test(start_paused = true)]
async fn the_first_source_with_keys_wins_and_imds_is_not_asked() {
    let (sim, _clock) = testing::start(SimConfig::default()).await;
    let imds = testing::imds(&sim, true, WAIT);
    let dir = tempfile::tempdir().unwrap();
    let all = every_source(dir.path());
    let cases = [
        ("environment", all.clone(), "AKIDENV"),
        (
            "systemd credential",
            Env {
                access_key_id: None,
                secret_access_key: None,
                ..all.clone()
            },
            "AKIDSYSTEMD",
        ),
        (
            "systemd credential, AWS_PROFILE",
            Env {
                access_key_id: None,
                secret_access_key: None,
                profile: Some("ops".into()),
                ..all.clone()
            },
            "AKIDSYSTEMDOPS",
        ),
        (
            "shared file",
            Env {
                access_key_id: None,
                secret_access_key: None,
                credentials_directory: None,
                ..all.clone()
            },
            "AKIDSHARED",
        ),
        (
            "shared file, AWS_PROFILE",
            Env {
                access_key_id: None,
                secret_access_key: None,
                credentials_directory: None,
                profile: Some("ops".into()),
                ..all.clone()
            },
            "AKIDSHAREDOPS",
        ),
    ];
    for (what, env, key) in cases {
        let creds = Provider::new(env)
            .get(&imds, far(), Timestamp::now())
            .await
            .unwrap();
        assert_eq!(creds.access_key_id, key, "{what}");
    }
    assert_eq!(log(&sim), Vec::<String>::new());
}

#[tokio::test(start_paused = true)]
async fn without_keys_the_instance_role_is_used() {
    let (sim, _clock) = testing::start(SimConfig::default()).await;
    let imds = testing::imds(&sim, true, WAIT);
    let home = tempfile::tempdir().unwrap();
    let env = Env {
        home: Some(home.path().to_owned()),
        ..Env::default()
    };
    let creds = Provider::new(env)
        .get(&imds, far(), Timestamp::now())
        .await
        .unwrap();
    let issued = sim
        .role_credentials()
        .expect("the simulator issued role credentials");
    assert_eq!(creds.access_key_id, issued.access_key_id);
    assert!(creds.session_token.is_some() && creds.expiration.is_some());
    assert_eq!(
        log(&sim),
        [
            "PUT /latest/api/token 200",
            "GET /latest/meta-data/iam/security-credentials/ 200 token",
            ROLE_DOC,
        ]
    );
}

#[tokio::test(start_paused = true)]
async fn role_credentials_are_fetched_again_only_near_their_expiry() {
    let (sim, _clock) = testing::start(SimConfig {
        imds: ImdsConfig {
            credentials_lifetime: Duration::from_secs(3600),
            ..ImdsConfig::default()
        },
        ..SimConfig::default()
    })
    .await;
    let imds = testing::imds(&sim, true, WAIT);
    let provider = Provider::new(Env::default());
    let now = Timestamp::now();
    let first = provider.get(&imds, far(), now).await.unwrap();
    let expiration = first.expiration.expect("role credentials expire");
    let docs = |sim: &ec2_dns_sim::Sim| log(sim).iter().filter(|l| *l == ROLE_DOC).count();
    assert_eq!(docs(&sim), 1);

    // Half an hour later (by the corrected clock): the cached ones.
    let later = provider
        .get(&imds, far(), now.offset_by(1800))
        .await
        .unwrap();
    assert_eq!(later.access_key_id, first.access_key_id);
    assert_eq!(docs(&sim), 1);

    // Four minutes before they expire (inside the 5-minute margin): IMDS is
    // asked again, before they run out.
    provider
        .get(&imds, far(), expiration.offset_by(-240))
        .await
        .unwrap();
    assert_eq!(docs(&sim), 2);
}

#[tokio::test(start_paused = true)]
async fn invalidate_makes_the_next_get_ask_the_chain_again() {
    let (sim, _clock) = testing::start(SimConfig::default()).await;
    let imds = testing::imds(&sim, true, WAIT);
    let provider = Provider::new(Env::default());
    provider.get(&imds, far(), Timestamp::now()).await.unwrap();
    provider.get(&imds, far(), Timestamp::now()).await.unwrap();
    assert_eq!(log(&sim).iter().filter(|l| *l == ROLE_DOC).count(), 1);
    provider.invalidate().await;
    provider.get(&imds, far(), Timestamp::now()).await.unwrap();
    assert_eq!(log(&sim).iter().filter(|l| *l == ROLE_DOC).count(), 2);
}

#[tokio::test(start_paused = true)]
async fn half_a_key_pair_in_the_environment_is_an_error_before_any_request() {
    let (sim, _clock) = testing::start(SimConfig::default()).await;
    let imds = testing::imds(&sim, true, WAIT);
    let env = Env {
        access_key_id: Some("AKIDENV".into()),
        ..Env::default()
    };
    let err = Provider::new(env)
        .get(&imds, far(), Timestamp::now())
        .await
        .unwrap_err();
    assert!(
        matches!(err, CredentialError::PartialEnvironment),
        "{err:?}"
    );
    assert!(sim.requests().is_empty());
}

#[tokio::test(start_paused = true)]
async fn no_source_at_all_says_what_was_tried() {
    let (sim, _clock) = testing::start(SimConfig {
        imds: ImdsConfig {
            role: None,
            ..ImdsConfig::default()
        },
        ..SimConfig::default()
    })
    .await;
    let imds = testing::imds(&sim, true, WAIT);
    let dir = tempfile::tempdir().unwrap();
    let env = Env {
        home: Some(dir.path().to_owned()),
        credentials_directory: Some(dir.path().join("creds")),
        ..Env::default()
    };
    let err = Provider::new(env)
        .get(&imds, far(), Timestamp::now())
        .await
        .unwrap_err();
    let CredentialError::NotFound { tried } = &err else {
        panic!("{err:?}");
    };
    for part in [
        "AWS_ACCESS_KEY_ID is not set",
        "no systemd credential",
        "no profile [default]",
        "no instance role attached",
    ] {
        assert!(tried.contains(part), "{tried}");
    }
}
