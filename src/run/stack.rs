//! IPv4, or an IPv6-only instance? With `imds.endpoint` unset, IMDS is
//! looked for at `http://169.254.169.254`; when that fails at once by route
//! (no IPv4 address: `ENETUNREACH`/`EHOSTUNREACH`, or refused) and IMDS
//! answers at `http://[fd00:ec2::254]`, the instance is IPv6-only: IMDS is
//! read over IPv6 and Route 53 is reached at its dual-stack endpoint
//! (`route53.amazonaws.com` has no IPv6 address), unless `route53.endpoint`
//! is set. Explicit endpoints always win; a set `imds.endpoint` turns the
//! probe off.
//!
//! Test hooks (loopback URLs only, anything else is a config error):
//! `EC2_DNS_UPDATER_IMDS_IPV4`, `EC2_DNS_UPDATER_IMDS_IPV6` and
//! `EC2_DNS_UPDATER_ROUTE53_DUALSTACK` replace the three built-in addresses.

use crate::aws::imds::{self, Reach};
use crate::aws::retry::Deadline;
use crate::config::{
    Config, ConfigError, DEFAULT_IMDS_ENDPOINT, DEFAULT_IMDS_ENDPOINT_IPV6,
    DUALSTACK_ROUTE53_ENDPOINT,
};
use crate::run::error::Error;
use reqwest::Url;
use std::net::IpAddr;
use std::time::Duration;
use tracing::{debug, info, warn};

/// The hook variables.
pub(crate) const ENV_IMDS_IPV4: &str = "EC2_DNS_UPDATER_IMDS_IPV4";
pub(crate) const ENV_IMDS_IPV6: &str = "EC2_DNS_UPDATER_IMDS_IPV6";
pub(crate) const ENV_ROUTE53_DUALSTACK: &str = "EC2_DNS_UPDATER_ROUTE53_DUALSTACK";

/// Between probes while neither address answers yet (a boot before the network).
const PROBE_PAUSE: Duration = Duration::from_millis(250);

/// Which addresses this instance has.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Stack {
    /// IMDS answers on IPv4 (or the probe could not tell): the defaults.
    Ipv4,
    /// IPv4 is unreachable by route and IMDS answers on IPv6.
    Ipv6Only,
}

/// Probes (when `imds.endpoint` is unset) and fills in the endpoints.
pub(crate) async fn choose(mut config: Config) -> Result<Config, Error> {
    choose_with(&mut config, &|k| std::env::var(k).ok()).await?;
    Ok(config)
}

async fn choose_with(
    config: &mut Config,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<Stack, Error> {
    if !config.imds.endpoint_is_default {
        return Ok(Stack::Ipv4);
    }
    let v4 = hook(env, ENV_IMDS_IPV4, DEFAULT_IMDS_ENDPOINT)?;
    let v6 = hook(env, ENV_IMDS_IPV6, DEFAULT_IMDS_ENDPOINT_IPV6)?;
    let dual = hook(env, ENV_ROUTE53_DUALSTACK, DUALSTACK_ROUTE53_ENDPOINT)?;
    config.imds.endpoint = v4.clone();
    let wait = config.imds.wait_timeout;
    let window = Deadline::after(wait);
    let started = std::time::Instant::now();
    let stack = loop {
        let why = match imds::probe(&v4).await {
            Reach::Answers => break Stack::Ipv4,
            // A slow or odd failure is not "no IPv4": let IMDS's own wait handle it.
            Reach::Unknown(e) => {
                debug!(endpoint = %v4, error = %e, "IPv4 IMDS probe inconclusive");
                break Stack::Ipv4;
            }
            Reach::Unroutable(e) => e,
        };
        match imds::probe(&v6).await {
            Reach::Answers => {
                info!(
                    ipv4_imds = %v4,
                    error = %why,
                    imds = %v6,
                    "IPv4 is unreachable and IMDS answers over IPv6: an IPv6-only instance"
                );
                break Stack::Ipv6Only;
            }
            other => debug!(ipv4 = %why, ipv6 = ?other, "neither IMDS address answers yet"),
        }
        if window.expired() || !window.sleep(PROBE_PAUSE).await {
            warn!(
                ipv4 = %v4,
                ipv6 = %v6,
                waited_s = wait.as_secs(),
                "neither IMDS address answered (both failed at once) within imds.wait_timeout"
            );
            break Stack::Ipv4;
        }
    };
    // The probes spent part of IMDS's wait: it gets only what is left.
    config.imds.wait_timeout = wait.saturating_sub(started.elapsed());
    if stack == Stack::Ipv6Only {
        config.imds.endpoint = v6;
        if config.route53.endpoint_is_default {
            info!(endpoint = %dual, "using Route 53's dual-stack endpoint (route53.amazonaws.com has no IPv6 address)");
            config.route53.endpoint = dual;
        } else {
            info!(endpoint = %config.route53.endpoint, "route53.endpoint is set: using it over IPv6 as configured");
        }
        // AssumeRole, when there is one, goes to STS's dual-stack endpoint
        // unless sts.endpoint is set.
        config.sts.dual_stack = config.sts.endpoint.is_none();
    }
    Ok(stack)
}

/// A built-in address, or its hook's loopback URL.
fn hook(env: &dyn Fn(&str) -> Option<String>, var: &str, default: &str) -> Result<Url, Error> {
    let Some(text) = env(var).filter(|t| !t.is_empty()) else {
        return Ok(Url::parse(default).expect("built-in endpoints parse"));
    };
    let bad = |why: &str| {
        Error::Config(ConfigError::Missing {
            path: var.into(),
            message: format!(
                "{text:?} {why}: this test hook takes only a loopback http(s) URL (http://127.0.0.1:PORT, http://[::1]:PORT)"
            ),
        })
    };
    let url = Url::parse(text.trim()).map_err(|_| bad("is not a URL"))?;
    let loopback = match url.host() {
        Some(url::Host::Ipv4(ip)) => IpAddr::V4(ip).is_loopback(),
        Some(url::Host::Ipv6(ip)) => IpAddr::V6(ip).is_loopback(),
        Some(url::Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
        None => false,
    };
    if !loopback || !matches!(url.scheme(), "http" | "https") {
        return Err(bad("is not a loopback address"));
    }
    Ok(url)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    fn config(extra: &str) -> Config {
        Config::parse(
            &format!("[[record]]\nzone = \"Z1\"\nname = \"a.example.com\"\n{extra}"),
            Path::new("/c.toml"),
        )
        .unwrap()
    }

    /// A loopback port nothing listens on: connections are refused at once.
    fn refused() -> String {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = l.local_addr().unwrap().port();
        drop(l);
        format!("http://127.0.0.1:{port}")
    }

    #[tokio::test]
    async fn ipv6_only_picks_the_dual_stack_defaults_and_explicit_ones_win() {
        let v6 = tokio::net::TcpListener::bind("[::1]:0").await.unwrap();
        let v6 = format!("http://[::1]:{}", v6.local_addr().unwrap().port());
        let v4 = refused();
        let hooks = |k: &str| match k {
            ENV_IMDS_IPV4 => Some(v4.clone()),
            ENV_IMDS_IPV6 => Some(v6.clone()),
            ENV_ROUTE53_DUALSTACK => Some("http://[::1]:9".into()),
            _ => None,
        };
        let mut c = config("");
        assert_eq!(choose_with(&mut c, &hooks).await.unwrap(), Stack::Ipv6Only);
        assert_eq!(c.imds.endpoint.as_str(), format!("{v6}/"));
        assert_eq!(c.route53.endpoint.as_str(), "http://[::1]:9/");

        let mut c = config("[route53]\nendpoint = \"https://route53.example.test\"\n");
        assert_eq!(choose_with(&mut c, &hooks).await.unwrap(), Stack::Ipv6Only);
        assert_eq!(c.route53.endpoint.as_str(), "https://route53.example.test/");

        // A set imds.endpoint: no probe at all.
        let mut c = config("[imds]\nendpoint = \"http://127.0.0.1:1\"\n");
        assert_eq!(choose_with(&mut c, &hooks).await.unwrap(), Stack::Ipv4);
        assert_eq!(c.imds.endpoint.as_str(), "http://127.0.0.1:1/");
        assert_eq!(
            c.route53.endpoint.as_str(),
            "https://route53.amazonaws.com/"
        );
    }

    #[tokio::test]
    async fn ipv4_answering_keeps_the_defaults() {
        let v4 = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let v4 = format!("http://127.0.0.1:{}", v4.local_addr().unwrap().port());
        let v6 = refused();
        let hooks = |k: &str| match k {
            ENV_IMDS_IPV4 => Some(v4.clone()),
            ENV_IMDS_IPV6 => Some(v6.clone()),
            _ => None,
        };
        let mut c = config("[imds]\nwait_timeout = \"1s\"\n");
        assert_eq!(choose_with(&mut c, &hooks).await.unwrap(), Stack::Ipv4);
        assert_eq!(c.imds.endpoint.as_str(), format!("{v4}/"));
        assert_eq!(
            c.route53.endpoint.as_str(),
            "https://route53.amazonaws.com/"
        );
    }

    #[tokio::test]
    async fn neither_answering_spends_the_imds_wait_once() {
        let (v4, v6) = (refused(), refused());
        let hooks = |k: &str| match k {
            ENV_IMDS_IPV4 => Some(v4.clone()),
            ENV_IMDS_IPV6 => Some(v6.clone()),
            _ => None,
        };
        let mut c = config("[imds]\nwait_timeout = \"1s\"\n");
        let started = std::time::Instant::now();
        assert_eq!(choose_with(&mut c, &hooks).await.unwrap(), Stack::Ipv4);
        assert!(started.elapsed() >= Duration::from_millis(900));
        assert!(started.elapsed() < Duration::from_secs(5));
        assert_eq!(c.imds.endpoint.as_str(), format!("{v4}/"));
        assert!(
            c.imds.wait_timeout < Duration::from_millis(200),
            "{:?}",
            c.imds.wait_timeout
        );
    }

    #[tokio::test]
    async fn hooks_take_only_loopback_urls() {
        for bad in [
            "http://169.254.169.254",
            "http://[fd00:ec2::254]",
            "not a url",
            "ftp://127.0.0.1",
        ] {
            let hooks = |k: &str| (k == ENV_IMDS_IPV6).then(|| bad.to_owned());
            let e = choose_with(&mut config(""), &hooks).await.unwrap_err();
            assert_eq!(e.exit_code(), 78, "{bad}");
            assert!(e.to_string().contains(ENV_IMDS_IPV6), "{e}");
        }
    }
}
