//! Security headers on every response.

use http::{HeaderMap, HeaderName, HeaderValue, header};

/// Headers every response carries unless the handler chose its own value (a docs page may
/// need a looser `Content-Security-Policy`, a cacheable read its own `Cache-Control`).
static DEFAULTS: [(HeaderName, HeaderValue); 8] = [
    (header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff")),
    (header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY")),
    (header::REFERRER_POLICY, HeaderValue::from_static("no-referrer")),
    (header::CONTENT_SECURITY_POLICY, HeaderValue::from_static("default-src 'none'; frame-ancestors 'none'")),
    (header::STRICT_TRANSPORT_SECURITY, HeaderValue::from_static("max-age=63072000; includeSubDomains")),
    (header::CACHE_CONTROL, HeaderValue::from_static("no-store")),
    // Cross-origin isolation; `http` has no constants for these names.
    (HeaderName::from_static("cross-origin-opener-policy"), HeaderValue::from_static("same-origin")),
    (HeaderName::from_static("cross-origin-resource-policy"), HeaderValue::from_static("same-origin")),
];

/// Every default header with its value, for adapters that pre-build them once.
pub fn defaults() -> impl Iterator<Item = (&'static HeaderName, &'static HeaderValue)> {
    DEFAULTS.iter().map(|(name, value)| (name, value))
}

/// Adds each default header the response does not already have.
pub(crate) fn apply(headers: &mut HeaderMap) {
    for (name, value) in &DEFAULTS {
        headers.entry(name).or_insert_with(|| value.clone());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn adds_defaults_but_keeps_handler_choices() {
        let mut headers = HeaderMap::new();
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("public, max-age=60"));
        apply(&mut headers);
        assert_eq!(headers[header::CACHE_CONTROL], "public, max-age=60");
        assert_eq!(headers[header::X_CONTENT_TYPE_OPTIONS], "nosniff");
        assert_eq!(headers["cross-origin-opener-policy"], "same-origin");
    }

    #[test]
    fn defaults_list_exactly_what_apply_adds() {
        let mut headers = HeaderMap::new();
        apply(&mut headers);
        let applied: Vec<(&HeaderName, &HeaderValue)> = headers.iter().collect();
        assert_eq!(applied, defaults().collect::<Vec<_>>());
    }
}
