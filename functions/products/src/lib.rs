//! The product catalogue, under `/v1/products` and `/v2/products`.
//!
//! Reads are public (inactive products only for staff); writes need `products:write`. Deleting
//! deactivates (soft delete): inactive products stay in old orders but cannot be ordered.
//! Every write is audited in the same batch; creates honour `Idempotency-Key`; single resources
//! carry an `ETag`, and `PATCH`/`DELETE` honour `If-Match`.

mod input;
mod routes;

use web::{Router, get};

/// The routes of this function (both API versions).
pub fn router() -> Router {
    let router = rest::both_versions!(Router::new(), "/products", get(routes::list).post(routes::create));
    rest::both_versions!(router, "/products/{id}", get(routes::get).patch(routes::update).delete(routes::deactivate))
}

#[cfg(target_os = "wasi")]
adapter_spin::export_component!(router, outbound_http, authenticated);

#[cfg(feature = "openapi")]
pub mod api_docs;
