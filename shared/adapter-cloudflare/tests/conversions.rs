//! The Cloudflare adapter's conversions, run in Node with wasm-bindgen-test:
//! `cargo test -p adapter-cloudflare --target wasm32-unknown-unknown`.
#![cfg(target_arch = "wasm32")]

use adapter_cloudflare::values::{from_js, to_js};
use adapter_cloudflare::{WorkerBody, to_http_request, to_web_response};
use bytes::Bytes;
use js_sys::{Array, Object, Uint8Array};
use wasm_bindgen::JsValue;
use wasm_bindgen_futures::JsFuture;
use wasm_bindgen_test::wasm_bindgen_test;
use web::ports::PortErrorKind;
use web::ports::sql::Value;
use web::{BodyError, IncomingBody};
use worker::worker_sys::web_sys;

#[wasm_bindgen_test]
fn sql_values_round_trip_through_javascript() {
    for value in [
        Value::Null,
        Value::Integer(42),
        Value::Integer(-(1 << 53) + 1),
        Value::Real(1.5),
        Value::Text("héllo".into()),
        Value::Blob(vec![0, 1, 255]),
    ] {
        assert_eq!(from_js(&to_js(&value)).unwrap(), value);
    }
}

#[wasm_bindgen_test]
fn integers_bind_as_numbers_not_bigints() {
    let js = to_js(&Value::Integer(7));
    assert_eq!(js.as_f64(), Some(7.0), "D1 refuses BigInt parameters");
}

#[wasm_bindgen_test]
fn d1_shapes_decode() {
    // D1 returns integral REALs as plain numbers and blobs as arrays of byte numbers.
    assert_eq!(from_js(&JsValue::from_f64(3.0)).unwrap(), Value::Integer(3));
    assert_eq!(from_js(&JsValue::from_f64(9007199254740993.0)).unwrap(), Value::Real(9007199254740992.0));
    let bytes: Array = [1.0, 2.0, 3.0].iter().map(|n| JsValue::from_f64(*n)).collect();
    assert_eq!(from_js(&bytes.into()).unwrap(), Value::Blob(vec![1, 2, 3]));
    assert_eq!(from_js(&Uint8Array::from(&[9u8][..]).into()).unwrap(), Value::Blob(vec![9]));
    assert_eq!(from_js(&JsValue::UNDEFINED).unwrap(), Value::Null);
    assert_eq!(from_js(&JsValue::TRUE).unwrap(), Value::Integer(1));
    let not_bytes: Array = [JsValue::from_str("x")].into_iter().collect();
    assert_eq!(from_js(&not_bytes.into()).unwrap_err().kind, PortErrorKind::Decode);
    assert_eq!(from_js(&Object::new().into()).unwrap_err().kind, PortErrorKind::Decode);
}

#[wasm_bindgen_test]
fn d1_errors_are_classified() {
    use adapter_cloudflare::d1_error;
    assert_eq!(d1_error("D1_ERROR: UNIQUE constraint failed: users.email").kind, PortErrorKind::Constraint);
    assert_eq!(d1_error("D1_ERROR: Network connection lost.").kind, PortErrorKind::Unavailable);
    assert_eq!(d1_error("D1_ERROR: no such table: users").kind, PortErrorKind::Other);
}

fn worker_request(method: &str, body: Option<&[u8]>) -> web_sys::Request {
    let headers = worker::Headers::new();
    headers.append("content-type", "application/json").unwrap();
    headers.append("x-request-id", "abc").unwrap();
    let mut init = worker::RequestInit::new();
    init.with_method(worker::Method::from(method.to_owned())).with_headers(headers);
    if let Some(body) = body {
        init.with_body(Some(Uint8Array::from(body).into()));
    }
    let request = worker::Request::new_with_init("https://api.example.com/v1/items/7?x=1", &init).unwrap();
    Clone::clone(request.inner())
}

async fn text(response: &web_sys::Response) -> String {
    JsFuture::from(response.text().unwrap()).await.unwrap().as_string().unwrap()
}

#[wasm_bindgen_test]
fn worker_requests_become_http_requests() {
    let head = to_http_request(&worker_request("PATCH", Some(b"{}")));
    assert_eq!(head.method(), "PATCH");
    assert_eq!(head.uri().path(), "/v1/items/7");
    assert_eq!(head.uri().query(), Some("x=1"));
    assert_eq!(head.headers()["content-type"], "application/json");
    assert_eq!(head.headers()["x-request-id"], "abc");
}

#[wasm_bindgen_test]
async fn bodies_are_read_under_the_limit() {
    let body = WorkerBody::new(worker_request("POST", Some(b"0123456789")));
    assert_eq!(body.read_to_end(10).await.unwrap(), Bytes::from_static(b"0123456789"));
    let body = WorkerBody::new(worker_request("POST", Some(b"0123456789")));
    assert_eq!(body.read_to_end(9).await.unwrap_err(), BodyError::TooLarge);
    let empty = WorkerBody::new(worker_request("GET", None));
    assert_eq!(empty.read_to_end(0).await.unwrap(), Bytes::new());
}

#[wasm_bindgen_test]
async fn http_responses_become_worker_responses() {
    let response = http::Response::builder()
        .status(201)
        .header("content-type", "application/json")
        .header("vary", "Origin")
        .header("vary", "Accept")
        .body(web::Body::from(&b"{\"ok\":true}"[..]))
        .unwrap();
    let converted = to_web_response(response).unwrap();
    assert_eq!(converted.status(), 201);
    assert_eq!(converted.headers().get("vary").unwrap().as_deref(), Some("Origin, Accept"));
    assert_eq!(converted.headers().get("content-type").unwrap().as_deref(), Some("application/json"));
    assert_eq!(text(&converted).await, "{\"ok\":true}");

    // A 204 must carry no body at all, or the Response constructor throws.
    let no_content = http::Response::builder().status(204).body(web::Body::empty()).unwrap();
    let converted = to_web_response(no_content).unwrap();
    assert_eq!(converted.status(), 204);
    assert!(converted.body().is_none());
    assert_eq!(converted.headers().get("content-type").unwrap(), None, "no type is invented");
}

#[wasm_bindgen_test]
async fn streamed_bodies_become_readable_streams_read_in_order() {
    let chunks = futures_util::stream::iter([Bytes::from_static(b"data: 1\n\n"), Bytes::from_static(b"data: 2\n\n")]);
    let response = http::Response::builder().status(200).body(web::Body::stream(chunks)).unwrap();
    let converted = to_web_response(response).unwrap();
    assert!(converted.body().is_some(), "a stream body is a ReadableStream");
    assert_eq!(text(&converted).await, "data: 1\n\ndata: 2\n\n");
}

#[wasm_bindgen_test]
async fn default_security_headers_come_from_one_prebuilt_copy_without_duplicates() {
    let with_defaults = |csp: &str| {
        let mut builder = http::Response::builder().header("content-type", "application/json");
        for (name, value) in web::security_headers::defaults() {
            let value = if name == "content-security-policy" { csp } else { value.to_str().unwrap() };
            builder = builder.header(name, value);
        }
        builder.body(web::Body::from(&b"{}"[..])).unwrap()
    };
    let default_csp = "default-src 'none'; frame-ancestors 'none'";
    let converted = to_web_response(with_defaults(default_csp)).unwrap();
    for (name, value) in web::security_headers::defaults() {
        assert_eq!(converted.headers().get(name.as_str()).unwrap().as_deref(), value.to_str().ok(), "{name}, once");
    }
    assert_eq!(converted.headers().get("content-type").unwrap().as_deref(), Some("application/json"));

    // A handler's own policy (the docs pages) is kept, not mixed with the default one.
    let converted = to_web_response(with_defaults("default-src 'self'")).unwrap();
    assert_eq!(converted.headers().get("content-security-policy").unwrap().as_deref(), Some("default-src 'self'"));
    assert_eq!(converted.headers().get("x-frame-options").unwrap().as_deref(), Some("DENY"));
}
