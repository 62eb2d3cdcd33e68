//! The instance's exporter: metrics aggregated in place, finished traces buffered up to a bound,
//! both sent over OTLP/HTTP by a background flush that never outlives its timeout.

use std::cell::RefCell;
use std::fmt::Write as _;
use std::time::Duration;

use bytes::Bytes;
use ports::log::Level;
use ports::{Clock, HttpClient, LogSink, Timer};

use crate::otlp::{self, Reporter};
use crate::{FinishedTrace, Metrics, PortCall, TelemetrySettings};

/// What the pipeline knows about a request once it is answered.
#[derive(Debug, Clone, Copy)]
pub struct RequestSummary<'a> {
    /// Its method.
    pub method: &'a str,
    /// The route template it matched, if any.
    pub route: Option<&'a str>,
    /// The response status.
    pub status: u16,
    /// The problem code, when it failed.
    pub error_type: Option<&'a str>,
    /// How long it took, milliseconds.
    pub latency_ms: i64,
    /// The rate-limit policy applied to it (`RateLimit-Policy`), if any.
    pub rate_limit_policy: Option<&'a str>,
}

/// Per-instance telemetry state. Cheap to share (`Rc`); every method is synchronous except the
/// flush, which runs in the background.
pub struct Exporter {
    settings: TelemetrySettings,
    reporter: Reporter,
    started_ms: i64,
    state: RefCell<State>,
}

#[derive(Default)]
struct State {
    metrics: Metrics,
    traces: Vec<FinishedTrace>,
    queued_spans: usize,
    /// Spans dropped since the last flush reported them (queue full, per-request bound, failed export).
    dropped_spans: u64,
    /// When a flush was scheduled and has not started yet.
    flush_scheduled_at: Option<i64>,
    /// Whether an immediate flush (full queue) is among those scheduled.
    immediate_scheduled: bool,
    last_metrics_ms: Option<i64>,
}

impl Exporter {
    /// An exporter for an instance that started at `now_ms` and calls itself `instance_id`.
    pub fn new(settings: TelemetrySettings, instance_id: String, now_ms: i64) -> Self {
        let reporter = Reporter { service_name: settings.service_name.clone(), instance_id };
        Self { settings, reporter, started_ms: now_ms, state: RefCell::new(State::default()) }
    }

    /// The settings in force.
    pub fn settings(&self) -> &TelemetrySettings {
        &self.settings
    }

    /// Adds a port call to the metrics.
    pub fn record_port_call(&self, call: &PortCall) {
        self.state.borrow_mut().metrics.record_port_call(call);
    }

    /// Adds a request to the metrics and, when it was traced, queues its spans (dropping them,
    /// counted, when the queue is full).
    pub fn finish_request(&self, request: &RequestSummary<'_>, trace: Option<FinishedTrace>) {
        let mut state = self.state.borrow_mut();
        state.metrics.record_request(
            request.method,
            request.route,
            request.status,
            request.error_type,
            request.latency_ms,
        );
        if let Some(policy) = request.rate_limit_policy {
            state.metrics.record_rate_limit(policy, request.status == 429);
        }
        if let Some(trace) = trace {
            state.dropped_spans += u64::from(trace.dropped_spans);
            if state.queued_spans + trace.spans.len() > self.settings.max_queue_spans {
                state.dropped_spans += trace.spans.len() as u64;
            } else {
                state.queued_spans += trace.spans.len();
                state.traces.push(trace);
            }
        }
    }

    /// Whether the caller should schedule [`Exporter::flush`], and after how long (it is then
    /// counted as scheduled). Spans are batched: the first ones queued schedule a flush after
    /// `otel_bsp_schedule_delay`, which takes everything queued by then; a queue that reaches
    /// `otel_bsp_max_export_batch_size` spans is flushed at once. Metrics ride on flushes (a
    /// flush is scheduled for them alone when they are due). A flush scheduled but not started
    /// within its delay plus twice the timeout is taken as lost (its platform stopped it).
    pub fn flush_due(&self, now_ms: i64) -> Option<Duration> {
        let mut state = self.state.borrow_mut();
        let timeout_ms = i64::try_from(self.settings.timeout.as_millis()).unwrap_or(i64::MAX);
        let delay_ms = i64::try_from(self.settings.schedule_delay.as_millis()).unwrap_or(i64::MAX);
        let full = state.queued_spans >= self.settings.max_export_batch_spans;
        if let Some(at) = state.flush_scheduled_at
            && now_ms.saturating_sub(at) < delay_ms.saturating_add(timeout_ms.saturating_mul(2))
        {
            // A flush is on its way; only a full queue cannot wait for it.
            if full && !state.immediate_scheduled {
                state.immediate_scheduled = true;
                return Some(Duration::ZERO);
            }
            return None;
        }
        let metrics_due =
            state.last_metrics_ms.is_none_or(|last| now_ms.saturating_sub(last) >= self.settings.metric_interval_ms);
        if !(full || !state.traces.is_empty() || metrics_due || state.dropped_spans > 0) {
            return None;
        }
        state.flush_scheduled_at = Some(now_ms);
        state.immediate_scheduled = full;
        Some(if full { Duration::ZERO } else { self.settings.schedule_delay })
    }

    /// Sends what is queued (and the metrics, when due). Each export is given the configured
    /// timeout; a failed one is dropped and counted, and one warning line per flush reports
    /// what was lost. Never panics, never retries.
    pub async fn flush(&self, http: &dyn HttpClient, timer: &dyn Timer, clock: &dyn Clock, log: &dyn LogSink) {
        let now = clock.now_millis();
        let (traces, metrics_body, mut dropped) = {
            let mut state = self.state.borrow_mut();
            state.flush_scheduled_at = None;
            state.immediate_scheduled = false;
            let traces = std::mem::take(&mut state.traces);
            state.queued_spans = 0;
            let metrics_due =
                state.last_metrics_ms.is_none_or(|last| now.saturating_sub(last) >= self.settings.metric_interval_ms);
            let metrics_body = metrics_due.then(|| {
                state.last_metrics_ms = Some(now);
                otlp::metrics_body(&self.reporter, &state.metrics, self.started_ms, now)
            });
            (traces, metrics_body, std::mem::take(&mut state.dropped_spans))
        };
        let mut failures = String::new();
        if !traces.is_empty() {
            let body = otlp::traces_body(&self.reporter, &traces);
            if let Err(why) = self.send(http, timer, &self.settings.traces_url, body).await {
                dropped += traces.iter().map(|t| t.spans.len() as u64).sum::<u64>();
                let _ = write!(failures, r#","traces_error":"{why}""#);
            }
        }
        if let Some(body) = metrics_body
            && let Err(why) = self.send(http, timer, &self.settings.metrics_url, body).await
        {
            let _ = write!(failures, r#","metrics_error":"{why}""#);
        }
        if dropped > 0 || !failures.is_empty() {
            log.emit(
                Level::Warn,
                &format!(
                    r#"{{"level":"warn","ts_ms":{now},"msg":"telemetry dropped","spans_dropped":{dropped}{failures}}}"#
                ),
            );
        }
    }

    /// One POST; the error is a short machine word (the collector's answer is not echoed).
    async fn send(
        &self,
        http: &dyn HttpClient,
        timer: &dyn Timer,
        url: &str,
        body: Vec<u8>,
    ) -> Result<(), &'static str> {
        let mut request = http::Request::post(url).header(http::header::CONTENT_TYPE, otlp::CONTENT_TYPE);
        for (name, value) in &self.settings.headers {
            request = request.header(name.as_str(), value.as_str());
        }
        let request = request.body(Bytes::from(body)).map_err(|_| "invalid_request")?;
        match ports::timer::within(timer, self.settings.timeout, "OTLP export", http.send(request)).await {
            Ok(response) if response.status().is_success() => Ok(()),
            Ok(_) => Err("rejected"),
            Err(error) if error.kind == ports::PortErrorKind::Unavailable => Err("unavailable"),
            Err(_) => Err("failed"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::cell::{Cell, RefCell};
    use std::rc::Rc;
    use std::time::Duration;

    use async_trait::async_trait;
    use ports::PortError;
    use ports::timer::Sleep;

    use crate::span::{SpanKind, SpanRecord};

    struct FixedClock(Cell<i64>);
    impl Clock for FixedClock {
        fn now_millis(&self) -> i64 {
            self.0.get()
        }
    }

    /// Sleeps finish at once, so a hanging collector times out immediately.
    struct InstantTimer;
    impl Timer for InstantTimer {
        fn sleep(&self, _: Duration) -> Sleep {
            Box::pin(async {})
        }
    }

    /// What a collector saw of one export: URL, headers, body length.
    type Seen = (String, Vec<(String, String)>, usize);

    /// A collector that answers with `status`, or never answers (`None`).
    struct Collector {
        status: Option<u16>,
        seen: RefCell<Vec<Seen>>,
    }

    #[async_trait(?Send)]
    impl HttpClient for Collector {
        async fn send(&self, request: http::Request<Bytes>) -> Result<http::Response<Bytes>, PortError> {
            let headers =
                request.headers().iter().map(|(n, v)| (n.to_string(), v.to_str().unwrap_or("").to_owned())).collect();
            self.seen.borrow_mut().push((request.uri().to_string(), headers, request.body().len()));
            match self.status {
                Some(status) => Ok(http::Response::builder().status(status).body(Bytes::new()).unwrap()),
                None => std::future::pending().await,
            }
        }
    }

    struct Lines(RefCell<Vec<String>>);
    impl LogSink for Lines {
        fn emit(&self, _: Level, line: &str) {
            self.0.borrow_mut().push(line.to_owned());
        }
    }

    fn settings(max_queue_spans: usize) -> TelemetrySettings {
        TelemetrySettings {
            traces_url: "http://collector/v1/traces".into(),
            metrics_url: "http://collector/v1/metrics".into(),
            headers: vec![("authorization".into(), "Bearer collector-key".into())],
            timeout: Duration::from_millis(100),
            service_name: "orderflow".into(),
            sample_threshold: crate::ALWAYS,
            metric_interval_ms: 60_000,
            max_queue_spans,
            schedule_delay: Duration::from_millis(250),
            max_export_batch_spans: 5,
        }
    }

    fn trace(spans: usize) -> FinishedTrace {
        let span = SpanRecord {
            span_id: [1; 8],
            parent_span_id: None,
            name: "GET /health".into(),
            kind: SpanKind::Server,
            start_ms: 1,
            end_ms: 2,
            attributes: Vec::new(),
            error: None,
        };
        FinishedTrace { trace_id: [3; 16], tracestate: None, spans: vec![span; spans], dropped_spans: 0 }
    }

    fn summary() -> RequestSummary<'static> {
        RequestSummary {
            method: "GET",
            route: Some("/health"),
            status: 200,
            error_type: None,
            latency_ms: 1,
            rate_limit_policy: Some("all"),
        }
    }

    #[tokio::test(flavor = "current_thread")]
    async fn flushes_traces_and_metrics_with_the_configured_headers_then_waits_for_the_interval() {
        let exporter = Exporter::new(settings(100), "i".into(), 0);
        let clock = FixedClock(Cell::new(1_000));
        let collector = Collector { status: Some(200), seen: RefCell::new(Vec::new()) };
        let log = Lines(RefCell::new(Vec::new()));
        exporter.finish_request(&summary(), Some(trace(3)));
        assert_eq!(exporter.flush_due(1_000), Some(Duration::from_millis(250)), "the first spans wait for company");
        assert_eq!(exporter.flush_due(1_001), None, "one flush pending at a time");
        exporter.finish_request(&summary(), Some(trace(3)));
        assert_eq!(exporter.flush_due(1_002), Some(Duration::ZERO), "a full batch goes at once");
        assert_eq!(exporter.flush_due(1_003), None);
        exporter.flush(&collector, &InstantTimer, &clock, &log).await;
        let seen = collector.seen.borrow();
        assert_eq!(
            seen.iter().map(|(url, ..)| url.as_str()).collect::<Vec<_>>(),
            ["http://collector/v1/traces", "http://collector/v1/metrics"]
        );
        assert!(seen.iter().all(|(_, headers, len)| *len > 0
            && headers.contains(&("authorization".into(), "Bearer collector-key".into()))
            && headers.contains(&("content-type".into(), "application/x-protobuf".into()))));
        drop(seen);
        assert!(log.0.borrow().is_empty());
        exporter.finish_request(&summary(), None);
        assert_eq!(exporter.flush_due(2_000), None, "no spans and metrics not yet due");
        assert_eq!(exporter.flush_due(61_000), Some(Duration::from_millis(250)));
    }

    #[tokio::test(flavor = "current_thread")]
    async fn a_hanging_or_failing_collector_costs_the_batch_and_is_reported_once() {
        for status in [None, Some(500)] {
            let exporter = Rc::new(Exporter::new(settings(4), "i".into(), 0));
            let collector = Collector { status, seen: RefCell::new(Vec::new()) };
            let log = Lines(RefCell::new(Vec::new()));
            exporter.finish_request(&summary(), Some(trace(3)));
            // Over the queue bound: dropped and counted, never buffered.
            exporter.finish_request(&summary(), Some(trace(3)));
            exporter.flush(&collector, &InstantTimer, &FixedClock(Cell::new(5)), &log).await;
            let lines = log.0.borrow();
            assert_eq!(lines.len(), 1, "{lines:?}");
            assert!(lines[0].contains(r#""spans_dropped":6"#), "{}", lines[0]);
            assert!(!lines[0].contains("collector-key"), "credentials never logged");
            let reason = if status.is_none() { "unavailable" } else { "rejected" };
            assert!(lines[0].contains(reason), "{}", lines[0]);
        }
    }
}
