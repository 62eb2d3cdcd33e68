//! The suite's OpenTelemetry collector: `tests/otlp/receiver.py`, which decodes OTLP/HTTP
//! exports with the official protobuf definitions (PyPI `opentelemetry-proto`), started once on
//! a free loopback port and queried as JSON. It exits when the suite does (its stdin closes).

use std::io::{BufRead, BufReader};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::{Mutex, OnceLock};
use std::time::{Duration, Instant};

use reqwest::Method;
use serde_json::Value;

use crate::client::{request, send};
use crate::runtime::project_root;

/// The credential the runtimes send to the collector (a secret: must never be in telemetry).
pub const COLLECTOR_KEY: &str = "contract-otlp-collector-key";

struct Receiver {
    port: u16,
    /// Held open for the suite's life; the receiver exits when it closes.
    _stdin: Mutex<ChildStdin>,
    _child: Mutex<Child>,
}

fn receiver() -> Result<&'static Receiver, String> {
    static RECEIVER: OnceLock<Result<Receiver, String>> = OnceLock::new();
    RECEIVER.get_or_init(start).as_ref().map_err(Clone::clone)
}

fn start() -> Result<Receiver, String> {
    let root = project_root();
    let python =
        std::env::var("PYTHON_BIN").unwrap_or_else(|_| root.join(".tools/venv/bin/python").display().to_string());
    let mut child = Command::new(&python)
        .arg(root.join("tests/otlp/receiver.py"))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .map_err(|e| format!("start the OTLP receiver with {python} (run scripts/setup.sh): {e}"))?;
    let stdout = child.stdout.take().ok_or("receiver stdout")?;
    let mut line = String::new();
    BufReader::new(stdout).read_line(&mut line).map_err(|e| format!("read the receiver's port: {e}"))?;
    let port = line
        .trim()
        .strip_prefix("listening ")
        .and_then(|p| p.parse().ok())
        .ok_or_else(|| format!("the OTLP receiver did not start: {line:?}"))?;
    let stdin = child.stdin.take().ok_or("receiver stdin")?;
    Ok(Receiver { port, _stdin: Mutex::new(stdin), _child: Mutex::new(child) })
}

/// The collector's base URL (starts it on first use; an unstartable receiver fails the cases
/// that need it, with the reason).
pub fn endpoint() -> String {
    match receiver() {
        Ok(receiver) => format!("http://127.0.0.1:{}", receiver.port),
        Err(why) => {
            eprintln!("OTLP receiver unavailable: {why}");
            "http://127.0.0.1:9".into()
        }
    }
}

fn query(path: &str) -> Result<Vec<Value>, String> {
    let receiver = receiver()?;
    let response = send(request(Method::GET, &format!("http://127.0.0.1:{}", receiver.port), path))?;
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
