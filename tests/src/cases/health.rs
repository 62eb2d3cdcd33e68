//! Liveness and readiness.

use reqwest::Method;
use serde_json::Value;

use super::Case;
use crate::Target;
use crate::client::{Outcome, ensure, ensure_eq, expect_problem, header, request, send};

pub const CASES: &[Case] = &[
    ("health::live_is_200_json", live_is_200_json),
    ("health::head_has_no_body", head_has_no_body),
    ("health::ready_reports_each_dependency", ready_reports_each_dependency),
    ("health::ready_is_503_when_a_dependency_is_broken", ready_is_503_when_a_dependency_is_broken),
];

fn live_is_200_json(target: &Target) -> Outcome {
    let response = send(request(Method::GET, &target.base_url, "/health"))?;
    ensure_eq(response.status().as_u16(), 200, "status")?;
    ensure_eq(header(&response, "content-type").as_str(), "application/json", "content-type")?;
    let body: Value = response.json().map_err(|e| e.to_string())?;
    ensure_eq(body["status"].as_str(), Some("ok"), "status member")
}

fn head_has_no_body(target: &Target) -> Outcome {
    let response = send(request(Method::HEAD, &target.base_url, "/health"))?;
    ensure_eq(response.status().as_u16(), 200, "status")?;
    let body = response.bytes().map_err(|e| e.to_string())?;
    ensure(body.is_empty(), || format!("HEAD returned {} body bytes", body.len()))
}

fn ready_reports_each_dependency(target: &Target) -> Outcome {
    let response = send(request(Method::GET, &target.base_url, "/ready"))?;
    ensure_eq(response.status().as_u16(), 200, "status")?;
    let body: Value = response.json().map_err(|e| e.to_string())?;
    ensure_eq(body["status"].as_str(), Some("ready"), "status")?;
    for dependency in ["sql", "kv"] {
        let check = &body["checks"][dependency];
        ensure_eq(check["status"].as_str(), Some("up"), dependency)?;
        ensure(check["latency_ms"].is_i64(), || format!("{dependency}.latency_ms missing: {check}"))?;
    }
    let sql = &body["checks"]["sql"];
    ensure(sql["schema_version"].as_u64().is_some_and(|v| v >= 1), || format!("no schema version: {body}"))?;
    ensure(sql["schema_version"] == sql["expected_schema_version"], || format!("schema version mismatch: {body}"))
}

fn ready_is_503_when_a_dependency_is_broken(target: &Target) -> Outcome {
    let Some(broken) = &target.broken_base_url else {
        return Err("no broken instance was started for this target (set CONTRACT_BROKEN_URL)".into());
    };
    let response = send(request(Method::GET, broken, "/ready"))?;
    let retry_after = header(&response, "retry-after");
    let body = expect_problem(response, 503, "not_ready")?;
    ensure(retry_after.parse::<u32>().is_ok_and(|s| s > 0), || format!("Retry-After: {retry_after:?}"))?;
    ensure_eq(body["checks"]["sql"]["status"].as_str(), Some("down"), "checks.sql.status")?;
    // On Spin the key-value port lives in the SQL database (ports::kv::SqlKv), so it is down
    // with it; on the Worker, Workers KV is independent of D1 and stays up.
    let kv = if target.runtime == "spin" { "down" } else { "up" };
    ensure_eq(body["checks"]["kv"]["status"].as_str(), Some(kv), "checks.kv.status")?;
    // Liveness does not depend on the database.
    let live = send(request(Method::GET, broken, "/health"))?;
    ensure_eq(live.status().as_u16(), 200, "broken instance /health")
}
