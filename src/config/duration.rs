//! Durations as operators write them: `90`, `"90s"`, `"1500ms"`, `"5m"`, `"1h"`,
//! `"1m30s"`. A bare number means seconds.
//!
//! Every duration setting is bounded ([`check`]): at most [`MAX`] (a day), so
//! `Instant::now() + d` can never overflow and a typo such as
//! `deadline = 18446744073709551615` is a config error naming the key, not
//! a panic.

use serde::de::{self, Deserialize, Deserializer, Visitor};
use std::fmt;
use std::time::Duration;

/// The longest any duration setting or flag may be: a day. A boot-time run
/// that needs longer is stuck, and a `watch` interval longer than that
/// misses a day of Elastic IP moves.
pub(crate) const MAX: Duration = Duration::from_secs(24 * 3600);

/// `d` if it lies in `min..=max`, else a message for the operator.
pub(crate) fn check(d: Duration, min: Duration, max: Duration) -> Result<Duration, String> {
    if d > max {
        Err(format!(
            "{} is too long: at most {} is allowed",
            display_long(d),
            display(max)
        ))
    } else if d < min {
        Err(format!(
            "{} is too short: at least {} is needed",
            display(d),
            display(min)
        ))
    } else {
        Ok(d)
    }
}

/// [`display`], but as plain seconds past [`MAX`] (no "5124095576030431h").
fn display_long(d: Duration) -> String {
    if d > MAX {
        format!("{}s", d.as_secs())
    } else {
        display(d)
    }
}

/// A duration as written in the config, for `toml::Spanned` (so a bad value
/// can be reported with its key and line).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Setting(pub Duration);

impl<'de> Deserialize<'de> for Setting {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        deserialize(d).map(Setting)
    }
}

/// Parses `"1m30s"`, `"250ms"`, `"60"`...; `None` when malformed or empty.
pub(crate) fn parse(text: &str) -> Option<Duration> {
    let text = text.trim();
    if text.is_empty() {
        return None;
    }
    if let Ok(secs) = text.parse::<u64>() {
        return Some(Duration::from_secs(secs));
    }
    let mut total = Duration::ZERO;
    let mut rest = text;
    while !rest.is_empty() {
        let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
        if digits == 0 {
            return None;
        }
        let value: u64 = rest[..digits].parse().ok()?;
        rest = &rest[digits..];
        let unit_len = rest.bytes().take_while(|b| b.is_ascii_alphabetic()).count();
        let unit = match &rest[..unit_len] {
            "ms" => Duration::from_millis(value),
            "s" => Duration::from_secs(value),
            "m" | "min" => Duration::from_secs(value.checked_mul(60)?),
            "h" => Duration::from_secs(value.checked_mul(3600)?),
            _ => return None,
        };
        total = total.checked_add(unit)?;
        rest = &rest[unit_len..];
    }
    Some(total)
}

/// `"1m30s"` style, for messages and `--help` defaults.
pub(crate) fn display(d: Duration) -> String {
    let ms = d.as_millis();
    if ms % 1000 != 0 {
        return format!("{ms}ms");
    }
    let secs = d.as_secs();
    match (secs / 3600, secs % 3600 / 60, secs % 60) {
        (0, 0, s) => format!("{s}s"),
        (0, m, 0) => format!("{m}m"),
        (0, m, s) => format!("{m}m{s}s"),
        (h, 0, 0) => format!("{h}h"),
        (h, m, s) => format!("{h}h{m}m{s}s"),
    }
}

/// serde `deserialize_with` for a duration given as an integer (seconds) or a string.
pub(crate) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Duration, D::Error> {
    struct DurationVisitor;
    impl Visitor<'_> for DurationVisitor {
        type Value = Duration;
        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("a duration such as 60, \"90s\", \"5m\" or \"1h\"")
        }
        fn visit_i64<E: de::Error>(self, v: i64) -> Result<Duration, E> {
            u64::try_from(v)
                .map(Duration::from_secs)
                .map_err(|_| E::custom("a duration cannot be negative"))
        }
        fn visit_u64<E: de::Error>(self, v: u64) -> Result<Duration, E> {
            Ok(Duration::from_secs(v))
        }
        fn visit_str<E: de::Error>(self, v: &str) -> Result<Duration, E> {
            parse(v).ok_or_else(|| {
                E::custom(format!(
                    "invalid duration {v:?}: use a number of seconds or units ms, s, m, h (e.g. \"90s\")"
                ))
            })
        }
    }
    d.deserialize_any(DurationVisitor)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_what_operators_write() {
        assert_eq!(parse("90"), Some(Duration::from_secs(90)));
        assert_eq!(parse("90s"), Some(Duration::from_secs(90)));
        assert_eq!(parse("1m30s"), Some(Duration::from_secs(90)));
        assert_eq!(parse("250ms"), Some(Duration::from_millis(250)));
        assert_eq!(parse("2h"), Some(Duration::from_secs(7200)));
        assert_eq!(parse("5min"), Some(Duration::from_secs(300)));
        for bad in ["", "s", "10x", "-5s", "1.5s", "10 s"] {
            assert_eq!(parse(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn displays_compactly() {
        for (secs, text) in [
            (0, "0s"),
            (59, "59s"),
            (60, "1m"),
            (90, "1m30s"),
            (3600, "1h"),
            (3661, "1h1m1s"),
        ] {
            assert_eq!(display(Duration::from_secs(secs)), text);
            assert_eq!(parse(text), Some(Duration::from_secs(secs)));
        }
        assert_eq!(display(Duration::from_millis(1500)), "1500ms");
    }

    #[test]
    fn checks_bounds_without_overflow() {
        let s = Duration::from_secs;
        assert_eq!(check(s(60), s(1), MAX), Ok(s(60)));
        assert_eq!(check(MAX, s(1), MAX), Ok(MAX));
        assert_eq!(check(s(0), s(0), MAX), Ok(s(0)));
        let e = check(s(u64::MAX), s(1), MAX).unwrap_err();
        assert_eq!(
            e,
            "18446744073709551615s is too long: at most 24h is allowed"
        );
        let e = check(s(0), s(1), MAX).unwrap_err();
        assert_eq!(e, "0s is too short: at least 1s is needed");
        // The largest thing the parser accepts is still just "too long".
        let huge = parse("18446744073709551615s").unwrap();
        assert!(check(huge, s(1), MAX).is_err());
        assert_eq!(parse("18446744073709551615h"), None);
    }
}
