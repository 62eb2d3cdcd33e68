//! The auth function: accounts, the OAuth2 token endpoint with refresh rotation, TOTP MFA,
//! sessions, API keys, user administration and the JWKS.
//!
//! | route | what |
//! |---|---|
//! | `POST /v1/auth/register` | create an account (JSON `email`, `password`) |
//! | `POST /v1/auth/token` | OAuth2 password and refresh_token grants (form-encoded) |
//! | `POST /v1/auth/logout`, `/logout-all` | revoke this / every session |
//! | `POST /v1/auth/mfa/totp/enroll`, `/confirm`, `/disable` | manage TOTP |
//! | `POST /v1/auth/mfa/verify` | second sign-in step |
//! | `GET /v1/users/me` | the caller |
//! | `GET /v1/admin/users`, `PUT /v1/admin/users/{id}/roles` | user administration |
//! | `GET/POST /v1/api-keys`, `DELETE /v1/api-keys/{id}` | API keys |
//! | `GET /.well-known/jwks.json` | public signing keys |

mod accounts;
mod admin;
mod api_key_routes;
mod config;
mod jwks;
mod logout;
mod mfa;
pub mod passwords;
mod sessions;
mod throttle;
mod token;
pub mod totp;

use http::StatusCode;
use web::{Problem, Router, delete, get, post, put};

/// The routes of this function.
pub fn router() -> Router {
    Router::new()
        .route("/v1/auth/register", post(accounts::register))
        .route("/v1/auth/token", post(token::token))
        .route("/v1/auth/logout", post(logout::logout))
        .route("/v1/auth/logout-all", post(logout::logout_all))
        .route("/v1/auth/mfa/totp/enroll", post(mfa::enroll))
        .route("/v1/auth/mfa/totp/confirm", post(mfa::confirm))
        .route("/v1/auth/mfa/totp/disable", post(mfa::disable))
        .route("/v1/auth/mfa/verify", post(mfa::verify_challenge))
        .route("/v1/users/me", get(accounts::me))
        .route("/v1/admin/users", get(admin::list_users))
        .route("/v1/admin/users/{id}/roles", put(admin::set_roles))
        .route("/v1/api-keys", get(api_key_routes::list).post(api_key_routes::create))
        .route("/v1/api-keys/{id}", delete(api_key_routes::revoke))
        .route("/.well-known/jwks.json", get(jwks::jwks))
}

#[cfg(target_os = "wasi")]
adapter_spin::export_component!(router, outbound_http, authenticated);

#[cfg(feature = "openapi")]
pub mod api_docs;

/// A token-endpoint error: problem+json whose `code` and RFC 6749 `error` member agree.
pub(crate) fn grant_error(error: &'static str, detail: &str) -> Problem {
    Problem::new(StatusCode::BAD_REQUEST, error, "Token request refused")
        .with_detail(detail.to_owned())
        .with_extension("error", error)
}
