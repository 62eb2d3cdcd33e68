//! The shared request pipeline, end to end through the native adapters.

use bytes::Bytes;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use web::ports::PortError;
use web::{App, Json, Problem, Request, Response, Router, get, post};

use adapter_native::TestPlatform;

#[derive(Deserialize, Serialize)]
struct Echo {
    name: String,
    quantity: u32,
}

async fn echo(request: Request) -> Result<Json<Echo>, Problem> {
    request.json::<Echo>().map(Json)
}

async fn panics(_: Request) -> Response {
    panic!("handler bug")
}

async fn dependency_down(_: Request) -> Result<Response, Problem> {
    Err(PortError::unavailable("kv binding missing").into())
}

async fn item(request: Request) -> Result<Json<Value>, Problem> {
    let id: u64 = request.param_as("id")?;
    Ok(Json(json!({ "id": id, "route": request.route() })))
}

/// Calls out (the fake answers 204) and logs a line of its own, as a shared crate would.
async fn calls_out(request: Request) -> Result<Response, Problem> {
    let platform = request.platform();
    let outbound = http::Request::get("https://idp.example/jwks").body(Bytes::new()).unwrap();
    platform.http.send(outbound).await?;
    platform.log.emit(web::ports::log::Level::Warn, r#"{"msg":"handler_note"}"#);
    Ok(web::empty_response(http::StatusCode::NO_CONTENT))
}

/// Reads SQL twice and KV once.
async fn uses_ports(request: Request) -> Result<Response, Problem> {
    let platform = request.platform();
    platform.sql.run(&web::ports::sql::Statement::new("SELECT 1")).await?;
    platform.sql.run(&web::ports::sql::Statement::new("SELECT 2")).await?;
    platform.kv.get("timing-probe").await?;
    Ok(web::empty_response(http::StatusCode::NO_CONTENT))
}

fn app() -> App {
    App::new(
        Router::new()
            .route("/echo", post(echo))
            .route("/panic", get(panics))
            .route("/down", get(dependency_down))
            .route("/items/{id}", get(item))
            .route("/calls-out", get(calls_out))
            .route("/uses-ports", get(uses_ports)),
    )
}

fn request(method: &str, uri: &str, headers: &[(&str, &str)], body: &[u8]) -> http::Request<Bytes> {
    let mut builder = http::Request::builder().method(method).uri(uri);
    for (name, value) in headers {
        builder = builder.header(*name, *value);
    }
    builder.body(Bytes::copy_from_slice(body)).unwrap()
}

fn json_body(response: &Response) -> Value {
    serde_json::from_slice(response.body().full().expect("a full body")).expect("JSON body")
}

/// Asserts the RFC 9457 shape and returns the body.
fn problem(response: &Response, status: u16, code: &str) -> Value {
    assert_eq!(response.status(), status, "{:?}", response.body());
    assert_eq!(response.headers()["content-type"], "application/problem+json");
    let body = json_body(response);
    assert_eq!(body["code"], code);
    assert_eq!(body["status"], status);
    assert_eq!(body["type"], format!("/problems/{code}"));
    assert_eq!(body["request_id"], response.headers()["x-request-id"].to_str().unwrap());
    body
}

#[tokio::test]
async fn json_round_trip_and_params() {
    let platform = TestPlatform::new().await;
    let response = platform
        .call(
            &app(),
            request("POST", "/echo", &[("content-type", "application/json")], br#"{"name":"a","quantity":2}"#),
        )
        .await;
    assert_eq!(response.status(), 200);
    assert_eq!(json_body(&response), json!({"name": "a", "quantity": 2}));

    let response = platform.send(&app(), "GET", "/items/42").await;
    assert_eq!(json_body(&response), json!({"id": 42, "route": "/items/{id}"}));
    problem(&platform.send(&app(), "GET", "/items/not-a-number").await, 404, "not_found");
}

#[tokio::test]
async fn routing_errors_are_problems() {
    let platform = TestPlatform::new().await;
    let body = problem(&platform.send(&app(), "GET", "/nope?token=secret").await, 404, "not_found");
    assert_eq!(body["instance"], "/nope", "instance carries the path, never the query");
    let response = platform.send(&app(), "DELETE", "/echo").await;
    problem(&response, 405, "method_not_allowed");
    assert_eq!(response.headers()["allow"], "POST, OPTIONS");
    let options = platform.send(&app(), "OPTIONS", "/items/1").await;
    assert_eq!(options.status(), 204);
    assert_eq!(options.headers()["allow"], "GET, HEAD, OPTIONS");
}

#[tokio::test]
async fn body_errors_are_4xx_problems() {
    let platform = TestPlatform::new().await;
    let json = [("content-type", "application/json")];
    type Case<'a> = (&'a [(&'a str, &'a str)], &'a [u8], u16, &'a str);
    let cases: &[Case] = &[
        (&[("content-type", "text/plain")], b"{}", 415, "unsupported_media_type"),
        (&[], b"{}", 415, "unsupported_media_type"),
        (&json, b"{not json", 400, "malformed_json"),
        (&json, b"", 400, "malformed_json"),
        (&json, br#"{"name":"a","quantity":-1}"#, 422, "invalid_body"),
        (&json, br#"{"name":"a"}"#, 422, "invalid_body"),
    ];
    for (headers, body, status, code) in cases {
        let response = platform.call(&app(), request("POST", "/echo", headers, body)).await;
        problem(&response, *status, code);
    }
}

#[tokio::test]
async fn oversized_bodies_are_413_declared_or_not() {
    let platform = TestPlatform::new().await;
    platform.config.set_var("max_body_bytes", "16");
    let big = vec![b'x'; 17];
    // Declared length over the limit: refused before the body is read, even on a GET-only route.
    let declared = request("POST", "/panic", &[("content-length", "17")], &big);
    let body = problem(&platform.call(&app(), declared).await, 413, "payload_too_large");
    assert_eq!(body["limit_bytes"], 16);
    // No declared length (chunked): refused while reading.
    let chunked = request("POST", "/echo", &[("content-type", "application/json")], &big);
    problem(&platform.call(&app(), chunked).await, 413, "payload_too_large");
    let bad_length = request("POST", "/echo", &[("content-length", "lots")], b"");
    problem(&platform.call(&app(), bad_length).await, 400, "invalid_content_length");
}

#[tokio::test]
async fn a_panic_is_a_500_problem_and_the_app_keeps_serving() {
    let platform = TestPlatform::new().await;
    let app = app();
    let response = platform.send(&app, "GET", "/panic").await;
    let body = problem(&response, 500, "internal_error");
    assert!(!body.to_string().contains("handler bug"), "panic text must not leak");
    let errors = platform.log.at_least(web::ports::log::Level::Error);
    assert_eq!(errors.len(), 1);
    assert!(errors[0].contains("handler bug"), "the cause is logged: {}", errors[0]);
    assert_eq!(platform.send(&app, "GET", "/items/1").await.status(), 200);
}

#[tokio::test]
async fn unavailable_dependency_is_503_with_retry_after() {
    let platform = TestPlatform::new().await;
    let response = platform.send(&app(), "GET", "/down").await;
    problem(&response, 503, "service_unavailable");
    assert_eq!(response.headers()["retry-after"], "5");
}

#[tokio::test]
async fn every_request_logs_one_structured_line() {
    let platform = TestPlatform::new().await;
    let app = app();
    platform.call(&app, request("GET", "/items/7?secret=x", &[("x-request-id", "req-42")], b"")).await;
    platform.send(&app, "GET", "/nowhere").await;
    let lines: Vec<Value> = platform.log.lines().iter().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert_eq!(lines.len(), 2);
    assert_eq!(lines[0]["request_id"], "req-42");
    assert_eq!(lines[0]["method"], "GET");
    assert_eq!(lines[0]["route"], "/items/{id}");
    assert_eq!(lines[0]["status"], 200);
    assert_eq!(lines[0]["level"], "info");
    assert!(lines[0]["latency_ms"].is_i64());
    assert!(!platform.log.lines()[0].contains("secret"), "query strings are never logged");
    assert_eq!(lines[1]["route"], Value::Null);
    assert_eq!(lines[1]["error_code"], "not_found");
}

#[tokio::test]
async fn head_strips_the_body_but_keeps_headers() {
    let platform = TestPlatform::new().await;
    let response = platform.send(&app(), "HEAD", "/items/1").await;
    assert_eq!(response.status(), 200);
    assert!(response.body().is_empty());
    assert_eq!(response.headers()["content-type"], "application/json");
}

#[tokio::test]
async fn invalid_settings_fail_closed_and_heal_when_fixed() {
    let platform = TestPlatform::new().await;
    let app = app();
    platform.config.set_var("cors_allowed_origins", "*");
    platform.config.set_var("cors_allow_credentials", "true");
    let response = platform.send(&app, "GET", "/items/1").await;
    problem(&response, 500, "internal_error");
    assert!(response.headers().contains_key("x-content-type-options"), "security headers even then");
    platform.config.set_var("cors_allow_credentials", "false");
    assert_eq!(platform.send(&app, "GET", "/items/1").await.status(), 200);
}

/// Configuration whose provider is down (say, a secrets vault that does not answer).
struct ConfigDown;

#[async_trait::async_trait(?Send)]
impl web::ports::Config for ConfigDown {
    async fn var(&self, _: &str) -> Result<Option<String>, PortError> {
        Err(PortError::unavailable("variables provider unreachable"))
    }

    async fn secret(&self, _: &str) -> Result<Option<web::ports::Secret>, PortError> {
        Err(PortError::unavailable("variables provider unreachable"))
    }
}

#[tokio::test]
async fn settings_that_cannot_be_read_are_a_503_with_retry_after_not_a_500() {
    let platform = TestPlatform::new().await;
    let mut ports = platform.platform();
    ports.config = std::rc::Rc::new(ConfigDown);
    let response = app().handle(request("GET", "/items/1", &[], b""), ports).await;
    problem(&response, 503, "service_unavailable");
    assert_eq!(response.headers()["retry-after"], "5");
}

#[tokio::test]
async fn cors_grants_follow_the_allow_list() {
    let platform = TestPlatform::new().await;
    platform.config.set_var("cors_allowed_origins", "https://app.example.com");
    let app = app();
    let preflight = request(
        "OPTIONS",
        "/echo",
        &[("origin", "https://app.example.com"), ("access-control-request-method", "POST")],
        b"",
    );
    let response = platform.call(&app, preflight).await;
    assert_eq!(response.status(), 204);
    assert_eq!(response.headers()["access-control-allow-origin"], "https://app.example.com");
    assert_eq!(response.headers()["access-control-allow-methods"], "POST, OPTIONS");

    let denied = request(
        "OPTIONS",
        "/echo",
        &[("origin", "https://evil.example"), ("access-control-request-method", "POST")],
        b"",
    );
    let response = platform.call(&app, denied).await;
    problem(&response, 403, "cors_origin_denied");
    assert!(!response.headers().contains_key("access-control-allow-origin"));
}

const TRACEPARENT: &str = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";

#[tokio::test]
async fn an_inbound_trace_is_continued_in_logs_problems_and_outbound_calls() {
    let platform = TestPlatform::new().await;
    platform.http.respond_with(|_| Ok(http::Response::builder().status(204).body(Bytes::new()).unwrap()));
    let app = app();
    let headers = [("traceparent", TRACEPARENT), ("tracestate", "vendor=opaque")];
    let response = platform.call(&app, request("GET", "/calls-out", &headers, b"")).await;
    assert_eq!(response.status(), 204);
    let missing = platform.call(&app, request("GET", "/nowhere", &headers, b"")).await;
    let body = problem(&missing, 404, "not_found");
    assert_eq!(body["trace_id"], "4bf92f3577b34da6a3ce929d0e0e4736");
    let span = body["span_id"].as_str().unwrap().to_owned();
    assert!(span.len() == 16 && span != "00f067aa0ba902b7", "the request is its own span: {span}");

    // The outbound call carries this trace with the request's span as its parent.
    let sent = platform.http.sent_header("traceparent");
    let outbound = sent[0].as_deref().expect("traceparent sent");
    assert!(outbound.starts_with("00-4bf92f3577b34da6a3ce929d0e0e4736-") && outbound.ends_with("-01"), "{outbound}");
    assert_ne!(&outbound[36..52], "00f067aa0ba902b7");
    assert_eq!(platform.http.sent_header("tracestate"), [Some("vendor=opaque".to_owned())]);

    // Every line (the handler's own and both access lines) names the trace; the handler's
    // line and its request's access line name the same span.
    let lines: Vec<Value> = platform.log.lines().iter().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert_eq!(lines.len(), 3);
    for line in &lines {
        assert_eq!(line["trace_id"], "4bf92f3577b34da6a3ce929d0e0e4736", "{line}");
    }
    assert_eq!(lines[0]["msg"], "handler_note");
    assert_eq!(lines[0]["span_id"], lines[1]["span_id"]);
    assert_eq!(&outbound[36..52], lines[1]["span_id"].as_str().unwrap());
    assert_eq!(lines[2]["span_id"], span.as_str());
}

#[tokio::test]
async fn a_malformed_traceparent_starts_a_new_trace_and_fails_nothing() {
    let platform = TestPlatform::new().await;
    let app = app();
    let headers = [("traceparent", "00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01")];
    let response = platform.call(&app, request("GET", "/items/7", &headers, b"")).await;
    assert_eq!(response.status(), 200);
    let missing = platform.call(&app, request("GET", "/nowhere", &headers, b"")).await;
    let body = problem(&missing, 404, "not_found");
    let trace = body["trace_id"].as_str().unwrap();
    assert!(trace.len() == 32 && trace.bytes().all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase()), "{trace}");
    assert_ne!(trace, "4bf92f3577b34da6a3ce929d0e0e4736");
    let lines: Vec<Value> = platform.log.lines().iter().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert_ne!(lines[0]["trace_id"], lines[1]["trace_id"], "each request without a valid parent is a new trace");
}

#[tokio::test]
async fn server_timing_is_off_by_default_and_counts_port_calls_when_on() {
    let platform = TestPlatform::new().await;
    let response = platform.send(&app(), "GET", "/uses-ports").await;
    assert_eq!(response.status(), 204);
    assert!(response.headers().get("server-timing").is_none(), "off unless configured");

    platform.config.set_var("server_timing", "true");
    let app = app();
    let response = platform.send(&app, "GET", "/uses-ports").await;
    let timing = response.headers()["server-timing"].to_str().unwrap().to_owned();
    assert!(timing.starts_with(r#"db;dur="#) && timing.contains(r#";desc="2 calls", kv;dur="#), "{timing}");
    assert!(timing.contains(r#";desc="1 call", total;dur="#), "{timing}");
    // Problems carry it too; a request that calls no port lists only the total.
    let missing = platform.send(&app, "GET", "/nowhere").await;
    assert_eq!(missing.headers()["server-timing"].to_str().unwrap().split(';').next(), Some("total"));
}

#[tokio::test]
async fn an_invalid_server_timing_setting_is_an_operator_error() {
    let platform = TestPlatform::new().await;
    platform.config.set_var("server_timing", "yes");
    let response = platform.send(&app(), "GET", "/uses-ports").await;
    problem(&response, 500, "internal_error");
}
