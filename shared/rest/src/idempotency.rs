//! `Idempotency-Key` for create endpoints (IETF draft-ietf-httpapi-idempotency-key-header).
//!
//! The first request with a key reserves it (an `INSERT` that only one racer wins), runs, and
//! stores its status, headers and body **in the same batch as the resource it created**. Then:
//!
//! - same key, same request (method, path, body) → the stored response again, with
//!   `Idempotent-Replayed: true`;
//! - same key, different request → 422 `idempotency_key_reused`;
//! - same key while the first is still running → 409 `idempotency_in_flight` + `Retry-After`;
//! - a key older than its lifetime (default 24 h, `idempotency_ttl_seconds`) is forgotten, and a
//!   reservation whose request never finished (it died) frees its key after two minutes.
//!
//! If the first request fails, its reservation is released, so the client may retry the key.
//! Keys are scoped to the authenticated user.

use http::{HeaderValue, StatusCode, header};
use identity::Principal;
use identity::crypto::sha256_hex;
use identity::settings::seconds;
use web::ports::sql::{Statement, Value};
use web::{Problem, Request, Response};

/// The request header.
pub const HEADER: &str = "idempotency-key";
/// The response header marking a replay.
pub const REPLAYED_HEADER: &str = "idempotent-replayed";

/// Default lifetime of a key.
const DEFAULT_TTL_SECONDS: i64 = 24 * 3600;
/// How long a reservation holds its key while its request runs: longer than any request may
/// run, short enough that a request that died mid-way does not block its key for a day.
const IN_FLIGHT_MS: i64 = 120_000;

/// A reserved key: the request may proceed and must complete or release it.
#[derive(Debug, Clone)]
pub struct Reservation {
    user_id: String,
    key: String,
    /// When this request reserved the key: tells its reservation from a later one that took
    /// the key over after it expired.
    reserved_at: i64,
    /// When the key expires once completed.
    expires_at: i64,
}

/// Runs `create` under the request's `Idempotency-Key` header (see [`run_keyed`]).
pub async fn run(
    request: &Request,
    principal: &Principal,
    create: impl AsyncFnOnce(Option<&Reservation>) -> Result<Response, Problem>,
) -> Result<Response, Problem> {
    run_keyed(request, principal, request.header(HEADER), create).await
}

/// Runs `create` under `key` (from a header, or a field of an RPC message): an earlier
/// identical request's stored response is replayed; otherwise the key (if any) is reserved,
/// `create` runs with the reservation, and a failure releases it so the client may retry the
/// key. `create` must put [`complete`] in the batch that creates the resource.
pub async fn run_keyed(
    request: &Request,
    principal: &Principal,
    key: Option<&str>,
    create: impl AsyncFnOnce(Option<&Reservation>) -> Result<Response, Problem>,
) -> Result<Response, Problem> {
    let reservation = match begin(request, principal, key).await? {
        Outcome::Replay(response) => return Ok(response),
        Outcome::Proceed(reservation) => Some(reservation),
        Outcome::NoKey => None,
    };
    let result = create(reservation.as_ref()).await;
    if let (Err(_), Some(reservation)) = (&result, &reservation) {
        release(request, reservation).await;
    }
    result
}

/// What to do with a request that carries (or lacks) a key.
enum Outcome {
    /// No key was sent: proceed without idempotency.
    NoKey,
    /// The key is reserved for this request: proceed, then [`complete`] or [`release`].
    Proceed(Reservation),
    /// An earlier identical request finished: send this stored response.
    Replay(Response),
}

/// Checks and reserves `key` for the request.
async fn begin(request: &Request, principal: &Principal, key: Option<&str>) -> Result<Outcome, Problem> {
    let Some(key) = key else { return Ok(Outcome::NoKey) };
    let key = key.trim();
    if key.is_empty() || key.len() > 255 || !key.bytes().all(|b| b.is_ascii_graphic()) {
        return Err(Problem::bad_request(
            "invalid_idempotency_key",
            "An idempotency key must be 1-255 visible ASCII characters.",
        ));
    }
    let platform = request.platform();
    let now = platform.clock.now_millis();
    let ttl_ms = seconds(&*platform.config, "idempotency_ttl_seconds", DEFAULT_TTL_SECONDS).await? * 1000;
    let fingerprint = fingerprint(request);
    // Reserve: insert, or take over a row whose key has expired. Only one racer gets a row back.
    let reserved = platform
        .sql
        .query_optional(
            &Statement::new(
                "INSERT INTO idempotency_keys (user_id, key, fingerprint, state, created_at, expires_at) \
                 VALUES (?1, ?2, ?3, 'in_flight', ?4, ?5) \
                 ON CONFLICT (user_id, key) DO UPDATE SET fingerprint = excluded.fingerprint, state = 'in_flight', \
                   created_at = excluded.created_at, expires_at = excluded.expires_at, response_status = NULL, \
                   response_headers = NULL, response_body = NULL \
                 WHERE idempotency_keys.expires_at <= ?4 \
                 RETURNING state",
            )
            .bind(principal.user_id.as_str())
            .bind(key)
            .bind(fingerprint.as_str())
            .bind(now)
            .bind(now + IN_FLIGHT_MS),
        )
        .await?;
    if reserved.is_some() {
        return Ok(Outcome::Proceed(Reservation {
            user_id: principal.user_id.clone(),
            key: key.to_owned(),
            reserved_at: now,
            expires_at: now + ttl_ms,
        }));
    }
    let existing = platform
        .sql
        .query_optional(
            &Statement::new(
                "SELECT fingerprint, state, response_status, response_headers, response_body FROM idempotency_keys \
                 WHERE user_id = ?1 AND key = ?2",
            )
            .bind(principal.user_id.as_str())
            .bind(key),
        )
        .await?
        // Released between our two statements: the client may simply retry.
        .ok_or_else(in_flight)?;
    if existing.get::<String>("fingerprint")? != fingerprint {
        return Err(Problem::unprocessable(
            "idempotency_key_reused",
            "This Idempotency-Key was used with a different request; use a new key.",
        ));
    }
    if existing.get::<String>("state")? != "done" {
        return Err(in_flight());
    }
    let mut response = Response::new(existing.get::<Vec<u8>>("response_body")?.into());
    *response.status_mut() =
        StatusCode::from_u16(u16::try_from(existing.get::<i64>("response_status")?).unwrap_or(200))
            .map_err(|e| Problem::internal(e.to_string()))?;
    let headers: Vec<(String, String)> = serde_json::from_str(&existing.get::<String>("response_headers")?)
        .map_err(|e| Problem::internal(format!("stored idempotent headers: {e}")))?;
    for (name, value) in headers {
        if let (Ok(name), Ok(value)) = (header::HeaderName::try_from(name), HeaderValue::try_from(value)) {
            response.headers_mut().insert(name, value);
        }
    }
    response.headers_mut().insert(REPLAYED_HEADER, HeaderValue::from_static("true"));
    Ok(Outcome::Replay(response))
}

/// The statement that stores `response` for the reservation; put it in the batch that creates
/// the resource, with `only_if` (an SQL condition and its `?` parameters) true exactly when the
/// resource exists after the batch's earlier statements. A batch that creates nothing (say an
/// `INSERT … SELECT … WHERE` that matched no row) then leaves the key reserved, to be released.
pub fn complete(reservation: &Reservation, response: &Response, only_if: (&str, Vec<Value>)) -> Statement {
    let kept = [header::CONTENT_TYPE, header::LOCATION, header::ETAG];
    let headers: Vec<(String, String)> = kept
        .iter()
        .filter_map(|name| {
            let value = response.headers().get(name)?.to_str().ok()?;
            Some((name.as_str().to_owned(), value.to_owned()))
        })
        .collect();
    let (condition, condition_params) = only_if;
    let mut statement = Statement::new(format!(
        "UPDATE idempotency_keys SET state = 'done', expires_at = ?, response_status = ?, response_headers = ?, \
         response_body = ? \
         WHERE user_id = ? AND key = ? AND created_at = ? AND state = 'in_flight' AND {condition}"
    ))
    .bind(reservation.expires_at)
    .bind(i64::from(response.status().as_u16()))
    .bind(serde_json::to_string(&headers).unwrap_or_else(|_| "[]".into()))
    // Creates answer with full bodies; a streamed one (which no idempotent route sends) has no
    // bytes to keep.
    .bind(response.body().full().map(|bytes| bytes.to_vec()).unwrap_or_default())
    .bind(reservation.user_id.as_str())
    .bind(reservation.key.as_str())
    .bind(reservation.reserved_at);
    statement.params.extend(condition_params);
    statement
}

/// Releases a reservation after a failure, so the key can be retried (unless another request
/// has taken the key over since).
async fn release(request: &Request, reservation: &Reservation) {
    let statement = Statement::new(
        "DELETE FROM idempotency_keys WHERE user_id = ?1 AND key = ?2 AND created_at = ?3 AND state = 'in_flight'",
    )
    .bind(reservation.user_id.as_str())
    .bind(reservation.key.as_str())
    .bind(reservation.reserved_at);
    // If this fails too, the key simply stays reserved until it expires.
    let _ = request.platform().sql.run(&statement).await;
}

/// What makes two requests "the same": method, path and body bytes.
fn fingerprint(request: &Request) -> String {
    let mut material = Vec::with_capacity(request.body().len() + 64);
    material.extend_from_slice(request.method().as_str().as_bytes());
    material.push(b' ');
    material.extend_from_slice(request.uri().path().as_bytes());
    material.push(b'\n');
    material.extend_from_slice(request.body());
    sha256_hex(&material)
}

fn in_flight() -> Problem {
    Problem::new(StatusCode::CONFLICT, "idempotency_in_flight", "Request in progress")
        .with_detail("A request with this Idempotency-Key is still being processed; retry shortly.")
        .with_header(header::RETRY_AFTER, HeaderValue::from_static("1"))
}
