//! Ending sessions.

use http::StatusCode;
use identity::authenticate;
use web::{Problem, Request, Response};

use crate::sessions::{revoke, revoke_all};

/// `POST /v1/auth/logout`: revokes the caller's session (its refresh tokens and every access
/// token carrying its id).
pub async fn logout(request: Request) -> Result<Response, Problem> {
    let principal = authenticate(&request).await?;
    let session_id = principal.session_id().ok_or_else(session_required)?;
    let platform = request.platform();
    revoke(&*platform.sql, session_id, "logout", platform.clock.now_millis()).await?;
    Ok(no_content())
}

/// `POST /v1/auth/logout-all`: revokes every session of the caller.
pub async fn logout_all(request: Request) -> Result<Response, Problem> {
    let principal = authenticate(&request).await?;
    principal.session_id().ok_or_else(session_required)?;
    let platform = request.platform();
    revoke_all(&*platform.sql, &principal.user_id, "logout_all", platform.clock.now_millis()).await?;
    Ok(no_content())
}

fn session_required() -> Problem {
    Problem::new(StatusCode::FORBIDDEN, "session_required", "Session required")
        .with_detail("Signing out needs an access token; API keys are revoked with DELETE /v1/api-keys/{id}.")
}

/// An empty 204.
pub fn no_content() -> Response {
    web::empty_response(StatusCode::NO_CONTENT)
}
