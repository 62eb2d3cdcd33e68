//! One structured JSON line per request.

use ports::{LogSink, log::Level};
use serde::Serialize;

/// What the access log records. Never the query string, headers or body: they can carry
/// tokens and personal data.
#[derive(Serialize)]
pub(crate) struct AccessRecord<'a> {
    pub(crate) ts_ms: i64,
    pub(crate) msg: &'static str,
    pub(crate) request_id: &'a str,
    pub(crate) method: &'a str,
    /// The route template (`/v1/orders/{id}`), `null` when nothing matched.
    pub(crate) route: Option<&'static str>,
    pub(crate) status: u16,
    pub(crate) latency_ms: i64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) error_code: Option<&'a str>,
    /// Private diagnostic text of a failure (our own words, never client input or secrets).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) cause: Option<&'a str>,
}

/// Serialises `record` and writes it at a level derived from its status.
pub(crate) fn emit(sink: &dyn LogSink, record: &AccessRecord<'_>) {
    let level = match record.status {
        500.. => Level::Error,
        _ => Level::Info,
    };
    #[derive(Serialize)]
    struct Line<'a> {
        level: &'static str,
        #[serde(flatten)]
        record: &'a AccessRecord<'a>,
    }
    if let Ok(line) = serde_json::to_string(&Line { level: level.as_str(), record }) {
        sink.emit(level, &line);
    }
}
