//! The OpenAPI description of this function (collected by the `openapi` crate; not in wasm).

use utoipa::OpenApi;

/// Follow one order (Server-Sent Events)
///
/// A `text/event-stream` of the order's changes, for its owner and staff (`orders:read_all`).
/// Each event has `id:` (its position in the outbox), `event:` (`order.status_changed`,
/// `order.deleted`, …) and `data:` (the order as `GET /v2/orders/{id}` renders it). The stream
/// opens with `retry:`, sends `: heartbeat` comments when idle, and ends after its lifetime;
/// reconnect with `Last-Event-ID` (what `EventSource` does) to get what happened since. It ends
/// with `event: end` once the credential is revoked or expired.
#[utoipa::path(get, path = "/v2/orders/{id}/events", tag = "events", operation_id = "streamOrderEvents",
    params(
        ("id" = String, Path, description = "The order id (UUID).", example = "e4a1c7d2-58b3-4f9e-8c06-2b7d9f1a3e54"),
        ("Last-Event-ID" = Option<String>, Header, nullable = false, description = "The last event id received: the stream resumes after it. Absent: from now.", example = "42"),
    ),
    responses((status = 200, description = "The event stream.", content_type = "text/event-stream", body = String,
        headers(("Cache-Control" = String, description = "`no-store`.")))),
    security(("bearer" = []), ("oauth2" = []), ("api_key" = [])))]
pub fn stream_order_events() {}

/// Follow your orders, or everything (Server-Sent Events)
///
/// A `text/event-stream` of the changes to the caller's own orders; for staff
/// (`orders:read_all`), of every order, product and article change (`product.updated`,
/// `article.published`, …). Framing, heartbeats, lifetime and `Last-Event-ID` as for one order.
#[utoipa::path(get, path = "/v2/events", tag = "events", operation_id = "streamEvents",
    params(
        ("Last-Event-ID" = Option<String>, Header, nullable = false, description = "The last event id received: the stream resumes after it. Absent: from now.", example = "42"),
    ),
    responses((status = 200, description = "The event stream.", content_type = "text/event-stream", body = String,
        headers(("Cache-Control" = String, description = "`no-store`.")))),
    security(("bearer" = []), ("oauth2" = []), ("api_key" = [])))]
pub fn stream_events() {}

/// Live updates over a WebSocket (Workers deployments)
///
/// Offer the subprotocols `orderflow.v1` and `bearer.<access token>` (the token never goes in
/// the URL). Send `{"type":"subscribe","channels":["events"|"order:<id>"]}`; receive
/// `{"type":"event","id","event","data"}` for what you may see, as on `GET /v2/events`. At most 5
/// sockets per user (one more is closed with 1008); logout or revocation closes with 4001.
/// Spin deployments have no WebSocket server: use the event streams.
#[utoipa::path(get, path = "/v2/ws", tag = "events", operation_id = "openEventSocket",
    params(
        ("Sec-WebSocket-Protocol" = Option<String>, Header, nullable = false, description = "`orderflow.v1, bearer.<access token>`.", example = "orderflow.v1, bearer.eyJ..."),
    ),
    responses(
        (status = 101, description = "Switched to the WebSocket protocol `orderflow.v1`."),
        (status = 400, description = "The `orderflow.v1` subprotocol was not offered.", content_type = "application/problem+json"),
        (status = 426, description = "Not a WebSocket handshake.", content_type = "application/problem+json"),
        (status = 404, description = "A deployment without WebSockets (Spin).", content_type = "application/problem+json"),
    ))]
pub fn open_event_socket() {}

/// This function's operations.
#[derive(OpenApi)]
#[openapi(paths(stream_order_events, stream_events, open_event_socket))]
pub struct ApiDoc;
