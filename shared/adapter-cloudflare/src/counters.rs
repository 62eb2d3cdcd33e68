//! Exact rate counters in Durable Objects: one object per key, so every request for a key is
//! serialised by the platform and the arithmetic ([`ports::counters::apply`]) runs atomically.

use async_trait::async_trait;
use ports::PortError;
use ports::counters::{Algorithm, Counters, Decision, LimitSpec};
use serde::{Deserialize, Serialize};
use worker::{Env, Request, RequestInit};

/// The Durable Object binding (see `wrangler.toml`).
pub const BINDING: &str = "RATE_LIMITER";

#[derive(Serialize, Deserialize)]
pub(crate) struct Acquire {
    pub(crate) token_bucket: bool,
    pub(crate) limit: i64,
    pub(crate) window_ms: i64,
    pub(crate) now: i64,
}

#[derive(Serialize, Deserialize)]
pub(crate) struct Answer {
    pub(crate) allowed: bool,
    pub(crate) remaining: i64,
    pub(crate) reset_ms: i64,
    pub(crate) retry_after_ms: i64,
}

/// [`Counters`] backed by the `RateCounter` Durable Object class.
pub struct DurableObjectCounters {
    env: Env,
}

impl DurableObjectCounters {
    /// Counters through `env`'s [`BINDING`].
    pub fn new(env: Env) -> Self {
        Self { env }
    }
}

fn unavailable(error: impl std::fmt::Display) -> PortError {
    PortError::unavailable(format!("rate counter durable object: {error}"))
}

#[async_trait(?Send)]
impl Counters for DurableObjectCounters {
    async fn acquire(&self, key: &str, spec: &LimitSpec, now: i64) -> Result<Decision, PortError> {
        let namespace = self.env.durable_object(BINDING).map_err(unavailable)?;
        let stub = namespace.id_from_name(key).and_then(|id| id.get_stub()).map_err(unavailable)?;
        let body = Acquire {
            token_bucket: spec.algorithm == Algorithm::TokenBucket,
            limit: spec.limit,
            window_ms: spec.window_ms,
            now,
        };
        let body = serde_json::to_string(&body).map_err(|e| PortError::other(e.to_string()))?;
        let mut init = RequestInit::new();
        init.with_method(worker::Method::Post).with_body(Some(body.into()));
        let request = Request::new_with_init("https://rate-counter/acquire", &init).map_err(unavailable)?;
        let mut response = stub.fetch_with_request(request).await.map_err(unavailable)?;
        if response.status_code() != 200 {
            return Err(unavailable(format!("status {}", response.status_code())));
        }
        let answer: Answer = response.json().await.map_err(unavailable)?;
        Ok(Decision {
            allowed: answer.allowed,
            remaining: answer.remaining,
            reset_ms: answer.reset_ms,
            retry_after_ms: answer.retry_after_ms,
        })
    }
}
