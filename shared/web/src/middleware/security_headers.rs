//! Security headers on every response.

use http::{HeaderMap, HeaderName, HeaderValue, header};

/// Headers every response carries unless the handler chose its own value (a docs page may
/// need a looser `Content-Security-Policy`, a cacheable read its own `Cache-Control`).
const DEFAULTS: &[(HeaderName, &str)] = &[
    (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
    (header::X_FRAME_OPTIONS, "DENY"),
    (header::REFERRER_POLICY, "no-referrer"),
    (header::CONTENT_SECURITY_POLICY, "default-src 'none'; frame-ancestors 'none'"),
    (header::STRICT_TRANSPORT_SECURITY, "max-age=63072000; includeSubDomains"),
    (header::CACHE_CONTROL, "no-store"),
];

/// Cross-origin isolation headers; `HeaderName` has no constants for them.
const CROSS_ORIGIN: &[(&str, &str)] =
    &[("cross-origin-opener-policy", "same-origin"), ("cross-origin-resource-policy", "same-origin")];

/// Every default header as `(name, value)`, for adapters that pre-build them once.
pub fn defaults() -> impl Iterator<Item = (&'static str, &'static str)> {
    DEFAULTS.iter().map(|(name, value)| (name.as_str(), *value)).chain(CROSS_ORIGIN.iter().copied())
}

/// Adds each default header the response does not already have.
pub(crate) fn apply(headers: &mut HeaderMap) {
    for (name, value) in DEFAULTS {
        headers.entry(name).or_insert(HeaderValue::from_static(value));
    }
    for (name, value) in CROSS_ORIGIN {
        headers.entry(*name).or_insert(HeaderValue::from_static(value));
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
        let applied: Vec<(&str, &str)> = headers.iter().map(|(n, v)| (n.as_str(), v.to_str().unwrap())).collect();
        assert_eq!(applied, defaults().collect::<Vec<_>>());
    }
}
