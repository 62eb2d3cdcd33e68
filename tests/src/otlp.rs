//! The suite's OpenTelemetry collector: `tests/otlp/receiver.py`, which decodes OTLP/HTTP
//! exports with the official protobuf definitions (PyPI `opentelemetry-proto`), started once on
//! a free loopback port and queried as JSON. It exits when the suite does (its stdin closes).

use std::sync::OnceLock;
use std::time::{Duration, Instant};

use reqwest::Method;
use serde_json::Value;

use crate::client::{request, send};
use crate::python_service::PythonService;

/// The credential the runtimes send to the collector (a secret: must never be in telemetry).
pub const COLLECTOR_KEY: &str = "contract-otlp-collector-key";

fn receiver() -> Result<&'static PythonService, String> {
    static RECEIVER: OnceLock<Result<PythonService, String>> = OnceLock::new();
    RECEIVER.get_or_init(|| PythonService::start("otlp/receiver.py")).as_ref().map_err(Clone::clone)
}

/// The collector's base URL (starts it on first use; an unstartable receiver fails the cases
/// that need it, with the reason).
pub fn endpoint() -> String {
    match receiver() {
        Ok(receiver) => receiver.base_url(),
        Err(why) => {
            eprintln!("OTLP receiver unavailable: {why}");
            "http://127.0.0.1:9".into()
        }
    }
}

fn query(path: &str) -> Result<Vec<Value>, String> {
    let receiver = receiver()?;
    let response = send(request(Method::GET, &receiver.base_url(), path))?;
    response.json::<Vec<Value>>().map_err(|e| format!("receiver answer: {e}"))
}

/// The spans received so far for `trace_id`.
pub fn spans(trace_id: &str) -> Result<Vec<Value>, String> {
    query(&format!("/spans?trace_id={trace_id}"))
}

/// The data points of metric `name` received so far (from every export).
pub fn metric_points(name: &str) -> Result<Vec<Value>, String> {
    query(&format!("/metrics?name={name}"))
}

/// Every export's `path`, `content_type` and `authorization`.
pub fn exports() -> Result<Vec<Value>, String> {
    query("/exports")
}

/// Every attribute value received (spans, metric points, resources).
pub fn attribute_values() -> Result<Vec<String>, String> {
    Ok(query("/attribute-values")?.into_iter().map(|v| v.as_str().unwrap_or_default().to_owned()).collect())
}

/// Polls `probe` until it returns `Some` (exports are sent after the response, in the
/// background) or `limit` passes.
pub fn wait_for<T>(limit: Duration, mut probe: impl FnMut() -> Result<Option<T>, String>) -> Result<Option<T>, String> {
    let deadline = Instant::now() + limit;
    loop {
        if let Some(found) = probe()? {
            return Ok(Some(found));
        }
        if Instant::now() > deadline {
            return Ok(None);
        }
        std::thread::sleep(Duration::from_millis(200));
    }
}
