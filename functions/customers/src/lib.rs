//! Customer profiles, under `/v1/customers` and `/v2/customers`.
//!
//! One profile per user. Customers (`customers:self`) manage their own; staff and admins
//! (`customers:all`) manage all, audited. Another user's profile id answers 404, never 403.

mod customer;
mod routes;

use web::{Router, get};

/// The routes of this function (both API versions).
pub fn router() -> Router {
    let router = rest::both_versions!(Router::new(), "/customers", get(routes::list).post(routes::create));
    rest::both_versions!(router, "/customers/{id}", get(routes::get).patch(routes::update).delete(routes::delete))
}

#[cfg(target_os = "wasi")]
adapter_spin::export_component!(router, outbound_http, authenticated);

#[cfg(feature = "openapi")]
pub mod api_docs;
