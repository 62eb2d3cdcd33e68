//! Accounts: registration and the caller's own profile.

use http::{HeaderValue, StatusCode, header};
use identity::email::normalize_email;
use identity::ids::new_id;
use identity::permissions::ADMIN_ROLE_FILTER;
use identity::{authenticate, stored_roles};
use serde::{Deserialize, Serialize};
use web::ports::PortErrorKind;
use web::ports::sql::{Row, Statement};
use web::{Json, Problem, Request, Response, json_response};

use crate::config::AuthConfig;
use crate::passwords;

/// `POST /v1/auth/register` body. Unknown members are refused, so `roles` (or anything else a
/// client might try to assign itself) is a 422, never stored.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Registration {
    /// Email (normalised: trimmed, lower case).
    pub email: String,
    /// Password (policy in [`passwords::check_policy`]).
    pub password: String,
}

/// A user as the API shows it.
#[derive(Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct User {
    /// Id.
    pub id: String,
    /// Normalised email.
    pub email: String,
    /// Roles.
    pub roles: Vec<String>,
    /// Whether TOTP is on.
    pub mfa_enabled: bool,
    /// Creation time, Unix milliseconds.
    pub created_at: i64,
}

impl User {
    /// Reads a user from a row with `id, email, roles, mfa_enabled, created_at`.
    pub fn from_row(row: &Row) -> Result<Self, Problem> {
        let roles = stored_roles(&row.get::<String>("roles")?)?;
        Ok(Self {
            id: row.get("id")?,
            email: row.get("email")?,
            roles: roles.iter().map(|r| r.as_str().to_owned()).collect(),
            mfa_enabled: row.get("mfa_enabled")?,
            created_at: row.get("created_at")?,
        })
    }
}

/// Columns [`User::from_row`] reads.
pub const USER_COLUMNS: &str = "id, email, roles, mfa_enabled, created_at";

/// `POST /v1/auth/register` → 201 with the user; 409 if the email is taken.
pub async fn register(request: Request) -> Result<Response, Problem> {
    let body: Registration = request.json()?;
    let email = normalize_email(&body.email)
        .ok_or_else(|| Problem::unprocessable("invalid_email", "Send a valid email address."))?;
    passwords::check_policy(&body.password, &email)?;
    let platform = request.platform();
    let config = AuthConfig::load(&*platform.config).await?;
    let id = new_id(&*platform.random)?;
    let password_hash = passwords::hash(&body.password, &*platform.random)?;
    let now = platform.clock.now_millis();
    let bootstrap = config.bootstrap_admin_email.as_deref() == Some(email.as_str());
    let inserted = platform
        .sql
        .query_optional(
            &Statement::new(format!(
                // The bootstrap email becomes admin only while no admin exists.
                "INSERT INTO users (id, email, password_hash, roles, created_at, updated_at) \
                 VALUES (?1, ?2, ?3, CASE WHEN ?4 = 1 AND NOT EXISTS \
                   (SELECT 1 FROM users WHERE {ADMIN_ROLE_FILTER}) \
                   THEN 'customer admin' ELSE 'customer' END, ?5, ?5) \
                 RETURNING id, email, roles, mfa_enabled, created_at"
            ))
            .bind(id.as_str())
            .bind(email.as_str())
            .bind(password_hash)
            .bind(bootstrap)
            .bind(now),
        )
        .await;
    let row = match inserted {
        Ok(Some(row)) => row,
        Ok(None) => return Err(Problem::internal("INSERT … RETURNING returned no row")),
        Err(error) if error.kind == PortErrorKind::Constraint => {
            return Err(Problem::new(StatusCode::CONFLICT, "email_taken", "Email already registered")
                .with_detail("An account with this email exists. Sign in instead."));
        }
        Err(error) => return Err(error.into()),
    };
    let mut response = json_response(StatusCode::CREATED, &User::from_row(&row)?)?;
    response.headers_mut().insert(header::LOCATION, HeaderValue::from_static("/v1/users/me"));
    Ok(response)
}

/// `GET /v1/users/me`.
pub async fn me(request: Request) -> Result<Json<User>, Problem> {
    let principal = authenticate(&request).await?;
    let row = request
        .platform()
        .sql
        .query_optional(
            &Statement::new(format!("SELECT {USER_COLUMNS} FROM users WHERE id = ?1")).bind(principal.user_id.as_str()),
        )
        .await?
        .ok_or_else(Problem::not_found)?;
    Ok(Json(User::from_row(&row)?))
}
