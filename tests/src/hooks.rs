//! The suite's webhook receiver: `tests/webhooks/receiver.py`, which verifies every delivery
//! with PyPI `standardwebhooks` (the reference implementation) and can fail the first attempts.

use std::sync::OnceLock;

use reqwest::Method;
use serde_json::{Value, json};

use crate::client::{request, send};
use crate::python_service::PythonService;

/// The `Authorization: Bearer` secret of `POST /v2/webhooks/sweep` in the suite.
pub const SWEEP_SECRET: &str = "contract-webhook-sweep-secret";

fn receiver() -> Result<&'static PythonService, String> {
    static RECEIVER: OnceLock<Result<PythonService, String>> = OnceLock::new();
    RECEIVER.get_or_init(|| PythonService::start("webhooks/receiver.py")).as_ref().map_err(Clone::clone)
}

/// The receiver's `host:port` (for `WEBHOOK_ALLOWED_HOSTS`); a dead port if it cannot start.
pub fn host() -> String {
    match receiver() {
        Ok(receiver) => format!("127.0.0.1:{}", receiver.port),
        Err(why) => {
            eprintln!("webhook receiver unavailable: {why}");
            "127.0.0.1:9".into()
        }
    }
}

/// The URL of endpoint `name` at the receiver.
pub fn url(name: &str) -> String {
    format!("http://{}/hooks/{name}", host())
}

/// Makes endpoint `name` verify with `secret` and answer its first `fail_first` deliveries 500.
pub fn configure(name: &str, secret: &str, fail_first: u32) -> Result<(), String> {
    let receiver = receiver()?;
    let response = send(
        request(Method::PUT, &receiver.base_url(), &format!("/control/{name}"))
            .json(&json!({"secret": secret, "fail_first": fail_first})),
    )?;
    if response.status().is_success() { Ok(()) } else { Err(format!("configure {name}: {}", response.status())) }
}

/// What endpoint `name` received so far, oldest first.
pub fn attempts(name: &str) -> Result<Vec<Value>, String> {
    let receiver = receiver()?;
    let response = send(request(Method::GET, &receiver.base_url(), &format!("/attempts/{name}")))?;
    response.json().map_err(|e| format!("receiver answer: {e}"))
}
