//! Webhooks: every event of the outbox an endpoint's owner may see (the rule of
//! `rest::event_access`) and subscribed to is delivered to it, at least once, signed per
//! Standard Webhooks, with the same `webhook-id` on every retry.
//!
//! - [`delivery::run`] fans new events out into deliveries and attempts what is due; it runs
//!   after every write that made an event ([`after_change`]), and from a scheduler (the
//!   Worker's Cron Trigger, or `POST /v2/webhooks/sweep` on Spin).
//! - Each attempt has a time limit; failures retry with exponential backoff and full jitter
//!   ([`backoff`]) until the last attempt, then the delivery is dead-lettered (replayable).
//! - Each endpoint has a circuit breaker kept in SQL, so every instance sees it: closed → open
//!   after `WEBHOOK_BREAKER_FAILURES` failures in a row → after the cool-down one probe
//!   (half-open) → closed on success, open again on failure.
//! - [`target::check`] refuses SSRF targets when an endpoint is registered and before each attempt.

pub mod backoff;
pub mod delivery;
pub mod settings;
pub mod signature;
pub mod target;

pub use delivery::{Summary, run};
pub use settings::DeliverySettings;

use ports::Platform;
use ports::log::Level;

/// The job a queue consumer answers with [`run`].
pub const JOB: &str = "webhooks.run";

/// What a handler calls after a write whose batch wrote an outbox event: now and then old
/// events are pruned, and a delivery run is queued as the job [`JOB`] (on Workers a Cloudflare
/// Queue, retried by the platform until the consumer succeeds; on Spin a request to the private
/// `job-runner` component). Both happen in the background: the response never waits for them.
///
/// The writer never runs the deliveries itself, so only the components that run jobs carry
/// the delivery code. A job that cannot be queued is logged; nothing is lost, since every
/// run delivers everything due: the next write's run, the Cron Trigger or a sweep
/// (`POST /v2/webhooks/sweep`) picks it up.
pub fn after_change(platform: &Platform) {
    rest::outbox::prune_now_and_then(platform);
    delivery::prune_now_and_then(platform);
    let queued = platform.clone();
    platform.background.spawn(Box::pin(async move {
        if let Err(error) = queued.jobs.enqueue(JOB).await {
            let line = serde_json::json!({"level": "warn", "msg": "webhook_run_not_queued", "cause": error.message});
            queued.log.emit(Level::Warn, &line.to_string());
        }
    }));
}
