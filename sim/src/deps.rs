//! The updater's plain data types that the simulator's newer parts use
//! (credentials, timestamps), imported in this one place. No
//! signing code comes from the updater: the signature checks are the
//! simulator's own (`route53::auth`, `sigv4`).

pub(crate) use ec2_dns_updater::credentials::Credentials;
pub(crate) use ec2_dns_updater::timestamp::Timestamp;
