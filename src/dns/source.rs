//! Where a record's value comes from: an IMDS item, which fixes its type.
//!
//! | source | IMDS item | record |
//! |---|---|---|
//! | `public-hostname` (default) | `meta-data/public-hostname` | CNAME |
//! | `public-ipv4` | `meta-data/public-ipv4` | A |
//! | `ipv6` | `meta-data/ipv6` | AAAA |
//! | `local-hostname` | `meta-data/local-hostname` | CNAME |
//! | `local-ipv4` | `meta-data/local-ipv4` | A |

use std::fmt;
use std::net::{Ipv4Addr, Ipv6Addr};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum RecordSource {
    PublicHostname,
    PublicIpv4,
    Ipv6,
    LocalHostname,
    LocalIpv4,
}

pub(crate) const ALL: [RecordSource; 5] = [
    RecordSource::PublicHostname,
    RecordSource::PublicIpv4,
    RecordSource::Ipv6,
    RecordSource::LocalHostname,
    RecordSource::LocalIpv4,
];

impl RecordSource {
    pub fn name(self) -> &'static str {
        match self {
            RecordSource::PublicHostname => "public-hostname",
            RecordSource::PublicIpv4 => "public-ipv4",
            RecordSource::Ipv6 => "ipv6",
            RecordSource::LocalHostname => "local-hostname",
            RecordSource::LocalIpv4 => "local-ipv4",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        ALL.into_iter().find(|s| s.name() == text)
    }

    pub fn metadata_path(self) -> String {
        format!("meta-data/{}", self.name())
    }

    /// The record type this source writes.
    pub fn rtype(self) -> &'static str {
        match self {
            RecordSource::PublicHostname | RecordSource::LocalHostname => "CNAME",
            RecordSource::PublicIpv4 | RecordSource::LocalIpv4 => "A",
            RecordSource::Ipv6 => "AAAA",
        }
    }

    /// Why IMDS may have nothing for this source.
    pub fn absent_because(self) -> &'static str {
        match self {
            RecordSource::PublicHostname => {
                "no public IPv4 address, or the VPC has DNS hostnames disabled (enableDnsHostnames)"
            }
            RecordSource::PublicIpv4 => "no public IPv4 or Elastic IP address",
            RecordSource::Ipv6 => "no IPv6 address on the primary network interface",
            RecordSource::LocalHostname => "no private DNS name",
            RecordSource::LocalIpv4 => "no private IPv4 address (IPv6-only subnet)",
        }
    }

    /// Checks that an IMDS value fits the record type; returns it normalized.
    pub fn validate(self, value: &str) -> Option<String> {
        let value = value.trim();
        match self.rtype() {
            "A" => value.parse::<Ipv4Addr>().ok().map(|a| a.to_string()),
            "AAAA" => value.parse::<Ipv6Addr>().ok().map(|a| a.to_string()),
            _ => crate::dns::name::DnsName::parse(value)
                .ok()
                .map(|n| n.relative().to_owned()),
        }
    }
}

impl fmt::Display for RecordSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_values_are_checked() {
        for s in ALL {
            assert_eq!(RecordSource::parse(s.name()), Some(s));
        }
        assert_eq!(RecordSource::parse("hostname"), None);
        assert_eq!(
            RecordSource::PublicIpv4
                .validate("203.0.113.25\n")
                .as_deref(),
            Some("203.0.113.25")
        );
        assert_eq!(RecordSource::PublicIpv4.validate("ec2-1.example"), None);
        assert_eq!(
            RecordSource::Ipv6.validate("2001:DB8::1").as_deref(),
            Some("2001:db8::1")
        );
        assert_eq!(
            RecordSource::PublicHostname
                .validate("EC2-203-0-113-25.compute-1.amazonaws.com")
                .as_deref(),
            Some("ec2-203-0-113-25.compute-1.amazonaws.com")
        );
        assert_eq!(RecordSource::PublicHostname.validate("not a name"), None);
    }
}
