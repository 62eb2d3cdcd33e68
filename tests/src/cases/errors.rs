//! The error contract: problem+json for routing and body failures.

use reqwest::Method;

use super::Case;
use crate::Target;
use crate::client::{Outcome, ensure, ensure_eq, expect_problem, header, request, send};
use crate::fixtures::staff_token;

pub const CASES: &[Case] = &[
    ("errors::unknown_path_is_404_problem", unknown_path_is_404_problem),
    ("errors::wrong_method_is_405_with_allow", wrong_method_is_405_with_allow),
    ("errors::oversized_body_is_413", oversized_body_is_413),
    ("errors::invalid_content_length_is_400", invalid_content_length_is_400),
    (
        "errors::non_ascii_if_match_with_malformed_body_is_a_problem",
        non_ascii_if_match_with_malformed_body_is_a_problem,
    ),
    ("errors::header_value_that_is_not_utf8_is_a_problem", header_value_that_is_not_utf8_is_a_problem),
    ("errors::duplicate_content_length_is_a_problem", duplicate_content_length_is_a_problem),
];

fn unknown_path_is_404_problem(target: &Target) -> Outcome {
    let response = send(request(Method::GET, &target.base_url, "/definitely/not/here?x=1"))?;
    let body = expect_problem(response, 404, "not_found")?;
    ensure_eq(body["instance"].as_str(), Some("/definitely/not/here"), "instance (path only)")
}

fn wrong_method_is_405_with_allow(target: &Target) -> Outcome {
    let response = send(request(Method::DELETE, &target.base_url, "/health"))?;
    let allow = header(&response, "allow");
    expect_problem(response, 405, "method_not_allowed")?;
    ensure(allow.split(", ").any(|m| m == "GET") && allow.contains("HEAD"), || format!("Allow: {allow:?}"))
}

fn oversized_body_is_413(target: &Target) -> Outcome {
    // The configured limit is 1 MiB (MAX_BODY_BYTES / max_body_bytes).
    let body = vec![b'x'; 1024 * 1024 + 1];
    let response = send(request(Method::POST, &target.base_url, "/health").body(body))?;
    let problem = expect_problem(response, 413, "payload_too_large")?;
    ensure_eq(problem["limit_bytes"].as_u64(), Some(1024 * 1024), "limit_bytes")
}

fn invalid_content_length_is_400(target: &Target) -> Outcome {
    // A raw request: HTTP clients refuse to send a malformed Content-Length themselves.
    let address = target.base_url.trim_start_matches("http://");
    let mut stream = std::net::TcpStream::connect(address).map_err(|e| e.to_string())?;
    use std::io::{Read, Write};
    stream
        .write_all(
            format!("POST /health HTTP/1.1\r\nHost: {address}\r\nContent-Length: abc\r\nConnection: close\r\n\r\n")
                .as_bytes(),
        )
        .map_err(|e| e.to_string())?;
    let mut answer = String::new();
    let _ = stream.read_to_string(&mut answer);
    let status_line = answer.lines().next().unwrap_or_default().to_owned();
    // Front proxies may reject the malformed header before the Worker sees it; either way it is a 400.
    ensure(status_line.contains(" 400 "), || format!("expected 400, got {status_line:?}"))
}

/// `PATCH` of a product with an `If-Match` header value bytes and a body that is not JSON.
fn patch_with_if_match(target: &Target, if_match: &'static [u8]) -> Outcome {
    let staff = staff_token(target)?;
    let created =
        send(request(Method::POST, &target.base_url, "/v1/products").bearer_auth(&staff).json(
            &serde_json::json!({"sku": crate::fixtures::email("ifm").replace(['@', '.'], "-"), "name": "If-Match",
            "price_minor": 100, "currency": "EUR", "stock": 1}),
        ))?;
    ensure_eq(created.status().as_u16(), 201, "create product")?;
    let id =
        created.json::<serde_json::Value>().map_err(|e| e.to_string())?["id"].as_str().unwrap_or_default().to_owned();
    let response = send(
        request(Method::PATCH, &target.base_url, &format!("/v1/products/{id}"))
            .bearer_auth(&staff)
            .header("if-match", reqwest::header::HeaderValue::from_bytes(if_match).map_err(|e| e.to_string())?)
            .header("content-type", "application/json")
            .body("{not json"),
    )?;
    // An If-Match that is not text can match no ETag: the condition fails before the body is read.
    expect_problem(response, 412, "precondition_failed").map(drop)
}

/// What schemathesis once found on Spin: a non-ASCII (UTF-8) `If-Match` with a malformed body.
fn non_ascii_if_match_with_malformed_body_is_a_problem(target: &Target) -> Outcome {
    patch_with_if_match(target, "\"v1é\"".as_bytes())
}

/// A header value that is not UTF-8 at all (Latin-1 `é`, as Python clients send it).
fn header_value_that_is_not_utf8_is_a_problem(target: &Target) -> Outcome {
    patch_with_if_match(target, b"\"v1\xe9\"")
}

/// Two `Content-Length` fields (equal, so the server's HTTP parser may accept them): a problem,
/// never a bare 500 from a conversion that gives up.
fn duplicate_content_length_is_a_problem(target: &Target) -> Outcome {
    let address = target.base_url.trim_start_matches("http://");
    let mut stream = std::net::TcpStream::connect(address).map_err(|e| e.to_string())?;
    use std::io::{Read, Write};
    let body = "{not json";
    let length = body.len();
    stream
        .write_all(
            format!(
                "POST /v1/auth/register HTTP/1.1\r\nHost: {address}\r\nContent-Type: application/json\r\n\
                 Content-Length: {length}\r\nContent-Length: {length}\r\nConnection: close\r\n\r\n{body}"
            )
            .as_bytes(),
        )
        .map_err(|e| e.to_string())?;
    let mut answer = String::new();
    let _ = stream.read_to_string(&mut answer);
    let status_line = answer.lines().next().unwrap_or_default().to_owned();
    // The HTTP server may refuse the message itself (a bare 400) or pass it on; then the API
    // answers (with a request id), and with the malformed-JSON problem.
    ensure(status_line.contains(" 400 "), || format!("expected 400, got {status_line:?}"))?;
    let lower = answer.to_ascii_lowercase();
    ensure(!lower.contains("x-request-id") || lower.contains("application/problem+json"), || {
        format!("the API answered without a problem: {answer}")
    })
}
