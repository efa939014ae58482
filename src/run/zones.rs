//! Hosted zones given by name, resolved once per run with
//! ListHostedZonesByName. A public and a private zone may share a name:
//! `private = true/false` picks one; without it that is an error.

use crate::aws::retry::Deadline;
use crate::config::ZoneRef;
use crate::dns::name::DnsName;
use crate::route53::Route53;
use crate::run::error::Error;
use std::collections::HashMap;
use tracing::info;

/// How many zones one lookup reads: all zones of one name sort together.
const LOOKUP_PAGE: u32 = 10;

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Zone {
    pub id: String,
    /// Known when the zone was given by name.
    pub name: Option<DnsName>,
}

#[derive(Debug, Default)]
pub(crate) struct Zones {
    resolved: HashMap<ZoneRef, Zone>,
}

impl Zones {
    pub(crate) fn new() -> Self {
        Zones::default()
    }

    pub(crate) async fn resolve(
        &mut self,
        route53: &Route53,
        zone: &ZoneRef,
        deadline: Deadline,
    ) -> Result<Zone, Error> {
        if let Some(z) = self.resolved.get(zone) {
            return Ok(z.clone());
        }
        let resolved = match zone {
            ZoneRef::Id(id) => Zone {
                id: id.clone(),
                name: None,
            },
            ZoneRef::Name { name, private } => {
                let found = route53
                    .hosted_zones_by_name(name, LOOKUP_PAGE, deadline)
                    .await?;
                let matching: Vec<_> = found
                    .into_iter()
                    .filter(|z| &z.name == name && private.is_none_or(|p| z.private == p))
                    .collect();
                match matching.as_slice() {
                    [one] => {
                        info!(zone = %name, id = %one.id, private = one.private, "resolved hosted zone");
                        Zone {
                            id: one.id.clone(),
                            name: Some(name.clone()),
                        }
                    }
                    [] => {
                        return Err(Error::NoSuchZone {
                            zone: zone.to_string(),
                        });
                    }
                    several => {
                        return Err(Error::AmbiguousZone {
                            zone: name.clone(),
                            ids: several
                                .iter()
                                .map(|z| {
                                    format!(
                                        "{} ({})",
                                        z.id,
                                        if z.private { "private" } else { "public" }
                                    )
                                })
                                .collect::<Vec<_>>()
                                .join(", "),
                        });
                    }
                }
            }
        };
        self.resolved.insert(zone.clone(), resolved.clone());
        Ok(resolved)
    }
}
