//! Managing webhook endpoints and their deliveries; the sweep a scheduler calls.

use http::{HeaderValue, StatusCode, header};
use identity::crypto::{constant_time_eq, sha256_hex};
use identity::ids::new_id;
use identity::{Permission, Principal, authenticate};
use rest::event_access::Viewer;
use rest::versions::rfc3339;
use serde::{Deserialize, Serialize};
use web::ports::sql::{Row, Statement};
use web::{Json, Problem, Request, Response, empty_response, json_response};
use webhook_delivery::delivery::{self, SECRET_PURPOSE};
use webhook_delivery::{DeliverySettings, signature, target};

/// Endpoints one user may register.
pub const MAX_ENDPOINTS_PER_USER: i64 = 10;
/// Event types one endpoint may list.
const MAX_TYPES: usize = 20;

/// `POST /v2/webhooks` body.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub(crate) struct NewEndpoint {
    /// Where deliveries go: `https`, a public host (no credentials in the URL).
    #[cfg_attr(feature = "openapi", schema(example = "https://hooks.example.com/orderflow"))]
    url: String,
    /// Event types to receive (`order.created`, `order.status_changed`, …), or `["*"]`.
    #[cfg_attr(feature = "openapi", schema(example = json!(["order.status_changed"])))]
    event_types: Vec<String>,
}

/// An endpoint as its owner sees it (the secret only once, at creation).
#[derive(Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub(crate) struct Endpoint {
    /// The endpoint id.
    id: String,
    /// Where deliveries go.
    url: String,
    /// Subscribed event types.
    event_types: Vec<String>,
    /// `closed` (delivering), `open` (paused after failures) or `half_open` (probing).
    breaker: &'static str,
    /// Failed attempts in a row.
    consecutive_failures: i64,
    /// RFC 3339.
    created_at: String,
    /// The signing secret (`whsec_…`): shown once, in the answer to the creation.
    #[serde(skip_serializing_if = "Option::is_none")]
    secret: Option<String>,
}

impl Endpoint {
    fn from_row(row: &Row, now: i64) -> Result<Self, Problem> {
        let open_until: Option<i64> = row.get("open_until")?;
        Ok(Self {
            id: row.get("id")?,
            url: row.get("url")?,
            event_types: row.get::<String>("event_types")?.split(' ').map(str::to_owned).collect(),
            breaker: match open_until {
                None => "closed",
                Some(until) if until > now => "open",
                Some(_) => "half_open",
            },
            consecutive_failures: row.get("failures")?,
            created_at: rfc3339(row.get("created_at")?),
            secret: None,
        })
    }
}

const ENDPOINT_COLUMNS: &str = "id, url, event_types, failures, open_until, created_at";

/// One delivery, as its endpoint's owner sees it.
#[derive(Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub(crate) struct Delivery {
    /// The `webhook-id` header every attempt carries.
    id: String,
    /// The outbox event delivered.
    event_id: i64,
    /// Its type.
    event_type: String,
    /// `pending` (to be attempted at `next_attempt_at`), `delivered`, or `dead` (every attempt
    /// failed; replay it).
    state: String,
    /// Attempts made.
    attempts: i64,
    /// RFC 3339, for pending deliveries.
    #[serde(skip_serializing_if = "Option::is_none")]
    next_attempt_at: Option<String>,
    /// The last attempt's HTTP status, if it got one.
    last_status: Option<i64>,
    /// Why the last attempt failed.
    last_error: Option<String>,
    /// RFC 3339.
    created_at: String,
    /// RFC 3339.
    updated_at: String,
}

/// The caller's endpoints.
#[derive(Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub(crate) struct EndpointList {
    /// Newest first.
    items: Vec<Endpoint>,
}

/// An endpoint's newest deliveries.
#[derive(Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub(crate) struct DeliveryList {
    /// Newest first.
    items: Vec<Delivery>,
}

/// The answer to a replay.
#[derive(Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub(crate) struct Replayed {
    /// The delivery (`webhook-id`).
    id: String,
    /// `pending`: it goes out after this response.
    state: &'static str,
}

/// Only callers who may follow events (`orders:read`) manage endpoints; they receive what
/// `GET /v2/events` would show them.
/// Endpoints belong to accounts here: a token of the external issuer (no account) is refused.
async fn manager(request: &Request) -> Result<Principal, Problem> {
    let principal = authenticate(request).await?;
    if matches!(principal.credential, identity::Credential::External { .. }) {
        return Err(Problem::new(StatusCode::FORBIDDEN, "account_required", "Account required")
            .with_detail("Webhooks belong to accounts of this API; sign in with one (or use an API key)."));
    }
    Viewer::of(&principal).own_feed().ok_or_else(|| identity::forbidden(Permission::OrdersRead))?;
    Ok(principal)
}

fn invalid(detail: impl Into<String>) -> Problem {
    Problem::unprocessable("invalid_webhook", detail)
}

/// `POST /v2/webhooks`: registers an endpoint; the answer holds its signing secret, once.
pub async fn create(request: Request) -> Result<Response, Problem> {
    let principal = manager(&request).await?;
    let new: NewEndpoint = request.json()?;
    let platform = request.platform();
    let settings = DeliverySettings::load(&*platform.config).await?;
    target::check(new.url.trim(), &settings.allowed_hosts).map_err(invalid)?;
    let mut types: Vec<String> = Vec::new();
    for kind in &new.event_types {
        if kind != "*" && !rest::outbox::TYPES.contains(&kind.as_str()) {
            return Err(invalid(format!("Unknown event type `{kind}`: see GET /v2/events for the types.")));
        }
        if !types.contains(kind) {
            types.push(kind.clone());
        }
    }
    if types.is_empty() || types.len() > MAX_TYPES {
        return Err(invalid(format!("List 1-{MAX_TYPES} event types, or [\"*\"].")));
    }
    let id = new_id(&*platform.random)?;
    let secret = signature::new_secret(&*platform.random)?;
    let sealer = identity::sealing::sealer(&*platform.config, SECRET_PURPOSE).await?;
    let sealed = sealer.seal(&id, secret.as_bytes(), &*platform.random)?;
    let now = platform.clock.now_millis();
    // New endpoints receive what happens from now on; at most MAX_ENDPOINTS_PER_USER each.
    let insert = Statement::new(
        "INSERT INTO webhooks (id, owner_id, url, event_types, scopes, secret_sealed, cursor, created_at) \
         SELECT ?1, ?2, ?3, ?4, ?5, ?6, (SELECT COALESCE(MAX(id), 0) FROM events), ?7 \
         WHERE (SELECT COUNT(*) FROM webhooks WHERE owner_id = ?2) < ?8",
    )
    .bind(id.as_str())
    .bind(principal.user_id.as_str())
    .bind(new.url.trim())
    .bind(types.join(" "))
    // The endpoint never receives more than the credential registering it may see.
    .bind(identity::permissions::format_list(&principal.permissions))
    .bind(sealed)
    .bind(now)
    .bind(MAX_ENDPOINTS_PER_USER);
    if platform.sql.run(&insert).await?.rows_affected == 0 {
        return Err(Problem::new(StatusCode::CONFLICT, "webhook_limit", "Too many webhooks")
            .with_detail(format!("Each user may register {MAX_ENDPOINTS_PER_USER} endpoints; delete one first.")));
    }
    let endpoint = Endpoint {
        id: id.clone(),
        url: new.url.trim().to_owned(),
        event_types: types,
        breaker: "closed",
        consecutive_failures: 0,
        created_at: rfc3339(now),
        secret: Some(secret),
    };
    let mut response = json_response(StatusCode::CREATED, &endpoint)?;
    response.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    if let Ok(location) = HeaderValue::from_str(&format!("/v2/webhooks/{id}")) {
        response.headers_mut().insert(header::LOCATION, location);
    }
    Ok(response)
}

/// `GET /v2/webhooks`: the caller's endpoints (never their secrets).
pub async fn list(request: Request) -> Result<Json<EndpointList>, Problem> {
    let principal = manager(&request).await?;
    let platform = request.platform();
    let rows = platform
        .sql
        .query(
            &Statement::new(format!(
                "SELECT {ENDPOINT_COLUMNS} FROM webhooks WHERE owner_id = ?1 ORDER BY created_at DESC LIMIT ?2"
            ))
            .bind(principal.user_id.as_str())
            .bind(MAX_ENDPOINTS_PER_USER),
        )
        .await?;
    let now = platform.clock.now_millis();
    Ok(Json(EndpointList { items: rows.iter().map(|row| Endpoint::from_row(row, now)).collect::<Result<_, _>>()? }))
}

/// The caller's endpoint `{id}`, or 404 (someone else's does not exist for them).
async fn own_endpoint(request: &Request, principal: &Principal) -> Result<String, Problem> {
    let id = request.param("id")?;
    let row = request
        .platform()
        .sql
        .query_optional(
            &Statement::new("SELECT id FROM webhooks WHERE id = ?1 AND owner_id = ?2")
                .bind(id)
                .bind(principal.user_id.as_str()),
        )
        .await?;
    row.map(|_| id.to_owned()).ok_or_else(Problem::not_found)
}

/// `DELETE /v2/webhooks/{id}`: the endpoint and its deliveries.
pub async fn delete(request: Request) -> Result<Response, Problem> {
    let principal = manager(&request).await?;
    let id = own_endpoint(&request, &principal).await?;
    request
        .platform()
        .sql
        .batch(&[
            Statement::new("DELETE FROM webhook_deliveries WHERE webhook_id = ?1").bind(id.as_str()),
            Statement::new("DELETE FROM webhooks WHERE id = ?1 AND owner_id = ?2")
                .bind(id.as_str())
                .bind(principal.user_id.as_str()),
        ])
        .await?;
    Ok(empty_response(StatusCode::NO_CONTENT))
}

/// `GET /v2/webhooks/{id}/deliveries`: the endpoint's 50 newest deliveries.
pub async fn deliveries(request: Request) -> Result<Json<DeliveryList>, Problem> {
    let principal = manager(&request).await?;
    let id = own_endpoint(&request, &principal).await?;
    let rows = request
        .platform()
        .sql
        .query(
            &Statement::new(
                "SELECT id, event_id, event_type, state, attempts, next_attempt_at, last_status, last_error, created_at, \
                 updated_at FROM webhook_deliveries WHERE webhook_id = ?1 ORDER BY created_at DESC, event_id DESC LIMIT 50",
            )
            .bind(id.as_str()),
        )
        .await?;
    let items = rows
        .iter()
        .map(|row| {
            let state: String = row.get("state")?;
            let next: i64 = row.get("next_attempt_at")?;
            Ok(Delivery {
                id: row.get("id")?,
                event_id: row.get("event_id")?,
                event_type: row.get("event_type")?,
                next_attempt_at: (state == "pending").then(|| rfc3339(next)),
                state,
                attempts: row.get("attempts")?,
                last_status: row.get("last_status")?,
                last_error: row.get("last_error")?,
                created_at: rfc3339(row.get("created_at")?),
                updated_at: rfc3339(row.get("updated_at")?),
            })
        })
        .collect::<Result<_, Problem>>()?;
    Ok(Json(DeliveryList { items }))
}

/// `POST /v2/webhooks/{id}/deliveries/{delivery}/replay`: sends a delivery again (dead or
/// not), with the same `webhook-id`, starting a fresh schedule.
pub async fn replay(request: Request) -> Result<Response, Problem> {
    let principal = manager(&request).await?;
    let id = own_endpoint(&request, &principal).await?;
    let delivery = request.param("delivery")?;
    let platform = request.platform();
    let now = platform.clock.now_millis();
    // Not while an attempt is in flight: that attempt's answer decides, then replay.
    let reset = Statement::new(
        "UPDATE webhook_deliveries SET state = 'pending', attempts = 0, next_attempt_at = ?3, lease_until = NULL, \
         updated_at = ?3 WHERE id = ?1 AND webhook_id = ?2 AND (lease_until IS NULL OR lease_until <= ?3)",
    )
    .bind(delivery)
    .bind(id.as_str())
    .bind(now);
    if platform.sql.run(&reset).await?.rows_affected == 0 {
        let exists = Statement::new("SELECT 1 AS found FROM webhook_deliveries WHERE id = ?1 AND webhook_id = ?2")
            .bind(delivery)
            .bind(id.as_str());
        return Err(match platform.sql.query_optional(&exists).await? {
            Some(_) => Problem::new(StatusCode::CONFLICT, "delivery_in_flight", "Delivery in flight")
                .with_detail("An attempt is being made right now; replay it once it has an answer."),
            None => Problem::not_found(),
        });
    }
    delivery::run_in_background(platform);
    let mut response = json_response(StatusCode::ACCEPTED, &Replayed { id: delivery.to_owned(), state: "pending" })?;
    response.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(response)
}

/// `POST /v2/webhooks/sweep`: one delivery run now, for a scheduler (Spin has no cron
/// trigger). Needs `Authorization: Bearer <WEBHOOK_SWEEP_SECRET>`; without that secret
/// configured the route does not exist (404).
pub async fn sweep(request: Request) -> Result<Json<delivery::Summary>, Problem> {
    let platform = request.platform();
    let Some(secret) = platform.config.secret("webhook_sweep_secret").await?.filter(|s| !s.expose().is_empty()) else {
        return Err(Problem::not_found());
    };
    let presented = request
        .header(header::AUTHORIZATION)
        .and_then(|value| value.strip_prefix("Bearer "))
        .ok_or_else(identity::unauthenticated)?;
    // Compared as digests: constant time, whatever the lengths.
    if !constant_time_eq(
        sha256_hex(presented.trim().as_bytes()).as_bytes(),
        sha256_hex(secret.expose().as_bytes()).as_bytes(),
    ) {
        return Err(identity::invalid_token("sweep secret mismatch"));
    }
    Ok(Json(delivery::run(platform).await?))
}

/// `POST /internal/jobs/{job}` (see [`crate::job_router`]): runs the queued job, answering
/// when it is done; an unknown job is 404.
pub async fn run_job(request: Request) -> Result<Json<delivery::Summary>, Problem> {
    if request.param("job")? != webhook_delivery::JOB {
        return Err(Problem::not_found());
    }
    Ok(Json(delivery::run(request.platform()).await?))
}
