//! The outbox: every order, product and article change writes an event row in the **same SQL
//! batch** as the change itself (like the audit log), so a failed write leaves neither, and a
//! guarded change (one that may not apply) writes its event only when it did.
//!
//! | topic | types | owner |
//! |---|---|---|
//! | `order` | `order.created`, `order.status_changed`, `order.deleted` | the order's user |
//! | `product` | `product.updated`, `product.deleted` | none (public) |
//! | `article` | `article.updated`, `article.deleted`, `article.commented` | none |
//!
//! Events older than `event_retention_seconds` (default 7 days) are pruned by the batches that
//! write new ones ([`prune`]), through an index on `created_at`.

use serde_json::Value as Json;
use web::Request;
use web::ports::sql::{Statement, Value};

/// Default retention of events: 7 days.
pub const DEFAULT_RETENTION_SECONDS: i64 = 7 * 24 * 3600;

/// One change, as its event.
pub struct Event<'a> {
    /// `order`, `product` or `article`.
    pub topic: &'a str,
    /// The changed thing's id.
    pub subject: &'a str,
    /// `order.created`, `order.status_changed`, ...
    pub kind: &'a str,
    /// Whose it is, when only its owner (and staff) may see it.
    pub owner_id: Option<&'a str>,
    /// The thing after the change (its representation), or `{"id": …}` when deleted.
    pub payload: Json,
}

/// The `INSERT` for `event`, to put in the change's batch. `guard`, when given, is an SQL
/// condition (with its parameters) that must hold for the row to be written, e.g. that the
/// preceding `UPDATE` in the batch applied.
pub fn statement(request: &Request, event: &Event<'_>, guard: Option<(&str, Vec<Value>)>) -> Statement {
    let (condition, guard_params) = guard.unwrap_or(("1", Vec::new()));
    let mut statement = Statement::new(format!(
        "INSERT INTO events (topic, subject, type, owner_id, payload, created_at) SELECT ?, ?, ?, ?, ?, ? WHERE {condition}"
    ))
    .bind(event.topic)
    .bind(event.subject)
    .bind(event.kind)
    .bind(event.owner_id)
    .bind(event.payload.to_string())
    .bind(request.platform().clock.now_millis());
    statement.params.extend(guard_params);
    statement
}

/// Deletes events older than the retention (`event_retention_seconds`), to put in a batch that
/// writes events. An unreadable setting keeps the default: retention never fails a write.
pub async fn prune(request: &Request) -> Statement {
    let retention = request
        .platform()
        .config
        .var("event_retention_seconds")
        .await
        .ok()
        .flatten()
        .and_then(|v| v.trim().parse::<i64>().ok())
        .filter(|seconds| *seconds > 0)
        .unwrap_or(DEFAULT_RETENTION_SECONDS);
    let cutoff = request.platform().clock.now_millis().saturating_sub(retention.saturating_mul(1000));
    Statement::new("DELETE FROM events WHERE created_at < ?1").bind(cutoff)
}
