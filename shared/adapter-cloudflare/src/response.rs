//! `http::Response` → the `fetch` event's `web_sys::Response`.

use futures_util::StreamExt;
use http::{HeaderMap, HeaderName, HeaderValue};
use js_sys::Uint8Array;
use wasm_bindgen::JsValue;
use web::{Body, security_headers};
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
/// make the JS constructor throw). A streamed body becomes a `ReadableStream` that workerd pulls
/// chunk by chunk while the client reads, in this request's I/O context.
pub fn to_web_response(response: web::Response) -> worker::Result<web_sys::Response> {
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
    let raw = match body {
        Body::Full(bytes) if bytes.is_empty() => web_sys::Response::new_with_opt_str_and_init(None, &init)?,
        Body::Full(bytes) => {
            web_sys::Response::new_with_opt_buffer_source_and_init(Some(&Uint8Array::from(&bytes[..])), &init)?
        }
        Body::Stream(chunks) => {
            let chunks = chunks.map(|chunk| Ok::<JsValue, JsValue>(Uint8Array::from(&chunk[..]).into()));
            let readable = wasm_streams::ReadableStream::from_stream(chunks).into_raw();
            web_sys::Response::new_with_opt_readable_stream_and_init(Some(&readable), &init)?
        }
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
