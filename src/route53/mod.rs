//! Route 53: the signed client (`client`), the XML models (`xml`) and the
//! INSYNC wait (`wait`).
pub mod client;
pub mod wait;
pub mod xml;

pub use client::{Operation, Route53, Route53Error};
