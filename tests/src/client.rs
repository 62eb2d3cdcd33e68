//! A small HTTP client for the cases, with problem+json assertions.

use std::sync::OnceLock;
use std::time::Duration;

use reqwest::blocking::{Client, RequestBuilder, Response};
use serde_json::Value;

/// What a check reports: `Err` carries the failure message.
pub type Outcome = Result<(), String>;

/// A shared blocking client (no redirects, no proxies, short timeouts).
pub fn client() -> &'static Client {
    static CLIENT: OnceLock<Client> = OnceLock::new();
    CLIENT.get_or_init(|| {
        Client::builder()
            .no_proxy()
            .redirect(reqwest::redirect::Policy::none())
            .timeout(Duration::from_secs(30))
            .build()
            .expect("HTTP client")
    })
}

/// Starts a request to `base` + `path`.
pub fn request(method: reqwest::Method, base: &str, path: &str) -> RequestBuilder {
    client().request(method, format!("{base}{path}"))
}

/// Sends a request, turning transport errors into failures.
pub fn send(builder: RequestBuilder) -> Result<Response, String> {
    builder.send().map_err(|e| format!("request failed: {e}"))
}

/// Fails with `message` unless `condition`.
pub fn ensure(condition: bool, message: impl FnOnce() -> String) -> Result<(), String> {
    if condition { Ok(()) } else { Err(message()) }
}

/// Fails unless `actual == expected`.
pub fn ensure_eq<T: PartialEq + std::fmt::Debug>(actual: T, expected: T, what: &str) -> Result<(), String> {
    ensure(actual == expected, || format!("{what}: expected {expected:?}, got {actual:?}"))
}

/// A response's header as text (empty when absent).
pub fn header(response: &Response, name: &str) -> String {
    response.headers().get(name).and_then(|v| v.to_str().ok()).unwrap_or_default().to_owned()
}

/// Checks `response` is an RFC 9457 problem with `status` and `code`, and returns its body.
///
/// Every problem must carry `type`, `title`, `status`, `instance`, `code` and a `request_id`
/// equal to the `X-Request-ID` response header.
pub fn expect_problem(response: Response, status: u16, code: &str) -> Result<Value, String> {
    ensure_eq(response.status().as_u16(), status, "status")?;
    ensure_eq(header(&response, "content-type").as_str(), "application/problem+json", "content-type")?;
    let request_id = header(&response, "x-request-id");
    let body: Value = response.json().map_err(|e| format!("problem body is not JSON: {e}"))?;
    ensure_eq(body["status"].as_u64(), Some(u64::from(status)), "problem.status")?;
    ensure_eq(body["code"].as_str(), Some(code), "problem.code")?;
    ensure_eq(body["type"].as_str().map(str::to_owned), Some(format!("/problems/{code}")), "problem.type")?;
    ensure(body["title"].as_str().is_some_and(|t| !t.is_empty()), || format!("problem.title missing: {body}"))?;
    ensure(body["instance"].as_str().is_some_and(|i| i.starts_with('/')), || format!("problem.instance: {body}"))?;
    ensure(!request_id.is_empty(), || "X-Request-ID header missing".into())?;
    ensure_eq(body["request_id"].as_str(), Some(request_id.as_str()), "problem.request_id")?;
    Ok(body)
}
