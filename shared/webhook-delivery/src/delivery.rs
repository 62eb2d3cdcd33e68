//! Getting events to endpoints: fan-out from the outbox into deliveries, then attempts, each
//! signed, time-limited, retried with full jitter, and gated by the endpoint's breaker.
//!
//! Every step is safe to run on many instances at once: a delivery's id is fixed per (endpoint,
//! event) and unique, so fan-out never makes two; an attempt first takes a lease on its
//! delivery, so two instances never send the same attempt; breaker changes are single
//! statements on the endpoint's row.

use std::time::Duration;

use bytes::Bytes;
use identity::Permission;
use identity::permissions::permissions_of;
use identity::sealing::Sealer;
use ports::log::Level;
use ports::sql::{Row, Statement};
use ports::{Platform, PortError};
use rest::event_access::Viewer;
use rest::outbox::{Feed, StoredEvent};
use rest::versions::rfc3339;
use web::Pending;
use web::Problem;

use crate::settings::DeliverySettings;
use crate::{backoff, signature, target};

/// Endpoints fanned out per run, and deliveries attempted per run.
const ENDPOINTS_PER_RUN: u32 = 50;
const ATTEMPTS_PER_RUN: u32 = 20;
/// Events fanned out to one endpoint per run (the rest on the next run).
const EVENTS_PER_ENDPOINT: u32 = 100;
/// What an attempt's lease adds to its time limit.
const LEASE_MARGIN_MS: i64 = 5_000;
/// A half-open endpoint whose probe is in flight: others wait this long.
const PROBE_WAIT_MS: i64 = 1_000;

/// What one run did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Summary {
    /// Deliveries created from new events.
    pub fanned_out: usize,
    /// Attempts answered with a 2xx.
    pub delivered: usize,
    /// Attempts that failed (status, timeout, refused target), retried later or dead-lettered.
    pub failed: usize,
    /// Deliveries postponed because their endpoint's breaker is open (no attempt made).
    pub deferred: usize,
}

/// The sealer of endpoint signing secrets (bound to the endpoint id).
pub const SECRET_PURPOSE: &str = "webhook-secret-seal";

/// One run: fan new events out, then attempt what is due.
#[inline(never)]
pub fn run<'a>(platform: &'a Platform) -> Pending<'a, Summary> {
    Box::pin(async move {
        let settings = DeliverySettings::load(&*platform.config).await?;
        let now = platform.clock.now_millis();
        let [latest, endpoints, due] = <[_; 3]>::try_from(
            platform
                .sql
                .batch_read(&[Feed::latest(), endpoints_behind(), due_deliveries(now)])
                .await
                .map_err(Problem::from)?,
        )
        .map_err(|_| Problem::internal("three results expected"))?;
        let latest: i64 = latest.rows.first().map(|row| row.get("id")).transpose()?.unwrap_or(0);
        let mut summary = Summary::default();
        for endpoint in &endpoints.rows {
            match fan_out(platform, endpoint, latest).await {
                Ok(created) => summary.fanned_out += created,
                // One endpoint's trouble (an owner's unreadable roles) never stalls the others.
                Err(problem) if problem.status() != http::StatusCode::SERVICE_UNAVAILABLE => {
                    let line = serde_json::json!({"level": "warn", "msg": "webhook_fan_out_skipped",
                    "cause": problem.cause().unwrap_or(problem.code())});
                    platform.log.emit(Level::Warn, &line.to_string());
                }
                Err(problem) => return Err(problem),
            }
        }
        let due = if summary.fanned_out > 0 {
            platform.sql.query(&due_deliveries(platform.clock.now_millis())).await?
        } else {
            due.rows
        };
        if due.is_empty() {
            return Ok(summary);
        }
        let sealer = identity::sealing::sealer(&*platform.config, SECRET_PURPOSE).await?;
        for delivery in &due {
            match attempt(platform, &settings, &sealer, delivery).await? {
                Attempted::Delivered => summary.delivered += 1,
                Attempted::Failed => summary.failed += 1,
                Attempted::Deferred => summary.deferred += 1,
                Attempted::Skipped => {}
            }
        }
        Ok(summary)
    })
}

/// About one write in 64 (as for the outbox) also deletes up to 500 deliveries that finished
/// (delivered or dead) longer ago than the events are kept, after the response.
pub fn prune_now_and_then(platform: &Platform) {
    rest::outbox::past_retention_now_and_then(platform, |cutoff| {
        Statement::new(
            "DELETE FROM webhook_deliveries WHERE id IN (SELECT id FROM webhook_deliveries \
             WHERE updated_at < ?1 AND state <> 'pending' ORDER BY updated_at LIMIT 500)",
        )
        .bind(cutoff)
    });
}

/// Runs [`run`] after the response (the next write or sweep retries what it leaves).
pub fn run_in_background(platform: &Platform) {
    let background = platform.clone();
    platform.background.spawn(Box::pin(async move { run_logged(&background).await }));
}

/// Runs [`run`], logging a failure instead of returning it.
pub async fn run_logged(platform: &Platform) {
    if let Err(problem) = run(platform).await {
        let cause = problem.cause().unwrap_or(problem.code());
        let line = serde_json::json!({"level": "warn", "msg": "webhook_run_failed", "cause": cause});
        platform.log.emit(Level::Warn, &line.to_string());
    }
}

/// The endpoints that have not seen the newest event, furthest behind first (each run moves
/// every endpoint it reads up to the newest event, so all of them get their turn).
fn endpoints_behind() -> Statement {
    Statement::new(
        "SELECT w.id AS id, w.owner_id AS owner_id, w.event_types AS event_types, w.scopes AS scopes, \
         w.cursor AS cursor, u.roles AS roles FROM webhooks w JOIN users u ON u.id = w.owner_id \
         WHERE w.cursor < (SELECT COALESCE(MAX(id), 0) FROM events) ORDER BY w.cursor, w.id LIMIT ?1",
    )
    .bind(i64::from(ENDPOINTS_PER_RUN))
}

/// What the owner of an endpoint may see now: their roles' permissions, never more than the
/// credential that registered it held (a narrowly scoped API key's endpoint stays narrow).
fn endpoint_permissions(roles: &str, scopes: &str) -> Result<Vec<Permission>, Problem> {
    let granted: Vec<Permission> =
        identity::permissions::parse_list(scopes).map_err(|e| Problem::internal(format!("webhook scopes: {e:?}")))?;
    Ok(permissions_of(&identity::stored_roles(roles)?).into_iter().filter(|p| granted.contains(p)).collect())
}

fn due_deliveries(now: i64) -> Statement {
    Statement::new(
        "SELECT d.id AS id, d.webhook_id AS webhook_id, d.body AS body, d.attempts AS attempts, \
         d.event_id AS event_id, d.event_type AS event_type, d.event_topic AS event_topic, \
         d.event_owner_id AS event_owner_id, w.owner_id AS owner_id, w.scopes AS scopes, u.roles AS roles, \
         w.url AS url, w.secret_sealed AS secret_sealed, w.open_until AS open_until \
         FROM webhook_deliveries d JOIN webhooks w ON w.id = d.webhook_id JOIN users u ON u.id = w.owner_id \
         WHERE d.state = 'pending' AND d.next_attempt_at <= ?1 AND (d.lease_until IS NULL OR d.lease_until <= ?1) \
         ORDER BY d.next_attempt_at LIMIT ?2",
    )
    .bind(now)
    .bind(i64::from(ATTEMPTS_PER_RUN))
}

/// The deliveries of the events `endpoint` has not seen yet that its owner may see now, and
/// the endpoint's cursor moved past them, in one batch. Returns how many were created.
///
/// `latest` is the newest event id, read before the feed: a feed page shorter than asked
/// holds every feed event up to it, so the cursor moves there even when none was the
/// endpoint's (otherwise an endpoint whose feed is quiet would stay "behind" for ever).
async fn fan_out(platform: &Platform, endpoint: &Row, latest: i64) -> Result<usize, Problem> {
    let id: String = endpoint.get("id")?;
    let owner: String = endpoint.get("owner_id")?;
    let cursor: i64 = endpoint.get("cursor")?;
    let types: String = endpoint.get("event_types")?;
    let permissions = endpoint_permissions(&endpoint.get::<String>("roles")?, &endpoint.get::<String>("scopes")?)?;
    let viewer = Viewer { user_id: &owner, permissions: &permissions };
    let rows = match viewer.own_feed() {
        Some(feed) => platform.sql.query(&feed.after(cursor, EVENTS_PER_ENDPOINT)).await?,
        None => Vec::new(),
    };
    let read_to = rows.last().map(|row| row.get::<i64>("id")).transpose()?.unwrap_or(cursor);
    let last = if rows.len() < EVENTS_PER_ENDPOINT as usize { read_to.max(latest) } else { read_to };
    if last == cursor {
        return Ok(0);
    }
    let now = platform.clock.now_millis();
    let mut batch = Vec::new();
    for row in &rows {
        let event = StoredEvent::from_row(row)?;
        if !viewer.may_see(&event) || !subscribed(&types, &event.kind) {
            continue;
        }
        batch.push(
            Statement::new(
                "INSERT OR IGNORE INTO webhook_deliveries \
                 (id, webhook_id, event_id, event_type, event_topic, event_owner_id, body, state, attempts, \
                  next_attempt_at, created_at, updated_at) \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, 'pending', 0, ?8, ?8, ?8)",
            )
            .bind(delivery_id(&id, event.id))
            .bind(id.as_str())
            .bind(event.id)
            .bind(event.kind.as_str())
            .bind(event.topic.as_str())
            .bind(event.owner_id.as_deref())
            .bind(body(&event))
            .bind(now),
        );
    }
    batch.push(
        Statement::new("UPDATE webhooks SET cursor = ?3 WHERE id = ?1 AND cursor = ?2")
            .bind(id.as_str())
            .bind(cursor)
            .bind(last),
    );
    let results = platform.sql.batch(&batch).await?;
    // Another instance may have fanned the same events out first: count what this one made.
    let created: u64 = results[..results.len() - 1].iter().map(|r| r.rows_affected).sum();
    Ok(usize::try_from(created).unwrap_or(usize::MAX))
}

/// Whether an endpoint subscribed to `kind` (`*` = everything).
pub fn subscribed(types: &str, kind: &str) -> bool {
    types.split(' ').any(|t| t == "*" || t == kind)
}

/// The `webhook-id`: one per (endpoint, event), the same on every attempt and replay.
pub fn delivery_id(endpoint: &str, event_id: i64) -> String {
    format!("msg_{}_{event_id}", endpoint.replace('-', ""))
}

/// The Standard Webhooks payload: `type`, `timestamp` (of the change), `data`.
fn body(event: &StoredEvent) -> String {
    format!(
        "{{\"type\":{},\"timestamp\":{},\"data\":{}}}",
        serde_json::Value::from(event.kind.as_str()),
        serde_json::Value::from(rfc3339(event.created_at)),
        event.payload
    )
}

enum Attempted {
    Delivered,
    Failed,
    Deferred,
    /// Another instance holds it, or it is no longer due.
    Skipped,
}

async fn attempt(
    platform: &Platform,
    settings: &DeliverySettings,
    sealer: &Sealer,
    delivery: &Row,
) -> Result<Attempted, Problem> {
    let id: String = delivery.get("id")?;
    let endpoint: String = delivery.get("webhook_id")?;
    let now = platform.clock.now_millis();
    let timeout_ms = i64::try_from(settings.timeout_ms).unwrap_or(i64::MAX);

    // The owner may have lost the right to this event since it was fanned out (a demotion):
    // it is not sent, now or later.
    if !owner_may_still_see(delivery)? {
        let refuse = Statement::new(
            "UPDATE webhook_deliveries SET state = 'dead', last_error = 'the owner may no longer see this event', \
             updated_at = ?2 WHERE id = ?1 AND state = 'pending'",
        )
        .bind(id.as_str())
        .bind(now);
        platform.sql.run(&refuse).await?;
        return Ok(Attempted::Skipped);
    }

    // The breaker: open → wait; cooled down → one probe at a time (half-open).
    let open_until: Option<i64> = delivery.get("open_until")?;
    if let Some(until) = open_until {
        let wait_until = if until > now {
            Some(until)
        } else if !take_probe(platform, &endpoint, now, timeout_ms).await? {
            Some(now + PROBE_WAIT_MS)
        } else {
            None
        };
        if let Some(at) = wait_until {
            platform
                .sql
                .run(
                    &Statement::new(
                        "UPDATE webhook_deliveries SET next_attempt_at = ?2, updated_at = ?3 WHERE id = ?1 AND state = 'pending'",
                    )
                    .bind(id.as_str())
                    .bind(at)
                    .bind(now),
                )
                .await?;
            return Ok(Attempted::Deferred);
        }
    }
    // The lease: nobody else is attempting it, and the breaker has not opened since this run
    // read it (an earlier attempt of the same run may have opened it).
    let lease_until = now + timeout_ms + LEASE_MARGIN_MS;
    let lease = Statement::new(
        "UPDATE webhook_deliveries SET lease_until = ?2 WHERE id = ?1 AND state = 'pending' AND next_attempt_at <= ?3 \
         AND (lease_until IS NULL OR lease_until <= ?3) \
         AND NOT EXISTS (SELECT 1 FROM webhooks WHERE id = ?4 AND open_until > ?3)",
    )
    .bind(id.as_str())
    .bind(lease_until)
    .bind(now)
    .bind(endpoint.as_str());
    if platform.sql.run(&lease).await?.rows_affected == 0 {
        return Ok(Attempted::Skipped);
    }

    let outcome = send(platform, settings, sealer, delivery, &id, &endpoint).await;
    let attempts = delivery.get::<i64>("attempts")?.saturating_add(1);
    let done = platform.clock.now_millis();
    let half_open = open_until.is_some();
    let delivered = outcome.is_ok();
    let batch = match outcome {
        // Each outcome is recorded only under this attempt's own lease: a replay or another
        // instance that took over never has its state overwritten by a late answer.
        Ok(status) => vec![
            Statement::new(
                "UPDATE webhook_deliveries SET state = 'delivered', attempts = attempts + 1, last_status = ?2, \
                 last_error = NULL, lease_until = NULL, updated_at = ?3 \
                 WHERE id = ?1 AND lease_until = ?4 AND state = 'pending'",
            )
            .bind(id.as_str())
            .bind(i64::from(status))
            .bind(done)
            .bind(lease_until),
            Statement::new("UPDATE webhooks SET failures = 0, open_until = NULL, probe_until = NULL WHERE id = ?1")
                .bind(endpoint.as_str()),
        ],
        Err((status, error)) => {
            let attempt_number = u32::try_from(attempts).unwrap_or(u32::MAX);
            let delay =
                backoff::delay_ms(attempt_number, settings.backoff_base_ms, settings.backoff_max_ms, &*platform.random);
            vec![
                Statement::new(
                    "UPDATE webhook_deliveries SET attempts = attempts + 1, \
                     state = CASE WHEN attempts + 1 >= ?2 THEN 'dead' ELSE 'pending' END, next_attempt_at = ?3, \
                     last_status = ?4, last_error = ?5, lease_until = NULL, updated_at = ?6 \
                     WHERE id = ?1 AND lease_until = ?7 AND state = 'pending'",
                )
                .bind(id.as_str())
                .bind(i64::from(settings.max_attempts))
                .bind(done.saturating_add(i64::try_from(delay).unwrap_or(i64::MAX)))
                .bind(status.map(i64::from))
                .bind(error)
                .bind(done)
                .bind(lease_until),
                // A failed probe reopens the breaker; so does the threshold of failures in a row.
                Statement::new(
                    "UPDATE webhooks SET failures = failures + 1, probe_until = NULL, \
                     open_until = CASE WHEN ?2 = 1 OR failures + 1 >= ?3 THEN ?4 ELSE open_until END WHERE id = ?1",
                )
                .bind(endpoint.as_str())
                .bind(i64::from(half_open))
                .bind(i64::from(settings.breaker_failures))
                .bind(done.saturating_add(i64::try_from(settings.breaker_cooldown_ms).unwrap_or(i64::MAX))),
            ]
        }
    };
    platform.sql.batch(&batch).await?;
    Ok(if delivered { Attempted::Delivered } else { Attempted::Failed })
}

/// Whether the endpoint's owner, with their current roles (narrowed to the registering
/// credential's scopes), may still see the delivery's event.
fn owner_may_still_see(delivery: &Row) -> Result<bool, Problem> {
    let owner: String = delivery.get("owner_id")?;
    let permissions = endpoint_permissions(&delivery.get::<String>("roles")?, &delivery.get::<String>("scopes")?)?;
    let event = StoredEvent {
        id: delivery.get("event_id")?,
        kind: delivery.get("event_type")?,
        topic: delivery.get("event_topic")?,
        subject: String::new(),
        owner_id: delivery.get("event_owner_id")?,
        payload: String::new(),
        created_at: 0,
    };
    Ok(Viewer { user_id: &owner, permissions: &permissions }.may_see(&event))
}

/// Takes the half-open probe of `endpoint` if nobody holds it.
async fn take_probe(platform: &Platform, endpoint: &str, now: i64, timeout_ms: i64) -> Result<bool, Problem> {
    let probe = Statement::new(
        "UPDATE webhooks SET probe_until = ?2 WHERE id = ?1 AND open_until IS NOT NULL AND open_until <= ?3 \
         AND (probe_until IS NULL OR probe_until <= ?3)",
    )
    .bind(endpoint)
    .bind(now + timeout_ms + LEASE_MARGIN_MS)
    .bind(now);
    Ok(platform.sql.run(&probe).await?.rows_affected == 1)
}

/// One signed POST within the time limit: the 2xx status, or the failure's status and reason.
async fn send(
    platform: &Platform,
    settings: &DeliverySettings,
    sealer: &Sealer,
    delivery: &Row,
    id: &str,
    endpoint: &str,
) -> Result<u16, (Option<u16>, String)> {
    let failed = |reason: String| (None, reason);
    let url: String = delivery.get("url").map_err(|e: PortError| failed(e.message))?;
    let uri =
        target::check(&url, &settings.allowed_hosts).map_err(|refusal| failed(format!("target refused: {refusal}")))?;
    let sealed: String = delivery.get("secret_sealed").map_err(|e: PortError| failed(e.message))?;
    let secret = sealer.open(endpoint, &sealed).map_err(|_| failed("the signing secret does not open".into()))?;
    let key = std::str::from_utf8(&secret)
        .ok()
        .and_then(signature::key_of)
        .ok_or_else(|| failed("the signing secret is malformed".into()))?;
    let body: String = delivery.get("body").map_err(|e: PortError| failed(e.message))?;
    let timestamp = platform.clock.now_seconds();
    let request = http::Request::post(uri)
        .header(http::header::CONTENT_TYPE, "application/json")
        .header(http::header::USER_AGENT, "orderflow-webhooks/1")
        .header("webhook-id", id)
        .header("webhook-timestamp", timestamp.to_string())
        .header("webhook-signature", signature::sign(&key, id, timestamp, body.as_bytes()))
        .body(Bytes::from(body))
        .map_err(|e| failed(format!("request: {e}")))?;
    let limit = Duration::from_millis(settings.timeout_ms);
    match ports::timer::within(&*platform.timer, limit, "webhook delivery", platform.http.send(request)).await {
        Ok(response) if response.status().is_success() => Ok(response.status().as_u16()),
        Ok(response) => Err((Some(response.status().as_u16()), format!("answered {}", response.status().as_u16()))),
        Err(error) => Err(failed(error.message)),
    }
}
