//! The request a handler receives.

use std::str::FromStr;

use bytes::Bytes;
use http::{HeaderMap, Method, Uri, header, request::Parts};
use ports::Platform;
use serde::de::DeserializeOwned;

use crate::middleware::correlation::Correlation;
use crate::{Problem, TraceContext};

/// Longest excerpt of a parser message echoed back to the client.
const MAX_DETAIL_CHARS: usize = 200;

/// An incoming request after routing: head, buffered body, path parameters and the platform.
pub struct Request {
    head: Parts,
    body: Bytes,
    params: Vec<(String, String)>,
    route: &'static str,
    ids: Correlation,
    platform: Platform,
}

impl Request {
    pub(crate) fn new(
        head: Parts,
        body: Bytes,
        params: Vec<(String, String)>,
        route: &'static str,
        ids: Correlation,
        platform: Platform,
    ) -> Self {
        Self { head, body, params, route, ids, platform }
    }

    /// The HTTP method.
    pub fn method(&self) -> &Method {
        &self.head.method
    }

    /// The request target.
    pub fn uri(&self) -> &Uri {
        &self.head.uri
    }

    /// All headers.
    pub fn headers(&self) -> &HeaderMap {
        &self.head.headers
    }

    /// A header's value as text, `None` when absent or not visible ASCII.
    pub fn header(&self, name: impl http::header::AsHeaderName) -> Option<&str> {
        self.head.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// The matched route template, e.g. `/v1/orders/{id}`.
    pub fn route(&self) -> &'static str {
        self.route
    }

    /// This request's id (inbound `X-Request-ID` if sane, otherwise generated).
    pub fn request_id(&self) -> &str {
        &self.ids.request_id
    }

    /// The trace this request belongs to (continued from `traceparent`, or new).
    pub fn trace(&self) -> &TraceContext {
        &self.ids.trace
    }

    /// The ports for this request (its log lines and outbound calls carry its trace).
    pub fn platform(&self) -> &Platform {
        &self.platform
    }

    /// The raw body.
    pub fn body(&self) -> &Bytes {
        &self.body
    }

    /// A path parameter as text. Asking for a name the route does not declare is a bug (500).
    pub fn param(&self, name: &str) -> Result<&str, Problem> {
        self.params
            .iter()
            .find(|(key, _)| key == name)
            .map(|(_, value)| value.as_str())
            .ok_or_else(|| Problem::internal(format!("route {} has no parameter `{name}`", self.route)))
    }

    /// A path parameter parsed as `T`. A value that does not parse names nothing that exists: 404.
    pub fn param_as<T: FromStr>(&self, name: &str) -> Result<T, Problem> {
        self.param(name)?.parse().map_err(|_| Problem::not_found())
    }

    /// The client's IP address as the runtime reported it (`CF-Connecting-IP` on Cloudflare,
    /// the peer address on Spin), if known.
    pub fn client_ip(&self) -> Option<&str> {
        self.head.extensions.get::<ClientIp>().map(|ip| ip.0.as_str())
    }

    /// The client's address as a key for rate limits and throttles: an IPv4 address whole, an
    /// IPv6 address as its /64 network (a subscriber usually holds a whole /64, so per-address
    /// keys would let one client rotate past every limit). Text that is not an address is used
    /// as it is.
    pub fn client_network(&self) -> Option<String> {
        self.client_ip().map(network_of)
    }

    /// The query string parsed as `T`. Unknown or malformed parameters are a 400 when `T`
    /// denies unknown fields (`#[serde(deny_unknown_fields)]`), as list endpoints should.
    pub fn query<T: DeserializeOwned>(&self) -> Result<T, Problem> {
        serde_urlencoded::from_str(self.head.uri.query().unwrap_or(""))
            .map_err(|e| Problem::bad_request("invalid_query", truncate(&e.to_string(), MAX_DETAIL_CHARS)))
    }

    /// The body parsed as `application/x-www-form-urlencoded` (415 for another media type,
    /// 400 when it does not fit `T`).
    pub fn form<T: DeserializeOwned>(&self) -> Result<T, Problem> {
        let essence = self.header(header::CONTENT_TYPE).map(media_type_essence).unwrap_or_default();
        if essence != "application/x-www-form-urlencoded" {
            return Err(Problem::unsupported_media_type("application/x-www-form-urlencoded"));
        }
        serde_urlencoded::from_bytes(&self.body)
            .map_err(|e| Problem::bad_request("invalid_form", truncate(&e.to_string(), MAX_DETAIL_CHARS)))
    }

    /// The body parsed as JSON.
    ///
    /// 415 unless `Content-Type` is `application/json` or `application/*+json`; 400 for
    /// malformed JSON; 422 when the JSON does not fit `T` (wrong type, missing field).
    pub fn json<T: DeserializeOwned>(&self) -> Result<T, Problem> {
        if !self.header(header::CONTENT_TYPE).is_some_and(is_json_media_type) {
            return Err(Problem::unsupported_media_type("application/json"));
        }
        if self.body.is_empty() {
            return Err(Problem::bad_request("malformed_json", "The request body is empty; send a JSON document."));
        }
        serde_json::from_slice(&self.body).map_err(|error| {
            let message = truncate(&error.to_string(), MAX_DETAIL_CHARS);
            match error.classify() {
                serde_json::error::Category::Data => Problem::unprocessable("invalid_body", message),
                _ => Problem::bad_request("malformed_json", format!("The body is not valid JSON: {message}")),
            }
        })
    }
}

/// See [`Request::client_network`].
fn network_of(ip: &str) -> String {
    match ip.parse::<std::net::IpAddr>() {
        Ok(std::net::IpAddr::V6(v6)) => match v6.to_ipv4_mapped() {
            Some(v4) => v4.to_string(),
            None => {
                let [a, b, c, d, ..] = v6.segments();
                format!("{}/64", std::net::Ipv6Addr::new(a, b, c, d, 0, 0, 0, 0))
            }
        },
        Ok(std::net::IpAddr::V4(v4)) => v4.to_string(),
        Err(_) => ip.to_owned(),
    }
}

/// The client address an adapter attaches to the request's extensions.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientIp(pub String);

/// A media type without parameters, lower case (`Text/HTML; charset=x` → `text/html`).
fn media_type_essence(value: &str) -> String {
    value.split(';').next().unwrap_or("").trim().to_ascii_lowercase()
}

/// `application/json` or any `application/<x>+json`, with optional parameters (`; charset=utf-8`).
pub(crate) fn is_json_media_type(value: &str) -> bool {
    let essence = media_type_essence(value);
    essence == "application/json" || (essence.starts_with("application/") && essence.ends_with("+json"))
}

fn truncate(text: &str, max_chars: usize) -> String {
    match text.char_indices().nth(max_chars) {
        Some((index, _)) => format!("{}…", &text[..index]),
        None => text.to_owned(),
    }
}

#[cfg(test)]
mod tests {

    #[test]
    fn client_networks_group_ipv6_by_64() {
        assert_eq!(network_of("203.0.113.7"), "203.0.113.7");
        assert_eq!(network_of("2001:db8:1:2:aaaa::1"), "2001:db8:1:2::/64");
        assert_eq!(network_of("2001:db8::5"), "2001:db8::/64", "canonical, as written in allow-lists");
        assert_eq!(network_of("2001:db8:1:2:ffff:ffff:ffff:ffff"), "2001:db8:1:2::/64");
        assert_eq!(network_of("::ffff:198.51.100.9"), "198.51.100.9");
        assert_eq!(network_of("not an address"), "not an address");
    }

    use super::*;

    #[test]
    fn json_media_types() {
        assert!(is_json_media_type("application/json"));
        assert!(is_json_media_type("Application/JSON; charset=utf-8"));
        assert!(is_json_media_type("application/merge-patch+json"));
        assert!(!is_json_media_type("text/plain"));
        assert!(!is_json_media_type("application/jsonp"));
        assert!(!is_json_media_type(""));
    }

    #[test]
    fn truncation_respects_char_boundaries() {
        assert_eq!(truncate("héllo", 2), "hé…");
        assert_eq!(truncate("hi", 5), "hi");
    }
}
