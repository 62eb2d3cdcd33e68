//! `http::Response` → `worker::Response`.

use bytes::Bytes;

/// Builds the Worker response: every header value (repeated names appended), and no body at
/// all when there is none (a 204/304 with an empty body would make the JS constructor throw).
pub fn to_worker_response(response: http::Response<Bytes>) -> worker::Result<worker::Response> {
    let (head, body) = response.into_parts();
    let headers = worker::Headers::new();
    for (name, value) in &head.headers {
        let value = value.to_str().map_err(|e| worker::Error::RustError(format!("header {name}: {e}")))?;
        headers.append(name.as_str(), value)?;
    }
    let builder = worker::ResponseBuilder::new().with_status(head.status.as_u16()).with_headers(headers);
    Ok(if body.is_empty() { builder.empty() } else { builder.fixed(body.to_vec()) })
}
