//! The Route 53 operations the simulator implements, and which request path
//! names which operation.

use serde::{Deserialize, Serialize};
use std::fmt;

/// A Route 53 API operation.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Operation {
    /// `POST /2013-04-01/hostedzone/{Id}/rrset/`
    ChangeResourceRecordSets,
    /// `GET /2013-04-01/change/{Id}`
    GetChange,
    /// `GET /2013-04-01/hostedzonesbyname`
    ListHostedZonesByName,
    /// `GET /2013-04-01/hostedzone/{Id}/rrset`
    ListResourceRecordSets,
}

impl Operation {
    pub const ALL: [Operation; 4] = [
        Operation::ChangeResourceRecordSets,
        Operation::GetChange,
        Operation::ListHostedZonesByName,
        Operation::ListResourceRecordSets,
    ];

    /// The AWS name, as in IAM actions (`route53:<name>`).
    pub fn name(self) -> &'static str {
        match self {
            Operation::ChangeResourceRecordSets => "ChangeResourceRecordSets",
            Operation::GetChange => "GetChange",
            Operation::ListHostedZonesByName => "ListHostedZonesByName",
            Operation::ListResourceRecordSets => "ListResourceRecordSets",
        }
    }

    /// Parses an AWS name, case-insensitively.
    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL
            .into_iter()
            .find(|op| op.name().eq_ignore_ascii_case(name))
    }
}

impl fmt::Display for Operation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Where a request to the Route 53 listener goes.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Route<'a> {
    /// `GET /date`: unauthenticated, answers with a `Date` header.
    Date,
    /// `/_sim/<rest>`: the control API.
    Control(&'a str),
    /// An API operation and the id in its path (zone or change id).
    Op(Operation, &'a str),
    /// A known path with the wrong method.
    MethodNotAllowed,
    NotFound,
}

const VERSION: &str = "/2013-04-01/";

pub(crate) fn route<'a>(method: &str, path: &'a str) -> Route<'a> {
    if let Some(rest) = path.strip_prefix("/_sim/") {
        return Route::Control(rest);
    }
    if path == "/date" {
        return if method == "GET" || method == "HEAD" {
            Route::Date
        } else {
            Route::MethodNotAllowed
        };
    }
    let Some(rest) = path.strip_prefix(VERSION) else {
        return Route::NotFound;
    };
    let segments: Vec<&str> = rest.split('/').collect();
    let (op, id) = match segments.as_slice() {
        ["hostedzone", id, "rrset"] | ["hostedzone", id, "rrset", ""] if !id.is_empty() => {
            match method {
                "GET" => (Operation::ListResourceRecordSets, *id),
                "POST" => (Operation::ChangeResourceRecordSets, *id),
                _ => return Route::MethodNotAllowed,
            }
        }
        ["change", id] if !id.is_empty() => (Operation::GetChange, *id),
        ["hostedzonesbyname"] | ["hostedzonesbyname", ""] => (Operation::ListHostedZonesByName, ""),
        _ => return Route::NotFound,
    };
    if op != Operation::ChangeResourceRecordSets
        && op != Operation::ListResourceRecordSets
        && method != "GET"
    {
        return Route::MethodNotAllowed;
    }
    Route::Op(op, id)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn routes_every_operation() {
        let zone = "/2013-04-01/hostedzone/Z1/rrset";
        assert_eq!(
            route("GET", zone),
            Route::Op(Operation::ListResourceRecordSets, "Z1")
        );
        assert_eq!(
            route("POST", "/2013-04-01/hostedzone/Z1/rrset/"),
            Route::Op(Operation::ChangeResourceRecordSets, "Z1")
        );
        assert_eq!(
            route("GET", "/2013-04-01/change/C123"),
            Route::Op(Operation::GetChange, "C123")
        );
        assert_eq!(
            route("GET", "/2013-04-01/hostedzonesbyname"),
            Route::Op(Operation::ListHostedZonesByName, "")
        );
        assert_eq!(route("GET", "/date"), Route::Date);
        assert_eq!(route("GET", "/_sim/stats"), Route::Control("stats"));
        assert_eq!(route("DELETE", zone), Route::MethodNotAllowed);
        assert_eq!(
            route("POST", "/2013-04-01/change/C1"),
            Route::MethodNotAllowed
        );
        for path in [
            "/",
            "",
            "/2013-04-01/",
            "/2013-04-01/hostedzone//rrset",
            "/2013-04-01/hostedzone/Z1",
            "/2012-12-12/change/C1",
            "/2013-04-01/change/",
        ] {
            assert_eq!(route("GET", path), Route::NotFound, "{path:?}");
        }
    }

    #[test]
    fn names_round_trip() {
        for op in Operation::ALL {
            assert_eq!(Operation::from_name(op.name()), Some(op));
            assert_eq!(Operation::from_name(&op.name().to_lowercase()), Some(op));
        }
        assert_eq!(Operation::from_name("DeleteHostedZone"), None);
    }
}
