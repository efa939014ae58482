//! UTC timestamps: the two parsers take any string, the formatters (and the
//! `SystemTime` conversions) take any time within ±10^11 s of the epoch;
//! nothing panics, and a time formatted in a 4-digit year parses back to
//! itself.
#![no_main]

use aws_sign::Timestamp;
use libfuzzer_sys::fuzz_target;

const RANGE: i64 = 100_000_000_000;
/// 0000-01-01T00:00:00Z and 9999-12-31T23:59:59Z.
const YEAR_0: i64 = -62_167_219_200;
const YEAR_9999_END: i64 = 253_402_300_799;
/// httpdate formats and parses 1970..=9999.
const EPOCH: i64 = 0;

fn check_formats(secs: i64) {
    let t = Timestamp::from_unix(secs);
    let rfc3339 = t.rfc3339();
    let amz = t.amz_date();
    let stamp = t.date_stamp();
    let http = t.http_date();
    assert!(amz.starts_with(&stamp), "{amz} {stamp}");
    assert_eq!(format!("{t}"), rfc3339);
    assert_eq!(Timestamp::from_system_time(t.to_system_time()), t);
    if (YEAR_0..=YEAR_9999_END).contains(&secs) {
        assert_eq!(Timestamp::parse_rfc3339(&rfc3339), Some(t), "{rfc3339}");
        assert_eq!(rfc3339.len(), 20, "{rfc3339}");
        assert_eq!(amz.len(), 16, "{amz}");
    }
    if (EPOCH..=YEAR_9999_END).contains(&secs) {
        assert_eq!(Timestamp::parse_http_date(&http), Some(t), "{http}");
    }
}

fuzz_target!(|data: &[u8]| {
    // Any 8 bytes: a time to format.
    if let Some(bytes) = data.get(..8) {
        let raw = i64::from_le_bytes(bytes.try_into().expect("8 bytes"));
        check_formats(raw.rem_euclid(2 * RANGE + 1) - RANGE);
    }
    // The whole input as text: both parsers; what parses formats back.
    let text = String::from_utf8_lossy(data);
    for parsed in [
        Timestamp::parse_rfc3339(&text),
        Timestamp::parse_http_date(&text),
    ]
    .into_iter()
    .flatten()
    {
        if (-RANGE..=RANGE).contains(&parsed.unix()) {
            check_formats(parsed.unix());
        }
    }
});
