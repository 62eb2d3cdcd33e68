//! What is observed while one request is served.

use std::rc::Rc;

use crate::span::{SpanKind, SpanRecord};
use crate::{Exporter, PortCall, PortTimings, TraceRecorder};

/// One request's observers, each optional: `Server-Timing` totals, the trace's child spans
/// (when the request is traced) and the instance's metrics (when an exporter is configured).
pub struct RequestTelemetry {
    timings: Option<PortTimings>,
    trace: Option<TraceRecorder>,
    exporter: Option<Rc<Exporter>>,
}

impl RequestTelemetry {
    /// The observers wanted, or `None` when there are none (the ports then stay unwrapped).
    pub fn new(server_timing: bool, trace: Option<TraceRecorder>, exporter: Option<Rc<Exporter>>) -> Option<Rc<Self>> {
        let timings = server_timing.then(PortTimings::default);
        (timings.is_some() || trace.is_some() || exporter.is_some()).then(|| Rc::new(Self { timings, trace, exporter }))
    }

    /// The `Server-Timing` totals, when that setting is on.
    pub fn timings(&self) -> Option<&PortTimings> {
        self.timings.as_ref()
    }

    /// The trace recorder, when this request records spans.
    pub fn trace(&self) -> Option<&TraceRecorder> {
        self.trace.as_ref()
    }

    /// Whether calls need their span attributes built (only when spans are recorded or metrics
    /// are kept: `Server-Timing` alone needs durations only).
    pub(crate) fn wants_details(&self) -> bool {
        self.trace.is_some() || self.exporter.is_some()
    }

    /// Takes one finished call: its duration, its span (child of the server span, with id
    /// `span_id` when the call needed it in advance) and its metric samples.
    pub(crate) fn observe(&self, span_id: Option<[u8; 8]>, call: PortCall) {
        if let Some(timings) = &self.timings {
            timings.add(call.kind, call.end_ms.saturating_sub(call.start_ms));
        }
        if let Some(exporter) = &self.exporter {
            exporter.record_port_call(&call);
        }
        if let Some(trace) = &self.trace {
            trace.record(SpanRecord {
                span_id: span_id.unwrap_or_else(|| trace.next_span_id()),
                parent_span_id: Some(trace.server_span_id()),
                name: call.operation,
                kind: SpanKind::Client,
                start_ms: call.start_ms,
                end_ms: call.end_ms,
                attributes: call.attributes,
                error: call.error.map(str::to_owned),
            });
        }
    }
}
