//! Route 53's XML (API version 2013-04-01): the change batch we send and the
//! answers we read. Parsing never panics; a malformed answer is an error that
//! says what was wrong.

pub use crate::aws::client::AwsError;
use crate::dns::name::DnsName;
use crate::dns::record::{Change, Existing, PoolMember, RecordSet, Routing};
use quick_xml::escape::escape;
use quick_xml::events::Event;
use serde::Deserialize;

pub(crate) const NAMESPACE: &str = "https://route53.amazonaws.com/doc/2013-04-01/";

/// `PENDING` or `INSYNC`, with the change id (without `/change/`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChangeInfo {
    /// The change's id, without `/change/`.
    pub id: String,
    /// `INSYNC` (else `PENDING`).
    pub insync: bool,
}

/// One hosted zone from ListHostedZonesByName.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HostedZone {
    /// The zone's id, without `/hostedzone/`.
    pub id: String,
    /// The zone's name.
    pub name: DnsName,
    /// A private zone (attached to VPCs).
    pub private: bool,
}

/// Why an answer could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct XmlError(String);

impl XmlError {
    /// An answer that parsed but cannot be used, for this reason.
    pub(crate) fn new(reason: impl Into<String>) -> Self {
        XmlError(reason.into())
    }
}

/// The `ChangeResourceRecordSetsRequest` body, elements in schema order.
pub(crate) fn change_batch(comment: Option<&str>, changes: &[Change]) -> String {
    let mut xml = String::with_capacity(512);
    xml.push_str(r#"<?xml version="1.0" encoding="UTF-8"?>"#);
    xml.push('\n');
    xml.push_str(&format!(
        r#"<ChangeResourceRecordSetsRequest xmlns="{NAMESPACE}"><ChangeBatch>"#
    ));
    if let Some(c) = comment {
        xml.push_str(&format!("<Comment>{}</Comment>", escape(c)));
    }
    xml.push_str("<Changes>");
    for change in changes {
        let set = &change.set;
        xml.push_str(&format!(
            "<Change><Action>{}</Action><ResourceRecordSet><Name>{}</Name><Type>{}</Type>",
            change.action.as_str(),
            escape(set.name.as_str()),
            escape(set.rtype.as_str()),
        ));
        // Schema order: SetIdentifier, Weight, ..., MultiValueAnswer, TTL,
        // ResourceRecords, ..., HealthCheckId.
        if let Some(member) = &set.pool {
            xml.push_str(&format!(
                "<SetIdentifier>{}</SetIdentifier>",
                escape(member.identifier.as_str())
            ));
            match member.routing {
                Routing::Weighted(w) => xml.push_str(&format!("<Weight>{w}</Weight>")),
                Routing::MultiValue => xml.push_str("<MultiValueAnswer>true</MultiValueAnswer>"),
            }
        }
        xml.push_str(&format!("<TTL>{}</TTL><ResourceRecords>", set.ttl));
        for value in &set.values {
            xml.push_str(&format!(
                "<ResourceRecord><Value>{}</Value></ResourceRecord>",
                escape(value.as_str())
            ));
        }
        xml.push_str("</ResourceRecords>");
        if let Some(hc) = set.pool.as_ref().and_then(|m| m.health_check_id.as_ref()) {
            xml.push_str(&format!(
                "<HealthCheckId>{}</HealthCheckId>",
                escape(hc.as_str())
            ));
        }
        xml.push_str("</ResourceRecordSet></Change>");
    }
    xml.push_str("</Changes></ChangeBatch></ChangeResourceRecordSetsRequest>");
    xml
}

/// The name of the document's root element.
pub fn root_name(body: &str) -> Result<String, XmlError> {
    let mut reader = quick_xml::Reader::from_str(body);
    loop {
        match reader.read_event() {
            Ok(Event::Start(e)) | Ok(Event::Empty(e)) => {
                return Ok(e.local_name().into_inner().to_owned());
            }
            Ok(Event::Eof) => return Err(XmlError("the answer is empty, not XML".into())),
            Ok(Event::Text(t)) if !t.as_ref().trim().is_empty() => {
                return Err(XmlError("the answer is not XML".into()));
            }
            Ok(_) => {}
            Err(e) => return Err(XmlError(format!("the answer is not well-formed XML: {e}"))),
        }
    }
}

fn parse_root<'de, T: Deserialize<'de>>(body: &'de str, root: &str) -> Result<T, XmlError> {
    let found = root_name(body)?;
    if found != root {
        return Err(XmlError(format!("expected a {root} document, got {found}")));
    }
    quick_xml::de::from_str(body).map_err(|e| XmlError(format!("{root} is malformed: {e}")))
}

// ---- ListResourceRecordSets ------------------------------------------------

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct ListResponse {
    resource_record_sets: Option<RawSets>,
    is_truncated: Option<bool>,
    next_record_name: Option<String>,
    next_record_type: Option<String>,
    next_record_identifier: Option<String>,
}

#[derive(Deserialize)]
struct RawSets {
    #[serde(rename = "ResourceRecordSet", default)]
    sets: Vec<RawSet>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct RawSet {
    name: String,
    #[serde(rename = "Type")]
    rtype: String,
    #[serde(rename = "TTL")]
    ttl: Option<u32>,
    resource_records: Option<RawRecords>,
    alias_target: Option<serde::de::IgnoredAny>,
    set_identifier: Option<String>,
    weight: Option<u8>,
    multi_value_answer: Option<bool>,
    health_check_id: Option<String>,
}

#[derive(Deserialize)]
struct RawRecords {
    #[serde(rename = "ResourceRecord", default)]
    records: Vec<RawRecord>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct RawRecord {
    value: String,
}

/// One page of ListResourceRecordSets, seen from one name.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Listing {
    /// The record sets at exactly that name, in order.
    pub sets: Vec<Existing>,
    /// Where the next page starts when it is still at that name (a name with
    /// more sets than one page holds: many types, or routing-policy sets).
    pub next_at_name: Option<NextAtName>,
}

/// `NextRecordType` and `NextRecordIdentifier` of a truncated listing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NextAtName {
    /// `NextRecordType`.
    pub rtype: String,
    /// `NextRecordIdentifier`, for routing-policy sets.
    pub identifier: Option<String>,
}

/// The record sets at `name` in one ListResourceRecordSets page.
///
/// A listing starts at a name and runs on into later names, which can hold
/// anything Route 53 accepts (RFC 2317 `0/25`, `@`, spaces, all as `\ooo`
/// escapes). Entries at other names are skipped without being judged, so a
/// neighbour this program cannot represent never makes the answer unreadable;
/// only the sets at `name` must be well formed.
pub fn parse_list(body: &str, name: &DnsName) -> Result<Listing, XmlError> {
    let doc: ListResponse = parse_root(body, "ListResourceRecordSetsResponse")?;
    let mut sets = Vec::new();
    for raw in doc.resource_record_sets.map(|s| s.sets).unwrap_or_default() {
        if DnsName::from_route53(raw.name.trim()).ok().as_ref() != Some(name) {
            continue;
        }
        let rtype = raw.rtype.trim().to_owned();
        // Weighted and multivalue members without an alias are pool
        // members; every other routing policy (failover, latency, geo, ...)
        // and every alias stays untouchable.
        let routing = match (raw.weight, raw.multi_value_answer) {
            (Some(w), None) => Some(Routing::Weighted(w)),
            (None, Some(true)) => Some(Routing::MultiValue),
            _ => None,
        };
        let kind = if raw.alias_target.is_some() {
            Some("an alias record")
        } else if raw.set_identifier.is_some() && routing.is_none() {
            Some("a routing-policy record (it has a SetIdentifier)")
        } else {
            None
        };
        let pool = match (raw.set_identifier, routing) {
            (Some(identifier), Some(routing)) => Some(PoolMember {
                identifier,
                routing,
                health_check_id: raw.health_check_id,
            }),
            _ => None,
        };
        let member = pool.is_some();
        sets.push(match kind {
            Some(kind) => Existing::Special {
                name: name.clone(),
                rtype,
                kind,
            },
            None => {
                let set = RecordSet {
                    name: name.clone(),
                    rtype,
                    ttl: raw
                        .ttl
                        .ok_or_else(|| XmlError(format!("record {} has no TTL", raw.name)))?,
                    values: raw
                        .resource_records
                        .map(|r| r.records.into_iter().map(|v| v.value).collect())
                        .unwrap_or_default(),
                    pool,
                };
                if member {
                    Existing::Member(set)
                } else {
                    Existing::Simple(set)
                }
            }
        });
    }
    let same_name = doc
        .next_record_name
        .as_deref()
        .and_then(|n| DnsName::from_route53(n.trim()).ok())
        .as_ref()
        == Some(name);
    let next_at_name = match (doc.is_truncated, same_name, doc.next_record_type) {
        (Some(true), true, Some(rtype)) => Some(NextAtName {
            rtype: rtype.trim().to_owned(),
            identifier: doc.next_record_identifier,
        }),
        _ => None,
    };
    Ok(Listing { sets, next_at_name })
}

// ---- ChangeResourceRecordSets / GetChange -----------------------------------

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct ChangeInfoResponse {
    change_info: RawChangeInfo,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct RawChangeInfo {
    id: String,
    status: String,
}

/// The `ChangeInfo` of a ChangeResourceRecordSets or GetChange answer
/// (`root` is the document element expected).
pub fn parse_change_info(body: &str, root: &str) -> Result<ChangeInfo, XmlError> {
    let doc: ChangeInfoResponse = parse_root(body, root)?;
    let id = doc.change_info.id.trim();
    let id = id.strip_prefix("/change/").unwrap_or(id);
    if id.is_empty() || !id.bytes().all(|b| b.is_ascii_alphanumeric()) {
        return Err(XmlError(format!("change id {id:?} is not an id")));
    }
    let insync = match doc.change_info.status.trim() {
        "INSYNC" => true,
        "PENDING" => false,
        other => return Err(XmlError(format!("unknown change status {other:?}"))),
    };
    Ok(ChangeInfo {
        id: id.to_owned(),
        insync,
    })
}

// ---- ListHostedZonesByName --------------------------------------------------

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct ZonesResponse {
    hosted_zones: Option<RawZones>,
}

#[derive(Deserialize)]
struct RawZones {
    #[serde(rename = "HostedZone", default)]
    zones: Vec<RawZone>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct RawZone {
    id: String,
    name: String,
    config: Option<RawZoneConfig>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct RawZoneConfig {
    private_zone: Option<bool>,
}

/// The zones of a ListHostedZonesByName page, in order.
pub fn parse_hosted_zones(body: &str) -> Result<Vec<HostedZone>, XmlError> {
    let doc: ZonesResponse = parse_root(body, "ListHostedZonesByNameResponse")?;
    // Zones whose names are not host names (a reverse zone for an RFC 2317
    // delegation, `0/25.2.0.192.in-addr.arpa`) can never be the zone a
    // record names: skipped, like every other zone that does not match.
    Ok(doc
        .hosted_zones
        .map(|z| z.zones)
        .unwrap_or_default()
        .into_iter()
        .filter_map(|z| {
            let id = z.id.trim();
            Some(HostedZone {
                id: id.strip_prefix("/hostedzone/").unwrap_or(id).to_owned(),
                name: DnsName::from_route53(z.name.trim()).ok()?,
                private: z.config.and_then(|c| c.private_zone).unwrap_or(false),
            })
        })
        .collect())
}

// ---- errors -----------------------------------------------------------------

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct ErrorResponse {
    error: Option<RawError>,
    request_id: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct RawError {
    code: Option<String>,
    message: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct InvalidChangeBatchDoc {
    messages: Option<RawMessages>,
    message: Option<String>,
    request_id: Option<String>,
}

#[derive(Deserialize)]
struct RawMessages {
    #[serde(rename = "Message", default)]
    messages: Vec<String>,
}

/// Reads an error answer. A body that is not one of Route 53's error
/// documents (a proxy's HTML page, say) gives an `AwsError` without a code
/// whose message is a short, printable excerpt.
pub fn parse_error(body: &str) -> AwsError {
    match root_name(body).as_deref() {
        Ok("ErrorResponse") => {
            if let Ok(doc) = quick_xml::de::from_str::<ErrorResponse>(body) {
                let (code, message) = doc
                    .error
                    .map(|e| (e.code, e.message.unwrap_or_default()))
                    .unwrap_or_default();
                return AwsError {
                    code: code.map(|c| c.trim().to_owned()),
                    message: message.trim().to_owned(),
                    request_id: doc.request_id,
                };
            }
        }
        Ok("InvalidChangeBatch") => {
            if let Ok(doc) = quick_xml::de::from_str::<InvalidChangeBatchDoc>(body) {
                let mut messages = doc.messages.map(|m| m.messages).unwrap_or_default();
                messages.extend(doc.message);
                return AwsError {
                    code: Some("InvalidChangeBatch".into()),
                    message: messages.join("; "),
                    request_id: doc.request_id,
                };
            }
        }
        _ => {}
    }
    AwsError {
        code: None,
        message: excerpt(body),
        request_id: None,
    }
}

/// The first 200 printable characters of a body, on one line.
fn excerpt(body: &str) -> String {
    let cleaned: String = body
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .take(200)
        .collect();
    let cleaned = cleaned.split_whitespace().collect::<Vec<_>>().join(" ");
    if cleaned.is_empty() {
        "(empty body)".into()
    } else {
        cleaned
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dns::record::ChangeAction;

    fn set(name: &str, value: &str) -> RecordSet {
        RecordSet {
            name: DnsName::parse(name).unwrap(),
            rtype: "CNAME".into(),
            ttl: 60,
            values: vec![value.into()],
            pool: None,
        }
    }

    #[test]
    fn change_batch_matches_the_documented_body() {
        // The body botocore signed in vectors/route53_signing.json.
        let xml = change_batch(
            None,
            &[Change {
                action: ChangeAction::Upsert,
                set: set(
                    "web.example.com",
                    "ec2-203-0-113-25.compute-1.amazonaws.com",
                ),
            }],
        );
        assert_eq!(
            xml,
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<ChangeResourceRecordSetsRequest xmlns=\"https://route53.amazonaws.com/doc/2013-04-01/\"><ChangeBatch><Changes><Change><Action>UPSERT</Action><ResourceRecordSet><Name>web.example.com.</Name><Type>CNAME</Type><TTL>60</TTL><ResourceRecords><ResourceRecord><Value>ec2-203-0-113-25.compute-1.amazonaws.com</Value></ResourceRecord></ResourceRecords></ResourceRecordSet></Change></Changes></ChangeBatch></ChangeResourceRecordSetsRequest>"
        );
        let with_comment = change_batch(Some("a <b> & c"), &[]);
        assert!(with_comment.contains("<Comment>a &lt;b&gt; &amp; c</Comment>"));
    }

    #[test]
    fn parses_listings() {
        let body = format!(
            r#"<?xml version="1.0"?>
<ListResourceRecordSetsResponse xmlns="{NAMESPACE}"><ResourceRecordSets>
<ResourceRecordSet><Name>web.example.com.</Name><Type>CNAME</Type><TTL>300</TTL><ResourceRecords><ResourceRecord><Value>old.example.net</Value></ResourceRecord></ResourceRecords></ResourceRecordSet>
<ResourceRecordSet><Name>\052.example.com.</Name><Type>A</Type><AliasTarget><HostedZoneId>Z2</HostedZoneId><DNSName>lb.example.net.</DNSName><EvaluateTargetHealth>false</EvaluateTargetHealth></AliasTarget></ResourceRecordSet>
<ResourceRecordSet><Name>w.example.com.</Name><Type>A</Type><SetIdentifier>one</SetIdentifier><Weight>1</Weight><TTL>60</TTL><ResourceRecords><ResourceRecord><Value>192.0.2.1</Value></ResourceRecord><ResourceRecord><Value>192.0.2.2</Value></ResourceRecord></ResourceRecords></ResourceRecordSet>
</ResourceRecordSets><IsTruncated>true</IsTruncated><NextRecordName>x.example.com.</NextRecordName><NextRecordType>A</NextRecordType><MaxItems>3</MaxItems></ListResourceRecordSetsResponse>"#
        );
        let at = |n: &str| parse_list(&body, &DnsName::parse(n).unwrap()).unwrap();
        let web = at("web.example.com");
        let mut expected = set("web.example.com", "old.example.net");
        expected.ttl = 300;
        assert_eq!(web.sets, vec![Existing::Simple(expected)]);
        assert_eq!(web.next_at_name, None);
        let wild = at("*.example.com").sets;
        assert!(
            matches!(&wild[..], [Existing::Special { kind: "an alias record", name, .. }] if name.as_str() == "*.example.com.")
        );
        // A weighted set is a pool member, with its identifier and weight.
        assert!(matches!(
            &at("w.example.com").sets[..],
            [Existing::Member(RecordSet { pool: Some(PoolMember { identifier, routing: Routing::Weighted(1), .. }), values, .. })]
                if identifier == "one" && values.len() == 2
        ));
        assert_eq!(
            at("x.example.com").next_at_name,
            Some(NextAtName {
                rtype: "A".into(),
                identifier: None
            })
        );
        let empty = format!(
            r#"<ListResourceRecordSetsResponse xmlns="{NAMESPACE}"><ResourceRecordSets/><IsTruncated>false</IsTruncated><MaxItems>1</MaxItems></ListResourceRecordSetsResponse>"#
        );
        assert_eq!(at("web.example.com"), at("web.example.com"));
        assert_eq!(
            parse_list(&empty, &DnsName::parse("web.example.com").unwrap()).unwrap(),
            Listing::default()
        );
    }

    #[test]
    fn neighbours_that_are_not_host_names_are_skipped() {
        // After the target: an RFC 2317 delegation, a label with '@', one with
        // a space, a TXT without TTL we cannot judge. None is the target.
        let body = format!(
            r#"<ListResourceRecordSetsResponse xmlns="{NAMESPACE}"><ResourceRecordSets>
<ResourceRecordSet><Name>web.example.com.</Name><Type>A</Type><TTL>60</TTL><ResourceRecords><ResourceRecord><Value>192.0.2.1</Value></ResourceRecord></ResourceRecords></ResourceRecordSet>
<ResourceRecordSet><Name>xa\05725.example.com.</Name><Type>CNAME</Type><TTL>60</TTL><ResourceRecords><ResourceRecord><Value>x</Value></ResourceRecord></ResourceRecords></ResourceRecordSet>
<ResourceRecordSet><Name>a\100b.example.com.</Name><Type>TXT</Type></ResourceRecordSet>
<ResourceRecordSet><Name>a\040b.example.com.</Name><Type>TXT</Type><TTL>60</TTL></ResourceRecordSet>
</ResourceRecordSets><IsTruncated>true</IsTruncated><NextRecordName>z\057.example.com.</NextRecordName><NextRecordType>A</NextRecordType><MaxItems>4</MaxItems></ListResourceRecordSetsResponse>"#
        );
        let web = parse_list(&body, &DnsName::parse("web.example.com").unwrap()).unwrap();
        assert_eq!(web.sets.len(), 1);
        assert_eq!(web.next_at_name, None);
        // The same page seen from a name that is not in it: nothing, no error.
        let other = parse_list(&body, &DnsName::parse("v.example.com").unwrap()).unwrap();
        assert_eq!(other, Listing::default());
        // A zone listing with a classless reverse zone beside the one asked for.
        let zones = format!(
            r#"<ListHostedZonesByNameResponse xmlns="{NAMESPACE}"><HostedZones>
<HostedZone><Id>/hostedzone/Z1</Id><Name>0\05725.2.0.192.in-addr.arpa.</Name><Config><PrivateZone>false</PrivateZone></Config></HostedZone>
<HostedZone><Id>/hostedzone/Z2</Id><Name>example.com.</Name><Config><PrivateZone>false</PrivateZone></Config></HostedZone>
</HostedZones></ListHostedZonesByNameResponse>"#
        );
        let zones = parse_hosted_zones(&zones).unwrap();
        assert_eq!(zones.len(), 1);
        assert_eq!(zones[0].id, "Z2");
    }

    #[test]
    fn parses_change_info() {
        let body = format!(
            r#"<?xml version="1.0" encoding="UTF-8"?><ChangeResourceRecordSetsResponse xmlns="{NAMESPACE}"><ChangeInfo><Id>/change/C2682N5HXP0BZ4</Id><Status>PENDING</Status><SubmittedAt>2026-11-23T09:05:07.000Z</SubmittedAt></ChangeInfo></ChangeResourceRecordSetsResponse>"#
        );
        let info = parse_change_info(&body, "ChangeResourceRecordSetsResponse").unwrap();
        assert_eq!(
            info,
            ChangeInfo {
                id: "C2682N5HXP0BZ4".into(),
                insync: false
            }
        );
        let e = parse_change_info(&body, "GetChangeResponse")
            .unwrap_err()
            .to_string();
        assert!(e.contains("expected a GetChangeResponse"), "{e}");
        let insync = body
            .replace("PENDING", "INSYNC")
            .replace("ChangeResourceRecordSetsResponse", "GetChangeResponse");
        assert!(
            parse_change_info(&insync, "GetChangeResponse")
                .unwrap()
                .insync
        );
        let odd = body.replace("PENDING", "DONE");
        assert!(parse_change_info(&odd, "ChangeResourceRecordSetsResponse").is_err());
    }

    #[test]
    fn parses_errors() {
        let body = format!(
            r#"<?xml version="1.0"?><ErrorResponse xmlns="{NAMESPACE}"><Error><Type>Sender</Type><Code>Throttling</Code><Message>Rate exceeded</Message></Error><RequestId>r-1</RequestId></ErrorResponse>"#
        );
        assert_eq!(
            parse_error(&body),
            AwsError {
                code: Some("Throttling".into()),
                message: "Rate exceeded".into(),
                request_id: Some("r-1".into())
            }
        );
        let batch = format!(
            r#"<?xml version="1.0"?><InvalidChangeBatch xmlns="{NAMESPACE}"><Messages><Message>one</Message><Message>two</Message></Messages><RequestId>r-2</RequestId></InvalidChangeBatch>"#
        );
        let e = parse_error(&batch);
        assert_eq!(e.code.as_deref(), Some("InvalidChangeBatch"));
        assert_eq!(e.message, "one; two");
        let html = parse_error("<html><body>\n\n Bad   Gateway</body></html>");
        assert_eq!(html.code, None);
        assert_eq!(parse_error("").message, "(empty body)");
    }

    #[test]
    fn malformed_answers_are_errors_not_panics() {
        for body in [
            "",
            "garbage",
            "<ListResourceRecordSetsResponse>",
            "<ListResourceRecordSetsResponse><ResourceRecordSets><ResourceRecordSet><Name>x</Name></ResourceRecordSet></ResourceRecordSets></ListResourceRecordSetsResponse>",
            "<ListResourceRecordSetsResponse><ResourceRecordSets><ResourceRecordSet><Name>a.</Name><Type>A</Type></ResourceRecordSet></ResourceRecordSets></ListResourceRecordSetsResponse>",
            "<ListResourceRecordSetsResponse><ResourceRecordSets><ResourceRecordSet><Name>a.</Name><Type>A</Type><TTL>-1</TTL></ResourceRecordSet></ResourceRecordSets></ListResourceRecordSetsResponse>",
        ] {
            assert!(
                parse_list(body, &DnsName::parse("a").unwrap()).is_err(),
                "{body:?}"
            );
        }
        assert!(parse_change_info("<GetChangeResponse><ChangeInfo><Id>/change/../x</Id><Status>INSYNC</Status></ChangeInfo></GetChangeResponse>", "GetChangeResponse").is_err());
    }
}
