//! `POST /v1/auth/token`: the OAuth2 token endpoint (RFC 6749), form-encoded as Swagger UI's
//! Authorize and every OAuth2 client send it.
//!
//! - `grant_type=password` with `username` (email) and `password` (§4.3)
//! - `grant_type=refresh_token` with `refresh_token` (§6), rotating it

use http::{HeaderValue, header};
use identity::stored_roles;
use serde::Deserialize;
use web::ports::sql::Statement;
use web::{Problem, Request, Response, json_response};

use crate::config::AuthConfig;
use crate::sessions::{self, TokenResponse};
use crate::throttle::Attempt;
use crate::{grant_error, mfa, passwords};
use identity::email::normalize_email;

/// The form fields of a token request. Unknown fields (`scope`, `client_id`, `client_secret`
/// from generic clients) are accepted and ignored: this API has no client registration.
#[derive(Debug, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TokenForm {
    /// `password` or `refresh_token`.
    pub grant_type: String,
    /// The email, for `password`.
    pub username: Option<String>,
    /// The password, for `password`.
    pub password: Option<String>,
    /// The refresh token, for `refresh_token`.
    pub refresh_token: Option<String>,
}

/// Dispatches on `grant_type`.
pub async fn token(request: Request) -> Result<Response, Problem> {
    let form: TokenForm = request.form()?;
    let config = AuthConfig::load(&*request.platform().config).await?;
    let tokens = match form.grant_type.as_str() {
        "password" => {
            let (Some(username), Some(password)) = (form.username, form.password) else {
                return Err(grant_error("invalid_request", "The password grant needs `username` and `password`."));
            };
            password_grant(&request, &config, &username, &password).await?
        }
        "refresh_token" => {
            let Some(refresh_token) = form.refresh_token else {
                return Err(grant_error("invalid_request", "The refresh_token grant needs `refresh_token`."));
            };
            sessions::rotate(&request, &config, refresh_token.trim()).await?
        }
        _ => return Err(grant_error("unsupported_grant_type", "Supported: password, refresh_token.")),
    };
    token_response(&tokens)
}

/// Verifies the password (timing does not reveal whether the account exists), applies the
/// throttle, re-hashes outdated hashes, and starts a session — or asks for the second factor.
async fn password_grant(
    request: &Request,
    config: &AuthConfig,
    username: &str,
    password: &str,
) -> Result<TokenResponse, Problem> {
    let platform = request.platform();
    let email = normalize_email(username).unwrap_or_else(|| username.trim().to_ascii_lowercase());
    let attempt = Attempt::new(&email, request.client_network().as_deref());
    let now = platform.clock.now_millis();
    attempt.begin(&*platform.sql, now).await?;

    let user = platform
        .sql
        .query_optional(
            &Statement::new("SELECT id, password_hash, roles, mfa_enabled FROM users WHERE email = ?1")
                .bind(email.as_str()),
        )
        .await?;
    let verified = match &user {
        Some(row) => passwords::verify(password, &row.get::<String>("password_hash")?),
        None => {
            // Spend the same work as a real verification so response time does not reveal
            // whether the account exists.
            passwords::hash(password, &*platform.random)?;
            false
        }
    };
    let Some(user) = user.filter(|_| verified) else {
        attempt.failed(&*platform.sql, now).await?;
        return Err(grant_error("invalid_grant", "The email or password is wrong."));
    };
    attempt.succeeded(&*platform.sql, platform.clock.now_millis()).await?;

    let user_id: String = user.get("id")?;
    let stored_hash: String = user.get("password_hash")?;
    if passwords::needs_rehash(&stored_hash) {
        platform
            .sql
            .run(
                &Statement::new("UPDATE users SET password_hash = ?2, updated_at = ?3 WHERE id = ?1")
                    .bind(user_id.as_str())
                    .bind(passwords::hash(password, &*platform.random)?)
                    .bind(now),
            )
            .await?;
    }
    if user.get::<bool>("mfa_enabled")? {
        return Err(mfa::challenge(platform, config, &user_id)?);
    }
    let roles = stored_roles(&user.get::<String>("roles")?)?;
    match sessions::start(platform, config, &user_id, &roles, sessions::Proof::Password).await? {
        Some(tokens) => Ok(tokens),
        // MFA was turned on while the password was being checked.
        None => Err(mfa::challenge(platform, config, &user_id)?),
    }
}

/// A token response with the headers RFC 6749 §5.1 requires.
pub fn token_response(tokens: &TokenResponse) -> Result<Response, Problem> {
    let mut response = json_response(http::StatusCode::OK, tokens)?;
    response.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response.headers_mut().insert(header::PRAGMA, HeaderValue::from_static("no-cache"));
    Ok(response)
}
