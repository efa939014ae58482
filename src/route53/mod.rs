//! Route 53 on top of the signed AWS client: the typed operations this
//! program calls (`Route53`), the XML models (`xml`) and the INSYNC wait
//! (`wait`).

#[cfg(test)]
mod client_tests;
pub(crate) mod wait;
pub mod xml;

use crate::aws::client::{AwsClient, CallError, Operation};
use crate::aws::retry::Deadline;
use crate::dns::name::DnsName;
use crate::dns::record::{Change, Existing};
use aws_sign::sign::sigv4::uri_encode;
use reqwest::Method;
use xml::{ChangeInfo, HostedZone};

pub(crate) const API_VERSION: &str = "2013-04-01";
/// The service name Route 53 requests are signed for.
pub(crate) const SERVICE: &str = "route53";
/// A listing of every type at one name reads this many sets.
const TYPES_PER_NAME: u32 = 8;
/// Later pages at one name (routing-policy sets: up to 100 per type).
const PAGE_AT_NAME: u32 = 100;
/// At most this many pages at one name.
const MAX_PAGES_PER_NAME: u32 = 10;

/// The Route 53 operations this program calls.
pub(crate) const LIST_RESOURCE_RECORD_SETS: Operation = Operation("ListResourceRecordSets");
pub(crate) const CHANGE_RESOURCE_RECORD_SETS: Operation = Operation("ChangeResourceRecordSets");
pub(crate) const GET_CHANGE: Operation = Operation("GetChange");
pub(crate) const LIST_HOSTED_ZONES_BY_NAME: Operation = Operation("ListHostedZonesByName");

/// A failed Route 53 operation: a failed call, or a change that did not
/// reach INSYNC in time.
#[derive(Debug, thiserror::Error)]
pub(crate) enum Route53Error {
    #[error(transparent)]
    Call(#[from] CallError),
    #[error("change {change_id} was applied but is still PENDING after {waited_secs}s ({limit})")]
    NotInSync {
        change_id: String,
        waited_secs: u64,
        /// What ended the wait: `route53.wait_timeout` or `deadline`.
        limit: &'static str,
    },
}

impl Route53Error {
    /// The AWS error code behind this error, if there is one.
    pub(crate) fn code(&self) -> Option<&str> {
        match self {
            Route53Error::Call(e) => e.code(),
            Route53Error::NotInSync { .. } => None,
        }
    }
}

/// Route 53's operations, each one or a few signed calls.
#[derive(Debug)]
pub(crate) struct Route53 {
    client: AwsClient,
}

impl Route53 {
    pub(crate) fn new(client: AwsClient) -> Self {
        Route53 { client }
    }

    /// The signed client underneath (counters, scheme).
    pub(crate) fn client(&self) -> &AwsClient {
        &self.client
    }

    /// True when `auto` moved to SigV4 during this run and SigV4 then worked.
    pub(crate) fn switched_to_sigv4(&self) -> bool {
        self.client.switched_to_sigv4()
    }

    /// HTTP requests sent so far.
    pub(crate) fn calls(&self) -> u32 {
        self.client.calls()
    }

    /// Backoff sleeps taken so far.
    pub(crate) fn retries(&self) -> u32 {
        self.client.retries()
    }

    /// The record sets at exactly `name` (and `rtype`, when given), read
    /// with small listings: `maxitems=1` for one type; for every type, one
    /// page of [`TYPES_PER_NAME`], and further pages only while the listing
    /// is still at `name` (many types or routing-policy sets). Never the
    /// whole zone; entries at later names are skipped unread.
    pub(crate) async fn records_at(
        &self,
        zone: &str,
        name: &DnsName,
        rtype: Option<&str>,
        deadline: Deadline,
    ) -> Result<Vec<Existing>, Route53Error> {
        let op = LIST_RESOURCE_RECORD_SETS;
        let base = format!(
            "/{API_VERSION}/hostedzone/{zone}/rrset?name={}",
            uri_encode(name.as_str())
        );
        let mut path = match rtype {
            Some(t) => format!("{base}&type={}&maxitems=1", uri_encode(t)),
            None => format!("{base}&maxitems={TYPES_PER_NAME}"),
        };
        let mut found = Vec::new();
        for page in 1.. {
            let answer = self
                .client
                .send(op, Method::GET, &path, None, deadline)
                .await?;
            let listing = xml::parse_list(&answer.body, name).map_err(|e| malformed(op, e))?;
            found.extend(
                listing
                    .sets
                    .into_iter()
                    .filter(|s| rtype.is_none_or(|r| r == s.rtype())),
            );
            match listing.next_at_name {
                Some(next) if rtype.is_none() && page < MAX_PAGES_PER_NAME => {
                    path = format!(
                        "{base}&type={}&maxitems={PAGE_AT_NAME}",
                        uri_encode(&next.rtype)
                    );
                    if let Some(id) = next.identifier {
                        path.push_str(&format!("&identifier={}", uri_encode(&id)));
                    }
                }
                Some(_) if rtype.is_none() => {
                    return Err(malformed(
                        op,
                        xml::XmlError::new(format!(
                            "{name} holds more than {} record sets",
                            TYPES_PER_NAME + (MAX_PAGES_PER_NAME - 1) * PAGE_AT_NAME
                        )),
                    ));
                }
                _ => break,
            }
        }
        Ok(found)
    }

    /// Submits one atomic batch.
    pub(crate) async fn change(
        &self,
        zone: &str,
        comment: Option<&str>,
        changes: &[Change],
        deadline: Deadline,
    ) -> Result<ChangeInfo, Route53Error> {
        let op = CHANGE_RESOURCE_RECORD_SETS;
        let path = format!("/{API_VERSION}/hostedzone/{zone}/rrset/");
        let body = xml::change_batch(comment, changes);
        let answer = self
            .client
            .send(op, Method::POST, &path, Some(&body), deadline)
            .await?;
        xml::parse_change_info(&answer.body, "ChangeResourceRecordSetsResponse")
            .map_err(|e| malformed(op, e))
    }

    /// Where a change stands (`PENDING` or `INSYNC`).
    pub(crate) async fn get_change(
        &self,
        id: &str,
        deadline: Deadline,
    ) -> Result<ChangeInfo, Route53Error> {
        let op = GET_CHANGE;
        let path = format!("/{API_VERSION}/change/{id}");
        let answer = self
            .client
            .send(op, Method::GET, &path, None, deadline)
            .await?;
        xml::parse_change_info(&answer.body, "GetChangeResponse").map_err(|e| malformed(op, e))
    }

    /// Zones whose name sorts at or after `name`, first page.
    pub(crate) async fn hosted_zones_by_name(
        &self,
        name: &DnsName,
        max_items: u32,
        deadline: Deadline,
    ) -> Result<Vec<HostedZone>, Route53Error> {
        let op = LIST_HOSTED_ZONES_BY_NAME;
        let path = format!(
            "/{API_VERSION}/hostedzonesbyname?dnsname={}&maxitems={max_items}",
            uri_encode(name.as_str())
        );
        let answer = self
            .client
            .send(op, Method::GET, &path, None, deadline)
            .await?;
        xml::parse_hosted_zones(&answer.body).map_err(|e| malformed(op, e))
    }
}

fn malformed(op: Operation, e: xml::XmlError) -> Route53Error {
    Route53Error::Call(CallError::Malformed {
        op,
        reason: e.to_string(),
    })
}
