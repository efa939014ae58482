//! `prune = true` in a pool: which other members belong to instances that
//! are gone. One DescribeInstances call (EC2 Query API, SigV4, service
//! `ec2`) through the signed client, asking with a `Filter` on
//! `instance-id`: asked by `InstanceId.N`, EC2 fails the whole call with
//! `InvalidInstanceID.NotFound` as soon as one id is gone.
//!
//! Gone: EC2 reports the instance `shutting-down` or `terminated` (neither
//! ever runs again), or does not know it at all (terminated instances drop
//! out of DescribeInstances after about an hour). `stopping` and `stopped`
//! instances keep their member: they may start again, and their own
//! `delete` unit removes it at shutdown.

use crate::aws::client::{AwsClient, CallError, ClientSettings, Endpoint, Operation, SigningMode};
use crate::aws::credentials::CredentialSource;
use crate::dns::plan::Observed;
use crate::dns::pool;
use crate::dns::record::RecordSet;
use crate::route53;
use crate::run::context::Context;
use crate::run::error::Error;
use aws_sign::sign::Scheme;
use quick_xml::events::Event;
use reqwest::Method;
use tracing::info;
use url::Url;

/// The EC2 operation prune calls.
pub(crate) const DESCRIBE_INSTANCES: Operation = Operation("DescribeInstances");
/// The EC2 API version of the Query call.
const EC2_VERSION: &str = "2016-11-15";

/// The identifiers of the other members at `desired`'s name and type whose
/// instance EC2 reports gone. No call when no member has an instance id.
pub(crate) async fn gone_members(
    ctx: &Context,
    desired: &RecordSet,
    observed: &Observed,
) -> Result<Vec<String>, Error> {
    let ids = pool::prune_candidates(desired, observed);
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let client = ec2_client(ctx).await?;
    // Instance ids are letters, digits and `-`: nothing to encode.
    let mut form =
        format!("Action=DescribeInstances&Version={EC2_VERSION}&Filter.1.Name=instance-id");
    for (i, id) in ids.iter().enumerate() {
        form.push_str(&format!("&Filter.1.Value.{}={id}", i + 1));
    }
    let answer = client
        .send(
            DESCRIBE_INSTANCES,
            Method::POST,
            "/",
            Some(&form),
            ctx.deadline(),
        )
        .await?;
    let known = parse_states(&answer.body).map_err(|reason| CallError::Malformed {
        op: DESCRIBE_INSTANCES,
        reason,
    })?;
    let gone: Vec<String> = ids
        .into_iter()
        .filter(|id| match known.iter().find(|(k, _)| k == id) {
            None => true,
            Some((_, state)) => state == "shutting-down" || state == "terminated",
        })
        .collect();
    if !gone.is_empty() {
        info!(record = %desired.name, members = ?gone, "pruning members of instances EC2 reports terminated or no longer knows");
    }
    Ok(gone)
}

async fn ec2_client(ctx: &Context) -> Result<AwsClient, Error> {
    let settings = &ctx.config.ec2;
    let region = match &settings.region {
        Some(r) => r.clone(),
        None => ctx
            .imds
            .get("meta-data/placement/region", ctx.deadline())
            .await?
            .map(|r| r.trim().to_owned())
            .filter(|r| !r.is_empty())
            .ok_or(Error::NoRegion)?,
    };
    let url = match &settings.endpoint {
        Some(u) => u.clone(),
        None => Url::parse(&format!("https://ec2.{region}.amazonaws.com"))
            .map_err(|_| Error::NoRegion)?,
    };
    Ok(AwsClient::new(
        ctx.tls.clone(),
        ClientSettings {
            endpoint: Endpoint {
                url,
                region,
                service: "ec2".into(),
            },
            signing: SigningMode::Fixed(Scheme::SigV4),
            initial_scheme: Scheme::SigV4,
            parse_error: route53::xml::parse_error,
        },
        CredentialSource::new(ctx.credentials.clone(), ctx.imds.clone()),
    ))
}

/// `(instanceId, instanceState/name)` of every instance in a
/// DescribeInstances answer.
fn parse_states(body: &str) -> Result<Vec<(String, String)>, String> {
    let mut reader = quick_xml::Reader::from_str(body);
    let mut path: Vec<String> = Vec::new();
    let mut found = Vec::new();
    let mut id: Option<String> = None;
    let mut root = None;
    loop {
        match reader.read_event() {
            Ok(Event::Start(e)) => {
                let name = e.local_name().into_inner().to_owned();
                root.get_or_insert_with(|| name.clone());
                path.push(name);
            }
            Ok(Event::End(_)) => {
                path.pop();
            }
            Ok(Event::Text(t)) => {
                let text = t.into_inner().trim().to_owned();
                let last: Vec<&str> = path.iter().rev().take(2).map(String::as_str).collect();
                match last[..] {
                    ["instanceId", "item"] => id = Some(text),
                    ["name", "instanceState"] => {
                        if let Some(i) = id.take() {
                            found.push((i, text));
                        }
                    }
                    _ => {}
                }
            }
            Ok(Event::Eof) => break,
            Ok(_) => {}
            Err(e) => {
                return Err(format!(
                    "DescribeInstances answer is not well-formed XML: {e}"
                ));
            }
        }
    }
    match root.as_deref() {
        Some("DescribeInstancesResponse") => Ok(found),
        other => Err(format!(
            "expected a DescribeInstancesResponse document, got {}",
            other.unwrap_or("nothing")
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_instance_states() {
        let body = "<?xml version=\"1.0\"?><DescribeInstancesResponse xmlns=\"http://ec2.amazonaws.com/doc/2016-11-15/\"><requestId>x</requestId><reservationSet><item><reservationId>r-1</reservationId><instancesSet><item><instanceId>i-0aaaaaaaaaaaaaaaa</instanceId><imageId>ami-1</imageId><instanceState><code>48</code><name>terminated</name></instanceState></item><item><instanceId>i-0bbbbbbbbbbbbbbbb</instanceId><instanceState><code>16</code><name>running</name></instanceState></item></instancesSet></item></reservationSet></DescribeInstancesResponse>";
        assert_eq!(
            parse_states(body).unwrap(),
            vec![
                ("i-0aaaaaaaaaaaaaaaa".into(), "terminated".into()),
                ("i-0bbbbbbbbbbbbbbbb".into(), "running".into())
            ]
        );
        assert!(parse_states("<Other/>").is_err());
    }
}
