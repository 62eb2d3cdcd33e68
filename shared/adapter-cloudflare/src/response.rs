//! `http::Response` → the `fetch` event's `web_sys::Response`.

use bytes::Bytes;
use js_sys::Uint8Array;
use worker::worker_sys::web_sys;

/// Builds the Worker response: every header value (repeated names appended) set directly on
/// the response's own `Headers` (no second object to copy), and no body at all when there is
/// none (a 204/304 with an empty body would make the JS constructor throw).
pub fn to_web_response(response: http::Response<Bytes>) -> worker::Result<web_sys::Response> {
    let (head, body) = response.into_parts();
    let init = web_sys::ResponseInit::new();
    init.set_status(head.status.as_u16());
    let raw = if body.is_empty() {
        web_sys::Response::new_with_opt_str_and_init(None, &init)?
    } else {
        web_sys::Response::new_with_opt_buffer_source_and_init(Some(&Uint8Array::from(&body[..])), &init)?
    };
    let headers = raw.headers();
    for (name, value) in &head.headers {
        let value = value.to_str().map_err(|e| worker::Error::RustError(format!("header {name}: {e}")))?;
        headers.append(name.as_str(), value)?;
    }
    Ok(raw)
}
