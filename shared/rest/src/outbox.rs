//! The outbox: every change to an order, a product or an article leaves an event row, written
//! in the same SQL batch as the change (like its audit row), so a failed write leaves neither
//! and no event is ever told of a change that did not happen. Live streams read the rows back
//! in id order ([`Feed`]); old ones are pruned after the retention period ([`prune_now_and_then`]).

use ports::sql::{Row, Statement, Value};
use ports::{Config, Platform, PortError};
use serde_json::Value as Json;
use web::Request;

/// What kind of object an event is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Topic {
    /// An order (its owner is the customer who placed it).
    Order,
    /// A catalogue product (nobody's own).
    Product,
    /// A publishing article (its owner is its author).
    Article,
}

impl Topic {
    /// The stored name: `order`, `product`, `article`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Order => "order",
            Self::Product => "product",
            Self::Article => "article",
        }
    }
}

/// Every event type the outbox writes (webhooks subscribe to some of them, or `*`).
pub const TYPES: &[&str] = &[
    "order.created",
    "order.status_changed",
    "order.deleted",
    "product.created",
    "product.updated",
    "product.deactivated",
    "article.created",
    "article.updated",
    "article.published",
    "article.archived",
    "article.unpublished",
    "article.deleted",
];

/// One change, as subscribers are told of it.
pub struct Event<'a> {
    /// The kind of object.
    pub topic: Topic,
    /// One of [`TYPES`].
    pub kind: &'a str,
    /// The object's id.
    pub subject: &'a str,
    /// Whose object it is, when it is someone's (it decides who may see the event).
    pub owner_id: Option<&'a str>,
    /// The object after the change, as v2 renders it (for a deletion: its id).
    pub payload: Json,
}

/// The `INSERT` for `event`, to put in the change's batch.
///
/// `guard`, when given, is an SQL condition (with its parameters) that must hold for the row to
/// be written — the same guard the change's audit row uses (that the `UPDATE` applied).
pub fn statement(request: &Request, event: &Event<'_>, guard: Option<(&str, Vec<Value>)>) -> Statement {
    let (condition, guard_params) = guard.unwrap_or(("1", Vec::new()));
    let mut statement = Statement::new(format!(
        "INSERT INTO events (topic, subject, type, owner_id, payload, request_id, created_at) \
         SELECT ?, ?, ?, ?, ?, ?, ? WHERE {condition}"
    ))
    .bind(event.topic.as_str())
    .bind(event.subject)
    .bind(event.kind)
    .bind(event.owner_id)
    .bind(event.payload.to_string())
    .bind(request.request_id())
    .bind(request.platform().clock.now_millis());
    statement.params.extend(guard_params);
    statement
}

/// Which events a subscriber follows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Feed {
    /// Every event of one order.
    Order {
        /// The order id.
        order_id: String,
    },
    /// The events of the orders this user owns.
    OwnOrders {
        /// The owner.
        user_id: String,
    },
    /// Every event (staff).
    All,
}

/// One stored event, as a stream sends it.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredEvent {
    /// Its position in the log (`id:` of a Server-Sent Event; `Last-Event-ID` resumes after it).
    pub id: i64,
    /// `order.created`, …
    pub kind: String,
    /// `order`, `product`, `article`.
    pub topic: String,
    /// The object's id.
    pub subject: String,
    /// Whose object it is.
    pub owner_id: Option<String>,
    /// The JSON payload, as stored.
    pub payload: String,
    /// Unix ms.
    pub created_at: i64,
}

impl Feed {
    /// The events of this feed after `after`, oldest first, at most `limit` (each shape served
    /// by an index: `events_topic_subject`, `events_owner_topic`, the primary key).
    pub fn after(&self, after: i64, limit: u32) -> Statement {
        const COLUMNS: &str = "SELECT id, type, topic, subject, owner_id, payload, created_at FROM events";
        let page = Statement::new(match self {
            Self::Order { .. } => {
                format!("{COLUMNS} WHERE topic = 'order' AND subject = ?3 AND id > ?1 ORDER BY id LIMIT ?2")
            }
            Self::OwnOrders { .. } => {
                format!("{COLUMNS} WHERE owner_id = ?3 AND topic = 'order' AND id > ?1 ORDER BY id LIMIT ?2")
            }
            Self::All => format!("{COLUMNS} WHERE id > ?1 ORDER BY id LIMIT ?2"),
        })
        .bind(after)
        .bind(i64::from(limit));
        match self {
            Self::Order { order_id } => page.bind(order_id.as_str()),
            Self::OwnOrders { user_id } => page.bind(user_id.as_str()),
            Self::All => page,
        }
    }

    /// The newest event id, where a subscriber without `Last-Event-ID` starts (0 when none).
    pub fn latest() -> Statement {
        Statement::new("SELECT COALESCE(MAX(id), 0) AS id FROM events")
    }
}

impl StoredEvent {
    /// Reads a row of [`Feed::after`].
    pub fn from_row(row: &Row) -> Result<Self, PortError> {
        Ok(Self {
            id: row.get("id")?,
            kind: row.get("type")?,
            topic: row.get("topic")?,
            subject: row.get("subject")?,
            owner_id: row.get("owner_id")?,
            payload: row.get("payload")?,
            created_at: row.get("created_at")?,
        })
    }
}

/// Retention when `EVENTS_RETENTION_HOURS` is not set: a week.
pub const DEFAULT_RETENTION_HOURS: i64 = 24 * 7;

/// About one write in 64 (by its clock) also deletes up to 500 events older than the retention
/// period (`EVENTS_RETENTION_HOURS`, default a week), in the background after the response: at
/// most one event is written per change, so the table stays bounded without a scheduler. A
/// failure costs nothing but the pruning.
pub fn prune_now_and_then(platform: &Platform) {
    past_retention_now_and_then(platform, |cutoff| {
        Statement::new(
            "DELETE FROM events WHERE id IN (SELECT id FROM events WHERE created_at < ?1 ORDER BY created_at LIMIT 500)",
        )
        .bind(cutoff)
    });
}

/// About one call in 64 (by the clock) runs `prune(cutoff)` after the response, `cutoff`
/// being now minus `EVENTS_RETENTION_HOURS`: how the outbox and the records derived from it
/// (webhook deliveries) age out without a scheduler. Failures cost nothing but the pruning.
pub fn past_retention_now_and_then(platform: &Platform, prune: impl FnOnce(i64) -> Statement + 'static) {
    let now = platform.clock.now_millis();
    if now.rem_euclid(64) != 0 {
        return;
    }
    let sql = platform.sql.clone();
    let config = platform.config.clone();
    platform.background.spawn(Box::pin(async move {
        let Ok(hours) = retention_hours(&*config).await else { return };
        let _ = sql.run(&prune(now.saturating_sub(hours.saturating_mul(3_600_000)))).await;
    }));
}

/// `EVENTS_RETENTION_HOURS` (at least 1).
async fn retention_hours(config: &dyn Config) -> Result<i64, PortError> {
    let Some(text) = config.var("events_retention_hours").await? else { return Ok(DEFAULT_RETENTION_HOURS) };
    text.trim()
        .parse::<i64>()
        .ok()
        .filter(|hours| *hours >= 1)
        .ok_or_else(|| PortError::decode("EVENTS_RETENTION_HOURS must be a whole number of hours, at least 1"))
}
