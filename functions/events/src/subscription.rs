//! One open event stream: reads the outbox after the client's position, sends what the caller
//! may see, keeps the connection alive with heartbeats, and ends after its lifetime or as soon
//! as the caller's credential or permission is gone.

use bytes::Bytes;
use identity::authenticate_with;
use rest::event_access::Viewer;
use rest::outbox::{Feed, StoredEvent};
use web::http::StatusCode;
use web::{Body, Request};

use crate::settings::{PAGE, StreamSettings};
use crate::sse;

/// The state of a stream between two chunks.
pub struct Subscription {
    request: Request,
    feed: Feed,
    /// The id of the last event read (sent or not visible): the next read starts after it.
    cursor: i64,
    settings: StreamSettings,
    opened_ms: i64,
    last_sent_ms: i64,
    phase: Phase,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    /// The `retry:` line has not been sent yet.
    Opening,
    /// Reading; `wait` says whether to sleep a poll interval first (the last read was not a full page).
    Open { wait: bool },
    /// Nothing more will be sent.
    Ended,
}

/// What one read of the outbox found.
enum Read {
    /// Events to send (possibly none), and whether a full page came back (more may be waiting).
    Events(Vec<StoredEvent>, bool),
    /// The caller may no longer follow the feed: the stream ends with this reason.
    Refused(&'static str),
    /// A dependency failed: try again at the next interval.
    Unavailable,
}

impl Subscription {
    /// A stream of `feed` for the caller of `request`, starting after event `cursor`.
    pub fn new(request: Request, feed: Feed, cursor: i64, settings: StreamSettings) -> Self {
        let now = request.platform().clock.now_millis();
        Self { request, feed, cursor, settings, opened_ms: now, last_sent_ms: now, phase: Phase::Opening }
    }

    /// The response body: chunks made as events arrive.
    pub fn into_body(self) -> Body {
        Body::stream(futures_util::stream::unfold(self, Self::next_chunk))
    }

    async fn next_chunk(mut self) -> Option<(Bytes, Self)> {
        loop {
            match self.phase {
                Phase::Ended => return None,
                Phase::Opening => {
                    self.phase = Phase::Open { wait: false };
                    let retry = u64::try_from(self.settings.retry.as_millis()).unwrap_or(u64::MAX);
                    return Some((sse::opening(retry), self));
                }
                Phase::Open { wait } => {
                    let platform = self.request.platform().clone();
                    let lifetime_left = self.remaining(self.settings.lifetime.as_millis(), self.opened_ms);
                    if lifetime_left == 0 {
                        self.phase = Phase::Ended;
                        return None;
                    }
                    if wait {
                        let heartbeat_left = self.remaining(self.settings.heartbeat.as_millis(), self.last_sent_ms);
                        if heartbeat_left == 0 {
                            self.last_sent_ms = platform.clock.now_millis();
                            return Some((sse::comment("heartbeat"), self));
                        }
                        let poll = u64::try_from(self.settings.poll.as_millis()).unwrap_or(u64::MAX);
                        let nap = poll.min(lifetime_left).min(heartbeat_left);
                        platform.timer.sleep(std::time::Duration::from_millis(nap)).await;
                    }
                    match self.read().await {
                        Read::Events(events, full) => {
                            self.phase = Phase::Open { wait: !full };
                            if !events.is_empty() {
                                self.last_sent_ms = platform.clock.now_millis();
                                let frames: String = events.iter().map(sse::event).collect();
                                return Some((Bytes::from(frames), self));
                            }
                        }
                        Read::Refused(reason) => {
                            self.phase = Phase::Ended;
                            return Some((sse::end(reason), self));
                        }
                        Read::Unavailable => self.phase = Phase::Open { wait: true },
                    }
                }
            }
        }
    }

    /// Milliseconds left of `span` since `since` (0 when it is over).
    fn remaining(&self, span: u128, since: i64) -> u64 {
        let elapsed = self.request.platform().clock.now_millis().saturating_sub(since).max(0).unsigned_abs();
        u64::try_from(span).unwrap_or(u64::MAX).saturating_sub(elapsed)
    }

    /// One round trip: the credential checked again (revocation, expiry, current roles) with
    /// the next page of the feed.
    async fn read(&mut self) -> Read {
        let page = self.feed.after(self.cursor, PAGE);
        let (principal, results) = match authenticate_with(&self.request, vec![page]).await {
            Ok(answer) => answer,
            Err(problem) if problem.status() == StatusCode::SERVICE_UNAVAILABLE => return Read::Unavailable,
            Err(_) => return Read::Refused("unauthorized"),
        };
        let viewer = Viewer::of(&principal);
        if !viewer.may_follow(&self.feed) {
            return Read::Refused("forbidden");
        }
        let rows = results.into_iter().next().map(|result| result.rows).unwrap_or_default();
        let full = rows.len() >= PAGE as usize;
        let mut visible = Vec::with_capacity(rows.len());
        for row in &rows {
            let Ok(event) = StoredEvent::from_row(row) else { return Read::Unavailable };
            self.cursor = self.cursor.max(event.id);
            if viewer.may_see(&event) {
                visible.push(event);
            } else if matches!(self.feed, Feed::Order { .. }) {
                // One order's stream shows all of its events or none.
                return Read::Refused("forbidden");
            }
        }
        Read::Events(visible, full)
    }
}
