//! The OpenAPI description of this function (collected by the `openapi` crate; not in wasm).

use serde::Serialize;
use utoipa::{OpenApi, ToSchema};

use crate::accounts::{Registration, User};
use crate::admin::{RolesBody, UserPage};
use crate::api_key_routes::{ApiKey, CreatedKey, NewKey};
use crate::mfa::{ConfirmBody, Confirmation, DisableBody, Enrolment, VerifyBody};
use crate::sessions::TokenResponse;
use crate::token::TokenForm;

/// A public signing key (RFC 7517 / RFC 8037).
#[derive(Serialize, ToSchema)]
pub struct Jwk {
    /// Always `OKP`.
    #[schema(example = "OKP")]
    pub kty: String,
    /// Always `Ed25519`.
    #[schema(example = "Ed25519")]
    pub crv: String,
    /// The public key, base64url.
    pub x: String,
    /// Key id (the JWT header's `kid`).
    pub kid: String,
    /// Always `EdDSA`.
    pub alg: String,
    /// Always `sig`.
    #[serde(rename = "use")]
    pub use_: String,
}

/// The JWK Set.
#[derive(Serialize, ToSchema)]
pub struct Jwks {
    /// Every key that verifies access tokens; the first signs new ones.
    pub keys: Vec<Jwk>,
}

/// Create an account. Emails are normalised (trimmed, lower case); passwords need 12-128
/// characters, must not be a known-breached password or contain the email, and are stored as
/// argon2id hashes. Unknown members (such as `roles`) are refused: roles are assigned by admins.
/// `409 email_taken` for a registered email.
#[utoipa::path(post, path = "/v1/auth/register", tag = "auth", operation_id = "register",
    request_body(content = Registration, content_type = "application/json"),
    responses((status = 201, description = "The account.", body = User,
        headers(("Location" = String, description = "`/v1/users/me`")))))]
pub fn register() {}

/// The OAuth2 token endpoint (RFC 6749), form-encoded:
///
/// - `grant_type=password&username=<email>&password=…` signs in. With MFA on it answers `403
///   mfa_required` carrying an `mfa_token` for `POST /v1/auth/mfa/verify`.
/// - `grant_type=refresh_token&refresh_token=…` rotates the refresh token. Reusing a rotated
///   token after the grace window (10 s) revokes the whole session.
///
/// Errors carry RFC 6749's `error` member (`invalid_grant`, `unsupported_grant_type`,
/// `invalid_request`). Failed sign-ins are throttled (`429 too_many_attempts`).
#[utoipa::path(post, path = "/v1/auth/token", tag = "auth", operation_id = "token",
    request_body(content = TokenForm, content_type = "application/x-www-form-urlencoded"),
    responses((status = 200, description = "Tokens (`Cache-Control: no-store`).", body = TokenResponse)))]
pub fn token() {}

/// Revoke the caller's session: its refresh tokens and every access token carrying its id.
#[utoipa::path(post, path = "/v1/auth/logout", tag = "auth", operation_id = "logout",
    security(("bearer" = []), ("oauth2" = [])),
    responses((status = 204, description = "Signed out.")))]
pub fn logout() {}

/// Revoke every session of the caller.
#[utoipa::path(post, path = "/v1/auth/logout-all", tag = "auth", operation_id = "logoutAll",
    security(("bearer" = []), ("oauth2" = [])),
    responses((status = 204, description = "Every session revoked.")))]
pub fn logout_all() {}

/// Start TOTP enrolment (RFC 6238, SHA-1, 6 digits, 30 s): a new secret, pending until
/// confirmed. `409 mfa_already_enabled` if MFA is on.
#[utoipa::path(post, path = "/v1/auth/mfa/totp/enroll", tag = "auth", operation_id = "enrollTotp",
    security(("bearer" = []), ("oauth2" = [])),
    responses((status = 200, description = "The secret and its `otpauth://` URI.", body = Enrolment)))]
pub fn enroll() {}

/// Confirm enrolment with a current code and the account password: MFA turns on, the user's
/// other sessions end, and ten single-use backup codes are returned, this once.
#[utoipa::path(post, path = "/v1/auth/mfa/totp/confirm", tag = "auth", operation_id = "confirmTotp",
    security(("bearer" = []), ("oauth2" = [])),
    request_body(content = ConfirmBody, content_type = "application/json"),
    responses((status = 200, description = "Backup codes.", body = Confirmation)))]
pub fn confirm() {}

/// Turn MFA off, proving it with a current code or the password (exactly one).
#[utoipa::path(post, path = "/v1/auth/mfa/totp/disable", tag = "auth", operation_id = "disableTotp",
    security(("bearer" = []), ("oauth2" = [])),
    request_body(content = DisableBody, content_type = "application/json"),
    responses((status = 204, description = "MFA is off.")))]
pub fn disable() {}

/// Second sign-in step: the `mfa_token` from the `403 mfa_required` answer plus a TOTP code
/// (each accepted once per time step) or a backup code (each accepted once). After 20 wrong
/// codes in a row, codes are refused (`403 mfa_code_locked`) until a backup code signs in,
/// except from networks that signed in to the account within the last 30 days.
#[utoipa::path(post, path = "/v1/auth/mfa/verify", tag = "auth", operation_id = "verifyMfa",
    request_body(content = VerifyBody, content_type = "application/json"),
    responses((status = 200, description = "Tokens.", body = TokenResponse)))]
pub fn verify() {}

/// The caller's account.
#[utoipa::path(get, path = "/v1/users/me", tag = "auth", operation_id = "me",
    security(("bearer" = []), ("oauth2" = []), ("api_key" = [])),
    responses((status = 200, description = "The caller.", body = User)))]
pub fn me() {}

/// List users, oldest first (needs `users:read`: admins).
#[utoipa::path(get, path = "/v1/admin/users", tag = "admin", operation_id = "listUsers",
    security(("bearer" = []), ("oauth2" = []), ("api_key" = [])),
    params(
        ("limit" = Option<u32>, Query, description = "Page size, 1-100 (default 20)."),
        ("cursor" = Option<String>, Query, description = "`next_cursor` of the previous page."),
    ),
    responses((status = 200, description = "A page of users.", body = UserPage)))]
pub fn list_users() {}

/// Replace a user's roles (needs `users:manage`: admins). Admins cannot remove their own admin
/// role (`409 cannot_demote_self`). Audited.
#[utoipa::path(put, path = "/v1/admin/users/{id}/roles", tag = "admin", operation_id = "setUserRoles",
    security(("bearer" = []), ("oauth2" = []), ("api_key" = [])),
    params(("id" = String, Path, description = "User id.")),
    request_body(content = RolesBody, content_type = "application/json"),
    responses((status = 200, description = "The user with the new roles.", body = User)))]
pub fn set_roles() {}

/// The caller's API keys, newest first (secrets are never shown again). Needs a signed-in
/// session with `api_keys:manage`.
#[utoipa::path(get, path = "/v1/api-keys", tag = "api keys", operation_id = "listApiKeys",
    security(("bearer" = []), ("oauth2" = [])),
    responses((status = 200, description = "Keys.", body = Vec<ApiKey>)))]
pub fn list_keys() {}

/// Create an API key: `ofk_<prefix>_<secret>`, shown once. Its scopes must be permissions the
/// caller holds (`422 scope_not_allowed` otherwise) and are intersected with the owner's current
/// permissions on every use. Send it as `X-API-Key` or `Authorization: Bearer`.
#[utoipa::path(post, path = "/v1/api-keys", tag = "api keys", operation_id = "createApiKey",
    security(("bearer" = []), ("oauth2" = [])),
    request_body(content = NewKey, content_type = "application/json"),
    responses((status = 201, description = "The key, with its secret this once.", body = CreatedKey)))]
pub fn create_key() {}

/// Revoke one of the caller's keys (another user's key id is a 404).
#[utoipa::path(delete, path = "/v1/api-keys/{id}", tag = "api keys", operation_id = "revokeApiKey",
    security(("bearer" = []), ("oauth2" = [])),
    params(("id" = String, Path, description = "Key id.")),
    responses((status = 204, description = "Revoked.")))]
pub fn revoke_key() {}

/// The public keys that verify access tokens (EdDSA), for other services.
#[utoipa::path(get, path = "/.well-known/jwks.json", tag = "auth", operation_id = "jwks",
    responses((status = 200, description = "JWK Set (`Cache-Control: public, max-age=300`).", body = Jwks)))]
pub fn jwks() {}

/// This function's operations and schemas.
#[derive(OpenApi)]
#[openapi(
    paths(
        register, token, logout, logout_all, enroll, confirm, disable, verify, me, list_users, set_roles, list_keys,
        create_key, revoke_key, jwks
    ),
    components(schemas(
        Registration,
        User,
        TokenForm,
        TokenResponse,
        Enrolment,
        ConfirmBody,
        Confirmation,
        DisableBody,
        VerifyBody,
        UserPage,
        RolesBody,
        NewKey,
        ApiKey,
        CreatedKey,
        Jwk,
        Jwks
    ))
)]
pub struct ApiDoc;
