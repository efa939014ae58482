//! A thousand concurrent clients, as the benchmarks run them: each gets an
//! IMDSv2 token from its fleet member, reads its hostname, then makes a signed
//! Route 53 call.

use crate::util::*;
use ec2_dns_sim::{ImdsConfig, Service, SimConfig};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_thousand_concurrent_clients() {
    const CLIENTS: u32 = 1000;
    let sim = std::sync::Arc::new(
        start(SimConfig {
            imds: ImdsConfig {
                fleet: CLIENTS,
                ..Default::default()
            },
            ..Default::default()
        })
        .await,
    );
    // One client, many connections: it opens one per concurrent request.
    // What is tested is that every request is served correctly; on a busy
    // 2-core machine a thousand at once can take longer than the usual 10 s
    // per request, so this client waits longer.
    let client = builder()
        .timeout(std::time::Duration::from_secs(60))
        .build()
        .unwrap();
    let started = std::time::Instant::now();
    let mut tasks = tokio::task::JoinSet::new();
    for n in 1..=CLIENTS {
        let sim = sim.clone();
        let client = client.clone();
        tasks.spawn(async move {
            let base = sim.fleet_imds_url(n);
            let token = imds_token(&client, &base).await;
            let host = imds_get(&client, &base, "public-hostname", Some(&token)).await;
            assert_eq!(host.status, 200);
            let name = format!("host{n}.example.com.");
            let body = change_body("UPSERT", &name, "CNAME", 60, &host.body);
            let path = format!("{}/", rrset_path(ZONE));
            let a = sigv4(&client, &sim, "POST", &path, "", &body).await;
            assert_eq!(a.status, 200, "{}", a.body);
        });
    }
    while let Some(result) = tasks.join_next().await {
        result.unwrap();
    }
    let elapsed = started.elapsed();
    assert_eq!(sim.records(ZONE).len(), CLIENTS as usize);
    let set = sim.record(ZONE, "host258.example.com", "CNAME").unwrap();
    assert_eq!(set.values, vec!["ec2-10-1-2-1.compute-1.amazonaws.com"]);
    let stats = sim.stats();
    assert_eq!(stats.imds_requests, u64::from(CLIENTS) * 2);
    assert_eq!(stats.route53_requests, u64::from(CLIENTS));
    assert_eq!(
        sim.requests()
            .iter()
            .filter(|r| r.service == Service::Imds)
            .count(),
        CLIENTS as usize * 2
    );
    eprintln!("{CLIENTS} clients in {elapsed:?}");
}

/// A thousand connections open at the same time before any request is sent,
/// as a thousand client processes would hold them.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_thousand_simultaneous_connections() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    const CONNECTIONS: usize = 1000;
    let sim = start(SimConfig::default()).await;
    let mut streams = Vec::with_capacity(CONNECTIONS);
    for _ in 0..CONNECTIONS {
        streams.push(
            tokio::net::TcpStream::connect(sim.imds_addr())
                .await
                .unwrap(),
        );
    }
    let mut tasks = tokio::task::JoinSet::new();
    for mut stream in streams {
        tasks.spawn(async move {
            stream
                .write_all(b"GET /latest/meta-data/instance-id HTTP/1.1\r\nHost: 169.254.169.254\r\nConnection: close\r\n\r\n")
                .await
                .unwrap();
            let mut reply = Vec::new();
            stream.read_to_end(&mut reply).await.unwrap();
            let reply = String::from_utf8_lossy(&reply).into_owned();
            assert!(reply.starts_with("HTTP/1.1 200"), "{reply}");
            assert!(reply.ends_with("i-0123456789abcdef0"), "{reply}");
        });
    }
    while let Some(result) = tasks.join_next().await {
        result.unwrap();
    }
    assert_eq!(sim.stats().imds_requests, CONNECTIONS as u64);
}

/// Garbage on the wire never takes the simulator down.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn garbage_requests_get_answers_not_crashes() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let sim = start(SimConfig::default()).await;
    let long_header = |n: usize| {
        format!(
            "GET /date HTTP/1.1\r\nHost: x\r\nX-Long: {}\r\nConnection: close\r\n\r\n",
            "a".repeat(n)
        )
        .into_bytes()
    };
    let bad_utf8_auth = b"GET /2013-04-01/hostedzone/Z0123456789ABCDEFGHIJ/rrset HTTP/1.1\r\nHost: x\r\nAuthorization: AWS4-HMAC-SHA256 Credential=\xff\xfe/20260101/us-east-1/route53/aws4_request, SignedHeaders=host, Signature=00\r\nX-Amz-Date: 20260101T000000Z\r\nConnection: close\r\n\r\n".to_vec();
    let inputs: Vec<Vec<u8>> = vec![
        b"\x00\x01\x02garbage\r\n\r\n".to_vec(),
        b"GET / HTTP/9.9\r\n\r\n".to_vec(),
        b"BREW /coffee HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".to_vec(),
        b"POST /2013-04-01/hostedzone/Z0123456789ABCDEFGHIJ/rrset/ HTTP/1.1\r\nHost: x\r\nContent-Length: 99999999999\r\nConnection: close\r\n\r\n".to_vec(),
        b"POST /2013-04-01/hostedzone/Z0123456789ABCDEFGHIJ/rrset/ HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\nzz\r\n".to_vec(),
        b"GET /2013-04-01/hostedzone/Z0123456789ABCDEFGHIJ/rrset?name=%ff%fe&type=%00&maxitems=%zz HTTP/1.1\r\nHost: x\r\nX-Amzn-Authorization: AWS3-HTTPS AWSAccessKeyId=,Algorithm=,Signature=\r\nDate: not a date\r\nConnection: close\r\n\r\n".to_vec(),
        b"GET /2013-04-01/hostedzone/Z0123456789ABCDEFGHIJ/rrset HTTP/1.1\r\nHost: x\r\nAuthorization: AWS4-HMAC-SHA256 Credential=a/b/c/d/aws4_request, SignedHeaders=, Signature=\r\nX-Amz-Date: 99999999T999999Z\r\nConnection: close\r\n\r\n".to_vec(),
        bad_utf8_auth,
        long_header(200_000),
        long_header(600_000),
        b"PUT /_sim/clock-skew HTTP/1.1\r\nHost: x\r\nContent-Length: 20\r\nConnection: close\r\n\r\n99999999999999999999".to_vec(),
        b"PUT /_sim/metadata/../../x HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\nConnection: close\r\n\r\n\xff\xfe".to_vec(),
        b"GET /i/99999999999999999999/latest/meta-data/ HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".to_vec(),
    ];
    for (i, input) in inputs.iter().enumerate() {
        for addr in [sim.route53_addr(), sim.imds_addr()] {
            let mut stream = tokio::net::TcpStream::connect(addr).await.unwrap();
            let _ = stream.write_all(input).await;
            let mut reply = Vec::new();
            let read = tokio::time::timeout(
                std::time::Duration::from_secs(5),
                stream.read_to_end(&mut reply),
            )
            .await;
            assert!(read.is_ok(), "input {i} to {addr}: no answer and no close");
        }
    }
    // Still alive and answering.
    let a = imds_get(&client(), &sim.imds_url(), "instance-id", None).await;
    assert_eq!(a.status, 200);
    let date = client()
        .get(format!("{}/date", sim.route53_url()))
        .send()
        .await
        .unwrap();
    assert_eq!(date.status(), 200);
}
