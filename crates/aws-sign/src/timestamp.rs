//! UTC timestamps in the three text forms AWS uses, without a calendar crate.
//!
//! - SigV4 `X-Amz-Date`: `20150830T123600Z`, and its date stamp `20150830`;
//! - HTTP dates (RFC 1123, always `GMT`): `Sun, 30 Aug 2015 12:36:00 GMT`,
//!   used by AWS3-HTTPS and by every `Date` response header;
//! - RFC 3339, as in the `Expiration` of IMDS role credentials.
//!
//! Whole seconds are enough everywhere AWS looks at time.

use std::fmt;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// Seconds since 1970-01-01T00:00:00Z (may be negative in principle; never in practice).
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Timestamp(i64);

/// A calendar date and time of day in UTC.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Civil {
    year: i64,
    month: u32,
    day: u32,
    hour: u32,
    minute: u32,
    second: u32,
}

impl Timestamp {
    /// The instant `secs` seconds after the Unix epoch.
    pub const fn from_unix(secs: i64) -> Self {
        Timestamp(secs)
    }

    /// The system clock, now.
    pub fn now() -> Self {
        Self::from_system_time(SystemTime::now())
    }

    /// `t`, truncated to whole seconds (rounded down before the epoch).
    pub fn from_system_time(t: SystemTime) -> Self {
        match t.duration_since(UNIX_EPOCH) {
            Ok(d) => Timestamp(d.as_secs() as i64),
            Err(e) => Timestamp(-(e.duration().as_secs_f64().ceil() as i64)),
        }
    }

    /// Seconds since the Unix epoch.
    pub fn unix(self) -> i64 {
        self.0
    }

    /// This time shifted by `secs` seconds (negative = earlier).
    pub fn offset_by(self, secs: i64) -> Self {
        Timestamp(self.0.saturating_add(secs))
    }

    /// Seconds from `earlier` to `self` (negative when `self` is before it).
    pub fn seconds_since(self, earlier: Timestamp) -> i64 {
        self.0 - earlier.0
    }

    /// This instant as a `SystemTime`.
    pub fn to_system_time(self) -> SystemTime {
        if self.0 >= 0 {
            UNIX_EPOCH + Duration::from_secs(self.0 as u64)
        } else {
            UNIX_EPOCH - Duration::from_secs(self.0.unsigned_abs())
        }
    }

    /// `20150830T123600Z`, the SigV4 `X-Amz-Date` form.
    pub fn amz_date(self) -> String {
        let c = self.civil();
        format!(
            "{:04}{:02}{:02}T{:02}{:02}{:02}Z",
            c.year, c.month, c.day, c.hour, c.minute, c.second
        )
    }

    /// `20150830`, the SigV4 credential-scope date.
    pub fn date_stamp(self) -> String {
        let c = self.civil();
        format!("{:04}{:02}{:02}", c.year, c.month, c.day)
    }

    /// `Sun, 30 Aug 2015 12:36:00 GMT` (RFC 1123 / IMF-fixdate).
    pub fn http_date(self) -> String {
        const DAYS: [&str; 7] = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"];
        const MONTHS: [&str; 12] = [
            "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
        ];
        let c = self.civil();
        // 1970-01-01 was a Thursday.
        let weekday = self.0.div_euclid(86_400).rem_euclid(7) as usize;
        format!(
            "{}, {:02} {} {:04} {:02}:{:02}:{:02} GMT",
            DAYS[weekday],
            c.day,
            MONTHS[(c.month - 1) as usize],
            c.year,
            c.hour,
            c.minute,
            c.second
        )
    }

    /// `2015-08-30T12:36:00Z`.
    pub fn rfc3339(self) -> String {
        let c = self.civil();
        format!(
            "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z",
            c.year, c.month, c.day, c.hour, c.minute, c.second
        )
    }

    /// Parses an HTTP `Date` header value (IMF-fixdate, RFC 850 or asctime).
    pub fn parse_http_date(s: &str) -> Option<Self> {
        httpdate::parse_http_date(s.trim())
            .ok()
            .map(Self::from_system_time)
    }

    /// Parses RFC 3339 as IMDS writes it: `2026-11-23T15:00:00Z`, with optional
    /// fractional seconds and an optional numeric offset instead of `Z`.
    pub fn parse_rfc3339(s: &str) -> Option<Self> {
        let s = s.trim();
        let b = s.as_bytes();
        if b.len() < 20 || b[4] != b'-' || b[7] != b'-' || !matches!(b[10], b'T' | b't' | b' ') {
            return None;
        }
        if b[13] != b':' || b[16] != b':' {
            return None;
        }
        let num = |r: std::ops::Range<usize>| -> Option<u32> {
            let part = s.get(r)?;
            if part.bytes().all(|c| c.is_ascii_digit()) {
                part.parse().ok()
            } else {
                None
            }
        };
        let civil = Civil {
            year: num(0..4)? as i64,
            month: num(5..7)?,
            day: num(8..10)?,
            hour: num(11..13)?,
            minute: num(14..16)?,
            second: num(17..19)?,
        };
        if !(1..=12).contains(&civil.month)
            || civil.day == 0
            || civil.day > days_in_month(civil.year, civil.month)
            || civil.hour > 23
            || civil.minute > 59
            || civil.second > 60
        {
            return None;
        }
        let mut rest = &s[19..];
        if let Some(frac) = rest.strip_prefix('.') {
            let digits = frac.bytes().take_while(u8::is_ascii_digit).count();
            if digits == 0 {
                return None;
            }
            rest = &frac[digits..];
        }
        let offset_secs: i64 = match rest {
            "Z" | "z" => 0,
            _ => {
                let rb = rest.as_bytes();
                if rb.len() != 6 || !matches!(rb[0], b'+' | b'-') || rb[3] != b':' {
                    return None;
                }
                let hours: i64 = rest.get(1..3)?.parse().ok()?;
                let minutes: i64 = rest.get(4..6)?.parse().ok()?;
                let sign = if rb[0] == b'-' { -1 } else { 1 };
                sign * (hours * 3600 + minutes * 60)
            }
        };
        Some(Timestamp(civil.to_unix() - offset_secs))
    }

    fn civil(self) -> Civil {
        let days = self.0.div_euclid(86_400);
        let secs = self.0.rem_euclid(86_400) as u32;
        let (year, month, day) = civil_from_days(days);
        Civil {
            year,
            month,
            day,
            hour: secs / 3600,
            minute: secs % 3600 / 60,
            second: secs % 60,
        }
    }
}

impl Civil {
    fn to_unix(self) -> i64 {
        days_from_civil(self.year, self.month, self.day) * 86_400
            + i64::from(self.hour) * 3600
            + i64::from(self.minute) * 60
            + i64::from(self.second)
    }
}

impl fmt::Debug for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.rfc3339())
    }
}

impl fmt::Display for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.rfc3339())
    }
}

fn is_leap(year: i64) -> bool {
    (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
}

fn days_in_month(year: i64, month: u32) -> u32 {
    match month {
        2 if is_leap(year) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's algorithm).
fn days_from_civil(year: i64, month: u32, day: u32) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y.rem_euclid(400);
    let m = i64::from(month);
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(day) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The inverse of [`days_from_civil`].
fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_the_three_forms() {
        let t = Timestamp::parse_rfc3339("2015-08-30T12:36:00Z").unwrap();
        assert_eq!(t.unix(), 1_440_938_160);
        assert_eq!(t.amz_date(), "20150830T123600Z");
        assert_eq!(t.date_stamp(), "20150830");
        assert_eq!(t.http_date(), "Sun, 30 Aug 2015 12:36:00 GMT");
        assert_eq!(t.rfc3339(), "2015-08-30T12:36:00Z");
    }

    #[test]
    fn leap_day_and_year_end() {
        let t = Timestamp::parse_rfc3339("2024-02-29T23:59:59Z").unwrap();
        assert_eq!(t.http_date(), "Thu, 29 Feb 2024 23:59:59 GMT");
        assert_eq!(t.offset_by(1).rfc3339(), "2024-03-01T00:00:00Z");
        let t = Timestamp::parse_rfc3339("1999-12-31T23:59:59Z").unwrap();
        assert_eq!(t.offset_by(1).amz_date(), "20000101T000000Z");
        assert_eq!(Timestamp::parse_rfc3339("2023-02-29T00:00:00Z"), None);
    }

    #[test]
    fn agrees_with_httpdate_over_many_days() {
        // Every 7 hours 13 minutes over ~60 years, both directions.
        let mut secs = 0i64;
        while secs < 1_900_000_000 {
            let t = Timestamp::from_unix(secs);
            let reference = httpdate::fmt_http_date(t.to_system_time());
            assert_eq!(t.http_date(), reference, "at {secs}");
            assert_eq!(Timestamp::parse_http_date(&reference), Some(t));
            assert_eq!(Timestamp::parse_rfc3339(&t.rfc3339()), Some(t));
            secs += 7 * 3600 + 13 * 60 + 1;
        }
    }

    #[test]
    fn rfc3339_variants() {
        let z = Timestamp::parse_rfc3339("2026-11-23T15:00:00Z").unwrap();
        assert_eq!(
            Timestamp::parse_rfc3339("2026-11-23T15:00:00.123Z"),
            Some(z)
        );
        assert_eq!(
            Timestamp::parse_rfc3339("2026-11-23T16:30:00+01:30"),
            Some(z)
        );
        for bad in [
            "",
            "2026-11-23",
            "2026-13-01T00:00:00Z",
            "2026-11-23T15:00:00",
            "2026-11-23T15:00:00.Z",
            "2026-11-23T25:00:00Z",
            "2026-11-2xT15:00:00Z",
            "2026-11-23T15:00:00+0100",
            "2026-11-23T15:00:00Zjunk",
        ] {
            assert_eq!(Timestamp::parse_rfc3339(bad), None, "{bad:?}");
        }
    }
}
