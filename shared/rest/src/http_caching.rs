//! HTTP caching headers of public reads (the catalogue, published articles).

use cache::Source;
use http::{HeaderValue, header};
use web::{Request, Response};

/// `Cache-Control` of anonymous public reads (shared caches may keep them briefly).
pub const PUBLIC_CACHE_CONTROL: &str = "public, max-age=30, stale-while-revalidate=60";

/// Whether `request` carries no credential (so its answer is the same for every such caller).
pub fn is_anonymous(request: &Request) -> bool {
    request.header(header::AUTHORIZATION).is_none() && request.header("x-api-key").is_none()
}

/// Marks a public read: `public` caching for anonymous callers, `private, no-cache` for
/// authenticated ones (they may see more), `Vary` on the credential headers, and `X-Cache`
/// naming the tier that answered (`source`), when the read went through the cache.
pub fn public_read(mut response: Response, request: &Request, source: Option<Source>) -> Response {
    let control = if is_anonymous(request) { PUBLIC_CACHE_CONTROL } else { "private, no-cache" };
    let headers = response.headers_mut();
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static(control));
    headers.append(header::VARY, HeaderValue::from_static("Authorization, X-API-Key"));
    if let Some(source) = source {
        headers.insert("x-cache", HeaderValue::from_static(source.as_str()));
    }
    response
}
