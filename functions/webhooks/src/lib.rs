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

#[cfg(target_os = "wasi")]
adapter_spin::export_component!(router, outbound_http, authenticated);
