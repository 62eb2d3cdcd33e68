//! OpenTelemetry for every request: the server span, its children recorded through the ports,
//! the instance's metrics, and the background export (crate `telemetry`).
//!
//! The exporter exists once per instance, from the `OTEL_*` settings; without an endpoint this
//! module records nothing. Every request's spans are recorded; they are exported when the trace
//! is sampled (the caller's decision, else `otel_traces_sampler_arg`) or the request failed
//! with a 5xx, so errors are always seen.

use std::rc::Rc;

use http::HeaderMap;
use ports::Platform;
use telemetry::{Attribute, Exporter, RequestSummary, RequestTelemetry, SpanKind, SpanRecord, TraceRecorder};

use crate::TraceContext;

/// What a request needs to finish its telemetry.
pub(crate) struct Observation {
    /// Its observers (`None`: nothing observed).
    pub(crate) telemetry: Option<Rc<RequestTelemetry>>,
    /// The instance's exporter, with the ports as the adapter gave them for the export itself
    /// (which is not traced); `None` when no OTLP endpoint is configured.
    export: Option<(Rc<Exporter>, Platform)>,
}

/// Starts observing a request: decides sampling of a new trace and wraps the ports.
pub(crate) fn begin(
    platform: Platform,
    trace: &mut TraceContext,
    server_timing: bool,
    exporter: Option<&Rc<Exporter>>,
) -> (Platform, Observation) {
    if let Some(exporter) = exporter {
        trace.decide_sampling_of_new_trace(|id| exporter.settings().samples_new_trace(id));
    }
    let recorder = exporter.map(|_| TraceRecorder::new(trace.trace_id_bytes(), trace.span_id_bytes()));
    let telemetry = RequestTelemetry::new(server_timing, recorder, exporter.cloned());
    let export = exporter.map(|exporter| (Rc::clone(exporter), platform.clone()));
    let observed = match &telemetry {
        Some(telemetry) => telemetry::instrument(platform, telemetry),
        None => platform,
    };
    (observed, Observation { telemetry, export })
}

/// What the pipeline learnt about a finished request.
pub(crate) struct Finished<'a> {
    pub(crate) method: &'a str,
    pub(crate) route: Option<&'static str>,
    pub(crate) path: &'a str,
    pub(crate) status: u16,
    pub(crate) error_code: Option<&'a str>,
    pub(crate) request_id: &'a str,
    pub(crate) started_ms: i64,
    pub(crate) ended_ms: i64,
    pub(crate) response_headers: &'a HeaderMap,
}

impl Observation {
    /// Records the server span and the request's metrics, and schedules an export when one is due.
    pub(crate) fn finish(self, trace: &TraceContext, request: &Finished<'_>) {
        let Some((exporter, platform)) = self.export else { return };
        let failed = request.status >= 500;
        let trace_export = match (&self.telemetry, trace.is_sampled() || failed) {
            (Some(telemetry), true) => telemetry
                .trace()
                .map(|recorder| recorder.finish(server_span(trace, request), trace.tracestate().map(str::to_owned))),
            _ => None,
        };
        let policy = request
            .response_headers
            .get("ratelimit-policy")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split('"').nth(1));
        exporter.finish_request(
            &RequestSummary {
                method: request.method,
                route: request.route,
                status: request.status,
                error_type: request.error_code,
                latency_ms: request.ended_ms.saturating_sub(request.started_ms),
                rate_limit_policy: policy,
            },
            trace_export,
        );
        if let Some(delay) = exporter.flush_due(request.ended_ms) {
            platform.background.spawn(Box::pin(async move {
                // Driven by this request's own timer (a Worker's waitUntil keeps it alive).
                if !delay.is_zero() {
                    platform.timer.sleep(delay).await;
                }
                exporter.flush(&*platform.http, &*platform.timer, &*platform.clock, &*platform.log).await;
            }));
        }
    }
}

/// The request's own span (semantic conventions for HTTP servers; no query, headers or body).
fn server_span(trace: &TraceContext, request: &Finished<'_>) -> SpanRecord {
    let mut attributes = vec![
        Attribute::str("http.request.method", request.method),
        Attribute::str("url.path", request.path),
        Attribute::int("http.response.status_code", i64::from(request.status)),
        Attribute::str("orderflow.request_id", request.request_id),
    ];
    if let Some(route) = request.route {
        attributes.push(Attribute::str("http.route", route));
    }
    let failed = request.status >= 500;
    if let (true, Some(code)) = (failed, request.error_code) {
        attributes.push(Attribute::str("error.type", code));
    }
    SpanRecord {
        span_id: trace.span_id_bytes(),
        parent_span_id: trace.parent_span_id_bytes(),
        name: match request.route {
            Some(route) => format!("{} {route}", request.method),
            None => request.method.to_owned(),
        },
        kind: SpanKind::Server,
        start_ms: request.started_ms,
        end_ms: request.ended_ms,
        attributes,
        error: failed.then(|| request.error_code.unwrap_or("internal").to_owned()),
    }
}
