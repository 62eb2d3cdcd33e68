//! `http::Response` → the `fetch` event's `web_sys::Response`.

use bytes::Bytes;
use http::{HeaderMap, HeaderName, HeaderValue};
use js_sys::Uint8Array;
use web::security_headers;
use worker::worker_sys::web_sys;

thread_local! {
    /// The default security headers as one `Headers` object, built once per isolate. Nearly
    /// every response carries all of them; workerd copies this object into a response natively,
    /// which costs less than appending each header from wasm.
    static SECURITY_HEADERS: Option<web_sys::Headers> = security_headers_object();
}

fn security_headers_object() -> Option<web_sys::Headers> {
    let headers = web_sys::Headers::new().ok()?;
    for (name, value) in security_headers::defaults() {
        headers.append(name.as_str(), value.to_str().ok()?).ok()?;
    }
    Some(headers)
}

/// Whether `headers` holds every default security header with its default value.
fn has_every_default(headers: &HeaderMap) -> bool {
    security_headers::defaults().all(|(name, value)| headers.get_all(name).iter().any(|v| v == value))
}

fn is_default(name: &HeaderName, value: &HeaderValue) -> bool {
    security_headers::defaults().any(|(n, v)| n == name && v == value)
}

/// Builds the Worker response: every header value (repeated names appended) set directly on
/// the response's own `Headers` (the default security headers in one copy when the response
/// has them all), and no body at all when there is none (a 204/304 with an empty body would
/// make the JS constructor throw).
pub fn to_web_response(response: http::Response<Bytes>) -> worker::Result<web_sys::Response> {
    let (head, body) = response.into_parts();
    let init = web_sys::ResponseInit::new();
    init.set_status(head.status.as_u16());
    let mut prebuilt = false;
    if has_every_default(&head.headers) {
        SECURITY_HEADERS.with(|defaults| {
            if let Some(defaults) = defaults {
                init.set_headers(defaults);
                prebuilt = true;
            }
        });
    }
    let raw = if body.is_empty() {
        web_sys::Response::new_with_opt_str_and_init(None, &init)?
    } else {
        web_sys::Response::new_with_opt_buffer_source_and_init(Some(&Uint8Array::from(&body[..])), &init)?
    };
    let headers = raw.headers();
    for (name, value) in &head.headers {
        if prebuilt && is_default(name, value) {
            continue;
        }
        let value = value.to_str().map_err(|e| worker::Error::RustError(format!("header {name}: {e}")))?;
        headers.append(name.as_str(), value)?;
    }
    Ok(raw)
}
