//! CORS from the configured allow-list (`http://localhost:3000` is allowed in both manifests).

use reqwest::Method;

use super::Case;
use crate::Target;
use crate::client::{Outcome, ensure, ensure_eq, expect_problem, header, request, send};

const ALLOWED: &str = "http://localhost:3000";
const DENIED: &str = "https://evil.example";

pub const CASES: &[Case] = &[
    ("cors::preflight_from_allowed_origin_is_granted", preflight_from_allowed_origin_is_granted),
    ("cors::preflight_from_unknown_origin_is_denied", preflight_from_unknown_origin_is_denied),
    ("cors::preflight_for_unsupported_method_is_denied", preflight_for_unsupported_method_is_denied),
    ("cors::simple_request_gets_grant_only_for_allowed_origin", simple_request_gets_grant_only_for_allowed_origin),
];

fn preflight(target: &Target, origin: &str, method: &str) -> reqwest::blocking::RequestBuilder {
    request(Method::OPTIONS, &target.base_url, "/health")
        .header("origin", origin)
        .header("access-control-request-method", method)
        .header("access-control-request-headers", "authorization, content-type")
}

fn preflight_from_allowed_origin_is_granted(target: &Target) -> Outcome {
    let response = send(preflight(target, ALLOWED, "GET"))?;
    ensure_eq(response.status().as_u16(), 204, "status")?;
    ensure_eq(header(&response, "access-control-allow-origin").as_str(), ALLOWED, "allow-origin")?;
    ensure_eq(header(&response, "access-control-allow-credentials").as_str(), "true", "allow-credentials")?;
    let methods = header(&response, "access-control-allow-methods");
    ensure(methods.contains("GET"), || format!("allow-methods: {methods:?}"))?;
    ensure_eq(
        header(&response, "access-control-allow-headers").as_str(),
        "authorization, content-type",
        "allow-headers",
    )
}

fn preflight_from_unknown_origin_is_denied(target: &Target) -> Outcome {
    let response = send(preflight(target, DENIED, "GET"))?;
    let grant = header(&response, "access-control-allow-origin");
    expect_problem(response, 403, "cors_origin_denied")?;
    ensure(grant.is_empty(), || format!("denied origin got allow-origin {grant:?}"))
}

fn preflight_for_unsupported_method_is_denied(target: &Target) -> Outcome {
    expect_problem(send(preflight(target, ALLOWED, "DELETE"))?, 403, "cors_method_denied").map(drop)
}

fn simple_request_gets_grant_only_for_allowed_origin(target: &Target) -> Outcome {
    let allowed = send(request(Method::GET, &target.base_url, "/health").header("origin", ALLOWED))?;
    ensure_eq(header(&allowed, "access-control-allow-origin").as_str(), ALLOWED, "allowed origin")?;
    ensure(header(&allowed, "access-control-expose-headers").contains("x-request-id"), || "expose-headers".into())?;
    ensure(header(&allowed, "vary").contains("Origin"), || "Vary: Origin missing".into())?;
    let denied = send(request(Method::GET, &target.base_url, "/health").header("origin", DENIED))?;
    ensure_eq(denied.status().as_u16(), 200, "denied origin still gets the response")?;
    ensure(header(&denied, "access-control-allow-origin").is_empty(), || "denied origin was granted".into())
}
