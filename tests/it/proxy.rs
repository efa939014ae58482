//! Route 53 traffic goes through `HTTP_PROXY`/`HTTPS_PROXY` (honouring
//! `NO_PROXY`) as the AWS CLI's does; IMDS traffic never does. Over HTTPS the
//! proxy sees only a CONNECT tunnel, and the extra CA from `ca_bundle` is what
//! makes the endpoint's certificate trusted.

use crate::util::{Env, HOSTNAME, fast};
use ec2_dns_sim::{Route53Config, SimConfig, TlsConfig};
use std::sync::{Arc, Mutex};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// A minimal forward proxy on 127.0.0.1:0 that records the first request
/// line of every connection (`GET http://host/path HTTP/1.1` or
/// `CONNECT host:port HTTP/1.1`) and then relays bytes.
pub(crate) struct Proxy {
    pub(crate) url: String,
    seen: Arc<Mutex<Vec<String>>>,
}

impl Proxy {
    pub(crate) async fn start() -> Proxy {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let seen = Arc::new(Mutex::new(Vec::new()));
        let log = seen.clone();
        tokio::spawn(async move {
            while let Ok((client, _)) = listener.accept().await {
                tokio::spawn(relay(client, log.clone()));
            }
        });
        Proxy { url, seen }
    }

    pub(crate) fn seen(&self) -> Vec<String> {
        self.seen.lock().unwrap().clone()
    }
}

async fn relay(mut client: TcpStream, log: Arc<Mutex<Vec<String>>>) {
    let mut head = Vec::new();
    let mut byte = [0u8; 1];
    while !head.ends_with(b"\r\n\r\n") {
        if client.read(&mut byte).await.unwrap_or(0) == 0 {
            return;
        }
        head.push(byte[0]);
    }
    let text = String::from_utf8_lossy(&head).into_owned();
    let line = text.lines().next().unwrap_or_default().to_owned();
    log.lock().unwrap().push(line.clone());
    let mut parts = line.split_whitespace();
    let method = parts.next().unwrap_or_default();
    let target = parts.next().unwrap_or_default();
    let authority = match method {
        "CONNECT" => target.to_owned(),
        _ => target
            .strip_prefix("http://")
            .and_then(|rest| rest.split('/').next())
            .unwrap_or_default()
            .to_owned(),
    };
    let Ok(mut upstream) = TcpStream::connect(&authority).await else {
        return;
    };
    if method == "CONNECT" {
        let _ = client
            .write_all(b"HTTP/1.1 200 Connection established\r\n\r\n")
            .await;
    } else {
        let _ = upstream.write_all(&head).await;
    }
    let _ = tokio::io::copy_bidirectional(&mut client, &mut upstream).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn route53_goes_through_the_proxy_and_imds_never_does() {
    let env = Env::start(fast()).await;
    let proxy = Proxy::start().await;
    let config = env.config("");
    let run = env
        .run(
            &["--config", config.to_str().unwrap()],
            &[("HTTP_PROXY", &proxy.url), ("HTTPS_PROXY", &proxy.url)],
        )
        .await;
    run.expect_code(0);
    assert_eq!(env.cname("web.example.com").as_deref(), Some(HOSTNAME));
    let seen = proxy.seen();
    let route53 = env.sim.route53_url();
    assert!(!seen.is_empty(), "the proxy was used");
    assert!(
        seen.iter()
            .all(|l| l.contains(&format!("{route53}/2013-04-01/"))),
        "only Route 53 requests: {seen:?}"
    );

    // NO_PROXY exempts the endpoint, as it does for the AWS CLI.
    let proxy = Proxy::start().await;
    let run = env
        .run(
            &["--config", config.to_str().unwrap()],
            &[("HTTP_PROXY", &proxy.url), ("NO_PROXY", "127.0.0.1")],
        )
        .await;
    run.expect_code(0);
    assert!(proxy.seen().is_empty(), "{:?}", proxy.seen());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn https_through_a_connect_proxy_with_an_extra_ca() {
    let env = Env::start(SimConfig {
        route53: Route53Config {
            tls: Some(TlsConfig::default()),
            ..fast().route53
        },
        ..fast()
    })
    .await;
    let route53 = env.sim.route53_url();
    assert!(route53.starts_with("https://"), "{route53}");
    let ca = env.path("ca.pem");
    std::fs::write(&ca, env.sim.ca_pem().unwrap()).unwrap();
    let proxy = Proxy::start().await;

    // Without the CA the certificate is not trusted: a clear error, nothing written.
    let config = env.config("");
    let run = env
        .run(
            &["--config", config.to_str().unwrap(), "--log-format", "text"],
            &[("HTTPS_PROXY", &proxy.url)],
        )
        .await;
    run.expect_code(78)
        .expect_stderr("is not trusted")
        .expect_stderr("route53.ca_bundle");
    assert_eq!(env.cname("web.example.com"), None);

    let config = env.config(&format!(
        "ca_bundle = \"{}\"\nwait_timeout = \"20s\"",
        ca.display()
    ));
    let run = env
        .run(
            &["--config", config.to_str().unwrap()],
            &[("HTTPS_PROXY", &proxy.url)],
        )
        .await;
    run.expect_code(0);
    assert_eq!(env.cname("web.example.com").as_deref(), Some(HOSTNAME));
    let authority = route53.trim_start_matches("https://");
    assert!(
        proxy
            .seen()
            .iter()
            .any(|l| l.starts_with(&format!("CONNECT {authority} "))),
        "{:?}",
        proxy.seen()
    );
}
