//! A Server-Sent Events client for the cases, parsing the stream as the WHATWG `EventSource`
//! algorithm does (fields `id`, `event`, `data`, `retry`; comments; one optional space after
//! the colon; `\n`, `\r\n` or `\r` line ends; an event dispatched at a blank line), read on its
//! own thread so a case can act while it listens.

use std::io::{BufRead, BufReader};
use std::sync::OnceLock;
use std::sync::mpsc::{Receiver, RecvTimeoutError, channel};
use std::thread;
use std::time::{Duration, Instant};

use reqwest::blocking::Client;

/// How long the suite's instances keep a stream open (`EVENTS_STREAM_LIFETIME_SECONDS`).
pub const LIFETIME_SECONDS: u64 = 6;

/// What the stream delivered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Received {
    /// A dispatched event.
    Event {
        /// The last event id in effect (what `Last-Event-ID` would resend).
        id: String,
        /// The `event:` type (`message` when absent).
        kind: String,
        /// The joined `data:` lines.
        data: String,
    },
    /// A comment line (heartbeats), without the colon.
    Comment(String),
    /// A `retry:` value in milliseconds.
    Retry(u64),
    /// The server closed the stream.
    Closed,
}

/// An open stream.
pub struct Stream {
    /// The response's status.
    pub status: u16,
    /// Its `Content-Type`.
    pub content_type: String,
    received: Receiver<Received>,
}

fn client() -> &'static Client {
    static CLIENT: OnceLock<Client> = OnceLock::new();
    // No overall timeout: a stream lives as long as the server keeps it; `Stream::next` waits.
    CLIENT.get_or_init(|| Client::builder().no_proxy().timeout(None).build().expect("SSE client"))
}

/// Opens `base` + `path` with `token` (and `Last-Event-ID` when given).
pub fn open(base: &str, path: &str, token: &str, last_event_id: Option<&str>) -> Result<Stream, String> {
    let mut builder = client().get(format!("{base}{path}")).bearer_auth(token).header("accept", "text/event-stream");
    if let Some(id) = last_event_id {
        builder = builder.header("last-event-id", id);
    }
    let response = builder.send().map_err(|e| format!("open {path}: {e}"))?;
    let status = response.status().as_u16();
    let content_type =
        response.headers().get("content-type").and_then(|v| v.to_str().ok()).unwrap_or_default().to_owned();
    let (sender, received) = channel();
    if status == 200 {
        thread::spawn(move || {
            let mut parser = Parser::default();
            let mut reader = BufReader::new(response);
            let mut line = Vec::new();
            loop {
                line.clear();
                match reader.read_until(b'\n', &mut line) {
                    Ok(0) | Err(_) => break,
                    Ok(_) => {
                        let text = String::from_utf8_lossy(&line);
                        // `\r\n` and a lone `\r` end lines too.
                        for part in text.trim_end_matches('\n').trim_end_matches('\r').split('\r') {
                            if let Some(item) = parser.line(part)
                                && sender.send(item).is_err()
                            {
                                return;
                            }
                        }
                    }
                }
            }
            let _ = sender.send(Received::Closed);
        });
    }
    Ok(Stream { status, content_type, received })
}

impl Stream {
    /// The next item within `wait`, or an error naming what was awaited.
    pub fn next(&self, wait: Duration) -> Result<Received, String> {
        self.received.recv_timeout(wait).map_err(|e| match e {
            RecvTimeoutError::Timeout => format!("nothing on the stream within {wait:?}"),
            RecvTimeoutError::Disconnected => "the stream reader stopped".to_owned(),
        })
    }

    /// The next event (skipping comments and `retry:`) within `wait`; `Closed` ends the wait.
    pub fn next_event(&self, wait: Duration) -> Result<Received, String> {
        let deadline = Instant::now() + wait;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.next(left)? {
                item @ (Received::Event { .. } | Received::Closed) => return Ok(item),
                Received::Comment(_) | Received::Retry(_) => {}
            }
        }
    }
}

/// The `EventSource` parsing state between lines.
#[derive(Default)]
struct Parser {
    last_id: String,
    kind: String,
    data: Vec<String>,
}

impl Parser {
    fn line(&mut self, line: &str) -> Option<Received> {
        if line.is_empty() {
            if self.data.is_empty() {
                self.kind.clear();
                return None;
            }
            let kind = if self.kind.is_empty() { "message".to_owned() } else { std::mem::take(&mut self.kind) };
            let data = std::mem::take(&mut self.data).join("\n");
            return Some(Received::Event { id: self.last_id.clone(), kind, data });
        }
        if let Some(comment) = line.strip_prefix(':') {
            return Some(Received::Comment(comment.trim_start().to_owned()));
        }
        let (field, value) = line.split_once(':').unwrap_or((line, ""));
        let value = value.strip_prefix(' ').unwrap_or(value);
        match field {
            "id" if !value.contains('\0') => self.last_id = value.to_owned(),
            "event" => self.kind = value.to_owned(),
            "data" => self.data.push(value.to_owned()),
            "retry" => return value.parse().ok().map(Received::Retry),
            _ => {}
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn events_dispatch_at_blank_lines_with_the_last_id() {
        let mut parser = Parser::default();
        let lines = ["retry: 2000", ": connected", "", "id: 7", "event: order.created", "data: {\"a\":", "data:1}", ""];
        let items: Vec<Received> = lines.iter().filter_map(|l| parser.line(l)).collect();
        assert_eq!(
            items,
            [
                Received::Retry(2000),
                Received::Comment("connected".into()),
                Received::Event { id: "7".into(), kind: "order.created".into(), data: "{\"a\":\n1}".into() },
            ]
        );
    }
}
