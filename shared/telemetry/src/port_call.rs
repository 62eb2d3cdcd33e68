//! One call a request made through a port, as observed.

use crate::span::Attribute;

/// The kinds of port call observed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum PortKind {
    /// SQL (D1, Spin SQLite).
    Db,
    /// Key-value.
    Kv,
    /// Exact rate-limit counters.
    Counter,
    /// Outbound HTTP.
    Http,
}

impl PortKind {
    /// Every kind, in the order `Server-Timing` lists them.
    pub const ALL: [PortKind; 4] = [PortKind::Db, PortKind::Kv, PortKind::Counter, PortKind::Http];

    /// The short name used as the `Server-Timing` metric and the `orderflow.port` attribute.
    pub fn name(self) -> &'static str {
        match self {
            PortKind::Db => "db",
            PortKind::Kv => "kv",
            PortKind::Counter => "counter",
            PortKind::Http => "http",
        }
    }
}

/// A finished port call.
#[derive(Debug, Clone)]
pub struct PortCall {
    /// Which port.
    pub kind: PortKind,
    /// The span name and `db.operation.name`-like operation, e.g. `SELECT`, `BATCH`, `get`, `GET`.
    pub operation: String,
    /// When it started and ended, Unix milliseconds.
    pub start_ms: i64,
    /// When it ended.
    pub end_ms: i64,
    /// Span attributes (statement text without values, key prefix, status code...).
    pub attributes: Vec<Attribute>,
    /// The port error's kind, if the call failed.
    pub error: Option<&'static str>,
}
