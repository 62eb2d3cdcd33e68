//! The `fetch` event's `web_sys::Request` → `http::Request` head.
//!
//! The adapter works on the raw `web_sys` objects rather than `worker::Request`/`Response`:
//! those wrappers read (and build) state the pipeline never uses, which costs workerd
//! CPU on every request (see `make bench`).

use worker::worker_sys::web_sys;

/// The method, URL and headers of `request` as an `http` request with no body yet.
///
/// Uses the raw method string (worker's `Method` maps unknown methods to GET). Never fails:
/// what `http` cannot represent is left out and marked for a 400 ([`web::request_head`]).
pub fn to_http_request(request: &web_sys::Request) -> http::Request<()> {
    let mut head = web::request_head(&request.method(), &request.url(), &worker::Headers(request.headers()));
    // Cloudflare's edge sets this header itself; a client cannot forge it past the edge.
    if let Some(ip) = head.headers().get("cf-connecting-ip").and_then(|v| v.to_str().ok()) {
        let ip = web::ClientIp(ip.to_owned());
        head.extensions_mut().insert(ip);
    }
    head
}
