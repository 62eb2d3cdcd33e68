//! The error contract: problem+json for routing and body failures.

use reqwest::Method;

use super::Case;
use crate::Target;
use crate::client::{Outcome, ensure, ensure_eq, expect_problem, header, request, send};

pub const CASES: &[Case] = &[
    ("errors::unknown_path_is_404_problem", unknown_path_is_404_problem),
    ("errors::wrong_method_is_405_with_allow", wrong_method_is_405_with_allow),
    ("errors::oversized_body_is_413", oversized_body_is_413),
    ("errors::invalid_content_length_is_400", invalid_content_length_is_400),
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
