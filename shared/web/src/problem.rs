//! RFC 9457 problem details: the single error contract of the API.

use std::borrow::Cow;

use http::{HeaderMap, HeaderName, HeaderValue, StatusCode, header};
use ports::{PortError, PortErrorKind};

use crate::TraceContext;
use serde::Serialize;

/// The media type of every error body.
pub const PROBLEM_CONTENT_TYPE: &str = "application/problem+json";

/// Seconds a client should wait before retrying after a dependency failure.
const DEFAULT_RETRY_AFTER_SECONDS: u32 = 5;

/// An API error, rendered as `application/problem+json`.
///
/// `code` is the stable machine-readable identifier clients branch on; `type` is derived from
/// it (`/problems/<code>`). `cause` is private diagnostic text: it is logged, never sent.
///
/// Boxed, so `Result<T, Problem>` stays one pointer wide on the error side.
#[derive(Debug, Clone)]
pub struct Problem(Box<Details>);

#[derive(Debug, Clone)]
struct Details {
    status: StatusCode,
    code: Cow<'static, str>,
    title: Cow<'static, str>,
    detail: Option<String>,
    /// Extension members: name and value, already serialised to JSON.
    extensions: Vec<(String, String)>,
    headers: HeaderMap,
    cause: Option<String>,
}

impl Problem {
    /// A problem with a status, a stable `code` and a human title.
    pub fn new(status: StatusCode, code: impl Into<Cow<'static, str>>, title: impl Into<Cow<'static, str>>) -> Self {
        Self(Box::new(Details {
            status,
            code: code.into(),
            title: title.into(),
            detail: None,
            extensions: Vec::new(),
            headers: HeaderMap::new(),
            cause: None,
        }))
    }

    /// Adds a human-readable explanation specific to this occurrence.
    pub fn with_detail(mut self, detail: impl Into<String>) -> Self {
        self.0.detail = Some(detail.into());
        self
    }

    /// Adds an extension member (e.g. `errors`, `allowed`) to the body.
    pub fn with_extension(mut self, name: &str, value: impl Serialize) -> Self {
        // Serialising plain data to a string cannot fail; a value that does anyway renders as null.
        let json = serde_json::to_string(&value).unwrap_or_else(|_| "null".to_owned());
        self.0.extensions.retain(|(existing, _)| existing != name);
        self.0.extensions.push((name.to_owned(), json));
        self
    }

    /// Adds a response header (e.g. `Allow`, `Retry-After`).
    pub fn with_header(mut self, name: HeaderName, value: HeaderValue) -> Self {
        self.0.headers.append(name, value);
        self
    }

    /// Attaches private diagnostic text for the log.
    pub fn with_cause(mut self, cause: impl Into<String>) -> Self {
        self.0.cause = Some(cause.into());
        self
    }

    /// The HTTP status.
    pub fn status(&self) -> StatusCode {
        self.0.status
    }

    /// The stable machine code.
    pub fn code(&self) -> &str {
        &self.0.code
    }

    /// The private diagnostic text, if any.
    pub fn cause(&self) -> Option<&str> {
        self.0.cause.as_deref()
    }

    /// The human title (the same for every occurrence of the code).
    pub fn title(&self) -> &str {
        &self.0.title
    }

    /// The explanation of this occurrence, if any.
    pub fn detail(&self) -> Option<&str> {
        self.0.detail.as_deref()
    }

    /// The response headers this problem adds (`Allow`, `Retry-After`, …).
    pub fn headers(&self) -> &HeaderMap {
        &self.0.headers
    }

    /// 400: the request is malformed.
    pub fn bad_request(code: &'static str, detail: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, code, "Bad request").with_detail(detail)
    }

    /// 404: nothing here (also used for objects the caller may not see, so ids can't be probed).
    pub fn not_found() -> Self {
        Self::new(StatusCode::NOT_FOUND, "not_found", "Not found").with_detail("No resource exists at this URL.")
    }

    /// 405 with the `Allow` header listing what the route supports.
    pub fn method_not_allowed(allow: &str) -> Self {
        let problem = Self::new(StatusCode::METHOD_NOT_ALLOWED, "method_not_allowed", "Method not allowed")
            .with_detail(format!("This URL supports: {allow}."));
        match HeaderValue::from_str(allow) {
            Ok(value) => problem.with_header(header::ALLOW, value),
            Err(_) => problem,
        }
    }

    /// 413: the body exceeds `limit` bytes.
    pub fn payload_too_large(limit: usize) -> Self {
        Self::new(StatusCode::PAYLOAD_TOO_LARGE, "payload_too_large", "Payload too large")
            .with_detail(format!("Request bodies are limited to {limit} bytes."))
            .with_extension("limit_bytes", limit)
    }

    /// 415: the body is not in a media type the endpoint accepts.
    pub fn unsupported_media_type(expected: &str) -> Self {
        Self::new(StatusCode::UNSUPPORTED_MEDIA_TYPE, "unsupported_media_type", "Unsupported media type")
            .with_detail(format!("Send the body as {expected}."))
    }

    /// 422: the body is well-formed but its content is invalid.
    pub fn unprocessable(code: &'static str, detail: impl Into<String>) -> Self {
        Self::new(StatusCode::UNPROCESSABLE_ENTITY, code, "Unprocessable content").with_detail(detail)
    }

    /// 500: something broke on our side. `cause` is logged, the client sees only the request id.
    pub fn internal(cause: impl Into<String>) -> Self {
        Self::new(StatusCode::INTERNAL_SERVER_ERROR, "internal_error", "Internal server error")
            .with_detail("The server failed to handle this request. Quote the request_id when reporting it.")
            .with_cause(cause)
    }

    /// 503 with `Retry-After`: a dependency is down; nothing was changed.
    pub fn service_unavailable(cause: impl Into<String>) -> Self {
        Self::new(StatusCode::SERVICE_UNAVAILABLE, "service_unavailable", "Service unavailable")
            .with_detail("A dependency is temporarily unavailable; nothing was changed. Retry later.")
            .with_header(header::RETRY_AFTER, HeaderValue::from(DEFAULT_RETRY_AFTER_SECONDS))
            .with_cause(cause)
    }

    /// Renders the problem as a response. `instance` is the request path; `request_id` and the
    /// trace's ids let a client quote the failure to an operator.
    pub fn to_response(&self, instance: &str, request_id: &str, trace: &TraceContext) -> crate::Response {
        let details = &self.0;
        let type_uri = format!("/problems/{}", details.code);
        let mut bytes = Vec::with_capacity(256);
        bytes.push(b'{');
        write_member(&mut bytes, "type", |out| write_json_str(out, &type_uri));
        write_member(&mut bytes, "title", |out| write_json_str(out, &details.title));
        write_member(&mut bytes, "status", |out| out.extend_from_slice(details.status.as_str().as_bytes()));
        if let Some(detail) = &details.detail {
            write_member(&mut bytes, "detail", |out| write_json_str(out, detail));
        }
        write_member(&mut bytes, "instance", |out| write_json_str(out, instance));
        write_member(&mut bytes, "code", |out| write_json_str(out, &details.code));
        write_member(&mut bytes, "request_id", |out| write_json_str(out, request_id));
        write_member(&mut bytes, "trace_id", |out| write_json_str(out, &trace.trace_id()));
        write_member(&mut bytes, "span_id", |out| write_json_str(out, &trace.span_id()));
        for (name, json) in &details.extensions {
            if !STANDARD_MEMBERS.contains(&name.as_str()) {
                write_member(&mut bytes, name, |out| out.extend_from_slice(json.as_bytes()));
            }
        }
        bytes.push(b'}');

        let mut response = crate::Response::new(crate::Body::from(bytes));
        *response.status_mut() = self.0.status;
        let headers = response.headers_mut();
        headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(PROBLEM_CONTENT_TYPE));
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
        for (name, value) in &self.0.headers {
            headers.append(name, value.clone());
        }
        response
    }
}

/// Members every problem renders itself; extensions cannot replace them.
const STANDARD_MEMBERS: [&str; 9] =
    ["type", "title", "status", "detail", "instance", "code", "request_id", "trace_id", "span_id"];

/// Appends `"name":value` to a JSON object being written into `out` (after `{` or a member).
fn write_member(out: &mut Vec<u8>, name: &str, value: impl FnOnce(&mut Vec<u8>)) {
    if out.last() != Some(&b'{') {
        out.push(b',');
    }
    write_json_str(out, name);
    out.push(b':');
    value(out);
}

/// Appends `s` as a JSON string.
fn write_json_str(out: &mut Vec<u8>, s: &str) {
    // Writing a `str` into a `Vec` cannot fail.
    let _ = serde_json::to_writer(&mut *out, s);
}

impl From<PortError> for Problem {
    /// A dependency failure is a 503 the client may retry; anything else is a bug (500).
    fn from(error: PortError) -> Self {
        match error.kind {
            PortErrorKind::Unavailable => Problem::service_unavailable(error.to_string()),
            _ => Problem::internal(error.to_string()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    use serde_json::Value;

    /// The trace of a request that sent a valid `traceparent`.
    fn trace() -> TraceContext {
        let mut headers = HeaderMap::new();
        headers
            .insert("traceparent", HeaderValue::from_static("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"));
        TraceContext::continue_or_start(&headers, &ports::random::SystemRandom)
    }

    fn body(response: &crate::Response) -> Value {
        serde_json::from_slice(response.body().full().unwrap()).unwrap()
    }

    #[test]
    fn renders_rfc9457_members_and_code() {
        let response = Problem::not_found().to_response("/nope", "req-1", &trace());
        assert_eq!(response.status(), 404);
        assert_eq!(response.headers()[header::CONTENT_TYPE], PROBLEM_CONTENT_TYPE);
        let body = body(&response);
        assert_eq!(body["type"], "/problems/not_found");
        assert_eq!(body["title"], "Not found");
        assert_eq!(body["status"], 404);
        assert_eq!(body["instance"], "/nope");
        assert_eq!(body["code"], "not_found");
        assert_eq!(body["request_id"], "req-1");
        assert_eq!(body["trace_id"], "4bf92f3577b34da6a3ce929d0e0e4736");
        assert_eq!(body["span_id"].as_str().map(str::len), Some(16));
    }

    #[test]
    fn cause_is_never_rendered() {
        let response = Problem::internal("table users is missing").to_response("/", "r", &trace());
        let text = String::from_utf8(response.body().full().unwrap().to_vec()).unwrap();
        assert!(!text.contains("users"));
        assert_eq!(body(&response)["code"], "internal_error");
    }

    #[test]
    fn extensions_cannot_override_standard_members() {
        let response = Problem::bad_request("bad", "d")
            .with_extension("status", 999)
            .with_extension("trace_id", "forged")
            .to_response("/", "r", &trace());
        assert_eq!(body(&response)["status"], 400);
        assert_eq!(body(&response)["trace_id"], "4bf92f3577b34da6a3ce929d0e0e4736");
    }

    #[test]
    fn escapes_text_and_embeds_structured_extensions() {
        #[derive(Serialize)]
        struct Check {
            status: &'static str,
        }
        let response = Problem::bad_request("bad", "say \"hi\"\n")
            .with_extension("checks", [Check { status: "down" }])
            .with_extension("limit_bytes", 1)
            .with_extension("limit_bytes", 2)
            .to_response("/a\"b", "r", &trace());
        let body = body(&response);
        assert_eq!(body["detail"], "say \"hi\"\n");
        assert_eq!(body["instance"], "/a\"b");
        assert_eq!(body["checks"][0]["status"], "down");
        assert_eq!(body["limit_bytes"], 2);
    }

    #[test]
    fn unavailable_ports_become_503_with_retry_after() {
        let problem = Problem::from(PortError::unavailable("kv binding missing"));
        let response = problem.to_response("/", "r", &trace());
        assert_eq!(response.status(), 503);
        assert_eq!(response.headers()[header::RETRY_AFTER], "5");
        let other = Problem::from(PortError::decode("bad row"));
        assert_eq!(other.status(), 500);
    }

    #[test]
    fn method_not_allowed_carries_allow() {
        let response = Problem::method_not_allowed("GET, HEAD").to_response("/", "r", &trace());
        assert_eq!(response.status(), 405);
        assert_eq!(response.headers()[header::ALLOW], "GET, HEAD");
    }
}
