//! W3C Trace Context: an inbound `traceparent` is continued (problems name the trace and the
//! request's own span), a malformed one starts a new trace without failing anything, and
//! outbound calls carry the trace (checked on the JWKS fetch in
//! `auth::external_idp_tokens_are_verified_against_its_jwks`). With `SERVER_TIMING` on (the
//! suite turns it on), responses say how long each kind of port call took.
//!
//! OpenTelemetry: the runtimes export to the suite's OTLP receiver (`crate::otlp`, decoding with
//! the official protobuf definitions); the `otlp_*` cases check one trace per request with the
//! inbound trace id, SQL child spans under the server span, metrics, errors exported even when
//! the caller did not sample, and that nothing secret reached any attribute.

use std::time::Duration;

use reqwest::Method;
use serde_json::Value;

use super::Case;
use crate::Target;
use crate::client::{Outcome, ensure, ensure_eq, expect_problem, header, request, send};
use crate::{fixtures, otlp};

pub const CASES: &[Case] = &[
    ("tracing::inbound_trace_is_continued_in_problems", inbound_trace_is_continued_in_problems),
    ("tracing::malformed_traceparent_starts_a_new_trace", malformed_traceparent_starts_a_new_trace),
    ("tracing::server_timing_reports_port_calls", server_timing_reports_port_calls),
    ("tracing::otlp_trace_has_the_server_span_and_sql_children", otlp_trace_has_the_server_span_and_sql_children),
    ("tracing::otlp_metrics_count_requests_per_route", otlp_metrics_count_requests_per_route),
    (
        "tracing::otlp_sampling_follows_the_caller_but_errors_are_kept",
        otlp_sampling_follows_the_caller_but_errors_are_kept,
    ),
    ("tracing::otlp_telemetry_holds_no_secrets", otlp_telemetry_holds_no_secrets),
];

/// How long exports may take to reach the receiver (they are sent after the response).
const EXPORT_WAIT: Duration = Duration::from_secs(20);
/// OTLP `SpanKind` values.
const SERVER: i64 = 2;
const CLIENT: i64 = 3;

/// The spans of `trace` once its server span has arrived.
fn exported_trace(trace: &str) -> Result<Vec<Value>, String> {
    otlp::wait_for(EXPORT_WAIT, || {
        let spans = otlp::spans(trace)?;
        Ok(spans.iter().any(|s| s["kind"] == SERVER).then_some(spans))
    })?
    .ok_or_else(|| format!("no server span of trace {trace} reached the collector in {EXPORT_WAIT:?}"))
}

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

fn otlp_trace_has_the_server_span_and_sql_children(target: &Target) -> Outcome {
    let (_, tokens) = fixtures::customer(target, "otlp-trace")?;
    let trace = trace_id(target, 4);
    let response = send(
        request(Method::GET, &target.base_url, "/v2/orders")
            .bearer_auth(fixtures::access(&tokens))
            .header("traceparent", traceparent(&trace)),
    )?;
    ensure_eq(response.status().as_u16(), 200, "GET /v2/orders")?;
    let spans = exported_trace(&trace)?;
    let servers: Vec<&Value> = spans.iter().filter(|s| s["kind"] == SERVER).collect();
    ensure_eq(servers.len(), 1, "server spans in the request's trace")?;
    let server = servers[0];
    ensure_eq(server["parent_span_id"].as_str(), Some(CALLER_SPAN), "the server span's parent (the caller's span)")?;
    ensure_eq(server["name"].as_str(), Some("GET /v2/orders"), "server span name")?;
    let attributes = &server["attributes"];
    ensure_eq(attributes["http.route"].as_str(), Some("/v2/orders"), "http.route")?;
    ensure_eq(attributes["http.request.method"].as_str(), Some("GET"), "http.request.method")?;
    ensure_eq(attributes["http.response.status_code"].as_i64(), Some(200), "http.response.status_code")?;
    ensure_eq(server["resource"]["service.name"].as_str(), Some("orderflow"), "service.name")?;
    let sql: Vec<&Value> =
        spans.iter().filter(|s| s["kind"] == CLIENT && s["attributes"]["db.system.name"] == "sqlite").collect();
    ensure(!sql.is_empty(), || format!("no SQL span in the trace: {spans:?}"))?;
    for span in spans.iter().filter(|s| s["kind"] == CLIENT) {
        ensure_eq(
            span["parent_span_id"].as_str(),
            server["span_id"].as_str(),
            "a port call's parent (the server span)",
        )?;
        let inside = span["start_time_unix_nano"].as_u64() >= server["start_time_unix_nano"].as_u64()
            && span["end_time_unix_nano"].as_u64() <= server["end_time_unix_nano"].as_u64();
        ensure(inside, || format!("{} lies outside its server span", span["name"]))?;
    }
    for span in sql {
        let text = span["attributes"]["db.query.text"].as_str().unwrap_or_default();
        ensure(!text.is_empty() && span["attributes"]["db.operation.name"].is_string(), || {
            format!("SQL span without statement text or operation: {span}")
        })?;
    }
    Ok(())
}

fn otlp_metrics_count_requests_per_route(target: &Target) -> Outcome {
    // The receiver serves both runtimes: a traced /ready (SQL and key-value) names the instance whose metrics count.
    let trace = trace_id(target, 9);
    let health = send(request(Method::GET, &target.base_url, "/ready").header("traceparent", traceparent(&trace)))?;
    ensure_eq(health.status().as_u16(), 200, "/ready")?;
    let spans = exported_trace(&trace)?;
    let instance = spans[0]["resource"]["service.instance.id"].as_str().ok_or("no service.instance.id")?.to_owned();
    let ours = |point: &Value| point["resource"]["service.instance.id"] == instance.as_str();
    // Metrics go out with the next flush once the interval (1 s here) has passed, so keep
    // serving requests until /ready's count shows up.
    let found = otlp::wait_for(EXPORT_WAIT, || {
        let health = send(request(Method::GET, &target.base_url, "/ready"))?;
        ensure_eq(health.status().as_u16(), 200, "/ready")?;
        let points = otlp::metric_points("http.server.request.duration")?;
        Ok(points
            .into_iter()
            .find(|p| ours(p) && p["attributes"]["http.route"] == "/ready" && p["count"].as_u64() >= Some(1)))
    })?
    .ok_or_else(|| format!("no http.server.request.duration point for /ready from instance {instance}"))?;
    ensure_eq(found["kind"].as_str(), Some("histogram"), "request duration kind")?;
    ensure_eq(found["attributes"]["http.response.status_code"].as_i64(), Some(200), "status attribute")?;
    ensure_eq(found["attributes"]["http.request.method"].as_str(), Some("GET"), "method attribute")?;
    let ports = otlp::metric_points("orderflow.port.call.duration")?;
    ensure(ports.iter().any(|p| ours(p) && p["attributes"]["orderflow.port"] == "db"), || {
        format!("no SQL port-call latencies from instance {instance} among {} points", ports.len())
    })?;
    Ok(())
}

fn otlp_sampling_follows_the_caller_but_errors_are_kept(target: &Target) -> Outcome {
    let unsampled = trace_id(target, 5);
    let not_sampled = |trace: &str| format!("00-{trace}-{CALLER_SPAN}-00");
    let health =
        send(request(Method::GET, &target.base_url, "/health").header("traceparent", not_sampled(&unsampled)))?;
    ensure_eq(health.status().as_u16(), 200, "/health")?;
    let sampled = trace_id(target, 6);
    let health = send(request(Method::GET, &target.base_url, "/health").header("traceparent", traceparent(&sampled)))?;
    ensure_eq(health.status().as_u16(), 200, "/health")?;
    exported_trace(&sampled)?;
    if let Some(broken) = &target.broken_base_url {
        // A failure is exported even though the caller did not sample it.
        let failed = trace_id(target, 7);
        let ready = send(request(Method::GET, broken, "/ready").header("traceparent", not_sampled(&failed)))?;
        ensure_eq(ready.status().as_u16(), 503, "/ready on the broken instance")?;
        let spans = exported_trace(&failed)?;
        let server = spans.iter().find(|s| s["kind"] == SERVER).ok_or("no server span")?;
        ensure_eq(server["status_code"].as_i64(), Some(2), "the failed request's span status (ERROR)")?;
        ensure(server["attributes"]["error.type"].is_string(), || format!("no error.type on {server}"))?;
    }
    std::thread::sleep(Duration::from_secs(1));
    ensure_eq(otlp::spans(&unsampled)?.len(), 0, "spans exported for a trace the caller did not sample")?;
    Ok(())
}

fn otlp_telemetry_holds_no_secrets(target: &Target) -> Outcome {
    let (_, tokens) = fixtures::customer(target, "otlp-secrets")?;
    let access = fixtures::access(&tokens);
    let refresh = tokens["refresh_token"].as_str().ok_or("no refresh token")?.to_owned();
    let query_secret = format!("q-secret-{}", trace_id(target, 8));
    // A refused query value, a refresh grant in a form body, a bearer token in a header.
    let refused =
        send(request(Method::GET, &target.base_url, &format!("/v2/orders?note={query_secret}")).bearer_auth(&access))?;
    ensure_eq(refused.status().as_u16(), 400, "unknown query parameter")?;
    let form = [("grant_type", "refresh_token"), ("refresh_token", refresh.as_str())];
    let refreshed = send(request(Method::POST, &target.base_url, "/v1/auth/token").form(&form))?;
    ensure_eq(refreshed.status().as_u16(), 200, "refresh grant")?;
    let last = trace_id(target, 8);
    let me = send(
        request(Method::GET, &target.base_url, "/v2/orders")
            .bearer_auth(&access)
            .header("traceparent", traceparent(&last)),
    )?;
    ensure_eq(me.status().as_u16(), 200, "GET /v2/orders")?;
    exported_trace(&last)?;
    let values = otlp::attribute_values()?;
    let secrets = [access.as_str(), refresh.as_str(), fixtures::PASSWORD, query_secret.as_str(), otlp::COLLECTOR_KEY];
    for value in &values {
        if let Some(secret) = secrets.iter().find(|s| value.contains(**s)) {
            return Err(format!(
                "an attribute value carries a secret ({}...): {value}",
                &secret[..8.min(secret.len())]
            ));
        }
    }
    // The collector's credentials went in the export's header, where they belong.
    let exports = otlp::exports()?;
    ensure(!exports.is_empty(), || "no exports recorded".into())?;
    let expected = format!("Bearer {}", otlp::COLLECTOR_KEY);
    for export in &exports {
        ensure_eq(export["authorization"].as_str(), Some(expected.as_str()), "the export's authorization header")?;
        ensure_eq(export["content_type"].as_str(), Some("application/x-protobuf"), "the export's content type")?;
    }
    Ok(())
}
