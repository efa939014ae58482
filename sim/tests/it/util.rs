//! Shared helpers: an HTTP client, signed Route 53 requests, IMDS sessions.

#![allow(dead_code)]

use ec2_dns_sim::{Credentials, Sim, SimConfig};
use ec2_dns_updater::sign::{Scheme, SignableRequest, sign};
use ec2_dns_updater::timestamp::Timestamp;
use std::time::Duration;

pub const ZONE: &str = ec2_dns_sim::config::DEFAULT_ZONE_ID;
pub const NS: &str = "https://route53.amazonaws.com/doc/2013-04-01/";

/// A client with short timeouts (rustls with ring, no proxy).
pub fn client() -> reqwest::Client {
    builder().build().unwrap()
}

pub fn builder() -> reqwest::ClientBuilder {
    let _ = rustls::crypto::ring::default_provider().install_default();
    reqwest::Client::builder()
        .no_proxy()
        .timeout(Duration::from_secs(10))
}

pub async fn start(config: SimConfig) -> Sim {
    Sim::start(config).await.expect("simulator starts")
}

pub fn static_creds() -> Credentials {
    Credentials::new_static(
        ec2_dns_sim::STATIC_ACCESS_KEY_ID,
        ec2_dns_sim::STATIC_SECRET_ACCESS_KEY,
    )
}

/// An answer, read whole.
#[derive(Debug)]
pub struct Answer {
    pub status: u16,
    pub headers: reqwest::header::HeaderMap,
    pub body: String,
}

impl Answer {
    /// The text of the first `<tag>` element.
    pub fn tag(&self, tag: &str) -> Option<&str> {
        let open = format!("<{tag}>");
        let start = self.body.find(&open)? + open.len();
        let end = self.body[start..].find(&format!("</{tag}>"))? + start;
        Some(&self.body[start..end])
    }

    pub fn code(&self) -> Option<&str> {
        self.tag("Code")
    }
}

pub async fn answer(resp: reqwest::Response) -> Answer {
    Answer {
        status: resp.status().as_u16(),
        headers: resp.headers().clone(),
        body: resp.text().await.unwrap_or_default(),
    }
}

/// A Route 53 request signed with `scheme` at `time`.
#[allow(clippy::too_many_arguments)]
pub async fn signed_at(
    client: &reqwest::Client,
    base: &str,
    scheme: Scheme,
    creds: &Credentials,
    method: &str,
    path: &str,
    query: &str,
    body: &str,
    time: Timestamp,
) -> Answer {
    let host = base.split("://").nth(1).unwrap();
    let request = SignableRequest {
        method,
        host,
        path,
        query,
        headers: &[],
        body: body.as_bytes(),
    };
    let mut url = format!("{base}{path}");
    if !query.is_empty() {
        url.push('?');
        url.push_str(query);
    }
    let mut req = client.request(method.parse().unwrap(), url);
    for h in sign(scheme, &request, creds, time, "us-east-1", "route53") {
        req = req.header(h.name, h.value);
    }
    if !body.is_empty() {
        req = req.body(body.to_owned());
    }
    answer(req.send().await.expect("request sent")).await
}

/// A Route 53 request signed now.
#[allow(clippy::too_many_arguments)]
pub async fn signed(
    client: &reqwest::Client,
    sim: &Sim,
    scheme: Scheme,
    creds: &Credentials,
    method: &str,
    path: &str,
    query: &str,
    body: &str,
) -> Answer {
    signed_at(
        client,
        &sim.route53_url(),
        scheme,
        creds,
        method,
        path,
        query,
        body,
        Timestamp::now(),
    )
    .await
}

/// [`signed`] with SigV4 and the simulator's static key pair: what most
/// tests send.
pub async fn sigv4(
    client: &reqwest::Client,
    sim: &Sim,
    method: &str,
    path: &str,
    query: &str,
    body: &str,
) -> Answer {
    signed(
        client,
        sim,
        Scheme::SigV4,
        &static_creds(),
        method,
        path,
        query,
        body,
    )
    .await
}

pub fn rrset_path(zone: &str) -> String {
    format!("/2013-04-01/hostedzone/{zone}/rrset")
}

pub fn change_body(action: &str, name: &str, rtype: &str, ttl: u32, value: &str) -> String {
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<ChangeResourceRecordSetsRequest xmlns=\"{NS}\"><ChangeBatch><Comment>test</Comment><Changes><Change><Action>{action}</Action><ResourceRecordSet><Name>{name}</Name><Type>{rtype}</Type><TTL>{ttl}</TTL><ResourceRecords><ResourceRecord><Value>{value}</Value></ResourceRecord></ResourceRecords></ResourceRecordSet></Change></Changes></ChangeBatch></ChangeResourceRecordSetsRequest>"
    )
}

/// An IMDSv2 token from `base` (the IMDS URL or a fleet member's).
pub async fn imds_token(client: &reqwest::Client, base: &str) -> String {
    let resp = client
        .put(format!("{base}/latest/api/token"))
        .header("X-aws-ec2-metadata-token-ttl-seconds", "21600")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    resp.text().await.unwrap()
}

/// GET a metadata path with an optional token.
pub async fn imds_get(
    client: &reqwest::Client,
    base: &str,
    path: &str,
    token: Option<&str>,
) -> Answer {
    let mut req = client.get(format!("{base}/latest/meta-data/{path}"));
    if let Some(t) = token {
        req = req.header("X-aws-ec2-metadata-token", t);
    }
    answer(req.send().await.unwrap()).await
}

/// The role credentials, read over IMDSv2 as a client would.
pub async fn role_creds_via_imds(client: &reqwest::Client, sim: &Sim) -> Credentials {
    role_creds_from(client, &sim.imds_url()).await.0
}

/// The role credentials and the IMDS token used to read them, from `base`.
pub async fn role_creds_from(client: &reqwest::Client, base: &str) -> (Credentials, String) {
    let base = base.to_owned();
    let token = imds_token(client, &base).await;
    let role = imds_get(client, &base, "iam/security-credentials/", Some(&token)).await;
    assert_eq!(role.status, 200);
    let doc = imds_get(
        client,
        &base,
        &format!("iam/security-credentials/{}", role.body.trim()),
        Some(&token),
    )
    .await;
    let json: serde_json::Value = serde_json::from_str(&doc.body).unwrap();
    assert_eq!(json["Code"], "Success");
    let creds = Credentials::new_temporary(
        json["AccessKeyId"].as_str().unwrap(),
        json["SecretAccessKey"].as_str().unwrap(),
        json["Token"].as_str().unwrap(),
        Timestamp::parse_rfc3339(json["Expiration"].as_str().unwrap()),
    );
    (creds, token)
}

/// A control API listing (`/_sim/<what>`) as JSON.
pub async fn control<T: serde::de::DeserializeOwned>(
    client: &reqwest::Client,
    sim: &Sim,
    what: &str,
) -> T {
    client
        .get(format!("{}/_sim/{what}", sim.route53_url()))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}
