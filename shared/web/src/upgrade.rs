//! Handing a connection over to a WebSocket: a handler that has authenticated and authorized an
//! upgrade answers `101` with a [`WebSocketUpgrade`] in the response's extensions, and the
//! adapter of a runtime that carries WebSockets (the Worker: a Durable Object per user) takes
//! the connection from there. Runtimes without a WebSocket server never route such a handler.

use http::{HeaderValue, StatusCode, header};

use crate::{Body, Response};

/// Who the socket belongs to, as the handler established it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WebSocketUpgrade {
    /// The authenticated user: one socket host per user.
    pub user_id: String,
    /// Their session, re-checked while the socket is open (revocation closes it).
    pub session_id: String,
    /// The subprotocol to answer with.
    pub protocol: &'static str,
}

impl WebSocketUpgrade {
    /// The `101 Switching Protocols` answer carrying this upgrade.
    pub fn into_response(self) -> Response {
        let mut response = Response::new(Body::empty());
        *response.status_mut() = StatusCode::SWITCHING_PROTOCOLS;
        response.headers_mut().insert("sec-websocket-protocol", HeaderValue::from_static(self.protocol));
        response.headers_mut().insert(header::UPGRADE, HeaderValue::from_static("websocket"));
        response.extensions_mut().insert(self);
        response
    }
}
