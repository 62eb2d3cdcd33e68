//! W3C Trace Context: an inbound `traceparent` is continued (problems name the trace and the
//! request's own span), a malformed one starts a new trace without failing anything, and
//! outbound calls carry the trace (checked on the JWKS fetch in
//! `auth::external_idp_tokens_are_verified_against_its_jwks`). With `SERVER_TIMING` on (the
//! suite turns it on), responses say how long each kind of port call took.

use reqwest::Method;

use super::Case;
use crate::Target;
use crate::client::{Outcome, ensure, ensure_eq, expect_problem, header, request, send};

pub const CASES: &[Case] = &[
    ("tracing::inbound_trace_is_continued_in_problems", inbound_trace_is_continued_in_problems),
    ("tracing::malformed_traceparent_starts_a_new_trace", malformed_traceparent_starts_a_new_trace),
    ("tracing::server_timing_reports_port_calls", server_timing_reports_port_calls),
];

/// The caller's span id every case sends.
pub const CALLER_SPAN: &str = "00f067aa0ba902b7";

/// A trace id of this suite's own, different per runtime and per `case` (so concurrent cases
/// and runtimes never share one).
pub fn trace_id(target: &Target, case: u8) -> String {
    let runtime = if target.runtime == "spin" { 2 } else { 1 };
    format!("7ace{runtime:04x}{case:04x}{:020}", 1)
}

/// `traceparent` for `trace_id` with [`CALLER_SPAN`] as the parent, sampled.
pub fn traceparent(trace_id: &str) -> String {
    format!("00-{trace_id}-{CALLER_SPAN}-01")
}

/// Whether `id` is `len` lower-case hex digits, not all zero.
pub fn is_trace_hex(id: &str, len: usize) -> bool {
    id.len() == len
        && id.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
        && id.bytes().any(|b| b != b'0')
}

fn inbound_trace_is_continued_in_problems(target: &Target) -> Outcome {
    let trace = trace_id(target, 1);
    // A function's own problem (no credentials) and the fallback's (a path nothing routes).
    for (path, status, code) in [("/v1/orders", 401, "unauthenticated"), ("/no/such/path", 404, "not_found")] {
        let response = send(
            request(Method::GET, &target.base_url, path)
                .header("traceparent", traceparent(&trace))
                .header("tracestate", "contract=1"),
        )?;
        let problem = expect_problem(response, status, code).map_err(|e| format!("{path}: {e}"))?;
        ensure_eq(problem["trace_id"].as_str(), Some(trace.as_str()), &format!("{path} trace_id"))?;
        let span = problem["span_id"].as_str().unwrap_or_default();
        ensure(is_trace_hex(span, 16) && span != CALLER_SPAN, || {
            format!("{path}: the request's own span, got {span:?}")
        })?;
    }
    Ok(())
}

fn malformed_traceparent_starts_a_new_trace(target: &Target) -> Outcome {
    let trace = trace_id(target, 2);
    for bad in [
        traceparent(&trace).to_uppercase(),
        format!("00-{trace}-0000000000000000-01"),
        format!("ff-{trace}-{CALLER_SPAN}-01"),
        format!("00-{trace}-{CALLER_SPAN}-01-extra"),
        "not a traceparent".to_owned(),
    ] {
        let health = send(request(Method::GET, &target.base_url, "/health").header("traceparent", &bad))?;
        ensure_eq(health.status().as_u16(), 200, &format!("/health with traceparent {bad:?}"))?;
        let response = send(request(Method::GET, &target.base_url, "/no/such/path").header("traceparent", &bad))?;
        let problem = expect_problem(response, 404, "not_found")?;
        let got = problem["trace_id"].as_str().unwrap_or_default();
        ensure(is_trace_hex(got, 32) && got != trace, || format!("{bad:?} should start a new trace, got {got:?}"))?;
    }
    Ok(())
}

fn server_timing_reports_port_calls(target: &Target) -> Outcome {
    // Readiness checks the database and the key-value store.
    let response = send(request(Method::GET, &target.base_url, "/ready"))?;
    ensure_eq(response.status().as_u16(), 200, "/ready")?;
    let timing = header(&response, "server-timing");
    let metrics: Vec<&str> = timing.split(", ").map(|m| m.split(';').next().unwrap_or_default()).collect();
    ensure(metrics.contains(&"db") && metrics.contains(&"kv") && metrics.last() == Some(&"total"), || {
        format!("Server-Timing should list db, kv and total: {timing:?}")
    })?;
    for metric in timing.split(", ") {
        let duration = metric.split(';').find_map(|p| p.strip_prefix("dur=")).and_then(|d| d.parse::<u64>().ok());
        ensure(duration.is_some(), || format!("{metric:?} has no millisecond duration"))?;
    }
    Ok(())
}
