//! CORS from a configured allow-list of origins, with preflight handling.

use http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use ports::PortError;

use crate::{Problem, router::MethodRouter};

/// Request headers a cross-origin caller may send.
const ALLOWED_REQUEST_HEADERS: &[&str] = &[
    "accept",
    "accept-language",
    "authorization",
    "content-language",
    "content-type",
    "idempotency-key",
    "if-match",
    "if-none-match",
    "x-api-key",
    "x-request-id",
];

/// Response headers a cross-origin caller may read.
const EXPOSED_HEADERS: &str = "etag, location, retry-after, x-request-id, ratelimit, ratelimit-policy, \
                               idempotent-replayed, deprecation, sunset, link";

/// How long a browser may cache a preflight answer, in seconds.
const PREFLIGHT_MAX_AGE: &str = "600";

/// Which origins may call the API from a browser.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum AllowedOrigins {
    /// No cross-origin access (the default).
    #[default]
    None,
    /// Any origin, never with credentials.
    Any,
    /// Exactly these origins (`scheme://host[:port]`, lower case).
    List(Vec<String>),
}

/// The configured cross-origin policy.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CorsPolicy {
    origins: AllowedOrigins,
    allow_credentials: bool,
}

impl CorsPolicy {
    /// Parses `cors_allowed_origins` (`*` or a comma-separated list). `*` together with
    /// credentials is refused: browsers forbid it and it would expose users' sessions.
    pub fn parse(origins: &str, allow_credentials: bool) -> Result<Self, PortError> {
        let entries: Vec<&str> = origins.split(',').map(str::trim).filter(|s| !s.is_empty()).collect();
        let origins = match entries.as_slice() {
            [] => AllowedOrigins::None,
            ["*"] if allow_credentials => {
                return Err(PortError::invalid_input(
                    "cors_allowed_origins `*` cannot be combined with cors_allow_credentials=true",
                ));
            }
            ["*"] => AllowedOrigins::Any,
            list => AllowedOrigins::List(list.iter().map(|o| parse_origin(o)).collect::<Result<_, _>>()?),
        };
        Ok(Self { origins, allow_credentials })
    }

    fn allows(&self, origin: &str) -> bool {
        match &self.origins {
            AllowedOrigins::None => false,
            AllowedOrigins::Any => true,
            AllowedOrigins::List(list) => list.iter().any(|o| o.eq_ignore_ascii_case(origin)),
        }
    }

    fn allow_origin_value(&self, origin: &str) -> Option<HeaderValue> {
        match self.origins {
            AllowedOrigins::Any => Some(HeaderValue::from_static("*")),
            _ => HeaderValue::from_str(origin).ok(),
        }
    }

    /// Answers a preflight (`OPTIONS` with `Origin` and `Access-Control-Request-Method`) for a
    /// route: 204 with the grant, or 403 naming what was refused.
    pub(crate) fn preflight(&self, request: &HeaderMap, methods: &MethodRouter) -> Result<HeaderMap, Problem> {
        let origin = text(request, header::ORIGIN).unwrap_or_default();
        if !self.allows(origin) {
            return Err(denied("cors_origin_denied", "This origin may not call the API from a browser."));
        }
        let method =
            text(request, header::ACCESS_CONTROL_REQUEST_METHOD).and_then(|m| Method::from_bytes(m.as_bytes()).ok());
        if !method.is_some_and(|m| methods.allows(&m)) {
            return Err(denied("cors_method_denied", "The requested method is not allowed on this URL."));
        }
        let requested_headers = text(request, header::ACCESS_CONTROL_REQUEST_HEADERS).unwrap_or_default();
        let requested: Vec<String> =
            requested_headers.split(',').map(|h| h.trim().to_ascii_lowercase()).filter(|h| !h.is_empty()).collect();
        if let Some(refused) = requested.iter().find(|h| !ALLOWED_REQUEST_HEADERS.contains(&h.as_str())) {
            return Err(denied("cors_header_denied", format!("The request header `{refused}` is not allowed.")));
        }

        let mut grant = HeaderMap::new();
        self.add_origin(&mut grant, origin);
        insert(&mut grant, header::ACCESS_CONTROL_ALLOW_METHODS, &methods.allow());
        if !requested.is_empty() {
            insert(&mut grant, header::ACCESS_CONTROL_ALLOW_HEADERS, &requested.join(", "));
        }
        grant.insert(header::ACCESS_CONTROL_MAX_AGE, HeaderValue::from_static(PREFLIGHT_MAX_AGE));
        grant.append(header::VARY, HeaderValue::from_static("Access-Control-Request-Method"));
        grant.append(header::VARY, HeaderValue::from_static("Access-Control-Request-Headers"));
        Ok(grant)
    }

    /// Adds the CORS grant to an ordinary response when its request came from an allowed origin.
    pub(crate) fn apply(&self, origin: Option<&str>, response: &mut HeaderMap) {
        if matches!(self.origins, AllowedOrigins::List(_)) {
            // The answer depends on Origin, so shared caches must key on it.
            response.append(header::VARY, HeaderValue::from_static("Origin"));
        }
        let Some(origin) = origin else { return };
        if !self.allows(origin) || response.contains_key(header::ACCESS_CONTROL_ALLOW_ORIGIN) {
            return;
        }
        self.add_origin(response, origin);
        response.insert(header::ACCESS_CONTROL_EXPOSE_HEADERS, HeaderValue::from_static(EXPOSED_HEADERS));
    }

    fn add_origin(&self, headers: &mut HeaderMap, origin: &str) {
        if let Some(value) = self.allow_origin_value(origin) {
            headers.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, value);
        }
        if self.allow_credentials {
            headers.insert(header::ACCESS_CONTROL_ALLOW_CREDENTIALS, HeaderValue::from_static("true"));
        }
    }
}

/// Whether a request is a CORS preflight rather than a plain `OPTIONS`.
pub(crate) fn is_preflight(method: &Method, headers: &HeaderMap) -> bool {
    method == Method::OPTIONS
        && headers.contains_key(header::ORIGIN)
        && headers.contains_key(header::ACCESS_CONTROL_REQUEST_METHOD)
}

fn parse_origin(origin: &str) -> Result<String, PortError> {
    let lower = origin.to_ascii_lowercase();
    let rest = lower
        .strip_prefix("https://")
        .or_else(|| lower.strip_prefix("http://"))
        .ok_or_else(|| PortError::invalid_input(format!("cors origin `{origin}` needs http:// or https://")))?;
    if rest.is_empty() || rest.contains(['/', '?', '#', '*', ' ']) {
        return Err(PortError::invalid_input(format!("cors origin `{origin}` must be scheme://host[:port] only")));
    }
    Ok(lower)
}

fn text(headers: &HeaderMap, name: header::HeaderName) -> Option<&str> {
    headers.get(name).and_then(|v| v.to_str().ok())
}

fn insert(headers: &mut HeaderMap, name: header::HeaderName, value: &str) {
    if let Ok(value) = HeaderValue::from_str(value) {
        headers.insert(name, value);
    }
}

fn denied(code: &'static str, detail: impl Into<String>) -> Problem {
    Problem::new(StatusCode::FORBIDDEN, code, "CORS request denied").with_detail(detail)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Request, Response, get};

    async fn ok(_: Request) -> Response {
        Response::default()
    }

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        pairs.iter().map(|(k, v)| (header::HeaderName::from_static(k), HeaderValue::from_str(v).unwrap())).collect()
    }

    fn policy() -> CorsPolicy {
        CorsPolicy::parse("https://app.example.com, http://localhost:3000", true).unwrap()
    }

    #[test]
    fn parses_and_validates_origins() {
        assert_eq!(CorsPolicy::parse("", false).unwrap(), CorsPolicy::default());
        assert!(CorsPolicy::parse("*", true).is_err(), "wildcard with credentials must be refused");
        assert!(CorsPolicy::parse("*", false).is_ok());
        assert!(CorsPolicy::parse("app.example.com", false).is_err());
        assert!(CorsPolicy::parse("https://app.example.com/path", false).is_err());
    }

    #[test]
    fn preflight_grants_allowed_origin_method_and_headers() {
        let request = headers(&[
            ("origin", "https://app.example.com"),
            ("access-control-request-method", "GET"),
            ("access-control-request-headers", "Authorization, Content-Type"),
        ]);
        let grant = policy().preflight(&request, &get(ok)).unwrap();
        assert_eq!(grant[header::ACCESS_CONTROL_ALLOW_ORIGIN], "https://app.example.com");
        assert_eq!(grant[header::ACCESS_CONTROL_ALLOW_CREDENTIALS], "true");
        assert_eq!(grant[header::ACCESS_CONTROL_ALLOW_METHODS], "GET, HEAD, OPTIONS");
        assert_eq!(grant[header::ACCESS_CONTROL_ALLOW_HEADERS], "authorization, content-type");
    }

    #[test]
    fn preflight_denies_origin_method_and_header() {
        let origin = ("origin", "https://app.example.com");
        let cases = [
            (
                headers(&[("origin", "https://evil.example"), ("access-control-request-method", "GET")]),
                "cors_origin_denied",
            ),
            (headers(&[origin, ("access-control-request-method", "DELETE")]), "cors_method_denied"),
            (
                headers(&[
                    origin,
                    ("access-control-request-method", "GET"),
                    ("access-control-request-headers", "x-evil"),
                ]),
                "cors_header_denied",
            ),
        ];
        for (request, code) in cases {
            let problem = policy().preflight(&request, &get(ok)).unwrap_err();
            assert_eq!(problem.code(), code);
            assert_eq!(problem.status(), StatusCode::FORBIDDEN);
        }
    }

    #[test]
    fn wildcard_never_sends_credentials() {
        let wildcard = CorsPolicy::parse("*", false).unwrap();
        let mut response = HeaderMap::new();
        wildcard.apply(Some("https://any.example"), &mut response);
        assert_eq!(response[header::ACCESS_CONTROL_ALLOW_ORIGIN], "*");
        assert!(!response.contains_key(header::ACCESS_CONTROL_ALLOW_CREDENTIALS));
    }

    #[test]
    fn disallowed_origins_get_no_grant_but_vary() {
        let mut response = HeaderMap::new();
        policy().apply(Some("https://evil.example"), &mut response);
        assert!(!response.contains_key(header::ACCESS_CONTROL_ALLOW_ORIGIN));
        assert_eq!(response[header::VARY], "Origin");
    }
}
