//! Orders, under `/v1/orders` and `/v2/orders`: the REST face of [`ordering`].
//!
//! Customers create, read and cancel their own orders; staff move them through the status
//! machine ([`ordering::status`]); admins delete. Creation prices the lines, snapshots unit
//! prices and reserves stock in one SQL batch (see [`ordering::placing`]); cancelling restocks
//! in the same batch.

mod routes;

use web::{Router, get};

/// The routes of this function (both API versions).
pub fn router() -> Router {
    let router = rest::both_versions!(Router::new(), "/orders", get(routes::list).post(routes::create));
    rest::both_versions!(router, "/orders/{id}", get(routes::get).patch(routes::update_status).delete(routes::delete))
}

#[cfg(target_os = "wasi")]
adapter_spin::export_component!(router, outbound_http, authenticated);

#[cfg(feature = "openapi")]
pub mod api_docs;
