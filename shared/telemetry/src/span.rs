//! Spans as recorded: ids, timing, attributes and outcome, and one request's recorder.

use std::cell::{Cell, RefCell};

/// Most spans one request records; later ones are counted as dropped.
pub const MAX_SPANS_PER_REQUEST: usize = 128;

/// What a span stands for (OpenTelemetry `SpanKind`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SpanKind {
    /// The request this instance served.
    Server,
    /// A call this instance made (SQL, key-value, counters, HTTP).
    Client,
}

/// An attribute value. No floats: every value the pipeline records is a name, a count or a flag.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum AttrValue {
    /// Text.
    Str(String),
    /// An integer.
    Int(i64),
    /// A flag.
    Bool(bool),
}

/// One `key = value` attribute (semantic-convention keys where one exists).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Attribute {
    /// The attribute key, e.g. `http.route`.
    pub key: &'static str,
    /// Its value.
    pub value: AttrValue,
}

impl Attribute {
    /// A text attribute.
    pub fn str(key: &'static str, value: impl Into<String>) -> Self {
        Self { key, value: AttrValue::Str(value.into()) }
    }

    /// An integer attribute.
    pub fn int(key: &'static str, value: i64) -> Self {
        Self { key, value: AttrValue::Int(value) }
    }

    /// A flag attribute.
    pub fn bool(key: &'static str, value: bool) -> Self {
        Self { key, value: AttrValue::Bool(value) }
    }
}

/// A finished span.
#[derive(Debug, Clone, PartialEq)]
pub struct SpanRecord {
    /// Its id.
    pub span_id: [u8; 8],
    /// Its parent's id (`None` for a root span).
    pub parent_span_id: Option<[u8; 8]>,
    /// Its name, e.g. `GET /v2/orders/{id}` or `SELECT`.
    pub name: String,
    /// Server or client.
    pub kind: SpanKind,
    /// When it started, Unix milliseconds.
    pub start_ms: i64,
    /// When it ended, Unix milliseconds.
    pub end_ms: i64,
    /// Its attributes.
    pub attributes: Vec<Attribute>,
    /// Why it failed (a machine code, never internals), if it did.
    pub error: Option<String>,
}

/// One request's spans, ready for export.
#[derive(Debug, Clone, PartialEq)]
pub struct FinishedTrace {
    /// The trace they belong to.
    pub trace_id: [u8; 16],
    /// The caller's `tracestate`, if any.
    pub tracestate: Option<String>,
    /// The server span first, then its children in completion order.
    pub spans: Vec<SpanRecord>,
    /// Spans over [`MAX_SPANS_PER_REQUEST`] that were not kept.
    pub dropped_spans: u32,
}

/// Collects the child spans of one request's server span.
///
/// Child span ids come from a SplitMix64 sequence seeded from the request's random draw:
/// unique within the trace without a host call per span.
#[derive(Debug)]
pub struct TraceRecorder {
    trace_id: [u8; 16],
    server_span_id: [u8; 8],
    next_id: Cell<u64>,
    spans: RefCell<Vec<SpanRecord>>,
    dropped: Cell<u32>,
}

impl TraceRecorder {
    /// A recorder for the server span `server_span_id` of `trace_id`.
    pub fn new(trace_id: [u8; 16], server_span_id: [u8; 8]) -> Self {
        Self {
            trace_id,
            server_span_id,
            next_id: Cell::new(u64::from_le_bytes(server_span_id)),
            spans: RefCell::new(Vec::new()),
            dropped: Cell::new(0),
        }
    }

    /// The server span's id, every child's parent.
    pub fn server_span_id(&self) -> [u8; 8] {
        self.server_span_id
    }

    /// A fresh span id (never zero, never the server span's).
    pub fn next_span_id(&self) -> [u8; 8] {
        loop {
            let state = self.next_id.get().wrapping_add(0x9e37_79b9_7f4a_7c15);
            self.next_id.set(state);
            let mut z = state;
            z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
            let id = (z ^ (z >> 31)).to_be_bytes();
            if id != [0; 8] && id != self.server_span_id {
                return id;
            }
        }
    }

    /// Keeps a finished child span (or counts it as dropped past the bound).
    pub fn record(&self, span: SpanRecord) {
        let mut spans = self.spans.borrow_mut();
        if spans.len() + 1 < MAX_SPANS_PER_REQUEST {
            spans.push(span);
        } else {
            self.dropped.set(self.dropped.get().saturating_add(1));
        }
    }

    /// The trace: `server` first, then the children recorded so far.
    pub fn finish(&self, server: SpanRecord, tracestate: Option<String>) -> FinishedTrace {
        let mut spans = Vec::with_capacity(self.spans.borrow().len() + 1);
        spans.push(server);
        spans.append(&mut self.spans.borrow_mut());
        FinishedTrace { trace_id: self.trace_id, tracestate, spans, dropped_spans: self.dropped.get() }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn child(recorder: &TraceRecorder) -> SpanRecord {
        SpanRecord {
            span_id: recorder.next_span_id(),
            parent_span_id: Some(recorder.server_span_id()),
            name: "SELECT".into(),
            kind: SpanKind::Client,
            start_ms: 1,
            end_ms: 2,
            attributes: Vec::new(),
            error: None,
        }
    }

    #[test]
    fn child_ids_are_distinct_and_bounded_in_number() {
        let recorder = TraceRecorder::new([1; 16], [2; 8]);
        let mut ids: Vec<_> = (0..1000).map(|_| recorder.next_span_id()).collect();
        ids.sort_unstable();
        ids.dedup();
        assert_eq!(ids.len(), 1000);
        for _ in 0..200 {
            recorder.record(child(&recorder));
        }
        let server = SpanRecord { parent_span_id: None, kind: SpanKind::Server, ..child(&recorder) };
        let trace = recorder.finish(server, None);
        assert_eq!(trace.spans.len(), MAX_SPANS_PER_REQUEST);
        assert_eq!(trace.dropped_spans, 200 - (MAX_SPANS_PER_REQUEST as u32 - 1));
        assert_eq!(trace.spans[0].kind, SpanKind::Server);
    }
}
