//! Headers every response carries: request id and security headers.

use reqwest::Method;

use super::Case;
use crate::Target;
use crate::client::{Outcome, ensure, ensure_eq, header, request, send};

pub const CASES: &[Case] = &[
    ("headers::sane_request_id_is_echoed", sane_request_id_is_echoed),
    ("headers::unsafe_request_id_is_replaced", unsafe_request_id_is_replaced),
    ("headers::request_id_is_generated_and_unique", request_id_is_generated_and_unique),
    ("headers::security_headers_on_success_and_error", security_headers_on_success_and_error),
];

fn sane_request_id_is_echoed(target: &Target) -> Outcome {
    let response =
        send(request(Method::GET, &target.base_url, "/health").header("x-request-id", "contract-req_1.2:3"))?;
    ensure_eq(header(&response, "x-request-id").as_str(), "contract-req_1.2:3", "X-Request-ID")
}

fn unsafe_request_id_is_replaced(target: &Target) -> Outcome {
    let unsafe_id = "id with spaces \"and quotes\"";
    let response = send(request(Method::GET, &target.base_url, "/nope").header("x-request-id", unsafe_id))?;
    let echoed = header(&response, "x-request-id");
    ensure(echoed != unsafe_id && echoed.len() == 32 && echoed.bytes().all(|b| b.is_ascii_hexdigit()), || {
        format!("unsafe id should be replaced by a generated one, got {echoed:?}")
    })
}

fn request_id_is_generated_and_unique(target: &Target) -> Outcome {
    let a = header(&send(request(Method::GET, &target.base_url, "/health"))?, "x-request-id");
    let b = header(&send(request(Method::GET, &target.base_url, "/health"))?, "x-request-id");
    ensure(!a.is_empty() && a != b, || format!("request ids {a:?} and {b:?}"))
}

fn security_headers_on_success_and_error(target: &Target) -> Outcome {
    for path in ["/health", "/missing"] {
        let response = send(request(Method::GET, &target.base_url, path))?;
        for (name, expected) in [
            ("x-content-type-options", "nosniff"),
            ("x-frame-options", "DENY"),
            ("referrer-policy", "no-referrer"),
            ("strict-transport-security", "max-age=63072000; includeSubDomains"),
            ("content-security-policy", "default-src 'none'; frame-ancestors 'none'"),
            ("cache-control", "no-store"),
        ] {
            ensure_eq(header(&response, name).as_str(), expected, &format!("{path} {name}"))?;
        }
    }
    Ok(())
}
