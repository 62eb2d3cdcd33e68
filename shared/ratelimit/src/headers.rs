//! `RateLimit-Policy` and `RateLimit` (draft-ietf-httpapi-ratelimit-headers), as structured
//! field lists: `RateLimit-Policy: "writes";q=120;w=60` and `RateLimit: "writes";r=119;t=1`.

use http::{HeaderMap, HeaderValue};
use ports::counters::Decision;

use crate::rules::Rule;

/// Seconds, rounded up.
pub fn seconds(millis: i64) -> i64 {
    (millis.max(0) + 999) / 1000
}

/// Adds both headers for the rules that applied, in rule order.
pub fn add(headers: &mut HeaderMap, applied: &[(&Rule, Decision)]) {
    if applied.is_empty() {
        return;
    }
    let policy: Vec<String> = applied
        .iter()
        .map(|(rule, _)| format!("\"{}\";q={};w={}", rule.name, rule.spec.limit, rule.spec.window_ms / 1000))
        .collect();
    let state: Vec<String> = applied
        .iter()
        .map(|(rule, decision)| format!("\"{}\";r={};t={}", rule.name, decision.remaining, seconds(decision.reset_ms)))
        .collect();
    for (name, value) in [("ratelimit-policy", policy.join(", ")), ("ratelimit", state.join(", "))] {
        if let Ok(value) = HeaderValue::from_str(&value) {
            headers.insert(name, value);
        }
    }
}
