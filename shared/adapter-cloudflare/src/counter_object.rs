//! The `RateCounter` Durable Object class (exported to JavaScript by `#[durable_object]`).
// The macro generates public glue items that cannot carry doc comments.
#![allow(missing_docs)]

use std::cell::RefCell;

use std::time::Duration;

use ports::counters::{Algorithm, CounterState, IDLE_AFTER_MS, LimitSpec, apply, is_idle};
use worker::{DurableObject, Env, Request, Response, State, durable_object};

use crate::counters::{Acquire, Answer};

/// One counter. State lives in memory (so read-modify-write has no await in the middle) and
/// is persisted to the object's storage after each change. An alarm deletes the storage once
/// the counter has been idle for [`IDLE_AFTER_MS`], so one object per client ever seen does
/// not keep its storage forever.
#[durable_object]
pub struct RateCounter {
    state: State,
    counter: RefCell<Option<Option<CounterState>>>,
}

impl DurableObject for RateCounter {
    fn new(state: State, _env: Env) -> Self {
        Self { state, counter: RefCell::new(None) }
    }

    async fn fetch(&self, mut request: Request) -> worker::Result<Response> {
        let acquire: Acquire = request.json().await?;
        if self.counter.borrow().is_none() {
            // A storage error is an error (the rule's failure policy decides), never a reset.
            let stored: Option<(i64, i64, i64)> = self.state.storage().get("state").await?;
            let loaded = stored.map(|(a, b, t)| CounterState { a, b, t });
            // Once per activation: make sure an idle check is scheduled. Before the counter
            // counts as loaded, so that a failure here is retried by the next request.
            if self.state.storage().get_alarm().await?.is_none() {
                self.state.storage().set_alarm(idle_check_delay()).await?;
            }
            self.counter.borrow_mut().get_or_insert(loaded);
        }
        let spec = LimitSpec {
            algorithm: if acquire.token_bucket { Algorithm::TokenBucket } else { Algorithm::SlidingWindow },
            limit: acquire.limit,
            window_ms: acquire.window_ms,
        };
        let current = self.counter.borrow().flatten();
        let (next, decision) = apply(&spec, current, acquire.now);
        *self.counter.borrow_mut() = Some(Some(next));
        self.state.storage().put("state", (next.a, next.b, next.t)).await?;
        Response::from_json(&Answer {
            allowed: decision.allowed,
            remaining: decision.remaining,
            reset_ms: decision.reset_ms,
            retry_after_ms: decision.retry_after_ms,
        })
    }

    async fn alarm(&self) -> worker::Result<Response> {
        let stored: Option<(i64, i64, i64)> = self.state.storage().get("state").await?;
        let now = worker::Date::now().as_millis() as i64;
        match stored.map(|(a, b, t)| CounterState { a, b, t }) {
            Some(state) if !is_idle(&state, now) => self.state.storage().set_alarm(idle_check_delay()).await?,
            _ => {
                self.state.storage().delete_all().await?;
                // Not loaded: the next request loads (nothing) and schedules the next check.
                *self.counter.borrow_mut() = None;
            }
        }
        Response::ok("")
    }
}

/// When the next idle check runs.
fn idle_check_delay() -> Duration {
    Duration::from_millis(IDLE_AFTER_MS.unsigned_abs())
}
