//! Route 53 answers: every parser in `route53::xml` on any text returns a
//! value or an error, never panics. Invalid UTF-8 is converted lossily, as
//! the HTTP layer would see it after `String::from_utf8_lossy`.
#![no_main]

use ec2_dns_updater::route53::xml;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let body = String::from_utf8_lossy(data);
    let body = body.as_ref();

    let _ = xml::root_name(body);
    let name = ec2_dns_updater::dns::name::DnsName::parse("web.example.com").expect("valid");
    if let Ok(listing) = xml::parse_list(body, &name) {
        for set in &listing.sets {
            // Whatever parsed must be usable by the rest of the program, and
            // only sets at the name asked for are returned.
            if let ec2_dns_updater::dns::record::Existing::Simple(s) = set {
                let _ = s.values_text();
                assert_eq!(s.name, name);
            }
        }
    }
    for root in ["ChangeResourceRecordSetsResponse", "GetChangeResponse"] {
        if let Ok(info) = xml::parse_change_info(body, root) {
            assert!(
                !info.id.is_empty() && info.id.bytes().all(|b| b.is_ascii_alphanumeric()),
                "{info:?}"
            );
        }
    }
    if let Ok(zones) = xml::parse_hosted_zones(body) {
        for zone in &zones {
            assert!(zone.name.as_str().ends_with('.'), "{zone:?}");
        }
    }
    let error = xml::parse_error(body);
    if error.code.is_none() {
        // The excerpt of a body that is not an error document: one short line.
        assert!(error.message.chars().count() <= 200, "{error:?}");
        assert!(!error.message.contains(['\n', '\r']), "{error:?}");
    }
});
