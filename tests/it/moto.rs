//! Interop with an independent Route 53 implementation: moto's server
//! (`moto_server`, installed by scripts/test.sh). moto routes requests by the
//! service in the SigV4 credential scope, so these tests sign with SigV4.
//! The instance side (IMDS) is still the simulator.

use crate::util::{Env, HOSTNAME, Run};
use std::path::PathBuf;
use std::process::Stdio;
use std::time::{Duration, Instant};

struct Moto {
    url: String,
    child: tokio::process::Child,
}

fn moto_server() -> PathBuf {
    std::env::var_os("MOTO_SERVER")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target/moto-venv/bin/moto_server")
        })
}

impl Moto {
    async fn start() -> Moto {
        let bin = moto_server();
        assert!(
            bin.exists(),
            "{} is missing: run scripts/test.sh, which installs moto",
            bin.display()
        );
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let child = tokio::process::Command::new(&bin)
            .args(["-H", "127.0.0.1", "-p", &port.to_string()])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .kill_on_drop(true)
            .spawn()
            .unwrap();
        let started = Instant::now();
        while tokio::net::TcpStream::connect(("127.0.0.1", port))
            .await
            .is_err()
        {
            assert!(
                started.elapsed() < Duration::from_secs(30),
                "moto_server did not start"
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        Moto {
            url: format!("http://127.0.0.1:{port}"),
            child,
        }
    }
}

impl Drop for Moto {
    fn drop(&mut self) {
        let _ = self.child.start_kill();
    }
}

const CREDS: &[(&str, &str)] = &[
    ("AWS_ACCESS_KEY_ID", "AKIAMOTOTESTING00001"),
    (
        "AWS_SECRET_ACCESS_KEY",
        "motoTestingSecretKey0000000000000000000000",
    ),
];

async fn request(env: &Env, config: &str, args: &[&str]) -> Run {
    let mut all = vec!["request"];
    all.extend_from_slice(args);
    all.extend_from_slice(&["--config", config]);
    env.run(&all, CREDS).await
}

fn between<'a>(text: &'a str, open: &str, close: &str) -> &'a str {
    let start = text
        .find(open)
        .unwrap_or_else(|| panic!("{open} in {text}"))
        + open.len();
    let end = text[start..].find(close).unwrap() + start;
    &text[start..end]
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs moto_server: scripts/test.sh installs it and runs ignored tests"]
async fn moto_route53_accepts_our_sigv4_upsert() {
    let env = Env::default().await;
    let moto = Moto::start().await;
    let config = env
        .write_config(&format!(
            "[[record]]\nzone = \"example.com\"\nname = \"web.example.com\"\n\n[route53]\nendpoint = \"{}\"\nsigning = \"sigv4\"\n\n[imds]\nendpoint = \"{}\"\n",
            moto.url,
            env.sim.imds_url()
        ))
        .display()
        .to_string();

    // Create the zone through `request` (a signed POST moto must accept).
    let create = env.path("create.xml");
    std::fs::write(
        &create,
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<CreateHostedZoneRequest xmlns=\"https://route53.amazonaws.com/doc/2013-04-01/\"><Name>example.com.</Name><CallerReference>ec2-dns-updater-test</CallerReference></CreateHostedZoneRequest>",
    )
    .unwrap();
    let data = format!("@{}", create.display());
    let run = request(
        &env,
        &config,
        &["POST", "/2013-04-01/hostedzone", "--data", &data],
    )
    .await;
    run.expect_code(0);
    let zone = between(&run.stdout, "<Id>/hostedzone/", "</Id>").to_owned();

    // The real job: zone found by name, record read, UPSERT, GetChange.
    let run = env.run(&["--config", &config], CREDS).await;
    run.expect_code(0);
    assert!(
        run.summary().contains(&format!("(none) → {HOSTNAME}")),
        "{}",
        run.summary()
    );

    // Read back through moto.
    let path =
        format!("/2013-04-01/hostedzone/{zone}/rrset?name=web.example.com.&type=CNAME&maxitems=1");
    let run = request(&env, &config, &["GET", &path]).await;
    run.expect_code(0);
    assert!(
        run.stdout.contains("<Name>web.example.com.</Name>"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout.contains(&format!("<Value>{HOSTNAME}</Value>")),
        "{}",
        run.stdout
    );

    // A second run reads the record back and changes nothing.
    let run = env.run(&["--config", &config], CREDS).await;
    run.expect_code(0);
    assert!(run.summary().contains("already right"), "{}", run.summary());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs moto_server: scripts/test.sh installs it and runs ignored tests"]
async fn moto_ec2_query_api_with_sigv4() {
    let env = Env::default().await;
    let moto = Moto::start().await;
    let config = env.config("");
    let run = request(
        &env,
        config.to_str().unwrap(),
        &[
            "GET",
            "/?Action=DescribeInstances&Version=2016-11-15",
            "--service",
            "ec2",
            "--region",
            "eu-west-1",
            "--endpoint",
            &moto.url,
        ],
    )
    .await;
    run.expect_code(0);
    assert!(run.stdout.starts_with("HTTP 200\n"), "{}", run.stdout);
    assert!(
        run.stdout.contains("DescribeInstancesResponse"),
        "{}",
        run.stdout
    );
}
