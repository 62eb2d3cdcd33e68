//! OpenTelemetry for the request pipeline, recorded through the ports so handlers stay unaware.
//!
//! - [`RequestTelemetry`] observes one request: [`instrument`] wraps its SQL, key-value,
//!   counter and outbound HTTP ports so every call is timed ([`PortTimings`], for
//!   `Server-Timing`), becomes a child span of the request's server span ([`TraceRecorder`]) and
//!   a latency sample for the instance's metrics.
//! - [`Exporter`] is per instance: it aggregates [`Metrics`], buffers finished traces (bounded,
//!   dropping and counting beyond the bound) and flushes both over OTLP/HTTP with protobuf
//!   bodies ([`otlp`], the official OpenTelemetry messages) in a background task, with a
//!   timeout, so a slow or absent collector never delays or fails a request.
//! - [`TelemetrySettings`] reads the `OTEL_*` settings; without an endpoint nothing is
//!   recorded or sent.

mod exporter;
mod instrumented;
mod metrics;
pub mod otlp;
mod port_call;
mod request;
mod settings;
mod span;
mod timings;

pub use exporter::{Exporter, RequestSummary};
pub use instrumented::instrument;
pub use metrics::{Histogram, Metrics};
pub use port_call::{PortCall, PortKind};
pub use request::RequestTelemetry;
pub use settings::{ALWAYS, TelemetrySettings};
pub use span::{AttrValue, Attribute, FinishedTrace, SpanKind, SpanRecord, TraceRecorder};
pub use timings::PortTimings;
