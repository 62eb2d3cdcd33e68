//! `Server-Timing` (W3C Server Timing): how long a request spent in each kind of port call,
//! when the `server_timing` setting turns it on (off by default: timings tell a caller about
//! the server's internals).
//!
//! The request's SQL, key-value, counter and outbound HTTP ports are wrapped so that every
//! call adds its duration and count to its kind; the response then carries e.g.
//! `Server-Timing: db;dur=3;desc="2 calls", kv;dur=0;desc="1 call", total;dur=5`. Handlers
//! and shared crates are unaware of it. Durations come from the clock port in milliseconds
//! (Workers advance their clock only across I/O, which is exactly what port calls are). A
//! kind's `dur` is the sum over its calls, so calls made concurrently add up beyond the time
//! they took together; `total` is wall time.

use std::cell::RefCell;
use std::fmt::Write as _;
use std::rc::Rc;
use std::time::Duration;

use async_trait::async_trait;
use bytes::Bytes;
use ports::counters::{Decision, LimitSpec};
use ports::kv::KeyPage;
use ports::sql::{Statement, StatementResult};
use ports::{Clock, Counters, HttpClient, Kv, Platform, PortError, Sql};

/// The response header.
pub(crate) const HEADER: &str = "server-timing";

/// The kinds of port call timed, in the order the header lists them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Db,
    Kv,
    Counter,
    Http,
}

impl Kind {
    const ALL: [Kind; 4] = [Kind::Db, Kind::Kv, Kind::Counter, Kind::Http];

    fn metric(self) -> &'static str {
        match self {
            Kind::Db => "db",
            Kind::Kv => "kv",
            Kind::Counter => "counter",
            Kind::Http => "http",
        }
    }
}

/// Calls and milliseconds per kind, for one request.
#[derive(Default)]
pub(crate) struct PortTimings {
    totals: RefCell<[(u32, i64); 4]>,
}

impl PortTimings {
    fn add(&self, kind: Kind, millis: i64) {
        let mut totals = self.totals.borrow_mut();
        let (calls, total) = &mut totals[kind as usize];
        *calls = calls.saturating_add(1);
        *total = total.saturating_add(millis.max(0));
    }

    /// The header value: each kind that was called, then the request's `total`.
    pub(crate) fn header_value(&self, total_ms: i64) -> String {
        let mut value = String::new();
        for kind in Kind::ALL {
            let (calls, millis) = self.totals.borrow()[kind as usize];
            if calls > 0 {
                let plural = if calls == 1 { "" } else { "s" };
                let _ = write!(value, "{};dur={millis};desc=\"{calls} call{plural}\", ", kind.metric());
            }
        }
        let _ = write!(value, "total;dur={}", total_ms.max(0));
        value
    }
}

/// `platform` with its SQL, key-value, counter and outbound HTTP ports timed into `timings`.
pub(crate) fn timed(platform: Platform, timings: &Rc<PortTimings>) -> Platform {
    let timer = |kind| Timer { kind, clock: Rc::clone(&platform.clock), timings: Rc::clone(timings) };
    Platform {
        sql: Rc::new(Timed { inner: Rc::clone(&platform.sql), timer: timer(Kind::Db) }),
        kv: Rc::new(Timed { inner: Rc::clone(&platform.kv), timer: timer(Kind::Kv) }),
        counters: Rc::new(Timed { inner: Rc::clone(&platform.counters), timer: timer(Kind::Counter) }),
        http: Rc::new(Timed { inner: Rc::clone(&platform.http), timer: timer(Kind::Http) }),
        ..platform
    }
}

/// Times one kind of call.
struct Timer {
    kind: Kind,
    clock: Rc<dyn Clock>,
    timings: Rc<PortTimings>,
}

impl Timer {
    async fn time<T>(&self, call: impl Future<Output = T>) -> T {
        let started = self.clock.now_millis();
        let result = call.await;
        self.timings.add(self.kind, self.clock.now_millis().saturating_sub(started));
        result
    }
}

/// A port of type `P` whose calls are timed.
struct Timed<P: ?Sized> {
    inner: Rc<P>,
    timer: Timer,
}

#[async_trait(?Send)]
impl Sql for Timed<dyn Sql> {
    async fn run(&self, statement: &Statement) -> Result<StatementResult, PortError> {
        self.timer.time(self.inner.run(statement)).await
    }

    async fn batch(&self, statements: &[Statement]) -> Result<Vec<StatementResult>, PortError> {
        self.timer.time(self.inner.batch(statements)).await
    }

    /// The inner port's own batching (one D1 round trip), timed as one call.
    async fn batch_read(&self, statements: &[Statement]) -> Result<Vec<StatementResult>, PortError> {
        self.timer.time(self.inner.batch_read(statements)).await
    }
}

#[async_trait(?Send)]
impl Kv for Timed<dyn Kv> {
    async fn get(&self, key: &str) -> Result<Option<Vec<u8>>, PortError> {
        self.timer.time(self.inner.get(key)).await
    }

    async fn put(&self, key: &str, value: &[u8], ttl: Option<Duration>) -> Result<(), PortError> {
        self.timer.time(self.inner.put(key, value, ttl)).await
    }

    async fn delete(&self, key: &str) -> Result<(), PortError> {
        self.timer.time(self.inner.delete(key)).await
    }

    async fn list(&self, prefix: &str, cursor: Option<&str>, limit: u32) -> Result<KeyPage, PortError> {
        self.timer.time(self.inner.list(prefix, cursor, limit)).await
    }

    fn is_local(&self) -> bool {
        self.inner.is_local()
    }
}

#[async_trait(?Send)]
impl Counters for Timed<dyn Counters> {
    async fn acquire(&self, key: &str, spec: &LimitSpec, now: i64) -> Result<Decision, PortError> {
        self.timer.time(self.inner.acquire(key, spec, now)).await
    }
}

#[async_trait(?Send)]
impl HttpClient for Timed<dyn HttpClient> {
    async fn send(&self, request: http::Request<Bytes>) -> Result<http::Response<Bytes>, PortError> {
        self.timer.time(self.inner.send(request)).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lists_called_kinds_then_the_total() {
        let timings = PortTimings::default();
        assert_eq!(timings.header_value(4), "total;dur=4");
        timings.add(Kind::Db, 2);
        timings.add(Kind::Db, 1);
        timings.add(Kind::Http, 7);
        timings.add(Kind::Kv, -3);
        assert_eq!(
            timings.header_value(12),
            r#"db;dur=3;desc="2 calls", kv;dur=0;desc="1 call", http;dur=7;desc="1 call", total;dur=12"#
        );
    }
}
