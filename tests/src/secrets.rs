//! The configuration the suite gives every runtime it starts, so cases can forge tokens with
//! the real signing key and know who the bootstrap admin is. Test-only values.

/// Key id of the test signing key.
pub const SIGNING_KID: &str = "contract";
/// The test Ed25519 seed (base64url), RFC 8037's example key.
pub const SIGNING_SEED: &str = "nWGxne_9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A";
/// `auth_secret` for the runtimes under test.
pub const AUTH_SECRET: &str = "Y29udHJhY3QtdGVzdC1hdXRoLXNlY3JldC0wMTIzNDU2Nzg5";
/// The account that becomes admin when it registers.
pub const ADMIN_EMAIL: &str = "admin@contract.test";
/// Short grace window so reuse detection can be tested quickly.
pub const REFRESH_GRACE_SECONDS: u64 = 2;
/// Issuer and audience (the defaults).
pub const ISSUER: &str = "orderflow";
/// Audience of access tokens.
pub const AUDIENCE: &str = "orderflow-api";

/// Requests per window one user may make to `GET /v1/users/me` (the exact-limit case).
pub const BURST_LIMIT: usize = 10;

/// The exact-limit case's window: a day, so that a burst almost never straddles two windows
/// (the sliding-window counter discounts the previous window's count as time passes, which
/// admits a little more than the limit right after a boundary; the case checks atomicity).
pub const BURST_WINDOW_SECONDS: u64 = 86_400;

/// Rate-limit rules for the suite: generous everywhere (the suite signs in a lot from one IP),
/// plus two rules the limit cases probe: an exact per-user sliding window, and a fast token
/// bucket on a route no other case uses. The burst rule waits up to 10 s for its store: the case
/// counts exactness under 100 concurrent requests on a two-core machine that may be busy
/// building, where the default 1 s can pass while a request waits its turn for the write lock.
fn rate_limit_rules() -> String {
    format!(
        r#"[{{"name":"contract-burst","methods":["GET"],"routes":["/v1/users/me"],"key":["user"],"algorithm":"sliding_window","limit":{BURST_LIMIT},"window_seconds":{BURST_WINDOW_SECONDS},"store":"exact","on_store_failure":"closed","store_timeout_ms":10000}},
{{"name":"contract-retry","methods":["GET"],"routes":["/v2/customers"],"key":["ip"],"algorithm":"token_bucket","limit":3,"window_seconds":15,"store":"exact","on_store_failure":"closed"}},
{{"name":"contract-rpc","methods":["POST"],"routes":["/orderflow.v1.CatalogService/ListProducts"],"key":["ip"],"algorithm":"token_bucket","limit":2,"window_seconds":60,"store":"exact","on_store_failure":"closed"}},
{{"name":"token","methods":["POST"],"routes":["/v1/auth/token"],"key":["ip"],"algorithm":"sliding_window","limit":100000,"window_seconds":60,"store":"exact","on_store_failure":"closed"}},
{{"name":"all","key":["ip"],"algorithm":"token_bucket","limit":100000,"window_seconds":60,"store":"approximate","on_store_failure":"open"}}]"#
    )
}

/// `(NAME, value)` pairs in the Worker's spelling; Spin gets `SPIN_VARIABLE_<NAME>`.
pub fn variables() -> Vec<(&'static str, String)> {
    vec![
        ("JWT_SIGNING_KEYS", format!("{SIGNING_KID}:{SIGNING_SEED}")),
        ("AUTH_SECRET", AUTH_SECRET.to_owned()),
        ("BOOTSTRAP_ADMIN_EMAIL", ADMIN_EMAIL.to_owned()),
        ("REFRESH_REUSE_GRACE_SECONDS", REFRESH_GRACE_SECONDS.to_string()),
        ("RATE_LIMIT_RULES", rate_limit_rules().replace('\n', "")),
        ("OIDC_ISSUER", crate::idp::ISSUER.to_owned()),
        ("OIDC_AUDIENCE", AUDIENCE.to_owned()),
        ("OIDC_JWKS_URL", crate::idp::jwks_url()),
        // Off by default; on here so `tracing::server_timing_reports_port_calls` can see it.
        ("SERVER_TIMING", "true".to_owned()),
        // OpenTelemetry export to the suite's receiver: spans batched for 200 ms, metrics at most every second.
        ("OTEL_EXPORTER_OTLP_ENDPOINT", crate::otlp::endpoint()),
        ("OTEL_EXPORTER_OTLP_ORIGIN", crate::otlp::endpoint()),
        ("OTEL_EXPORTER_OTLP_HEADERS", format!("authorization=Bearer%20{}", crate::otlp::COLLECTOR_KEY)),
        ("OTEL_METRIC_EXPORT_INTERVAL", "1000".to_owned()),
        ("OTEL_BSP_SCHEDULE_DELAY", "200".to_owned()),
        // Live updates: the outbox read every 200 ms, a heartbeat every second, streams ended
        // after 6 s (`live::` cases observe each).
        ("EVENTS_POLL_MS", "200".to_owned()),
        // RPC change streams (WatchOrder, Health.Watch) read every 200 ms too.
        ("RPC_WATCH_POLL_MS", "200".to_owned()),
        ("EVENTS_HEARTBEAT_SECONDS", "1".to_owned()),
        ("EVENTS_STREAM_LIFETIME_SECONDS", crate::sse::LIFETIME_SECONDS.to_string()),
        // Webhooks to the suite's receiver (over http on loopback: allow-listed), on a short
        // schedule the `webhooks::` cases can watch: 200 ms doubling to 1 s, 4 attempts, the
        // breaker open after 3 failures for 2 s.
        ("WEBHOOK_ALLOWED_HOSTS", crate::hooks::host()),
        ("WEBHOOK_ALLOWED_ORIGIN", format!("http://{}", crate::hooks::host())),
        ("WEBHOOK_SWEEP_SECRET", crate::hooks::SWEEP_SECRET.to_owned()),
        ("WEBHOOK_BACKOFF_BASE_MS", "200".to_owned()),
        ("WEBHOOK_BACKOFF_MAX_MS", "1000".to_owned()),
        ("WEBHOOK_MAX_ATTEMPTS", "4".to_owned()),
        ("WEBHOOK_BREAKER_FAILURES", "3".to_owned()),
        ("WEBHOOK_BREAKER_COOLDOWN_MS", "2000".to_owned()),
        ("WEBHOOK_TIMEOUT_MS", "2000".to_owned()),
        // Spin's allowed_outbound_hosts for the JWKS (ignored by wrangler).
        ("OIDC_JWKS_ORIGIN", crate::idp::jwks_url().trim_end_matches("/jwks.json").to_owned()),
    ]
}
