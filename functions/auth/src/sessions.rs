//! Sessions and refresh-token rotation with reuse detection.
//!
//! A session is a refresh-token family. Refresh tokens are 32 random bytes (base64url), stored
//! only as SHA-256. Using one rotates it: it is marked used and its successor becomes live.
//!
//! The successor is *derived*: `HMAC(key, parent)`. Whoever presents the parent can be given
//! the same successor again without the server keeping any token in clear, which makes the
//! rules simple and race-free:
//!
//! - first use: one SQL batch marks the parent used (only if unused) and inserts the successor
//!   (`INSERT OR IGNORE`: concurrent rotations insert the same row once). However many requests
//!   race, there is exactly one live successor, and all of them receive it.
//! - reuse within the grace window (default 10 s) while the successor is still unused: the same
//!   successor again (a client retrying a lost response).
//! - any other reuse: the token was stolen or replayed. The whole family is revoked, which also
//!   kills its access tokens (they carry the session id), and a security event is logged.

use identity::crypto::{b64url, hmac_sha256, sha256_hex};
use identity::ids::{new_id, new_token};
use identity::tokens::{ACCESS_TOKEN_TYPE, AccessClaims, issue, registered};
use identity::{Role, stored_roles};
use serde::Serialize;
use web::ports::log::Level;
use web::ports::sql::Statement;
use web::ports::{Platform, Sql};
use web::{Problem, Request};

use crate::config::AuthConfig;
use crate::grant_error;

/// The OAuth2 token response (RFC 6749 §5.1).
#[derive(Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TokenResponse {
    /// The access token (EdDSA JWT, `typ: at+jwt`).
    pub access_token: String,
    /// Always `Bearer`.
    pub token_type: &'static str,
    /// Seconds until the access token expires.
    pub expires_in: i64,
    /// The refresh token (opaque; rotate it with `grant_type=refresh_token`).
    pub refresh_token: String,
}

/// What the sign-in behind a new session proved.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Proof {
    /// The password alone: enough only while the account has MFA off.
    Password,
    /// The password and then a second factor.
    SecondFactor,
}

/// Starts a session for `user_id` and returns its first tokens; `None` when `proof` is the
/// password alone and MFA was turned on after the password was checked (ask for the code).
/// The check happens in the same batch as the inserts, so a concurrent MFA confirmation
/// either ends this session with the others or stops it from starting.
pub async fn start(
    platform: &Platform,
    config: &AuthConfig,
    user_id: &str,
    roles: &[Role],
    proof: Proof,
) -> Result<Option<TokenResponse>, Problem> {
    let now = platform.clock.now_millis();
    let session_id = new_id(&*platform.random)?;
    let refresh_token = new_token::<32>(&*platform.random)?;
    let results = platform
        .sql
        .batch(&[
            Statement::new(
                "INSERT INTO sessions (id, user_id, created_at) SELECT ?1, ?2, ?3 \
                 WHERE EXISTS (SELECT 1 FROM users WHERE id = ?2 AND (mfa_enabled = 0 OR ?4))",
            )
            .bind(session_id.as_str())
            .bind(user_id)
            .bind(now)
            .bind(proof == Proof::SecondFactor),
            insert_refresh_token(&refresh_token, &session_id, now, config),
        ])
        .await?;
    if results[0].rows_affected == 0 {
        return Ok(None);
    }
    tokens(platform, config, user_id, &session_id, roles, refresh_token).map(Some)
}

/// Rotates `presented`, applying the reuse rules above.
pub async fn rotate(request: &Request, config: &AuthConfig, presented: &str) -> Result<TokenResponse, Problem> {
    let platform = request.platform();
    let now = platform.clock.now_millis();
    let parent_hash = sha256_hex(presented.as_bytes());
    let row = platform
        .sql
        .query_optional(
            &Statement::new(
                "SELECT t.session_id AS session_id, t.expires_at AS expires_at, t.used_at AS used_at, \
                 s.user_id AS user_id, s.revoked_at AS revoked_at, u.roles AS roles \
                 FROM refresh_tokens t JOIN sessions s ON s.id = t.session_id JOIN users u ON u.id = s.user_id \
                 WHERE t.token_hash = ?1",
            )
            .bind(parent_hash.as_str()),
        )
        .await?
        .ok_or_else(|| grant_error("invalid_grant", "The refresh token is invalid, expired or revoked."))?;
    let session_id: String = row.get("session_id")?;
    let user_id: String = row.get("user_id")?;
    if row.get::<Option<i64>>("revoked_at")?.is_some() || row.get::<i64>("expires_at")? <= now {
        return Err(grant_error("invalid_grant", "The refresh token is invalid, expired or revoked."));
    }
    let roles = stored_roles(&row.get::<String>("roles")?)?;
    let successor = b64url(&hmac_sha256(&config.derive_key("refresh-token-successor"), presented.as_bytes()));

    match row.get::<Option<i64>>("used_at")? {
        None => {
            platform
                .sql
                .batch(&[
                    Statement::new("UPDATE refresh_tokens SET used_at = ?2 WHERE token_hash = ?1 AND used_at IS NULL")
                        .bind(parent_hash.as_str())
                        .bind(now),
                    insert_refresh_token(&successor, &session_id, now, config),
                ])
                .await?;
        }
        Some(used_at) if now - used_at <= config.refresh_grace_ms && is_unused(&*platform.sql, &successor).await? => {}
        Some(_) => {
            revoke(&*platform.sql, &session_id, "refresh_token_reuse", now).await?;
            security_event(request, "refresh_token_reuse", &user_id, Some(&session_id));
            return Err(grant_error("invalid_grant", "The refresh token is invalid, expired or revoked."));
        }
    }
    tokens(platform, config, &user_id, &session_id, &roles, successor)
}

/// Revokes one session (idempotent).
pub async fn revoke(sql: &dyn Sql, session_id: &str, reason: &str, now: i64) -> Result<(), Problem> {
    sql.run(
        &Statement::new(
            "UPDATE sessions SET revoked_at = ?2, revoked_reason = ?3 WHERE id = ?1 AND revoked_at IS NULL",
        )
        .bind(session_id)
        .bind(now)
        .bind(reason),
    )
    .await?;
    Ok(())
}

/// Revokes every live session of a user; returns how many.
pub async fn revoke_all(sql: &dyn Sql, user_id: &str, reason: &str, now: i64) -> Result<u64, Problem> {
    let result = sql
        .run(
            &Statement::new(
                "UPDATE sessions SET revoked_at = ?2, revoked_reason = ?3 WHERE user_id = ?1 AND revoked_at IS NULL",
            )
            .bind(user_id)
            .bind(now)
            .bind(reason),
        )
        .await?;
    Ok(result.rows_affected)
}

fn insert_refresh_token(token: &str, session_id: &str, now: i64, config: &AuthConfig) -> Statement {
    Statement::new(
        "INSERT OR IGNORE INTO refresh_tokens (token_hash, session_id, created_at, expires_at) \
         SELECT ?1, ?2, ?3, ?4 WHERE EXISTS (SELECT 1 FROM sessions WHERE id = ?2)",
    )
    .bind(sha256_hex(token.as_bytes()))
    .bind(session_id)
    .bind(now)
    .bind(now + config.refresh_ttl_ms)
}

async fn is_unused(sql: &dyn Sql, token: &str) -> Result<bool, Problem> {
    let row = sql
        .query_optional(
            &Statement::new("SELECT used_at FROM refresh_tokens WHERE token_hash = ?1")
                .bind(sha256_hex(token.as_bytes())),
        )
        .await?;
    Ok(match row {
        Some(row) => row.get::<Option<i64>>("used_at")?.is_none(),
        None => false,
    })
}

fn tokens(
    platform: &Platform,
    config: &AuthConfig,
    user_id: &str,
    session_id: &str,
    roles: &[Role],
    refresh_token: String,
) -> Result<TokenResponse, Problem> {
    let settings = &config.tokens;
    let claims = AccessClaims {
        registered: registered(settings, settings.audience.clone(), user_id, &*platform.random)?,
        sid: session_id.to_owned(),
        roles: roles.iter().map(|r| r.as_str().to_owned()).collect(),
    };
    let access_token = issue(settings, ACCESS_TOKEN_TYPE, claims, platform.clock.now_seconds(), settings.access_ttl)?;
    Ok(TokenResponse { access_token, token_type: "Bearer", expires_in: settings.access_ttl, refresh_token })
}

/// Logs a security event (never the token itself).
pub fn security_event(request: &Request, event: &str, user_id: &str, session_id: Option<&str>) {
    let line = serde_json::json!({
        "level": "warn",
        "ts_ms": request.platform().clock.now_millis(),
        "msg": "security",
        "event": event,
        "request_id": request.request_id(),
        "user_id": user_id,
        "session_id": session_id,
        "client_ip": request.client_ip(),
    });
    request.platform().log.emit(Level::Warn, &line.to_string());
}
