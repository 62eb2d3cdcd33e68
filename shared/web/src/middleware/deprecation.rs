//! `Deprecation` (RFC 9745), `Sunset` (RFC 8594) and a successor `Link` on every route of a
//! deprecated API version that has a successor route.
//!
//! Routes are matched by prefix (`/v1/` → `/v2/`): a `/v1/...` route gets the headers only if
//! the same path under `/v2/` is also served, so version-less endpoints (`/v1/auth/...`) do not.

use http::{HeaderMap, HeaderValue, header};
use ports::PortError;

use crate::Router;

/// When and how a version is retired.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeprecationPolicy {
    /// Path prefix of the deprecated version, e.g. `/v1/`.
    pub prefix: String,
    /// Path prefix of its successor, e.g. `/v2/`.
    pub successor_prefix: String,
    /// `Deprecation` value: `@<unix seconds>` (RFC 9745).
    pub deprecation: String,
    /// `Sunset` value: an HTTP-date (RFC 8594), if announced.
    pub sunset: Option<String>,
}

impl DeprecationPolicy {
    /// Builds the policy from settings; `deprecation` must be `@<unix seconds>`.
    pub fn new(
        prefix: String,
        successor_prefix: String,
        deprecation: String,
        sunset: Option<String>,
    ) -> Result<Self, PortError> {
        let valid_date =
            deprecation.strip_prefix('@').is_some_and(|s| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()));
        if !valid_date {
            return Err(PortError::invalid_input("api_deprecation must be @<unix seconds> (RFC 9745)"));
        }
        for value in [Some(&deprecation), sunset.as_ref(), Some(&prefix), Some(&successor_prefix)].into_iter().flatten()
        {
            HeaderValue::from_str(value)
                .map_err(|_| PortError::invalid_input("deprecation settings must be visible ASCII"))?;
        }
        Ok(Self { prefix, successor_prefix, deprecation, sunset })
    }

    /// Adds the headers when `path` is under the deprecated prefix and its successor is routed.
    pub(crate) fn apply(&self, router: &Router, path: &str, headers: &mut HeaderMap) {
        let Some(rest) = path.strip_prefix(&self.prefix) else { return };
        let successor = format!("{}{rest}", self.successor_prefix);
        if router.find(&successor).is_none() {
            return;
        }
        let mut insert = |name: &str, value: &str| {
            if let Ok(value) = HeaderValue::from_str(value) {
                headers.append(header::HeaderName::from_bytes(name.as_bytes()).expect("static header name"), value);
            }
        };
        insert("deprecation", &self.deprecation);
        if let Some(sunset) = &self.sunset {
            insert("sunset", sunset);
        }
        insert("link", &format!("<{successor}>; rel=\"successor-version\""));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Request, Response, get};

    async fn ok(_: Request) -> Response {
        Response::default()
    }

    #[test]
    fn only_routes_with_a_successor_are_marked() {
        let router = Router::new()
            .route("/v1/orders/{id}", get(ok))
            .route("/v2/orders/{id}", get(ok))
            .route("/v1/auth/token", get(ok));
        let policy = DeprecationPolicy::new(
            "/v1/".into(),
            "/v2/".into(),
            "@1798761600".into(),
            Some("Wed, 30 Jun 2027 00:00:00 GMT".into()),
        )
        .unwrap();
        let mut headers = HeaderMap::new();
        policy.apply(&router, "/v1/orders/42", &mut headers);
        assert_eq!(headers["deprecation"], "@1798761600");
        assert_eq!(headers["sunset"], "Wed, 30 Jun 2027 00:00:00 GMT");
        assert_eq!(headers["link"], "</v2/orders/42>; rel=\"successor-version\"");
        let mut untouched = HeaderMap::new();
        policy.apply(&router, "/v1/auth/token", &mut untouched);
        policy.apply(&router, "/v2/orders/42", &mut untouched);
        assert!(untouched.is_empty());
        assert!(DeprecationPolicy::new("/v1/".into(), "/v2/".into(), "2027-01-01".into(), None).is_err());
    }
}
