//! `GET /v2/ws`: the WebSocket handshake's authorization. The access token comes as a
//! subprotocol (`Sec-WebSocket-Protocol: orderflow.v1, bearer.<token>`), never in the URL; the
//! connection is then the runtime's (on the Worker: the caller's `LiveSocket` Durable Object,
//! which pushes the events `rest::event_access` lets them see). Only the Worker routes it.

use identity::{Permission, authenticate_access_token};
use rest::event_access::Viewer;
use web::http::{StatusCode, header};
use web::upgrade::WebSocketUpgrade;
use web::{Problem, Request, Response};

/// The subprotocol the server speaks (JSON messages, see the README).
pub const PROTOCOL: &str = "orderflow.v1";
/// The prefix of the subprotocol that carries the access token.
const BEARER: &str = "bearer.";

/// Checks the handshake and hands the connection over.
pub async fn upgrade(request: Request) -> Result<Response, Problem> {
    let upgrading = request.header(header::UPGRADE).is_some_and(|v| v.eq_ignore_ascii_case("websocket"));
    if !upgrading {
        return Err(Problem::new(StatusCode::UPGRADE_REQUIRED, "upgrade_required", "WebSocket upgrade required")
            .with_detail("Open this URL as a WebSocket (or use GET /v2/events, Server-Sent Events)."));
    }
    let offered: Vec<&str> =
        request.header("sec-websocket-protocol").unwrap_or_default().split(',').map(str::trim).collect();
    if !offered.contains(&PROTOCOL) {
        return Err(Problem::bad_request("unsupported_subprotocol", format!("Offer the `{PROTOCOL}` subprotocol.")));
    }
    let token = offered.iter().find_map(|p| p.strip_prefix(BEARER)).ok_or_else(identity::unauthenticated)?;
    let principal = authenticate_access_token(&request, token).await?;
    Viewer::of(&principal).own_feed().ok_or_else(|| identity::forbidden(Permission::OrdersRead))?;
    let session_id = principal.session_id().ok_or_else(|| identity::invalid_token("not a session"))?.to_owned();
    Ok(WebSocketUpgrade { user_id: principal.user_id, session_id, protocol: PROTOCOL }.into_response())
}
