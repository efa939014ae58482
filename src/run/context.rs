//! Everything a run needs, built once: the config, the two HTTP clients,
//! the IMDS session, the credential chain, the Route 53 client and the state
//! directory. A run is one or more passes (watch mode); each pass has its own
//! deadline and its own counters for the summary line.

use crate::aws::client::{AwsClient, ClientSettings, Endpoint, SigningMode, starting_scheme};
use crate::aws::credentials::{CredentialSource, Env, Provider};
use crate::aws::http;
use crate::aws::imds::Imds;
use crate::aws::retry::Deadline;
use crate::config::Config;
use crate::route53::{self, Route53};
use crate::run::error::Error;
use crate::run::outcome::Spent;
use crate::run::state::StateDir;
use aws_sign::sign::Scheme;
use std::sync::{Arc, Mutex};
use tokio::time::Instant;
use tracing::{info, warn};

/// Where the current pass started: its deadline and the counters' values then.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Pass {
    pub deadline: Deadline,
    pub started: Instant,
    pub api_calls: u32,
    pub retries: u32,
}

#[derive(Debug)]
pub(crate) struct Context {
    pub config: Config,
    pub imds: Arc<Imds>,
    pub credentials: Arc<Provider>,
    pub route53: Route53,
    pub state: StateDir,
    pass: Mutex<Pass>,
}

impl Context {
    pub(crate) fn new(config: Config, env: Env, state: StateDir) -> Result<Self, Error> {
        let imds = Arc::new(Imds::new(
            http::imds_client()?,
            &config.imds.endpoint,
            config.imds.v1_fallback,
            config.imds.wait_timeout,
        ));
        let credentials = Arc::new(Provider::new(env));
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
        let route53 = Route53::new(AwsClient::new(
            http::route53_client(config.route53.ca_bundle.as_deref())?,
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
            CredentialSource::new(credentials.clone(), imds.clone()),
        ));
        let pass = Mutex::new(Pass {
            deadline: Deadline::after(config.deadline),
            started: Instant::now(),
            api_calls: 0,
            retries: 0,
        });
        Ok(Context {
            config,
            imds,
            credentials,
            route53,
            state,
            pass,
        })
    }

    /// Starts a new pass: a fresh deadline, counters from here.
    pub(crate) fn begin_pass(&self) {
        *self.pass.lock().unwrap_or_else(|p| p.into_inner()) = Pass {
            deadline: Deadline::after(self.config.deadline),
            started: Instant::now(),
            api_calls: self.route53.calls(),
            retries: self.route53.retries(),
        };
    }

    pub(crate) fn pass(&self) -> Pass {
        *self.pass.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// What the current pass has cost so far.
    pub(crate) fn spent(&self) -> Spent {
        let pass = self.pass();
        Spent {
            api_calls: self.route53.calls() - pass.api_calls,
            retries: self.route53.retries() - pass.retries,
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
