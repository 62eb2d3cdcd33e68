//! Live updates: Server-Sent Events read from the outbox (`rest::outbox`).
//!
//! - `GET /v2/orders/{id}/events`: one order's events, for its owner and staff.
//! - `GET /v2/events`: the caller's own orders' events; every event (orders, products,
//!   articles) for staff.
//!
//! Each stream opens with `retry:`, sends `id:`/`event:`/`data:` frames in event order, resumes
//! after `Last-Event-ID`, sends a heartbeat comment when idle, and ends after its lifetime (the
//! client reconnects) or with `event: end` when the caller's session, key or permission is gone
//! (checked on every read of the outbox, in the same round trip).

mod routes;
mod settings;
pub mod socket;
mod sse;
mod subscription;

pub use settings::{PAGE, StreamSettings};

use web::{Router, get};

/// The routes of this function.
pub fn router() -> Router {
    Router::new().route("/v2/events", get(routes::feed)).route("/v2/orders/{id}/events", get(routes::order_events))
}

/// `GET /v2/ws`, for runtimes that carry WebSockets (the Worker mounts it; Spin has no
/// WebSocket server, so its manifest does not route it).
pub fn socket_router() -> Router {
    Router::new().route("/v2/ws", get(socket::upgrade))
}

#[cfg(feature = "openapi")]
pub mod api_docs;

#[cfg(target_os = "wasi")]
adapter_spin::export_component!(router, outbound_http, authenticated);
