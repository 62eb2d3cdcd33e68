//! API keys for machine clients: create (shown once), list, revoke.

use http::StatusCode;
use identity::api_keys::mint;
use identity::ids::new_id;
use identity::permissions::{format_list, parse_list};
use identity::{Permission, Principal, authenticate};
use serde::{Deserialize, Serialize};
use web::ports::sql::{Row, Statement};
use web::{Json, Problem, Request, Response, json_response};

use crate::logout::no_content;

/// Longest lifetime a key may be given.
const MAX_EXPIRY_DAYS: u32 = 365;
const DAY_MS: i64 = 24 * 3600 * 1000;

/// `POST /v1/api-keys` body.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct NewKey {
    /// A label, 1–100 characters.
    pub name: String,
    /// Permissions the key carries; each must be one the creator holds.
    pub scopes: Vec<String>,
    /// Days until the key stops working (1–365); omit for no expiry.
    pub expires_in_days: Option<u32>,
}

/// An API key as listed (never the secret).
#[derive(Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ApiKey {
    /// Id.
    pub id: String,
    /// Label.
    pub name: String,
    /// Public lookup prefix.
    pub prefix: String,
    /// Permissions.
    pub scopes: Vec<String>,
    /// Unix ms.
    pub created_at: i64,
    /// Unix ms, if it expires.
    pub expires_at: Option<i64>,
    /// Unix ms of last use (minute resolution).
    pub last_used_at: Option<i64>,
    /// Unix ms, if revoked.
    pub revoked_at: Option<i64>,
}

impl ApiKey {
    fn from_row(row: &Row) -> Result<Self, Problem> {
        Ok(Self {
            id: row.get("id")?,
            name: row.get("name")?,
            prefix: row.get("prefix")?,
            scopes: row.get::<String>("scopes")?.split_ascii_whitespace().map(str::to_owned).collect(),
            created_at: row.get("created_at")?,
            expires_at: row.get("expires_at")?,
            last_used_at: row.get("last_used_at")?,
            revoked_at: row.get("revoked_at")?,
        })
    }
}

const KEY_COLUMNS: &str = "id, name, prefix, scopes, created_at, expires_at, last_used_at, revoked_at";

/// The created key, including the secret this once.
#[derive(Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CreatedKey {
    /// The stored key.
    #[serde(flatten)]
    pub key: ApiKey,
    /// The full key; store it now, it cannot be shown again.
    pub api_key: String,
}

/// Keys are managed with a signed-in session holding `api_keys:manage` (a key cannot mint keys).
async fn manager(request: &Request) -> Result<Principal, Problem> {
    let principal = authenticate(request).await?;
    principal.require(Permission::ApiKeysManage)?;
    if principal.session_id().is_none() {
        return Err(Problem::new(StatusCode::FORBIDDEN, "session_required", "Session required")
            .with_detail("API keys are managed with an access token."));
    }
    Ok(principal)
}

/// `POST /v1/api-keys` → 201.
pub async fn create(request: Request) -> Result<Response, Problem> {
    let principal = manager(&request).await?;
    let body: NewKey = request.json()?;
    let name = body.name.trim();
    if name.is_empty() || name.chars().count() > 100 {
        return Err(Problem::unprocessable("invalid_name", "`name` needs 1–100 characters."));
    }
    let mut scopes: Vec<Permission> =
        parse_list(&body.scopes.join(" ")).map_err(|e| Problem::unprocessable("invalid_scope", format!("{e}.")))?;
    scopes.sort_unstable();
    scopes.dedup();
    if scopes.is_empty() {
        return Err(Problem::unprocessable("invalid_scope", "A key needs at least one scope."));
    }
    if let Some(missing) = scopes.iter().find(|s| !principal.has(**s)) {
        return Err(Problem::unprocessable(
            "scope_not_allowed",
            format!("You do not hold `{missing}`, so a key cannot either."),
        ));
    }
    if body.expires_in_days.is_some_and(|d| !(1..=MAX_EXPIRY_DAYS).contains(&d)) {
        return Err(Problem::unprocessable("invalid_expiry", "`expires_in_days` must be 1–365."));
    }
    let platform = request.platform();
    let now = platform.clock.now_millis();
    let minted = mint(&*platform.random)?;
    let row = platform
        .sql
        .query_optional(
            &Statement::new(format!(
                "INSERT INTO api_keys (id, user_id, prefix, secret_hash, name, scopes, created_at, expires_at) \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8) RETURNING {KEY_COLUMNS}"
            ))
            .bind(new_id(&*platform.random)?)
            .bind(principal.user_id.as_str())
            .bind(minted.prefix.as_str())
            .bind(minted.secret_hash.as_str())
            .bind(name)
            .bind(format_list(&scopes))
            .bind(now)
            .bind(body.expires_in_days.map(|d| now + i64::from(d) * DAY_MS)),
        )
        .await?
        .ok_or_else(|| Problem::internal("INSERT … RETURNING returned no row"))?;
    json_response(StatusCode::CREATED, &CreatedKey { key: ApiKey::from_row(&row)?, api_key: minted.key })
}

/// `GET /v1/api-keys`: the caller's keys, newest first.
pub async fn list(request: Request) -> Result<Json<Vec<ApiKey>>, Problem> {
    let principal = manager(&request).await?;
    let rows = request
        .platform()
        .sql
        .query(
            &Statement::new(format!(
                "SELECT {KEY_COLUMNS} FROM api_keys WHERE user_id = ?1 ORDER BY created_at DESC, id LIMIT 100"
            ))
            .bind(principal.user_id.as_str()),
        )
        .await?;
    Ok(Json(rows.iter().map(ApiKey::from_row).collect::<Result<_, _>>()?))
}

/// `DELETE /v1/api-keys/{id}`: revokes one of the caller's keys (404 for anyone else's).
pub async fn revoke(request: Request) -> Result<Response, Problem> {
    let principal = manager(&request).await?;
    let id = request.param("id")?;
    let platform = request.platform();
    let result = platform
        .sql
        .run(
            &Statement::new(
                "UPDATE api_keys SET revoked_at = ?3 WHERE id = ?1 AND user_id = ?2 AND revoked_at IS NULL",
            )
            .bind(id)
            .bind(principal.user_id.as_str())
            .bind(platform.clock.now_millis()),
        )
        .await?;
    if result.rows_affected == 0 {
        return Err(Problem::not_found());
    }
    Ok(no_content())
}
