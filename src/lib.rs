//! ec2-dns-updater gives an EC2 instance a stable DNS name: at boot it reads
//! the instance's public hostname from IMDS, gets credentials, and UPSERTs a
//! Route 53 CNAME, then waits for INSYNC.
//!
//! Data flows one way: config → metadata → credentials → plan → signed
//! requests → outcome.
//!
//! | module | concept |
//! |---|---|
//! | [`cli`], [`app`] | command line; from parsed flags to exit code |
//! | [`config`], [`duration`], [`dns_name`] | the TOML config, validated into checked types |
//! | [`context`] | everything a run needs, built once |
//! | [`imds`] | IMDSv2 session (v1 fallback), metadata reads that wait out boot |
//! | [`credentials`] | the credential chain (env, systemd credential, shared file, instance role) |
//! | [`sign`] | AWS3-HTTPS and SigV4, pure functions |
//! | [`route53`] | signed calls, XML, INSYNC wait |
//! | [`retry`] | the retry policy table, jittered backoff, deadlines |
//! | [`clock`], [`timestamp`] | clock-skew correction; UTC formats |
//! | [`source`], [`template`], [`facts`] | record sources, name templates, what IMDS says |
//! | [`zones`], [`plan`] | zones by name; what to write (overwrite, keep, delete), pure |
//! | [`update`], [`outcome`] | observe → decide → one batch per zone → wait; the summary line |
//! | [`state`], [`metrics`], [`atomic_file`] | what one boot leaves for the next; the node_exporter textfile; replacing a file safely |
//! | [`policy`], [`request`], [`watch`], [`lifecycle`], [`notify`] | the other commands: IAM policy, raw signed requests, long-running mode, reboot detection, sd_notify |
//! | [`http`], [`secret`], [`logging`], [`error`] | HTTP clients, redacted secrets, logs, exit codes |
pub mod app;
pub mod atomic_file;
pub mod cli;
pub mod clock;
pub mod config;
pub mod context;
pub mod credentials;
pub mod dns_name;
pub mod duration;
pub mod error;
pub mod facts;
pub mod http;
pub mod imds;
pub mod lifecycle;
pub mod logging;
pub mod metrics;
pub mod notify;
pub mod outcome;
pub mod plan;
pub mod policy;
pub mod request;
pub mod retry;
pub mod route53;
pub mod source;
pub mod state;
pub mod template;
pub mod update;
pub mod watch;
pub mod zones;

// The signing crate's modules, at the paths the rest of the code uses.
pub use aws_sign::{secret, sign, timestamp};
