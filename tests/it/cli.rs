//! The command line as an operator meets it: help, version, usage errors,
//! config errors, each with its exit code.

use crate::util::{Env, fast, run_args};

#[tokio::test]
async fn help_shows_an_example_and_the_exit_codes() {
    let dir = tempfile::tempdir().unwrap();
    let run = run_args(&["--help"], dir.path()).await;
    run.expect_code(0);
    assert!(run.stdout.contains("Examples:"), "{}", run.stdout);
    assert!(run.stdout.contains("[[record]]"), "{}", run.stdout);
    assert!(
        run.stdout.contains("75 temporary failure"),
        "{}",
        run.stdout
    );
    let run = run_args(&["--version"], dir.path()).await;
    run.expect_code(0);
    assert!(run.stdout.starts_with("ec2-dns-updater "), "{}", run.stdout);
}

#[tokio::test]
async fn usage_errors_exit_64() {
    let dir = tempfile::tempdir().unwrap();
    for args in [
        &["--bogus"][..],
        &["frobnicate"],
        &["--log-format", "xml"],
        &["-v", "-q"],
    ] {
        let run = run_args(args, dir.path()).await;
        run.expect_code(64);
        assert!(run.stderr.contains("error:"), "{args:?}: {}", run.stderr);
    }
}

#[tokio::test]
async fn config_errors_exit_78_and_name_file_and_line() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("nope.toml");
    let run = run_args(&["--config", missing.to_str().unwrap()], dir.path()).await;
    run.expect_code(78).expect_stderr("cannot read config file");

    let path = dir.path().join("bad.toml");
    std::fs::write(
        &path,
        "[[record]]\nzone = \"Z1\"\nname = \"web.example.com\"\nttl = 60\nttl_seconds = 5\n",
    )
    .unwrap();
    let run = run_args(&["--config", path.to_str().unwrap()], dir.path()).await;
    run.expect_code(78)
        .expect_stderr(&format!("{}:5:", path.display()))
        .expect_stderr("unknown field `ttl_seconds`");

    std::fs::write(
        &path,
        "[[record]]\nzone = \"Z1\"\nname = \"web.example.com\"\n[route53]\nendpoint = \"http://route53.amazonaws.com\"\n",
    )
    .unwrap();
    let run = run_args(&["--config", path.to_str().unwrap()], dir.path()).await;
    run.expect_code(78)
        .expect_stderr("route53.endpoint")
        .expect_stderr("https");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn global_options_work_after_the_subcommand() {
    let env = Env::start(fast()).await;
    let config = env.config("");
    let run = env
        .run(
            &[
                "update",
                "--config",
                config.to_str().unwrap(),
                "--dry-run",
                "-q",
            ],
            &[],
        )
        .await;
    run.expect_code(0);
    assert!(run.stdout.contains("action:  CREATE"), "{}", run.stdout);
    assert!(run.stderr.is_empty(), "-q hides info lines: {}", run.stderr);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn json_logs_are_one_object_per_line() {
    let env = Env::start(fast()).await;
    let config = env.config("");
    let run = env
        .run(
            &["--config", config.to_str().unwrap(), "--log-format", "json"],
            &[],
        )
        .await;
    run.expect_code(0);
    let mut summary = None;
    for line in run.stderr.lines() {
        let v: serde_json::Value =
            serde_json::from_str(line).unwrap_or_else(|e| panic!("{line}: {e}"));
        if v["fields"]["api_calls"].is_u64() {
            summary = Some(v);
        }
    }
    let summary = summary.expect("a summary object");
    assert_eq!(summary["level"], "INFO");
    assert_eq!(summary["fields"]["changed"], 1);
    assert!(
        summary["fields"]["message"]
            .as_str()
            .unwrap()
            .contains("INSYNC")
    );
}
