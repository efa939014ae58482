//! Route 53 XML, server side: a strict parser for
//! `ChangeResourceRecordSetsRequest` (well-formedness with quick-xml, then
//! the schema's element order, cardinality and value types, as AWS checks
//! them) and writers for every answer. An implementation independent of the
//! updater's client-side models, on purpose.
//!
//! Not well-formed XML (or not UTF-8, or a DOCTYPE) answers 400
//! `MalformedInput`; well-formed XML that breaks the schema answers 400
//! `InvalidInput` with a message in AWS's `Invalid XML ; cvc-...` style.

use super::error::ApiError;
use crate::record::{AliasTarget, RecordSet};
use quick_xml::escape::escape;
use quick_xml::events::Event;
use quick_xml::name::ResolveResult;
use quick_xml::reader::NsReader;

/// The Route 53 API namespace.
pub(crate) const NS: &str = "https://route53.amazonaws.com/doc/2013-04-01/";
const DECL: &str = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
/// Deeper documents are refused (the real schema is 7 levels deep).
const MAX_DEPTH: usize = 32;
/// More elements than this are refused (1000 changes use about 7000).
const MAX_ELEMENTS: usize = 20_000;
/// Most changes in one batch.
pub(crate) const MAX_CHANGES: usize = 1000;
const MAX_VALUE_LEN: usize = 4000;
const MAX_COMMENT_LEN: usize = 256;
const MAX_NAME_LEN: usize = 1024;

pub(crate) const RECORD_TYPES: [&str; 17] = [
    "SOA", "A", "TXT", "NS", "CNAME", "MX", "NAPTR", "PTR", "SRV", "SPF", "AAAA", "CAA", "DS",
    "TLSA", "SSHFP", "SVCB", "HTTPS",
];

/// `CREATE`, `DELETE` or `UPSERT`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Action {
    Create,
    Delete,
    Upsert,
}

impl Action {
    pub(crate) fn name(self) -> &'static str {
        match self {
            Action::Create => "CREATE",
            Action::Delete => "DELETE",
            Action::Upsert => "UPSERT",
        }
    }
}

/// One `<Change>`; the record set's name is as sent (not yet normalised).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Change {
    pub(crate) action: Action,
    pub(crate) set: RecordSet,
}

/// A parsed `ChangeBatch`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ChangeBatch {
    pub(crate) comment: Option<String>,
    pub(crate) changes: Vec<Change>,
}

impl ChangeBatch {
    /// What the batch costs in the change bucket: 1 per change, 2 per UPSERT.
    pub(crate) fn cost(&self) -> u32 {
        self.changes
            .iter()
            .map(|c| if c.action == Action::Upsert { 2 } else { 1 })
            .sum()
    }
}

/// A parsed element: local name, namespace, child elements, text content.
#[derive(Debug, Default)]
struct Element {
    name: String,
    ns: Option<String>,
    children: Vec<Element>,
    text: String,
}

fn malformed(detail: impl std::fmt::Display) -> ApiError {
    ApiError::malformed_input(format!("Could not parse the XML in the request: {detail}"))
}

fn invalid(detail: impl std::fmt::Display) -> ApiError {
    ApiError::invalid_input(format!("Invalid XML ; {detail}"))
}

/// Parses a well-formed document into its root element.
fn parse_document(body: &[u8]) -> Result<Element, ApiError> {
    let text = std::str::from_utf8(body).map_err(|_| malformed("the body is not UTF-8"))?;
    let mut reader = NsReader::from_str(text);
    let mut stack: Vec<Element> = Vec::new();
    let mut root: Option<Element> = None;
    let mut elements = 0usize;
    loop {
        let (ns, event) = match reader.read_resolved_event() {
            Ok((ResolveResult::Unknown(prefix), _)) => {
                return Err(malformed(format!(
                    "the namespace prefix {prefix:?} is not bound"
                )));
            }
            Ok((ResolveResult::Bound(ns), event)) => (Some(ns.as_ref().to_owned()), event),
            Ok((ResolveResult::Unbound, event)) => (None, event),
            Err(e) => return Err(malformed(e)),
        };
        let empty = matches!(event, Event::Empty(_));
        match event {
            Event::Start(start) | Event::Empty(start) => {
                if root.is_some() {
                    return Err(malformed("content after the root element"));
                }
                elements += 1;
                if stack.len() >= MAX_DEPTH || elements > MAX_ELEMENTS {
                    return Err(malformed("the document is too deep or too large"));
                }
                for attribute in start.attributes() {
                    attribute.map_err(malformed)?;
                }
                let element = Element {
                    name: start.local_name().as_ref().to_owned(),
                    ns,
                    ..Default::default()
                };
                if empty {
                    close(&mut stack, &mut root, element);
                } else {
                    stack.push(element);
                }
            }
            Event::End(_) => {
                let element = stack
                    .pop()
                    .ok_or_else(|| malformed("an end tag without a start tag"))?;
                close(&mut stack, &mut root, element);
            }
            Event::Text(t) => {
                let content = t.xml10_content();
                match stack.last_mut() {
                    Some(top) => top.text.push_str(&content),
                    None if content.trim().is_empty() => {}
                    None => return Err(malformed("text outside the root element")),
                }
            }
            Event::CData(c) => match stack.last_mut() {
                Some(top) => top.text.push_str(&c.xml10_content()),
                None => return Err(malformed("CDATA outside the root element")),
            },
            Event::GeneralRef(r) => {
                let resolved = if r.is_char_ref() {
                    r.resolve_char_ref().ok().flatten()
                } else {
                    match r.as_ref() {
                        "amp" => Some('&'),
                        "lt" => Some('<'),
                        "gt" => Some('>'),
                        "quot" => Some('"'),
                        "apos" => Some('\''),
                        _ => None,
                    }
                };
                let c = resolved.ok_or_else(|| {
                    malformed(format!(
                        "the entity reference &{}; is not defined",
                        r.as_ref()
                    ))
                })?;
                match stack.last_mut() {
                    Some(top) => top.text.push(c),
                    None => return Err(malformed("a reference outside the root element")),
                }
            }
            Event::DocType(_) => return Err(malformed("DOCTYPE is not allowed")),
            Event::Comment(_) | Event::Decl(_) | Event::PI(_) => {}
            Event::Eof => break,
        }
    }
    if let Some(open) = stack.last() {
        return Err(malformed(format!(
            "the document ends inside element '{}'",
            open.name
        )));
    }
    root.ok_or_else(|| malformed("the document is empty"))
}

fn close(stack: &mut [Element], root: &mut Option<Element>, element: Element) {
    match stack.last_mut() {
        Some(parent) => parent.children.push(element),
        None => *root = Some(element),
    }
}

/// One entry of a schema sequence: element name, min and max occurrences.
type Particle = (&'static str, usize, usize);

/// Checks `parent`'s children against a sequence; returns them grouped per
/// particle. `unsupported` names are schema-valid but not simulated.
fn sequence<'a>(
    parent: &'a Element,
    particles: &[Particle],
    unsupported: &[&str],
) -> Result<Vec<Vec<&'a Element>>, ApiError> {
    if !parent.text.trim().is_empty() {
        return Err(invalid(format!(
            "cvc-complex-type.2.3: Element '{}' cannot have character [children], because the type's content type is element-only.",
            parent.name
        )));
    }
    let mut groups: Vec<Vec<&Element>> = vec![Vec::new(); particles.len()];
    let mut index = 0;
    for child in &parent.children {
        if unsupported.contains(&child.name.as_str()) && child.ns.as_deref() == Some(NS) {
            return Err(ApiError::invalid_input(format!(
                "the simulator does not support {} (only simple, weighted and multivalue record sets and aliases)",
                child.name
            )));
        }
        let found = (index..particles.len())
            .find(|&i| particles[i].0 == child.name && child.ns.as_deref() == Some(NS));
        let expected = || {
            particles[index..]
                .iter()
                .map(|p| format!("\"{NS}\":{}", p.0))
                .collect::<Vec<_>>()
                .join(", ")
        };
        let Some(i) = found else {
            return Err(invalid(format!(
                "cvc-complex-type.2.4.a: Invalid content was found starting with element '{}'. One of '{{{}}}' is expected.",
                child.name,
                expected()
            )));
        };
        if let Some(missing) = (index..i).find(|&j| groups[j].len() < particles[j].1) {
            return Err(invalid(format!(
                "cvc-complex-type.2.4.a: Invalid content was found starting with element '{}'. One of '{{\"{NS}\":{}}}' is expected.",
                child.name, particles[missing].0
            )));
        }
        if groups[i].len() >= particles[i].2 {
            return Err(invalid(format!(
                "cvc-complex-type.2.4.d: Invalid content was found starting with element '{}'. No child element is expected at this point.",
                child.name
            )));
        }
        groups[i].push(child);
        index = i;
    }
    if let Some(missing) = (0..particles.len()).find(|&j| groups[j].len() < particles[j].1) {
        return Err(invalid(format!(
            "cvc-complex-type.2.4.b: The content of element '{}' is not complete. One of '{{\"{NS}\":{}}}' is expected.",
            parent.name, particles[missing].0
        )));
    }
    Ok(groups)
}

/// The text of a simple-typed element.
fn simple(element: &Element) -> Result<&str, ApiError> {
    if let Some(child) = element.children.first() {
        return Err(invalid(format!(
            "cvc-type.3.1.2: Element '{}' is a simple type, so it must have no element information item [children]; found '{}'.",
            element.name, child.name
        )));
    }
    Ok(&element.text)
}

const UNSUPPORTED_RRSET: [&str; 6] = [
    "Region",
    "GeoLocation",
    "Failover",
    "TrafficPolicyInstanceId",
    "CidrRoutingConfig",
    "GeoProximityLocation",
];
const MAX_SET_IDENTIFIER_LEN: usize = 128;
const MAX_HEALTH_CHECK_ID_LEN: usize = 64;

/// Parses and schema-checks a `ChangeResourceRecordSetsRequest` body.
pub(crate) fn parse_change_batch(body: &[u8]) -> Result<ChangeBatch, ApiError> {
    let root = parse_document(body)?;
    if root.name != "ChangeResourceRecordSetsRequest" || root.ns.as_deref() != Some(NS) {
        return Err(invalid(format!(
            "cvc-elt.1: Cannot find the declaration of element '{}' (expected ChangeResourceRecordSetsRequest in namespace {NS}).",
            root.name
        )));
    }
    let top = sequence(&root, &[("ChangeBatch", 1, 1)], &[])?;
    let batch = top[0][0];
    let parts = sequence(batch, &[("Comment", 0, 1), ("Changes", 1, 1)], &[])?;
    let comment = match parts[0].first() {
        Some(c) => {
            let text = simple(c)?;
            if text.chars().count() > MAX_COMMENT_LEN {
                return Err(ApiError::invalid_input(format!(
                    "1 validation error detected: Value at 'changeBatch.comment' failed to satisfy constraint: Member must have length less than or equal to {MAX_COMMENT_LEN}"
                )));
            }
            Some(text.to_owned())
        }
        None => None,
    };
    let list = sequence(parts[1][0], &[("Change", 1, usize::MAX)], &[])?;
    if list[0].len() > MAX_CHANGES {
        return Err(ApiError::invalid_change_batch(vec![format!(
            "Number of records limit of {MAX_CHANGES} exceeded."
        )]));
    }
    let changes = list[0]
        .iter()
        .map(|c| parse_change(c))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(ChangeBatch { comment, changes })
}

fn parse_change(change: &Element) -> Result<Change, ApiError> {
    let parts = sequence(
        change,
        &[("Action", 1, 1), ("ResourceRecordSet", 1, 1)],
        &[],
    )?;
    let action_text = simple(parts[0][0])?.trim();
    let action = match action_text {
        "CREATE" => Action::Create,
        "DELETE" => Action::Delete,
        "UPSERT" => Action::Upsert,
        other => {
            return Err(invalid(format!(
                "cvc-enumeration-valid: Value '{other}' is not facet-valid with respect to enumeration '[CREATE, DELETE, UPSERT]'. It must be a value from the enumeration."
            )));
        }
    };
    let rrset = sequence(
        parts[1][0],
        &[
            ("Name", 1, 1),
            ("Type", 1, 1),
            ("SetIdentifier", 0, 1),
            ("Weight", 0, 1),
            ("MultiValueAnswer", 0, 1),
            ("TTL", 0, 1),
            ("ResourceRecords", 0, 1),
            ("AliasTarget", 0, 1),
            ("HealthCheckId", 0, 1),
        ],
        &UNSUPPORTED_RRSET,
    )?;
    let [
        name_el,
        type_el,
        id_el,
        weight_el,
        mva_el,
        ttl_el,
        records_el,
        alias_el,
        health_el,
    ] = rrset.as_slice()
    else {
        return Err(invalid("unexpected ResourceRecordSet shape"));
    };
    let rrset = [
        name_el.clone(),
        type_el.clone(),
        ttl_el.clone(),
        records_el.clone(),
    ];
    let name = simple(rrset[0][0])?.trim().to_owned();
    if name.len() > MAX_NAME_LEN {
        return Err(ApiError::invalid_input(format!(
            "1 validation error detected: Value at 'changeBatch.changes.member.resourceRecordSet.name' failed to satisfy constraint: Member must have length less than or equal to {MAX_NAME_LEN}"
        )));
    }
    let rtype = simple(rrset[1][0])?.trim().to_owned();
    if !RECORD_TYPES.contains(&rtype.as_str()) {
        return Err(invalid(format!(
            "cvc-enumeration-valid: Value '{rtype}' is not facet-valid with respect to enumeration '[{}]'. It must be a value from the enumeration.",
            RECORD_TYPES.join(", ")
        )));
    }
    let set_identifier = match id_el.first() {
        Some(el) => {
            let text = simple(el)?.trim();
            if text.is_empty() || text.chars().count() > MAX_SET_IDENTIFIER_LEN {
                return Err(ApiError::invalid_input(format!(
                    "1 validation error detected: Value at 'changeBatch.changes.member.resourceRecordSet.setIdentifier' failed to satisfy constraint: Member must have length between 1 and {MAX_SET_IDENTIFIER_LEN}"
                )));
            }
            Some(text.to_owned())
        }
        None => None,
    };
    let weight = match weight_el.first() {
        Some(el) => {
            let text = simple(el)?.trim();
            Some(text.parse::<u8>().map_err(|_| {
                invalid(format!(
                    "cvc-datatype-valid.1.2.1: '{text}' is not a valid value for 'Weight' (an integer from 0 to 255)."
                ))
            })?)
        }
        None => None,
    };
    let multi_value_answer = match mva_el.first() {
        Some(el) => match simple(el)?.trim() {
            "true" | "1" => Some(true),
            "false" | "0" => Some(false),
            other => {
                return Err(invalid(format!(
                    "cvc-datatype-valid.1.2.1: '{other}' is not a valid value for 'boolean'."
                )));
            }
        },
        None => None,
    };
    let health_check_id = match health_el.first() {
        Some(el) => {
            let text = simple(el)?.trim();
            if text.is_empty() || text.len() > MAX_HEALTH_CHECK_ID_LEN {
                return Err(ApiError::invalid_input(format!(
                    "1 validation error detected: Value at 'changeBatch.changes.member.resourceRecordSet.healthCheckId' failed to satisfy constraint: Member must have length less than or equal to {MAX_HEALTH_CHECK_ID_LEN}"
                )));
            }
            Some(text.to_owned())
        }
        None => None,
    };
    let id_text = set_identifier.clone().unwrap_or_else(|| "null".to_owned());
    let routing = weight.is_some() || multi_value_answer.is_some();
    if set_identifier.is_some() != routing || (weight.is_some() && multi_value_answer.is_some()) {
        return Err(ApiError::invalid_input(format!(
            "Invalid request: a SetIdentifier needs exactly one routing policy (Weight or MultiValueAnswer) and a routing policy needs a SetIdentifier, in Change with [Action={}, Name={name}, Type={rtype}, SetIdentifier={id_text}]",
            action.name()
        )));
    }
    let alias_target = match alias_el.first() {
        Some(el) => Some(parse_alias(el)?),
        None => None,
    };
    let base = Change {
        action,
        set: RecordSet {
            name: name.clone(),
            rtype: rtype.clone(),
            ttl: 0,
            values: Vec::new(),
            set_identifier,
            weight,
            multi_value_answer,
            health_check_id,
            alias_target: None,
        },
    };
    let none_of_them = || {
        ApiError::invalid_input(format!(
            "Invalid request: Expected exactly one of [AliasTarget, all of [TTL, and ResourceRecords], or TrafficPolicyInstanceId], but found none in Change with [Action={}, Name={name}, Type={rtype}, SetIdentifier={id_text}]",
            action.name()
        ))
    };
    if let Some(alias) = alias_target {
        if !rrset[2].is_empty() || !rrset[3].is_empty() {
            return Err(ApiError::invalid_input(format!(
                "Invalid request: Expected exactly one of [AliasTarget, all of [TTL, and ResourceRecords], or TrafficPolicyInstanceId], but found more than one in Change with [Action={}, Name={name}, Type={rtype}, SetIdentifier={id_text}]",
                action.name()
            )));
        }
        let mut change = base;
        change.set.alias_target = Some(alias);
        return Ok(change);
    }
    let (Some(ttl), Some(records)) = (rrset[2].first(), rrset[3].first()) else {
        return Err(none_of_them());
    };
    let ttl_text = simple(ttl)?.trim();
    let ttl: u32 = ttl_text
        .parse::<u32>()
        .ok()
        .filter(|t| *t <= i32::MAX as u32)
        .ok_or_else(|| {
            invalid(format!(
                "cvc-datatype-valid.1.2.1: '{ttl_text}' is not a valid value for 'TTL' (an integer from 0 to 2147483647)."
            ))
        })?;
    let list = sequence(records, &[("ResourceRecord", 1, usize::MAX)], &[])?;
    let mut values = Vec::with_capacity(list[0].len());
    for record in &list[0] {
        let value = sequence(record, &[("Value", 1, 1)], &[])?;
        let text = simple(value[0][0])?;
        if text.is_empty() || text.len() > MAX_VALUE_LEN {
            return Err(ApiError::invalid_input(format!(
                "1 validation error detected: Value at 'changeBatch.changes.member.resourceRecordSet.resourceRecords.member.value' failed to satisfy constraint: Member must have length between 1 and {MAX_VALUE_LEN}"
            )));
        }
        values.push(text.to_owned());
    }
    let mut change = base;
    change.set.ttl = ttl;
    change.set.values = values;
    Ok(change)
}

fn parse_alias(el: &Element) -> Result<AliasTarget, ApiError> {
    let parts = sequence(
        el,
        &[
            ("HostedZoneId", 1, 1),
            ("DNSName", 1, 1),
            ("EvaluateTargetHealth", 1, 1),
        ],
        &[],
    )?;
    let evaluate = match simple(parts[2][0])?.trim() {
        "true" | "1" => true,
        "false" | "0" => false,
        other => {
            return Err(invalid(format!(
                "cvc-datatype-valid.1.2.1: '{other}' is not a valid value for 'boolean'."
            )));
        }
    };
    Ok(AliasTarget {
        hosted_zone_id: simple(parts[0][0])?.trim().to_owned(),
        dns_name: simple(parts[1][0])?.trim().to_owned(),
        evaluate_target_health: evaluate,
    })
}

// ---- writers -------------------------------------------------------------

fn push_el(out: &mut String, name: &str, text: &str) {
    out.push('<');
    out.push_str(name);
    out.push('>');
    out.push_str(&escape(text));
    out.push_str("</");
    out.push_str(name);
    out.push('>');
}

fn open_root(name: &str) -> String {
    format!("{DECL}<{name} xmlns=\"{NS}\">")
}

/// `<ErrorResponse>`.
pub(crate) fn error_response(fault: &str, code: &str, message: &str, request_id: &str) -> String {
    let mut out = open_root("ErrorResponse");
    out.push_str("<Error>");
    push_el(&mut out, "Type", fault);
    push_el(&mut out, "Code", code);
    push_el(&mut out, "Message", message);
    out.push_str("</Error>");
    push_el(&mut out, "RequestId", request_id);
    out.push_str("</ErrorResponse>");
    out
}

/// `<InvalidChangeBatch>`.
pub(crate) fn invalid_change_batch(messages: &[String], request_id: &str) -> String {
    let mut out = open_root("InvalidChangeBatch");
    out.push_str("<Messages>");
    for m in messages {
        push_el(&mut out, "Message", m);
    }
    out.push_str("</Messages>");
    push_el(&mut out, "RequestId", request_id);
    out.push_str("</InvalidChangeBatch>");
    out
}

/// What a `ChangeInfo` holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ChangeInfo<'a> {
    /// Without the `/change/` prefix.
    pub(crate) id: &'a str,
    pub(crate) status: &'a str,
    pub(crate) submitted_at: &'a str,
    pub(crate) comment: Option<&'a str>,
}

/// `<ChangeResourceRecordSetsResponse>` or `<GetChangeResponse>`.
pub(crate) fn change_info_response(root: &str, info: &ChangeInfo<'_>) -> String {
    let mut out = open_root(root);
    out.push_str("<ChangeInfo>");
    push_el(&mut out, "Id", &format!("/change/{}", info.id));
    push_el(&mut out, "Status", info.status);
    push_el(&mut out, "SubmittedAt", info.submitted_at);
    if let Some(comment) = info.comment {
        push_el(&mut out, "Comment", comment);
    }
    out.push_str("</ChangeInfo></");
    out.push_str(root);
    out.push('>');
    out
}

/// A name as Route 53 writes it in answers: every character outside
/// `a-z 0-9 - _` (and `*`, wildcard or not) as a three-digit octal escape;
/// dots between labels stay.
pub(crate) fn escape_name(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    for b in name.bytes() {
        if b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'_' || b == b'.' {
            out.push(b as char);
        } else {
            out.push_str(&format!("\\{b:03o}"));
        }
    }
    out
}

/// One set, its elements in the schema's order.
fn push_rrset(out: &mut String, set: &RecordSet) {
    out.push_str("<ResourceRecordSet>");
    push_el(out, "Name", &escape_name(&set.name));
    push_el(out, "Type", &set.rtype);
    if let Some(id) = &set.set_identifier {
        push_el(out, "SetIdentifier", id);
    }
    if let Some(weight) = set.weight {
        push_el(out, "Weight", &weight.to_string());
    }
    if let Some(mva) = set.multi_value_answer {
        push_el(out, "MultiValueAnswer", if mva { "true" } else { "false" });
    }
    match &set.alias_target {
        Some(alias) => {
            out.push_str("<AliasTarget>");
            push_el(out, "HostedZoneId", &alias.hosted_zone_id);
            push_el(out, "DNSName", &alias.dns_name);
            push_el(
                out,
                "EvaluateTargetHealth",
                if alias.evaluate_target_health {
                    "true"
                } else {
                    "false"
                },
            );
            out.push_str("</AliasTarget>");
        }
        None => {
            push_el(out, "TTL", &set.ttl.to_string());
            out.push_str("<ResourceRecords>");
            for value in &set.values {
                out.push_str("<ResourceRecord>");
                push_el(out, "Value", value);
                out.push_str("</ResourceRecord>");
            }
            out.push_str("</ResourceRecords>");
        }
    }
    if let Some(id) = &set.health_check_id {
        push_el(out, "HealthCheckId", id);
    }
    out.push_str("</ResourceRecordSet>");
}

/// `<ListResourceRecordSetsResponse>`; `next` = (name, type, identifier)
/// when truncated.
pub(crate) fn list_rrsets_response(
    sets: &[RecordSet],
    next: Option<(&str, &str, Option<&str>)>,
    max_items: usize,
) -> String {
    let mut out = open_root("ListResourceRecordSetsResponse");
    out.push_str("<ResourceRecordSets>");
    for set in sets {
        push_rrset(&mut out, set);
    }
    out.push_str("</ResourceRecordSets>");
    push_el(
        &mut out,
        "IsTruncated",
        if next.is_some() { "true" } else { "false" },
    );
    if let Some((name, rtype, identifier)) = next {
        push_el(&mut out, "NextRecordName", &escape_name(name));
        push_el(&mut out, "NextRecordType", rtype);
        if let Some(id) = identifier {
            push_el(&mut out, "NextRecordIdentifier", id);
        }
    }
    push_el(&mut out, "MaxItems", &max_items.to_string());
    out.push_str("</ListResourceRecordSetsResponse>");
    out
}

/// One `<HostedZone>` of a listing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ZoneSummary {
    pub(crate) id: String,
    pub(crate) name: String,
    pub(crate) private: bool,
    pub(crate) record_count: usize,
}

/// `<ListHostedZonesByNameResponse>`; `next` = (name, id) when truncated.
pub(crate) fn list_zones_by_name_response(
    zones: &[ZoneSummary],
    dns_name: Option<&str>,
    zone_id: Option<&str>,
    next: Option<(&str, &str)>,
    max_items: usize,
) -> String {
    let mut out = open_root("ListHostedZonesByNameResponse");
    out.push_str("<HostedZones>");
    for zone in zones {
        out.push_str("<HostedZone>");
        push_el(&mut out, "Id", &format!("/hostedzone/{}", zone.id));
        push_el(&mut out, "Name", &escape_name(&zone.name));
        push_el(&mut out, "CallerReference", &format!("sim-{}", zone.id));
        out.push_str("<Config>");
        push_el(
            &mut out,
            "PrivateZone",
            if zone.private { "true" } else { "false" },
        );
        out.push_str("</Config>");
        push_el(
            &mut out,
            "ResourceRecordSetCount",
            &zone.record_count.to_string(),
        );
        out.push_str("</HostedZone>");
    }
    out.push_str("</HostedZones>");
    if let Some(name) = dns_name {
        push_el(&mut out, "DNSName", name);
    }
    if let Some(id) = zone_id {
        push_el(&mut out, "HostedZoneId", id);
    }
    push_el(
        &mut out,
        "IsTruncated",
        if next.is_some() { "true" } else { "false" },
    );
    if let Some((name, id)) = next {
        push_el(&mut out, "NextDNSName", name);
        push_el(&mut out, "NextHostedZoneId", id);
    }
    push_el(&mut out, "MaxItems", &max_items.to_string());
    out.push_str("</ListHostedZonesByNameResponse>");
    out
}

/// A response cut off in the middle (the `Malformed` fault).
pub(crate) fn truncated_response() -> String {
    format!(
        "{DECL}<ChangeResourceRecordSetsResponse xmlns=\"{NS}\"><ChangeInfo><Id>/change/C2682N5HX"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(changes: &str) -> String {
        format!(
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<ChangeResourceRecordSetsRequest xmlns=\"{NS}\"><ChangeBatch><Comment>boot</Comment><Changes>{changes}</Changes></ChangeBatch></ChangeResourceRecordSetsRequest>"
        )
    }

    fn change(action: &str, name: &str, rtype: &str, ttl: &str, values: &[&str]) -> String {
        let records: String = values
            .iter()
            .map(|v| format!("<ResourceRecord><Value>{v}</Value></ResourceRecord>"))
            .collect();
        format!(
            "<Change><Action>{action}</Action><ResourceRecordSet><Name>{name}</Name><Type>{rtype}</Type><TTL>{ttl}</TTL><ResourceRecords>{records}</ResourceRecords></ResourceRecordSet></Change>"
        )
    }

    #[test]
    fn parses_the_protocol_example() {
        let body = request(&change(
            "UPSERT",
            "web.example.com.",
            "CNAME",
            "60",
            &["ec2-203-0-113-25.compute-1.amazonaws.com"],
        ));
        let batch = parse_change_batch(body.as_bytes()).unwrap();
        assert_eq!(batch.comment.as_deref(), Some("boot"));
        assert_eq!(batch.changes.len(), 1);
        let c = &batch.changes[0];
        assert_eq!(c.action, Action::Upsert);
        assert_eq!(c.set.name, "web.example.com.");
        assert_eq!(c.set.rtype, "CNAME");
        assert_eq!(c.set.ttl, 60);
        assert_eq!(
            c.set.values,
            vec!["ec2-203-0-113-25.compute-1.amazonaws.com"]
        );
        assert_eq!(batch.cost(), 2);
    }

    #[test]
    fn prefixed_namespace_entities_and_cdata() {
        let body = format!(
            "<r:ChangeResourceRecordSetsRequest xmlns:r=\"{NS}\"><r:ChangeBatch><r:Changes><r:Change><r:Action>CREATE</r:Action><r:ResourceRecordSet><r:Name> a.example.com </r:Name><r:Type>TXT</r:Type><r:TTL>300</r:TTL><r:ResourceRecords><r:ResourceRecord><r:Value>\"x &amp; y&#33;\"<![CDATA[<z>]]></r:Value></r:ResourceRecord></r:ResourceRecords></r:ResourceRecordSet></r:Change></r:Changes></r:ChangeBatch></r:ChangeResourceRecordSetsRequest>"
        );
        let batch = parse_change_batch(body.as_bytes()).unwrap();
        assert_eq!(batch.comment, None);
        assert_eq!(batch.changes[0].set.name, "a.example.com");
        assert_eq!(batch.changes[0].set.values, vec!["\"x & y!\"<z>"]);
        assert_eq!(batch.cost(), 1);
    }

    fn code_of(body: &str) -> (String, String) {
        let e = parse_change_batch(body.as_bytes()).unwrap_err();
        (e.code, e.message)
    }

    #[test]
    fn not_well_formed_is_malformed_input() {
        let good = request(&change(
            "CREATE",
            "a.example.com.",
            "A",
            "60",
            &["192.0.2.1"],
        ));
        for bad in [
            String::new(),
            "   ".to_owned(),
            good[..good.len() - 10].to_owned(),
            good.replace("</TTL>", "</Ttl>"),
            good.replace("<Comment>boot", "<Comment>a & b"),
            good.replace("<Comment>boot", "<Comment>&nbsp;"),
            format!("{good}<extra/>"),
            format!("{good}text"),
            format!("<!DOCTYPE x [<!ENTITY a \"b\">]>{good}"),
            good.replace("<ChangeBatch>", "<ChangeBatch a=\"1\" a=\"2\">"),
            good.replace("<ChangeBatch>", "<p:ChangeBatch>"),
            "<a><b></a>".to_owned(),
        ] {
            let (code, message) = code_of(&bad);
            assert_eq!(code, "MalformedInput", "{bad:?}: {message}");
        }
        let e = parse_change_batch(&[0xff, 0xfe, b'<']).unwrap_err();
        assert_eq!(e.code, "MalformedInput");
    }

    #[test]
    fn schema_violations_are_invalid_input() {
        let c = change("CREATE", "a.example.com.", "A", "60", &["192.0.2.1"]);
        let cases = [
            (request(&c).replace(NS, "urn:wrong"), "cvc-elt.1"),
            (
                request(&c).replace("ChangeResourceRecordSetsRequest", "Other"),
                "cvc-elt.1",
            ),
            (request(""), "is not complete"),
            (request(&c.replace("CREATE", "MODIFY")), "enumeration"),
            (
                request(&c.replace("<Type>A</Type>", "<Type>BOGUS</Type>")),
                "enumeration",
            ),
            (
                request(&c.replace("<TTL>60</TTL>", "<TTL>soon</TTL>")),
                "TTL",
            ),
            (request(&c.replace("<TTL>60</TTL>", "<TTL>-1</TTL>")), "TTL"),
            (
                request(&c.replace("<TTL>60</TTL>", "")),
                "Expected exactly one of",
            ),
            (
                request(&c.replace(
                    "<Name>a.example.com.</Name><Type>A</Type>",
                    "<Type>A</Type><Name>a.example.com.</Name>",
                )),
                "Invalid content was found starting with element 'Type'",
            ),
            (
                request(&c.replace("<TTL>60</TTL>", "<TTL>60</TTL><TTL>60</TTL>")),
                "No child element is expected",
            ),
            (
                request(&c.replace("<Action>", "<Bogus/><Action>")),
                "starting with element 'Bogus'",
            ),
            (
                request(&c.replace("<TTL>60</TTL>", "<Region>us-east-1</Region><TTL>60</TTL>")),
                "does not support Region",
            ),
            (
                request(&c).replace("<Changes>", "<Changes>junk"),
                "character",
            ),
            (
                request(&c.replace("<Name>a.", "<Name><b/>a.")),
                "simple type",
            ),
            (
                request(&c.replace(
                    "<ResourceRecords><ResourceRecord><Value>192.0.2.1</Value></ResourceRecord>",
                    "<ResourceRecords>",
                )),
                "is not complete",
            ),
            (request(&c.replace("192.0.2.1", "")), "length between 1"),
        ];
        for (body, needle) in cases {
            let (code, message) = code_of(&body);
            assert_eq!(code, "InvalidInput", "{body}: {message}");
            assert!(message.contains(needle), "{needle:?} not in {message:?}");
        }
        let long_comment = request(&c).replace("boot", &"x".repeat(257));
        assert_eq!(code_of(&long_comment).0, "InvalidInput");
    }

    #[test]
    fn size_limits() {
        let c = change("CREATE", "a.example.com.", "A", "60", &["192.0.2.1"]);
        let (code, message) = code_of(&request(&c.repeat(MAX_CHANGES + 1)));
        assert_eq!(code, "InvalidChangeBatch");
        assert!(message.contains("limit of 1000"), "{message}");
        let deep = format!("{}{}", "<a>".repeat(100), "</a>".repeat(100));
        assert_eq!(code_of(&deep).0, "MalformedInput");
        assert!(parse_change_batch(request(&c.repeat(MAX_CHANGES)).as_bytes()).is_ok());
    }

    #[test]
    fn writers_escape_and_order_fields() {
        let sets = [RecordSet::new("a.example.com.", "TXT", 60, ["\"<&>\""])];
        let xml = list_rrsets_response(&sets, Some(("b.example.com.", "A", None)), 1);
        assert!(
            xml.contains("<Value>\"&lt;&amp;&gt;\"</Value>")
                || xml.contains("<Value>&quot;&lt;&amp;&gt;&quot;</Value>"),
            "{xml}"
        );
        assert!(xml.contains("<IsTruncated>true</IsTruncated><NextRecordName>b.example.com.</NextRecordName><NextRecordType>A</NextRecordType><MaxItems>1</MaxItems>"), "{xml}");
        let info = ChangeInfo {
            id: "C1",
            status: "PENDING",
            submitted_at: "2026-11-23T09:00:00.000Z",
            comment: None,
        };
        let xml = change_info_response("GetChangeResponse", &info);
        assert!(xml.ends_with("<ChangeInfo><Id>/change/C1</Id><Status>PENDING</Status><SubmittedAt>2026-11-23T09:00:00.000Z</SubmittedAt></ChangeInfo></GetChangeResponse>"), "{xml}");
        let zones = [ZoneSummary {
            id: "Z1".into(),
            name: "example.com.".into(),
            private: true,
            record_count: 2,
        }];
        let xml = list_zones_by_name_response(&zones, Some("example.com."), None, None, 1);
        assert!(
            xml.contains("<Id>/hostedzone/Z1</Id><Name>example.com.</Name>"),
            "{xml}"
        );
        assert!(
            xml.contains("<Config><PrivateZone>true</PrivateZone></Config>"),
            "{xml}"
        );
        assert!(xml.contains("<DNSName>example.com.</DNSName><IsTruncated>false</IsTruncated><MaxItems>1</MaxItems>"), "{xml}");
        assert!(parse_document(truncated_response().as_bytes()).is_err());
    }
}
