//! A string that must never be printed: secret keys, session tokens, IMDS
//! tokens, signatures.
//!
//! `Secret` has no `Display`, its `Debug` prints `** redacted **`, and the only
//! way to read it is [`Secret::expose`], which makes every use easy to audit.

use std::fmt;

/// What every redacting `Debug` prints in place of a secret.
pub const REDACTED: &str = "** redacted **";

/// A string that never prints: see the module's documentation.
#[derive(Clone, PartialEq, Eq, serde::Deserialize)]
#[serde(transparent)]
pub struct Secret(String);

impl Secret {
    /// Wraps `value`.
    pub fn new(value: impl Into<String>) -> Self {
        Secret(value.into())
    }

    /// The secret value, for signing or for a request header marked sensitive.
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// True when the value is the empty string.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(REDACTED)
    }
}

impl From<String> for Secret {
    fn from(value: String) -> Self {
        Secret(value)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_never_shows_the_value() {
        let s = Secret::new("wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY");
        let shown = format!("{s:?} {s:#?} {:?}", Some(&s));
        assert!(!shown.contains("wJalr"), "{shown}");
        assert!(shown.contains("redacted"));
        assert_eq!(s.expose(), "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY");
    }
}
