//! Health probes.
//!
//! - `GET /health`: liveness. Touches no dependency, so it answers as long as the code runs.
//! - `GET /ready`: readiness ([`readiness::check`]): SQL reachable with the schema this build
//!   expects, KV reachable, each with its latency; `503` + `Retry-After` when any check fails.

pub use readiness::{Check, Checks, Readiness};
use serde::Serialize;
use web::{Json, Problem, Request, Router, get};

/// The routes of this function.
pub fn router() -> Router {
    Router::new().route("/health", get(liveness)).route("/ready", get(readiness))
}

#[cfg(target_os = "wasi")]
adapter_spin::export_component!(router, outbound_http);

#[cfg(feature = "openapi")]
pub mod api_docs;

/// Body of `GET /health`.
#[derive(Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Liveness {
    /// Always `ok`.
    pub status: &'static str,
    /// The crate version serving the request.
    pub version: &'static str,
}

async fn liveness(_: Request) -> Json<Liveness> {
    Json(Liveness { status: "ok", version: env!("CARGO_PKG_VERSION") })
}

async fn readiness(request: Request) -> Result<Json<Readiness>, Problem> {
    readiness::check(request.platform()).await.map(Json)
}
