//! Turning a request's credential into a [`Principal`].
//!
//! Accepted: `Authorization: Bearer <access token>`, `Authorization: Bearer <API key>` or
//! `X-API-Key: <API key>`. Every success is checked against the database: the session must not
//! be revoked (so logout takes effect at once), the key must be live, and roles are read fresh
//! (so a demotion takes effect at once).

use std::pin::Pin;

use ports::sql::{Row, Statement, StatementResult};
use web::{Problem, Request};

use crate::api_keys::{looks_like_key, parse, secret_matches};
use crate::external::{self, ExternalError, OidcSettings};
use crate::permissions::{Permission, Role, parse_list, permissions_of};
use crate::principal::{Credential, Principal, invalid_token, unauthenticated};
use crate::settings::TokenSettings;
use crate::tokens::{AccessClaims, verify_access};

/// `last_used_at` of an API key is refreshed at most this often (milliseconds), so busy keys do
/// not write on every request.
const LAST_USED_RESOLUTION_MS: i64 = 60_000;

enum Presented<'a> {
    AccessToken(&'a str),
    ApiKey(&'a str),
}

/// A credential check in progress.
///
/// Boxed, and built behind `#[inline(never)]`, so that one copy of the check serves every
/// function crate: as `async fn`s these small entry points were copied, with the whole check
/// inlined, into each crate that awaits them (six copies of about 13 kB in the Worker).
pub type Checking<'a, T> = Pin<Box<dyn Future<Output = Result<T, Problem>> + 'a>>;

/// The authenticated caller, or 401.
#[inline(never)]
pub fn authenticate(request: &Request) -> Checking<'_, Principal> {
    Box::pin(async move { check(request, Vec::new()).await.map(|(principal, _)| principal) })
}

/// Authenticates like [`authenticate`], and runs the read-only `reads` in the same database
/// round trip as the credential's own lookup ([`ports::Sql::batch_read`]: one D1 batch rather
/// than two or three calls in a row). Their results come back in order.
///
/// The reads run before anyone knows whether the caller may see what they return: check the
/// principal (permission, owner) before using a single row.
#[inline(never)]
pub fn authenticate_with(request: &Request, reads: Vec<Statement>) -> Checking<'_, (Principal, Vec<StatementResult>)> {
    Box::pin(check(request, reads))
}

/// See [`authenticate_with`].
async fn check(request: &Request, reads: Vec<Statement>) -> Result<(Principal, Vec<StatementResult>), Problem> {
    match presented(request)? {
        Presented::AccessToken(token) => access_token(request, token, reads).await,
        Presented::ApiKey(key) => api_key(request, key, reads).await,
    }
}

/// Runs `lookup` followed by `reads` in one round trip: the lookup's row, and the reads' results.
async fn with_reads(
    request: &Request,
    lookup: Statement,
    reads: Vec<Statement>,
) -> Result<(Option<Row>, Vec<StatementResult>), Problem> {
    let mut statements = Vec::with_capacity(reads.len() + 1);
    statements.push(lookup);
    statements.extend(reads);
    let mut results = request.platform().sql.batch_read(&statements).await?.into_iter();
    let row = results.next().and_then(|result| result.rows.into_iter().next());
    Ok((row, results.collect()))
}

/// The caller if they sent a credential (which must then be valid), `None` if they sent none.
/// For endpoints that serve everyone but show more to some.
#[inline(never)]
pub fn authenticate_optional(request: &Request) -> Checking<'_, Option<Principal>> {
    Box::pin(async move {
        if request.header(http::header::AUTHORIZATION).is_none() && request.header("x-api-key").is_none() {
            return Ok(None);
        }
        check(request, Vec::new()).await.map(|(principal, _)| Some(principal))
    })
}

fn presented(request: &Request) -> Result<Presented<'_>, Problem> {
    let bearer = match request.header(http::header::AUTHORIZATION) {
        Some(value) => {
            let (scheme, token) = value.split_once(' ').ok_or_else(|| invalid_token("malformed Authorization"))?;
            if !scheme.eq_ignore_ascii_case("bearer") || token.trim().is_empty() {
                return Err(invalid_token("Authorization scheme is not Bearer"));
            }
            Some(token.trim())
        }
        None => None,
    };
    let api_key = request.header("x-api-key").map(str::trim);
    match (bearer, api_key) {
        (Some(_), Some(_)) => {
            Err(Problem::bad_request("ambiguous_credentials", "Send either Authorization or X-API-Key, not both."))
        }
        (Some(token), None) if looks_like_key(token) => Ok(Presented::ApiKey(token)),
        (Some(token), None) => Ok(Presented::AccessToken(token)),
        (None, Some(key)) => Ok(Presented::ApiKey(key)),
        (None, None) => Err(unauthenticated()),
    }
}

async fn access_token(
    request: &Request,
    token: &str,
    reads: Vec<Statement>,
) -> Result<(Principal, Vec<StatementResult>), Problem> {
    let platform = request.platform();
    if external::is_external_algorithm(token) {
        let principal = external_token(request, token).await?;
        let results = if reads.is_empty() { Vec::new() } else { platform.sql.batch_read(&reads).await? };
        return Ok((principal, results));
    }
    let settings = TokenSettings::load(&*platform.config).await?;
    let claims: AccessClaims =
        verify_access(&settings, token, platform.clock.now_seconds()).map_err(|e| invalid_token(e.as_str()))?;
    let session = session_lookup(&claims.sid, &claims.registered.sub);
    let (row, results) = with_reads(request, session, reads).await?;
    let roles = live_session_roles(row)?;
    let principal = Principal {
        user_id: claims.registered.sub,
        permissions: permissions_of(&roles),
        roles,
        credential: Credential::Session { session_id: claims.sid },
    };
    Ok((principal, results))
}

/// The statement reading a session's state and its user's roles.
fn session_lookup(session_id: &str, user_id: &str) -> Statement {
    Statement::new(
        "SELECT u.roles AS roles, s.revoked_at AS revoked_at \
         FROM sessions s JOIN users u ON u.id = s.user_id WHERE s.id = ?1 AND s.user_id = ?2",
    )
    .bind(session_id)
    .bind(user_id)
}

/// The roles from a [`session_lookup`] row, or 401 when the session is unknown or revoked.
fn live_session_roles(row: Option<Row>) -> Result<Vec<Role>, Problem> {
    let row = row.ok_or_else(|| invalid_token("session unknown"))?;
    if row.get::<Option<i64>>("revoked_at")?.is_some() {
        return Err(invalid_token("session revoked"));
    }
    stored_roles(&row.get::<String>("roles")?)
}

/// Authenticates an access token carried somewhere other than `Authorization` (a WebSocket
/// handshake's `Sec-WebSocket-Protocol`): the same checks as [`authenticate`]. API keys are
/// not accepted there.
pub async fn authenticate_access_token(request: &Request, token: &str) -> Result<Principal, Problem> {
    if looks_like_key(token) {
        return Err(invalid_token("an API key cannot open this connection"));
    }
    access_token(request, token, Vec::new()).await.map(|(principal, _)| principal)
}

/// The current permissions of a session's user, read again (for connections that outlive a
/// request): 401 once the session is revoked or unknown, so revocation takes effect at once.
pub async fn session_permissions(
    platform: &ports::Platform,
    user_id: &str,
    session_id: &str,
) -> Result<Vec<Permission>, Problem> {
    let row = platform.sql.query_optional(&session_lookup(session_id, user_id)).await?;
    Ok(permissions_of(&live_session_roles(row)?))
}

/// A token from the external issuer, if one is configured (otherwise: an algorithm we refuse).
async fn external_token(request: &Request, token: &str) -> Result<Principal, Problem> {
    let platform = request.platform();
    let settings = OidcSettings::load(&*platform.config).await?.ok_or_else(|| invalid_token("algorithm"))?;
    let claims = external::verify(platform, &settings, token).await.map_err(|error| match error {
        ExternalError::Refused(reason) => invalid_token(&format!("external {}", reason.as_str())),
        ExternalError::Unavailable(cause) => Problem::from(cause),
    })?;
    Ok(Principal {
        user_id: format!("oidc:{}", claims.sub),
        permissions: permissions_of(&settings.roles),
        roles: settings.roles.clone(),
        credential: Credential::External { issuer: claims.iss },
    })
}

/// The statement that loads the API key with prefix `prefix` and its owner's roles.
fn api_key_lookup(prefix: &str) -> Statement {
    Statement::new(
        "SELECT k.id AS id, k.prefix AS prefix, k.user_id AS user_id, k.secret_hash AS secret_hash, \
         k.scopes AS scopes, k.expires_at AS expires_at, k.revoked_at AS revoked_at, \
         k.last_used_at AS last_used_at, u.roles AS roles \
         FROM api_keys k JOIN users u ON u.id = k.user_id WHERE k.prefix = ?1",
    )
    .bind(prefix)
}

/// `row` (from [`api_key_lookup`]) if `secret` matches it and it is neither revoked nor expired.
fn check_api_key(row: Option<Row>, secret: &str, now: i64) -> Result<Row, Problem> {
    let row = row.ok_or_else(|| invalid_token("API key unknown"))?;
    if !secret_matches(secret, &row.get::<String>("secret_hash")?) {
        return Err(invalid_token("API key secret mismatch"));
    }
    if row.get::<Option<i64>>("revoked_at")?.is_some() {
        return Err(invalid_token("API key revoked"));
    }
    if row.get::<Option<i64>>("expires_at")?.is_some_and(|at| at <= now) {
        return Err(invalid_token("API key expired"));
    }
    Ok(row)
}

/// The stored row of `key` if its secret matches and it is neither revoked nor expired.
async fn valid_api_key(request: &Request, key: &str, now: i64) -> Result<Row, Problem> {
    let (prefix, secret) = parse(key).ok_or_else(|| invalid_token("malformed API key"))?;
    let row = request.platform().sql.query_optional(&api_key_lookup(prefix)).await?;
    check_api_key(row, secret, now)
}

/// A valid API key's public prefix and owner, as rate limits key them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifiedApiKey {
    /// The key's public prefix.
    pub prefix: String,
    /// The user who created the key.
    pub user_id: String,
}

/// `key`'s prefix and owner if it is a valid API key, for keying rate limits: a prefix
/// presented with a wrong secret must not spend the real key's (or its owner's) quota.
pub async fn verified_api_key(request: &Request, key: &str) -> Option<VerifiedApiKey> {
    let now = request.platform().clock.now_millis();
    let row = valid_api_key(request, key, now).await.ok()?;
    Some(VerifiedApiKey { prefix: row.get("prefix").ok()?, user_id: row.get("user_id").ok()? })
}

async fn api_key(
    request: &Request,
    key: &str,
    reads: Vec<Statement>,
) -> Result<(Principal, Vec<StatementResult>), Problem> {
    let platform = request.platform();
    let now = platform.clock.now_millis();
    let (prefix, secret) = parse(key).ok_or_else(|| invalid_token("malformed API key"))?;
    let (row, results) = with_reads(request, api_key_lookup(prefix), reads).await?;
    let row = check_api_key(row, secret, now)?;
    let key_id: String = row.get("id")?;
    let roles = stored_roles(&row.get::<String>("roles")?)?;
    let scopes: Vec<Permission> = parse_list(&row.get::<String>("scopes")?)
        .map_err(|e| Problem::internal(format!("stored API key scopes: {e}")))?;
    // A key never does more than its owner may do today.
    let permissions = permissions_of(&roles).into_iter().filter(|p| scopes.contains(p)).collect();
    // Bookkeeping at a resolution of a minute: most requests of a busy key write nothing.
    if row.get::<Option<i64>>("last_used_at")?.is_none_or(|at| at < now - LAST_USED_RESOLUTION_MS) {
        platform
            .sql
            .run(
                &Statement::new(
                    "UPDATE api_keys SET last_used_at = ?1 WHERE id = ?2 AND (last_used_at IS NULL OR last_used_at < ?3)",
                )
                .bind(now)
                .bind(key_id.as_str())
                .bind(now - LAST_USED_RESOLUTION_MS),
            )
            .await?;
    }
    let principal =
        Principal { user_id: row.get("user_id")?, roles, permissions, credential: Credential::ApiKey { key_id } };
    Ok((principal, results))
}

/// Roles as stored; an unknown name is data corruption, not a client error.
pub fn stored_roles(text: &str) -> Result<Vec<Role>, Problem> {
    parse_list(text).map_err(|e| Problem::internal(format!("stored roles: {e}")))
}
