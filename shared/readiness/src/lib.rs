//! Readiness: whether this instance can serve, by checking what every request needs.
//!
//! SQL must be reachable with the schema at the version this build expects; KV must be
//! reachable. Each check reports its latency. The REST probe (`GET /ready`) and the gRPC health
//! service answer from the same [`check`].

use serde::Serialize;
use web::Pending;
use web::ports::{Platform, PortError};
use web::{Problem, http::StatusCode};

/// A key nobody writes: reading it proves the KV binding works without spending writes.
const KV_PROBE_KEY: &str = "health:ready-probe";

/// Seconds a load balancer should wait before probing again after a failed readiness check.
const READY_RETRY_AFTER_SECONDS: u32 = 5;

/// Runs every check: [`Readiness`] when all pass, otherwise a 503 `not_ready` problem with
/// `Retry-After`, the checks in its `checks` member and what failed in its (logged) cause.
#[inline(never)]
pub fn check<'a>(platform: &'a Platform) -> Pending<'a, Readiness> {
    Box::pin(async move {
        let mut causes = Vec::new();
        let sql = check_sql(platform, &mut causes).await;
        let kv = check_kv(platform, &mut causes).await;
        let checks = Checks { sql, kv };
        if causes.is_empty() {
            return Ok(Readiness { status: "ready", checks });
        }
        Err(Problem::new(StatusCode::SERVICE_UNAVAILABLE, "not_ready", "Not ready")
            .with_detail("A dependency check failed; see `checks`.")
            .with_extension("checks", &checks)
            .with_header(web::http::header::RETRY_AFTER, READY_RETRY_AFTER_SECONDS.into())
            .with_cause(causes.join("; ")))
    })
}

/// One dependency's state.
#[derive(Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Check {
    /// `up` or `down`.
    pub status: &'static str,
    /// How long the check took.
    pub latency_ms: i64,
    /// Why it is down: `unavailable`, `error` or `schema_behind`. Internals stay in the log.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<&'static str>,
    /// For SQL: the schema version found.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub schema_version: Option<u32>,
    /// For SQL: the schema version this build needs.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expected_schema_version: Option<u32>,
}

/// Body of `GET /ready` (and the `checks` member of its 503 problem).
#[derive(Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Readiness {
    /// `ready`.
    pub status: &'static str,
    /// Per-dependency results.
    pub checks: Checks,
}

/// The dependencies checked.
#[derive(Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Checks {
    /// The SQL database.
    pub sql: Check,
    /// The KV namespace.
    pub kv: Check,
}

async fn check_sql(platform: &Platform, causes: &mut Vec<String>) -> Check {
    let expected = migrations::latest_version();
    let started = platform.clock.now_millis();
    let found = migrations::current_version(&*platform.sql).await;
    let latency_ms = platform.clock.now_millis() - started;
    let mut check =
        Check { status: "up", latency_ms, reason: None, schema_version: None, expected_schema_version: Some(expected) };
    match found {
        Ok(version) if version >= expected => check.schema_version = Some(version),
        Ok(version) => {
            causes.push(format!("sql: schema version {version}, expected {expected}"));
            check.status = "down";
            check.reason = Some("schema_behind");
            check.schema_version = Some(version);
        }
        Err(error) => {
            check.status = "down";
            check.reason = Some(reason(&error));
            causes.push(format!("sql: {error}"));
        }
    }
    check
}

async fn check_kv(platform: &Platform, causes: &mut Vec<String>) -> Check {
    let started = platform.clock.now_millis();
    let result = platform.kv.get(KV_PROBE_KEY).await;
    let latency_ms = platform.clock.now_millis() - started;
    let mut check =
        Check { status: "up", latency_ms, reason: None, schema_version: None, expected_schema_version: None };
    if let Err(error) = result {
        check.status = "down";
        check.reason = Some(reason(&error));
        causes.push(format!("kv: {error}"));
    }
    check
}

fn reason(error: &PortError) -> &'static str {
    match error.kind {
        web::ports::PortErrorKind::Unavailable => "unavailable",
        _ => "error",
    }
}
