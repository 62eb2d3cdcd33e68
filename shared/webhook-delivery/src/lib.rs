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

/// What a handler calls after a write whose batch wrote an outbox event: webhook deliveries
/// run after the response, and now and then old events are pruned.
pub fn after_change(platform: &Platform) {
    rest::outbox::prune_now_and_then(platform);
    delivery::run_in_background(platform);
}
