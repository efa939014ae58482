//! No secret (secret key, session token, signature, IMDS token) reaches any
//! log line at any level, in text or JSON, on success or failure.

use crate::util::{Env, Run, fast};
use ec2_dns_sim::{Operation, Route53Config, SchemeAcceptance, SimConfig};

fn assert_clean(run: &Run, secrets: &[String]) {
    for s in secrets {
        assert!(s.len() >= 8, "a real secret: {s:?}");
        assert!(!run.stdout.contains(s.as_str()), "stdout leaks a secret");
        assert!(
            !run.stderr.contains(s.as_str()),
            "stderr leaks a secret:\n{}",
            run.stderr
        );
    }
    for marker in [
        "Signature=",
        "AWS3-HTTPS AWSAccessKeyId",
        "X-Amz-Security-Token: ",
        "x-amz-security-token: ",
    ] {
        assert!(
            !run.stderr.contains(marker),
            "stderr shows {marker:?}:\n{}",
            run.stderr
        );
    }
}

fn secrets_of(env: &Env) -> Vec<String> {
    let creds = env
        .sim
        .role_credentials()
        .expect("role credentials were issued");
    let mut secrets = vec![
        creds.secret_access_key.expose().to_owned(),
        creds.session_token.expect("a token").expose().to_owned(),
    ];
    secrets.extend(env.sim.imds_tokens());
    secrets.extend(env.sim.signatures());
    secrets
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn trace_logs_show_no_secret() {
    for format in ["text", "json"] {
        let env = Env::start(fast()).await;
        let config = env.config("");
        let run = env
            .run(
                &[
                    "--config",
                    config.to_str().unwrap(),
                    "-vvv",
                    "--log-format",
                    format,
                ],
                &[],
            )
            .await;
        run.expect_code(0);
        assert!(
            run.stderr.lines().count() > 20,
            "trace output is there:\n{}",
            run.stderr
        );
        let secrets = secrets_of(&env);
        assert!(
            secrets.len() >= 5,
            "signatures and IMDS tokens were collected"
        );
        assert_clean(&run, &secrets);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn failures_show_no_secret_either() {
    // The fallback path, then a refusal with both schemes, at trace level.
    let env = Env::start(SimConfig {
        route53: Route53Config {
            aws3: SchemeAcceptance::Refuse,
            deny: vec![Operation::ChangeResourceRecordSets],
            ..fast().route53
        },
        ..fast()
    })
    .await;
    let config = env.config("");
    let run = env
        .run(&["--config", config.to_str().unwrap(), "-vvv"], &[])
        .await;
    run.expect_code(77);
    assert_clean(&run, &secrets_of(&env));

    // Static credentials from the environment, refused.
    let run = env
        .run(
            &["--config", config.to_str().unwrap(), "-vvv"],
            &[
                ("AWS_ACCESS_KEY_ID", "AKIDUNKNOWNKEY000000"),
                ("AWS_SECRET_ACCESS_KEY", "envSecretKeyThatMustNotLeak0000"),
            ],
        )
        .await;
    run.expect_code(77);
    assert_clean(&run, &["envSecretKeyThatMustNotLeak0000".to_owned()]);
}
