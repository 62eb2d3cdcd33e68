//! GraphQL: one graph over orders and the catalogue (`POST` and `GET /graphql`).
//!
//! Fields call the same domain crates as REST and RPC ([`ordering`], [`catalog`], [`profiles`],
//! [`publishing`](::publishing)) with the same
//! tokens and API keys, so permissions, transitions, idempotency and audit are the REST ones.
//! Errors carry the REST machine code in `extensions.code`; another user's order is `null`
//! with a `not_found` error. Depth, complexity (list fields weighted by page size), query size
//! and introspection are configurable ([`settings::Limits`]); batches are refused. An order
//! page reads its lines and their products in one batch each, whatever the page size.
//! Persisted queries ([`persisted`]) and a federation v2 subgraph are built in; a browser gets
//! GraphiQL (`GET /graphql` with `Accept: text/html`, assets under `/graphiql/`).

mod commerce;
mod errors;
mod http;
pub mod persisted;
mod publishing;
mod schema;
mod scope;
pub mod settings;
mod shape;
mod types;

use web::{Router, get};

/// The routes of this function.
pub fn router() -> Router {
    Router::new().route("/graphql", get(http::get).post(http::post)).route("/graphiql/{file}", get(http::graphiql_file))
}

#[cfg(target_os = "wasi")]
adapter_spin::export_component!(router, outbound_http, authenticated);
