//! ec2-dns-updater: gives an EC2 instance a stable DNS name.
pub mod credentials;
pub mod secret;
pub mod sign;
pub mod timestamp;
