//! The audit log: who changed what, written in the same SQL batch as the change itself, so
//! there is never a change without its row (or a row without its change).

use identity::Principal;
use serde_json::Value as Json;
use web::Request;
use web::ports::sql::Statement;

/// One audited change.
pub struct Entry<'a> {
    /// What happened: `product.update`, `order.status`, `user.roles`, …
    pub action: &'a str,
    /// The kind of thing changed: `product`, `order`, `user`, `customer`.
    pub target_type: &'a str,
    /// Its id.
    pub target_id: &'a str,
    /// State before (absent for creations).
    pub before: Option<Json>,
    /// State after (absent for deletions).
    pub after: Option<Json>,
}

/// The `INSERT` for `entry`, to put in the change's batch.
///
/// `guard`, when given, is an SQL condition (with its parameters) that must hold for the row to
/// be written — e.g. that the preceding `UPDATE` in the batch actually applied.
pub fn statement(
    request: &Request,
    actor: &Principal,
    entry: &Entry<'_>,
    guard: Option<(&str, Vec<web::ports::sql::Value>)>,
) -> Statement {
    let summary = serde_json::json!({ "before": entry.before, "after": entry.after }).to_string();
    let (condition, guard_params) = guard.unwrap_or(("1", Vec::new()));
    let mut statement = Statement::new(format!(
        "INSERT INTO audit_log (at, actor_id, action, target_type, target_id, summary, request_id) \
         SELECT ?, ?, ?, ?, ?, ?, ? WHERE {condition}"
    ))
    .bind(request.platform().clock.now_millis())
    .bind(actor.user_id.as_str())
    .bind(entry.action)
    .bind(entry.target_type)
    .bind(entry.target_id)
    .bind(summary)
    .bind(request.request_id());
    statement.params.extend(guard_params);
    statement
}
