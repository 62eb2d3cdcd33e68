//! Webhooks, under `/v2/webhooks`: endpoints users register for the events they may see,
//! their deliveries (with replay), and the delivery sweep a scheduler calls. Delivery itself
//! (fan-out, signatures, retries, the breaker, the SSRF guard) is `webhook_delivery`'s.

mod routes;

pub use routes::MAX_ENDPOINTS_PER_USER;

use web::{Router, get, post};

/// The routes of this function.
pub fn router() -> Router {
    Router::new()
        .route("/v2/webhooks", get(routes::list).post(routes::create))
        .route("/v2/webhooks/sweep", post(routes::sweep))
        .route("/v2/webhooks/{id}", web::delete(routes::delete))
        .route("/v2/webhooks/{id}/deliveries", get(routes::deliveries))
        .route("/v2/webhooks/{id}/deliveries/{delivery}/replay", post(routes::replay))
}

#[cfg(feature = "openapi")]
pub mod api_docs;

/// The job runner's route, `POST /internal/jobs/{job}`: only Spin serves it, in the private
/// `job-runner` component (this crate's component behind `route = { private = true }`), which
/// local service chaining alone reaches. Workers run jobs from their queue consumer instead, so
/// the Worker never mounts it.
pub fn job_router() -> Router {
    Router::new().route("/internal/jobs/{job}", post(routes::run_job))
}

#[cfg(target_os = "wasi")]
fn component_router() -> Router {
    router().merge(job_router())
}

#[cfg(target_os = "wasi")]
adapter_spin::export_component!(component_router, outbound_http, authenticated);
