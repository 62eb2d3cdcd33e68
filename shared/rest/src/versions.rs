//! The two API versions served side by side.
//!
//! v1 and v2 share handlers and storage; they differ in representation only:
//!
//! | | v1 (deprecated) | v2 |
//! |---|---|---|
//! | money | `price_minor: 1234, currency: "EUR"` | `price: {"amount": "12.34", "currency": "EUR"}` |
//! | lists | `page`, `per_page`, `total` | `limit`, `cursor`, `next_cursor` |
//! | times | Unix milliseconds | RFC 3339 strings (UTC, milliseconds) |
//!
//! v1 responses carry `Deprecation`, `Sunset` and a successor `Link` (added by the HTTP core for
//! every route that has a `/v2` twin; see `web`'s deprecation settings).

use chrono::{DateTime, SecondsFormat, Utc};
use serde::Serialize;

/// Routes `path` under both `/v1` and `/v2` with the same handlers, which tell the versions
/// apart with [`ApiVersion::of_route`]:
/// `both_versions!(router, "/products/{id}", get(show).patch(update))`.
#[macro_export]
macro_rules! both_versions {
    ($router:expr, $path:literal, $methods:expr) => {{
        let methods = $methods;
        $router.route(concat!("/v1", $path), methods.clone()).route(concat!("/v2", $path), methods)
    }};
}

/// Which representation a request asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ApiVersion {
    /// Integer minor units, page numbers, Unix milliseconds.
    V1,
    /// Decimal strings, cursors, RFC 3339.
    V2,
}

impl ApiVersion {
    /// The version of a route template (`/v2/...` → V2, anything else V1).
    pub fn of_route(route: &str) -> Self {
        if route.starts_with("/v2/") { ApiVersion::V2 } else { ApiVersion::V1 }
    }

    /// The path prefix, `/v1` or `/v2`.
    pub fn prefix(self) -> &'static str {
        match self {
            ApiVersion::V1 => "/v1",
            ApiVersion::V2 => "/v2",
        }
    }
}

/// A time as a version shows it: Unix milliseconds in v1, RFC 3339 in v2.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(untagged)]
pub enum Time {
    /// v1: Unix ms.
    Millis(i64),
    /// v2: RFC 3339.
    Rfc3339(String),
}

impl Time {
    /// `millis` as `version` shows times.
    pub fn new(millis: i64, version: ApiVersion) -> Self {
        match version {
            ApiVersion::V1 => Time::Millis(millis),
            ApiVersion::V2 => Time::Rfc3339(rfc3339(millis)),
        }
    }
}

/// Unix milliseconds as RFC 3339 (`2026-11-22T01:02:03.456Z`).
pub fn rfc3339(millis: i64) -> String {
    DateTime::<Utc>::from_timestamp_millis(millis).unwrap_or_default().to_rfc3339_opts(SecondsFormat::Millis, true)
}

/// Parses an RFC 3339 time into Unix milliseconds.
pub fn parse_rfc3339(text: &str) -> Option<i64> {
    DateTime::parse_from_rfc3339(text).ok().map(|t| t.timestamp_millis())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_round_trip() {
        assert_eq!(rfc3339(0), "1970-01-01T00:00:00.000Z");
        assert_eq!(rfc3339(1_795_311_924_847), "2026-11-22T01:45:24.847Z");
        assert_eq!(parse_rfc3339("2026-11-22T01:45:24.847Z"), Some(1_795_311_924_847));
        assert_eq!(parse_rfc3339("2026-11-22T02:45:24.847+01:00"), Some(1_795_311_924_847));
        assert_eq!(parse_rfc3339("yesterday"), None);
        assert_eq!(ApiVersion::of_route("/v2/orders/{id}"), ApiVersion::V2);
        assert_eq!(ApiVersion::of_route("/v1/orders"), ApiVersion::V1);
    }
}
