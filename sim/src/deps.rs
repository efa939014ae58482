//! The plain data types the simulator shares with the updater (credentials,
//! timestamps), from the leaf crate `aws-sign`, imported in this one place.
//! No signing code comes from there: the signature checks are the
//! simulator's own (`route53::auth`, `sigv4`).

pub(crate) use aws_sign::{Credentials, Timestamp};
