//! The OpenAPI description of this function (collected by the `openapi` crate; not in wasm).

use utoipa::OpenApi;

use crate::{Check, Checks, Liveness, Readiness};

/// Liveness: answers while the code runs, touching no dependency.
#[utoipa::path(get, path = "/health", tag = "health", operation_id = "liveness",
    responses((status = 200, description = "The function is running.", body = Liveness)))]
pub fn liveness() {}

/// Readiness: SQL (reachable, schema current) and KV (reachable), each with its latency. A
/// failing check answers 503 + `Retry-After` with the checks in the problem's `checks` member.
#[utoipa::path(get, path = "/ready", tag = "health", operation_id = "readiness",
    responses((status = 200, description = "Every dependency is up.", body = Readiness)))]
pub fn readiness() {}

/// This function's operations and schemas.
#[derive(OpenApi)]
#[openapi(paths(liveness, readiness), components(schemas(Liveness, Readiness, Checks, Check)))]
pub struct ApiDoc;
