//! Everything a run needs, built once: the config, the two HTTP clients,
//! the IMDS session, the credential chain, the Route 53 client and the state
//! directory. A run is one or more passes (watch mode); each pass has its own
//! deadline and its own counters for the summary line.

use crate::aws::client::{AwsClient, ClientSettings, Endpoint, SigningMode, starting_scheme};
use crate::aws::credentials::assume_role::{AssumeSettings, StsAccess};
use crate::aws::credentials::{CredentialSource, Env, Provider};
use crate::aws::http::{self, TlsClient};
use crate::aws::imds::Imds;
use crate::aws::retry::Deadline;
use crate::config::{Config, Record};
use crate::route53::{self, Route53};
use crate::run::error::Error;
use crate::run::outcome::Spent;
use crate::run::state::StateDir;
use aws_sign::sign::Scheme;
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use tokio::time::Instant;
use tracing::{info, warn};

/// The credentials Route 53 calls are signed with: the chain's, or those of
/// the role `record_role` (a record's `role_arn`) or `route53.role_arn` names,
/// assumed with the chain's.
pub(crate) fn route53_credentials(
    config: &Config,
    record_role: Option<&str>,
    chain: &Arc<Provider>,
    imds: &Arc<Imds>,
    tls: &TlsClient,
) -> Result<CredentialSource, Error> {
    let base = CredentialSource::new(chain.clone(), imds.clone());
    let default = config.route53.assume.as_ref();
    let (role_arn, external_id, session_name) = match (record_role, default) {
        (Some(arn), Some(d)) if d.role_arn == arn => {
            (arn, d.external_id.clone(), d.session_name.clone())
        }
        // A record's own role: same session name, no external id.
        (Some(arn), d) => (arn, None, d.and_then(|d| d.session_name.clone())),
        (None, Some(d)) => (
            d.role_arn.as_str(),
            d.external_id.clone(),
            d.session_name.clone(),
        ),
        (None, None) => return Ok(base),
    };
    Ok(base.assuming(AssumeSettings {
        role_arn: role_arn.to_owned(),
        external_id,
        session_name,
        endpoint: config.sts.endpoint.clone(),
        region: config.sts.region.clone(),
        dual_stack: config.sts.dual_stack,
        http: tls.clone(),
        // STS's error document has Route 53's shape.
        parse_error: route53::xml::parse_error,
    }))
}

/// Where the current pass started: its deadline and the counters' values then.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Pass {
    pub deadline: Deadline,
    pub started: Instant,
    pub api_calls: u32,
    pub retries: u32,
    pub throttled: u32,
}

#[derive(Debug)]
pub(crate) struct Context {
    pub config: Config,
    pub imds: Arc<Imds>,
    pub credentials: Arc<Provider>,
    pub route53: Route53,
    /// Route 53 for records whose own `role_arn` differs from
    /// `route53.role_arn`, by role ARN (see [`Context::route53_for`]).
    pub route53_by_role: BTreeMap<String, Route53>,
    pub state: StateDir,
    /// The HTTPS client every AWS call of the run shares.
    pub tls: TlsClient,
    pass: Mutex<Pass>,
}

impl Context {
    pub(crate) fn new(config: Config, env: Env, state: StateDir) -> Result<Self, Error> {
        // First: it builds in the background while the run reads IMDS.
        let tls = TlsClient::start(config.route53.ca_bundle.as_deref())?;
        let imds = Arc::new(Imds::new(
            http::imds_client()?,
            &config.imds.endpoint,
            config.imds.v1_fallback,
            config.imds.wait_timeout,
        ));
        let credentials = Arc::new(Provider::new(env).with_sts(StsAccess {
            endpoint: config.sts.endpoint.clone(),
            region: config.sts.region.clone(),
            dual_stack: config.sts.dual_stack,
            http: tls.clone(),
            // STS's error document has Route 53's shape.
            parse_error: route53::xml::parse_error,
        }));
        let remembered = match config.route53.signing {
            SigningMode::Auto => state.signing_scheme(),
            SigningMode::Fixed(_) => None,
        };
        if remembered == Some(Scheme::SigV4) {
            info!(
                state_dir = %state.path().display(),
                "signing with SigV4: an earlier run found AWS3-HTTPS refused"
            );
        }
        let start = starting_scheme(
            config.route53.signing,
            remembered,
            &config.route53.endpoint,
            config.route53.ca_bundle.is_some(),
        );
        let client = |role: Option<&str>| -> Result<Route53, Error> {
            Ok(Route53::new(AwsClient::new(
                tls.clone(),
                ClientSettings {
                    endpoint: Endpoint {
                        url: config.route53.endpoint.clone(),
                        region: config.route53.region.clone(),
                        service: route53::SERVICE.into(),
                    },
                    signing: config.route53.signing,
                    initial_scheme: start,
                    parse_error: route53::xml::parse_error,
                },
                route53_credentials(&config, role, &credentials, &imds, &tls)?,
            )))
        };
        let route53 = client(None)?;
        let default_role = config.route53.assume.as_ref().map(|a| a.role_arn.as_str());
        let mut route53_by_role = BTreeMap::new();
        for arn in config.records.iter().filter_map(|r| r.role_arn.as_deref()) {
            if Some(arn) != default_role && !route53_by_role.contains_key(arn) {
                route53_by_role.insert(arn.to_owned(), client(Some(arn))?);
            }
        }
        let pass = Mutex::new(Pass {
            deadline: Deadline::after(config.deadline),
            started: Instant::now(),
            api_calls: 0,
            retries: 0,
            throttled: 0,
        });
        Ok(Context {
            config,
            imds,
            credentials,
            route53,
            route53_by_role,
            state,
            tls,
            pass,
        })
    }

    /// The Route 53 client for `record`: signed with the credentials of the
    /// role it assumes (its own `role_arn`, else `route53.role_arn`), or the
    /// chain's.
    pub(crate) fn route53_for(&self, record: &Record) -> &Route53 {
        record
            .role_arn
            .as_deref()
            .and_then(|arn| self.route53_by_role.get(arn))
            .unwrap_or(&self.route53)
    }

    /// Requests sent, retries taken and throttled answers, summed over
    /// every Route 53 client.
    fn counters(&self) -> (u32, u32, u32) {
        let all = || std::iter::once(&self.route53).chain(self.route53_by_role.values());
        (
            all().map(Route53::calls).sum(),
            all().map(Route53::retries).sum(),
            all().map(|r| r.client().throttled()).sum(),
        )
    }

    /// Starts a new pass: a fresh deadline, counters from here.
    pub(crate) fn begin_pass(&self) {
        let (api_calls, retries, throttled) = self.counters();
        *self.pass.lock().unwrap_or_else(|p| p.into_inner()) = Pass {
            deadline: Deadline::after(self.config.deadline),
            started: Instant::now(),
            api_calls,
            retries,
            throttled,
        };
    }

    pub(crate) fn pass(&self) -> Pass {
        *self.pass.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// What the current pass has cost so far.
    pub(crate) fn spent(&self) -> Spent {
        let pass = self.pass();
        let (api_calls, retries, throttled) = self.counters();
        Spent {
            api_calls: api_calls - pass.api_calls,
            retries: retries - pass.retries,
            throttled: throttled - pass.throttled,
            elapsed: pass.started.elapsed(),
        }
    }

    /// The current pass's deadline.
    pub(crate) fn deadline(&self) -> Deadline {
        self.pass().deadline
    }

    /// Saves what this run learnt for the next boot (the SigV4 fallback).
    /// Never fails the run.
    pub(crate) fn remember(&self) {
        if self.route53.switched_to_sigv4() && self.state.signing_scheme() != Some(Scheme::SigV4) {
            match self.state.save_signing_scheme(Scheme::SigV4) {
                Ok(()) => {
                    info!(state_dir = %self.state.path().display(), "remembered: Route 53 wants SigV4")
                }
                Err(e) => warn!(
                    state_dir = %self.state.path().display(),
                    error = %e,
                    "cannot write the state directory; the next boot will try AWS3-HTTPS first again"
                ),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::Context;
    use aws_sign::{REDACTED, Secret};

    /// The audit of issue 9 item 11: every type that holds a credential,
    /// up to the whole run context, in both Debug forms.
    #[test]
    fn no_debug_output_shows_a_credential() {
        use crate::aws::credentials::{Credentials, Env, Provider};
        use crate::config::Config;
        use crate::run::state::StateDir;
        let (key, token) = (
            "envSecretKeyThatMustNotLeak0000",
            "envSessionTokenThatMustNotLeak00",
        );
        let env = Env {
            access_key_id: Some("AKIDEXAMPLE".into()),
            secret_access_key: Some(Secret::new(key)),
            session_token: Some(Secret::new(token)),
            ..Env::default()
        };
        let creds = Credentials::new_temporary("ASIAEXAMPLE", key, token, None);
        let config = Config::parse("", std::path::Path::new("/none.toml")).unwrap();
        let state = StateDir::locate(Some(std::path::Path::new("/nonexistent")), None);
        let ctx = Context::new(config, env.clone(), state).unwrap();
        let shown = [
            format!("{env:?}{env:#?}"),
            format!("{creds:?}{creds:#?}"),
            format!("{:?}{:#?}", Provider::new(env.clone()), Provider::new(env)),
            format!("{ctx:?}{ctx:#?}"),
        ];
        for text in shown {
            assert!(!text.contains(key) && !text.contains(token), "{text}");
            assert!(text.contains(REDACTED), "{text}");
        }
    }
}
