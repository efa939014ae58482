//! The four operations, once a request is authenticated and allowed:
//! ListResourceRecordSets, ChangeResourceRecordSets, GetChange and
//! ListHostedZonesByName. Each returns the XML body of a 200 answer or an
//! [`ApiError`].

use super::error::ApiError;
use super::xml::{self, ChangeInfo, RECORD_TYPES, ZoneSummary};
use super::zone::reversed_labels;
use super::{ChangedRecord, SubmittedChange};
use crate::http::{query_param, random_upper};
use crate::log::lock;
use crate::record::normalize_name;
use crate::state::State;
use std::time::Instant;

/// ListResourceRecordSets answers at most this many (and by default).
const MAX_RRSET_ITEMS: usize = 300;
/// ListHostedZonesByName answers at most this many (and by default).
const MAX_ZONE_ITEMS: usize = 100;

/// Parses `maxitems`: default and ceiling `max`; 0 or not a number is invalid.
fn max_items(query: &str, max: usize) -> Result<usize, ApiError> {
    match query_param(query, "maxitems") {
        None => Ok(max),
        Some(text) => match text.trim().parse::<usize>() {
            Ok(0) | Err(_) => Err(ApiError::invalid_input(format!(
                "1 validation error detected: Value '{text}' at 'maxItems' failed to satisfy constraint: Member must be a positive integer"
            ))),
            Ok(n) => Ok(n.min(max)),
        },
    }
}

pub(crate) fn list_resource_record_sets(
    state: &State,
    zone_id: &str,
    query: &str,
) -> Result<String, ApiError> {
    let max = max_items(query, MAX_RRSET_ITEMS)?;
    let name =
        match query_param(query, "name") {
            Some(raw) => Some(normalize_name(&raw).ok_or_else(|| {
                ApiError::new(400, "InvalidInput", format!("Invalid name: '{raw}'"))
            })?),
            None => None,
        };
    let rtype = query_param(query, "type");
    let identifier = query_param(query, "identifier");
    if identifier.is_some() && rtype.is_none() {
        return Err(ApiError::invalid_input(
            "The input is not valid: identifier was specified without type",
        ));
    }
    if let Some(t) = &rtype {
        if name.is_none() {
            return Err(ApiError::invalid_input(
                "The input is not valid: type was specified without name",
            ));
        }
        if !RECORD_TYPES.contains(&t.as_str()) {
            return Err(ApiError::invalid_input(format!(
                "1 validation error detected: Value '{t}' at 'startRecordType' failed to satisfy constraint: Member must satisfy enum value set: [{}]",
                RECORD_TYPES.join(", ")
            )));
        }
    }
    let store = lock(&state.route53.store);
    let zone = store
        .zones
        .get(zone_id)
        .ok_or_else(|| ApiError::no_such_hosted_zone(zone_id))?;
    let (page, next) = zone.list(
        name.as_deref(),
        rtype.as_deref(),
        identifier.as_deref(),
        max,
    );
    drop(store);
    Ok(xml::list_rrsets_response(
        &page,
        next.as_ref()
            .map(|(n, t, i)| (n.as_str(), t.as_str(), i.as_deref())),
        max,
    ))
}

pub(crate) fn change_resource_record_sets(
    state: &State,
    zone_id: &str,
    body: &[u8],
) -> Result<String, ApiError> {
    if !lock(&state.route53.store).zones.contains_key(zone_id) {
        return Err(ApiError::no_such_hosted_zone(zone_id));
    }
    let batch = xml::parse_change_batch(body)?;
    if let Some(limiter) = &state.route53.limiter
        && !limiter.allow_changes(batch.cost())
    {
        state.recorder.count(|s| s.throttled += 1);
        return Err(ApiError::throttling());
    }
    let id = format!("C{}", random_upper(20));
    let submitted_at = state.clock.rfc3339_millis();
    let config = &state.config.route53;
    let propagation = {
        let mut store = lock(&state.route53.store);
        let zone = store
            .zones
            .get_mut(zone_id)
            .ok_or_else(|| ApiError::no_such_hosted_zone(zone_id))?;
        zone.apply(&batch.changes)
            .map_err(ApiError::invalid_change_batch)?;
        let propagation = store.draw_propagation(config.propagation, config.propagation_max);
        let records = batch
            .changes
            .iter()
            .map(|c| ChangedRecord {
                action: c.action.name().to_owned(),
                name: normalize_name(&c.set.name).unwrap_or_else(|| c.set.name.to_lowercase()),
                rtype: c.set.rtype.clone(),
            })
            .collect();
        store.changes.insert(
            id.clone(),
            SubmittedChange {
                id: id.clone(),
                zone_id: zone_id.to_owned(),
                submitted_at: submitted_at.clone(),
                at: Instant::now(),
                propagation,
                comment: batch.comment.clone(),
                records,
            },
        );
        propagation
    };
    state.recorder.count(|s| s.changes_applied += 1);
    tracing::debug!(zone = zone_id, change = %id, changes = batch.changes.len(), "change applied");
    Ok(xml::change_info_response(
        "ChangeResourceRecordSetsResponse",
        &ChangeInfo {
            id: &id,
            // Route 53 always answers PENDING; a change with no propagation
            // is INSYNC at once here, so tests that are not about the wait
            // need no GetChange.
            status: if propagation.is_zero() {
                "INSYNC"
            } else {
                "PENDING"
            },
            submitted_at: &submitted_at,
            comment: batch.comment.as_deref(),
        },
    ))
}

pub(crate) fn get_change(state: &State, change_id: &str) -> Result<String, ApiError> {
    let (insync, submitted_at, comment) = {
        let store = lock(&state.route53.store);
        let record = store
            .changes
            .get(change_id)
            .ok_or_else(|| ApiError::no_such_change(change_id))?;
        (
            record.is_insync_at(Instant::now()),
            record.submitted_at.clone(),
            record.comment.clone(),
        )
    };
    Ok(xml::change_info_response(
        "GetChangeResponse",
        &ChangeInfo {
            id: change_id,
            status: if insync { "INSYNC" } else { "PENDING" },
            submitted_at: &submitted_at,
            comment: comment.as_deref(),
        },
    ))
}

pub(crate) fn list_hosted_zones_by_name(state: &State, query: &str) -> Result<String, ApiError> {
    let max = max_items(query, MAX_ZONE_ITEMS)?;
    let dns_name = match query_param(query, "dnsname") {
        Some(raw) => Some(normalize_name(&raw).ok_or_else(|| {
            ApiError::new(
                400,
                "InvalidDomainName",
                format!("Invalid DNS name: '{raw}'"),
            )
        })?),
        None => None,
    };
    let zone_id = query_param(query, "hostedzoneid");
    if zone_id.is_some() && dns_name.is_none() {
        return Err(ApiError::invalid_input(
            "The input is not valid: hostedzoneid was specified without dnsname",
        ));
    }
    let mut zones: Vec<(Vec<String>, ZoneSummary)> = lock(&state.route53.store)
        .zones
        .values()
        .map(|z| {
            (
                reversed_labels(&z.name),
                ZoneSummary {
                    id: z.id.clone(),
                    name: z.name.clone(),
                    private: z.private,
                    record_count: z.len(),
                },
            )
        })
        .collect();
    zones.sort_by(|a, b| a.0.cmp(&b.0).then_with(|| a.1.id.cmp(&b.1.id)));
    let start = dns_name
        .as_deref()
        .map(|n| (reversed_labels(n), zone_id.clone().unwrap_or_default()));
    let mut iter = zones.into_iter().filter(|(labels, summary)| match &start {
        None => true,
        Some((start_labels, start_id)) => (labels, &summary.id) >= (start_labels, start_id),
    });
    let page: Vec<ZoneSummary> = iter.by_ref().take(max).map(|(_, s)| s).collect();
    let next = iter.next().map(|(_, s)| (s.name, s.id));
    Ok(xml::list_zones_by_name_response(
        &page,
        dns_name.as_deref(),
        zone_id.as_deref(),
        next.as_ref().map(|(n, i)| (n.as_str(), i.as_str())),
        max,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn maxitems_parsing() {
        assert_eq!(max_items("", 300).unwrap(), 300);
        assert_eq!(max_items("maxitems=1", 300).unwrap(), 1);
        assert_eq!(max_items("maxitems=5000", 300).unwrap(), 300);
        assert!(max_items("maxitems=0", 300).is_err());
        assert!(max_items("maxitems=-1", 300).is_err());
        assert!(max_items("maxitems=lots", 300).is_err());
    }
}
