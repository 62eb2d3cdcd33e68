//! `worker::Request` → `http::Request` head.

/// The method, URL and headers of `request` as an `http` request with no body yet.
///
/// Uses the raw method string (worker's `Method` maps unknown methods to GET). Header values
/// that are not valid for `http` make the request unservable: a client error, not a crash.
pub fn to_http_request(request: &worker::Request) -> worker::Result<http::Request<()>> {
    let raw = request.inner();
    let mut builder = http::Request::builder().method(raw.method().as_str()).uri(raw.url());
    for (name, value) in request.headers() {
        builder = builder.header(name, value);
    }
    let mut head = builder.body(()).map_err(|e| worker::Error::RustError(format!("unrepresentable request: {e}")))?;
    // Cloudflare's edge sets this header itself; a client cannot forge it past the edge.
    if let Some(ip) = head.headers().get("cf-connecting-ip").and_then(|v| v.to_str().ok()) {
        let ip = web::ClientIp(ip.to_owned());
        head.extensions_mut().insert(ip);
    }
    Ok(head)
}
