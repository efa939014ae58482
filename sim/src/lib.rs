//! ec2-dns-sim: a local simulator of the EC2 instance metadata service (IMDS)
//! and of the Route 53 REST API (2013-04-01), with the two Query API calls
//! the updater's fleet features use (STS AssumeRole, EC2
//! DescribeInstances), for ec2-dns-updater's demo, integration tests and
//! benchmarks.
//!
//! Start one with [`Sim::start`]; point the updater at [`Sim::imds_url`] and
//! [`Sim::route53_url`]; inspect or alter what it holds with [`Sim::record`],
//! [`Sim::put_record`], [`Sim::requests`], [`Sim::changes`], [`Sim::inject`],
//! [`Sim::stats`].
//! Every protocol fact it imitates is in the repository's `docs/PROTOCOL.md`.
//!
//! # Module map
//! | module | concept |
//! |---|---|
//! | [`config`] | [`SimConfig`] and its parts: the instance, the zones, the behaviours; defaults as named constants |
//! | [`sim`] | [`Sim`]: starts both listeners, the handle tests and the binary hold |
//! | `state` | the state both services share (clock, log, stats, faults, keys) |
//! | `clock` | the simulated clock: real time plus a configurable skew |
//! | [`log`] | [`RequestLog`] (every request received) and [`Stats`] |
//! | [`faults`] | [`Fault`]: the queue of injected failures and its text syntax |
//! | [`ratelimit`] | token buckets: account-wide and change-based, as AWS documents since 2026 |
//! | `keys` | the access keys the signed services know: static pairs, role credentials IMDS issued, credentials AssumeRole issued |
//! | [`record`] | [`RecordSet`], a DNS record set as the tests see it |
//! | `imds` | the IMDS service: `tokens` (IMDSv2 sessions), `metadata` (the path tree), `role` (credential issuing and rotation) |
//! | `query` | the STS (AssumeRole) and EC2 (DescribeInstances) Query APIs, `POST /` on the Route 53 listener, told apart by the SigV4 scope's service |
//! | `sigv4` | the simulator's own SigV4 and AWS3-HTTPS arithmetic (canonical request, string to sign, HMAC), independent of the updater's signer |
//! | `deps` | the updater's data types used here (credentials, secrets, timestamps) |
//! | `route53` | the Route 53 service: `operation` (routing), `auth` (AWS3-HTTPS and SigV4 checks), `xml` (request parsing, response writing), `zone` (record store, sort order, change validation), `ops` (the operations), `error` (AWS error answers) |
//! | `control` | the unauthenticated `/_sim/` control API on the Route 53 listener |
//! | `http` | response bodies (including streamed oversized ones), capped body reading, ids |
//! | `server` | listeners: bind now and listen later, accept loop, optional TLS, shutdown |
//! | `tls` | the self-signed CA and leaf certificate for HTTPS (rcgen, rustls with ring) |
//!
//! The binary (`main.rs`, `cli.rs`) only parses options into a [`SimConfig`],
//! starts a [`Sim`], prints the ready line and waits for SIGTERM/SIGINT.
//!
//! Nothing here logs a secret: keys, tokens and signatures never reach a
//! `tracing` event, and every config `Debug` redacts them.

mod clock;
pub mod config;
mod control;
mod deps;
pub mod faults;
mod http;
mod imds;
mod keys;
pub mod log;
mod query;
pub mod ratelimit;
pub mod record;
mod route53;
mod server;
mod sigv4;
pub mod sim;
mod state;
mod tls;

pub use aws_sign::Credentials;
pub use config::{
    AssumableRole, Ec2Config, ImdsConfig, InstanceState, InterruptionAction, IpStack, Propagation,
    PutBehaviour, Route53Config, STATIC_ACCESS_KEY_ID, STATIC_SECRET_ACCESS_KEY, STATIC_USER_ARN,
    SchemeAcceptance, SimConfig, SpotAction, StsConfig, TlsConfig, TokenMode, ZoneAccess,
    ZoneConfig, instance_role_arn,
};
pub use faults::{Fault, FaultKind, FaultTarget};
pub use log::{AuthScheme, RequestLog, Service, Stats};
pub use ratelimit::RateLimit;
pub use record::{AliasTarget, RecordSet};
pub use route53::operation::Operation;
pub use route53::{ChangedRecord, SubmittedChange};
pub use sim::Sim;
