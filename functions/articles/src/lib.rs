//! The publishing API, under `/v1/articles` and `/v2/articles`: the REST face of
//! [`publishing`], which holds the rules.
//!
//! Anyone reads published articles (and searches them, `?q=`); signed-in users write drafts,
//! publish and archive their own; editors do so for anyone's; admins delete. Comments go on
//! published articles. Creates honour `Idempotency-Key`; single articles carry an `ETag`, and
//! `PATCH`/`DELETE` honour `If-Match`. The versions differ in times (Unix ms / RFC 3339) and
//! paging (numbered / cursor) only.

mod comments;
mod input;
mod representation;
mod routes;

use web::{Router, delete, get, post};

/// The routes of this function (both API versions).
pub fn router() -> Router {
    let router = rest::both_versions!(Router::new(), "/articles", get(routes::list).post(routes::create));
    let router = rest::both_versions!(router, "/articles/by-slug/{slug}", get(routes::by_slug));
    let router =
        rest::both_versions!(router, "/articles/{id}", get(routes::get).patch(routes::update).delete(routes::remove));
    let router = rest::both_versions!(router, "/articles/{id}/publish", post(routes::publish));
    let router = rest::both_versions!(router, "/articles/{id}/archive", post(routes::archive));
    let router = rest::both_versions!(router, "/articles/{id}/comments", get(comments::list).post(comments::create));
    rest::both_versions!(router, "/articles/{id}/comments/{comment_id}", delete(comments::remove))
}

#[cfg(target_os = "wasi")]
adapter_spin::export_component!(router, outbound_http, authenticated);

#[cfg(feature = "openapi")]
pub mod api_docs;
