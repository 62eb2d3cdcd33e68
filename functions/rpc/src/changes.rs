//! Server streams of changes: read a value every poll interval and send it when it differs
//! from the last one sent, until it is final, gone, the call's deadline passes or the stream's
//! lifetime ends. `WatchOrder` and `Health.Watch` are both this.

use std::rc::Rc;
use std::time::Duration;

use futures_util::Stream;
use identity::settings::{millis, seconds};
use web::{Problem, Request};

use crate::call::Call;
use crate::status::deadline_exceeded;

/// How a change stream polls.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Timing {
    /// Between two reads (`rpc_watch_poll_ms`, default 1000, 50–60000): one SQL round trip per
    /// open stream per interval.
    pub poll: Duration,
    /// The longest a stream stays open (`rpc_stream_lifetime_seconds`, default 300); it then
    /// ends with OK and the client calls again.
    pub lifetime: Duration,
}

impl Timing {
    /// Reads the settings; a malformed value is a deployment error (500 naming it).
    pub async fn load(request: &Request) -> Result<Self, Problem> {
        let config = &*request.platform().config;
        let poll = millis(config, "rpc_watch_poll_ms", 1000, 50..=60_000).await?;
        let lifetime = seconds(config, "rpc_stream_lifetime_seconds", 300).await?.unsigned_abs();
        Ok(Self { poll, lifetime: Duration::from_secs(lifetime) })
    }
}

/// What one read found.
pub enum Read<T> {
    /// The value now.
    Now(T),
    /// It no longer exists (or is no longer visible): the stream ends with OK.
    Gone,
    /// The caller may no longer watch it: the stream ends with this error.
    Refused(Problem),
    /// A dependency failed: try again at the next interval.
    Unavailable,
}

/// What a stream watches.
pub trait Watched: 'static {
    /// The value sent.
    type Value: 'static;
    /// The part of a value whose change is worth a message.
    type Key: PartialEq + 'static;
    /// Reads the value now.
    fn read(&self, request: Rc<Request>) -> impl Future<Output = Read<Self::Value>> + 'static;
    /// The key of a value.
    fn key(value: &Self::Value) -> Self::Key;
    /// Whether no change can follow this value (the stream then ends with OK).
    fn is_final(_value: &Self::Value) -> bool {
        false
    }
}

struct State<W: Watched> {
    watched: W,
    request: Rc<Request>,
    call: Call,
    timing: Timing,
    opened_ms: i64,
    first: Option<W::Value>,
    last: Option<W::Key>,
    ended: bool,
}

/// The stream of `watched`'s values: `first` (already read by the caller, so that a refusal
/// is the call's immediate error), then each change.
pub fn changes<W: Watched>(
    watched: W,
    request: Request,
    call: Call,
    timing: Timing,
    first: W::Value,
) -> impl Stream<Item = Result<W::Value, Problem>> + 'static {
    let opened_ms = request.platform().clock.now_millis();
    let state = State {
        watched,
        request: Rc::new(request),
        call,
        timing,
        opened_ms,
        first: Some(first),
        last: None,
        ended: false,
    };
    futures_util::stream::unfold(state, |mut state| async move {
        let item = state.next().await?;
        Some((item, state))
    })
}

impl<W: Watched> State<W> {
    async fn next(&mut self) -> Option<Result<W::Value, Problem>> {
        if self.ended {
            return None;
        }
        if let Some(value) = self.first.take() {
            return Some(Ok(self.sent(value)));
        }
        let clock = Rc::clone(&self.request.platform().clock);
        loop {
            let lifetime = u64::try_from(self.timing.lifetime.as_millis()).unwrap_or(u64::MAX);
            let open_for = clock.now_millis().saturating_sub(self.opened_ms).max(0).unsigned_abs();
            let lifetime_left = lifetime.saturating_sub(open_for);
            let deadline_left = self.call.remaining_ms(&self.request);
            if deadline_left == Some(0) {
                self.ended = true;
                return Some(Err(deadline_exceeded()));
            }
            if lifetime_left == 0 {
                self.ended = true;
                return None;
            }
            let poll = u64::try_from(self.timing.poll.as_millis()).unwrap_or(u64::MAX);
            let nap = poll.min(lifetime_left).min(deadline_left.unwrap_or(u64::MAX));
            self.request.platform().timer.sleep(Duration::from_millis(nap)).await;
            if self.call.remaining_ms(&self.request) == Some(0) {
                continue;
            }
            match self.watched.read(Rc::clone(&self.request)).await {
                Read::Now(value) if self.last.as_ref() != Some(&W::key(&value)) => return Some(Ok(self.sent(value))),
                Read::Now(_) | Read::Unavailable => {}
                Read::Gone => {
                    self.ended = true;
                    return None;
                }
                Read::Refused(problem) => {
                    self.ended = true;
                    return Some(Err(problem));
                }
            }
        }
    }

    /// Records `value` as sent.
    fn sent(&mut self, value: W::Value) -> W::Value {
        self.last = Some(W::key(&value));
        self.ended = W::is_final(&value);
        value
    }
}
