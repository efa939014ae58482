//! Weighted and multivalue record sets (SetIdentifier), health checks and
//! aliases, over HTTP: change batches, listings in schema order, paging
//! inside a group, exact DELETEs, the mixing rules and the limit of 100.

use crate::util::*;
use ec2_dns_sim::{RecordSet, SimConfig};

fn rrset(inner: &str) -> String {
    format!("<ResourceRecordSet>{inner}</ResourceRecordSet>")
}

fn member(name: &str, id: &str, policy: &str, value: &str) -> String {
    rrset(&format!(
        "<Name>{name}</Name><Type>A</Type><SetIdentifier>{id}</SetIdentifier>{policy}<TTL>60</TTL><ResourceRecords><ResourceRecord><Value>{value}</Value></ResourceRecord></ResourceRecords>"
    ))
}

fn batch(changes: &[(&str, String)]) -> String {
    let changes: String = changes
        .iter()
        .map(|(action, set)| format!("<Change><Action>{action}</Action>{set}</Change>"))
        .collect();
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<ChangeResourceRecordSetsRequest xmlns=\"{NS}\"><ChangeBatch><Changes>{changes}</Changes></ChangeBatch></ChangeResourceRecordSetsRequest>"
    )
}

const MV: &str = "<MultiValueAnswer>true</MultiValueAnswer>";

#[tokio::test]
async fn multivalue_pool_members_are_kept_apart() {
    let sim = start(SimConfig::default()).await;
    let client = client();
    let path = rrset_path(ZONE);
    let change = |body: String| {
        let client = client.clone();
        let sim = &sim;
        let path = path.clone();
        async move { sigv4(&client, sim, "POST", &path, "", &body).await }
    };
    let a = change(batch(&[
        ("CREATE", member("api.example.com.", "i-1", MV, "192.0.2.1")),
        (
            "CREATE",
            member("api.example.com.", "i-2", MV, "192.0.2.2").replace(
                "</ResourceRecords>",
                "</ResourceRecords><HealthCheckId>hc-2</HealthCheckId>",
            ),
        ),
    ]))
    .await;
    assert_eq!(a.status, 200, "{}", a.body);
    let sets = sim.record_sets(ZONE, "api.example.com", "A");
    assert_eq!(sets.len(), 2);
    assert_eq!(sets[1].set_identifier.as_deref(), Some("i-2"));
    assert_eq!(sets[1].health_check_id.as_deref(), Some("hc-2"));
    assert_eq!(
        sim.record(ZONE, "api.example.com", "A"),
        None,
        "no simple set"
    );

    // Listing: schema order, and paging inside the group.
    let a = sigv4(
        &client,
        &sim,
        "GET",
        &path,
        "name=api.example.com.&type=A&maxitems=1",
        "",
    )
    .await;
    assert!(a.body.contains("<ResourceRecordSet><Name>api.example.com.</Name><Type>A</Type><SetIdentifier>i-1</SetIdentifier><MultiValueAnswer>true</MultiValueAnswer><TTL>60</TTL><ResourceRecords><ResourceRecord><Value>192.0.2.1</Value></ResourceRecord></ResourceRecords></ResourceRecordSet>"), "{}", a.body);
    assert!(a.body.contains("<IsTruncated>true</IsTruncated><NextRecordName>api.example.com.</NextRecordName><NextRecordType>A</NextRecordType><NextRecordIdentifier>i-2</NextRecordIdentifier>"), "{}", a.body);
    let a = sigv4(
        &client,
        &sim,
        "GET",
        &path,
        "name=api.example.com.&type=A&identifier=i-2&maxitems=1",
        "",
    )
    .await;
    assert!(a.body.contains("<SetIdentifier>i-2</SetIdentifier><MultiValueAnswer>true</MultiValueAnswer><TTL>60</TTL><ResourceRecords><ResourceRecord><Value>192.0.2.2</Value></ResourceRecord></ResourceRecords><HealthCheckId>hc-2</HealthCheckId></ResourceRecordSet>"), "{}", a.body);
    assert!(
        a.body.contains("<IsTruncated>false</IsTruncated>"),
        "{}",
        a.body
    );

    // UPSERT of one member leaves the other alone.
    let a = change(batch(&[(
        "UPSERT",
        member("api.example.com.", "i-1", MV, "192.0.2.11"),
    )]))
    .await;
    assert_eq!(a.status, 200, "{}", a.body);
    let sets = sim.record_sets(ZONE, "api.example.com", "A");
    assert_eq!(
        (sets[0].values[0].as_str(), sets[1].values[0].as_str()),
        ("192.0.2.11", "192.0.2.2")
    );

    // DELETE must match exactly, identifier and health check included.
    for wrong in [
        member("api.example.com.", "i-3", MV, "192.0.2.2"),
        member("api.example.com.", "i-2", MV, "192.0.2.2"),
        member("api.example.com.", "i-2", MV, "192.0.2.9").replace(
            "</ResourceRecords>",
            "</ResourceRecords><HealthCheckId>hc-2</HealthCheckId>",
        ),
    ] {
        let a = change(batch(&[("DELETE", wrong.clone())])).await;
        assert_eq!((a.status, a.code()), (400, None), "{wrong}: {}", a.body);
        assert!(a.body.contains("<InvalidChangeBatch"), "{}", a.body);
        assert!(a.body.contains("set-identifier=&apos;i-"), "{}", a.body);
    }
    let a = change(batch(&[(
        "DELETE",
        member("api.example.com.", "i-2", MV, "192.0.2.2").replace(
            "</ResourceRecords>",
            "</ResourceRecords><HealthCheckId>hc-2</HealthCheckId>",
        ),
    )]))
    .await;
    assert_eq!(a.status, 200, "{}", a.body);
    let sets = sim.record_sets(ZONE, "api.example.com", "A");
    assert_eq!(sets.len(), 1);
    assert_eq!(sets[0].set_identifier.as_deref(), Some("i-1"));

    // Simple and routing sets of one name and type do not mix, nor policies.
    let simple = rrset(
        "<Name>api.example.com.</Name><Type>A</Type><TTL>60</TTL><ResourceRecords><ResourceRecord><Value>192.0.2.7</Value></ResourceRecord></ResourceRecords>",
    );
    let a = change(batch(&[("CREATE", simple)])).await;
    assert!(
        a.body
            .contains("weighted or multivalue RRSet with the same name and type already exists"),
        "{}",
        a.body
    );
    let a = change(batch(&[(
        "CREATE",
        member("api.example.com.", "w", "<Weight>10</Weight>", "192.0.2.8"),
    )]))
    .await;
    assert!(a.body.contains("another routing policy"), "{}", a.body);
    sim.put_record(
        ZONE,
        RecordSet::new("plain.example.com", "A", 60, ["192.0.2.5"]),
    );
    let a = change(batch(&[(
        "CREATE",
        member("plain.example.com.", "i-1", MV, "192.0.2.6"),
    )]))
    .await;
    assert!(
        a.body.contains("non-weighted and non-multivalue RRSet"),
        "{}",
        a.body
    );

    // Schema: an identifier needs exactly one policy, and the other way round.
    for bad in [
        member("x.example.com.", "i-1", "", "192.0.2.1"),
        member(
            "x.example.com.",
            "i-1",
            &format!("<Weight>1</Weight>{MV}"),
            "192.0.2.1",
        ),
        rrset(
            "<Name>x.example.com.</Name><Type>A</Type><Weight>1</Weight><TTL>60</TTL><ResourceRecords><ResourceRecord><Value>192.0.2.1</Value></ResourceRecord></ResourceRecords>",
        ),
        member("x.example.com.", "i-1", "<Weight>256</Weight>", "192.0.2.1"),
        member(
            "x.example.com.",
            "i-1",
            "<MultiValueAnswer>maybe</MultiValueAnswer>",
            "192.0.2.1",
        ),
    ] {
        let a = change(batch(&[("CREATE", bad.clone())])).await;
        assert_eq!(
            (a.status, a.code()),
            (400, Some("InvalidInput")),
            "{bad}: {}",
            a.body
        );
    }
}

#[tokio::test]
async fn at_most_100_weighted_sets_per_name_and_type_and_aliases() {
    let sim = start(SimConfig::default()).await;
    let client = client();
    let path = rrset_path(ZONE);
    let members: Vec<(&str, String)> = (0..100)
        .map(|i| {
            (
                "CREATE",
                member(
                    "w.example.com.",
                    &format!("m{i:03}"),
                    "<Weight>1</Weight>",
                    &format!("192.0.2.{}", i + 1),
                ),
            )
        })
        .collect();
    let a = sigv4(&client, &sim, "POST", &path, "", &batch(&members)).await;
    assert_eq!(a.status, 200, "{}", a.body);
    assert_eq!(sim.record_sets(ZONE, "w.example.com", "A").len(), 100);
    let one_more = batch(&[(
        "CREATE",
        member(
            "w.example.com.",
            "m100",
            "<Weight>1</Weight>",
            "192.0.2.200",
        ),
    )]);
    let a = sigv4(&client, &sim, "POST", &path, "", &one_more).await;
    assert_eq!(a.status, 400);
    assert!(
        a.body.contains("<InvalidChangeBatch") && a.body.contains("limit of 100"),
        "{}",
        a.body
    );
    assert_eq!(sim.record_sets(ZONE, "w.example.com", "A").len(), 100);
    // Replacing a member is not a 101st.
    let replace = batch(&[(
        "UPSERT",
        member("w.example.com.", "m000", "<Weight>5</Weight>", "192.0.2.1"),
    )]);
    let a = sigv4(&client, &sim, "POST", &path, "", &replace).await;
    assert_eq!(a.status, 200, "{}", a.body);
    assert_eq!(
        sim.record_sets(ZONE, "w.example.com", "A")[0].weight,
        Some(5)
    );

    // An alias, through a batch and through put_record, listed without TTL.
    let alias = batch(&[(
        "CREATE",
        rrset(
            "<Name>lb.example.com.</Name><Type>A</Type><AliasTarget><HostedZoneId>Z35SXDOTRQ7X7K</HostedZoneId><DNSName>my-lb.us-east-1.elb.amazonaws.com.</DNSName><EvaluateTargetHealth>false</EvaluateTargetHealth></AliasTarget>",
        ),
    )]);
    let a = sigv4(&client, &sim, "POST", &path, "", &alias).await;
    assert_eq!(a.status, 200, "{}", a.body);
    sim.put_record(
        ZONE,
        RecordSet::alias(
            "apex.example.com",
            "AAAA",
            "Z35SXDOTRQ7X7K",
            "my-lb.us-east-1.elb.amazonaws.com.",
        ),
    );
    let a = sigv4(
        &client,
        &sim,
        "GET",
        &path,
        "name=lb.example.com.&type=A&maxitems=1",
        "",
    )
    .await;
    assert!(a.body.contains("<ResourceRecordSet><Name>lb.example.com.</Name><Type>A</Type><AliasTarget><HostedZoneId>Z35SXDOTRQ7X7K</HostedZoneId><DNSName>my-lb.us-east-1.elb.amazonaws.com.</DNSName><EvaluateTargetHealth>false</EvaluateTargetHealth></AliasTarget></ResourceRecordSet>"), "{}", a.body);
    assert!(
        sim.record(ZONE, "apex.example.com", "AAAA")
            .unwrap()
            .alias_target
            .is_some()
    );
    let both = alias.replace("<AliasTarget>", "<TTL>60</TTL><AliasTarget>");
    let a = sigv4(&client, &sim, "POST", &path, "", &both).await;
    assert_eq!(a.code(), Some("InvalidInput"), "{}", a.body);
}
