//! The `text/event-stream` wire format (WHATWG HTML, "Server-sent events").

use bytes::Bytes;
use rest::outbox::StoredEvent;

/// The media type of an event stream.
pub const CONTENT_TYPE: &str = "text/event-stream";

/// One event: `id:` (what `Last-Event-ID` sends back on reconnection), `event:` (its type) and
/// its payload as `data:` lines, one per line of the payload, ended by a blank line.
pub fn event(event: &StoredEvent) -> String {
    let mut frame = format!("id: {}\nevent: {}\n", event.id, event.kind);
    for line in event.payload.split('\n') {
        frame.push_str("data: ");
        frame.push_str(line.strip_suffix('\r').unwrap_or(line));
        frame.push('\n');
    }
    frame.push('\n');
    frame
}

/// A comment line: ignored by clients, it keeps proxies and load balancers from closing an
/// idle connection.
pub fn comment(text: &str) -> Bytes {
    Bytes::from(format!(": {text}\n\n"))
}

/// How long a client waits before reconnecting (`retry:`, milliseconds), with a comment so the
/// first chunk reaches the client at once.
pub fn opening(retry_ms: u64) -> Bytes {
    Bytes::from(format!("retry: {retry_ms}\n: connected\n\n"))
}

/// The last event of a stream the server ends because the caller may no longer follow it
/// (`event: end`, `data: {"reason": …}`): a client should not reconnect with the same
/// credential.
pub fn end(reason: &str) -> Bytes {
    Bytes::from(format!("event: end\ndata: {}\n\n", serde_json::json!({ "reason": reason })))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stored(payload: &str) -> StoredEvent {
        StoredEvent {
            id: 7,
            kind: "order.created".into(),
            topic: "order".into(),
            subject: "o1".into(),
            owner_id: None,
            payload: payload.into(),
            created_at: 0,
        }
    }

    #[test]
    fn an_event_carries_its_id_type_and_data() {
        assert_eq!(event(&stored("{\"a\":1}")), "id: 7\nevent: order.created\ndata: {\"a\":1}\n\n");
    }

    #[test]
    fn each_payload_line_is_its_own_data_line() {
        assert_eq!(event(&stored("a\r\nb")), "id: 7\nevent: order.created\ndata: a\ndata: b\n\n");
    }

    #[test]
    fn control_frames_end_with_a_blank_line() {
        assert_eq!(&comment("heartbeat")[..], b": heartbeat\n\n");
        assert_eq!(&opening(2000)[..], b"retry: 2000\n: connected\n\n");
        assert_eq!(&end("unauthorized")[..], b"event: end\ndata: {\"reason\":\"unauthorized\"}\n\n");
    }
}
