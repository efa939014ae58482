//! ec2-dns-updater gives an EC2 instance a stable DNS name: at boot it reads
//! the instance's public hostname from IMDS, gets credentials, and UPSERTs a
//! Route 53 CNAME, then waits for INSYNC.
//!
//! Data flows one way: config → metadata → credentials → plan → signed
//! requests → outcome. The folders are the layers; a module imports only
//! from its own layer or the layers listed under it (checked by
//! `cargo test --lib layers`; see docs/ARCHITECTURE.md).
//!
//! | layer | may import | concept |
//! |---|---|---|
//! | [`cmd`] | all below | command line (`cli`), one file per command, logging; from parsed flags to exit code |
//! | [`run`] | `config`, `route53`, `aws`, `dns` | context, facts, zones, update, watch, outcome, state, metrics, reports |
//! | [`config`] | `aws`, `dns` | the TOML config, validated into checked types; durations |
//! | [`route53`] | `aws`, `dns` | Route 53's typed operations, XML, INSYNC wait, over the signed client |
//! | [`aws`] | — | the signed client (`AwsClient`), HTTP clients, IMDS, the credential chain, retry and deadlines, clock skew |
//! | [`dns`] | — | names, record sets and changes, sources, templates, the pure planner |
//!
//! Under all of them, the `aws_sign` crate (`crates/aws-sign`): the pure
//! signers, the credential and secret types, timestamps.
#![warn(unreachable_pub, missing_docs, missing_debug_implementations)]
pub mod aws;
pub mod cmd;
pub mod config;
pub mod dns;
pub mod route53;
pub mod run;

#[cfg(test)]
mod layers;

// The signing crate's modules, at the paths the simulator's tests use.
pub use aws_sign::{secret, sign, timestamp};
