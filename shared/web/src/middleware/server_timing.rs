//! `Server-Timing` (W3C Server Timing): how long a request spent in each kind of port call,
//! when the `server_timing` setting turns it on (off by default: timings tell a caller about
//! the server's internals).
//!
//! The request's SQL, key-value, counter and outbound HTTP ports are observed (crate
//! `telemetry`, which also records spans and metrics from the same calls) so that every call
//! adds its duration and count to its kind; the response then carries e.g.
//! `Server-Timing: db;dur=3;desc="2 calls", kv;dur=0;desc="1 call", total;dur=5`. Handlers
//! and shared crates are unaware of it. Durations come from the clock port in milliseconds
//! (Workers advance their clock only across I/O, which is exactly what port calls are). A
//! kind's `dur` is the sum over its calls, so calls made concurrently add up beyond the time
//! they took together; `total` is wall time.

/// The response header.
pub(crate) const HEADER: &str = "server-timing";
