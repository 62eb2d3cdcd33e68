//! `LiveSocket`: one Durable Object per user holding their WebSockets through the hibernation
//! API (the object may leave memory between messages; the sockets stay open), pushing the
//! outbox events each socket subscribed to.
//!
//! While sockets are open an alarm reads the outbox every `EVENTS_POLL_MS`: one query for the
//! user's feed after the object's cursor, plus each session's state and the user's current
//! roles, so a revoked session closes its sockets (4001) and every event is checked against
//! `rest::event_access` before it is sent. A socket lives at most the streams' lifetime
//! (`EVENTS_STREAM_LIFETIME_SECONDS`, close code 4000), and the first socket of a user starts
//! from the newest event.
// The macro generates public glue items that cannot carry doc comments.
#![allow(missing_docs)]

use std::collections::BTreeMap;
use std::time::Duration;

use rest::event_access::Viewer;
use rest::outbox::{Feed, StoredEvent};
use serde::{Deserialize, Serialize};
use web::http::StatusCode;
use web::upgrade::WebSocketUpgrade;
use worker::{
    DurableObject, Env, Request, Response, State, WebSocket, WebSocketIncomingMessage, WebSocketPair, durable_object,
};

/// The binding of the class (wrangler.toml).
pub const BINDING: &str = "LIVE_SOCKETS";
/// Open sockets one user may hold; one more is told why and closed (1008).
pub const MAX_SOCKETS_PER_USER: usize = 5;
/// Channels one socket may subscribe to.
const MAX_CHANNELS: usize = 20;
/// Close codes: the session was revoked or ended; the user may no longer read events.
const CLOSE_LIFETIME: u16 = 4000;
const CLOSE_REVOKED: u16 = 4001;
const CLOSE_FORBIDDEN: u16 = 4003;

/// What each socket remembers across hibernation.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct Attachment {
    user_id: String,
    session_id: String,
    /// When it opened (Unix ms): it is closed after the stream lifetime, like an SSE stream.
    opened_ms: i64,
    /// `events` (the whole feed) and `order:<id>` channels.
    channels: Vec<String>,
}

/// A client message.
#[derive(Debug, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
enum ClientMessage {
    Subscribe { channels: Vec<String> },
    Unsubscribe { channels: Vec<String> },
}

#[durable_object]
pub struct LiveSocket {
    state: State,
    env: Env,
}

/// Hands an authorized upgrade to the user's object (called by the Worker's `fetch`).
pub async fn connect(env: &Env, upgrade: &WebSocketUpgrade) -> worker::Result<worker::Response> {
    let stub = env.durable_object(BINDING)?.id_from_name(&upgrade.user_id)?.get_stub()?;
    let headers = worker::Headers::new();
    headers.set("upgrade", "websocket")?;
    headers.set("x-orderflow-user", &upgrade.user_id)?;
    headers.set("x-orderflow-session", &upgrade.session_id)?;
    headers.set("sec-websocket-protocol", upgrade.protocol)?;
    let mut init = worker::RequestInit::new();
    init.with_headers(headers);
    stub.fetch_with_request(Request::new_with_init("https://live-socket/connect", &init)?).await
}

impl DurableObject for LiveSocket {
    fn new(state: State, env: Env) -> Self {
        Self { state, env }
    }

    async fn fetch(&self, request: Request) -> worker::Result<Response> {
        let header = |name: &str| request.headers().get(name).ok().flatten().unwrap_or_default();
        let attachment = Attachment {
            user_id: header("x-orderflow-user"),
            session_id: header("x-orderflow-session"),
            opened_ms: now_ms(),
            channels: Vec::new(),
        };
        // Counted and accepted with no await between: concurrent handshakes of one user are
        // handled one after another up to here, so the cap is exact.
        let open = self.state.get_websockets().len();
        let pair = WebSocketPair::new()?;
        self.state.accept_websocket_with_tags(&pair.server, &[attachment.session_id.as_str()]);
        pair.server.serialize_attachment(&attachment)?;
        // The first socket starts from the newest event (a user back after a day gets no
        // backlog); without the cursor it cannot start at all.
        let cursor_ready = open > 0 || self.start_cursor().await.is_ok();
        if !cursor_ready {
            send(&pair.server, &serde_json::json!({"type": "error", "code": "service_unavailable"}));
            pair.server.close(Some(1011), Some("the event log cannot be read; retry"))?;
        } else if open >= MAX_SOCKETS_PER_USER {
            send(
                &pair.server,
                &serde_json::json!({"type": "error", "code": "too_many_connections",
                "detail": format!("At most {MAX_SOCKETS_PER_USER} sockets per user.")}),
            );
            pair.server.close(Some(1008), Some("too many connections"))?;
        } else {
            if self.state.storage().get_alarm().await?.is_none() {
                self.state.storage().set_alarm(self.poll_interval().await).await?;
            }
            send(&pair.server, &serde_json::json!({"type": "welcome", "protocol": header("sec-websocket-protocol")}));
        }
        let mut response = Response::from_websocket(pair.client)?;
        response.headers_mut().set("sec-websocket-protocol", &header("sec-websocket-protocol"))?;
        Ok(response)
    }

    async fn websocket_message(&self, ws: WebSocket, message: WebSocketIncomingMessage) -> worker::Result<()> {
        let Some(mut attachment) = ws.deserialize_attachment::<Attachment>()? else { return Ok(()) };
        let parsed = match message {
            WebSocketIncomingMessage::String(text) => serde_json::from_str::<ClientMessage>(&text).ok(),
            WebSocketIncomingMessage::Binary(_) => None,
        };
        let reply = match parsed {
            Some(ClientMessage::Subscribe { channels }) if channels.iter().all(|c| valid_channel(c)) => {
                for channel in channels {
                    if !attachment.channels.contains(&channel) {
                        attachment.channels.push(channel);
                    }
                }
                attachment.channels.truncate(MAX_CHANNELS);
                serde_json::json!({"type": "subscribed", "channels": attachment.channels})
            }
            Some(ClientMessage::Unsubscribe { channels }) => {
                attachment.channels.retain(|c| !channels.contains(c));
                serde_json::json!({"type": "subscribed", "channels": attachment.channels})
            }
            _ => serde_json::json!({"type": "error", "code": "invalid_message",
                "detail": "Send {\"type\":\"subscribe\"|\"unsubscribe\",\"channels\":[\"events\"|\"order:<id>\"]}."}),
        };
        ws.serialize_attachment(&attachment)?;
        send(&ws, &reply);
        Ok(())
    }

    async fn websocket_close(&self, ws: WebSocket, code: usize, _reason: String, _clean: bool) -> worker::Result<()> {
        // Complete the closing handshake the client started.
        let code = u16::try_from(code).ok().filter(|c| (1000..5000).contains(c) && *c != 1005 && *c != 1006);
        let _ = ws.close(Some(code.unwrap_or(1000)), Some("closed"));
        Ok(())
    }

    async fn alarm(&self) -> worker::Result<Response> {
        let sockets = self.state.get_websockets();
        if sockets.is_empty() {
            return Response::ok("idle");
        }
        self.push(&sockets).await?;
        if !self.state.get_websockets().is_empty() {
            self.state.storage().set_alarm(self.poll_interval().await).await?;
        }
        Response::ok("pushed")
    }
}

impl LiveSocket {
    fn platform(&self) -> web::ports::Platform {
        adapter_cloudflare::detached_platform(&self.env)
    }

    /// Puts the cursor at the newest event.
    async fn start_cursor(&self) -> worker::Result<()> {
        let latest = self.platform().sql.query_optional(&Feed::latest()).await;
        let latest = latest
            .ok()
            .flatten()
            .and_then(|row| row.get::<i64>("id").ok())
            .ok_or_else(|| worker::Error::RustError("the event log cannot be read".into()))?;
        self.state.storage().put("cursor", latest).await
    }

    /// The streams' settings (poll interval, lifetime), or their defaults if unreadable.
    async fn settings(&self) -> (Duration, Duration) {
        let config = self.platform().config;
        match events::StreamSettings::load(&*config).await {
            Ok(settings) => (settings.poll, settings.lifetime),
            Err(_) => (Duration::from_secs(1), Duration::from_secs(300)),
        }
    }

    async fn poll_interval(&self) -> Duration {
        self.settings().await.0
    }

    /// One round: sessions checked, the feed read after the cursor, each event sent to the
    /// sockets subscribed to it that may see it.
    async fn push(&self, sockets: &[WebSocket]) -> worker::Result<()> {
        let platform = self.platform();
        let attached: Vec<(WebSocket, Attachment)> = sockets
            .iter()
            .filter_map(|ws| ws.deserialize_attachment::<Attachment>().ok().flatten().map(|a| (ws.clone(), a)))
            .collect();
        let Some((_, first)) = attached.first() else { return Ok(()) };
        let user_id = first.user_id.clone();
        // Past their lifetime sockets close; clients reconnect (with a fresh token) and resume.
        let lifetime = i64::try_from(self.settings().await.1.as_millis()).unwrap_or(i64::MAX);
        let now = now_ms();
        let (attached, expired): (Vec<_>, Vec<_>) =
            attached.into_iter().partition(|(_, a)| now.saturating_sub(a.opened_ms) < lifetime);
        for (ws, _) in &expired {
            let _ = ws.close(Some(CLOSE_LIFETIME), Some("lifetime over: reconnect"));
        }
        // Each session once: revoked ones close their sockets; the user's roles come fresh.
        let mut permissions = None;
        let mut sessions: BTreeMap<String, bool> = BTreeMap::new();
        for (_, attachment) in &attached {
            if sessions.contains_key(&attachment.session_id) {
                continue;
            }
            match identity::session_permissions(&platform, &user_id, &attachment.session_id).await {
                Ok(current) => {
                    permissions = Some(current);
                    sessions.insert(attachment.session_id.clone(), true);
                }
                Err(problem) if problem.status() == StatusCode::SERVICE_UNAVAILABLE => return Ok(()),
                Err(_) => {
                    sessions.insert(attachment.session_id.clone(), false);
                }
            }
        }
        for (ws, attachment) in &attached {
            if sessions.get(&attachment.session_id) == Some(&false) {
                send(ws, &serde_json::json!({"type": "error", "code": "session_revoked"}));
                let _ = ws.close(Some(CLOSE_REVOKED), Some("session revoked"));
            }
        }
        let Some(permissions) = permissions else { return Ok(()) };
        let viewer = Viewer { user_id: &user_id, permissions: &permissions };
        let Some(feed) = viewer.own_feed() else {
            for (ws, _) in &attached {
                let _ = ws.close(Some(CLOSE_FORBIDDEN), Some("may no longer read events"));
            }
            return Ok(());
        };
        let cursor = self.state.storage().get::<i64>("cursor").await?.unwrap_or(0);
        let Ok(rows) = platform.sql.query(&feed.after(cursor, events::PAGE)).await else { return Ok(()) };
        let mut last = cursor;
        for row in &rows {
            let Ok(event) = StoredEvent::from_row(row) else { continue };
            last = last.max(event.id);
            if !viewer.may_see(&event) {
                continue;
            }
            let message = event_message(&event);
            for (ws, attachment) in &attached {
                if sessions.get(&attachment.session_id) == Some(&true) && subscribed(&attachment.channels, &event) {
                    let _ = ws.send_with_str(&message);
                }
            }
        }
        if last != cursor {
            self.state.storage().put("cursor", last).await?;
        }
        Ok(())
    }
}

/// Unix milliseconds.
fn now_ms() -> i64 {
    i64::try_from(worker::Date::now().as_millis()).unwrap_or(i64::MAX)
}

fn send(ws: &WebSocket, message: &serde_json::Value) {
    let _ = ws.send_with_str(message.to_string());
}

/// `events`, or `order:<id>` with an id of at most 64 of `[A-Za-z0-9-]`.
fn valid_channel(channel: &str) -> bool {
    channel == "events"
        || channel.strip_prefix("order:").is_some_and(|id| {
            !id.is_empty() && id.len() <= 64 && id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
        })
}

fn subscribed(channels: &[String], event: &StoredEvent) -> bool {
    channels.iter().any(|channel| {
        channel == "events"
            || (event.topic == "order" && channel.strip_prefix("order:") == Some(event.subject.as_str()))
    })
}

/// `{"type":"event","id":…,"event":…,"data":…}` (the same id, type and data as the SSE frames).
fn event_message(event: &StoredEvent) -> String {
    format!(
        "{{\"type\":\"event\",\"id\":{},\"event\":{},\"data\":{}}}",
        event.id,
        serde_json::Value::from(event.kind.as_str()),
        event.payload
    )
}
